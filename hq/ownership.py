"""Which store issued each card and registered each member (membership.store_rules): HQ's
lookups for the cross-store rules, and migration 12, which adds the columns and fills them from
the events HQ already applied.

A terminal's store is the one `hq terminal add` registered, or else the one its first batch
named (hq.ingest): the rules hold between terminals whose stores HQ knows.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from peewee import JOIN
from playhouse.migrate import SchemaMigrator, migrate

from hq.card_events import CardState, card_id
from membership.store_rules import CARD_ISSUED, CARD_REPLACED, MEMBER_REGISTERED, MemberOwner
from protocol.wire import WireEvent

if TYPE_CHECKING:
    from hq.db import HqDatabase

_OWNER_EVENTS = (CARD_ISSUED, CARD_REPLACED, MEMBER_REGISTERED)


def terminal_store(db: HqDatabase, terminal_id: str) -> str:
    """The terminal's store at HQ ("" unknown)."""
    terminals = db.terminals
    row = terminals.select(terminals.store_id).where(terminals.id == terminal_id).first()
    return row.store_id if row is not None else ""


def card_issuers(db: HqDatabase, card_nos: Collection[str]) -> dict[str, str]:
    """Card number -> issuing store, for the cards HQ knows the issuer of."""
    if not card_nos:
        return {}
    rows = db.database.execute_sql(  # plain SQL: it runs in most ingest transactions
        f'SELECT "card_no", "issued_store_id" FROM "cards" WHERE {db.among("card_no")} '
        'AND "issued_store_id" <> \'\'', [db.list_parameter(sorted(card_nos))])
    return dict(rows.fetchall())


def member_owners(db: HqDatabase, member_ids: Collection[str]) -> dict[str, MemberOwner]:
    """Member id -> the registering store and the profile HQ holds, for members HQ knows."""
    if not member_ids:
        return {}
    rows = db.database.execute_sql(
        'SELECT "member_id", "store_id", "name", "phone", "birthday", "address", "gender", '
        f'"notes", "consent" FROM "members" WHERE {db.among("member_id")}',
        [db.list_parameter(sorted(member_ids))])
    return {member_id: MemberOwner(store, {
                "name": name, "phone": phone, "birthday": birthday, "address": address,
                "gender": gender, "notes": notes, "consent": bool(consent)})
            for member_id, store, name, phone, birthday, address, gender, notes, consent
            in rows.fetchall()}


def with_first_issuers(cards: Mapping[str, CardState], events: Iterable[WireEvent],
                       store_id: str) -> dict[str, CardState]:
    """`cards` with `store_id` as the issuer of each card the events issue that has none yet
    (hq.card_events then carries it to a replacement's new card)."""
    updated = dict(cards)
    if not store_id:
        return updated
    for event in events:
        card_no = card_id(event.payload.get("card_no")) if event.type == CARD_ISSUED else ""
        card = updated.get(card_no)
        if card is not None and not card.issued_store_id:
            updated[card_no] = replace(card, issued_store_id=store_id)
    return updated


def add_store_ownership(hq: HqDatabase) -> None:
    """Migration 12: cards.issued_store_id, members.store_id and overdrafts.reason (a database
    created at version 1 by a newer HQ has them already), then the owners of the cards and
    members HQ already has, from the events it applied."""
    migrator = SchemaMigrator.from_database(hq.database)
    wanted = (("cards", "issued_store_id", hq.cards.issued_store_id),
              ("members", "store_id", hq.members.store_id),
              ("overdrafts", "reason", hq.overdrafts.reason))
    operations = []
    for table, name, field in wanted:
        if name not in {column.name for column in hq.database.get_columns(table)}:
            operations.append(migrator.add_column(table, name, field))
    if operations:
        migrate(*operations)
    _fill_owners(hq)


def _fill_owners(hq: HqDatabase) -> None:
    """One pass over the applied card.issued, card.replaced and member.registered events, in
    terminal time: the first store to issue a card (or register a member) owns it, and a
    replacement's new card keeps its old card's owner. Events of terminals whose store HQ does
    not know set no owner, as at ingest (hq.ingest.ownership_screen)."""
    issuers: dict[str, str] = {}
    registrars: dict[str, str] = {}
    for event_type, store, payload in _owner_events(hq):
        if event_type == CARD_ISSUED and store:
            issuers.setdefault(_text(payload, "card_no"), store)
        elif event_type == CARD_REPLACED:
            old, new = _text(payload, "old_card_no"), _text(payload, "new_card_no")
            if issuers.get(old):
                issuers.setdefault(new, issuers[old])
        elif event_type == MEMBER_REGISTERED and store:
            registrars.setdefault(_text(payload, "member_id"), store)
    cards, members = hq.cards, hq.members
    for card_no, store in issuers.items():
        if card_no and store:
            cards.update(issued_store_id=store).where(
                cards.card_no == card_no, cards.issued_store_id == "").execute()
    for member_id, store in registrars.items():
        if member_id and store:
            members.update(store_id=store).where(
                members.member_id == member_id, members.store_id == "").execute()


def _owner_events(hq: HqDatabase) -> Iterable[tuple[str, str, dict[str, Any]]]:
    events, terminals, quarantined = hq.events, hq.terminals, hq.quarantined_events
    query = (events.select(events.type, terminals.store_id, events.payload)
             .join(terminals, on=(events.terminal_id == terminals.id))
             .switch(events)
             .join(quarantined, join_type=JOIN.LEFT_OUTER,
                   on=((quarantined.terminal_id == events.terminal_id)
                       & (quarantined.seq == events.seq)))
             .where(events.type.in_(_OWNER_EVENTS), quarantined.id.is_null())
             .order_by(events.terminal_at, events.terminal_id, events.seq))
    for event_type, store, payload in query.tuples().iterator():
        try:
            body = json.loads(payload)
        except ValueError:
            continue
        if isinstance(body, dict):
            yield event_type, store, body


def _text(payload: dict[str, Any], name: str) -> str:
    value = payload.get(name)
    return value if isinstance(value, str) else ""
