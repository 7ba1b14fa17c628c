"""Debits online through HQ's hold, offline within the published limits (decision 6): the
last-¥50 race through the real broker, an operation's several debits held together, offline
limits, the blacklist, and an offline overspend that HQ flags."""

import dataclasses
import threading
from datetime import datetime

import pytest

from harness.demo_config import publish_demo_documents
from harness.fleet_terminal import RULES, SimulatedTerminal
from harness.reconcile import reconcile_terminal
from hq.balances import card_balances
from hq.db import HqDatabase
from membership import counter_operations as counter
from membership.catalogue import SaleLine
from membership.offline_limits import OfflineLimits
from membership.sale import SaleRequest, decide_sale, quote
from membership.tenders import Tender, TenderKind
from terminal.cashier.operations.common import card_debits
from terminal.demo import store as demo
from terminal.store.cache import CardSnapshot, HqBalances, MemberInfo
from terminal.sync.debit_guard import DebitGuard
from tests.support.hq_worker import running_hq_worker
from tests.support.timers import fast_sync_settings
from tests.support.waiting import wait_for

NOW = datetime(2026, 11, 23, 12, 0)


def card_with(terminal: SimulatedTerminal, fen: int) -> str:
    terminal.enrol()
    card_no = sorted(terminal.cards)[-1]
    if fen:
        decision = counter.top_up(terminal.next_operation(), terminal.member(card_no), fen,
                                  [Tender(TenderKind.CASH, fen)])
        terminal.store.commit_counter(decision)
    return card_no


@pytest.fixture
def offline_terminal(tmp_path):
    terminal = SimulatedTerminal.open("T1", tmp_path, None, seed=1)
    yield terminal
    terminal.close()


def test_offline_debits_stay_within_balance_and_limits(offline_terminal):
    terminal = offline_terminal
    guard = DebitGuard("T1", terminal.store, None)
    card_no = card_with(terminal, 10000)  # ¥100 on the card, default limit ¥200
    assert guard.authorise("op-1", card_no, "stored_value", 5000).approved
    refused = guard.authorise("op-2", card_no, "stored_value", 15000)
    assert (refused.approved, refused.reason, refused.available) == (
        False, "offline.limit_reached", 10000)
    terminal.store.apply_config("offline_limits", "all", 1, {"per_card_fen": 3000})
    assert not guard.authorise("op-3", card_no, "stored_value", 5000).approved
    assert guard.authorise("op-4", card_no, "stored_value", 3000).approved


def test_unsynced_spending_counts_against_the_offline_limit(offline_terminal):
    terminal = offline_terminal
    guard = DebitGuard("T1", terminal.store, None)
    card_no = card_with(terminal, 10000)
    terminal.store.apply_config("offline_limits", "all", 1, {"per_card_fen": 3000})
    op = terminal.next_operation()
    sale = decide_sale(SaleRequest(op.op_id, op.at, (SaleLine(1, demo.PRODUCTS["CAKE"], 1),),
                                   (Tender(TenderKind.STORED_VALUE, 2560),)),
                       terminal.context, RULES, terminal.member(card_no))
    terminal.store.commit_sale(sale)  # ¥25.60 taken offline, not yet acknowledged
    decision = guard.authorise("op-9", card_no, "stored_value", 500)
    assert (decision.approved, decision.available) == (False, 440)


def test_a_blacklisted_card_is_refused_even_offline(offline_terminal):
    terminal = offline_terminal
    card_no = card_with(terminal, 10000)
    terminal.store.apply_config("blacklist", "all", 7, {"cards": {card_no: "lost"}})
    decision = DebitGuard("T1", terminal.store, None).authorise("op-1", card_no,
                                                                 "stored_value", 100)
    assert (decision.approved, decision.reason) == (False, "card.lost")


def test_limits_document_defaults_and_overrides():
    limits = OfflineLimits.from_document({"per_card_fen": 5000, "per_terminal_fen": -1,
                                          "cards": {"VIP": {"fen": 90000}}})
    assert limits.for_card("X", "stored_value") == 5000
    assert limits.for_card("VIP", "stored_value") == 90000
    assert limits.per_terminal_fen == OfflineLimits().per_terminal_fen  # bad value ignored


@pytest.fixture
def online(broker, hq_database_url, tmp_path):
    with running_hq_worker(broker, hq_database_url, tmp_path / "hq",
                           clock=lambda: NOW) as (_, db):
        publish_demo_documents(db)  # what the terminals price with: HQ decides their sales again
        terminals = []
        try:
            for terminal_id in ("T1", "T2"):
                settings = fast_sync_settings(terminal_id,
                                              broker.accounts.password_for(terminal_id),
                                              port=broker.port)
                terminal = SimulatedTerminal.open(terminal_id, tmp_path, settings, seed=3)
                terminals.append(terminal)
                terminal.sync.start()
                assert terminal.sync.online.wait(10)
            yield db, terminals
        finally:
            for terminal in terminals:
                terminal.close()


def race(terminals, card_no: str, round_no: int) -> dict:
    """Both terminals ask for the same amount at the same moment, each from its own thread."""
    decisions = {}
    start = threading.Barrier(len(terminals))

    def ask(terminal):
        guard = DebitGuard(terminal.terminal_id, terminal.store, terminal.sync)
        start.wait()
        decisions[terminal.terminal_id] = guard.authorise(
            f"{terminal.terminal_id}-{round_no}", card_no, "stored_value", 5000)

    threads = [threading.Thread(target=ask, args=(terminal,)) for terminal in terminals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return decisions


def test_the_last_50_yuan_race_online_exactly_one_wins(online):
    _, (t1, t2) = online
    for round_no in range(5):
        card_no = card_with(t1, 5000)
        t1.sync.notify()
        wait_for(lambda: t1.store.outbox_depth() == 0, what="the top-up at HQ")
        decisions = race((t1, t2), card_no, round_no)
        assert all(decision.online for decision in decisions.values())
        assert sorted(d.approved for d in decisions.values()) == [False, True], decisions
    db, _ = online
    for terminal in (t1, t2):  # holds only: nothing was sold, nothing lost or doubled
        assert reconcile_terminal(db, terminal.terminal_id, terminal.store).clean


def op_holds(db: HqDatabase, op_id: str) -> dict[tuple[str, str], str]:
    holds = db.holds
    return {(hold.kind, hold.service): hold.state
            for hold in holds.select().where(holds.op_id == op_id)}


def test_an_operations_stored_value_and_uses_are_both_held_online(online):
    """A sale paid by stored value that also uses a package asks HQ twice under one op_id, as
    the cashier's operations do: both are approved and held, and the sale's event consumes
    both."""
    db, (t1, _) = online
    card_no = card_with(t1, 5000)
    package = demo.FACIAL_PACKAGE
    t1.store.commit_counter(counter.buy_package(
        t1.next_operation(), t1.member(card_no), package, 1,
        [Tender(TenderKind.BANK_CARD, package.price, reference="sim")]))
    t1.sync.notify()
    wait_for(lambda: t1.store.outbox_depth() == 0, what="the top-up and package at HQ")
    op, member = t1.next_operation(), t1.member(card_no)
    lines = (SaleLine(1, demo.PRODUCTS["CAKE"], 1),
             SaleLine(2, demo.PRODUCTS["FACIAL"], 2, use_count=True))
    due = quote(SaleRequest(op.op_id, op.at, lines), t1.context, RULES, member).amount_due
    sale = decide_sale(SaleRequest(op.op_id, op.at, lines,
                                   (Tender(TenderKind.STORED_VALUE, due),)),
                       t1.context, RULES, member)
    debits = card_debits(sale.entries)
    assert {(debit.kind, debit.service) for debit in debits} == {
        ("stored_value", ""), ("count", "FACIAL")}
    guard = DebitGuard("T1", t1.store, t1.sync)
    decisions = [guard.authorise(op.op_id, debit.card_no, debit.kind, debit.amount,
                                 debit.service) for debit in debits]
    assert all(decision.approved and decision.online for decision in decisions), decisions
    assert {decision.available for decision in decisions} == {5000 - due, package.uses - 2}
    retried = [guard.authorise(op.op_id, debit.card_no, debit.kind, debit.amount,
                               debit.service) for debit in debits]
    assert retried == decisions
    assert op_holds(db, op.op_id) == {("stored_value", ""): "active", ("count", "FACIAL"): "active"}
    t1.store.commit_sale(sale)
    t1.sync.notify()
    wait_for(lambda: set(op_holds(db, op.op_id).values()) == {"consumed"},
             what="the sale's event to consume both holds")


def test_two_offline_terminals_overspending_one_card_are_flagged(online, broker):
    db, (t1, t2) = online
    card_no = card_with(t1, 5000)  # ¥50
    t1.sync.notify()
    wait_for(lambda: t1.store.outbox_depth() == 0, what="the top-up at HQ")
    card = t1.cards[card_no]
    t2.store.cache_card(MemberInfo(card.member_id, "sim"),
                        CardSnapshot(card, HqBalances(principal=5000, as_of=NOW)))
    broker.stop()
    wait_for(lambda: not t1.sync.online.is_set() and not t2.sync.online.is_set(),
             what="both terminals offline")
    for terminal in (t1, t2):
        guard = DebitGuard(terminal.terminal_id, terminal.store, terminal.sync)
        assert guard.authorise(f"{terminal.terminal_id}-x", card_no, "stored_value",
                               4000).approved  # each alone is within ¥50 and the ¥200 limit
        balances = terminal.store.last_known_balances(card_no)
        member = dataclasses.replace(t1.member(card_no), balances=balances)  # as t2 knows it
        op = terminal.next_operation()
        sale = decide_sale(SaleRequest(op.op_id, op.at, (SaleLine(1, demo.PRODUCTS["BEANS"], 1),),
                                       (Tender(TenderKind.STORED_VALUE, 4000),
                                        Tender(TenderKind.CASH, 4800))),
                           terminal.context, RULES, member)
        terminal.store.commit_sale(sale)
    broker.start()
    for terminal in (t1, t2):
        wait_for(lambda terminal=terminal: terminal.store.outbox_depth() == 0, timeout=60,
                 what="the offline sales at HQ")
    wait_for(lambda: db.overdrafts.select().where(db.overdrafts.card_no == card_no).count() > 0,
             what="HQ to flag the overdraft")
    row = db.overdrafts.get(db.overdrafts.card_no == card_no)
    assert row.amount_over == 3000  # ¥50 − ¥40 − ¥40 = −¥30
    # Each journal reached HQ whole and once; the card's balance is HQ's (both sales), which
    # neither terminal alone holds, so it is compared with both journals together.
    for terminal in (t1, t2):
        assert reconcile_terminal(db, terminal.terminal_id, terminal.store, card_nos=[]).clean
    assert card_balances(db, card_no).stored_value == 5000 - 4000 - 4000


def test_an_authorisation_answer_is_remembered_for_offline_decisions(online, broker):
    """T2 has never looked the card up: offline it would know nothing of its ¥50. One online
    authorisation later it knows what HQ said, less what it has taken since."""
    _, (t1, t2) = online
    card_no = card_with(t1, 5000)
    t1.sync.notify()
    wait_for(lambda: t1.store.outbox_depth() == 0, what="the top-up at HQ")
    guard = DebitGuard("T2", t2.store, t2.sync)
    assert guard.authorise("T2-probe", card_no, "stored_value", 1000).available == 4000
    broker.stop()
    wait_for(lambda: not t2.sync.online.is_set(), what="T2 offline")
    refused = guard.authorise("T2-a", card_no, "stored_value", 6000)
    assert (refused.approved, refused.online, refused.available) == (False, False, 5000)
    assert guard.authorise("T2-b", card_no, "stored_value", 3000).approved
