"""Configuration-document error messages: key -> (Simplified Chinese, English), for every
`config.*` key membership/ raises when HQ's documents do not decode (membership/config_*.py,
the card types' own checks). Merged into the catalogue by i18n_catalogue."""

from __future__ import annotations

from terminal.i18n.plurals import Texts, plural

# In the documents' keys (membership/config_*.py): {item} is the item's code, or its place
# such as products[3]; {field} is the path inside it; "-" stands for the whole body.
CONFIG_ERRORS: dict[str, Texts] = {
    "config.invalid": ("配置有误，请联系总部", "Configuration error, please contact HQ"),
    "config.card_type_incomplete": ("卡类型 {code} 的设置不完整", "Card type {code} is incomplete"),
    "config.rate_out_of_range": (
        "{code} 的折扣率超出范围",
        "The discount rate of {code} is out of range",
    ),
    "config.negative_fee": ("卡类型 {code} 的费用不能为负", "Card type {code} has a negative fee"),
    "config.validity_not_positive": (
        "卡类型 {code} 的有效期必须大于 0 天",
        "Card type {code} needs a validity of at least one day",
    ),
    "config.bonus_tier_invalid": (
        "卡类型 {code} 的充值赠送档位有误",
        "Card type {code} has an invalid top-up bonus tier",
    ),
    "config.count_package_invalid": (
        "次卡套餐 {code} 设置有误",
        "Service package {code} is invalid",
    ),
    "config.time_rate_invalid": (
        "计时项目 {service} 的计费设置有误",
        "The time rate of {service} is invalid",
    ),
    "config.pass_invalid": ("期限卡 {code} 设置有误", "Period pass {code} is invalid"),
    "config.level_invalid": ("会员等级 {code} 设置有误", "Member level {code} is invalid"),
    "config.level_code_duplicate": ("会员等级编号重复", "Duplicate member level codes"),
    "config.level_rank_duplicate": ("会员等级排序重复", "Duplicate member level ranks"),
    "config.level_base_missing": ("缺少基础会员等级", "The base member level is missing"),
    "config.level_window_invalid": (
        "等级考核周期必须大于 0 天",
        "The level review period must be at least one day",
    ),
    "config.points_rule_invalid": ("积分规则设置有误", "The points rule is invalid"),
    "config.points_expiry_invalid": ("积分有效期设置有误", "The points expiry setting is invalid"),
    "config.gift_invalid": ("礼品 {code} 设置有误", "Gift {code} is invalid"),
    "config.commission_rule_invalid": (
        "提成规则 {code} 设置有误",
        "Commission rule {code} is invalid",
    ),
    "config.commission_rule_ambiguous": (
        "提成规则 {code} 与 {other} 冲突",
        "Commission rules {code} and {other} conflict",
    ),
    "config.field_missing": (
        "配置 {document} 中 {item} 缺少字段 {field}",
        "Configuration {document}: {item} lacks the field {field}",
    ),
    "config.field_unknown": (
        "配置 {document} 中 {item} 有未知字段 {field}",
        "Configuration {document}: {item} has unknown fields {field}",
    ),
    "config.field_type": (
        "配置 {document} 中 {item} 的字段 {field} 应为{expected:~config.type}",
        "Configuration {document}: the field {field} of {item} should be {expected:~config.type}",
    ),
    "config.float_refused": (
        "配置 {document} 中 {item} 的字段 {field} 不能是小数（{value}）："
        "金额按分、比率按基点填写整数",
        "Configuration {document}: the field {field} of {item} is a decimal ({value}); "
        "money is whole fen and rates whole basis points",
    ),
    "config.money_negative": (
        "配置 {document} 中 {item} 的金额 {field} 不能为负",
        "Configuration {document}: the amount {field} of {item} is negative",
    ),
    "config.value_out_of_range": (
        "配置 {document} 中 {item} 的字段 {field} 不能小于 {minimum}",
        "Configuration {document}: the field {field} of {item} must be at least {minimum}",
    ),
    "config.value_unknown": (
        "配置 {document} 中 {item} 的字段 {field} 不支持“{value}”（可选：{allowed}）",
        "Configuration {document}: the field {field} of {item} cannot be “{value}” "
        "(one of: {allowed})",
    ),
    "config.code_duplicate": (
        "配置 {document} 中 {value} 重复出现（{item}，{field}）",
        "Configuration {document}: {value} is given twice ({item}, {field})",
    ),
    "config.list_too_long": (
        "配置 {document} 的 {field} 超过 {maximum} 项",
        plural("maximum", one="Configuration {document}: {field} has more than {maximum} entry",
               other="Configuration {document}: {field} has more than {maximum} entries"),
    ),
    "config.card_no_invalid": (
        "配置 {document} 中 {item} 的卡号无效",
        "Configuration {document}: the card number of {item} is invalid",
    ),
    "config.reference_unknown": (
        "配置 {document} 中 {item} 的字段 {field} 引用的商品 {value} 不存在",
        "Configuration {document}: the field {field} of {item} names an unknown product {value}",
    ),
    "config.document_unknown": (
        "未知的配置文件：{document}",
        "Unknown configuration document: {document}",
    ),
    "config.coupon_used": (
        "优惠券 {item} 已使用，不能写入配置 {document}",
        "Coupon {item} has been used: it cannot go into the {document} document",
    ),
    "config.type.object": ("对象", "an object"),
    "config.type.list": ("列表", "a list"),
    "config.type.text": ("文字", "text"),
    "config.type.integer": ("整数", "a whole number"),
    "config.type.boolean": ("是/否（true 或 false）", "true or false"),
    "config.type.datetime": (
        "本地日期时间（如 2026-01-01T00:00:00，不带时区）",
        "a local date and time such as 2026-01-01T00:00:00 (no offset)",
    ),
    "config.type.time": ("本地时间（如 14:00:00）", "a local time such as 14:00:00"),
}
