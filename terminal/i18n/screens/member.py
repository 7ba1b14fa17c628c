"""Texts of the member's own screens: buying a plan (购买套餐), the profile (会员资料), the
history (消费记录) and subsidiary cards (附属卡), and their row on the home screen."""

from __future__ import annotations

from terminal.i18n.plurals import plural

HOME = {
    "home.member.plans": ("购买套餐", "Buy plans"),
    "home.member.profile": ("会员资料", "Profile"),
    "home.member.history": ("消费记录", "History"),
    "home.member.subsidiary": ("附属卡", "Sub-cards"),
}

PLANS = {
    "plans.choose": ("请在左侧选择要购买的套餐", "Choose a plan on the left"),
    "plans.none": ("此卡类型没有可购买的套餐", "This card type offers no plans"),
    "plans.item_package": ("次卡　{name}　{price:fen}", "Service card  {name}  {price:fen}"),
    "plans.item_pass": ("时段卡　{name}　{price:fen}", "Pass  {name}  {price:fen}"),
    "plans.item_time": ("计时　{name}　每 {minutes} 分钟 {price:fen}",
                        "Time  {name}  {price:fen} per {minutes} min"),
    "plans.chosen": ("购买：{name} ×{qty}\n应付 {due:fen}", "Buy: {name} x{qty}\nDue {due:fen}"),
    "plans.chosen_time": ("购买计时：{name} {minutes} 分钟\n应付 {due:fen}",
                          "Buy time: {name} {minutes} min\nDue {due:fen}"),
    "plans.confirm": ("确认购买", "Buy"),
    "plans.done": ("已购买 {name} ×{qty}，实收 {due:fen}", "Bought {name} x{qty} for {due:fen}"),
}

HISTORY = {
    "history.scope": ("本机办理的记录；其他门店的记录在总部",
                      "Operations on this terminal; other stores' are at HQ"),
    "history.none": ("本机没有此卡的记录", "No operations of this card on this terminal"),
    "history.page": ("第 {page} 页", "Page {page}"),
    "history.newer": ("较新", "Newer"),
    "history.older": ("较早", "Older"),
    "history.amount": ("金额 {amount:fen}", "amount {amount:fen}"),
    "history.stored_value": ("储值 {delta}", "stored value {delta}"),
    "history.points": ("积分 {delta}", "points {delta}"),
    "history.uses": ("次数 {delta}", "uses {delta}"),
    "history.minutes": ("时长 {delta} 分钟", "time {delta} min"),
    "history.passes": ("时段卡 {delta}", "passes {delta}"),
    "history.kind.sale": ("消费", "Purchase"),
    "history.kind.refund": ("退货", "Refund"),
    "history.kind.void": ("撤销", "Void"),
    "history.kind.card.topped_up": ("充值", "Top-up"),
    "history.kind.card.withdrawn": ("取款", "Withdrawal"),
    "history.kind.card.issued": ("开卡", "Card opened"),
    "history.kind.card.replaced": ("换卡", "Card replaced"),
    "history.kind.card.extended": ("延期", "Card extended"),
    "history.kind.card.cancelled": ("退卡", "Card cancelled"),
    "history.kind.package.purchased": ("购买次卡", "Service card bought"),
    "history.kind.pass.purchased": ("购买时段卡", "Pass bought"),
    "history.kind.time.purchased": ("购买时长", "Time bought"),
    "history.kind.time.session_closed": ("计时结账", "Timed session"),
    "history.kind.gift.redeemed": ("积分兑换", "Points redeemed"),
    "history.kind.other": ("其他", "Other"),
}

SUBSIDIARY = {
    "subsidiary.shared": ("主卡余额（附属卡共用）：本金 {principal:fen}　赠送 {bonus:fen}",
                          "Shared with sub-cards: principal {principal:fen}  bonus {bonus:fen}"),
    "subsidiary.policy": ("最多 {max_children} 张，默认额度 {quota:fen}/"
                          "{period:~subsidiary.period}",
                          "Up to {max_children}, default quota {quota:fen} "
                          "{period:~subsidiary.period}"),
    "subsidiary.period.day": ("日", "a day"),
    "subsidiary.period.week": ("周", "a week"),
    "subsidiary.period.month": ("月", "a month"),
    "subsidiary.none": ("此卡还没有附属卡", "No sub-cards yet"),
    "subsidiary.card": ("{card}　额度 {quota:fen}　本期已用 {used:fen}　{status:~card.status}",
                        "{card}  quota {quota:fen}  used {used:fen}  {status:~card.status}"),
    "subsidiary.new_title": ("办理新附属卡", "New sub-card"),
    "subsidiary.card_hint": ("卡号（或刷新卡）", "Card number (or tap the card)"),
    "subsidiary.quota_hint": ("额度（元），不填为默认", "Quota (yuan), empty: default"),
    "subsidiary.card_needed": ("请输入或刷新附属卡的卡号", "Type or tap the new card's number"),
    "subsidiary.confirm": ("办理附属卡", "Issue sub-card"),
    "subsidiary.done": ("附属卡 {card} 已办理", "Sub-card {card} issued"),
    "receipt.parent_card": ("主卡", "Main card"),
    "receipt.subsidiary_quota": ("附属卡额度", "Sub-card quota"),
    "receipt.quota_period.day": ("额度按日计", "Quota per day"),
    "receipt.quota_period.week": ("额度按周计", "Quota per week"),
    "receipt.quota_period.month": ("额度按月计", "Quota per month"),
}

PROFILE = {
    "profile.title": ("会员 {name}　卡号 {card}", "{name}  card {card}"),
    "profile.last_visit": ("最近到店：{when}", "Last visit: {when}"),
    "profile.never_seen": ("尚无到店记录", "No visit yet"),
    "profile.name_label": ("姓名", "Name"),
    "profile.phone_label": ("手机", "Phone"),
    "profile.address_label": ("地址", "Address"),
    "profile.notes_label": ("备注", "Notes"),
    "profile.name_hint": ("姓名", "Name"),
    "profile.phone_hint": ("手机号", "Phone"),
    "profile.address_hint": ("地址（最多 120 字）", "Address (up to 120 characters)"),
    "profile.notes_hint": ("备注（最多 200 字）", "Notes (up to 200 characters)"),
    "profile.gender.none": ("性别未填", "Not given"),
    "profile.gender.female": ("女", "Female"),
    "profile.gender.male": ("男", "Male"),
    "profile.consent_yes": ("接收消息：同意", "Messages: agreed"),
    "profile.consent_no": ("接收消息：不同意", "Messages: not agreed"),
    "profile.confirm": ("保存资料", "Save profile"),
    "profile.done": ("{name} 的资料已保存", "{name}'s profile saved"),
    "member.name_required": ("请填写会员姓名", "Type the member's name"),
    "member.address_invalid": (
        "地址最多 {max} 字，且不能含控制字符",
        plural("max", one="The address has at most {max} character, no control characters",
               other="The address has at most {max} characters, no control characters")),
    "member.gender_invalid": ("性别无效", "Not a gender this terminal knows"),
    "member.notes_invalid": (
        "备注最多 {max} 字，且不能含控制字符",
        plural("max", one="The notes have at most {max} character, no control characters",
               other="The notes have at most {max} characters, no control characters")),
    "receipt.action.member.registered": ("会员资料修改", "Profile updated"),
}

MESSAGES = {**HOME, **PLANS, **HISTORY, **SUBSIDIARY, **PROFILE}
