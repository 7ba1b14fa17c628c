"""Texts of the timed-session screen (计时), and the store's refusals of a session's close."""

from __future__ import annotations

from terminal.i18n.plurals import Texts, plural

MESSAGES: dict[str, Texts] = {
    "time_session.member": ("会员 {name}　卡号 {card}", "{name}  card {card}"),
    "time_session.no_member": ("请先在首页刷会员卡再开始计时",
                               "Read the member's card on the home screen to start a session"),
    "time_session.start": ("开始计时 {service}（每{minutes}分钟{price:fen}，免费{grace}分钟）",
                           "Start {service} ({price:fen} per {minutes} min, {grace} min free)"),
    "time_session.running": ("本机进行中的计时（点选结账）",
                             "Sessions running on this terminal (tap one to bill it)"),
    "time_session.none_running": ("没有进行中的计时", "No session running"),
    "time_session.session": ("{name} 尾号{card}　{service}　{started} 开始，已 {minutes} 分钟",
                             "{name} ...{card}  {service}  since {started}, {minutes} min"),
    "time_session.started": ("已开始计时：{service}，{started} 起",
                             "Session started: {service} from {started}"),
    "time_session.already_open": ("此卡的 {service} 计时已在进行中",
                                  "A {service} session is already running for this card"),
    "time_session.choose_session": ("请在左侧选择要结账的计时", "Choose a session to bill"),
    "time_session.bill": ("{service}：{minutes} 分钟，计费 {units} 个单位\n应付 {due:fen}",
                          plural("units", one="{service}: {minutes} min, {units} unit billed\n"
                                               "Due {due:fen}",
                                 other="{service}: {minutes} min, {units} units billed\n"
                                       "Due {due:fen}")),
    "time_session.bill_pass": ("{service}：{minutes} 分钟\n时段卡内，无需付款",
                               "{service}: {minutes} min\nCovered by the pass: nothing due"),
    "time_session.bill_prepaid": ("{service}：{minutes} 分钟\n扣预付时长 {prepaid} 分钟，无需付款",
                                  "{service}: {minutes} min\n{prepaid} prepaid min used: "
                                  "nothing due"),
    "time_session.bill_blocked": ("{service}：{minutes} 分钟\n卡已不可用，店长授权后收 {due:fen}",
                                  "{service}: {minutes} min\nCard unusable: {due:fen} in money, "
                                  "a manager approves"),
    "time_session.confirm": ("结束并结账", "Stop and bill"),
    "time_session.closed": ("计时已结账：实收 {due:fen}，找零 {change:fen}",
                            "Session billed: {due:fen} paid, change {change:fen}"),
    # The store's refusals reach the screen translated without their parameters.
    "store.unknown_time_session": ("没有此计时记录", "No such session"),
    "store.time_session_closed": ("此计时已结账", "This session was billed already"),
}
