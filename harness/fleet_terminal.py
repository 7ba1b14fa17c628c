"""One simulated terminal for the fleet simulator: the real store and sync code, the real core
deciding every operation, simulated devices and a random cashier. No UI."""

from __future__ import annotations

import argparse
import dataclasses
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from harness.demo_config import demo_store_configuration
from membership import card_service, counter_operations
from membership.cards import Card
from membership.catalogue import SaleLine
from membership.counter_operations import Operation
from membership.errors import DomainError
from membership.refunds import RefundRequest, decide_refund
from membership.sale import (
    MemberContext,
    SaleDecision,
    SaleRequest,
    StoreContext,
    decide_sale,
    quote,
)
from membership.tenders import Tender, TenderKind
from terminal.cashier.operations.common import card_debits
from terminal.demo import store as demo
from terminal.store.store import TerminalStore, open_store
from terminal.sync.client import SyncClient
from terminal.sync.debit_guard import DebitGuard
from terminal.sync.settings import SyncSettings

DAY_START = datetime(2026, 11, 23, 9, 0)
# What the fleet prices with: the demo documents at the versions HQ has them (fleetsim and the
# fault tests publish them), named by every sale so that HQ can decide it again.
CONFIGURATION = demo_store_configuration()
RULES = CONFIGURATION.sale_rules()


@dataclass
class SimulatedTerminal:
    terminal_id: str
    store: TerminalStore
    sync: SyncClient | None
    rng: random.Random
    cards: dict[str, Card] = field(default_factory=dict)
    sales: list[SaleDecision] = field(default_factory=list)
    refunded: set[str] = field(default_factory=set)
    operations: int = 0
    # Ask before every stored-value or count debit, as the cashier's operations do: HQ online,
    # the offline limits when the broker is gone. None: commit without asking.
    guard: DebitGuard | None = None

    @classmethod
    def open(cls, terminal_id: str, folder: Path, settings: SyncSettings | None,
             seed: int) -> SimulatedTerminal:
        store = open_store(folder / f"{terminal_id}.sqlite3")
        sync = SyncClient(store, settings) if settings is not None else None
        return cls(terminal_id, store, sync, random.Random(seed))

    @property
    def configured_sync(self) -> SyncClient:
        """The sync client of a terminal opened with settings (the fleet's terminals are)."""
        if self.sync is None:
            raise RuntimeError(f"terminal {self.terminal_id} was opened without sync settings")
        return self.sync

    @property
    def context(self) -> StoreContext:
        return StoreContext(demo.STORE.store_id, self.terminal_id, demo.STORE.store_name, "sim")

    def next_operation(self) -> Operation:
        seq = self.store.next_seq()
        at = DAY_START + timedelta(seconds=seq)
        return Operation(f"{self.terminal_id}-{seq}", at, self.context, staff_id="S01")

    def step(self) -> bool:
        """One random operation; False when the core refused it (nothing was committed)."""
        self.operations += 1
        action = self._pick_action()
        try:
            action()
        except DomainError:
            return False
        if self.sync is not None:
            self.sync.notify()
        return True

    def _pick_action(self):
        if len(self.cards) < 2 or self.rng.random() < 0.05:
            return self.enrol
        return self.rng.choices(
            [self.top_up, self.sale, self.buy_package, self.use_count, self.refund],
            weights=[20, 45, 5, 15, 10],
        )[0]

    def member(self, card_no: str) -> MemberContext:
        card = self.cards[card_no]
        levels = CONFIGURATION.levels
        level = next((item for item in levels.levels if item.code == card.level),
                     levels.base) if levels is not None else None
        return MemberContext(card, CONFIGURATION.card_types[card.type_code],
                             self.store.card_balances(card_no), level=level, member_name="sim")

    def enrol(self) -> None:
        op = self.next_operation()
        card_no = f"{self.terminal_id}-C{len(self.cards) + 1:04d}"
        decision = card_service.enrol(op, card_no, f"M-{card_no}", "sim", demo.GOLD_CARD,
                                      [Tender(TenderKind.CASH, 2000)], level="NORMAL")
        self.store.commit_counter(decision)
        self.cards[card_no] = decision.cards[0]

    def top_up(self) -> None:
        card_no = self.rng.choice(sorted(self.cards))
        paid = self.rng.choice([10000, 50000, 100000])
        decision = counter_operations.top_up(self.next_operation(), self.member(card_no), paid,
                                  [Tender(TenderKind.WECHAT, paid, reference="sim")])
        self.store.commit_counter(decision)

    def sale(self) -> None:
        card_no = self.rng.choice(sorted(self.cards))
        products = [CONFIGURATION.products[code]
                    for code in ("LATTE", "CAKE", "CROISSANT", "AMERICANO")]
        lines = tuple(SaleLine(n + 1, self.rng.choice(products), self.rng.randint(1, 3))
                      for n in range(self.rng.randint(1, 3)))
        member = self.member(card_no)
        op = self.next_operation()
        due = quote(SaleRequest(op.op_id, op.at, lines), self.context, RULES,
                    member).amount_due
        by_card = min(due, member.balances.stored_value) if self.rng.random() < 0.7 else 0
        tenders = tuple(t for t in (Tender(TenderKind.STORED_VALUE, by_card),
                                    Tender(TenderKind.CASH, due - by_card)) if t.amount > 0)
        decision = decide_sale(SaleRequest(op.op_id, op.at, lines, tenders), self.context,
                               RULES, member)
        self._authorise(decision)
        self.store.commit_sale(decision)
        self.sales.append(decision)

    def buy_package(self) -> None:
        card_no = self.rng.choice(sorted(self.cards))
        price = demo.FACIAL_PACKAGE.price
        decision = counter_operations.buy_package(self.next_operation(), self.member(card_no),
                                       demo.FACIAL_PACKAGE, 1,
                                       [Tender(TenderKind.BANK_CARD, price, reference="sim")])
        self.store.commit_counter(decision)

    def use_count(self) -> None:
        card_no = self.rng.choice(sorted(self.cards))
        op = self.next_operation()
        request = SaleRequest(op.op_id, op.at,
                              (SaleLine(1, CONFIGURATION.products["FACIAL"], 1, use_count=True),))
        decision = decide_sale(request, self.context, RULES, self.member(card_no))
        self._authorise(decision)
        self.store.commit_sale(decision)
        self.sales.append(decision)

    def _authorise(self, decision: SaleDecision) -> None:
        """Raises DomainError (nothing committed) when HQ or the offline limits refuse."""
        if self.guard is None:
            return
        for debit in card_debits(decision.entries):
            answer = self.guard.authorise(decision.op_id, debit.card_no, debit.kind,
                                          debit.amount, debit.service)
            if not answer.approved:
                raise DomainError(answer.reason or "auth.declined")

    def refund(self) -> None:
        candidates = [sale for sale in self.sales if sale.op_id not in self.refunded]
        if not candidates:
            raise DomainError("refund.nothing_left")
        original = self.rng.choice(candidates)
        op = self.next_operation()
        card_no = original.record.card_no
        balances = self.store.card_balances(card_no) if card_no else None
        decision = decide_refund(RefundRequest(op.op_id, op.at, original.record, "manager"),
                                 balances)
        self.store.commit_refund(decision)
        self.refunded.add(original.op_id)

    def close(self) -> None:
        if self.sync is not None:
            self.sync.stop()
        self.store.close()


# SyncSettings' timers a fleet terminal process takes as flags (`--ack-timeout-s 2`): the
# fault tests shorten them (tests/support/timers.py); the defaults are production's.
TIMER_FLAGS: dict[str, type] = {"idle_poll_s": float, "ack_timeout_s": float,
                                "publish_timeout_s": float, "reconnect_max_delay_s": int}


def add_timer_flags(parser: argparse.ArgumentParser, **defaults: float) -> None:
    """One `--<timer>` flag per entry of TIMER_FLAGS, defaulting to SyncSettings' value."""
    fields = {item.name: item.default for item in dataclasses.fields(SyncSettings)}
    for name, kind in TIMER_FLAGS.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind,
                            default=defaults.get(name, fields[name]), metavar="SECONDS")


def timers_from(arguments: argparse.Namespace) -> dict[str, Any]:
    """SyncSettings keywords: floats, and reconnect_max_delay_s an int (TIMER_FLAGS)."""
    return {name: getattr(arguments, name) for name in TIMER_FLAGS}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="harness.fleet_terminal")
    parser.add_argument("terminal_id")
    parser.add_argument("--folder", required=True, type=Path)
    parser.add_argument("--port", required=True, type=int)
    parser.add_argument("--password", required=True)
    parser.add_argument("--operations", type=int, default=100)
    parser.add_argument("--pause", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--guarded", action="store_true",
                        help="ask HQ (offline: the limits) before every card debit")
    parser.add_argument("--stop-file", type=Path, default=None,
                        help="stop selling once this file exists (the chaos soak's signal)")
    add_timer_flags(parser, idle_poll_s=0.1)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one simulated terminal as its own process (the fault tests kill -9 it)."""
    arguments = _parser().parse_args(argv)
    settings = SyncSettings(arguments.terminal_id, arguments.password, store_id="SH001",
                            port=arguments.port, **timers_from(arguments))
    terminal = SimulatedTerminal.open(arguments.terminal_id, arguments.folder, settings,
                                      arguments.seed)
    known = (terminal.store.known_card(no) for no in terminal.store.known_card_nos())
    terminal.cards = {entry.card.card_no: entry.card for entry in known if entry is not None}
    if arguments.guarded:
        terminal.guard = DebitGuard(arguments.terminal_id, terminal.store, terminal.sync)
    terminal.configured_sync.start()
    for _ in range(arguments.operations):
        if arguments.stop_file is not None and arguments.stop_file.exists():
            break
        terminal.step()
        time.sleep(arguments.pause)
    while terminal.store.outbox_depth():
        time.sleep(0.1)
    terminal.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
