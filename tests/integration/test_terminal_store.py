"""The terminal store's write path and outbox, on real SQLite files (decisions 2, 3, 4, 10)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from membership import card_service
from membership.cards import CardStatus
from membership.counter_operations import Operation
from membership.ledger import derive_balances
from membership.tenders import Tender, TenderKind
from terminal.demo import store as demo
from terminal.store import (
    DuplicateOperation,
    EventsNotIssued,
    EventsPruned,
    InconsistentDecision,
    StoreConflict,
    TerminalStore,
    UnknownOperation,
    WatermarkAhead,
    open_store,
)
from tests.integration import store_world as world


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "terminal.db"


@pytest.fixture
def store(path: Path) -> Iterator[TerminalStore]:
    with open_store(path) as opened:
        yield opened


@pytest.fixture
def member_store(store: TerminalStore) -> TerminalStore:
    """A store where the member enrolled (seq 1) and topped up ¥1000 + ¥100 bonus (seq 2)."""
    store.commit_counter(world.enrolment("T1-1"))
    store.commit_counter(world.top_up(store, "T1-2"))
    return store


def count(store: TerminalStore, sql: str, *params: object) -> int:
    return store.database.execute_sql(sql, params).fetchone()[0]


# --- pragmas -------------------------------------------------------------------------------------


def test_pragmas_are_set_on_every_connection(store: TerminalStore, path: Path):
    database = store.database
    assert database.pragma("journal_mode") == "wal"
    assert database.pragma("synchronous") == 2  # FULL
    assert database.pragma("foreign_keys") == 1
    assert database.pragma("busy_timeout") == 5000
    # Peewee opens one connection per thread (the sync relay's): it gets the same pragmas.
    seen: dict[str, object] = {}

    def relay_thread() -> None:
        seen.update(synchronous=database.pragma("synchronous"),
                    foreign_keys=database.pragma("foreign_keys"))
        database.close()

    thread = threading.Thread(target=relay_thread)
    thread.start()
    thread.join()
    assert seen == {"synchronous": 2, "foreign_keys": 1}
    # WAL is a property of the file: any other program opening it finds it.
    with sqlite3.connect(path) as plain:
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# --- commit: one transaction, consecutive seqs ---------------------------------------------------


def test_sale_commits_sale_lines_entries_receipt_and_outbox_together(
    member_store: TerminalStore,
):
    decision = world.member_sale(member_store, "T1-3")
    assert len(decision.entries) >= 4  # principal and bonus per line, points earned

    assert member_store.commit_sale(decision) == (3,)

    store = member_store
    sale = store.tables.sale.get(store.tables.sale.op_id == "T1-3")
    assert (sale.seq, sale.amount_due, sale.card_no) == (3, decision.priced.amount_due,
                                                          world.CARD_NO)
    assert (sale.cash_received, sale.change_given) == (decision.settlement.cash_received,
                                                       decision.settlement.change)
    assert count(store, "SELECT COUNT(*) FROM sale_line WHERE op_id = ?", "T1-3") == 2
    assert count(store, "SELECT COUNT(*) FROM sale_tender WHERE op_id = ?", "T1-3") == 2
    assert count(store, "SELECT COUNT(*) FROM ledger_entry WHERE op_id = ?", "T1-3") == len(
        decision.entries)
    assert store.sale_record("T1-3") == decision.record
    assert store.stored_receipt("T1-3").receipt == decision.receipt
    assert [(event.seq, event.type) for event in store.outbox_batch(0, 10)] == [
        (1, "card.issued"), (2, "card.topped_up"), (3, "sale.completed")]
    event = store.outbox_batch(2, 1)[0]
    assert event.document == {"type": "sale.completed", "op_id": "T1-3",
                              "at": decision.events[0].at.isoformat(),
                              "payload": decision.events[0].payload}
    assert event.to_wire().payload == decision.events[0].payload
    assert store.next_seq() == 4


def test_consecutive_commits_take_consecutive_seqs(store: TerminalStore):
    seqs = [store.commit_sale(world.guest_sale(f"T1-{n}"))[0] for n in range(1, 6)]
    assert seqs == [1, 2, 3, 4, 5]
    assert [event.seq for event in store.outbox_batch(0, 100)] == seqs
    assert [event.seq for event in store.outbox_batch(2, 2)] == [3, 4]


def test_counter_operations_store_the_cards_they_change(member_store: TerminalStore):
    known = member_store.known_card(world.CARD_NO)
    assert known is not None
    assert (known.card.type_code, known.card.status.value, known.card.level) == (
        "GOLD", "active", "NORMAL")
    assert (known.member.member_id, known.member.name) == (world.MEMBER_ID, "张三")
    assert known.changed_by_op == "T1-1"
    balances = member_store.card_balances(world.CARD_NO)
    assert (balances.principal, balances.bonus) == (100000, 10000)


def test_a_replacement_stores_the_blocked_old_card_and_the_new_one(member_store: TerminalStore):
    store = member_store
    replacement = card_service.replace(
        Operation("T1-3", world.at(12), demo.STORE), world.member(store), "8800000000000002",
        [Tender(TenderKind.CASH, demo.GOLD_CARD.fees.replacement)])
    assert store.commit_counter(replacement) == (3,)

    old, new = store.known_card(world.CARD_NO), store.known_card("8800000000000002")
    assert (old.card.status, old.card.replaced_by) == (CardStatus.REPLACED, "8800000000000002")
    assert (new.card.status, new.member.member_id, new.changed_by_op) == (
        CardStatus.ACTIVE, world.MEMBER_ID, "T1-3")
    assert store.card_balances(world.CARD_NO).stored_value == 0
    assert store.card_balances("8800000000000002").stored_value == 110000


# --- nothing partial, nothing twice --------------------------------------------------------------


def test_a_failing_outbox_insert_leaves_nothing_behind(member_store: TerminalStore):
    store = member_store
    decision = world.member_sale(store, "T1-3")
    # A stray outbox row with the sale's op_id and event type: the sale's own outbox insert,
    # the last write of the transaction, hits the unique (op_id, event_type) index.
    store.database.execute_sql(
        "INSERT INTO outbox (seq, op_id, event_type, at, event, created_at) "
        "VALUES (900, 'T1-3', 'sale.completed', '2026-11-23T10:00:00', '{}', "
        "'2026-11-23T10:00:00')")

    with pytest.raises(StoreConflict):
        store.commit_sale(decision)

    for table in ("sale", "sale_line", "sale_tender", "ledger_entry", "receipt"):
        assert count(store, f"SELECT COUNT(*) FROM {table} WHERE op_id = 'T1-3'") == 0, table
    assert store.next_seq() == 3
    assert [event.seq for event in store.outbox_batch(0, 10)] == [1, 2, 900]
    balances = store.card_balances(world.CARD_NO)
    assert (balances.principal, balances.bonus) == (100000, 10000)


def test_after_a_failed_commit_the_same_decision_commits_with_the_same_seq(
    member_store: TerminalStore,
):
    store = member_store
    decision = world.member_sale(store, "T1-3")
    store.database.execute_sql(
        "CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox WHEN NEW.op_id = 'T1-3' "
        "BEGIN SELECT RAISE(ABORT, 'injected outbox failure'); END")
    with pytest.raises(StoreConflict, match="injected outbox failure"):
        store.commit_sale(decision)
    assert count(store, "SELECT COUNT(*) FROM ledger_entry WHERE op_id = 'T1-3'") == 0

    store.database.execute_sql("DROP TRIGGER refuse_outbox")
    assert store.commit_sale(decision) == (3,)


def test_an_op_id_committed_twice_is_refused_and_booked_once(member_store: TerminalStore):
    store = member_store
    decision = world.member_sale(store, "T1-3")
    store.commit_sale(decision)
    before = store.card_balances(world.CARD_NO)

    with pytest.raises(DuplicateOperation) as refused:
        store.commit_sale(decision)
    assert refused.value.params["op_id"] == "T1-3"
    with pytest.raises(DuplicateOperation):
        store.commit_counter(world.top_up(store, "T1-2"))  # op_ids are unique across kinds

    assert store.card_balances(world.CARD_NO) == before
    assert store.next_seq() == 4
    assert count(store, "SELECT COUNT(*) FROM ledger_entry WHERE op_id = 'T1-3'") == len(
        decision.entries)


def test_a_decision_carrying_another_operations_entries_is_refused(member_store):
    sale = world.member_sale(member_store, "T1-3")
    other = world.member_sale(member_store, "T1-4")
    mixed = type(sale)(**{**sale.__dict__, "entries": sale.entries + other.entries[:1]})
    with pytest.raises(InconsistentDecision):
        member_store.commit_sale(mixed)
    assert member_store.next_seq() == 3


# --- seq and outbox across restarts --------------------------------------------------------------


def test_seq_survives_reopening_the_file(path: Path):
    with open_store(path) as store:
        store.commit_sale(world.guest_sale("T1-1"))
        store.commit_sale(world.guest_sale("T1-2"))
    with open_store(path) as reopened:
        assert reopened.next_seq() == 3
        assert reopened.commit_sale(world.guest_sale("T1-3")) == (3,)
        assert reopened.outbox_depth() == 3


def test_prune_deletes_only_at_or_below_the_watermark(store: TerminalStore):
    for n in range(1, 6):
        store.commit_sale(world.guest_sale(f"T1-{n}"))

    assert store.prune_outbox(3) == 3
    assert [event.seq for event in store.outbox_batch(0, 100)] == [4, 5]
    assert (store.ack_watermark(), store.outbox_depth()) == (3, 2)
    # An old retained ack arriving late moves nothing back and deletes nothing.
    assert store.prune_outbox(2) == 0
    assert store.ack_watermark() == 3
    with pytest.raises(WatermarkAhead):
        store.prune_outbox(6)
    assert [event.seq for event in store.outbox_batch(0, 100)] == [4, 5]


def test_resend_serves_from_the_outbox_and_says_when_pruned(store: TerminalStore):
    for n in range(1, 6):
        store.commit_sale(world.guest_sale(f"T1-{n}"))
    store.prune_outbox(2)

    assert [(event.seq, event.op_id) for event in store.events_between(3, 5)] == [
        (3, "T1-3"), (4, "T1-4"), (5, "T1-5")]
    with pytest.raises(EventsPruned) as pruned:
        store.events_between(2, 4)
    assert pruned.value.params["watermark"] == 2
    with pytest.raises(EventsNotIssued):
        store.events_between(5, 6)


# --- balances, refunds, unsynced debits ----------------------------------------------------------


def test_balances_after_sale_and_refund_equal_the_cores_derivation(store: TerminalStore):
    enrol = world.enrolment("T1-1")
    store.commit_counter(enrol)
    top_up = world.top_up(store, "T1-2")
    store.commit_counter(top_up)
    sale = world.member_sale(store, "T1-3")
    store.commit_sale(sale)
    first = world.refund(store, "T1-3", "T1-4", {1: 1})
    store.commit_refund(first)
    second = world.refund(store, "T1-3", "T1-5", {2: 1})
    store.commit_refund(second)

    every_entry = [*enrol.entries, *top_up.entries, *sale.entries, *first.entries,
                   *second.entries]
    stored = store.card_balances(world.CARD_NO)
    assert stored == derive_balances(every_entry, world.CARD_NO)
    assert stored.entry_count == len(every_entry)  # entry_count is not part of ==
    assert stored.stored_value < 110000  # one latte is still paid for
    assert store.refund_records("T1-3") == (first.record, second.record)
    assert [event.type for event in store.outbox_batch(2, 10)] == [
        "sale.completed", "sale.refunded", "sale.refunded"]


def test_unsynced_debits_count_only_operations_hq_has_not_acknowledged(
    member_store: TerminalStore,
):
    store = member_store
    first = world.member_sale(store, "T1-3")
    store.commit_sale(first)
    store.commit_sale(world.member_sale(store, "T1-4"))
    spent = -sum(entry.delta for entry in first.entries if entry.account.value == "principal")

    both = store.unsynced_debits(world.CARD_NO)
    assert both.stored_value == 2 * 5000  # ¥50.00 from the card in each sale
    store.prune_outbox(3)  # HQ has the first sale
    after_ack = store.unsynced_debits(world.CARD_NO)
    assert after_ack.stored_value == 5000
    assert both.principal - after_ack.principal == spent
    assert store.unsynced_debits("unknown card").stored_value == 0


def test_receipts_are_kept_for_reprint(store: TerminalStore):
    decision = world.guest_sale("T1-1")
    store.commit_sale(decision)
    assert store.stored_receipt("T1-1").printed is False
    assert store.mark_printed("T1-1") == 0
    assert store.mark_printed("T1-1") == 1  # the first reprint
    kept = store.stored_receipt("T1-1")
    assert (kept.receipt, kept.printed, kept.reprint_count) == (decision.receipt, True, 1)
    with pytest.raises(UnknownOperation):
        store.mark_printed("nope")


# --- several terminals in one process ------------------------------------------------------------


def test_two_stores_in_one_process_keep_to_their_own_files(tmp_path: Path):
    with open_store(tmp_path / "t1.db") as first, open_store(tmp_path / "t2.db") as second:
        errors: list[BaseException] = []

        def sell(store: TerminalStore, prefix: str) -> None:
            try:
                for n in range(1, 21):
                    store.commit_sale(world.guest_sale(f"{prefix}-{n}"))
            except BaseException as error:  # surfaced in the main thread below
                errors.append(error)

        threads = [threading.Thread(target=sell, args=(first, "T1")),
                   threading.Thread(target=sell, args=(second, "T2"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert {event.op_id[:2] for event in first.outbox_batch(0, 100)} == {"T1"}
        assert {event.op_id[:2] for event in second.outbox_batch(0, 100)} == {"T2"}
        assert first.next_seq() == second.next_seq() == 21
