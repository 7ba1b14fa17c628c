"""Seeding a terminal for the demo (`make run`, `[demo] seed = true`) and the UI tests: the demo
store's configuration documents and staff, then its members enrolled through the real
operations (so their events reach HQ like any enrolment), topped up, one with a service package.

Idempotent: documents already applied (HQ's, or an earlier seed's) are kept; a member whose card
the store knows is not enrolled again.
"""

from __future__ import annotations

import logging

from huiyuan_devices.keypad.base import Pin

from membership.errors import DomainError
from membership.tenders import Tender, TenderKind
from terminal.cashier import operations as ops
from terminal.cashier.context import StaffMember
from terminal.cashier.services import CashierServices
from terminal.demo.documents import demo_documents
from terminal.demo.members import DEMO_CARDS, DemoCard
from terminal.demo.staff import MANAGER_ID, MANAGER_NAME, demo_staff_document
from terminal.sync.ports import DocumentStore

log = logging.getLogger("terminal.demo")
DEMO_VERSION = 1
DEMO_SCOPE = "all"
TOP_UPS = {"M0001": 50_000, "M0002": 20_000, "M0003": 100_000}  # fen, cash
PACKAGE_FOR = {"M0003": "FACIAL10"}


def seed_configuration(store: DocumentStore) -> int:
    """Apply the demo documents and staff where the store has none; how many were applied."""
    applied = 0
    documents = {**demo_documents(), "staff": demo_staff_document()}
    held = store.applied_versions()
    for name, body in documents.items():
        if name not in held:
            applied += store.apply_config(name, DEMO_SCOPE, DEMO_VERSION, body).applied
    return applied


def seed_members(services: CashierServices) -> int:
    """Enrol the demo members the store does not know yet; how many were enrolled. Their
    birthdays are set from the day of the seeding (the cashier's clock)."""
    manager = StaffMember(MANAGER_ID, MANAGER_NAME, "manager")
    enrolled = 0
    for card in DEMO_CARDS:
        if not card.member_id or services.ctx.store.known_card(card.card_no) is not None:
            continue
        try:
            _enrol(services, manager, card)
        except DomainError as error:
            log.warning("demo member %s not seeded: %s", card.member_id, error)
            continue
        enrolled += 1
    # Levels the seeding reached are the demo's starting point, not news to announce at the
    # counter (terminal.cashier.level_upgrade).
    services.ctx.level_ups.clear()
    return enrolled


def _enrol(services: CashierServices, manager: StaffMember, card: DemoCard) -> None:
    ctx = services.ctx
    card_type = ctx.configuration().card_types[card.card_type]
    fee = card_type.fees.join
    tenders = [Tender(TenderKind.CASH, fee)] if fee else []
    ops.enrol_member(ctx, manager, card.card_no, card.name, card.card_type, tenders,
                     member_id=card.member_id, uid=card.uid, phone=card.phone,
                     birthday=card.birthday_on(ctx.clock().date()))
    member = services.members.member_context(card.card_no)
    paid = TOP_UPS.get(card.member_id, 0)
    if paid:
        ops.top_up(ctx, manager, member, paid, [Tender(TenderKind.CASH, paid)])
    package = PACKAGE_FOR.get(card.member_id)
    if package:
        member = services.members.member_context(card.card_no)
        price = next(p.price for p in card_type.count_packages if p.code == package)
        ops.buy_package(ctx, manager, member, package, [Tender(TenderKind.CASH, price)])
    if not card.on_chip and card.pin:
        _set_pin_at_hq(services, card)


def _set_pin_at_hq(services: CashierServices, card: DemoCard) -> None:
    """A UID-only tag cannot hold a PIN: HQ keeps its verifier. Needs HQ online."""
    try:
        services.pins.set_pin(card.card_no, Pin(bytearray(card.pin.encode("ascii"))))
    except DomainError as error:
        log.warning("demo PIN for %s not set (HQ needed): %s", card.card_no, error)
