"""Who may do what at the counter: the permission table of the `staff` document.

Each action a terminal offers is named here. A role may do an action itself (ALLOW), with a
store manager's approval on the spot (APPROVAL: the manager types their PIN), or not at all
(absent). The store manager may do everything: someone in a store must be able to. The table
comes with the `staff` document (membership.config_codec_permissions); without one, the
defaults below are in force (docs/domain.md, "Permissions").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

CASHIER = "cashier"
MANAGER = "manager"
ROLES = (CASHIER, MANAGER)


class Action(StrEnum):
    SELL = "sell"  # 结账
    USE_COUNT = "use_count"  # 计次消费
    TIME_SESSION = "time_session"  # 计时
    TOP_UP = "top_up"  # 充值
    OPEN_CARD = "open_card"  # 开卡
    REDEEM_GIFT = "redeem_gift"  # 积分兑换
    REPORT_LOSS = "report_loss"  # 挂失 / 解挂
    REPRINT = "reprint"  # 重打小票
    SHIFT = "shift"  # 开班 / 交班
    SELL_PACKAGE = "sell_package"  # 次卡
    SELL_PASS = "sell_pass"  # 月卡
    SELL_TIME = "sell_time"  # 预付计时
    ISSUE_SUBSIDIARY = "issue_subsidiary"  # 附属卡
    EDIT_MEMBER = "edit_member"  # 会员资料
    FREEZE = "freeze"  # 冻结 / 解冻
    WITHDRAW = "withdraw"  # 取现
    CANCEL_CARD = "cancel_card"  # 退卡
    EXTEND_CARD = "extend_card"  # 延期
    REPLACE_CARD = "replace_card"  # 补卡
    REFUND = "refund"  # 退货
    VOID = "void"  # 撤销
    SETTINGS = "settings"  # 设置


class Grant(StrEnum):
    ALLOW = "allow"
    APPROVAL = "approval"  # with a store manager's PIN on the spot


_CASHIER_ALLOWED = frozenset({
    Action.SELL, Action.USE_COUNT, Action.TIME_SESSION, Action.TOP_UP, Action.OPEN_CARD,
    Action.REDEEM_GIFT, Action.REPORT_LOSS, Action.REPRINT, Action.SHIFT,
    Action.SELL_PACKAGE, Action.SELL_PASS, Action.SELL_TIME, Action.ISSUE_SUBSIDIARY,
})


@dataclass(frozen=True)
class PermissionTable:
    """Per role other than the manager: action -> grant; an action not listed is refused."""

    by_role: Mapping[str, Mapping[Action, Grant]] = field(default_factory=dict)


_CASHIER_NEVER = frozenset({Action.SETTINGS})

DEFAULT_PERMISSIONS = PermissionTable({
    CASHIER: {action: (Grant.ALLOW if action in _CASHIER_ALLOWED else Grant.APPROVAL)
              for action in Action if action not in _CASHIER_NEVER},
})


def grant_for(table: PermissionTable, role: str, action: Action) -> Grant | None:
    """What `role` may do about `action`: ALLOW, APPROVAL, or None (refused)."""
    if role == MANAGER:
        return Grant.ALLOW
    return table.by_role.get(role, {}).get(action)


def may(table: PermissionTable, role: str, action: Action) -> bool:
    """True when `role` may do `action` on its own, with no one's approval."""
    return grant_for(table, role, action) is Grant.ALLOW


