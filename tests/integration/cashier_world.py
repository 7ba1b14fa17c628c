"""A terminal at the demo store for the cashier operations' tests: a real SQLite store, the real
DebitGuard deciding offline (no sync, unless the test gives one to reach HQ through a broker),
the real print service on the simulated printer, the
demo configuration (plus a points gift), a clock the test moves, and members read back from the
store as the member desk will give them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from huiyuan_devices.printer.simulated import SimulatedPrinter

from membership.config_documents import StoreConfiguration, by_code
from membership.errors import DomainError
from membership.ledger import CardBalances
from membership.points import Gift
from membership.sale import MemberContext
from membership.tenders import Tender, TenderKind
from terminal.cashier import operations as ops
from terminal.cashier.context import CashierContext, ManagerApproval, StaffMember
from terminal.cashier.ports import PinProof
from terminal.demo import store as demo
from terminal.demo.documents import demo_configuration
from terminal.demo.seed import DEMO_SCOPE, DEMO_VERSION
from terminal.i18n import has_translation
from terminal.receipts.printing import ReceiptPrintService
from terminal.store import TerminalStore, open_store
from terminal.sync.client import SyncClient
from terminal.sync.debit_guard import DebitGuard
from terminal.sync.settings import SyncSettings
from tests.support import escpos_parser as ep
from tests.support.clock import SetClock

WAIT_S = 10.0  # a bound for the print worker, never a measured time
TERMINAL_ID = "SH001-T1"
CARD_NO = "8800000000000001"
OTHER_CARD_NO = "8800000000000002"
CASHIER = StaffMember("S01", "王小丽", "cashier")
MANAGER = StaffMember("M01", "李店长", "manager")
MUG = Gift("MUG", "品牌马克杯", 300)
# Room enough for the tests' card debits; a test lowers them with a newer version.
ROOMY_LIMITS = {"per_card_fen": 500_000, "per_card_uses": 10, "per_terminal_fen": 2_000_000}


def configuration() -> StoreConfiguration:
    """The demo store's, as HQ publishes it at version 1 of scope `all` (publish it at HQ with
    `publish_demo_documents(db, configuration().to_documents())`): sales name the versions."""
    config = dataclasses.replace(demo_configuration(), gifts=by_code([MUG]))
    return dataclasses.replace(config, versions={
        name: (DEMO_SCOPE, DEMO_VERSION) for name in config.to_documents()})


@dataclass
class CashierWorld:
    ctx: CashierContext
    store: TerminalStore
    printer: SimulatedPrinter
    clock: SetClock
    synced: int = 0  # notify_sync() calls
    sync: SyncClient | None = None  # online: the relay to HQ, started and connected

    def member(self, card_no: str = CARD_NO) -> MemberContext:
        known = self.store.known_card(card_no)
        assert known is not None, card_no
        config = self.ctx.configuration()
        levels = config.levels
        assert levels is not None
        level = next(lv for lv in levels.levels if lv.code == (known.card.level or "NORMAL"))
        return MemberContext(known.card, config.card_types[known.card.type_code],
                             self.store.card_balances(card_no), level=level,
                             member_name=known.member.name)

    def pin(self, card_no: str = CARD_NO) -> PinProof:
        return PinProof(card_no, self.clock(), "card")

    def approval(self) -> ManagerApproval:
        return ManagerApproval(MANAGER, self.clock())

    def enrol(self, card_no: str = CARD_NO, top_up: int = 0, name: str = "张三") -> MemberContext:
        """A member enrolled here (¥20.00 join fee in cash), topped up by WeChat if asked."""
        ops.enrol_member(self.ctx, CASHIER, card_no, name, "GOLD",
                         [Tender(TenderKind.CASH, 2000)])
        if top_up:
            ops.top_up(self.ctx, CASHIER, self.member(card_no), top_up,
                       [Tender(TenderKind.WECHAT, top_up, reference="WX1")])
        self.wait_printed()
        return self.member(card_no)

    def wait_printed(self) -> None:
        assert self.ctx.printing.wait_until_idle(WAIT_S)

    def printed_lines(self, result: ops.OperationResult) -> list[str]:
        """The lines of the operation's receipt as the printer's bytes say them."""
        assert result.printing.wait(WAIT_S) is not None
        return ep.texts(ep.parse(self.printer.printed[-1]))

    def books(self, *card_nos: str) -> tuple[int, int, tuple[CardBalances, ...]]:
        """Outbox depth, seq and the cards' balances: what a refusal must leave unchanged."""
        return (self.store.outbox_depth(), self.store.next_seq(),
                tuple(self.store.card_balances(card_no) for card_no in card_nos))

    def events(self, op_id: str) -> list[str]:
        """The types of the operation's events waiting in the outbox."""
        return [event.type for event in self.store.outbox_batch(0, 10_000)
                if event.op_id == op_id]

    def apply_limits(self, version: int, **limits: int) -> None:
        self.store.apply_config("offline_limits", "all", version, limits)


@contextmanager
def cashier_world(folder: Path, now: datetime = datetime(2026, 11, 23, 10, 0),
                  sync_settings: SyncSettings | None = None) -> Iterator[CashierWorld]:
    """Offline, or online through a broker when `sync_settings` are given (the terminal is then
    named as they name it, for the broker's account)."""
    clock = SetClock(now)
    printer = SimulatedPrinter()
    config = configuration()
    terminal_id = sync_settings.terminal_id if sync_settings else TERMINAL_ID
    with open_store(folder / "terminal.db") as store:
        store.apply_config("offline_limits", "all", 1, ROOMY_LIMITS)
        sync = SyncClient(store, sync_settings, clock) if sync_settings else None
        printing = ReceiptPrintService(printer, store, lang="zh_CN")
        ctx = CashierContext(
            terminal_id=terminal_id, store_id=demo.STORE.store_id,
            store_name=demo.STORE.store_name, store=store, configuration=lambda: config,
            guard=DebitGuard(terminal_id, store, sync), printing=printing, clock=clock,
        )
        world = CashierWorld(ctx, store, printer, clock, sync=sync)
        ctx.notify_sync = lambda: _notified(world)
        try:
            if sync is not None:
                sync.start()
                assert sync.online.wait(WAIT_S), "the terminal did not reach the broker"
            yield world
        finally:
            printing.close(WAIT_S)
            if sync is not None:
                sync.stop()


def _notified(world: CashierWorld) -> None:
    world.synced += 1
    if world.sync is not None:
        world.sync.notify()


def refused_key(error: DomainError) -> str:
    """The refusal's key, after checking the cashier can read it in both languages."""
    assert has_translation(error.key, "zh_CN") and has_translation(error.key, "en"), error.key
    return error.key


def tenders(*pairs: tuple[TenderKind, int]) -> list[Tender]:
    return [Tender(kind, amount, reference="REF" if kind is not TenderKind.CASH else "")
            for kind, amount in pairs]
