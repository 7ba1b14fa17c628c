"""HQ in UTC against terminals in Asia/Shanghai (issue 10, point 5).

A real `hq serve` process with TZ=UTC and a real terminal process with TZ=Asia/Shanghai: no
batch is flagged for clock skew, nothing is quarantined, HQ stores the terminal's times as UTC
and dates each card by the store's local day. With injected clocks at 07:30 in Shanghai (23:30
UTC the day before): a PIN request is not stale, a card issued then is dated the store's day,
and a coupon valid on that local day only is live at HQ and valid for HQ's re-decision, which
reads the sale's time on the store's wall clock. Real SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from huiyuan_devices.keypad.base import Pin

from harness.demo_config import publish_demo_documents
from harness.reconcile import reconcile_terminal
from hq.config_push import next_document
from hq.coupon_documents import live_coupon_codes
from hq.db import HqDatabase, open_database
from hq.ingest import Ingestor
from hq.pin_secrets import PinSecrets
from hq.pins import PinAuthority
from hq.stores import StoreRecord, add_store
from hq.times import aware_time, local_day, local_wall_time
from membership.config_codec_rules import COUPONS, encode_coupons
from membership.coupons import Coupon, CouponKind, check_usable
from protocol.pin_sealing import seal_pin_request
from protocol.wire import WireEvent, build_event_batch, terminal_topic
from protocol.wire_pins import PinResponse
from terminal.store.store import open_store
from tests.support.timers import fast_sync_flags

REPO = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")
# 07:30 on the 8th in Shanghai is 23:30 on the 7th in UTC: two different days.
SHANGHAI_MORNING = datetime(2026, 12, 8, 7, 30, tzinfo=SHANGHAI)
HQ_CLOCK = SHANGHAI_MORNING.astimezone(UTC) + timedelta(seconds=20)
CARD = "8800000000000042"


def start_hq_in_utc(broker, url: str, folder: Path) -> subprocess.Popen:
    db = open_database(url)
    try:
        publish_demo_documents(db)  # what the terminal prices with, so HQ can re-decide it
    finally:
        db.close()
    environment = {**os.environ, "TZ": "UTC", "HQ_DATABASE_URL": url,
                   "HQ_BROKER_PORT": str(broker.port),
                   "HQ_BROKER_PASSWORD": broker.accounts.hq_password, "HQ_DATA_DIR": str(folder)}
    return subprocess.Popen([sys.executable, "-m", "hq", "serve"], cwd=REPO, env=environment,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def run_terminal_in_shanghai(broker, folder: Path, operations: int) -> None:
    environment = {**os.environ, "TZ": "Asia/Shanghai"}
    done = subprocess.run(
        [sys.executable, "-m", "harness.fleet_terminal", "T1", "--folder", str(folder),
         "--port", str(broker.port), "--password", broker.accounts.password_for("T1"),
         "--operations", str(operations), "--seed", "3", "--pause", "0.01",
         *fast_sync_flags()],
        cwd=REPO, env=environment, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


def terminal_entry_times(folder: Path) -> dict[tuple[str, int], datetime]:
    """The terminal's own ledger times (its naive local clock), by op and entry."""
    with sqlite3.connect(folder / "T1.sqlite3") as connection:
        rows = connection.execute('SELECT "op_id", "entry_index", "at" FROM "ledger_entry"')
        return {(op_id, index): datetime.fromisoformat(at) for op_id, index, at in rows}


def test_hq_in_utc_and_a_terminal_in_shanghai_agree_on_time(broker, hq_database_url,
                                                            tmp_path) -> None:
    hq = start_hq_in_utc(broker, hq_database_url, tmp_path / "hq")
    try:
        run_terminal_in_shanghai(broker, tmp_path, operations=40)
    finally:
        hq.terminate()
        hq.wait(timeout=10)
    db = open_database(hq_database_url)
    try:
        with open_store(tmp_path / "T1.sqlite3") as store:
            result = reconcile_terminal(db, "T1", store)
        assert result.events_at_hq == result.events_issued > 0
        reasons = sorted({row.reason for row in db.quarantined_events.select()})
        assert result.clean, (result, reasons)  # none missing, doubled, off or quarantined
        terminal = db.terminals.get_by_id("T1")
        assert not terminal.skew_flagged and abs(terminal.clock_skew_seconds) < 60
        local = terminal_entry_times(tmp_path)
        ledger = db.ledger
        stored = list(ledger.select(ledger.op_id, ledger.at).order_by(ledger.id))
        assert stored
        # HQ keeps UTC: eight hours behind the terminal's own wall clock, entry by entry.
        assert {row.at + timedelta(hours=8) for row in stored} <= set(local.values())
        issued = [(row.terminal_at, row.payload) for row in db.events.select().where(
            db.events.type == "card.issued")]
        assert issued
        for terminal_at, payload in issued:
            card_no = payload.split('"card_no":"')[1].split('"')[0]
            card = db.cards.get_by_id(card_no)
            assert card.issued_on == local_day(terminal_at, SHANGHAI)  # the store's day
    finally:
        db.close()


@pytest.fixture
def ingestor(hq: HqDatabase) -> Ingestor:
    add_store(hq, StoreRecord("SH001", "徐汇店", "east", "Asia/Shanghai", HQ_CLOCK))
    hq.terminals.insert(id="T1", store_id="SH001").execute()
    return Ingestor(hq)


def test_a_card_issued_at_half_past_seven_in_shanghai_is_dated_that_day(
        hq: HqDatabase, ingestor: Ingestor) -> None:
    issue = WireEvent(1, "T1-1", "card.issued", SHANGHAI_MORNING, {
        "card_no": CARD, "member_id": "M1", "type_code": "VIP", "level": "", "join_fee": 0,
        "expires_on": "2028-12-31", "store_id": "SH001", "tenders": []})
    batch = build_event_batch("T1", [issue], SHANGHAI_MORNING)
    result = ingestor.handle_events(terminal_topic("T1", "events"), batch, HQ_CLOCK)
    assert (result.stored, result.quarantined) == (1, [])
    event = hq.events.get()
    assert event.terminal_at == datetime(2026, 12, 7, 23, 30)  # naive UTC, as HQ stores
    assert hq.cards.get_by_id(CARD).issued_on == date(2026, 12, 8)  # not the UTC day, the 7th
    assert not hq.terminals.get_by_id("T1").skew_flagged


def test_a_coupon_of_the_stores_day_is_valid_at_half_past_seven_there(hq: HqDatabase) -> None:
    """The coupon is valid on the 8th, store-local; at 23:30 UTC on the 7th HQ keeps it live
    and its re-decision reads the sale's time as the store's wall clock, the 8th."""
    coupon = Coupon("MORNING", CouponKind.CASH_OFF, datetime(2026, 12, 8, 0, 0),
                    datetime(2026, 12, 8, 23, 59, 59), value=500)
    next_document(hq, COUPONS, "store:SH001", encode_coupons([coupon]), HQ_CLOCK)
    hq.coupon_uses.insert(code="MORNING", op_id="T1-2", terminal_id="T1", card_no=CARD,
                          used_at=datetime(2026, 12, 7, 23, 30),
                          received_at=datetime(2026, 12, 7, 23, 30, 20)).execute()
    assert live_coupon_codes(hq, HQ_CLOCK) == frozenset({"MORNING"})
    sale_at = local_wall_time(datetime(2026, 12, 7, 23, 30), SHANGHAI)  # as HQ re-decides
    assert sale_at == datetime(2026, 12, 8, 7, 30)
    check_usable(coupon, sale_at, "SH001", "M1", promotion_applied=False)  # no CouponError
    with pytest.raises(Exception, match="not_yet_valid"):
        check_usable(coupon, datetime(2026, 12, 7, 23, 30), "SH001", "M1", False)  # UTC's day


def test_a_pin_request_from_shanghai_is_not_stale_at_an_hq_on_utc(hq: HqDatabase) -> None:
    secrets = PinSecrets(b"pepper-for-the-tests-0123456789", X25519PrivateKey.generate())
    pins = PinAuthority(hq, secrets, clock=lambda: HQ_CLOCK)
    request = seal_pin_request(secrets.pin_key(HQ_CLOCK), "T1", CARD, "set",
                               Pin(bytearray(b"735194")), None, SHANGHAI_MORNING)
    assert b"2026-12-08T07:30:00+08:00" in request.to_bytes()
    answer = pins.handle_request(terminal_topic("T1", "pin/req"), request.to_bytes())
    assert answer == PinResponse("accepted", 3)
    assert aware_time(hq.member_pins.get_by_id(CARD).updated_at) == HQ_CLOCK
