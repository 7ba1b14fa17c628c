"""What counts towards a member level (membership.level_activity, docs/domain.md "Levels"):
money paid in, net of what went back out; points earned, net of clawbacks."""

from __future__ import annotations

from datetime import datetime

from membership.level_activity import event_activities, totals_by_card
from membership.levels import Activity

AT = datetime(2026, 12, 1, 10, 0)
CARD = "8800000000000001"


def _points(delta: int, kind: str = "earn", card: str = CARD) -> dict[str, object]:
    return {"card_no": card, "account": "points", "delta": delta, "kind": kind}


def test_a_top_up_counts_its_principal_not_its_bonus() -> None:
    payload = {"card_no": CARD, "paid": 50000, "bonus": 5000,
               "tenders": [{"kind": "cash", "amount": 50000}]}
    assert event_activities("card.topped_up", AT, payload) == {CARD: Activity(AT, 50000, 0)}


def test_a_sale_counts_money_tenders_less_change_not_stored_value() -> None:
    payload = {"card_no": CARD, "change": 300,
               "tenders": [{"kind": "stored_value", "amount": 15000},
                           {"kind": "cash", "amount": 10000}, {"kind": "wechat", "amount": 700}],
               "entries": [_points(122)]}
    assert event_activities("sale.completed", AT, payload) == {CARD: Activity(AT, 10400, 122)}


def test_a_sale_paid_from_stored_value_counts_only_its_points() -> None:
    payload = {"card_no": CARD, "change": 0,
               "tenders": [{"kind": "stored_value", "amount": 15000}],
               "entries": [_points(150), {"card_no": CARD, "account": "principal",
                                          "delta": -15000, "kind": "spend"}]}
    assert event_activities("sale.completed", AT, payload) == {CARD: Activity(AT, 0, 150)}


def test_refunds_withdrawals_and_cancellations_take_spend_back() -> None:
    refund = {"card_no": CARD, "tender_refunds": [["cash", 2800], ["stored_value", 1000]],
              "entries": [_points(-28, "refund"), _points(10, "refund")]}
    assert event_activities("sale.refunded", AT, refund) == {CARD: Activity(AT, -2800, -18)}
    assert event_activities("card.withdrawn", AT, {"card_no": CARD, "amount": 3000}) == {
        CARD: Activity(AT, -3000, 0)}
    assert event_activities("card.cancelled", AT, {"card_no": CARD, "refund_to_member": 500,
                                                   "fee_kept": 2000}) == {
        CARD: Activity(AT, -500, 0)}


def test_fees_redemptions_and_expiry_count_for_nothing() -> None:
    assert event_activities("card.issued", AT, {"card_no": CARD, "join_fee": 2000, "tenders": [
        {"kind": "cash", "amount": 2000}]}) == {}
    redeemed = {"card_no": CARD, "entries": [_points(-500, "redeem"), _points(-20, "expire")]}
    assert event_activities("gift.redeemed", AT, redeemed) == {}


def test_a_malformed_payload_counts_for_nothing() -> None:
    payload = {"card_no": CARD, "paid": "50000", "tenders": "cash",
               "entries": [{"card_no": CARD, "account": "points", "delta": True, "kind": "earn"},
                           "junk"]}
    assert event_activities("card.topped_up", AT, payload) == {}
    assert event_activities("sale.completed", AT, {"tenders": [{"kind": "cash",
                                                                "amount": -5}]}) == {}


def test_totals_by_card_keeps_each_cards_activities_in_order() -> None:
    later = datetime(2026, 12, 2, 9, 0)
    events = [("card.topped_up", AT, {"card_no": CARD, "paid": 100}),
              ("card.topped_up", later, {"card_no": "OTHER", "paid": 5}),
              ("card.withdrawn", later, {"card_no": CARD, "amount": 40})]
    assert totals_by_card(events) == {CARD: [Activity(AT, 100, 0), Activity(later, -40, 0)],
                                      "OTHER": [Activity(later, 5, 0)]}
