"""Counter operations other than a sale of goods: enrolment, top-up, withdrawal, buying a count
package, time or a pass, redeeming points for a gift and closing a timed session.

Each returns a CounterDecision: the ledger entries, the tender settlement, commissions, the
receipt model and the domain event. Card services (loss, freeze, replacement, cancellation,
extension) are in membership.card_service.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from membership import commission, count_packages, points, stored_value, subsidiary, timecards
from membership.cards import Card, CountPackage, Feature, PeriodPass, TimeRate
from membership.errors import CardStateError, TenderError
from membership.events import DomainEvent, entry_to_dict
from membership.ledger import LedgerEntry
from membership.money import Fen
from membership.receipts import Receipt, ReceiptKind, ReceiptLine, ReceiptRow, mask_card_no
from membership.sale import MemberContext, StoreContext
from membership.sale_receipt import balance_rows
from membership.tenders import Settlement, Tender, TenderKind, settle


@dataclass(frozen=True)
class CounterDecision:
    op_id: str
    entries: tuple[LedgerEntry, ...]
    receipt: Receipt
    events: tuple[DomainEvent, ...]
    settlement: Settlement | None = None
    commissions: tuple[commission.CommissionLine, ...] = ()
    cards: tuple[Card, ...] = ()  # cards issued or changed, for the shell to store


@dataclass(frozen=True)
class Operation:
    """Who, where and when: common to every counter operation."""

    op_id: str
    at: datetime
    store: StoreContext
    staff_id: str = ""


def pay_in(amount: Fen, tenders: Sequence[Tender]) -> Settlement:
    """Money paid in at the counter (fees, top-ups, packages): never from the stored value."""
    if any(tender.kind in (TenderKind.STORED_VALUE, TenderKind.COUNT) for tender in tenders):
        raise TenderError("tender.not_allowed_for_payment_in")
    return settle(amount, tenders)


def pay_for_purchase(
    op: Operation, member: MemberContext, price: Fen, tenders: Sequence[Tender]
) -> tuple[Settlement, list[LedgerEntry]]:
    """Packages, time, passes and timed sessions may be paid from the stored value too
    (储值卡购买次卡); a subsidiary card pays from its parent within its quota."""
    if any(tender.kind is TenderKind.COUNT for tender in tenders):
        raise TenderError("tender.not_allowed_for_payment_in")
    settlement = settle(price, tenders)
    from_card = settlement.amount_of(TenderKind.STORED_VALUE)
    if not from_card:
        return settlement, []
    if not member.card_type.has(Feature.STORED_VALUE):
        raise CardStateError("card.no_stored_value", card_no=member.card.card_no)
    actor_card_no = ""
    if member.parent is not None:
        subsidiary.ensure_subsidiary_can_spend(
            member.card, member.parent, member.card_type, member.parent_entries, from_card, op.at
        )
        actor_card_no = member.card.card_no
    drawn = stored_value.draw(member.balances, from_card, member.card_type.draw_order)
    return settlement, stored_value.spend_entries(
        member.account_card.card_no, op.op_id, drawn, op.at, actor_card_no=actor_card_no
    )


def top_up(
    op: Operation, member: MemberContext, paid: Fen, tenders: Sequence[Tender],
    rules: Sequence[commission.CommissionRule] = (),
) -> CounterDecision:
    """充值: principal +paid and the bonus the card type's tiers give."""
    decision = stored_value.top_up(
        member.card, member.card_type, member.balances, paid, op.op_id, op.at
    )
    settlement = pay_in(paid, tenders)
    line = commission.topup_commission(paid, op.staff_id, rules, member.card_type.code)
    totals = (ReceiptRow("receipt.topup_amount", paid),
              ReceiptRow("receipt.topup_bonus", decision.bonus))
    return _decision(
        op, member, "card.topped_up", ReceiptKind.TOPUP, list(decision.entries), settlement,
        totals=totals, commissions=(line,) if line else (),
        payload={"paid": paid, "bonus": decision.bonus},
    )


def withdraw(op: Operation, member: MemberContext, amount: Fen) -> CounterDecision:
    """取款: principal only, paid out in cash."""
    entries = stored_value.withdraw(
        member.card, member.card_type, member.balances, amount, op.op_id, op.at
    )
    totals = (ReceiptRow("receipt.withdraw_amount", amount),)
    return _decision(op, member, "card.withdrawn", ReceiptKind.WITHDRAW, entries, None,
                     totals=totals, payload={"amount": amount})


def buy_package(
    op: Operation, member: MemberContext, package: CountPackage, qty: int,
    tenders: Sequence[Tender], rules: Sequence[commission.CommissionRule] = (),
) -> CounterDecision:
    """购买次卡套餐: the package's uses go on the card as a lot with the package's validity."""
    entries = count_packages.purchase_entries(
        member.card, member.card_type, package, op.op_id, op.at, qty=qty
    )
    price = package.price * qty
    settlement, spent = pay_for_purchase(op, member, price, tenders)
    entries += spent
    base = commission.CommissionBase(0, package.code, "package", qty, price, op.staff_id)
    earned = tuple(commission.sale_commissions([base], rules)) if op.staff_id else ()
    lines = (ReceiptLine(package.name, qty, package.price, price),)
    totals = (ReceiptRow("receipt.amount_due", price), *_last_day_row(entries[0]))
    return _decision(op, member, "package.purchased", ReceiptKind.SALE, entries, settlement,
                     lines=lines, totals=totals, commissions=earned,
                     payload={"package": package.code, "qty": qty, "price": price})


def buy_time(
    op: Operation, member: MemberContext, minutes: int, price: Fen, tenders: Sequence[Tender]
) -> CounterDecision:
    """购买计时时长: prepaid minutes that timed sessions draw on."""
    entries = timecards.purchase_time_entries(
        member.card, member.card_type, minutes, op.op_id, op.at
    )
    settlement, spent = pay_for_purchase(op, member, price, tenders)
    entries += spent
    return _decision(op, member, "time.purchased", ReceiptKind.SALE, entries, settlement,
                     lines=(ReceiptLine(f"{minutes} min", 1, price, price),),
                     totals=(ReceiptRow("receipt.amount_due", price),),
                     payload={"minutes": minutes, "price": price})


def buy_pass(
    op: Operation, member: MemberContext, period_pass: PeriodPass, tenders: Sequence[Tender]
) -> CounterDecision:
    """购买月卡 / 季卡: unlimited sessions of a service for the pass's days."""
    entries = timecards.purchase_pass_entries(
        member.card, member.card_type, period_pass, op.op_id, op.at
    )
    settlement, spent = pay_for_purchase(op, member, period_pass.price, tenders)
    entries += spent
    line = ReceiptLine(period_pass.name, 1, period_pass.price, period_pass.price)
    totals = (ReceiptRow("receipt.amount_due", period_pass.price), *_last_day_row(entries[0]))
    return _decision(op, member, "pass.purchased", ReceiptKind.SALE, entries, settlement,
                     lines=(line,), totals=totals,
                     payload={"pass": period_pass.code, "price": period_pass.price})


def _last_day_row(lot_entry: LedgerEntry) -> tuple[ReceiptRow, ...]:
    # The balance rows do not show a lot's validity; the member must see it on the receipt.
    if lot_entry.valid_until is None:
        return ()
    return (ReceiptRow("receipt.expires_on", value=lot_entry.valid_until.isoformat()),)


def redeem_gift(
    op: Operation, member: MemberContext, gift: points.Gift, qty: int,
    stock_left: int | None = None,
) -> CounterDecision:
    """积分兑换: points FIFO from the oldest lot, gift handed over."""
    member.ensure_can_pay(op.at.date())
    redemption = points.redeem_gift(
        member.account_card.card_no, op.op_id, member.balances, gift, qty, op.at,
        stock_left=stock_left,
    )
    lines = (ReceiptLine(gift.name, qty, 0, 0),)
    totals = (ReceiptRow("receipt.points_used", value=str(redemption.points)),)
    return _decision(op, member, "gift.redeemed", ReceiptKind.GIFT, list(redemption.entries),
                     None, lines=lines, totals=totals,
                     payload={"gift": gift.code, "qty": qty, "points": redemption.points})


def close_session(
    op: Operation, member: MemberContext, rate: TimeRate, started_at: datetime,
    tenders: Sequence[Tender],
) -> CounterDecision:
    """计时结账: a pass covers it, else prepaid minutes, else money by tenders (stored value
    included). A subsidiary card's session is charged to its parent, whose balances these are."""
    member.ensure_can_pay(started_at.date())
    charge = timecards.charge_session(
        member.account_card, member.balances, rate, started_at, op.at, op.op_id
    )
    entries = list(charge.entries)
    settlement = None
    if charge.amount_due or tenders:
        settlement, spent = pay_for_purchase(op, member, charge.amount_due, tenders)
        entries += spent
    return _decision(op, member, "time.session_closed", ReceiptKind.TIME_SESSION,
                     entries, settlement, totals=_session_rows(charge),
                     payload={"service": rate.service,
                              # The terminal's wall clock, as `at`: HQ bills the session again.
                              "started_at": started_at.isoformat(),
                              "minutes": charge.bill.minutes,
                              "units": charge.bill.units, "amount_due": charge.amount_due,
                              "pass": charge.covered_by_pass,
                              "prepaid_minutes": charge.prepaid_minutes})


def close_session_in_money(
    op: Operation, member: MemberContext, rate: TimeRate, started_at: datetime,
    tenders: Sequence[Tender], approved_by: str,
) -> CounterDecision:
    """计时结账 of a session whose card became unusable after it began (reported lost, frozen,
    replaced or cancelled): the whole bill in money (cash, bank card, WeChat, Alipay), with a
    store manager's approval. Nothing comes from the card (no pass, prepaid minutes or stored
    value): whoever holds it now may not be its owner. A card that may pay closes as usual."""
    if not approved_by:
        raise CardStateError("time.needs_manager", card_no=member.card.card_no)
    blocked = card_blocked_reason(member, started_at)
    if not blocked:
        raise CardStateError("time.card_usable", card_no=member.card.card_no)
    if any(tender.kind in (TenderKind.STORED_VALUE, TenderKind.COUNT) for tender in tenders):
        raise TenderError("tender.card_unusable")
    bill = timecards.bill_session(rate, started_at, op.at)
    settlement = settle(bill.amount, tenders) if bill.amount or tenders else None
    charge = timecards.SessionCharge(bill, "", 0, bill.amount, ())
    return _decision(op, member, "time.session_closed", ReceiptKind.TIME_SESSION,
                     [], settlement, totals=_session_rows(charge),
                     payload={"service": rate.service, "started_at": started_at.isoformat(),
                              "minutes": bill.minutes, "units": bill.units,
                              "amount_due": bill.amount, "pass": "", "prepaid_minutes": 0,
                              "card_blocked": blocked, "approved_by": approved_by})


def card_blocked_reason(member: MemberContext, started_at: datetime) -> str:
    """Why the ordinary bill would refuse the session's card ("" if it would not): the same
    check as `close_session`'s, on the card and the card it pays from."""
    try:
        member.ensure_can_pay(started_at.date())
    except CardStateError as refusal:
        return refusal.key
    return ""


def _session_rows(charge: timecards.SessionCharge) -> tuple[ReceiptRow, ...]:
    # Nothing due needs its reason on the receipt: the pass, or the prepaid minutes taken.
    rows = [ReceiptRow("receipt.minutes", value=str(charge.bill.minutes)),
            ReceiptRow("receipt.units", value=str(charge.bill.units))]
    if charge.covered_by_pass:
        rows.append(ReceiptRow("receipt.paid_by_pass"))
    if charge.prepaid_minutes:
        rows.append(ReceiptRow("receipt.prepaid_minutes_used",
                               value=str(charge.prepaid_minutes)))
    rows.append(ReceiptRow("receipt.amount_due", charge.amount_due))
    return tuple(rows)


def _decision(
    op: Operation, member: MemberContext, event_type: str, kind: ReceiptKind,
    entries: list[LedgerEntry], settlement: Settlement | None, *,
    lines: tuple[ReceiptLine, ...] = (), totals: tuple[ReceiptRow, ...] = (),
    commissions: tuple[commission.CommissionLine, ...] = (), payload: dict[str, Any],
) -> CounterDecision:
    receipt = Receipt(
        kind=kind, op_id=op.op_id, at=op.at, store_name=op.store.store_name,
        terminal_id=op.store.terminal_id, cashier=op.store.cashier,
        card_no_masked=mask_card_no(member.card.card_no), member_name=member.member_name,
        lines=lines, totals=totals, tenders=tender_rows(settlement),
        balances=balance_rows(member.balances, entries, op.at.date()),
        footer_keys=("receipt.thanks",),
    )
    event = operation_event(op, event_type, member.account_card.card_no, settlement, entries,
                            commissions, payload)
    return CounterDecision(op.op_id, tuple(entries), receipt, (event,), settlement, commissions)


def operation_event(
    op: Operation, event_type: str, card_no: str, settlement: Settlement | None,
    entries: list[LedgerEntry], commissions: tuple[commission.CommissionLine, ...],
    payload: dict[str, Any],
) -> DomainEvent:
    """The event of a counter operation or card service: its own fields, then the card, the
    tenders, the ledger entries and the commissions, as the MQTT contract carries them."""
    return DomainEvent(event_type, op.op_id, op.at, {
        **payload,
        "card_no": card_no,
        "tenders": tender_payload(settlement),
        "entries": [entry_to_dict(entry) for entry in entries],
        "commissions": [commission_payload(line) for line in commissions],
    })


def tender_rows(settlement: Settlement | None) -> tuple[ReceiptRow, ...]:
    if settlement is None:
        return ()
    rows = [ReceiptRow(f"tender.{t.kind.value}", t.amount) for t in settlement.tenders]
    if settlement.change:
        rows += [ReceiptRow("receipt.cash_received", settlement.cash_received),
                 ReceiptRow("receipt.change", settlement.change)]
    return tuple(rows)


def tender_payload(settlement: Settlement | None) -> list[dict[str, Any]]:
    if settlement is None:
        return []
    return [{"kind": t.kind.value, "amount": t.amount, "reference": t.reference}
            for t in settlement.tenders]


def commission_payload(line: commission.CommissionLine) -> dict[str, Any]:
    return {"staff_id": line.staff_id, "basis": line.basis.value, "amount": line.amount,
            "rule": line.rule_code, "line_no": line.line_no}
