"""HQ's re-decision of a sale (membership.sale_redecision) on the demo store's configuration:
a sale decided by the terminal's core agrees with HQ's decision of its inputs, and each way a
terminal's entries can differ is named."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from membership.cards import Card, DrawOrder
from membership.catalogue import SaleLine
from membership.config_documents import StoreConfiguration
from membership.events import entry_from_dict
from membership.ledger import Account, CardBalances, EntryKind, LedgerEntry, Lot
from membership.sale import (
    MemberContext,
    SaleDecision,
    SaleRequest,
    StoreContext,
    decide_sale,
    quote,
)
from membership.sale_inputs import decode_inputs, encode_inputs
from membership.sale_redecision import (
    CardAtHq,
    SaleSeen,
    entries_mismatch,
    no_better_level,
    sale_mismatch,
)
from membership.tenders import Tender, TenderKind
from terminal.demo.documents import demo_documents

AT = datetime(2026, 11, 23, 15, 0)
VERSIONS = {name: ("all", 1) for name in demo_documents()}
CONFIGURATION = StoreConfiguration.from_documents(demo_documents(), VERSIONS)
STORE = StoreContext("SH001", "SH001-T1")
CARD = Card("8800000000000001", "M1", "GOLD", level="SILVER")
BALANCES = CardBalances(principal=100000, bonus=10000, points_lots=(
    Lot("P2026", "", None, None, 5000, AT),), count_lots=(
    Lot("PKG1", "FACIAL", None, None, 3, AT),))


def member(level: str = "SILVER", balances: CardBalances = BALANCES) -> MemberContext:
    policy = CONFIGURATION.levels
    assert policy is not None
    return MemberContext(replace(CARD, level=level), CONFIGURATION.card_types["GOLD"], balances,
                         level=next(item for item in policy.levels if item.code == level))


def decided(lines, tenders, the_member: MemberContext | None = None, coupon: str = "",
            points_requested: int = 0) -> SaleDecision:
    request = SaleRequest("SH001-T1-000007", AT, tuple(lines), tuple(tenders),
                          CONFIGURATION.coupons.get(coupon), points_requested)
    return decide_sale(request, STORE, CONFIGURATION.sale_rules(), the_member)


def redecided(decision: SaleDecision, hq_levels=("SILVER",), entries=None, card=CARD,
              configuration=CONFIGURATION, **payload_changes) -> str:
    payload = {**decision.events[0].payload, **payload_changes}
    sent = tuple(entries if entries is not None else (
        entry_from_dict(raw) for raw in payload["entries"]))
    sale = SaleSeen(decision.op_id, AT, "SH001", "SH001-T1", payload["card_no"],
                    payload["amount_due"], sent, payload["coupon_used"])
    known = CardAtHq(card, tuple(hq_levels)) if payload["card_no"] else None
    return sale_mismatch(sale, decode_inputs(payload["inputs"]), configuration, known)


def due(lines, the_member: MemberContext | None) -> int:
    request = SaleRequest("", AT, tuple(lines))
    return quote(request, STORE, CONFIGURATION.sale_rules(), the_member).amount_due


def line(n: int, code: str, qty: int = 1, **kwargs) -> SaleLine:
    return SaleLine(n, CONFIGURATION.products[code], qty, **kwargs)


def test_the_event_carries_the_inputs_and_the_versions_priced_with():
    decision = decided([line(1, "LATTE", 2, staff_id="S01")], [Tender(TenderKind.CASH, 10000)])
    inputs = decision.events[0].payload["inputs"]
    assert inputs["lines"] == [{"line_no": 1, "product_code": "LATTE", "qty": 2,
                                "unit_price": 2800, "use_count": False, "staff_id": "S01"}]
    assert inputs["tenders"] == [{"kind": "cash", "amount": 10000, "reference": ""}]
    assert inputs["config"]["catalogue"] == {"scope": "all", "version": 1}
    assert set(inputs["config"]) == set(demo_documents())
    assert decode_inputs(inputs).config["levels"] == ("all", 1)


def test_a_guest_sale_and_a_member_sale_agree_with_hq():
    guest = decided([line(1, "LATTE"), line(2, "CAKE")], [Tender(TenderKind.CASH, 10000)])
    assert redecided(guest) == ""
    paid = decided([line(1, "LATTE"), line(2, "CAKE", 2), line(3, "FACIAL", use_count=True)],
                   [Tender(TenderKind.STORED_VALUE, 5000), Tender(TenderKind.CASH, 10000)],
                   member(), coupon="WELCOME10", points_requested=1200)
    assert paid.points_earned > 0 and paid.priced.points_used > 0
    assert redecided(paid) == ""


def test_lines_served_by_several_staff_agree_with_hq_and_keep_their_staff():
    """The sale screen names who served each line (commission); HQ decides with the same ids."""
    served = decided([line(1, "FACIAL", staff_id="M01"), line(2, "LATTE", staff_id="S01")],
                     [Tender(TenderKind.CASH, 30000)], member())
    assert [(c.staff_id, c.line_no) for c in served.commissions] == [("M01", 1)]
    assert [item.staff_id for item in decode_inputs(
        served.events[0].payload["inputs"]).lines] == ["M01", "S01"]
    assert redecided(served) == ""


def test_a_coupon_marked_used_is_the_one_the_sale_applied():
    with_coupon = decided([line(1, "LATTE"), line(2, "CAKE", 2)],
                          [Tender(TenderKind.CASH, 10000)], member(), coupon="WELCOME10")
    assert with_coupon.coupon_used == "WELCOME10"
    assert redecided(with_coupon) == ""
    # The discount taken while the coupon stays unused for the next sale.
    assert redecided(with_coupon, coupon_used="") == "coupon_used"
    # Another coupon of the member's blocked by a sale that never applied it.
    plain = decided([line(1, "LATTE")], [Tender(TenderKind.CASH, 10000)], member())
    assert redecided(plain, coupon_used="WELCOME10") == "coupon_used"
    assert redecided(plain) == ""


def test_an_offline_terminal_with_a_stale_lower_level_is_not_a_liar():
    # HQ has the card at GOLD; the terminal had not heard of the upgrade and priced at SILVER.
    stale = decided([line(1, "CAKE", 3)], [Tender(TenderKind.STORED_VALUE, 7000),
                                            Tender(TenderKind.CASH, 10000)], member("SILVER"))
    assert redecided(stale, hq_levels=("GOLD",)) == ""
    # ... but a terminal pricing a SILVER card at GOLD gives what the card never had.
    better = decided([line(1, "CAKE", 3)], [Tender(TenderKind.CASH, 10000)], member("GOLD"))
    assert redecided(better, hq_levels=("SILVER",)) == "level"


def test_the_terminals_principal_and_bonus_split_is_taken_when_it_draws_the_same_total():
    # The terminal's balance was stale (more bonus than HQ knows): its split stands, and the
    # points follow its bonus share (bonus money earns none).
    stale = member(balances=replace(BALANCES, principal=1000, bonus=9000))
    lines = [line(1, "LATTE", 2)]
    decision = decided(lines, [Tender(TenderKind.STORED_VALUE, due(lines, stale))], stale)
    assert decision.points_earned < due(lines, stale) // 100
    assert redecided(decision) == ""


def test_inflated_points_earned_are_a_mismatch():
    decision = decided([line(1, "LATTE", 2)], [Tender(TenderKind.CASH, 5600)], member())
    entries = [entry_from_dict(raw) for raw in decision.events[0].payload["entries"]]
    inflated = [replace(entry, delta=entry.delta * 10) if entry.account is Account.POINTS
                else entry for entry in entries]
    assert redecided(decision, entries=inflated) == "points_earned"


def test_a_draw_beyond_the_tender_a_lower_price_and_an_unknown_product_are_named():
    decision = decided([line(1, "LATTE")], [Tender(TenderKind.STORED_VALUE, 2660)], member())
    entries = [entry_from_dict(raw) for raw in decision.events[0].payload["entries"]]
    doubled = [replace(entry, delta=entry.delta * 2) if entry.kind is EntryKind.SPEND
               else entry for entry in entries]
    assert redecided(decision, entries=doubled) == "stored_value"
    inputs = decision.events[0].payload["inputs"]
    cheaper = {**inputs, "lines": [{**inputs["lines"][0], "unit_price": 100}]}
    assert redecided(decision, inputs=cheaper) == "unit_price"
    unknown = {**inputs, "lines": [{**inputs["lines"][0], "product_code": "GOLDBAR"}]}
    assert redecided(decision, inputs=unknown) == "product"
    assert redecided(decision, amount_due=1) == "amount_due"


def test_points_redeemed_without_a_rule_are_refused_by_hqs_core():
    decision = decided([line(1, "LATTE", 2)], [Tender(TenderKind.CASH, 4000)], member(),
                       points_requested=1600)
    without_rule = replace(CONFIGURATION, points_offset=None)
    assert redecided(decision, configuration=without_rule) == "refused:points.not_accepted"


def test_a_sale_on_a_card_hq_does_not_know_is_named():
    decision = decided([line(1, "LATTE")], [Tender(TenderKind.CASH, 2800)], member())
    assert redecided(decision, card=replace(CARD, type_code="PLATINUM")) == "card_type"


def test_entry_totals_ignore_lots_and_lines_but_not_services():
    at = AT
    one = LedgerEntry("op", "C", Account.COUNT, -2, EntryKind.USE, at, lot="A", service="X")
    split = [replace(one, delta=-1, lot="A"), replace(one, delta=-1, lot="B", line_no=2)]
    assert entries_mismatch([one], split) == ""
    assert entries_mismatch([one], [replace(one, service="Y")]) == "count_uses"


@pytest.mark.parametrize("order", list(DrawOrder))
def test_every_draw_order_gives_back_the_terminals_split(order):
    card_type = replace(CONFIGURATION.card_types["GOLD"], draw_order=order)
    configuration = replace(CONFIGURATION, card_types={"GOLD": card_type})
    the_member = replace(member(), card_type=card_type)
    lines = (line(1, "CAKE", 2),)
    request = SaleRequest("SH001-T1-000008", AT, lines,
                          (Tender(TenderKind.STORED_VALUE, due(lines, the_member)),))
    decision = decide_sale(request, STORE, configuration.sale_rules(), the_member)
    assert redecided(decision, configuration=configuration) == ""


def test_a_level_no_better_is_one_no_cheaper_and_no_more_generous_in_points():
    policy = CONFIGURATION.levels
    assert policy is not None
    normal, silver, gold = policy.levels
    earning = CONFIGURATION.earning
    assert no_better_level(normal, gold, earning) and no_better_level(silver, gold, earning)
    assert not no_better_level(gold, silver, earning)
    # cheaper on one category only is better
    assert not no_better_level(replace(silver, category_discount_bp={"bakery": 5000}), gold,
                               earning)


def test_encode_needs_no_member():
    request = SaleRequest("op", AT, (line(1, "LATTE"),), (Tender(TenderKind.CASH, 2800),))
    assert encode_inputs(request, None, {})["level_code"] == ""
    with pytest.raises(ValueError, match="lines"):
        decode_inputs({"lines": []})
    with pytest.raises(ValueError, match=r"tenders\.kind"):
        decode_inputs({"lines": [{"line_no": 1, "product_code": "A", "qty": 1,
                                  "unit_price": 1}], "tenders": [{"kind": "gold"}]})


def test_a_subsidiary_cards_sale_is_decided_again_on_its_parent():
    parent = member()
    child = Card("8800000000000009", "M2", "GOLD", level="SILVER",
                 parent_card_no=parent.card.card_no, quota=50_000)
    the_member = replace(parent, card=child, parent=parent.card)
    lines = [line(1, "LATTE", 2)]
    decision = decided(lines, [Tender(TenderKind.STORED_VALUE, due(lines, the_member))],
                       the_member)
    assert decision.events[0].payload["actor_card_no"] == child.card_no
    assert redecided(decision, card=replace(CARD, member_id="M2")) == ""


def test_a_card_hq_does_not_have_yet_is_judged_by_the_card_types_it_could_be():
    decision = decided([line(1, "LATTE", 2)], [Tender(TenderKind.STORED_VALUE, 5000),
                                               Tender(TenderKind.CASH, 1000)], member())
    payload = decision.events[0].payload
    entries = tuple(entry_from_dict(raw) for raw in payload["entries"])
    sale = SaleSeen(decision.op_id, AT, "SH001", "SH001-T1", payload["card_no"],
                    payload["amount_due"], entries)
    inputs = decode_inputs(payload["inputs"])
    assert sale_mismatch(sale, inputs, CONFIGURATION, None) == ""
    inflated = tuple(replace(entry, delta=entry.delta * 3) if entry.account is Account.POINTS
                     else entry for entry in entries)
    assert sale_mismatch(replace(sale, entries=inflated), inputs, CONFIGURATION,
                         None) == "points_earned"
