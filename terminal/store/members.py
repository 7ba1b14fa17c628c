"""Members and cards as HQ's directory described them (membership.member_records.MemberRecord):
found again by card number, UID or phone when HQ cannot be asked.

Caching a record follows the cache's rule (terminal.store.cache): a card changed here by an
operation HQ has not acknowledged keeps its local state and takes only what HQ alone knows —
its balances, UID, offline PIN verifier and coupons. Balances for decisions are built from
HQ's lots plus this terminal's unacknowledged entries (terminal.store.known_balances).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from membership.cards import Card, CardStatus
from membership.ledger import CardBalances
from membership.member_records import MemberRecord
from terminal.store.access import REBUILT_FROM_HQ_AT
from terminal.store.cache import Cache, KnownCard, MemberInfo, RebuildReport, known_card_from_row
from terminal.store.codec import json_ready

_NO_LONGER_USABLE = (CardStatus.REPLACED.value, CardStatus.CANCELLED.value)


class MemberCache(Cache):
    def known_card_by_uid(self, uid: str) -> KnownCard | None:
        """The card bound to this UID; if several were (a replaced card's chip re-used), the
        one still in use, else the most recently updated."""
        if not uid:
            return None
        card, member = self.tables.card, self.tables.member
        with self.reading():
            rows = list(card.select(card, member).join(member)
                        .where(card.uid == normalised_uid(uid))
                        .order_by(card.updated_at.desc(), card.card_no))
        if not rows:
            return None
        in_use = [row for row in rows if row.status not in _NO_LONGER_USABLE]
        return known_card_from_row((in_use or rows)[0])

    def subsidiary_cards(self, parent_card_no: str) -> tuple[Card, ...]:
        """The subsidiary cards (附属卡) of a card that this terminal knows, by number: they
        follow their parent when it is replaced or cancelled here."""
        card, member = self.tables.card, self.tables.member
        with self.reading():
            rows = list(card.select(card, member).join(member)
                        .where(card.parent_card_no == parent_card_no)
                        .order_by(card.card_no))
        return tuple(known_card_from_row(row).card for row in rows)

    def members_by_phone(self, phone: str) -> tuple[KnownCard, ...]:
        """Every known card of every member with this phone number, by member then card."""
        card, member = self.tables.card, self.tables.member
        with self.reading():
            rows = list(card.select(card, member).join(member)
                        .where(member.phone == phone)
                        .order_by(member.member_id, card.card_no))
        return tuple(known_card_from_row(row) for row in rows)

    def cache_member_record(self, record: MemberRecord) -> bool:
        """Remember what HQ's directory answered. False when the card itself kept its local
        state (changed here, not yet acknowledged) and only HQ's own facts were taken."""
        with self.writing():
            return self._remember_record(record, self._cards_with_unacknowledged_changes())

    def rebuild_from_directory(
        self, records: Iterable[MemberRecord], as_of: datetime,
        changed_before: Iterable[str] = (),
    ) -> RebuildReport:
        """Replace the cached members and cards with HQ's snapshot of this store (every card
        as a directory record), in one transaction; `as_of` (HQ's time) is kept as when. Cards
        with unacknowledged local changes keep their state and are never removed; the journal,
        the outbox and the configuration documents are not touched (documents come, retained,
        on their own topics: one HQ's table does not list may still be in force).
        `changed_before`: the cards with unacknowledged changes when the rebuild began (see
        cards_changed_here); HQ's snapshot may predate their events although HQ has
        acknowledged them since, so they are kept too."""
        records = list(records)
        with self.writing():
            pending = self._cards_with_unacknowledged_changes() | set(changed_before)
            kept = tuple(record.card.card_no for record in records
                         if not self._remember_record(record, pending))
            cards_removed = self._remove_cards_not_in(
                {record.card.card_no for record in records} | pending)
            members_removed = self._remove_unused_members(
                {record.card.member_id for record in records})
            self.set_setting(REBUILT_FROM_HQ_AT, as_of.isoformat())
        return RebuildReport(len(records) - len(kept), kept, cards_removed, members_removed)

    def cards_changed_here(self) -> set[str]:
        """Cards changed by this terminal's operations that HQ has not acknowledged."""
        with self.reading():
            return self._cards_with_unacknowledged_changes()

    def _remember_record(self, record: MemberRecord, pending: set[str]) -> bool:
        profile = record.profile
        self._upsert_member(MemberInfo(record.card.member_id, profile.name, profile.phone,
                                       profile.birthday, profile.extras))
        return self._upsert_hq_card(record.card, _hq_facts(record), pending)

    def forget_offline_pin_verifier(self, card_no: str) -> None:
        """The card's PIN changed: the old verifier must not open it offline any more."""
        card = self.tables.card
        with self.writing():
            card.update(offline_pin_verifier="").where(card.card_no == card_no).execute()


def normalised_uid(uid: str) -> str:
    """Readers report UIDs in upper-case hex; HQ may have them as typed at enrolment."""
    return uid.strip().upper()


def _hq_facts(record: MemberRecord) -> dict[str, Any]:
    balances = record.balances
    facts: dict[str, Any] = {
        "hq_principal": balances.principal, "hq_bonus": balances.bonus,
        "hq_points": balances.points, "hq_time_minutes": balances.time_minutes,
        "hq_counts": _uses_by_service(balances), "hq_as_of": record.as_of,
        "hq_balances": json_ready(balances), "hq_coupons": list(record.coupons),
        "uid": normalised_uid(record.uid),
    }
    # HQ sends the offline verifier only for a card read here (docs/protocol.md): a record
    # without one (a phone lookup, a parent card, a snapshot) keeps the one cached. HQ never
    # removes a PIN, and a change made here forgets the old verifier itself.
    if record.offline_pin_verifier:
        facts["offline_pin_verifier"] = record.offline_pin_verifier
    if record.last_visit is not None:  # an HQ from before last visits sends none
        facts["hq_last_visit"] = record.last_visit
    return facts


def _uses_by_service(balances: CardBalances) -> dict[str, int]:
    uses: dict[str, int] = {}
    for lot in balances.count_lots:
        uses[lot.service] = uses.get(lot.service, 0) + lot.remaining
    return uses
