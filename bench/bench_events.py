"""Event batches for the ingest benches, made by the real terminal core and store, and the
configuration HQ must have published for them, so that HQ's verification passes every event
(no quarantine) and costs what it costs with an honest fleet.

A bench terminal is the fleet simulator's cashier (harness.fleet_terminal: enrolments, top-ups,
sales paid by stored value or cash earning points, count packages and their uses, refunds) with
two more operations: a sale with a coupon (each terminal's own codes, published by HQ) and a
sale paying part with points. Every operation is decided by membership and committed by the
terminal's store; the batches carry the outbox's events as the sync relay would send them.

Running the core for each of 200 terminals would cost a minute of CPU before a bench starts,
so a few template terminals run it and each bench terminal takes one template's events with
the template's id replaced by its own: op_ids, card numbers, member ids and coupon codes all
carry the terminal id, so each terminal's events are its own and consistent with each other.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from harness.fleet_terminal import CONFIGURATION, DAY_START, RULES, SimulatedTerminal
from hq.config_push import next_document
from hq.db import HqDatabase
from hq.times import utc_now
from membership.catalogue import SaleLine
from membership.config_documents import StoreConfiguration, by_code
from membership.coupons import Coupon, CouponKind
from membership.errors import DomainError
from membership.sale import SaleDecision, SaleRequest, decide_sale, quote
from membership.tenders import Tender, TenderKind
from protocol.wire import WireEvent, build_event_batch
from terminal.demo.documents import demo_configuration
from terminal.demo.seed import DEMO_SCOPE, DEMO_VERSION

TEMPLATES = 8  # distinct event streams; terminal n takes template n % TEMPLATES
COUPONS_PER_TERMINAL = 8
POINTS_PER_SALE = 500  # ¥5 at the demo's 100 points a yuan
_VALID_FROM, _VALID_UNTIL = datetime(2026, 1, 1), datetime(2027, 1, 1)


def template_id(number: int) -> str:
    """Fixed width, so that no template's id is the start of another's."""
    return f"TMPL{number:02d}"


def coupon_codes(terminal_id: str) -> list[str]:
    return [f"{terminal_id}-Q{number:02d}" for number in range(COUPONS_PER_TERMINAL)]


def _coupon(code: str) -> Coupon:
    return Coupon(code, CouponKind.CASH_OFF, _VALID_FROM, _VALID_UNTIL, value=500,
                  min_spend=3000)


class BenchTerminal(SimulatedTerminal):
    """The fleet simulator's cashier, with coupon sales and sales paid partly with points."""

    def _pick_action(self):
        if len(self.cards) < 2 or self.rng.random() < 0.05:
            return self.enrol
        return self.rng.choices(
            [self.top_up, self.sale, self.coupon_sale, self.points_sale, self.buy_package,
             self.use_count, self.refund],
            weights=[20, 35, 5, 5, 5, 15, 10],
        )[0]

    def coupon_sale(self) -> None:
        used = {sale.coupon_used for sale in self.sales}
        unused = [code for code in coupon_codes(self.terminal_id) if code not in used]
        if not unused:
            raise DomainError("bench.no_coupon_left")
        self._card_sale(coupon=_coupon(unused[0]))

    def points_sale(self) -> None:
        self._card_sale(points=POINTS_PER_SALE)

    def _card_sale(self, coupon: Coupon | None = None, points: int = 0) -> None:
        """Two lattes and a cake for a member, the rest of the amount due in cash."""
        card_no = self.rng.choice(sorted(self.cards))
        member = self.member(card_no)
        if points > member.balances.usable_points(DAY_START.date()):
            raise DomainError("bench.points_short")
        products = CONFIGURATION.products
        lines = (SaleLine(1, products["LATTE"], 2), SaleLine(2, products["CAKE"], 1))
        op = self.next_operation()
        asked = SaleRequest(op.op_id, op.at, lines, coupon=coupon, points_requested=points)
        due = quote(asked, self.context, RULES, member).amount_due
        request = dataclasses.replace(asked, tenders=(Tender(TenderKind.CASH, due),))
        decision: SaleDecision = decide_sale(request, self.context, RULES, member)
        self.store.commit_sale(decision)
        self.sales.append(decision)


def template_events(number: int, count: int, folder: Path) -> list[WireEvent]:
    """The first `count` events of template terminal `number`, in seq order."""
    terminal = BenchTerminal.open(template_id(number), folder, None, seed=number)
    try:
        while terminal.store.next_seq() - 1 < count:
            terminal.step()
        return [event.to_wire() for event in terminal.store.outbox_batch(0, count)]
    finally:
        terminal.close()


def terminal_batches(terminal_ids: Sequence[str], batches: int, events_per_batch: int,
                     sent_at: datetime | None = None) -> dict[str, list[bytes]]:
    """Each terminal's `batches` event batches of `events_per_batch`, in seq order: its
    template's batches with the template's id replaced by its own, envelope included."""
    count = batches * events_per_batch
    sent_at = sent_at or datetime.now()
    templates: list[list[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="bench-terminals-") as folder:
        for number in range(min(TEMPLATES, len(terminal_ids))):
            events = template_events(number, count, Path(folder))
            templates.append([build_event_batch(template_id(number),
                                                events[first:first + events_per_batch], sent_at)
                              for first in range(0, count, events_per_batch)])
    return {terminal_id: [batch.replace(template_id(index % len(templates)).encode(),
                                        terminal_id.encode())
                          for batch in templates[index % len(templates)]]
            for index, terminal_id in enumerate(terminal_ids)}


def bench_configuration(terminal_ids: Sequence[str]) -> StoreConfiguration:
    """The demo store's configuration with every bench terminal's coupons added."""
    configuration = demo_configuration()
    coupons = [_coupon(code) for terminal_id in terminal_ids
               for code in coupon_codes(terminal_id)]
    return dataclasses.replace(configuration, coupons=by_code(
        [*configuration.coupons.values(), *coupons]))


def publish_configuration(db: HqDatabase, terminal_ids: Sequence[str]) -> None:
    """Store in HQ's empty database, as `hq config push` would, the documents the terminals
    priced with, at the versions their sales name (harness.fleet_terminal.CONFIGURATION: the
    demo documents, version 1 of scope all; the coupons document also lists the bench's)."""
    for name, body in bench_configuration(terminal_ids).to_documents().items():
        for _ in range(DEMO_VERSION):
            document = next_document(db, name, DEMO_SCOPE, body, utc_now())
        if document.version != CONFIGURATION.versions[name][1]:
            raise RuntimeError(f"HQ's database already had {name} documents")
