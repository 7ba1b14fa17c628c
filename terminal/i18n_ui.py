"""Texts of the terminal app's screens: key -> (Simplified Chinese, English). Merged by
i18n_catalogue; the older generic `ui.*` keys live there in `_UI`."""

from __future__ import annotations

UI_SHELL = {
    "ui.never_synced": ("尚未同步", "Not synced yet"),
    "ui.synced_ago": ("{minutes}分{seconds}秒前同步", "Synced {minutes}m {seconds}s ago"),
    "ui.on_duty": ("当班：{name}", "On duty: {name}"),
    "ui.nobody_on_duty": ("未登录", "Nobody signed in"),
    "ui.app_title": ("会员收银终端", "Membership terminal"),
}

UI_SIGN_IN = {
    "ui.pin_clear": ("清除", "Clear"),
    "ui.pin_back": ("退格", "Back"),
    "ui.choose_staff": ("请选择您的工号", "Choose your name"),
    "ui.staff_pin": ("{name}，请输入员工密码", "{name}, enter your staff PIN"),
    "ui.no_staff": ("本机尚无员工资料，请联系总部", "No staff on this terminal yet: contact HQ"),
    "ui.welcome": ("{name}，您好", "Hello, {name}"),
}

UI_SIMULATOR = {
    "sim.title": ("模拟设备", "Simulated devices"),
    "sim.card_zhang": ("刷卡：张三（会员卡）", "Tap: Zhang San (member card)"),
    "sim.card_li": ("刷卡：李四（感应卡）", "Tap: Li Si (RFID tag)"),
    "sim.card_wang": ("刷卡：王五（会员卡）", "Tap: Wang Wu (member card)"),
    "sim.card_unknown": ("刷卡：未知卡", "Tap: an unknown card"),
    "sim.remove_card": ("拿走卡片", "Take the card away"),
    "sim.key_esc": ("取消", "Esc"),
    "sim.key_enter": ("确认", "Enter"),
    "sim.paper_out": ("打印机缺纸/装纸", "Printer: paper out / in"),
}
