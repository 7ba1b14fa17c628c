"""Texts of the count-use screen (计次消费)."""

from __future__ import annotations

from terminal.i18n.plurals import Texts, plural

MESSAGES: dict[str, Texts] = {
    "count_screen.member": ("会员 {name}　卡号 {card}", "{name}  card {card}"),
    "count_screen.no_member": ("请先在首页刷会员卡", "Read the member's card on the home screen"),
    "count_screen.choose": ("请选择要使用的服务项目", "Choose the service to use"),
    "count_screen.none": ("此卡没有可用的次卡", "No service packages on this card"),
    "count_screen.service": ("{name}　剩余 {uses} 次（最早 {until} 到期）",
                             plural("uses", one="{name}  {uses} use left (expires {until})",
                                    other="{name}  {uses} uses left (first expire {until})")),
    "count_screen.choose_first": ("请先选择服务项目", "Choose a service first"),
    "count_screen.chosen": ("使用：{name}", "Use: {name}"),
    "count_screen.served_by": ("服务人员（可选，计提成）", "Served by (optional, for commission)"),
    "count_screen.confirm": ("确认使用", "Use"),
    "count_screen.done": ("已使用 {name} {qty} 次，剩余 {left} 次",
                          plural("left", one="Used {name} x{qty}: {left} use left",
                                 other="Used {name} x{qty}: {left} uses left")),
}
