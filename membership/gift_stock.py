"""Gift stock (积分礼品库存) as a real quantity across the fleet.

A gift's `stock` in the `points_rules` document is how many the chain had when it was
published; every `gift.redeemed` HQ stores takes its `qty` off. HQ is the authority: an online
terminal asks HQ to hold the units (an `auth/req` of kind "gift", the gift's code as service,
the units as amount; hq.authority), HQ answers from the stock left less what other holds
reserve, and publishes what is left as the `gift_stock` document. A terminal that cannot reach
HQ redeems only within what the document last said, less its own unsynced redemptions of that
gift, and within its offline allowance (`per_terminal_gifts` of the `offline_limits` document):
so an offline terminal can hand out at most that many units HQ has not heard of.

Document body: {"left": {"UMBRELLA": 7, "MUG": 0}} (gifts with a stock; a gift not listed has
its stock as published, or none: unlimited).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from membership.offline_limits import DebitDecision
from membership.points import Gift

GIFT_STOCK = "gift_stock"  # the document HQ publishes
GIFT = "gift"  # an authorisation's kind: units of one gift, its code as the service
OUT_OF_STOCK = "gift.out_of_stock"
OFFLINE_GIFT_LIMIT = "gift.offline_limit"
GIFT_EVENT = "gift.redeemed"


def stock_left(gifts: Iterable[Gift], redeemed: Mapping[str, int]) -> dict[str, int]:
    """What is left of every gift with a stock: its stock less the units redeemed (never
    below 0: offline terminals may have handed out more than HQ knew was left)."""
    return {gift.code: max(gift.stock - redeemed.get(gift.code, 0), 0)
            for gift in gifts if gift.stock is not None}


def redeemed_units(payloads: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Units per gift code in `gift.redeemed` payloads; a malformed one counts for nothing
    (HQ quarantines it before it is stored)."""
    units: dict[str, int] = {}
    for payload in payloads:
        code, qty = payload.get("gift"), payload.get("qty")
        if isinstance(code, str) and isinstance(qty, int) and not isinstance(qty, bool) and qty > 0:
            units[code] = units.get(code, 0) + qty
    return units


def encode_gift_stock(left: Mapping[str, int]) -> dict[str, Any]:
    return {"left": dict(sorted(left.items()))}


def decode_gift_stock(body: Mapping[str, Any] | None) -> dict[str, int]:
    """A malformed entry is left out: that gift then falls back to its published stock, which
    the offline allowance still bounds."""
    table = (body or {}).get("left")
    if not isinstance(table, Mapping):
        return {}
    return {code: value for code, value in table.items()
            if isinstance(code, str) and isinstance(value, int)
            and not isinstance(value, bool) and value >= 0}


def known_left(gift: Gift, published_left: Mapping[str, int]) -> int | None:
    """What this terminal last knew is left of the gift (None: unlimited)."""
    if gift.stock is None:
        return None
    return published_left.get(gift.code, gift.stock)


def decide_offline_gift(qty: int, left: int | None, unsynced_of_gift: int,
                        unsynced_all_gifts: int, allowance: int) -> DebitDecision:
    """Offline: `qty` units fit what was last known left less this terminal's unsynced
    redemptions of the gift, and the terminal's allowance less all its unsynced gift units.
    Refused as out of stock when the stock is what stops it, else as over the allowance."""
    in_stock = None if left is None else left - unsynced_of_gift
    in_allowance = allowance - unsynced_all_gifts
    if in_stock is not None and qty > in_stock:
        return DebitDecision(False, False, OUT_OF_STOCK, max(in_stock, 0))
    if qty > in_allowance:
        return DebitDecision(False, False, OFFLINE_GIFT_LIMIT, max(in_allowance, 0))
    after = in_allowance - qty if in_stock is None else min(in_stock, in_allowance) - qty
    return DebitDecision(True, False, "", after)
