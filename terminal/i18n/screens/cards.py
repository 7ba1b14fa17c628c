"""Texts of the card-service screens: card services (卡务) and enrolment (开卡), and the member's
PIN typed on the keypad (dots only)."""

from __future__ import annotations

PIN_ENTRY = {
    "cardops.pin_old": ("请会员在密码键盘上输入原密码",
                        "Member: enter your current PIN on the keypad"),
    "cardops.pin_new": ("请会员在密码键盘上输入新密码", "Member: enter your new PIN on the keypad"),
    "cardops.pin_again": ("请再次输入新密码", "Enter the new PIN again"),
    "cardops.pin_mismatch": ("两次输入的新密码不一致，请从头再输一次",
                             "The new PINs did not match: start again"),
}

CARDOPS = {
    "cardops.status": ("状态 {status:~card.status}　有效期至 {expires}",
                       "Status {status:~card.status}  valid until {expires}"),
    "cardops.balance": ("本金 {principal:fen}　赠送 {bonus:fen}",
                        "Principal {principal:fen}  bonus {bonus:fen}"),
    "cardops.fees": ("补卡费 {replacement:fen}　年费 {annual:fen}　退卡手续费 {cancellation:fen}",
                     "Replacement {replacement:fen}  annual {annual:fen}  "
                     "cancellation {cancellation:fen}"),
    "cardops.new_card_hint": ("新卡号：输入，或在读卡器上放新卡",
                              "New card: type its number or put it on the reader"),
    "cardops.choose_action": ("请选择要办理的业务", "Choose what to do"),
    "cardops.action.report_loss": ("挂失", "Report lost"),
    "cardops.action.cancel_loss": ("解挂", "Cancel loss"),
    "cardops.action.freeze": ("冻结", "Freeze"),
    "cardops.action.unfreeze": ("解冻", "Unfreeze"),
    "cardops.action.replace": ("换卡 / 补卡", "Replace card"),
    "cardops.action.extend": ("延期", "Extend"),
    "cardops.action.set_pin": ("设置密码", "Set PIN"),
    "cardops.action.change_pin": ("修改密码", "Change PIN"),
    "cardops.action.cancel_card": ("退卡", "Cancel card"),
    "cardops.confirm.report_loss": ("确认挂失？挂失后此卡不能消费",
                                    "Report the card lost? It can no longer pay"),
    "cardops.confirm.cancel_loss": ("确认解除挂失？", "Cancel the loss report?"),
    "cardops.confirm.freeze": ("确认冻结？冻结后此卡不能消费",
                               "Freeze the card? It can no longer pay"),
    "cardops.confirm.unfreeze": ("确认解冻？", "Unfreeze the card?"),
    "cardops.confirm.replace": (
        "确认换卡：余额全部转入新卡 {new}，原卡作废；补卡费 {replacement:fen}",
        "Replace: every balance moves to card {new}, the old card is void; fee {replacement:fen}"),
    "cardops.confirm.replace_tag": (
        "确认换卡：感应卡 {uid} 绑定卡号 {new}，余额全部转入，原卡作废；补卡费 {replacement:fen}",
        "Replace: tag {uid} becomes card {new}, every balance moves to it, the old card is void; "
        "fee {replacement:fen}"),
    "cardops.confirm.extend": ("确认延期？年费 {annual:fen}",
                               "Extend the card? Annual fee {annual:fen}"),
    "cardops.confirm.set_pin": ("确认后请会员在密码键盘上输入新密码两次",
                                "Then the member types the new PIN twice on the keypad"),
    "cardops.confirm.change_pin": ("确认后请会员在密码键盘上输入原密码和新密码",
                                   "Then the member types the current and the new PIN"),
    "cardops.confirm.cancel_card": (
        "确认退卡？本金 {principal:fen} 扣除手续费 {cancellation:fen} 后以现金退还，"
        "赠送金、积分和次卡作废；需会员输入密码",
        "Cancel the card? Principal {principal:fen} is paid back in cash less "
        "{cancellation:fen}; bonus, points and packages are forfeited. Needs the PIN"),
    "cardops.done.report_loss": ("已挂失：{card}", "Card {card} reported lost"),
    "cardops.done.cancel_loss": ("已解除挂失：{card}", "Loss report cancelled: {card}"),
    "cardops.done.freeze": ("已冻结：{card}", "Card {card} frozen"),
    "cardops.done.unfreeze": ("已解冻：{card}", "Card {card} unfrozen"),
    "cardops.done.replace": ("换卡成功，余额已转入新卡 {card}",
                             "Replaced: the balances are on card {card} now"),
    "cardops.done.extend": ("延期成功，有效期至 {expires}", "Extended: valid until {expires}"),
    "cardops.done.set_pin": ("密码已设置", "The PIN is set"),
    "cardops.done.change_pin": ("密码已修改", "The PIN is changed"),
    "cardops.done.cancel_card": ("退卡成功：退还现金 {refund:fen}（手续费 {fee:fen}）",
                                 "Card cancelled: {refund:fen} paid back in cash (fee {fee:fen})"),
    "cardops.new_card_needed": ("请输入新卡号，或在读卡器上放新卡",
                                "Type the new card's number or put the card on the reader"),
    "cardops.tag_read": (
        "已读取感应卡 {uid}：请输入卡上印的卡号，再按确认",
        "Tag {uid} read: type the number printed on it, then confirm"),
}

ENROL = {
    "enrol.tap_card": ("请在读卡器上放新卡，或输入卡号",
                       "Put the new card on the reader, or type its number"),
    "enrol.card_read": ("已读卡：{card_no}", "Card read: {card_no}"),
    "enrol.tag_read": ("已读感应卡 {uid}，请输入卡上印的卡号",
                       "Tag {uid} read: type the number printed on it"),
    "enrol.card_no_hint": ("卡号", "Card No."),
    "enrol.name_hint": ("姓名", "Name"),
    "enrol.phone_hint": ("手机号", "Mobile"),
    "enrol.birthday": ("生日", "Birthday"),
    "enrol.solar": ("公历", "Solar"),
    "enrol.lunar": ("农历", "Lunar"),
    "enrol.month": ("月", "month"),
    "enrol.day": ("日", "day"),
    "enrol.fee": ("{type}　开卡费 {fee:fen}", "{type}  join fee {fee:fen}"),
    "enrol.no_card_types": ("本机尚无卡类型，请联系总部",
                            "No card types on this terminal: contact HQ"),
    "enrol.confirm": ("确认开卡", "Enrol"),
    "enrol.done": ("开卡成功：{card}", "Card {card} issued"),
    "enrol.pin_new": ("请会员在密码键盘上设置密码", "Member: choose a PIN on the keypad"),
    "enrol.pin_again": ("请再次输入密码", "Enter the PIN again"),
    "enrol.pin_mismatch": ("两次输入的密码不一致，请重新设置",
                           "The PINs did not match: choose the PIN again"),
    "enrol.pin_later": ("卡已开通，但密码未设置：{reason}。请稍后在“卡务 → 设置密码”中设置",
                        "The card is issued but has no PIN yet: {reason}. "
                        "Set it later under Card services → Set PIN"),
}

MESSAGES = {**PIN_ENTRY, **CARDOPS, **ENROL}
