"""Domain error messages: key -> (Simplified Chinese, English), for every key `membership/`
raises (a test checks that none is missing). Merged into the catalogue by i18n_catalogue."""

from __future__ import annotations

from terminal.i18n.plurals import Texts, plural

CARD_AND_MONEY_ERRORS: dict[str, Texts] = {
    "domain.error": ("操作未能完成（{key}）", "The operation could not be completed ({key})"),
    "input.invalid": ("输入有误：{field:~field}", "Invalid input: {field:~field}"),
    "pin.format": ("密码须为 {min}-{max} 位数字",
                   plural("max", one="A PIN is {min} to {max} digit",
                          other="A PIN is {min} to {max} digits")),
    "pin.already_set": (
        "此卡已设置密码，修改密码需输入原密码",
        "This card already has a PIN: changing it needs the old PIN",
    ),
    "pin.replayed": (
        "重复的密码请求已被总部拒绝，请重新输入",
        "HQ refused a repeated PIN request: please enter the PIN again",
    ),
    "pin.stale": (
        "本机时间与总部相差过大，无法验证密码，请校准时间",
        "This terminal's clock is too far from HQ's to check a PIN: set the clock",
    ),
    "pin.key_stale": (
        "总部密钥已更新，请稍后重试",
        "HQ's PIN key has changed: please try again shortly",
    ),
    "pin.algorithm": (
        "本机的密码加密方式已停用，请更新收银软件",
        "HQ no longer accepts this terminal's PIN sealing: update the terminal software",
    ),
    "pin.terminal_limited": (
        "本机近期密码错误的卡过多，总部暂停本机验证密码",
        "Wrong PINs on too many cards here lately: HQ has paused PIN checks at this terminal",
    ),
    "pin.not_own_store": (
        "此卡不是本店开的卡，首次设置密码须在开卡门店办理",
        "This card was issued by another store: its first PIN is set there",
    ),
    "member.unknown": ("总部没有使用此手机号的会员", "HQ has no member with this phone number"),
    "member.name_invalid": (
        "会员姓名最多 {max} 个字，且不能含控制字符",
        plural("max", one="A member's name has at most {max} character and no control characters",
               other="A member's name has at most {max} characters and no control characters"),
    ),
    "card.uid_invalid": ("卡片 UID 格式有误", "The card's UID is not valid"),
    "member.phone_invalid": ("请输入正确的手机号码", "Enter a valid phone number"),
    "field.amount": ("金额", "amount"),
    "field.card_no": ("卡号", "card number"),
    "field.new_card_no": ("新卡号", "new card number"),
    "field.member_id": ("会员编号", "member number"),
    "field.op_id": ("业务单号", "operation number"),
    "field.days": ("天数", "days"),
    "field.minutes": ("分钟数", "minutes"),
    "field.qty": ("数量", "quantity"),
    "field.quota": ("额度", "quota"),
    "field.uses": ("次数", "uses"),
    "field.paid": ("实付金额", "amount paid"),
    "field.draw": ("扣款顺序", "draw order"),
    "money.invalid": ("金额有误", "Invalid amount"),
    "money.empty": ("请输入金额", "Please enter an amount"),
    "money.negative": ("金额不能为负数", "The amount cannot be negative"),
    "money.not_a_number": ("“{text}”不是有效金额", "“{text}” is not a valid amount"),
    "money.too_many_decimals": ("金额最多两位小数", "At most two decimal places"),
    "money.too_large": (
        "金额超过上限 {max_fen:fen}",
        "The amount is over the limit of {max_fen:fen}",
    ),
    "money.rate_negative": ("折扣率不能为负", "The rate cannot be negative"),
    "card.state": ("此卡当前不能使用", "This card cannot be used now"),
    "card.lost": ("此卡已挂失", "This card has been reported lost"),
    "card.frozen": ("此卡已冻结", "This card is frozen"),
    "card.expired": ("此卡已过期", "This card has expired"),
    "card.cancelled": ("此卡已退卡", "This card has been cancelled"),
    "card.replaced": (
        "此卡已换新卡，请使用新卡",
        "This card was replaced, please use the new card",
    ),
    "card.transition_illegal": (
        "此卡当前为“{from:~card.status}”，不能改为“{to:~card.status}”",
        "A card that is {from:~card.status} cannot become {to:~card.status}",
    ),
    "card.not_yet_expired": (
        "此卡尚未过期（有效期至 {expires_on}）",
        "This card has not expired yet (valid until {expires_on})",
    ),
    "card.never_expires": (
        "此卡长期有效，无需延期",
        "This card never expires: no extension needed",
    ),
    "card.extension_not_later": (
        "新的有效期必须晚于原有效期和今天",
        "The new expiry date must be after the old one and after today",
    ),
    "card.extension_ambiguous": (
        "请只填写延期天数或新有效期其中一项",
        "Give either the days to extend or the new expiry date, not both",
    ),
    "card.type_mismatch": ("卡类型不符", "The card type does not match"),
    "card.negative_balance": (
        "此卡余额为负，请先联系总部处理",
        "This card has a negative balance: contact HQ first",
    ),
    "card.required": ("请先刷会员卡", "Please read the member card first"),
    "card.no_stored_value": ("此卡不支持储值消费", "This card has no stored value"),
    "card.no_count": ("此卡不支持次卡", "This card cannot hold service packages"),
    "card.no_time": ("此卡不支持计时", "This card cannot hold prepaid time"),
    "balance.insufficient": (
        "余额不足，需 {needed:fen}，可用 {available:fen}",
        "Insufficient balance: {needed:fen} needed, {available:fen} available",
    ),
    "balance.insufficient_principal": (
        "本金余额不足，需 {needed:fen}，可取 {available:fen}",
        "Not enough paid-in balance: {needed:fen} needed, {available:fen} available",
    ),
    "spend.parts_mismatch": ("扣款金额分配有误", "The split of the payment does not add up"),
    "topup.below_minimum": (
        "充值金额不能低于 {minimum:fen}",
        "The minimum top-up is {minimum:fen}",
    ),
    "topup.over_maximum": (
        "充值后余额（含赠送）将超过上限 {max_balance:fen}，本次最多可充 {largest:fen}",
        "The balance with its bonus would pass the limit of {max_balance:fen}: "
        "the largest top-up accepted now is {largest:fen}",
    ),
    "topup.balance_full": (
        "余额已达上限 {max_balance:fen}，暂不能充值",
        "The balance is at its limit of {max_balance:fen}: no top-up can be accepted now",
    ),
    "topup.subsidiary_card": (
        "副卡不能充值，请向主卡充值",
        "A secondary card cannot be topped up: top up the main card",
    ),
    "withdraw.subsidiary_card": (
        "副卡不能取款，请用主卡办理",
        "A secondary card cannot withdraw money: use the main card",
    ),
    # HQ's refusals of an online authorisation (hq.hold_limits).
    "auth.op_not_own": (
        "授权请求的单号不属于本机，总部已拒绝，请联系技术支持",
        "HQ refused an authorisation whose operation number is not this terminal's: call support",
    ),
    "auth.terminal_holds": (
        "本机待完成的授权过多，请先完成或取消进行中的交易",
        "Too many authorisations are open at this terminal: finish or cancel sales in progress",
    ),
    "auth.terminal_held_total": (
        "本机已预留的储值金额达到上限，请先完成进行中的交易",
        "This terminal has reserved as much stored value as HQ allows: finish sales in progress",
    ),
}

SALE_ERRORS: dict[str, Texts] = {
    "subsidiary.quota_exceeded": (
        "副卡额度不足，本期剩余 {left:fen}",
        "Over the secondary card's limit: {left:fen} left this period",
    ),
    "subsidiary.quota_without_parent": (
        "只有副卡才能设置额度",
        "Only a secondary card has a limit",
    ),
    "subsidiary.nested": (
        "副卡不能再开副卡",
        "A secondary card cannot have its own secondary cards",
    ),
    "subsidiary.not_allowed": (
        "此卡类型不能开副卡",
        "This card type does not allow secondary cards",
    ),
    "subsidiary.not_subsidiary": ("此卡不是副卡", "This is not a secondary card"),
    "subsidiary.too_many": (
        "副卡数量已达上限（{max_children} 张）",
        "No more secondary cards allowed (limit {max_children})",
    ),
    "subsidiary.wrong_parent": (
        "此副卡不属于该主卡",
        "This secondary card belongs to another card",
    ),
    "subsidiary.holds_money": ("副卡内有余额，不能办理", "The secondary card still holds money"),
    "purchase.subsidiary_card": (
        "副卡不能购买，请用主卡办理",
        "A secondary card cannot buy this: use the main card",
    ),
    "count.invalid": ("次卡操作有误", "Invalid service-card operation"),
    "count.insufficient": (
        "剩余次数不足，还剩 {remaining} 次",
        "Not enough uses left: {remaining} remaining",
    ),
    "count.expired": ("次卡已过期", "The service package has expired"),
    "count.unknown_package": ("没有此次卡套餐：{code}", "No such service package: {code}"),
    "count.not_uses_of_one_operation": (
        "只能撤销同一笔计次消费",
        "Only uses from one operation can be reversed together",
    ),
    "pass.unknown": ("没有此期限卡：{code}", "No such period pass: {code}"),
    "pass.start_in_past": ("开始日期不能早于今天", "The start date cannot be in the past"),
    "time.end_before_start": ("结束时间不能早于开始时间", "The end time is before the start time"),
    "time.needs_manager": (
        "此卡已不可用，现金结账需店长授权",
        "This card can no longer be used: billing the session in cash needs a manager",
    ),
    "time.card_usable": (
        "此卡可正常使用，请按常规结账",
        "This card can still be used: close the session as usual",
    ),
    "points.invalid": ("积分操作有误", "Invalid points operation"),
    "points.insufficient": (
        "积分不足，可用 {available} 分",
        "Not enough points: {available} available",
    ),
    "points.below_minimum": ("至少使用 {minimum} 积分",
                             plural("minimum", one="Use at least {minimum} point",
                                    other="Use at least {minimum} points")),
    "points.not_accepted": ("本单不能使用积分抵现", "Points cannot be used for this sale"),
    "points.negative": ("积分不能为负数", "Points cannot be negative"),
    "points.amount_invalid": ("积分数量有误", "Invalid number of points"),
    "points.base_invalid": ("积分计算基数有误", "Invalid base for points"),
    "points.lines_mismatch": ("积分分摊与合计不符", "Points per line do not add up"),
    "points.duplicate_line": ("积分明细行号重复", "Duplicate line in the points split"),
    "points.no_lot": ("此卡没有可退回的积分记录", "The card has no points to return them to"),
    "points.reverses_op_missing": ("缺少原业务单号", "The original operation is missing"),
    "gift.out_of_stock": ("礼品库存不足，仅剩 {left} 件", "Not enough gifts in stock: {left} left"),
    "gift.offline_limit": (
        "未连接总部，本机最多还可兑换 {left} 件礼品",
        plural("left",
               one="HQ cannot be reached: this terminal may hand out {left} more gift until it can",
               other="HQ cannot be reached: this terminal may hand out {left} more gifts until "
                     "it can"),
    ),
    "level.unknown": ("没有此会员等级：{code}", "No such member level: {code}"),
    "coupon.invalid": ("优惠券不可用", "The coupon cannot be used"),
    "coupon.code_missing": ("优惠券缺少券号", "The coupon has no code"),
    "coupon.unknown_kind": ("不支持此类优惠券", "This kind of coupon is not supported"),
    "coupon.dates_out_of_order": ("优惠券有效期设置有误", "The coupon's dates are out of order"),
    "coupon.min_spend_negative": (
        "优惠券使用门槛不能为负",
        "The coupon's minimum spend is negative",
    ),
    "coupon.value_not_positive": ("优惠券面额必须大于 0", "The coupon's value must be above zero"),
    "coupon.rate_out_of_range": ("优惠券折扣率超出范围", "The coupon's rate is out of range"),
    "coupon.max_off_not_positive": (
        "优惠券最高优惠必须大于 0",
        "The coupon's maximum saving must be above zero",
    ),
    "coupon.gift_missing": ("优惠券未指定赠品", "The coupon names no gift"),
    "coupon.used": ("此优惠券已使用", "This coupon has been used"),
    "coupon.not_yet_valid": (
        "优惠券未到使用时间（{valid_from} 起）",
        "The coupon is not valid yet (from {valid_from})",
    ),
    "coupon.expired": ("优惠券已过期", "The coupon has expired"),
    "coupon.wrong_store": ("此优惠券不能在本店使用", "This coupon cannot be used in this store"),
    "coupon.wrong_member": ("此优惠券不属于该会员", "This coupon belongs to another member"),
    "coupon.not_stackable": (
        "此优惠券不能与促销同时使用",
        "This coupon cannot be combined with promotions",
    ),
    "coupon.no_eligible_items": ("本单没有可用此券的商品", "No item in this sale qualifies"),
    "coupon.min_spend": (
        "未达到优惠券使用门槛 {min_spend:fen}",
        "The coupon needs a spend of {min_spend:fen}",
    ),
    "promotion.invalid": ("促销活动设置有误", "Invalid promotion"),
    "promotion.code_missing": ("促销活动“{name}”缺少编号", "Promotion “{name}” has no code"),
    "promotion.unknown_kind": ("不支持此类促销活动", "This kind of promotion is not supported"),
    "promotion.dates_out_of_order": (
        "促销 {code} 的起止时间有误",
        "Promotion {code} ends before it starts",
    ),
    "promotion.weekday_invalid": (
        "促销 {code} 的星期设置有误",
        "Promotion {code} has an invalid weekday",
    ),
    "promotion.daily_window_empty": (
        "促销 {code} 的每日时段为空",
        "Promotion {code} has an empty daily time window",
    ),
    "promotion.rate_out_of_range": (
        "促销 {code} 的折扣率超出范围",
        "The rate of promotion {code} is out of range",
    ),
    "promotion.tiers_missing": ("满减促销 {code} 缺少档位", "Promotion {code} has no tiers"),
    "promotion.tier_invalid": (
        "满减促销 {code} 的档位有误",
        "Promotion {code} has an invalid tier",
    ),
    "promotion.tiers_inconsistent": (
        "满减促销 {code} 的档位前后矛盾",
        "The tiers of promotion {code} are inconsistent",
    ),
    "promotion.max_saving_not_positive": (
        "促销 {code} 的最高优惠必须大于 0",
        "The maximum saving of promotion {code} must be above zero",
    ),
    "promotion.buy_free_invalid": (
        "买赠促销 {code} 设置有误",
        "The buy-and-get-free promotion {code} is invalid",
    ),
    "promotion.duplicate_code": ("促销活动编号重复", "Duplicate promotion codes"),
    "pricing.reduction_not_positive": ("优惠金额必须大于 0", "A reduction must be above zero"),
    "pricing.store_missing": ("未设置门店", "No store given"),
    "tender.invalid": ("支付方式有误", "Invalid payment"),
    "tender.unknown_kind": ("不支持此支付方式", "This payment method is not supported"),
    "tender.amount_due_negative": ("应付金额不能为负", "The amount due cannot be negative"),
    "tender.amount_not_positive": ("支付金额必须大于 0", "Each payment must be above zero"),
    "tender.overpaid": (
        "非现金支付超过应付金额 {amount_due:fen}",
        "Non-cash payments exceed the amount due of {amount_due:fen}",
    ),
    "tender.short": ("支付金额不足，还差 {short:fen}", "Payment is short by {short:fen}"),
    "tender.cash_not_needed": ("无需收取现金", "No cash is needed"),
    "tender.card_unusable": (
        "此卡已不可用，请用现金、银行卡、微信或支付宝支付",
        "This card can no longer be used: pay by cash, bank card, WeChat or Alipay",
    ),
    "sale.empty": ("请先添加商品", "Add at least one item"),
    "sale.qty_not_positive": ("数量必须大于 0", "The quantity must be above zero"),
    "sale.line_no_invalid": ("商品行号有误", "Invalid line number"),
    "sale.duplicate_line_no": ("商品行号重复", "Duplicate line number"),
    "sale.count_tender": (
        "次卡不能作为支付方式，请在项目行选择“用次卡”",
        "A service package is not a payment: mark the service line as paid by package",
    ),
    "sale.parent_missing": (
        "副卡消费需要读取主卡 {parent_card_no} 的账户",
        "A secondary card pays from its main card {parent_card_no}: load that account first",
    ),
    "catalogue.code_missing": ("商品“{name}”缺少编码", "Product “{name}” has no code"),
    "catalogue.price_negative": (
        "商品 {code} 的价格不能为负",
        "The price of product {code} cannot be negative",
    ),
    "catalogue.duplicate_code": ("商品编码重复：{code}", "Duplicate product code: {code}"),
    "catalogue.unknown_product": ("没有此商品：{code}", "No such product: {code}"),
    "commission.amount_invalid": ("提成基数金额有误", "Invalid amount for commission"),
    "commission.base_invalid": ("提成计算基数有误", "Invalid base for commission"),
    "refund.invalid": ("退货有误", "Invalid refund"),
    "refund.needs_manager": ("退货需要店长授权", "A refund needs a manager's approval"),
    "refund.wrong_sale": ("退货记录不属于这笔销售", "That refund belongs to another sale"),
    "refund.void_after_refund": (
        "已部分退货的单据不能整单撤销",
        "A sale already partly refunded cannot be voided",
    ),
    "refund.nothing_left": ("这笔销售已全部退完", "Everything in this sale has been refunded"),
    "refund.unknown_line": ("原单没有第 {line_no} 行", "The sale has no line {line_no}"),
    "refund.line_unknown": ("原单没有第 {line_no} 行", "The sale has no line {line_no}"),
    "refund.qty_not_positive": ("退货数量必须大于 0", "The refund quantity must be above zero"),
    "refund.qty_invalid": ("退货数量有误", "Invalid refund quantity"),
    "refund.exceeds": (
        "第 {line_no} 行最多还可退 {left} 件",
        "Line {line_no}: at most {left} can still be refunded",
    ),
    "refund.points_exceed_used": (
        "退回积分超过原单使用的积分",
        "More points to give back than the sale used",
    ),
    "refund.count_exceeds_used": (
        "退回次数超过已使用次数（{available} 次）",
        "More uses returned than were used ({available})",
    ),
    "birthday.invalid": ("生日有误", "Invalid birthday"),
    "birthday.empty": ("请输入生日", "Please enter a birthday"),
    "birthday.bad_format": (
        "生日格式有误，例如 1990-05-12 或 lunar:08-15",
        "Write a birthday as 1990-05-12 or lunar:08-15",
    ),
    "birthday.invalid_calendar": ("请选择公历或农历", "Choose the solar or the lunar calendar"),
    "birthday.invalid_month": ("月份应为 1 到 12", "The month must be 1 to 12"),
    "birthday.invalid_day": ("{month} 月没有 {day} 日", "Month {month} has no day {day}"),
    "birthday.invalid_year": ("出生年份有误", "Invalid year of birth"),
    "birthday.leap_needs_lunar": (
        "只有农历生日才有闰月",
        "Only a lunar birthday can be in a leap month",
    ),
    "birthday.no_such_leap_month": (
        "农历 {year} 年没有闰 {month} 月",
        "Lunar year {year} has no leap month {month}",
    ),
    "birthday.out_of_range": (
        "日期超出农历可计算范围（1900-2099 年）",
        "The date is outside the lunar calendar's range (1900-2099)",
    ),
    "birthday.window_invalid": (
        "提醒天数必须大于 0",
        "The reminder window must be at least one day",
    ),
}
