"""What the terminal knows from HQ: members, cards with their last HQ balances, the applied
configuration documents (decision 7) and the staff the `staff` document lists. A cache: HQ may
rebuild it at any time, and rebuilding never touches the journal (operations, ledger, receipts)
or the outbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from peewee import chunked

from membership.birthdays import Birthday
from membership.cards import Card
from membership.config_codec_blacklist import BLACKLIST, decode_blacklist
from membership.config_documents import DOCUMENT_NAMES, READ_ELSEWHERE
from membership.errors import ConfigError
from membership.ledger import CardBalances
from membership.permissions import PermissionTable
from membership.profiles import ProfileExtras
from protocol.wire import WireError, config_topic
from protocol.wire_config import scope_rank
from terminal.store.access import ACK_WATERMARK, StoreAccess
from terminal.store.codec import (
    balances_from_plain,
    birthday_from_text,
    birthday_text,
    card_columns,
    card_from_row,
    decoding,
)
from terminal.store.errors import InvalidConfig
from terminal.store.models import compact_json
from terminal.store.staff import STAFF_DOCUMENT, decode_staff_document, replace_staff

# The document names of docs/protocol.md.
CONFIG_NAMES = frozenset({*DOCUMENT_NAMES, *READ_ELSEWHERE, STAFF_DOCUMENT})
_DELETE_CHUNK = 500  # keys per DELETE, well under SQLite's limit on bound parameters


@dataclass(frozen=True)
class MemberInfo:
    member_id: str
    name: str = ""
    phone: str = ""
    birthday: Birthday | None = None  # None from HQ's snapshot keeps the one stored
    extras: ProfileExtras | None = None  # None keeps the ones stored


@dataclass(frozen=True)
class HqBalances:
    """Balances as HQ last reported them, and from which version: a hint, never the truth."""

    principal: int = 0
    bonus: int = 0
    points: int = 0
    time_minutes: int = 0
    counts: Mapping[str, int] = field(default_factory=dict)  # service -> uses left
    version: int = 0
    as_of: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "counts", MappingProxyType(dict(self.counts)))


@dataclass(frozen=True)
class CardSnapshot:
    """A card as HQ sees it."""

    card: Card
    balances: HqBalances = HqBalances()


@dataclass(frozen=True)
class KnownCard:
    card: Card
    member: MemberInfo
    hq: HqBalances
    changed_by_op: str  # a local operation that changed the card, "" when it is HQ's state
    uid: str = ""
    offline_pin_verifier: str = ""  # "" when HQ gave none
    hq_snapshot: CardBalances | None = None  # HQ's balances with every lot, as of hq.as_of
    coupons: tuple[str, ...] = ()  # the member's unused coupons, as of hq.as_of
    hq_last_visit: datetime | None = None  # the card's latest visit HQ knew, as of hq.as_of


@dataclass(frozen=True)
class ConfigOutcome:
    name: str
    scope: str
    version: int  # the version offered
    applied: bool
    current_version: int  # the version held after the call


@dataclass(frozen=True)
class StoredConfig:
    name: str
    scope: str
    version: int
    body: dict[str, Any]
    applied_at: datetime


@dataclass(frozen=True)
class RebuildReport:
    cards_refreshed: int
    cards_kept_local: tuple[str, ...]  # changed here by operations HQ has not acknowledged
    cards_removed: int
    members_removed: int


class Cache(StoreAccess):
    _permission_table: PermissionTable | None = None  # terminal.store.staff's, forgotten here
    # Bumped in memory whenever a document is applied through this store object, so a reader
    # can tell the configuration changed without asking the disk (the UI thread must not).
    config_generation: int = 0

    def known_card(self, card_no: str) -> KnownCard | None:
        card, member = self.tables.card, self.tables.member
        with self.reading():
            row = (card.select(card, member).join(member)
                   .where(card.card_no == card_no).first())
        return None if row is None else known_card_from_row(row)

    def known_card_nos(self) -> list[str]:
        card = self.tables.card
        with self.reading():
            return [row.card_no for row in card.select(card.card_no).order_by(card.card_no)]

    def cache_card(self, member: MemberInfo, snapshot: CardSnapshot) -> None:
        """Remember one card HQ told us about (a lookup while online)."""
        with self.writing():
            self._upsert_member(member)
            self._upsert_hq_card(snapshot.card, _hq_columns(snapshot.balances),
                                 self._cards_with_unacknowledged_changes())

    def apply_config(
        self, name: str, scope: str, version: int, body: Mapping[str, Any]
    ) -> ConfigOutcome:
        """Apply a document atomically if it is newer than the one held for (name, scope);
        an older or equal version is ignored, and the outcome says so."""
        _check_config(name, scope, version, body)
        with self.writing():
            outcome = self._apply_config(name, scope, version, body)
        if outcome.applied:
            self.config_generation += 1
        return outcome

    def applied_versions(self) -> dict[str, dict[str, Any]]:
        """Per document name, the scope in force and its version: the shadow's `applied`."""
        config = self.tables.config
        with self.reading():
            held = list(config.select(config.name, config.scope, config.version))
        in_force: dict[str, dict[str, Any]] = {}
        for row in sorted(held, key=lambda row: scope_rank(row.scope)):
            in_force[row.name] = {"scope": row.scope, "version": row.version}
        return in_force

    def effective_config(self, name: str) -> StoredConfig | None:
        """The document in force for `name`: the most specific scope held wins, whole."""
        config = self.tables.config
        with self.reading():
            rows = list(config.select().where(config.name == name))
        if not rows:
            return None
        row = max(rows, key=lambda row: scope_rank(row.scope))
        return StoredConfig(row.name, row.scope, row.version, row.body, row.applied_at)

    def _apply_config(
        self, name: str, scope: str, version: int, body: Mapping[str, Any]
    ) -> ConfigOutcome:
        config = self.tables.config
        held = config.get_or_none(config.name == name, config.scope == scope)
        if held is not None and held.version >= version:
            return ConfigOutcome(name, scope, version, False, held.version)
        (config.insert(name=name, scope=scope, version=version, body=dict(body),
                       applied_at=self.clock())
         .on_conflict(conflict_target=[config.name, config.scope],
                      preserve=[config.version, config.body, config.applied_at])
         .execute())
        if name == STAFF_DOCUMENT:
            self._refresh_staff()
            self._permission_table = None
        return ConfigOutcome(name, scope, version, True, version)

    def _refresh_staff(self) -> None:
        """The staff table follows the staff document in force (none in force: no staff)."""
        config = self.tables.config
        rows = list(config.select().where(config.name == STAFF_DOCUMENT))
        in_force = max(rows, key=lambda row: scope_rank(row.scope)) if rows else None
        members = decode_staff_document(in_force.body) if in_force is not None else ()
        replace_staff(self.tables, members, self.clock())

    def _cards_with_unacknowledged_changes(self) -> set[str]:
        card, outbox = self.tables.card, self.tables.outbox
        unacknowledged = outbox.select(outbox.op_id).where(
            outbox.seq > self.int_setting(ACK_WATERMARK))
        rows = card.select(card.card_no).where(card.changed_by_op.in_(unacknowledged))
        return {row.card_no for row in rows}

    def _upsert_member(self, info: MemberInfo) -> None:
        member = self.tables.member
        columns = {"member_id": info.member_id, "name": info.name, "phone": info.phone,
                   "updated_at": self.clock()}
        if info.birthday is not None:
            columns["birthday"] = birthday_text(info.birthday)
        if info.extras is not None:
            columns |= {"address": info.extras.address, "gender": info.extras.gender,
                        "notes": info.extras.notes, "consent": info.extras.consent}
        (member.insert(**columns)
         .on_conflict(conflict_target=[member.member_id],
                      preserve=[getattr(member, name) for name in columns if name != "member_id"])
         .execute())

    def _upsert_hq_card(self, hq_card: Card, from_hq: Mapping[str, Any],
                        pending: set[str]) -> bool:
        """Store HQ's view of a card, where a pending local change wins: a card in `pending`
        (changed here by an operation HQ has not acknowledged) keeps its own state and takes
        only `from_hq`, the columns of what HQ alone knows (its balances and the like); any
        other card becomes HQ's card whole. False when the local state was kept."""
        card = self.tables.card
        if hq_card.card_no in pending:
            card.update(**from_hq).where(card.card_no == hq_card.card_no).execute()
            return False
        columns = {**card_columns(hq_card), **from_hq, "changed_by_op": "",
                   "updated_at": self.clock()}
        (card.insert(**columns)
         .on_conflict(conflict_target=[card.card_no],
                      preserve=[getattr(card, name) for name in columns if name != "card_no"])
         .execute())
        return True

    def _remove_cards_not_in(self, keep: set[str]) -> int:
        card = self.tables.card
        stale = [row.card_no for row in card.select(card.card_no) if row.card_no not in keep]
        return sum(card.delete().where(card.card_no.in_(batch)).execute()
                   for batch in chunked(stale, _DELETE_CHUNK))

    def _remove_unused_members(self, keep: set[str]) -> int:
        member, card = self.tables.member, self.tables.card
        used = {row.member_id for row in card.select(card.member)}
        stale = [row.member_id for row in member.select(member.member_id)
                 if row.member_id not in keep | used]
        return sum(member.delete().where(member.member_id.in_(batch)).execute()
                   for batch in chunked(stale, _DELETE_CHUNK))


def _hq_columns(balances: HqBalances) -> dict[str, Any]:
    return {"hq_principal": balances.principal, "hq_bonus": balances.bonus,
            "hq_points": balances.points, "hq_time_minutes": balances.time_minutes,
            "hq_counts": dict(balances.counts), "hq_version": balances.version,
            "hq_as_of": balances.as_of,
            # Totals only: lots of an earlier answer would no longer match them.
            "hq_balances": None}


def known_card_from_row(row: Any) -> KnownCard:
    """A card row joined with its member row."""
    hq = HqBalances(row.hq_principal, row.hq_bonus, row.hq_points, row.hq_time_minutes,
                    row.hq_counts, row.hq_version, row.hq_as_of)
    with decoding("member", row.member.member_id):
        extras = ProfileExtras(row.member.address, row.member.gender, row.member.notes,
                               bool(row.member.consent))
        owner = MemberInfo(row.member.member_id, row.member.name, row.member.phone,
                           birthday_from_text(row.member.birthday),
                           None if extras == ProfileExtras() else extras)  # none recorded
    with decoding("card", row.card_no):
        snapshot = None if row.hq_balances is None else balances_from_plain(row.hq_balances)
    return KnownCard(card_from_row(row), owner, hq, row.changed_by_op, row.uid,
                     row.offline_pin_verifier, snapshot, tuple(row.hq_coupons or ()),
                     row.hq_last_visit)


def _check_config(name: str, scope: str, version: int, body: Mapping[str, Any]) -> None:
    if name not in CONFIG_NAMES:
        raise InvalidConfig("store.config_name_unknown", name=name)
    try:
        config_topic(scope, name)
    except WireError as error:
        raise InvalidConfig("store.config_scope_invalid", scope=scope) from error
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InvalidConfig("store.config_version_invalid", version=version)
    if not isinstance(body, Mapping):
        raise InvalidConfig("store.config_body_invalid", name=name)
    if name == STAFF_DOCUMENT:
        decode_staff_document(body)  # refused whole before anything is applied
    elif name == BLACKLIST:
        # Refused whole: the version in force keeps blocking its cards (a list read as
        # empty would let every lost card pay again).
        try:
            decode_blacklist(body)
        except ConfigError as error:
            raise InvalidConfig("store.config_body_invalid", name=name, reason=error.key,
                                item=error.params.get("item"),
                                field=error.params.get("field")) from error
    try:
        compact_json(dict(body))
    except (TypeError, ValueError) as error:
        raise InvalidConfig("store.config_body_invalid", name=name) from error
