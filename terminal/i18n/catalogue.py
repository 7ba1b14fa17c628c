"""The message catalogue: key -> (Simplified Chinese, English), in the order of i18n.LANGUAGES.

Chinese is written as a cashier reads it at the counter: short, plain, no error codes. Amount
fields use the `fen` format (`{needed:fen}` -> ¥12.30); `{to:~card.status}` translates a value
through another group of keys. Keep both texts' placeholders identical (a test checks).
"""

from __future__ import annotations

from collections.abc import Mapping

from terminal.i18n.config_errors import CONFIG_ERRORS
from terminal.i18n.devices import (
    DEVICE_CARD_READER,
    DEVICE_COMMON,
    DEVICE_KEYPAD,
    DEVICE_PRINTER,
)
from terminal.i18n.errors import CARD_AND_MONEY_ERRORS, SALE_ERRORS
from terminal.i18n.plurals import Texts, plural
from terminal.i18n.screens import screen_messages
from terminal.i18n.ui import UI_HOME, UI_PROMPTS, UI_SHELL, UI_SIGN_IN, UI_SIMULATOR

_UI: dict[str, Texts] = {
    "ui.ok": ("确定", "OK"),
    "ui.cancel": ("取消", "Cancel"),
    "ui.confirm": ("确认", "Confirm"),
    "ui.back": ("返回", "Back"),
    "ui.close": ("关闭", "Close"),
    "ui.retry": ("重试", "Retry"),
    "ui.search": ("查询", "Search"),
    "ui.print": ("打印", "Print"),
    "ui.reprint": ("重打小票", "Reprint receipt"),
    "ui.processing": ("正在处理，请稍候…", "Processing, please wait…"),
    "ui.success": ("操作成功", "Done"),
    "ui.failed": ("操作失败", "Failed"),
    "ui.language": ("语言", "Language"),
    "ui.settings": ("设置", "Settings"),
    "ui.login": ("登录", "Sign in"),
    "ui.logout": ("退出登录", "Sign out"),
    "ui.cashier": ("收银员", "Cashier"),
    "ui.member": ("会员", "Member"),
    "ui.amount": ("金额", "Amount"),
    "ui.balance": ("余额", "Balance"),
    "ui.points": ("积分", "Points"),
    "ui.sale": ("收银", "Checkout"),
    "ui.topup": ("充值", "Top up"),
    "ui.withdraw": ("取款", "Withdraw"),
    "ui.refund": ("退货", "Refund"),
    "ui.count_use": ("计次消费", "Use service card"),
    "ui.time_session": ("计时", "Timed session"),
    "ui.gift": ("积分兑换", "Redeem points"),
    "ui.card_service": ("卡务", "Card services"),
    "ui.shift": ("交班", "End shift"),
    "ui.swipe_card": ("请刷卡或插卡", "Tap, swipe or insert the card"),
    "ui.card_removed": ("卡片已移开", "The card was removed"),
    "ui.enter_pin": ("请会员在密码键盘上输入密码", "Member: enter your PIN on the keypad"),
    "ui.pin_wrong": ("密码错误，还可尝试 {left} 次",
                     plural("left", one="Wrong PIN, {left} try left",
                            other="Wrong PIN, {left} tries left")),
    "ui.pin_locked": ("密码错误次数过多，已锁定", "Too many wrong PINs: locked"),
    "ui.online": ("在线", "Online"),
    "ui.offline": ("离线模式", "Offline mode"),
    "ui.syncing": ("正在同步", "Syncing"),
    "ui.unsynced": ("{count} 笔待上传", "{count} to upload"),
    "ui.authorising": ("正在向总部确认…", "Checking with HQ…"),
    "ui.hq_timeout": ("总部无响应", "HQ did not answer"),
    "ui.printer_paper_out": ("打印机缺纸", "Printer out of paper"),
    "ui.printer_offline": ("打印机未连接", "Printer not connected"),
    "ui.reader_missing": ("未检测到读卡器", "No card reader found"),
    "ui.keypad_missing": ("未检测到密码键盘", "No PIN keypad found"),
}

_CALENDAR: dict[str, Texts] = {
    "calendar.solar": ("公历", "Solar calendar"),
    "calendar.lunar": ("农历", "Lunar calendar"),
    "calendar.leap_month": ("闰月", "Leap month"),
    "birthday.today": ("今天是会员生日", "It is the member's birthday today"),
    "birthday.upcoming": ("会员生日：{date}", "Member's birthday: {date}"),
    "reminder.birthday": ("{name} 的生日是 {date}", "{name}'s birthday is on {date}"),
    "reminder.low_balance": (
        "{name} 的余额仅剩 {balance:fen}",
        "{name} has only {balance:fen} left",
    ),
    "reminder.inactive": ("{name} 已 {days} 天未到店",
                          plural("days", one="{name} has not visited for {days} day",
                                 other="{name} has not visited for {days} days")),
    "reminder.card_expiry": ("{name} 的会员卡将于 {date} 到期", "{name}'s card expires on {date}"),
}

_CARD_STATUS = {
    "card.status.active": ("正常", "active"),
    "card.status.lost": ("已挂失", "lost"),
    "card.status.frozen": ("已冻结", "frozen"),
    "card.status.expired": ("已过期", "expired"),
    "card.status.replaced": ("已换卡", "replaced"),
    "card.status.cancelled": ("已退卡", "cancelled"),
    "card.action.issue": ("开卡", "Issue card"),
    "card.action.report_loss": ("挂失", "Report lost"),
    "card.action.cancel_loss": ("解挂", "Cancel loss report"),
    "card.action.freeze": ("冻结", "Freeze"),
    "card.action.unfreeze": ("解冻", "Unfreeze"),
    "card.action.expire": ("过期", "Expire"),
    "card.action.extend": ("延期", "Extend"),
    "card.action.replace": ("换卡", "Replace card"),
    "card.action.cancel": ("退卡", "Cancel card"),
}

_RECEIPT = {
    "receipt.title.sale": ("消费小票", "Sales receipt"),
    "receipt.title.topup": ("充值小票", "Top-up receipt"),
    "receipt.title.withdraw": ("取款小票", "Withdrawal receipt"),
    "receipt.title.count_use": ("计次消费小票", "Service-card receipt"),
    "receipt.title.time_session": ("计时结账单", "Timed-session bill"),
    "receipt.title.refund": ("退货小票", "Refund receipt"),
    "receipt.title.gift": ("积分兑换小票", "Points redemption receipt"),
    "receipt.title.card_operation": ("会员卡业务单", "Card service slip"),
    "receipt.title.shift": ("交班报表", "Shift report"),
    "receipt.label_value": ("{label}：{value}", "{label}: {value}"),
    "receipt.op_id": ("单号", "No."),
    "receipt.time": ("时间", "Time"),
    "receipt.store": ("门店", "Store"),
    "receipt.terminal": ("终端", "Terminal"),
    "receipt.cashier": ("收银员", "Cashier"),
    "receipt.card_no": ("卡号", "Card"),
    "receipt.member": ("会员", "Member"),
    "receipt.item": ("品名", "Item"),
    "receipt.qty": ("数量", "Qty"),
    "receipt.unit_price": ("单价", "Price"),
    "receipt.amount": ("金额", "Amount"),
    "receipt.subtotal": ("小计", "Subtotal"),
    "receipt.discount": ("优惠", "Discount"),
    "receipt.member_discount": ("会员折扣", "Member discount"),
    "receipt.promotion": ("促销", "Promotion"),
    "receipt.coupon": ("优惠券", "Coupon"),
    "receipt.points_offset": ("积分抵现", "Points offset"),
    "receipt.points_used": ("使用积分", "Points used"),
    "receipt.paid_by_count": ("次卡抵扣", "Paid by service card"),
    "receipt.amount_due": ("应付", "Amount due"),
    "receipt.cash_received": ("实收现金", "Cash received"),
    "receipt.change": ("找零", "Change"),
    "receipt.principal": ("本金余额", "Paid-in balance"),
    "receipt.bonus": ("赠送余额", "Bonus balance"),
    "receipt.stored_value": ("卡内余额", "Card balance"),
    "receipt.points": ("积分", "Points"),
    "receipt.points_earned": ("本次积分", "Points earned"),
    "receipt.topup_amount": ("充值金额", "Top-up amount"),
    "receipt.topup_bonus": ("赠送金额", "Bonus given"),
    "receipt.withdraw_amount": ("取款金额", "Amount withdrawn"),
    "receipt.fee": ("手续费", "Fee"),
    "receipt.card_fee": ("开卡费", "Join fee"),
    "receipt.annual_fee": ("年费", "Annual fee"),
    "receipt.service": ("服务项目", "Service"),
    "receipt.counts_used": ("本次使用次数", "Uses this time"),
    "receipt.counts_left": ("剩余次数", "Uses left"),
    "receipt.started_at": ("开始时间", "Started"),
    "receipt.ended_at": ("结束时间", "Ended"),
    "receipt.minutes": ("计费时长（分钟）", "Charged minutes"),
    "receipt.minutes_left": ("剩余时长（分钟）", "Minutes left"),
    "receipt.expires_on": ("有效期至", "Valid until"),
    "receipt.old_card_no": ("原卡号", "Old card"),
    "receipt.new_card_no": ("新卡号", "New card"),
    "receipt.refund_principal": ("退还本金", "Paid-in money returned"),
    "receipt.forfeited": ("作废", "Forfeited"),
    "receipt.gift_item": ("兑换礼品", "Gift"),
    "receipt.points_cost": ("消耗积分", "Points spent"),
    "receipt.original_sale": ("原单号", "Original sale"),
    "receipt.refund_total": ("退款合计", "Refund total"),
    "receipt.shift_started": ("开班时间", "Shift started"),
    "receipt.shift_ended": ("交班时间", "Shift ended"),
    "receipt.sales_count": ("销售笔数", "Sales"),
    "receipt.sales_total": ("销售总额", "Sales total"),
    "receipt.topups_total": ("充值总额", "Top-ups total"),
    "receipt.refunds_total": ("退款总额", "Refunds total"),
    "receipt.cash_total": ("现金合计", "Cash total"),
    "receipt.signature": ("会员签名", "Member's signature"),
    "receipt.reprint": ("重打小票", "REPRINT"),
    "receipt.offline": ("离线交易，待上传总部", "Offline sale, to be sent to HQ"),
    "receipt.customer_copy": ("顾客联", "Customer copy"),
    "receipt.store_copy": ("商户联", "Store copy"),
    "receipt.units": ("计费单位", "Units billed"),
    "receipt.paid_by_pass": ("月卡/季卡抵扣", "Covered by pass"),
    "receipt.prepaid_minutes_used": ("扣除预付时长（分钟）", "Prepaid minutes used"),
    "receipt.replacement_fee": ("补卡费", "Replacement fee"),
    "receipt.cancellation_fee": ("退卡手续费", "Cancellation fee"),
    "receipt.action.card.issued": ("开卡", "Card issued"),
    "receipt.action.card.lost": ("挂失", "Card reported lost"),
    "receipt.action.card.found": ("解除挂失", "Loss report cancelled"),
    "receipt.action.card.frozen": ("冻结", "Card frozen"),
    "receipt.action.card.unfrozen": ("解冻", "Card unfrozen"),
    "receipt.action.card.replaced": ("换卡", "Card replaced"),
    "receipt.action.card.extended": ("延期", "Card extended"),
    "receipt.action.card.cancelled": ("退卡", "Card cancelled"),
    "receipt.commission": ("提成", "Commission"),
    "receipt.shift_opened": ("开班", "Shift opened"),
    "receipt.opening_float": ("备用金", "Opening float"),
    "receipt.topups_count": ("充值笔数", "Top-ups"),
    "receipt.refunds_count": ("退款笔数", "Refunds"),
    "receipt.withdrawals_count": ("取款笔数", "Withdrawals"),
    "receipt.withdrawals_total": ("取款总额", "Withdrawals total"),
    "receipt.refunded.stored_value": ("退款·储值卡", "Refunded to the card"),
    "receipt.refunded.count": ("退款·次卡", "Refunded as uses"),
    "receipt.refunded.cash": ("退款·现金", "Refunded in cash"),
    "receipt.refunded.bank_card": ("退款·银行卡", "Refunded to a bank card"),
    "receipt.refunded.wechat": ("退款·微信支付", "Refunded by WeChat Pay"),
    "receipt.refunded.alipay": ("退款·支付宝", "Refunded by Alipay"),
    "receipt.cash_paid_out": ("退卡退现", "Cash returned for cancelled cards"),
    "receipt.count_uses": ("计次使用", "Service-card uses"),
    "receipt.staff_commission": ("员工提成", "Staff commission"),
    "receipt.expected_cash": ("应有现金", "Cash expected"),
    "receipt.counted_cash": ("实点现金", "Cash counted"),
    "receipt.cash_difference": ("长短款", "Over / short"),
    "receipt.shift_signature": ("收银员签字：", "Cashier's signature:"),
    "card.unknown": ("总部没有这张卡的记录", "HQ does not know this card"),
    "offline.limit_reached": (
        "离线状态下超出此卡的脱机限额，最多可扣 {available:fen}",
        "Offline: over this card's offline limit, at most {available:fen} can be taken",
    ),
    "auth.op_conflict": (
        "同一单号的授权请求内容不一致",
        "An authorisation for this operation was already asked with other details",
    ),
    "tender.not_allowed_for_payment_in": (
        "充值、开卡费和次卡不能用储值卡或次卡支付",
        "Top-ups and fees cannot be paid from the card itself",
    ),
    "level.changed": (
        "会员等级已升级为 {level}，下次消费起享受新折扣",
        "Member level is now {level}: the new discount applies from the next sale",
    ),
    "receipt.thanks": ("谢谢惠顾，欢迎再次光临", "Thank you, please come again"),
    "receipt.keep": ("请妥善保管小票", "Please keep this receipt"),
    "receipt.refund_footer": ("退款将按原支付方式退回", "Refunds go back the way they were paid"),
    "tender.stored_value": ("储值卡", "Stored-value card"),
    "tender.cash": ("现金", "Cash"),
    "tender.bank_card": ("银行卡", "Bank card"),
    "tender.wechat": ("微信支付", "WeChat Pay"),
    "tender.alipay": ("支付宝", "Alipay"),
    "tender.count": ("次卡", "Service card"),
}

_PRINTING: dict[str, Texts] = {
    "printing.failed": (
        "小票未打印：{reason}。小票已保存，可在“重打小票”中补打",
        "The receipt did not print: {reason}. It is kept: print it from Reprint receipt",
    ),
    "printing.pending": ("{count} 张小票待补打",
                         plural("count", one="{count} receipt waiting to be printed",
                                other="{count} receipts waiting to be printed")),
    "printing.nothing_to_reprint": ("没有可重打的小票", "No receipt to reprint"),
    "printing.drawer_opened": ("钱箱已打开，请找零", "Cash drawer open: give the change"),
    "preview.qr": ("[二维码：{payload}]", "[QR: {payload}]"),
    "preview.barcode": ("[条码 {symbology}：{data}]", "[Barcode {symbology}: {data}]"),
    "preview.logo": ("[图标：{path}]", "[Logo: {path}]"),
    "preview.font_missing": (
        "未找到中文字体，无法生成小票预览（请安装 fonts-wqy-microhei）",
        "No Chinese font found for the receipt preview (install fonts-wqy-microhei)",
    ),
}


# Refusals of the cashier's operations (terminal/cashier/operations*.py) that the core does not
# raise itself: what only the terminal knows (its store, PINs, approvals, the debit guard).
_CASHIER = {
    "pin.required": (
        "请会员在密码键盘上输入此卡密码后再操作",
        "The member must enter this card's PIN on the keypad first",
    ),
    "permission.approval_needed": (
        "此操作需要店长输入密码授权",
        "This needs a store manager's approval",
    ),
    "permission.refused": (
        "您的岗位不能做此操作",
        "Your role may not do this",
    ),
    "debit.refused": ("总部未批准此次扣款", "HQ did not approve this payment from the card"),
    "coupon.unknown": ("没有此优惠券：{code}", "No such coupon: {code}"),
    "gift.unknown": ("没有此礼品：{code}", "No such gift: {code}"),
    "time.unknown_service": (
        "此卡没有计时项目：{service}",
        "This card has no timed service {service}",
    ),
    "card.type_unknown": ("没有此卡类型：{code}", "No such card type: {code}"),
    "card.uid_in_use": (
        "这张感应卡已绑定一张在用的会员卡，请换一张",
        "This tag is already bound to a card in use: take another tag",
    ),
    "card.already_issued": (
        "卡号 {card_no} 已被使用，请换一张新卡",
        "Card {card_no} is already in use: take another card",
    ),
    "refund.sale_unknown": (
        "本机没有单号为 {op_id} 的销售",
        "This terminal has no sale {op_id}",
    ),
    "refund.wrong_card": (
        "此卡不是原单的会员卡",
        "This is not the card the sale was made with",
    ),
    "reprint.unknown": ("没有单号为 {op_id} 的小票", "No receipt {op_id}"),
}


# The cashier's desks (terminal/cashier/staff.py, shifts.py, members.py, member_pin.py) and the
# member panel's reminders (membership/member_panel.py).
_DESKS: dict[str, Texts] = {
    "staff.refused": ("员工登录未通过", "Sign-in refused"),
    "staff.unknown": ("没有此员工：{staff_id}", "No such staff member: {staff_id}"),
    "staff.pin_wrong": ("员工密码错误，还可尝试 {tries_left} 次",
                        plural("tries_left", one="Wrong staff PIN, {tries_left} try left",
                               other="Wrong staff PIN, {tries_left} tries left")),
    "staff.locked": ("密码错误次数过多，已锁定至 {until}（约 {minutes} 分钟）",
                     "Too many wrong PINs: locked until {until} (about {minutes} min)"),
    "staff.not_manager": ("需要店长授权，{staff_id} 不是店长",
                          "A store manager must approve: {staff_id} is not one"),
    "shift.refused": ("交接班操作未完成", "The shift could not be opened or closed"),
    "shift.already_open": ("本机已有未交班的班次（{staff_id}），请先交班",
                           "A shift is open on this terminal ({staff_id}): close it first"),
    "shift.not_open": ("本机没有进行中的班次，请先开班", "No shift is open: open one first"),
    "shift.not_yours": ("此班次由 {staff_id} 开班，需本人或店长交班",
                        "{staff_id} opened this shift: they or a manager must close it"),
    "pin.refused": ("会员密码未通过", "The member's PIN was not accepted"),
    "pin.wrong": ("会员密码错误，还可尝试 {tries_left} 次",
                  plural("tries_left", one="Wrong PIN, {tries_left} try left",
                         other="Wrong PIN, {tries_left} tries left")),
    "pin.locked": ("密码错误次数过多，此卡已锁定，请联系总部解锁",
                   "Too many wrong PINs: the card is locked, HQ must unlock it"),
    "pin.card_locked": ("密码错误次数过多，此卡已锁定（卡片自身锁定，无法解锁），请为会员换卡",
                        "Too many wrong PINs: the card has locked itself for good, replace it"),
    "pin.locked_offline": ("密码错误次数过多，离线期间此卡在本机已锁定，连接总部后可再试",
                           "Too many wrong PINs: locked here until HQ can be reached"),
    "pin.not_set": ("此卡尚未设置密码，请先设置密码", "This card has no PIN yet: set one first"),
    "pin.unavailable_offline": ("离线状态下无法验证此卡密码，请待网络恢复",
                                "This card's PIN cannot be checked offline: wait for HQ"),
    "pin.card_unavailable": ("无法读取卡片验证密码，请将卡放回读卡器",
                             "The card did not answer: put it back on the reader"),
    "pin.needs_hq": ("设置或修改密码需要连接总部", "Setting or changing a PIN needs HQ"),
    "subsidiary.parent_unknown": ("找不到副卡的主卡 {parent_card_no}",
                                  "The main card {parent_card_no} of this card is unknown"),
    "panel.card_status": ("此卡{status:~card.status}，不能消费",
                          "This card is {status:~card.status}: it cannot pay"),
    "panel.birthday_today": ("今天是会员{calendar:~panel.calendar}生日（{date}）",
                             "It is the member's {calendar:~panel.calendar} birthday ({date})"),
    "panel.birthday_soon": ("会员{calendar:~panel.calendar}生日在 {days} 天后（{date}）",
                            plural("days",
                                   one="The member's {calendar:~panel.calendar} birthday is in "
                                       "{days} day ({date})",
                                   other="The member's {calendar:~panel.calendar} birthday is "
                                         "in {days} days ({date})")),
    "panel.calendar.lunar": ("农历", "lunar"),
    "panel.calendar.solar": ("公历", "solar"),
    "panel.card_expiring": ("会员卡将于 {date} 到期（还有 {days} 天）",
                            plural("days", one="The card expires on {date} ({days} day left)",
                                   other="The card expires on {date} ({days} days left)")),
    "panel.low_balance": ("卡内余额仅剩 {balance:fen}，可提醒充值",
                          "Only {balance:fen} left on the card: suggest a top-up"),
    "panel.points_expiring": ("{points} 积分将于 {date} 过期",
                              plural("points", one="{points} point expires on {date}",
                                     other="{points} points expire on {date}")),
}


def _merge(*sections: Mapping[str, Texts]) -> dict[str, Texts]:
    merged: dict[str, Texts] = {}
    for section in sections:
        repeated = merged.keys() & section.keys()
        if repeated:
            raise ValueError(f"message keys defined twice: {sorted(repeated)}")
        merged.update(section)
    return merged


MESSAGES = _merge(
    _UI, _CALENDAR, _CARD_STATUS, _RECEIPT, _PRINTING, _CASHIER, _DESKS, CARD_AND_MONEY_ERRORS,
    SALE_ERRORS, CONFIG_ERRORS, DEVICE_COMMON, DEVICE_CARD_READER, DEVICE_KEYPAD,
    DEVICE_PRINTER, UI_SHELL, UI_SIGN_IN, UI_SIMULATOR, UI_HOME, UI_PROMPTS, *screen_messages(),
)
