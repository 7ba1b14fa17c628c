"""Member lookups: `hy/v1/t/{terminal}/lookup/req` -> `.../lookup/resp` (docs/protocol.md), and
the JSON codecs of what an answer carries: a profile, a Card and its CardBalances with every lot.

Pure, like protocol.wire: a terminal asks by card (number or UID) or by phone; HQ answers with
one record per card, balances derived from its ledger. Parse errors are WireErrors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from membership.birthdays import Birthday, format_birthday
from membership.cards import Card, CardStatus
from membership.ledger import CardBalances, Lot
from membership.profiles import (
    MAX_NAME_CHARS,
    ProfileExtras,
    extras_payload,
    extras_problem,
    is_id,
    is_phone,
    is_uid,
    parse_birthday_text,
    read_extras,
)
from protocol.wire import (
    SCHEMA,
    WireError,
    decode,
    encode,
    is_int,
    own_terminal,
)
from protocol.wire_times import local_time, wire_time

LOOKUP_BY = ("card", "phone")
MAX_LOOKUP_RECORDS = 20  # cards in one answer (a phone shared by a family, many cards)
MAX_OTHER_CARDS = 20
# An answer carries every lot of up to MAX_LOOKUP_RECORDS cards (a daily points lot for years).
MAX_LOOKUP_RESPONSE_BYTES = 4 * 1024 * 1024
UNKNOWN_CARD = "card.unknown"
UNKNOWN_MEMBER = "member.unknown"
RATE_LIMITED = "lookup.rate_limited"  # too many lookups from this terminal just now


@dataclass(frozen=True)
class LookupRequest:
    """By card: `card_no`, else `uid`. By phone: `phone` (normalised digits). `presented`: the
    card was read by the terminal's reader just now, so HQ may send its offline PIN verifier."""

    terminal_id: str
    card_no: str = ""
    uid: str = ""
    phone: str = ""
    presented: bool = False

    @property
    def by(self) -> str:
        return "phone" if self.phone else "card"

    def to_bytes(self) -> bytes:
        message: dict[str, Any] = {"schema": SCHEMA, "terminal_id": self.terminal_id,
                                   "by": self.by}
        if self.by == "phone":
            message["phone"] = self.phone
        else:
            message.update(card_no=self.card_no, uid=self.uid, presented=self.presented)
        return encode(message)


def parse_lookup_request(topic: str, payload: bytes) -> LookupRequest:
    message = decode(payload)
    terminal_id = own_terminal(topic, "lookup/req", message)
    by = message.get("by")
    if by == "phone":
        phone = message.get("phone")
        if not is_phone(phone):
            raise WireError("invalid_field", "phone")
        return LookupRequest(terminal_id, phone=phone)
    if by != "card":
        raise WireError("invalid_field", "by")
    card_no, uid = message.get("card_no", ""), message.get("uid", "")
    if card_no != "" and not is_id(card_no):
        raise WireError("invalid_field", "card_no")
    if uid != "" and not is_uid(uid):
        raise WireError("invalid_field", "uid")
    if not card_no and not uid:
        raise WireError("invalid_field", "card_no/uid")
    presented = message.get("presented", False)
    if not isinstance(presented, bool):
        raise WireError("invalid_field", "presented")
    return LookupRequest(terminal_id, card_no=card_no, uid=uid, presented=presented)


@dataclass(frozen=True)
class ProfileRecord:
    member_id: str
    name: str = ""
    phone: str = ""
    birthday: Birthday | None = None
    extras: ProfileExtras | None = None  # None: not sent (an HQ from before profile edits)


@dataclass(frozen=True)
class LookupRecord:
    """One card of a member as HQ knows it (terminal.cashier.ports.MemberRecord on the wire)."""

    profile: ProfileRecord
    card: Card
    balances: CardBalances
    uid: str = ""
    offline_pin_verifier: str = ""  # membership.pin_hash, OFFLINE_COST, no pepper; "" = none
    coupons: tuple[str, ...] = ()
    other_cards: tuple[str, ...] = ()
    last_visit: datetime | None = None  # the card's latest visit at HQ (hq.visits), if any


@dataclass(frozen=True)
class LookupResponse:
    as_of: datetime  # HQ's clock
    records: tuple[LookupRecord, ...] = ()
    reason: str = ""  # card.unknown or member.unknown when nothing was found

    def to_bytes(self) -> bytes:
        return encode({"schema": SCHEMA, "as_of": wire_time(self.as_of), "reason": self.reason,
                       "records": [record_to_json(record) for record in self.records]})


def parse_lookup_response(payload: bytes) -> LookupResponse:
    message = decode(payload, MAX_LOOKUP_RESPONSE_BYTES)
    records = message.get("records")
    if not isinstance(records, list) or len(records) > MAX_LOOKUP_RECORDS:
        raise WireError("invalid_field", "records")
    reason = message.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 80:
        raise WireError("invalid_field", "reason")
    return LookupResponse(local_time(message, "as_of"),
                          tuple(record_from_json(record) for record in records), reason)


def record_to_json(record: LookupRecord) -> dict[str, Any]:
    return {"profile": profile_to_json(record.profile), "card": card_to_json(record.card),
            "balances": balances_to_json(record.balances), "uid": record.uid,
            "offline_pin_verifier": record.offline_pin_verifier,
            "coupons": list(record.coupons), "other_cards": list(record.other_cards),
            **({} if record.last_visit is None else {"last_visit": wire_time(record.last_visit)})}


def record_from_json(data: Any) -> LookupRecord:
    data = _object(data, "record")
    return LookupRecord(
        profile=profile_from_json(data.get("profile")), card=card_from_json(data.get("card")),
        balances=balances_from_json(data.get("balances")), uid=_str(data, "uid"),
        offline_pin_verifier=_str(data, "offline_pin_verifier", 200),
        coupons=_strings(data, "coupons"), other_cards=_strings(data, "other_cards"),
        last_visit=local_time(data, "last_visit") if data.get("last_visit") is not None
        else None)


# --- profiles ------------------------------------------------------------------------------------

def profile_to_json(profile: ProfileRecord) -> dict[str, Any]:
    found = {"member_id": profile.member_id, "name": profile.name, "phone": profile.phone,
             "birthday": format_birthday(profile.birthday) if profile.birthday else ""}
    return found | extras_payload(profile.extras) if profile.extras is not None else found


def profile_from_json(data: Any) -> ProfileRecord:
    data = _object(data, "profile")
    problem = extras_problem(data)
    if problem:
        raise WireError("invalid_field", f"profile.{problem}")
    return ProfileRecord(_str(data, "member_id"), _str(data, "name", MAX_NAME_CHARS),
                         _str(data, "phone"), parse_birthday_text(_str(data, "birthday")),
                         read_extras(data))


# --- cards ---------------------------------------------------------------------------------------

def card_to_json(card: Card) -> dict[str, Any]:
    return {"card_no": card.card_no, "member_id": card.member_id, "type_code": card.type_code,
            "status": card.status.value, "issued_on": _iso(card.issued_on),
            "expires_on": _iso(card.expires_on), "level": card.level,
            "parent_card_no": card.parent_card_no, "quota": card.quota,
            "replaced_by": card.replaced_by, "previous_card_nos": list(card.previous_card_nos)}


def card_from_json(data: Any) -> Card:
    data = _object(data, "card")
    try:
        status = CardStatus(data.get("status"))
    except ValueError:
        raise WireError("invalid_field", "card.status") from None
    card_no = _str(data, "card_no")
    if not card_no:
        raise WireError("invalid_field", "card.card_no")
    return Card(card_no, _str(data, "member_id"), _str(data, "type_code"), status,
                issued_on=_day(data, "issued_on"), expires_on=_day(data, "expires_on"),
                level=_str(data, "level"), parent_card_no=_str(data, "parent_card_no"),
                quota=_int(data, "quota"), replaced_by=_str(data, "replaced_by"),
                previous_card_nos=_strings(data, "previous_card_nos"))


# --- balances ------------------------------------------------------------------------------------

_LOT_LISTS = ("points_lots", "count_lots", "pass_lots")


def balances_to_json(balances: CardBalances) -> dict[str, Any]:
    """Every field of CardBalances, every lot (an empty one too: it is part of the ledger's
    fold, and the terminal compares like with like)."""
    document: dict[str, Any] = {"principal": balances.principal, "bonus": balances.bonus,
                                "time_minutes": balances.time_minutes,
                                "entry_count": balances.entry_count}
    for name in _LOT_LISTS:
        document[name] = [_lot_to_json(lot) for lot in getattr(balances, name)]
    return document


def balances_from_json(data: Any) -> CardBalances:
    data = _object(data, "balances")
    lots = {}
    for name in _LOT_LISTS:
        raw = data.get(name, [])
        if not isinstance(raw, list):
            raise WireError("invalid_field", f"balances.{name}")
        lots[name] = tuple(_lot_from_json(item) for item in raw)
    return CardBalances(principal=_int(data, "principal"), bonus=_int(data, "bonus"),
                        time_minutes=_int(data, "time_minutes"),
                        entry_count=_int(data, "entry_count"), **lots)


def _lot_to_json(lot: Lot) -> dict[str, Any]:
    return {"lot": lot.lot, "service": lot.service, "valid_from": _iso(lot.valid_from),
            "valid_until": _iso(lot.valid_until), "remaining": lot.remaining,
            "opened_at": wire_time(lot.opened_at)}


def _lot_from_json(data: Any) -> Lot:
    data = _object(data, "lot")
    return Lot(lot=_str(data, "lot", 200), service=_str(data, "service"),
               valid_from=_day(data, "valid_from"), valid_until=_day(data, "valid_until"),
               remaining=_int(data, "remaining"), opened_at=local_time(data, "opened_at"))


# --- strict readers ------------------------------------------------------------------------------

def _object(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise WireError("invalid_field", name)
    return value


def _str(data: Mapping[str, Any], name: str, max_chars: int = 64) -> str:
    value = data.get(name, "")
    if not isinstance(value, str) or len(value) > max_chars:
        raise WireError("invalid_field", name)
    return value


def _int(data: Mapping[str, Any], name: str) -> int:
    value = data.get(name, 0)
    if not is_int(value):
        raise WireError("invalid_field", name)
    return value


def _strings(data: Mapping[str, Any], name: str) -> tuple[str, ...]:
    values = data.get(name, [])
    if not isinstance(values, list) or len(values) > MAX_OTHER_CARDS * 5 or not all(
            isinstance(value, str) and len(value) <= 64 for value in values):
        raise WireError("invalid_field", name)
    return tuple(values)


def _day(data: Mapping[str, Any], name: str) -> date | None:
    value = data.get(name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise WireError("invalid_field", name) from None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
