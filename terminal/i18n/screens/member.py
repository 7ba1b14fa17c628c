"""Texts of the member's own screens: buying a plan (购买套餐), the profile (会员资料), the
history (消费记录) and subsidiary cards (附属卡), and their row on the home screen."""

from __future__ import annotations

HOME = {
    "home.member.plans": ("购买套餐", "Buy plans"),
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

MESSAGES = {**HOME, **PLANS}
