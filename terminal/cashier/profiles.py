"""A member's profile at the counter (会员资料): what this terminal knows of it (HQ's last answer
or this terminal's own edit), the card's last visit (here, or at any store as HQ last answered),
and the edit itself.

The edit sends the whole profile as a `member.registered` event (membership.card_service
.edit_profile): HQ keeps the newest one, and only from the store that registered the member
(another store's edit is quarantined there: docs/security.md). The terminal cannot know the
registering store offline, so it does not refuse it itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from membership import card_service
from membership.errors import DomainError, InvalidInput
from membership.permissions import Action
from membership.profiles import ProfileDetails, ProfileExtras, normalise_phone
from membership.sale import MemberContext
from membership.visits import VISIT_EVENTS
from terminal.cashier.context import CashierContext, ManagerApproval, StaffMember
from terminal.cashier.operations.common import OperationResult, carry_out
from terminal.store.access import StoreAccess
from terminal.store.cache import MemberInfo


@dataclass(frozen=True)
class ProfileView:
    member: MemberInfo
    last_visit: datetime | None  # the card's latest visit here or at HQ, None if none

    @property
    def extras(self) -> ProfileExtras:
        return self.member.extras or ProfileExtras()


def profile_of(ctx: CashierContext, card_no: str) -> ProfileView:
    known = ctx.store.known_card(card_no)
    if known is None:
        raise DomainError("card.unknown", card_no=card_no)
    here = last_visit_here(ctx, card_no)
    seen = [when for when in (here, known.hq_last_visit) if when is not None]
    return ProfileView(known.member, max(seen) if seen else None)


def last_visit_here(ctx: CashierContext, card_no: str) -> datetime | None:
    """The latest visit (membership.visits) this terminal recorded on the card."""
    store = ctx.store
    if not isinstance(store, StoreAccess):  # reads the terminal's own file
        raise TypeError(f"a terminal store, not {type(store).__name__}")
    marks = ", ".join("?" for _ in VISIT_EVENTS)
    with store.reading():
        row = store.database.execute_sql(
            f'SELECT MAX("at") FROM (SELECT "at" FROM "sale" WHERE "card_no" = ?1 '
            f'OR "actor_card_no" = ?1 UNION ALL SELECT "at" FROM "counter_op" '
            f'WHERE "card_no" = ?1 AND "event_type" IN ({marks}))',
            (card_no, *sorted(VISIT_EVENTS))).fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


def edit_profile(
    ctx: CashierContext, staff: StaffMember, member: MemberContext, name: str, phone: str,
    extras: ProfileExtras, approval: ManagerApproval | None = None,
) -> OperationResult:
    """会员资料修改: name, phone and the details; the birthday stays as this terminal knows it.
    A role the `staff` document lets do it only with a manager's approval needs `approval`
    (or one held: terminal.cashier.permissions)."""
    if not name.strip():
        raise InvalidInput("member.name_required")
    known = ctx.store.known_card(member.card.card_no)
    birthday = known.member.birthday if known is not None else None
    details = ProfileDetails(normalise_phone(phone), birthday)
    op = ctx.operation(staff, Action.EDIT_MEMBER, approval)
    decision = card_service.edit_profile(op, member, name, details, extras)
    return carry_out(ctx, decision)
