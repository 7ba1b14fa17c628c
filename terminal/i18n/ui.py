"""Texts of the terminal app's screens: key -> (Simplified Chinese, English). Merged by
i18n_catalogue; the older generic `ui.*` keys live there in `_UI`."""

from __future__ import annotations

UI_SHELL = {
    "ui.never_synced": ("尚未同步", "Not synced yet"),
    "ui.unsynced_quarantined": ("{count} 笔待上传\n总部隔离 {quarantined} 笔",
                                "{count} to upload\n{quarantined} quarantined by HQ"),
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

UI_HOME = {
    "panel.name_level": ("会员 {name}　{level}", "{name}  {level}"),
    "panel.card_line": ("卡号 {card}｜{type}｜{status:~card.status}",
                        "Card {card} | {type} | {status:~card.status}"),
    "panel.phone_line": ("手机 {phone}", "Phone {phone}"),
    "panel.stored_value": ("本金 {principal:fen}　赠送 {bonus:fen}",
                           "Principal {principal:fen}  Bonus {bonus:fen}"),
    "panel.points_line": ("积分 {points}（即将过期 {expiring}）",
                          "Points {points} ({expiring} expiring soon)"),
    "panel.count_item": ("{service} {uses}次", "{service} x{uses}"),
    "panel.time_item": ("计时 {minutes}分钟", "time {minutes} min"),
    "panel.counts_line": ("次卡 {items}", "Service cards {items}"),
    "panel.pass_item": ("{service} 至 {until}", "{service} until {until}"),
    "panel.passes_line": ("时段卡 {items}", "Passes {items}"),
    "panel.coupons_line": ("优惠券 {count} 张 {codes}", "Coupons {count}: {codes}"),
    "home.phone_hint": ("或输入手机号查找", "or find by phone number"),
    "home.find": ("查找", "Find"),
    "home.clear_member": ("清除会员", "Clear member"),
    "home.enrol": ("开卡", "New member"),
    "home.manager_only": ("此操作需店长授权", "A store manager must approve this"),
    "home.choose_card": ("该手机号有多张卡，请选择", "Several cards: choose one"),
    "home.no_member_for_phone": ("未找到该手机号的会员", "No member with this phone number"),
    "home.member_needed": ("请先刷会员卡", "Read the member's card first"),
    "home.not_available": ("此功能暂不可用", "Not available on this terminal"),
    "home.offline_view": ("离线：显示本机记录的余额",
                          "Offline: balances as this terminal knows them"),
}

UI_PROMPTS = {
    "ui.checking_pin": ("正在验证密码…", "Checking the PIN…"),
    "ui.pin_cancelled": ("会员取消了输入密码", "The member cancelled the PIN entry"),
    "ui.manager_approval": ("此操作需店长授权：请店长选择姓名并输入密码",
                            "A store manager must approve: choose your name, enter your PIN"),
}
