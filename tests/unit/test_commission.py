import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from membership.commission import (
    CommissionBase,
    CommissionBasis,
    CommissionLine,
    CommissionRule,
    card_open_commission,
    reverse_commissions,
    sale_commissions,
    topup_commission,
)
from membership.errors import ConfigError, InvalidInput, RefundError

SALE, COUNT_USE = CommissionBasis.SALE, CommissionBasis.COUNT_USE
CARD_OPEN, TOPUP = CommissionBasis.CARD_OPEN, CommissionBasis.TOPUP
RULES = (
    CommissionRule("ALL2", SALE, rate_bp=200),  # 2 % of anything sold
    CommissionRule("HAIR10", SALE, category="hair", rate_bp=1_000),  # 10 % of hair services
    CommissionRule("DYE15", SALE, product_code="DYE01", fixed_per_unit=1_500),  # ¥15 per dye
    CommissionRule("USE5", COUNT_USE, fixed_per_unit=500),  # ¥5 per count-card use
    CommissionRule("MASSAGE10", COUNT_USE, product_code="MASSAGE", fixed_per_unit=1_000),
    CommissionRule("OPEN20", CARD_OPEN, fixed_per_unit=2_000),  # ¥20 per card opened
    CommissionRule("OPENVIP", CARD_OPEN, card_type="VIP", fixed_per_unit=5_000, rate_bp=1_000),
    CommissionRule("TOP3", TOPUP, rate_bp=300),  # 3 % of the principal topped up
    CommissionRule("TOPVIP", TOPUP, card_type="VIP", rate_bp=500),
)


def base(line_no, product, category, qty, net, staff="E01", via_count=False):
    return CommissionBase(line_no, product, category, qty, net, staff, via_count)


# --- sales -----------------------------------------------------------------------------------


def test_percentage_of_the_net_amount():
    # 2 × shampoo for ¥59.90 net: 2 % = 119.8 fen → ¥1.20
    (line,) = sale_commissions([base(1, "SHAMPOO", "retail", 2, 5_990)], RULES)
    assert line == CommissionLine("E01", SALE, 120, "ALL2", line_no=1, source_amount=5_990)


def test_percentage_rounds_half_up():
    # ¥10.25 × 2 % = 20.5 fen → 21
    (line,) = sale_commissions([base(1, "SOAP", "retail", 1, 1_025)], RULES)
    assert line.amount == 21


def test_category_rule_wins_over_catch_all():
    # haircut ¥88.00 × 10 % = ¥8.80
    (line,) = sale_commissions([base(1, "CUT01", "hair", 1, 8_800)], RULES)
    assert (line.amount, line.rule_code) == (880, "HAIR10")


def test_product_rule_wins_over_category_rule():
    # 2 dyes: ¥15.00 each = ¥30.00, whatever the price (not 10 % of ¥398.00)
    (line,) = sale_commissions([base(1, "DYE01", "hair", 2, 39_800)], RULES)
    assert (line.amount, line.rule_code) == (3_000, "DYE15")


def test_fixed_and_percentage_add_up_in_one_rule():
    rules = (CommissionRule("MIX", SALE, fixed_per_unit=100, rate_bp=500),)
    # 3 units → ¥3.00 + 5 % of ¥40.00 = ¥2.00 → ¥5.00
    (line,) = sale_commissions([base(1, "X", "retail", 3, 4_000)], rules)
    assert line.amount == 500


def test_count_card_use_pays_count_use_rules():
    lines = sale_commissions(
        [
            base(1, "MASSAGE", "spa", 1, 0, via_count=True),  # ¥10 for a massage
            base(2, "FACIAL", "spa", 2, 0, via_count=True),  # 2 × ¥5
        ],
        RULES,
    )
    assert [(line.line_no, line.basis, line.amount, line.rule_code) for line in lines] == [
        (1, COUNT_USE, 1_000, "MASSAGE10"),
        (2, COUNT_USE, 1_000, "USE5"),
    ]


def test_a_sale_rule_does_not_pay_for_a_count_use_and_back():
    sale_only = (CommissionRule("ALL2", SALE, rate_bp=200),)
    assert sale_commissions([base(1, "X", "spa", 1, 5_000, via_count=True)], sale_only) == []
    use_only = (CommissionRule("USE5", COUNT_USE, fixed_per_unit=500),)
    assert sale_commissions([base(1, "X", "spa", 1, 5_000)], use_only) == []


def test_lines_without_staff_or_rule_or_amount_earn_nothing():
    rules = (CommissionRule("HAIR10", SALE, category="hair", rate_bp=1_000),)
    bases = [
        base(1, "CUT01", "hair", 1, 8_800, staff=""),  # nobody served
        base(2, "SOAP", "retail", 1, 500),  # no rule for retail
        base(3, "CUT01", "hair", 1, 4),  # 10 % of 4 fen = 0.4 → 0
        base(4, "CUT01", "hair", 1, 8_800, staff="E02"),
    ]
    lines = sale_commissions(bases, rules)
    assert [(line.line_no, line.staff_id, line.amount) for line in lines] == [(4, "E02", 880)]


def test_two_equally_specific_rules_are_a_configuration_error():
    rules = (
        CommissionRule("HAIR10", SALE, category="hair", rate_bp=1_000),
        CommissionRule("HAIR12", SALE, category="hair", rate_bp=1_200),
    )
    with pytest.raises(ConfigError) as caught:
        sale_commissions([base(1, "CUT01", "hair", 1, 8_800)], rules)
    assert caught.value.key == "config.commission_rule_ambiguous"


@pytest.mark.parametrize(
    "rule_args",
    [
        {"code": "", "basis": SALE},
        {"code": "X", "basis": SALE, "fixed_per_unit": -1},
        {"code": "X", "basis": SALE, "rate_bp": -1},
        {"code": "X", "basis": SALE, "product_code": "P", "category": "c"},
        {"code": "X", "basis": SALE, "card_type": "VIP"},
        {"code": "X", "basis": TOPUP, "category": "hair"},
    ],
)
def test_inconsistent_rules_are_rejected(rule_args):
    with pytest.raises(ConfigError) as caught:
        CommissionRule(**rule_args)
    assert caught.value.key == "config.commission_rule_invalid"


@pytest.mark.parametrize(("qty", "net"), [(0, 100), (-1, 100), (1, -1)])
def test_invalid_bases_are_rejected(qty, net):
    with pytest.raises(InvalidInput) as caught:
        base(1, "X", "retail", qty, net)
    assert caught.value.key == "commission.base_invalid"


# --- card opening and top-up -----------------------------------------------------------------


def test_card_open_commission():
    # VIP card, fee ¥100.00 paid: ¥50.00 fixed + 10 % = ¥60.00
    assert card_open_commission("VIP", "E01", 10_000, RULES) == CommissionLine(
        "E01", CARD_OPEN, 6_000, "OPENVIP", source_amount=10_000
    )
    # Any other card type: ¥20.00, even without a fee
    line = card_open_commission("STD", "E01", 0, RULES)
    assert line is not None
    assert (line.amount, line.rule_code) == (2_000, "OPEN20")


def test_card_open_without_staff_or_rule_pays_nothing():
    assert card_open_commission("VIP", "", 10_000, RULES) is None
    assert card_open_commission("VIP", "E01", 10_000, (RULES[0],)) is None
    with pytest.raises(InvalidInput) as caught:
        card_open_commission("VIP", "E01", -1, RULES)
    assert caught.value.key == "commission.amount_invalid"


def test_topup_commission_is_on_the_principal_paid():
    # Pay ¥1,000.00, get ¥200.00 bonus: 3 % of ¥1,000.00 = ¥30.00 (the bonus earns nothing)
    line = topup_commission(100_000, "E01", RULES)
    assert line == CommissionLine("E01", TOPUP, 3_000, "TOP3", source_amount=100_000)


def test_topup_commission_for_a_card_type():
    # VIP: 5 % of ¥1,000.00 = ¥50.00
    line = topup_commission(100_000, "E01", RULES, card_type_code="VIP")
    assert line is not None
    assert (line.amount, line.rule_code) == (5_000, "TOPVIP")


def test_topup_commission_edge_cases():
    assert topup_commission(100_000, "", RULES) is None
    assert topup_commission(100_000, "E01", RULES[:5]) is None
    with pytest.raises(InvalidInput) as caught:
        topup_commission(0, "E01", RULES)
    assert caught.value.key == "commission.amount_invalid"


# --- reversal on refund ----------------------------------------------------------------------

HAIR_LINE = CommissionLine("E01", SALE, 1_000, "HAIR10", line_no=1, source_amount=10_000)
OPEN_LINE = CommissionLine("E01", CARD_OPEN, 2_000, "OPEN20")


def test_refunding_a_line_of_three_one_by_one_reverses_exactly():
    # ¥10.00 commission on 3 units: -3.33, -3.34, -3.33
    amounts = []
    for done in range(3):
        (reversal,) = reverse_commissions([HAIR_LINE], {1: done}, {1: 1}, {1: 3})
        amounts.append(reversal.amount)
        assert (reversal.staff_id, reversal.rule_code, reversal.line_no) == ("E01", "HAIR10", 1)
    assert amounts == [-333, -334, -333]


def test_full_refund_reverses_the_whole_line_and_its_source():
    (reversal,) = reverse_commissions([HAIR_LINE, OPEN_LINE], {}, {1: 3}, {1: 3})
    assert (reversal.amount, reversal.source_amount) == (-1_000, -10_000)


def test_lines_not_refunded_now_are_untouched():
    other = CommissionLine("E02", SALE, 500, "ALL2", line_no=2, source_amount=25_000)
    reversals = reverse_commissions([HAIR_LINE, other], {}, {2: 1}, {1: 3, 2: 2})
    assert [(line.staff_id, line.amount) for line in reversals] == [("E02", -250)]


def test_refunding_more_than_was_sold_is_rejected():
    with pytest.raises(RefundError) as caught:
        reverse_commissions([HAIR_LINE], {1: 2}, {1: 2}, {1: 3})
    assert caught.value.key == "refund.qty_invalid"
    with pytest.raises(RefundError) as caught:
        reverse_commissions([HAIR_LINE], {}, {1: -1}, {1: 3})
    assert caught.value.key == "refund.qty_invalid"


def test_refunding_an_unknown_line_is_rejected():
    with pytest.raises(RefundError) as caught:
        reverse_commissions([HAIR_LINE], {}, {7: 1}, {1: 3})
    assert caught.value.key == "refund.line_unknown"


@st.composite
def refund_steps(draw):
    qty = draw(st.integers(1, 50))
    steps = []
    left = qty
    while left:
        step = draw(st.integers(1, left))
        steps.append(step)
        left -= step
    return qty, steps


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10_000_000), st.integers(0, 10_000_000), refund_steps())
def test_partial_reversals_in_any_steps_sum_to_minus_the_original(amount, source, qty_steps):
    qty, steps = qty_steps
    line = CommissionLine("E01", SALE, amount, "R", line_no=4, source_amount=source)
    reversed_amount = reversed_source = done = 0
    for step in steps:
        reversals = reverse_commissions([line], {4: done}, {4: step}, {4: qty})
        reversed_amount += sum(reversal.amount for reversal in reversals)
        reversed_source += sum(reversal.source_amount for reversal in reversals)
        assert all(reversal.amount <= 0 for reversal in reversals)
        done += step
    assert reversed_amount == -amount
    assert reversed_source == -source
