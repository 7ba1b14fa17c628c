"""The home screen's actions, as data: one row per button.

A button shows when the signed-in role may do at least one of its `actions`, on its own or with
a manager's approval on the spot (membership.permissions, from the `staff` document). The
operation behind it checks again (terminal.cashier.permissions): hiding a button is a
convenience, not the guard. A new screen adds one row here; its operation names its Action.
"""

from __future__ import annotations

from dataclasses import dataclass

from membership.permissions import Action


@dataclass(frozen=True)
class HomeAction:
    key: str  # the button's message key
    screen: str  # the screen it opens (TerminalScreen.screen_name)
    needs_member: bool  # refused with a message until a member is found
    actions: tuple[Action, ...]  # shown when the role may any of these; () for everyone


HOME_ACTIONS: tuple[HomeAction, ...] = (
    HomeAction("ui.sale", "sale", False, (Action.SELL,)),
    HomeAction("ui.topup", "topup", True, (Action.TOP_UP,)),
    HomeAction("ui.count_use", "count", True, (Action.USE_COUNT,)),
    HomeAction("ui.time_session", "time", True, (Action.TIME_SESSION,)),
    HomeAction("ui.withdraw", "withdraw", True, (Action.WITHDRAW,)),
    HomeAction("ui.gift", "gifts", True, (Action.REDEEM_GIFT,)),
    HomeAction("ui.card_service", "cardops", True,
               (Action.REPORT_LOSS, Action.FREEZE, Action.REPLACE_CARD, Action.EXTEND_CARD,
                Action.CANCEL_CARD)),
    HomeAction("home.enrol", "enrol", False, (Action.OPEN_CARD,)),
    HomeAction("ui.refund", "refund", False, (Action.REFUND, Action.VOID)),
    HomeAction("ui.reprint", "reprint", False, (Action.REPRINT,)),
    HomeAction("ui.shift", "shift", False, (Action.SHIFT,)),
    HomeAction("ui.settings", "settings", False, (Action.SETTINGS,)),
)

# The member's own things, in a row under their panel (every one needs a member): the actions'
# grid is full on an 800x480 panel.
MEMBER_HOME_ACTIONS: tuple[HomeAction, ...] = (
    HomeAction("home.member.plans", "plans", True,
               (Action.SELL_PACKAGE, Action.SELL_PASS, Action.SELL_TIME)),
    HomeAction("home.member.profile", "profile", True, (Action.EDIT_MEMBER,)),
    HomeAction("home.member.history", "history", True, ()),
    HomeAction("home.member.subsidiary", "subsidiary", True, (Action.ISSUE_SUBSIDIARY,)),
)
