"""Checkout (decide_sale): worked examples a cashier can check by hand.

The member's history is built with the real operations (top-up, points earned, packages bought),
so every balance below comes from ledger entries. Unless a test says otherwise the member topped
up ¥1000.00 and got ¥100.00 bonus (principal 100000 fen, bonus 10000 fen) and the sale is on
Monday 2026-11-23 at 10:00."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from membership import stored_value
from membership.cards import (
    Card,
    CardStatus,
    Feature,
)
from membership.catalogue import SaleLine
from membership.commission import CommissionBasis, CommissionLine, CommissionRule
from membership.coupons import Coupon, CouponKind
from membership.errors import (
    CardStateError,
    CountError,
    InvalidInput,
    QuotaExceeded,
)
from membership.ledger import Account, EntryKind, LedgerEntry, derive_balances
from membership.receipts import ReceiptRow
from membership.sale import MemberContext, SaleRules
from membership.tenders import TenderKind
from tests.support.sale_world import (
    AT,
    CAKE,
    CANDY,
    CARD,
    EARN,
    HAIRCUT,
    LATTE,
    LONG_PACK,
    PLAIN,
    SHAMPOO,
    SHORT_PACK,
    VIP,
    card_pay,
    cash,
    history,
    member,
    row,
    sale,
)


def test_coupon_that_saves_nothing_is_not_used():
    # 折扣券 9.5折 on a 9-fen candy: 9 × 0.95 = 8.55 → 9, nothing off, so the coupon stays unused.
    coupon = Coupon("CP-95", CouponKind.PERCENT_OFF, datetime(2026, 1, 1),
                    datetime(2026, 12, 31), pay_rate_bp=9500)
    decision = sale([SaleLine(1, CANDY, 1)], [cash(9)], coupon=coupon)
    assert decision.priced.applied == ()
    assert decision.coupon_used == ""
    assert decision.events[0].payload["coupon_used"] == ""
    assert sale([SaleLine(1, CANDY, 1)], [cash(9)]).coupon_used == ""


def test_gift_coupon_adds_a_free_line_to_receipt_and_record():
    # 赠品券: a ¥0.09 candy free with the latte (¥28.00 × 0.9 = ¥25.20). The gift is line 2.
    coupon = Coupon("CP-GIFT", CouponKind.GIFT_ITEM, datetime(2026, 1, 1),
                    datetime(2026, 12, 31), gift_product=CANDY)
    decision = sale([SaleLine(1, LATTE, 1)], [cash(2520)], member(), coupon=coupon)
    assert decision.coupon_used == "CP-GIFT"
    assert [(line.line_no, line.name, line.gross, line.net) for line in decision.record.lines] == [
        (1, "拿铁咖啡", 2800, 2520), (2, "糖果", 9, 0)]
    assert decision.receipt.lines[1].notes == ("receipt.coupon",)
    # Subtotal 2800 + 9; discount 280 (member) + 9 (gift) = 289.
    assert decision.receipt.totals == (ReceiptRow("receipt.subtotal", 2809),
                                       ReceiptRow("receipt.discount", -289),
                                       ReceiptRow("receipt.amount_due", 2520))


# --- count packages -----------------------------------------------------------------------------


def count_history() -> list[LedgerEntry]:
    # Short pack (3 uses) bought 2026-11-01, last day 2026-11-30; long pack (10 uses) bought
    # 2026-10-01, last day 2027-09-30. The short pack expires first, so it is used first.
    return history(CARD, VIP, packages=((LONG_PACK, datetime(2026, 10, 1, 9)),
                                        (SHORT_PACK, datetime(2026, 11, 1, 9))))


def test_count_lines_use_the_soonest_expiring_package_first_and_are_not_paid():
    lines = [
        SaleLine(1, HAIRCUT, 2, use_count=True),  # 2 from the short pack (1 left)
        SaleLine(2, HAIRCUT, 2, use_count=True),  # 1 from the short pack, 1 from the long pack
        SaleLine(3, SHAMPOO, 1),  # ¥39.00 × 0.9 = ¥35.10, paid in cash
    ]
    decision = sale(lines, [cash(5000)], member(entries=count_history()))
    uses = [(e.lot, e.delta, e.line_no, e.service) for e in decision.entries
            if e.account is Account.COUNT]
    assert uses == [
        ("OLD-PACK1:HC3", -2, 1, "haircut"),
        ("OLD-PACK1:HC3", -1, 2, "haircut"),
        ("OLD-PACK0:HC10", -1, 2, "haircut"),
    ]
    assert all(e.kind is EntryKind.USE for e in decision.entries if e.account is Account.COUNT)
    # Each use carries its package's terms, for a refund onto a replacement card.
    assert [(e.valid_from, e.valid_until) for e in decision.entries
            if e.account is Account.COUNT] == [
        (date(2026, 11, 1), date(2026, 11, 30)), (date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 10, 1), date(2027, 9, 30))]
    assert decision.priced.amount_due == 3510
    assert decision.priced.count_value == 4 * 5000
    assert decision.settlement.change == 1490
    haircut1, haircut2, shampoo = decision.record.lines
    assert (haircut1.count_service, haircut1.tender_parts) == ("haircut", ())
    assert (haircut1.gross, haircut1.net, haircut1.principal) == (10000, 10000, 0)
    assert haircut2.count_service == "haircut"
    assert shampoo.tender_parts == (("cash", 3510),)
    # Points only on the shampoo: ¥35.10 → 35.
    assert decision.points_earned == 35
    # Subtotal 4 × ¥50.00 + ¥39.00 = ¥239.00, less ¥3.90 member discount and ¥200.00 by count.
    assert decision.receipt.totals == (ReceiptRow("receipt.subtotal", 23900),
                                       ReceiptRow("receipt.discount", -390),
                                       ReceiptRow("tender.count", 20000),
                                       ReceiptRow("receipt.amount_due", 3510))
    assert decision.receipt.lines[0].notes == ("receipt.paid_by_count",)
    assert decision.receipt.lines[0].amount == 10000
    after = derive_balances([*count_history(), *decision.entries])
    assert after.counts_for("haircut", AT.date()) == 13 - 4


def test_receipt_counts_only_uses_still_usable_on_the_day_of_the_sale():
    # The short pack bought 2026-10-01 ended on 2026-10-30: its 3 uses are not counted as left,
    # even on a sale that writes no entry (card type without points, paid in cash).
    no_points = replace(VIP, features=VIP.features - {Feature.POINTS})
    entries = history(CARD, no_points, packages=((SHORT_PACK, datetime(2026, 10, 1, 9)),
                                                 (LONG_PACK, datetime(2026, 10, 1, 9))))
    decision = sale([SaleLine(1, SHAMPOO, 1)], [cash(3510)], member(CARD, no_points, entries))
    assert decision.entries == ()
    assert decision.receipt.balances[-1] == ReceiptRow("receipt.counts_left", value="haircut 10")


def test_count_sale_with_no_money_needs_no_tender():
    decision = sale([SaleLine(1, HAIRCUT, 1, use_count=True)], [], member(entries=count_history()))
    assert decision.priced.amount_due == 0
    assert decision.settlement.tenders == ()
    assert [(e.lot, e.delta) for e in decision.entries] == [("OLD-PACK1:HC3", -1)]


def test_not_enough_uses_is_refused():
    with pytest.raises(CountError) as caught:
        sale([SaleLine(1, HAIRCUT, 14, use_count=True)], [], member(entries=count_history()))
    assert caught.value.key == "count.insufficient"


# --- subsidiary cards (子母卡) -------------------------------------------------------------------

CHILD = Card("88000001-1", "M1", "VIP", parent_card_no="88000001", quota=5000)


def child_member(parent: Card = CARD, child: Card = CHILD,
                 extra: tuple[LedgerEntry, ...] = ()) -> MemberContext:
    entries = [*history(CARD, VIP), *extra]
    return MemberContext(child, VIP, derive_balances(entries), parent=parent,
                         parent_entries=tuple(entries))


def test_subsidiary_card_spends_the_parent_balance():
    # Latte 1 × ¥28.00 × 0.9 = ¥25.20 from the parent's card: bonus 2520 / 11 = 229.1 → 229.
    decision = sale([SaleLine(1, LATTE, 1)], [card_pay(2520)], child_member())
    spends = [(e.card_no, e.actor_card_no, e.account.value, e.delta) for e in decision.entries
              if e.kind is EntryKind.SPEND]
    assert spends == [("88000001", "88000001-1", "principal", -2291),
                      ("88000001", "88000001-1", "bonus", -229)]
    assert (decision.record.card_no, decision.record.actor_card_no) == ("88000001", "88000001-1")
    # Points go to the parent's account: 2520 - 229 = 2291 → 22.
    assert [(e.card_no, e.delta) for e in decision.entries if e.kind is EntryKind.EARN] == [
        ("88000001", 22)]
    payload = decision.events[0].payload
    assert (payload["card_no"], payload["actor_card_no"]) == ("88000001", "88000001-1")
    # The receipt shows the card presented, and the parent's balances after: 97709 + 9771.
    assert decision.receipt.card_no_masked == "8800**01-1"
    assert row(decision.receipt.balances, "receipt.principal").amount == 100000 - 2291
    assert row(decision.receipt.balances, "receipt.bonus").amount == 10000 - 229


def test_subsidiary_quota_exceeded():
    # Quota ¥50.00 a month; ¥30.00 already spent on 2026-11-02, so ¥25.20 more is refused.
    earlier = stored_value.spend_entries("88000001", "T01-050", stored_value.Draw(2727, 273),
                                         datetime(2026, 11, 2, 12), actor_card_no=CHILD.card_no)
    with pytest.raises(QuotaExceeded) as caught:
        sale([SaleLine(1, LATTE, 1)], [card_pay(2520)], child_member(extra=tuple(earlier)))
    assert caught.value.key == "subsidiary.quota_exceeded"
    assert caught.value.params == {"quota": 5000, "used": 3000, "requested": 2520, "left": 2000}


def test_lost_parent_blocks_the_subsidiary_card():
    lost_parent = replace(CARD, status=CardStatus.LOST)
    with pytest.raises(CardStateError) as caught:
        sale([SaleLine(1, LATTE, 1)], [card_pay(2520)], child_member(parent=lost_parent))
    assert caught.value.key == "card.lost"
    assert caught.value.params["card_no"] == "88000001"


def test_subsidiary_card_without_its_parent_is_refused():
    # Without the parent the sale would debit the child's own (empty) number and skip the quota.
    who = MemberContext(CHILD, VIP, derive_balances(history(CARD, VIP)))
    with pytest.raises(InvalidInput) as caught:
        sale([SaleLine(1, LATTE, 1)], [card_pay(2520)], who)
    assert caught.value.key == "sale.parent_missing"


def test_subsidiary_card_with_another_parent_is_refused():
    stranger = Card("88000099", "M9", "VIP")
    with pytest.raises(InvalidInput) as caught:
        sale([SaleLine(1, LATTE, 1)], [cash(2520)], child_member(parent=stranger))
    assert caught.value.key == "subsidiary.wrong_parent"


def test_card_type_must_match_the_card():
    with pytest.raises(InvalidInput) as caught:
        sale([SaleLine(1, LATTE, 1)], [cash(2800)], member(CARD, PLAIN, []))
    assert caught.value.key == "card.type_mismatch"


# --- blocked cards ------------------------------------------------------------------------------


@pytest.mark.parametrize(("card", "key"), [
    (replace(CARD, status=CardStatus.LOST), "card.lost"),
    (replace(CARD, status=CardStatus.FROZEN), "card.frozen"),
    (replace(CARD, expires_on=date(2026, 11, 22)), "card.expired"),  # yesterday was the last day
    (replace(CARD, status=CardStatus.EXPIRED), "card.expired"),
    (replace(CARD, status=CardStatus.CANCELLED), "card.cancelled"),
    (replace(CARD, status=CardStatus.REPLACED, replaced_by="88000009"), "card.replaced"),
])
def test_blocked_card_cannot_pay(card, key):
    with pytest.raises(CardStateError) as caught:
        sale([SaleLine(1, LATTE, 1)], [card_pay(2520)], member(card, VIP, history(CARD, VIP)))
    assert caught.value.key == key


def test_card_valid_through_today_can_still_pay():
    card = replace(CARD, expires_on=date(2026, 11, 23))
    decision = sale([SaleLine(1, LATTE, 1)], [card_pay(2520)], member(card, VIP,
                                                                       history(CARD, VIP)))
    assert decision.settlement.amount_of(TenderKind.STORED_VALUE) == 2520


def test_empty_sale_is_refused():
    with pytest.raises(InvalidInput) as caught:
        sale([], [cash(100)])
    assert caught.value.key == "sale.empty"


# --- commission, receipt and event --------------------------------------------------------------

COMMISSION_RULES = (
    CommissionRule("DRINKS10", CommissionBasis.SALE, category="drinks", rate_bp=1000),
    CommissionRule("ANY-SALE", CommissionBasis.SALE, fixed_per_unit=50),
    CommissionRule("HAIRCUT-USE", CommissionBasis.COUNT_USE, product_code="haircut",
                   fixed_per_unit=800),
)


def test_commissions_per_staff_on_lines():
    lines = [
        SaleLine(1, LATTE, 2, staff_id="E01"),  # 10 % of ¥50.40 = ¥5.04
        SaleLine(2, CAKE, 1, staff_id="E02"),  # catch-all: ¥0.50 per unit
        SaleLine(3, HAIRCUT, 1, use_count=True, staff_id="E03"),  # ¥8.00 per use
        SaleLine(4, SHAMPOO, 1),  # no staff: no commission
    ]
    rules = SaleRules(earning=EARN, commission_rules=COMMISSION_RULES)
    decision = sale(lines, [cash(10349)], member(entries=count_history()), rules)
    assert decision.commissions == (
        CommissionLine("E01", CommissionBasis.SALE, 504, "DRINKS10", 1, 5040),
        CommissionLine("E02", CommissionBasis.SALE, 50, "ANY-SALE", 2, 1799),
        CommissionLine("E03", CommissionBasis.COUNT_USE, 800, "HAIRCUT-USE", 3, 5000),
    )
    assert decision.record.commissions == decision.commissions
    assert [line.staff_id for line in decision.record.lines] == ["E01", "E02", "E03", ""]


def test_receipt_rows_and_completed_event():
    # VIP, latte 2 + cake 1 = ¥75.99 → ¥68.39 (discount ¥7.60); all from the card.
    # Bonus 6839 × 10000 / 110000 = 621.7 → 622, principal 6217.
    # Points on 6839 - 622 = 6217 → 62. Principal after 100000 - 6217 = 93783, bonus 9378.
    decision = sale([SaleLine(1, LATTE, 2), SaleLine(2, CAKE, 1)], [card_pay(6839)], member())
    receipt = decision.receipt
    assert (receipt.op_id, receipt.at, receipt.store_name, receipt.cashier) == (
        "T01-100", AT, "旗舰店", "小王")
    assert (receipt.card_no_masked, receipt.member_name) == ("88****01", "张三")
    assert [(line.name, line.qty, line.unit_price, line.amount) for line in receipt.lines] == [
        ("拿铁咖啡", 2, 2800, 5040), ("蛋糕", 1, 1999, 1799)]
    assert receipt.totals == (ReceiptRow("receipt.subtotal", 7599),
                              ReceiptRow("receipt.discount", -760),
                              ReceiptRow("receipt.amount_due", 6839))
    assert receipt.tenders == (ReceiptRow("tender.stored_value", 6839),)
    assert receipt.balances == (
        ReceiptRow("receipt.principal", 93783),
        ReceiptRow("receipt.bonus", 9378),
        ReceiptRow("receipt.points", value="62"),
        ReceiptRow("receipt.points_earned", value="62"),
    )
    assert receipt.footer_keys == ("receipt.thanks",)

    (event,) = decision.events
    assert (event.type, event.op_id, event.at) == ("sale.completed", "T01-100", AT)
    payload = event.payload
    assert {key: payload[key] for key in ("card_no", "actor_card_no", "gross", "amount_due",
                                          "count_value", "change")} == {
        "card_no": "88000001", "actor_card_no": "", "gross": 7599, "amount_due": 6839,
        "count_value": 0, "change": 0}
    assert payload["tenders"] == [{"kind": "stored_value", "amount": 6839, "reference": ""}]
    assert payload["store_id"] == "S01"
    assert payload["points_earned"] == 62
    assert [(e["account"], e["delta"], e["kind"], e["line_no"]) for e in payload["entries"]] == [
        (e.account.value, e.delta, e.kind.value, e.line_no) for e in decision.entries]
    # Principal 6217 over the card parts 5040 : 1799 → 4581.6 / 1635.4 → 4582 + 1635.
    first = payload["entries"][0]
    assert first == {
        "op_id": "T01-100", "card_no": "88000001", "account": "principal", "delta": -4582,
        "kind": "spend", "at": "2026-11-23T10:00:00", "lot": "", "service": "",
        "valid_from": None, "valid_until": None, "actor_card_no": "", "reverses_op": "",
        "line_no": 1, "note": "",
    }
    assert sum(e["delta"] for e in payload["entries"] if e["account"] == "principal") == -6217
    assert all(isinstance(e["delta"], int) for e in payload["entries"])
