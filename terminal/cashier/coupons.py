"""Whether a coupon is still there to use: the one rule behind the sale's coupon and the coupons
the member panel lists.

A coupon is used once. It is used when its code is in HQ's `coupons_used` document (the codes
used anywhere in the fleet, as far as HQ has received the sales) or in a sale committed on this
terminal (which HQ may not have yet). The core is handed the coupon with `used` set, so it
refuses it with `coupon.used` at the quote and again at the commit. A refund or a void does not
give the coupon back: the refund returns what was actually paid, and the sale keeps its
`coupon_used` (docs/domain.md, "Refunds and voids").

Known limit: two terminals that cannot reach HQ may each accept the same coupon once, until
HQ's next `coupons_used` document reaches them; HQ sees both sales.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from membership.config_documents import COUPONS_USED, StoreConfiguration
from membership.coupons import Coupon
from membership.errors import CouponError
from terminal.cashier.context import CashierContext
from terminal.cashier.store_ports import AppliedDocuments, CouponRecords


def coupon_for(ctx: CashierContext, config: StoreConfiguration, code: str) -> Coupon | None:
    """The configured coupon of this code for a sale, marked used if it was; None for no code."""
    code = code.strip()
    if not code:
        return None
    coupon = config.coupons.get(code)
    if coupon is None:
        raise CouponError("coupon.unknown", code=code)
    if used_codes(ctx.store, (code,)):
        return replace(coupon, used=True)
    return coupon


def member_coupons(
    ctx: CashierContext, config: StoreConfiguration, codes: Iterable[str], member_id: str
) -> tuple[str, ...]:
    """The codes of the member's coupons (as HQ last listed them) that the panel shows, each a
    button the cashier may tap: those the configuration in force defines, valid now, usable in
    this store, not another member's, not used."""
    now = ctx.clock()
    held = [config.coupons[code] for code in dict.fromkeys(codes) if code in config.coupons]
    held = [coupon for coupon in held if coupon.valid_from <= now <= coupon.valid_until
            and coupon.member_id in ("", member_id)
            and (not coupon.stores or ctx.store_id in coupon.stores)]
    used = used_codes(ctx.store, (coupon.code for coupon in held))
    return tuple(coupon.code for coupon in held if coupon.code not in used)


def used_codes(store: CouponRecords, codes: Iterable[str]) -> frozenset[str]:
    """Those of the codes that were used: in HQ's document, or in a sale on this terminal."""
    wanted = frozenset(codes)
    if not wanted:
        return frozenset()
    in_fleet = wanted & _used_in_fleet(store)
    return in_fleet | store.coupons_used_here(wanted - in_fleet)


def _used_in_fleet(store: AppliedDocuments) -> frozenset[str]:
    document = store.effective_config(COUPONS_USED)
    codes = (document.body or {}).get("codes", []) if document else []
    if not isinstance(codes, list):
        return frozenset()  # a malformed body refuses nothing rather than everything
    return frozenset(code for code in codes if isinstance(code, str))
