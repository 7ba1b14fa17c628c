"""A terminal at the demo store for the cashier desks' tests (staff, shifts, members, member
PINs): a real SQLite store, the real print service on the simulated printer, a clock the test
moves, and hand-written fakes of HQ's directory and PIN service (terminal.cashier.ports)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from huiyuan_devices.keypad.base import Pin
from huiyuan_devices.printer.simulated import SimulatedPrinter

from membership.birthdays import Birthday, Calendar
from membership.cards import Card, CardStatus
from membership.errors import DomainError
from membership.ledger import CardBalances, Lot
from membership.pin_hash import OFFLINE_COST, make_verifier
from terminal.cashier.context import CashierContext
from terminal.cashier.ports import (
    CardRef,
    MemberProfile,
    MemberRecord,
    PinCheck,
    PinCheckOutcome,
)
from terminal.demo import store as demo
from terminal.demo.documents import demo_configuration
from terminal.demo.staff import demo_staff_document
from terminal.receipts.printing import ReceiptPrintService
from terminal.store import TerminalStore, open_store
from terminal.sync.debit_guard import DebitGuard
from tests.support import escpos_parser as ep
from tests.support.clock import SetClock

WAIT_S = 10.0  # a bound for the print worker, never a measured time
TERMINAL_ID = "SH001-T1"
NOW = datetime(2026, 11, 23, 10, 0)
# A card enrolled at another store (SH002): this terminal has never seen it.
AWAY_CARD_NO = "8800000000000077"
AWAY_UID = "04A1B2C3D4E5F6"
AWAY_PHONE = "13812345678"
AWAY_PIN = "731946"  # digits that appear nowhere else in a test's output
FACIAL_LOT = "SH002-T1-000005:FACIAL10"


def pin(digits: str) -> Pin:
    return Pin(bytearray(digits, "ascii"))


def away_balances() -> CardBalances:
    """¥300.00 + ¥30.00 bonus, 6 facials left of a package bought at SH002, 800 points."""
    opened = datetime(2026, 10, 1, 15, 0)
    return CardBalances(
        principal=30000, bonus=3000,
        points_lots=(Lot("SH002-T1-000004:points", "", date(2026, 10, 1), date(2026, 12, 31),
                         800, opened),),
        count_lots=(Lot(FACIAL_LOT, "FACIAL", date(2026, 10, 1), date(2027, 9, 30), 6,
                        opened),),
    )


def away_record(balances: CardBalances | None = None,
                status: CardStatus = CardStatus.ACTIVE) -> MemberRecord:
    card = Card(AWAY_CARD_NO, "M0077", "GOLD", status=status, issued_on=date(2026, 10, 1),
                expires_on=date(2028, 9, 30), level="SILVER")
    profile = MemberProfile("M0077", "赵六", AWAY_PHONE,
                            Birthday(Calendar.LUNAR, 10, 18))  # 2026-11-26 on the solar calendar
    return MemberRecord(profile, card, balances or away_balances(), NOW - timedelta(minutes=1),
                        uid=AWAY_UID.lower(),
                        offline_pin_verifier=make_verifier(AWAY_PIN, OFFLINE_COST),
                        coupons=("WELCOME10",))


@dataclass
class FakeDirectory:
    """HQ's member directory: answers from its records while `online`."""

    records: list[MemberRecord] = field(default_factory=list)
    online: bool = True
    asked: list[object] = field(default_factory=list)

    def lookup_card(self, card: CardRef) -> MemberRecord | None:
        self.asked.append(card)
        if not self.online:
            return None
        for record in self.records:
            if ((card.card_no and record.card.card_no == card.card_no)
                    or (card.uid and record.uid.upper() == card.uid.upper())):
                return record
        raise DomainError("card.unknown", card_no=card.card_no)

    def lookup_phone(self, phone: str) -> tuple[MemberRecord, ...] | None:
        self.asked.append(phone)
        if not self.online:
            return None
        return tuple(record for record in self.records if record.profile.phone == phone)


@dataclass
class FakePinService:
    """HQ's PIN checks: PINs per card, wrong ones counted toward a lockout at `lock_after`.
    It wipes every PIN it is given, as the real one does once it has sealed it. With
    `lost_answers`, it reads the PIN and then answers nothing (a time-out after sending)."""

    pins: dict[str, str] = field(default_factory=dict)
    online: bool = True
    lost_answers: bool = False
    lock_after: int = 5
    failures: dict[str, int] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def verify_pin(self, card_no: str, pin: Pin) -> PinCheck | None:
        self.asked.append(card_no)
        if not self.online:
            return None
        entered = pin.reveal()
        pin.wipe()
        if self.lost_answers:
            return None
        return self._check(card_no, entered)

    def set_pin(self, card_no: str, pin: Pin, old_pin: Pin | None = None) -> PinCheck | None:
        self.asked.append(card_no)
        if not self.online:
            return None
        new, old = pin.reveal(), old_pin.reveal() if old_pin is not None else None
        if old is not None:
            check = self._check(card_no, old)
            if check.outcome is not PinCheckOutcome.ACCEPTED:
                return check
        self.pins[card_no] = new
        return PinCheck(PinCheckOutcome.ACCEPTED)

    def _check(self, card_no: str, entered: str) -> PinCheck:
        if card_no not in self.pins:
            return PinCheck(PinCheckOutcome.NOT_SET)
        if self.failures.get(card_no, 0) >= self.lock_after:
            return PinCheck(PinCheckOutcome.LOCKED)
        if entered == self.pins[card_no]:
            self.failures.pop(card_no, None)
            return PinCheck(PinCheckOutcome.ACCEPTED)
        self.failures[card_no] = self.failures.get(card_no, 0) + 1
        left = self.lock_after - self.failures[card_no]
        return PinCheck(PinCheckOutcome.LOCKED if left <= 0 else PinCheckOutcome.WRONG, left)


@dataclass
class DeskWorld:
    ctx: CashierContext
    store: TerminalStore
    printer: SimulatedPrinter
    clock: SetClock
    directory: FakeDirectory
    pins: FakePinService

    def wait_printed(self) -> None:
        assert self.ctx.printing.wait_until_idle(WAIT_S)

    def printed_lines(self) -> list[str]:
        """The last printed receipt, line by line, as the printer's bytes say it."""
        self.wait_printed()
        return ep.texts(ep.parse(self.printer.printed[-1]))

    def acknowledge_all(self) -> None:
        """HQ stored every event so far (its watermark arrived)."""
        self.store.prune_outbox(self.store.next_seq() - 1)


@contextmanager
def desk_world(folder: Path, *, hq: bool = True) -> Iterator[DeskWorld]:
    """With `hq` False the context has no directory and no PIN service (a stand-alone demo)."""
    folder.mkdir(parents=True, exist_ok=True)
    clock = SetClock(NOW)
    printer = SimulatedPrinter()
    config = demo_configuration()
    directory, pins = FakeDirectory(), FakePinService()
    with open_store(folder / "terminal.db", clock) as store:
        store.apply_config("staff", "store:SH001", 1, demo_staff_document())
        printing = ReceiptPrintService(printer, store, lang="zh_CN")
        ctx = CashierContext(
            terminal_id=TERMINAL_ID, store_id=demo.STORE.store_id,
            store_name=demo.STORE.store_name, store=store, configuration=lambda: config,
            guard=DebitGuard(TERMINAL_ID, store, None), printing=printing, clock=clock,
            directory=directory if hq else None, pins=pins if hq else None,
        )
        try:
            yield DeskWorld(ctx, store, printer, clock, directory, pins)
        finally:
            printing.close(WAIT_S)
