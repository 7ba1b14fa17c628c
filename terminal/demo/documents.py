"""The demo store (terminal/demo/store.py) as the configuration documents HQ would publish for
it (`make run`): document name -> body. Decoding them with
`StoreConfiguration.from_documents` gives back exactly the demo objects (a test checks)."""

from __future__ import annotations

from typing import Any

from membership.config_documents import StoreConfiguration, by_code
from terminal.demo import store as demo


def demo_configuration() -> StoreConfiguration:
    rules = demo.RULES
    return StoreConfiguration(
        products=demo.PRODUCTS,
        card_types=by_code([demo.GOLD_CARD]),
        levels=demo.LEVELS,
        promotions=rules.promotions,
        stacking=rules.stacking,
        coupons=by_code([demo.WELCOME_COUPON]),
        gifts=by_code(demo.GIFTS),
        earning=rules.earning,
        points_offset=rules.points_offset,
        commission_rules=rules.commission_rules,
    )


def demo_documents() -> dict[str, dict[str, Any]]:
    return demo_configuration().to_documents()
