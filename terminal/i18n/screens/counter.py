"""Texts of the counter screens: top-up (充值), withdrawal (取款) and points redemption (积分兑换),
and what they share with the card-service screens (the member line, the tender choice)."""

from __future__ import annotations

from terminal.i18n.plurals import Texts, plural

SHARED = {
    "counter.member_line": ("会员 {name}　卡号 {card}　{type}", "{name}  card {card}  {type}"),
    "counter.no_member": ("请先在首页刷会员卡", "Read the member's card on the home screen first"),
    "counter.pay_by": ("支付方式", "Paid by"),
}

TOPUP = {
    "topup.balance": ("当前本金 {principal:fen}　赠送 {bonus:fen}",
                      "Now: principal {principal:fen}  bonus {bonus:fen}"),
    "topup.amount_hint": ("输入充值金额（元）", "Top-up amount (yuan)"),
    "topup.bonus": ("本次赠送 {bonus:fen}，共到账 {total:fen}",
                    "Bonus {bonus:fen}: {total:fen} onto the card"),
    "topup.bonus_none": ("请选择或输入充值金额", "Choose or type the amount"),
    "topup.tiers_title": ("充值赠送", "Top-up bonus"),
    "topup.no_tiers": ("此卡类型无充值赠送", "none for this card type"),
    "topup.tier": ("充值满{min:fen}送{bonus:fen}", "Top up {min:fen} or more: get {bonus:fen}"),
    "topup.tier_repeat": ("每充值满{min:fen}送{bonus:fen}",
                          "Every {min:fen} topped up: get {bonus:fen}"),
    "topup.tier_rate": ("满{min:fen}加送{rate}%", "{min:fen} or more: {rate}% extra"),
    "topup.confirm": ("确认充值", "Top up"),
    "topup.done": ("充值成功：充值 {paid:fen}，赠送 {bonus:fen}，卡内余额 {balance:fen}",
                   "Topped up {paid:fen} with {bonus:fen} bonus: balance {balance:fen}"),
}

WITHDRAW = {
    "withdraw.principal": ("可取本金 {principal:fen}（赠送 {bonus:fen}）",
                           "Principal {principal:fen} can be withdrawn (bonus {bonus:fen})"),
    "withdraw.bonus_stays": ("只能取出本金，赠送金不能取出",
                             "Only principal is paid out, never bonus"),
    "withdraw.amount_hint": ("输入取款金额（元）", "Amount to withdraw (yuan)"),
    "withdraw.all": ("全部本金", "All principal"),
    "withdraw.pin_note": ("确认后请会员在密码键盘上输入密码，现金从钱箱付出",
                          "Then the member enters the PIN on the keypad; cash from the drawer"),
    "withdraw.confirm": ("确认取款", "Withdraw"),
    "withdraw.done": ("取款成功：付出现金 {amount:fen}，剩余本金 {principal:fen}",
                      "Paid out {amount:fen} in cash: principal left {principal:fen}"),
}

GIFTS: dict[str, Texts] = {
    "gifts.points": ("可用积分 {points}", "Usable points {points}"),
    "gifts.item": ("{name}　{points} 积分",
                   plural("points", one="{name}  {points} point", other="{name}  {points} points")),
    "gifts.item_stock": ("{name}　{points} 积分（库存 {stock}）",
                         plural("points", one="{name}  {points} point ({stock} in stock)",
                                other="{name}  {points} points ({stock} in stock)")),
    "gifts.none": ("暂无可兑换的礼品", "No gifts to redeem"),
    "gifts.choose": ("请选择要兑换的礼品", "Choose a gift"),
    "gifts.chosen": ("兑换：{name}，需 {points} 积分",
                     plural("points", one="Redeem {name} for {points} point",
                            other="Redeem {name} for {points} points")),
    "gifts.confirm": ("确认兑换", "Redeem"),
    "gifts.done": ("已兑换 {name}，使用 {points} 积分，剩余 {left} 积分",
                   plural("points", one="Redeemed {name} for {points} point: {left} left",
                          other="Redeemed {name} for {points} points: {left} left")),
}

MESSAGES = {**SHARED, **TOPUP, **WITHDRAW, **GIFTS}
