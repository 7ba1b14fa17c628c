"""Money is integer fen (1 yuan = 100 fen). Parsing cashier input, formatting, rounding.

Rates are integer basis points (1 bp = 0.01 %, 10000 bp = 100 %): a 88 % price (8.8 折) is
8800 bp. Every percentage in the core goes through `apply_rate`, which rounds half-up to the fen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from membership.errors import MoneyError

Fen = int
FULL_RATE_BP = 10_000
DEFAULT_MAX_AMOUNT_FEN: Fen = 10_000_000  # ¥100,000.00 in one cashier entry
# The most any one amount or ledger delta may be (¥9,999,999,999.99): far above any real card,
# far below where a sum of many could overflow a 64-bit column (docs/protocol.md, "Bounds").
MAX_FEN: Fen = 10**12 - 1

_AMOUNT_PATTERN = re.compile(r"^(\d+)(?:\.(\d*))?$")
_CURRENCY_MARKS = ("¥", "￥", "RMB", "CNY", "元")


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, in exact integer arithmetic."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder * 2 >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def apply_rate(amount: Fen, rate_bp: int) -> Fen:
    """amount × rate, half-up to the fen. apply_rate(1999, 8800) == 1759 (¥17.59)."""
    if rate_bp < 0:
        raise MoneyError("money.rate_negative", rate_bp=rate_bp)
    return round_half_up(amount * rate_bp, FULL_RATE_BP)


def parse_amount(text: str, max_fen: Fen = DEFAULT_MAX_AMOUNT_FEN) -> Fen:
    """Parse what a cashier typed ("12", "12.3", "12.30", "¥12.30") into fen.

    Raises MoneyError with keys money.empty, money.not_a_number, money.negative,
    money.too_many_decimals or money.too_large.
    """
    cleaned = _strip_currency(text)
    if not cleaned:
        raise MoneyError("money.empty")
    if cleaned.startswith("-"):
        raise MoneyError("money.negative", text=text)
    match = _AMOUNT_PATTERN.match(cleaned)
    if match is None:
        raise MoneyError("money.not_a_number", text=text)
    yuan_digits, fen_digits = match.group(1), match.group(2) or ""
    if len(fen_digits) > 2:
        raise MoneyError("money.too_many_decimals", text=text)
    fen = int(yuan_digits) * 100 + int(fen_digits.ljust(2, "0"))
    if fen > max_fen:
        raise MoneyError("money.too_large", text=text, max_fen=max_fen)
    return fen


def _strip_currency(text: str) -> str:
    cleaned = text.strip().replace(",", "").replace("，", "")
    for mark in _CURRENCY_MARKS:
        cleaned = cleaned.replace(mark, "")
    return cleaned.strip()


def format_fen(fen: Fen) -> str:
    """format_fen(1230) == '¥12.30'; negative amounts as '-¥12.30'."""
    sign = "-" if fen < 0 else ""
    yuan, rest = divmod(abs(fen), 100)
    return f"{sign}¥{yuan}.{rest:02d}"


def allocate(total: Fen, weights: list[int]) -> list[Fen]:
    """Split `total` over `weights` proportionally; parts sum exactly to `total`.

    Largest-remainder method, ties to the earliest weight, so the split is deterministic. Used
    wherever an order-level discount or a tender is spread over sale lines.
    """
    if len(weights) == 1:  # most sales have one line: the whole total is its share
        if weights[0] < 0:
            raise ValueError("weights must not be negative")
        return [total]
    if any(weight < 0 for weight in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if not weights:
        if total:
            raise ValueError("cannot allocate a non-zero total over no weights")
        return []
    if weight_sum == 0:
        weights, weight_sum = [1] * len(weights), len(weights)
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    shares = [magnitude * weight // weight_sum for weight in weights]
    remainders = [magnitude * weight % weight_sum for weight in weights]
    leftover = magnitude - sum(shares)
    order = sorted(range(len(weights)), key=lambda index: (-remainders[index], index))
    for index in order[:leftover]:
        shares[index] += 1
    return [sign * share for share in shares]


def cumulative_share(total: Fen, part_done: int, part_now: int, whole: int) -> Fen:
    """The share of `total` for `part_now` more units after `part_done` of `whole` units.

    Successive partial shares add up exactly to `total` when the parts reach `whole`: a line of 3
    at ¥10.00 refunded one by one gives 333 + 334 + 333 fen, never 999 or 1002.
    """
    if whole <= 0 or part_done < 0 or part_now < 0 or part_done + part_now > whole:
        raise ValueError("parts out of range")
    before = round_half_up(total * part_done, whole)
    after = round_half_up(total * (part_done + part_now), whole)
    return after - before


def unit_shares(totals: Sequence[Fen], part_done: int, part_now: int, whole: int) -> list[Fen]:
    """The shares of each of `totals` (the parts one line was paid in: principal, bonus, cash, …)
    for units part_done … part_done + part_now − 1 of `whole` identical units.

    Each total is cut into `whole` unit parts of total // whole, and its leftover fen go one to a
    unit, continuing from the unit where the previous total's leftover stopped. So every unit's
    parts add up to sum(totals) // whole or one fen more, the same for all when it divides (two
    ¥28.00 units paid from principal and bonus give back ¥28.00 each, never ¥28.01 and ¥27.99),
    and the units' shares of each total add up to that total, whatever the steps.
    """
    if whole <= 0 or part_done < 0 or part_now < 0 or part_done + part_now > whole:
        raise ValueError("parts out of range")
    shares: list[Fen] = []
    first_leftover_unit = 0
    units = range(part_done, part_done + part_now)
    for total in totals:
        per_unit, leftover = divmod(total, whole)
        with_leftover = sum(1 for unit in units if (unit - first_leftover_unit) % whole < leftover)
        shares.append(per_unit * part_now + with_leftover)
        first_leftover_unit = (first_leftover_unit + leftover) % whole
    return shares
