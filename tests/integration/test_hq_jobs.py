"""HQ's daily jobs (hq.jobs): points expiry written to the ledger, the level review, once per
(job, day) however often or by however many workers run, catching up after downtime, and
`hq jobs run`. Real SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hq.balances import card_balances
from hq.cli import main as hq_main
from hq.config_push import next_document
from hq.db import HqDatabase, open_database
from hq.ingest.rows import entry_row
from hq.job_points_expiry import HQ_TERMINAL, expiry_op_id
from hq.jobs import (
    LEVEL_REVIEW,
    POINTS_EXPIRY,
    JobScheduler,
    current_day,
    due_days,
    run_job,
)
from membership.cards import Card
from membership.config_codec_cards import encode_levels
from membership.ledger import Account, EntryKind, LedgerEntry
from membership.levels import Level, LevelPolicy
from membership.member_panel import POINTS_EXPIRY_WINDOW_DAYS, member_panel

ZONE = ZoneInfo("Asia/Shanghai")
CARD = "8800000000000001"
OTHER = "8800000000000002"
DAY = date(2027, 1, 1)
POLICY = LevelPolicy((
    Level("NORMAL", "普通会员", 0),
    Level("SILVER", "银卡会员", 1, upgrade_spend=100000, keep_spend=50000),
    Level("GOLD", "金卡会员", 2, upgrade_spend=500000, keep_spend=200000),
))


def _add_points(hq: HqDatabase, card_no: str, points: int, lot: str, valid_until: date | None,
                at: datetime = datetime(2026, 3, 1, 2, 0)) -> None:
    entry = LedgerEntry(f"T1-{lot}-{card_no}", card_no, Account.POINTS, points, EntryKind.EARN,
                        at, lot=lot, valid_until=valid_until)
    hq.ledger.insert(**entry_row("T1", 1, entry)).execute()


def _card(hq: HqDatabase, card_no: str, level: str = "", store: str = "SH001") -> None:
    hq.cards.insert(card_no=card_no, member_id=f"M-{card_no}", type_code="VIP", level=level,
                    issued_store_id=store).execute()


def _event(hq: HqDatabase, seq: int, kind: str, at: datetime, payload: dict) -> None:
    hq.terminals.insert(id="T1", store_id="SH001").on_conflict_ignore().execute()
    hq.events.insert(terminal_id="T1", seq=seq, op_id=f"T1-{seq}", type=kind, terminal_at=at,
                     received_at=at, payload=json.dumps(payload)).execute()


def _publish_levels(hq: HqDatabase, scope: str = "all") -> None:
    with hq.write_transaction():
        next_document(hq, "levels", scope, encode_levels(POLICY), datetime(2026, 1, 1))


def test_points_past_their_last_day_are_expired_in_the_ledger_once(hq: HqDatabase) -> None:
    _card(hq, CARD)
    _add_points(hq, CARD, 320, "P2025", date(2026, 12, 31))
    _add_points(hq, CARD, 50, "P2026", date(2027, 12, 31))
    _add_points(hq, OTHER, 10, "P", None)
    outcome = run_job(hq, POINTS_EXPIRY, DAY, ZONE, datetime(2026, 12, 31, 19, 0))
    assert (outcome.ran, outcome.cards) == (True, (CARD,))
    expired = list(hq.ledger.select().where(hq.ledger.kind == EntryKind.EXPIRE.value))
    assert [(row.card_no, row.lot, row.delta, row.op_id, row.terminal_id) for row in expired] == [
        (CARD, "P2025", -320, expiry_op_id(DAY), HQ_TERMINAL)]
    assert expired[0].at == datetime(2026, 12, 31, 16, 0)  # midnight in Shanghai, naive UTC
    assert card_balances(hq, CARD).points == 50
    again = run_job(hq, POINTS_EXPIRY, DAY, ZONE)
    assert (again.ran, again.cards) == (False, ())
    assert run_job(hq, POINTS_EXPIRY, DAY + timedelta(days=1), ZONE).cards == ()
    assert hq.ledger.select().where(hq.ledger.kind == EntryKind.EXPIRE.value).count() == 1
    assert [(row.job, row.day, row.cards_changed) for row in hq.job_runs.select()
            .order_by(hq.job_runs.day)] == [(POINTS_EXPIRY, DAY, 1),
                                            (POINTS_EXPIRY, DAY + timedelta(days=1), 0)]


def test_what_the_panel_calls_expiring_soon_is_what_the_job_expires(hq: HqDatabase) -> None:
    today = date(2026, 12, 8)
    _card(hq, CARD)
    _add_points(hq, CARD, 320, "P2025", date(2026, 12, 31))
    _add_points(hq, CARD, 40, "P2026-01-07", date(2027, 1, 6))
    _add_points(hq, CARD, 9, "P2026-01-08", date(2027, 1, 7))  # beyond the window
    _add_points(hq, CARD, 50, "P2026", date(2027, 12, 31))
    panel = member_panel(Card(CARD, "M1", "VIP"), None, None, card_balances(hq, CARD),
                         _Profile(), today)
    horizon = today + timedelta(days=POINTS_EXPIRY_WINDOW_DAYS)
    run_job(hq, POINTS_EXPIRY, horizon, ZONE)
    expired = -sum(row.delta for row in hq.ledger.select().where(
        hq.ledger.kind == EntryKind.EXPIRE.value))
    assert panel.points.expiring_soon == expired == 360
    assert panel.points.first_expiry == date(2026, 12, 31)


class _Profile:
    name, phone, birthday = "张三", "", None


def test_the_review_upgrades_on_spend_anywhere_and_downgrades_below_keep(hq: HqDatabase) -> None:
    _publish_levels(hq)
    _card(hq, CARD)  # no level yet: the base level
    _card(hq, OTHER, level="GOLD")
    _card(hq, "8800000000000003", level="SILVER")
    at = datetime(2026, 11, 1, 2, 0)
    _event(hq, 1, "card.topped_up", at, {"card_no": CARD, "paid": 300000, "bonus": 30000})
    _event(hq, 2, "sale.completed", at, {"card_no": CARD, "change": 0, "tenders": [
        {"kind": "cash", "amount": 250000}]})
    _event(hq, 3, "card.topped_up", at, {"card_no": OTHER, "paid": 60000})
    _event(hq, 4, "card.topped_up", datetime(2025, 1, 1), {"card_no": "8800000000000003",
                                                           "paid": 900000})  # out of window
    outcome = run_job(hq, LEVEL_REVIEW, DAY, ZONE)
    assert outcome.cards == (CARD, OTHER, "8800000000000003")
    levels = {row.card_no: row.level for row in hq.cards.select()}
    assert levels == {CARD: "GOLD", OTHER: "SILVER", "8800000000000003": "NORMAL"}
    assert run_job(hq, LEVEL_REVIEW, DAY, ZONE).ran is False


def test_a_quarantined_event_counts_for_nothing_and_no_document_reviews_nothing(
        hq: HqDatabase) -> None:
    _card(hq, CARD)
    at = datetime(2026, 11, 1, 2, 0)
    _event(hq, 1, "card.topped_up", at, {"card_no": CARD, "paid": 900000})
    assert run_job(hq, LEVEL_REVIEW, DAY, ZONE).cards == ()  # no levels document
    _publish_levels(hq, "store:SH001")
    hq.quarantined_events.insert(terminal_id="T1", seq=1, op_id="T1-1", type="card.topped_up",
                                 payload="{}", reason="topup_principal_not_paid",
                                 received_at=at).execute()
    assert run_job(hq, LEVEL_REVIEW, DAY + timedelta(days=1), ZONE).cards == ()
    assert hq.cards.get_by_id(CARD).level == ""


def test_after_downtime_the_missed_days_run_oldest_first(hq: HqDatabase) -> None:
    _card(hq, CARD)
    _add_points(hq, CARD, 5, "P2026-12-01+1d", date(2026, 12, 1))
    _add_points(hq, CARD, 7, "P2026-12-03+1d", date(2026, 12, 3))
    assert due_days(hq, POINTS_EXPIRY, date(2026, 12, 2), 31) == [date(2026, 12, 2)]
    run_job(hq, POINTS_EXPIRY, date(2026, 12, 2), ZONE)
    now = datetime(2026, 12, 5, 20, 0, tzinfo=ZONE)  # three days later, after the hour
    assert due_days(hq, POINTS_EXPIRY, now.date(), 31) == [
        date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 5)]
    changed: list[tuple[str, ...]] = []
    scheduler = JobScheduler(open_database(_url(hq)), ZONE, 3, 60, 31,
                             lambda cards: changed.append(tuple(cards)), clock=lambda: now)
    outcomes = scheduler.run_due()
    assert [(o.job, o.day, o.cards) for o in outcomes if o.job == POINTS_EXPIRY] == [
        (POINTS_EXPIRY, date(2026, 12, 3), ()), (POINTS_EXPIRY, date(2026, 12, 4), (CARD,)),
        (POINTS_EXPIRY, date(2026, 12, 5), ())]
    assert changed == [(CARD,)]
    assert scheduler.run_due() == []
    # Before the hour strikes, the newest day due is yesterday.
    early = JobScheduler(hq, ZONE, 23, 60, 31, lambda cards: None,
                         clock=lambda: datetime(2026, 12, 7, 8, 0, tzinfo=ZONE))
    assert {o.day for o in early.run_due()} == {date(2026, 12, 6)}


def test_two_workers_running_one_day_write_its_expiry_once(hq: HqDatabase) -> None:
    for index in range(40):
        _card(hq, f"88000000000001{index:02d}")
        _add_points(hq, f"88000000000001{index:02d}", 10 + index, "P2025", date(2026, 12, 31))
    url = _url(hq)
    outcomes = []
    start = threading.Barrier(2)

    def worker() -> None:
        db = open_database(url)
        start.wait()
        outcomes.append(run_job(db, POINTS_EXPIRY, DAY, ZONE, started_by="hq-x"))
        db.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcome.ran for outcome in outcomes) == [False, True]
    assert hq.ledger.select().where(hq.ledger.kind == EntryKind.EXPIRE.value).count() == 40
    assert hq.job_runs.select().count() == 1


def test_an_operator_runs_a_job_for_a_day_once(hq: HqDatabase, monkeypatch, tmp_path,
                                               capsys) -> None:
    monkeypatch.setenv("HQ_DATABASE_URL", _url(hq))
    monkeypatch.setenv("HQ_DATA_DIR", str(tmp_path / "hq"))
    _card(hq, CARD)
    _add_points(hq, CARD, 320, "P2025", date(2026, 12, 31))
    arguments = ["jobs", "run", POINTS_EXPIRY, "--day", "2027-01-01", "--no-push"]
    assert hq_main(arguments) == 0
    assert hq_main(arguments) == 0
    assert hq_main(["jobs", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [f"{POINTS_EXPIRY} 2027-01-01: 1 cards changed",
                       f"{POINTS_EXPIRY} 2027-01-01: already ran"]
    assert out[2].startswith(f"{POINTS_EXPIRY}\t2027-01-01\t") and out[2].endswith(
        "1 cards\tcli")
    for bad in (["--day", "tomorrow"], ["coffee"]):
        with pytest.raises(SystemExit) as exited:  # argparse's usage message, exit 2
            hq_main(["jobs", "run", *(bad if bad[0] == "coffee" else [POINTS_EXPIRY, *bad])])
        assert exited.value.code == 2


def _url(hq: HqDatabase) -> str:
    database = hq.database
    if hq.is_sqlite:
        return f"sqlite:///{database.database}"
    params = database.connect_params
    return (f"postgresql://{params.get('user')}@{params.get('host')}:{params.get('port')}/"
            f"{database.database}")



def test_catching_up_goes_back_at_most_the_configured_days(hq: HqDatabase) -> None:
    run_job(hq, LEVEL_REVIEW, date(2026, 10, 1), ZONE)
    days = due_days(hq, LEVEL_REVIEW, date(2026, 12, 8), 31)
    assert (len(days), days[0], days[-1]) == (31, date(2026, 11, 8), date(2026, 12, 8))
    assert due_days(hq, POINTS_EXPIRY, date(2026, 12, 8), 31) == [date(2026, 12, 8)]
    assert current_day(datetime(2026, 12, 7, 19, 30, tzinfo=UTC), ZONE, 3) == date(2026, 12, 8)
    assert current_day(datetime(2026, 12, 7, 18, 30, tzinfo=UTC), ZONE, 3) == date(2026, 12, 7)
