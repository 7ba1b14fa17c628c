"""Checkout: price a sale, settle its tenders and decide every ledger entry, award and receipt.

`decide_sale` performs nothing. It returns a SaleDecision that the terminal commits in one local
transaction (sale, ledger entries, outbox) and that HQ re-checks when the event arrives.

Order of work: card checks, pricing (membership.pricing), count uses for count-paid lines,
tender settlement, stored-value draw (principal and bonus kept apart), points used, points earned
(never on the part paid with points or bonus money), commissions, receipt, events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from membership import commission, count_packages, points
from membership.cards import Card, CardType, Feature
from membership.catalogue import SaleLine
from membership.coupons import Coupon
from membership.errors import CardStateError, InvalidInput, TenderError
from membership.events import DomainEvent, entry_to_dict
from membership.ledger import CardBalances, EntryKind, LedgerEntry, derive_balances_after
from membership.levels import Level
from membership.lifecycle import ensure_can_pay, ensure_type_matches
from membership.money import allocate
from membership.pricing import (
    MemberPricing,
    PointsOffsetRule,
    PricedSale,
    PricingContext,
    StackingRules,
    price_sale,
)
from membership.promotions import Promotion
from membership.receipts import Receipt
from membership.sale_inputs import ConfigVersions, encode_inputs
from membership.sale_payment import SalePayment, pay_lines, stored_value_entries
from membership.sale_receipt import sale_receipt
from membership.sale_record import RecordLine, SaleRecord
from membership.tenders import Settlement, Tender, TenderKind, settle


@dataclass(frozen=True)
class StoreContext:
    store_id: str
    terminal_id: str
    store_name: str = ""
    cashier: str = ""


@dataclass(frozen=True)
class MemberContext:
    """The card presented and the account it spends: its own, or its parent's (子母卡)."""

    card: Card
    card_type: CardType  # the account card's type
    balances: CardBalances  # the account card's balances
    level: Level | None = None
    member_name: str = ""
    parent: Card | None = None  # set when `card` is a subsidiary card
    parent_entries: tuple[LedgerEntry, ...] = ()  # the parent's entries, for the quota check

    @property
    def account_card(self) -> Card:
        return self.parent or self.card

    def ensure_can_pay(self, day: date) -> None:
        """CardStateError unless the card presented, and the card it spends from, may pay."""
        ensure_can_pay(self.card, day)
        if self.parent is not None:
            ensure_can_pay(self.parent, day)


@dataclass(frozen=True)
class SaleRules:
    promotions: tuple[Promotion, ...] = ()
    earning: points.EarningRule | None = None
    points_offset: PointsOffsetRule | None = None
    stacking: StackingRules = field(default_factory=StackingRules)
    commission_rules: tuple[commission.CommissionRule, ...] = ()
    # (scope, version) of every configuration document these rules and the member's card type
    # and level came from: the sale's event names them, so that HQ can decide it again.
    config_versions: ConfigVersions = field(default_factory=dict)


@dataclass(frozen=True)
class SaleRequest:
    op_id: str
    at: datetime
    lines: tuple[SaleLine, ...]
    tenders: tuple[Tender, ...] = ()  # money tenders; count-paid lines need none
    coupon: Coupon | None = None
    points_requested: int = 0


@dataclass(frozen=True)
class SaleDecision:
    op_id: str
    priced: PricedSale
    settlement: Settlement
    record: SaleRecord
    entries: tuple[LedgerEntry, ...]
    points_earned: int
    commissions: tuple[commission.CommissionLine, ...]
    receipt: Receipt
    events: tuple[DomainEvent, ...]
    coupon_used: str = ""


@dataclass(frozen=True)
class SaleMoves:
    """What a sale moves, before the record, receipt and event are built from it."""

    priced: PricedSale
    settlement: Settlement
    payment: SalePayment
    award: points.PointsAward | None
    entries: list[LedgerEntry]


def sale_moves(
    request: SaleRequest, store: StoreContext, rules: SaleRules, member: MemberContext | None
) -> SaleMoves:
    """The first half of `decide_sale`: all HQ's re-decision compares
    (membership.sale_redecision), without the record, receipt and event, which took a third
    of the time deciding a sale again took at HQ (bench/hq_ingest_bench.py)."""
    _check_request(request, member)
    priced = quote(request, store, rules, member)
    settlement = settle(priced.amount_due, request.tenders)
    payment = pay_lines(settlement, priced, member, request)
    entries = _count_entries(priced, member, request)
    entries += stored_value_entries(payment, member, request)
    entries += _points_used_entries(priced, member, request)
    award = _points_award(priced, payment, member, rules, store)
    if award is not None and award.total > 0 and member is not None and rules.earning:
        entries += points.earn_entries(
            member.account_card.card_no, request.op_id, award.total, request.at,
            rules.earning.expiry, line_points=award.per_line, balances=member.balances,
        )
    return SaleMoves(priced, settlement, payment, award, entries)


def decide_sale(
    request: SaleRequest, store: StoreContext, rules: SaleRules, member: MemberContext | None
) -> SaleDecision:
    moves = sale_moves(request, store, rules, member)
    priced, settlement, award, entries = moves.priced, moves.settlement, moves.award, moves.entries
    commissions = tuple(
        commission.sale_commissions(_commission_bases(priced), rules.commission_rules)
    )
    record = _record(request, store, member, priced, settlement, moves.payment, award,
                     commissions, entries)
    coupon = request.coupon
    coupon_used = coupon.code if coupon and coupon.code in priced.applied else ""
    return SaleDecision(
        op_id=request.op_id,
        priced=priced,
        settlement=settlement,
        record=record,
        entries=tuple(entries),
        points_earned=award.total if award else 0,
        commissions=commissions,
        receipt=sale_receipt(record, priced, settlement, store, member, entries),
        events=(_sale_event(record, priced, settlement, coupon_used,
                            encode_inputs(request, member, rules.config_versions)),),
        coupon_used=coupon_used,
    )


def _check_request(request: SaleRequest, member: MemberContext | None) -> None:
    if not request.lines:
        raise InvalidInput("sale.empty")
    if any(tender.kind is TenderKind.COUNT for tender in request.tenders):
        # A count tender would move no uses: count packages pay lines marked use_count.
        raise TenderError("sale.count_tender")
    needs_card = request.points_requested > 0 or any(line.use_count for line in request.lines)
    needs_card = needs_card or any(t.kind is TenderKind.STORED_VALUE for t in request.tenders)
    if member is None:
        if needs_card:
            raise CardStateError("card.required")
        return
    card, parent = member.card, member.parent
    if card.is_subsidiary and parent is None:
        # Without its parent a subsidiary card would spend on its own number, past its quota.
        raise InvalidInput("sale.parent_missing", card_no=card.card_no,
                           parent_card_no=card.parent_card_no)
    if parent is not None and card.parent_card_no != parent.card_no:
        raise InvalidInput("subsidiary.wrong_parent", card_no=card.card_no,
                           parent_card_no=parent.card_no)
    ensure_type_matches(member.account_card, member.card_type)
    member.ensure_can_pay(request.at.date())


def quote(
    request: SaleRequest, store: StoreContext, rules: SaleRules, member: MemberContext | None
) -> PricedSale:
    """What the sale costs before any tender: the cashier's screen shows it, then tenders."""
    return price_sale(request.lines, _pricing_context(request, store, rules, member))


def _pricing_context(
    request: SaleRequest, store: StoreContext, rules: SaleRules, member: MemberContext | None
) -> PricingContext:
    member_pricing = None
    points_available = 0
    if member is not None:
        level = member.level
        member_pricing = MemberPricing(
            level_code=level.code if level else "",
            level_discount_bp=level.discount_bp if level else 10_000,
            level_category_discount_bp=dict(level.category_discount_bp) if level else {},
            card_type=member.card_type,
            member_id=member.card.member_id,
        )
        points_available = points.redeemable_points(member.balances, request.at.date())
    return PricingContext(
        at=request.at,
        store_id=store.store_id,
        terminal_id=store.terminal_id,
        member=member_pricing,
        promotions=rules.promotions,
        coupon=request.coupon,
        points_requested=request.points_requested,
        points_available=points_available,
        points_rule=rules.points_offset,
        stacking=rules.stacking,
    )


def _count_entries(
    priced: PricedSale, member: MemberContext | None, request: SaleRequest
) -> list[LedgerEntry]:
    entries: list[LedgerEntry] = []
    if member is None:
        return entries
    balances = member.balances
    for line in priced.lines:
        if not line.line.use_count:
            continue
        taken = count_packages.use_entries(
            member.account_card, balances, line.line.product.code, line.line.qty,
            request.op_id, request.at, line_no=line.line.line_no,
        )
        entries += taken
        # Several lines of one service draw on the same packages: take each from what is left.
        balances = derive_balances_after(balances, taken)
    return entries


def _points_used_entries(
    priced: PricedSale, member: MemberContext | None, request: SaleRequest
) -> list[LedgerEntry]:
    if priced.points_used <= 0 or member is None:
        return []
    return points.redeem_entries(
        member.account_card.card_no, request.op_id, member.balances, priced.points_used,
        request.at, kind=EntryKind.REDEEM,
    )


def _points_award(
    priced: PricedSale, payment: SalePayment, member: MemberContext | None, rules: SaleRules,
    store: StoreContext,
) -> points.PointsAward | None:
    if member is None or rules.earning is None or not member.card_type.has(Feature.POINTS):
        return None
    bases = [
        points.EarningBase(
            line_no=line.line.line_no,
            category=line.line.product.category,
            # Bonus money was a gift: the part of a line paid with it earns nothing.
            eligible_fen=line.net - payment.of(line.line.line_no).bonus,
        )
        for line in priced.lines
        if not line.line.use_count and line.line.product.earns_points
    ]
    earning, level = rules.earning, member.level
    if level is not None and level.code not in earning.level_multiplier_bp:
        # The member's level carries its own multiplier; the rule's table only overrides it.
        earning = replace(earning, level_multiplier_bp={
            **earning.level_multiplier_bp, level.code: level.points_multiplier_bp})
    level_code = level.code if level else ""
    return points.points_earned(bases, earning, level_code, store.store_id, store.terminal_id)


def _commission_bases(priced: PricedSale) -> list[commission.CommissionBase]:
    return [
        commission.CommissionBase(
            line_no=line.line.line_no,
            product_code=line.line.product.code,
            category=line.line.product.category,
            qty=line.line.qty,
            net=line.gross if line.line.use_count else line.net,
            staff_id=line.line.staff_id,
            via_count=line.line.use_count,
        )
        for line in priced.lines
        if line.line.staff_id
    ]


def _record(
    request: SaleRequest, store: StoreContext, member: MemberContext | None, priced: PricedSale,
    settlement: Settlement, payment: SalePayment, award: points.PointsAward | None,
    commissions: tuple[commission.CommissionLine, ...], entries: list[LedgerEntry],
) -> SaleRecord:
    points_used = allocate(priced.points_used, [line.points_offset for line in priced.lines])
    earned: Mapping[int, int] = dict(award.per_line) if award else {}
    lines = []
    for line, used in zip(priced.lines, points_used, strict=True):
        money = payment.of(line.line.line_no)
        product = line.line.product
        lines.append(RecordLine(
            line_no=line.line.line_no, product_code=product.code, name=product.name,
            category=product.category, qty=line.line.qty, gross=line.gross, net=line.net,
            tender_parts=money.tender_parts, principal=money.principal, bonus=money.bonus,
            points_used=used, points_earned=earned.get(line.line.line_no, 0),
            count_service=product.code if line.line.use_count else "", staff_id=line.line.staff_id,
        ))
    return SaleRecord(
        op_id=request.op_id, at=request.at, store_id=store.store_id, terminal_id=store.terminal_id,
        card_no=member.account_card.card_no if member else "",
        actor_card_no=member.card.card_no if member and member.parent else "",
        lines=tuple(lines), commissions=commissions, entries=tuple(entries),
        amount_due=priced.amount_due, cash_received=settlement.cash_received,
        change=settlement.change,
    )


def _sale_event(
    record: SaleRecord, priced: PricedSale, settlement: Settlement, coupon_used: str,
    inputs: dict[str, Any],
) -> DomainEvent:
    return DomainEvent(
        type="sale.completed",
        op_id=record.op_id,
        at=record.at,
        payload={
            "store_id": record.store_id,
            "card_no": record.card_no,
            "actor_card_no": record.actor_card_no,
            "gross": priced.gross,
            "amount_due": priced.amount_due,
            "count_value": priced.count_value,
            "tenders": [{"kind": t.kind.value, "amount": t.amount, "reference": t.reference}
                        for t in settlement.tenders],
            "change": settlement.change,
            "points_used": priced.points_used,
            "points_earned": sum(line.points_earned for line in record.lines),
            # HQ marks the coupon used, so that no other terminal accepts it again.
            "coupon_used": coupon_used,
            "entries": [entry_to_dict(entry) for entry in record.entries],
            # What the decision was made from: HQ decides the sale again from it.
            "inputs": inputs,
        },
    )
