"""Staff commission (员工提成) on sales, count-card uses, card opening and top-ups.

A rule pays a fixed amount per unit (按件提成), a percentage (按比例提成) of the net amount, or
both added together. For each sale line the most specific rule wins: product, then category,
then the catch-all rule (both empty). Percentages round half-up to the fen (money.apply_rate).
Top-up commission is on the principal paid, never on the bonus given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from membership.errors import ConfigError, InvalidInput, RefundError
from membership.money import Fen, apply_rate, cumulative_share


class CommissionBasis(StrEnum):
    SALE = "sale"  # 销售提成
    COUNT_USE = "count_use"  # 计次消费提成 (service done against a count card)
    CARD_OPEN = "card_open"  # 开卡提成
    TOPUP = "topup"  # 充值提成


_LINE_BASES = frozenset({CommissionBasis.SALE, CommissionBasis.COUNT_USE})


@dataclass(frozen=True)
class CommissionRule:
    code: str
    basis: CommissionBasis
    product_code: str = ""  # SALE / COUNT_USE only
    category: str = ""  # SALE / COUNT_USE only
    card_type: str = ""  # CARD_OPEN / TOPUP only; "" = any card type
    fixed_per_unit: Fen = 0
    rate_bp: int = 0

    def __post_init__(self) -> None:
        if not self.code or self.fixed_per_unit < 0 or self.rate_bp < 0:
            raise ConfigError("config.commission_rule_invalid", code=self.code)
        if self.product_code and self.category:
            raise ConfigError("config.commission_rule_invalid", code=self.code)
        scoped_to_line = bool(self.product_code or self.category)
        if (scoped_to_line and self.basis not in _LINE_BASES) or (
            self.card_type and self.basis in _LINE_BASES
        ):
            raise ConfigError("config.commission_rule_invalid", code=self.code)

    @property
    def specificity(self) -> int:
        """2 for a product or card-type rule, 1 for a category rule, 0 for the catch-all."""
        if self.product_code or self.card_type:
            return 2
        return 1 if self.category else 0

    def amount_for(self, units: int, amount: Fen) -> Fen:
        return self.fixed_per_unit * units + apply_rate(amount, self.rate_bp)


@dataclass(frozen=True)
class CommissionBase:
    """One sale line as commission sees it; `net` is what the member paid for it after discounts."""

    line_no: int
    product_code: str
    category: str
    qty: int
    net: Fen
    staff_id: str
    via_count: bool = False

    def __post_init__(self) -> None:
        if self.qty <= 0 or self.net < 0:
            raise InvalidInput(
                "commission.base_invalid", line_no=self.line_no, qty=self.qty, net=self.net
            )


@dataclass(frozen=True)
class CommissionLine:
    staff_id: str
    basis: CommissionBasis
    amount: Fen
    rule_code: str
    line_no: int | None = None
    source_amount: Fen = 0  # the amount the percentage was taken on


def _pick(candidates: Iterable[CommissionRule]) -> CommissionRule | None:
    """The most specific candidate; two equally specific candidates are a configuration error."""
    ranked = sorted(candidates, key=lambda rule: rule.specificity, reverse=True)
    if len(ranked) > 1 and ranked[0].specificity == ranked[1].specificity:
        raise ConfigError(
            "config.commission_rule_ambiguous", code=ranked[0].code, other=ranked[1].code
        )
    return ranked[0] if ranked else None


def _rule_for_line(base: CommissionBase, rules: Sequence[CommissionRule]) -> CommissionRule | None:
    basis = CommissionBasis.COUNT_USE if base.via_count else CommissionBasis.SALE
    return _pick(
        rule
        for rule in rules
        if rule.basis is basis
        and rule.product_code in ("", base.product_code)
        and rule.category in ("", base.category)
    )


def sale_commissions(
    bases: Iterable[CommissionBase], rules: Sequence[CommissionRule]
) -> list[CommissionLine]:
    """One commission line per sale line that has a staff member, a rule and a non-zero amount."""
    lines = []
    for base in bases:
        if not base.staff_id:
            continue
        rule = _rule_for_line(base, rules)
        if rule is None:
            continue
        amount = rule.amount_for(base.qty, base.net)
        if amount:
            lines.append(
                CommissionLine(
                    staff_id=base.staff_id,
                    basis=rule.basis,
                    amount=amount,
                    rule_code=rule.code,
                    line_no=base.line_no,
                    source_amount=base.net,
                )
            )
    return lines


def _card_commission(
    basis: CommissionBasis,
    card_type_code: str,
    staff_id: str,
    paid: Fen,
    rules: Sequence[CommissionRule],
) -> CommissionLine | None:
    if not staff_id:
        return None
    rule = _pick(
        rule for rule in rules if rule.basis is basis and rule.card_type in ("", card_type_code)
    )
    if rule is None:
        return None
    amount = rule.amount_for(1, paid)
    if not amount:
        return None
    return CommissionLine(staff_id, basis, amount, rule.code, source_amount=paid)


def card_open_commission(
    card_type_code: str, staff_id: str, fee_paid: Fen, rules: Sequence[CommissionRule]
) -> CommissionLine | None:
    """Commission for opening a card: fixed per card plus a percentage of the fee paid."""
    if fee_paid < 0:
        raise InvalidInput("commission.amount_invalid", amount=fee_paid)
    return _card_commission(CommissionBasis.CARD_OPEN, card_type_code, staff_id, fee_paid, rules)


def topup_commission(
    paid: Fen, staff_id: str, rules: Sequence[CommissionRule], card_type_code: str = ""
) -> CommissionLine | None:
    """Commission on a top-up: on the principal `paid` only, never on the bonus."""
    if paid <= 0:
        raise InvalidInput("commission.amount_invalid", amount=paid)
    return _card_commission(CommissionBasis.TOPUP, card_type_code, staff_id, paid, rules)


def reverse_commissions(
    lines: Sequence[CommissionLine],
    refunded_before: Mapping[int, int],
    refunding: Mapping[int, int],
    qty_by_line: Mapping[int, int],
) -> list[CommissionLine]:
    """Negative commission lines for units refunded now, in proportion to the units.

    `refunded_before[line]` units were refunded earlier, `refunding[line]` units are refunded
    now, out of `qty_by_line[line]` sold. Refunding every unit, in any number of steps, reverses
    exactly the original amount. Lines without a line number (card open, top-up) are untouched.
    """
    _check_refund_quantities(refunded_before, refunding, qty_by_line)
    reversals = []
    for line in lines:
        if line.line_no is None or not refunding.get(line.line_no):
            continue
        done = refunded_before.get(line.line_no, 0)
        now, whole = refunding[line.line_no], qty_by_line[line.line_no]
        amount = cumulative_share(line.amount, done, now, whole)
        source = cumulative_share(line.source_amount, done, now, whole)
        if amount or source:
            reversals.append(
                CommissionLine(
                    staff_id=line.staff_id,
                    basis=line.basis,
                    amount=-amount,
                    rule_code=line.rule_code,
                    line_no=line.line_no,
                    source_amount=-source,
                )
            )
    return reversals


def _check_refund_quantities(
    refunded_before: Mapping[int, int],
    refunding: Mapping[int, int],
    qty_by_line: Mapping[int, int],
) -> None:
    for line_no, now in refunding.items():
        whole = qty_by_line.get(line_no)
        done = refunded_before.get(line_no, 0)
        if whole is None or whole <= 0:
            raise RefundError("refund.line_unknown", line_no=line_no)
        if now < 0 or done < 0 or done + now > whole:
            raise RefundError(
                "refund.qty_invalid", line_no=line_no, sold=whole, refunded=done, refunding=now
            )
