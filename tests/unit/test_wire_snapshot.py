"""The snapshot messages (protocol.wire_snapshot): what a terminal sends, what HQ answers,
and what each refuses."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from membership.cards import Card, CardStatus
from membership.ledger import CardBalances
from protocol.wire import WireError, terminal_topic
from protocol.wire_members import LookupRecord, ProfileRecord
from protocol.wire_snapshot import (
    MAX_SNAPSHOT_PAGE,
    SnapshotPage,
    SnapshotRequest,
    parse_snapshot_page,
    parse_snapshot_request,
)

TOPIC = terminal_topic("T2", "snapshot/req")
AS_OF = datetime(2026, 12, 6, 9, 30)


def request(**fields) -> bytes:
    return json.dumps({"schema": 2, "terminal_id": "T2", **fields}).encode()


def test_a_request_round_trips() -> None:
    sent = SnapshotRequest("T2", "SH001", "T1-C0001", 10)
    assert parse_snapshot_request(TOPIC, sent.to_bytes()) == sent


@pytest.mark.parametrize(("fields", "reason"), [
    ({"limit": MAX_SNAPSHOT_PAGE + 1}, "invalid_field"),
    ({"limit": 0}, "invalid_field"),
    ({"after": 7}, "invalid_field"),
    ({"store_id": "S\x00"}, "invalid_field"),
    ({"terminal_id": "T1"}, "terminal_mismatch"),
])
def test_bad_requests_are_refused_with_a_reason(fields, reason) -> None:
    with pytest.raises(WireError) as refused:
        parse_snapshot_request(TOPIC, request(**fields))
    assert refused.value.reason == reason


def test_a_last_page_round_trips_with_its_documents() -> None:
    card = Card("T1-C0001", "M1", "GOLD", CardStatus.ACTIVE, issued_on=date(2026, 1, 2))
    record = LookupRecord(ProfileRecord("M1", "张三", "13800138000"), card,
                          CardBalances(principal=50_000, bonus=3_000))
    page = SnapshotPage(AS_OF, (record,), documents={"promotions": ("store:SH001", 2)})
    parsed = parse_snapshot_page(page.to_bytes())
    assert parsed == page and parsed.last


def test_a_page_naming_a_scope_outside_the_contract_is_refused() -> None:
    bad = json.dumps({"schema": 1, "as_of": AS_OF.isoformat(), "records": [],
                      "documents": {"promotions": {"scope": "planet:Mars", "version": 1}}})
    with pytest.raises(WireError):
        parse_snapshot_page(bad.encode())
