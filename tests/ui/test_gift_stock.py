"""A gift's stock is the chain's (membership.gift_stock): by touch on the gifts screen, a gift
HQ says none is left of is refused with the count in the cashier's language, and a terminal
that cannot reach HQ hands out no more than its offline allowance. Nothing is committed or
printed for a refusal. (These terminals run without HQ: the guard decides offline.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from membership.config_documents import POINTS_RULES
from membership.gift_stock import GIFT_STOCK
from membership.offline_limits import OFFLINE_LIMITS
from terminal.demo.documents import demo_configuration
from tests.support.ui_driver import UiDriver
from tests.ui.sale_steps import committed, message_shows
from tests.ui.steps import ZHANG
from tests.ui.test_counter_flows import give_gifts_and_points, points_of
from tests.ui.test_use_refusals import nothing_printed_or_paid, open_for

REFUSED = {"zh_CN": ("礼品库存不足", "仅剩 0 件"), "en": ("Not enough gifts in stock", "0 left")}
MUG_POINTS = 100
SHOWN_LEFT = {"zh_CN": "（库存 0）", "en": "(0 in stock)"}  # HQ's count, not the catalogue's 20
OFFLINE = {"zh_CN": ("未连接总部", "最多还可兑换 0 件礼品"),
           "en": ("HQ cannot be reached", "may hand out 0 more gifts")}


def mugs_in_stock(ui: UiDriver, stock: int, left: int) -> None:
    """HQ's catalogue gives the mug a stock; its gift_stock document says what is left."""
    store = ui.app.runtime.store
    body = demo_configuration().to_documents()[POINTS_RULES]
    store.apply_config(POINTS_RULES, "all", 3, {**body, "gifts": [
        {"code": "MUG", "name": "星巴克马克杯", "points_cost": MUG_POINTS, "stock": stock}]})
    store.apply_config(GIFT_STOCK, "all", 1, {"left": {"MUG": left}})


def redeem_mug(ui: UiDriver) -> None:
    ui.until(lambda: ui.has("gifts.gift.MUG"), "the gift list")
    ui.tap("gifts.gift.MUG")
    ui.tap("gifts.confirm")


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_a_gift_none_is_left_of_is_refused_with_the_count(start_app, screens_dir: Path,
                                                           language: str):
    ui = start_app(language=language)
    points = give_gifts_and_points(ui)
    mugs_in_stock(ui, stock=20, left=0)
    before, depth = committed(ui, ZHANG.card_no), ui.app.runtime.store.outbox_depth()
    open_for(ui, ZHANG, "gifts")
    ui.until(lambda: ui.has("gifts.gift.MUG"), "the gift list")
    assert SHOWN_LEFT[language] in ui.text_of("gifts.gift.MUG")
    redeem_mug(ui)
    message_shows(ui, *REFUSED[language])
    ui.screenshot(screens_dir / language, "23-gifts-out-of-stock")
    assert committed(ui, ZHANG.card_no) == before
    assert ui.app.runtime.store.outbox_depth() == depth
    assert points_of(ui, ZHANG.card_no) == points
    nothing_printed_or_paid(ui)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_offline_a_terminal_hands_out_no_more_than_its_allowance(start_app, language: str):
    ui = start_app(language=language)
    points = give_gifts_and_points(ui)
    assert points >= 2 * MUG_POINTS
    mugs_in_stock(ui, stock=20, left=5)
    ui.app.runtime.store.apply_config(OFFLINE_LIMITS, "all", 1, {"per_terminal_gifts": 1})
    open_for(ui, ZHANG, "gifts")
    redeem_mug(ui)
    ui.until(lambda: points_of(ui, ZHANG.card_no) == points - MUG_POINTS, "the first mug")
    ui.until(lambda: str(points - MUG_POINTS) in ui.text_of("gifts.points"), "the list again")
    ui.pump(5)  # the list rebuilt before it is touched
    ui.app.runtime.printing.wait_until_idle(10)
    ui.app.runtime.printer.printed.clear()
    depth = ui.app.runtime.store.outbox_depth()
    redeem_mug(ui)
    message_shows(ui, *OFFLINE[language])
    assert points_of(ui, ZHANG.card_no) == points - MUG_POINTS
    assert ui.app.runtime.store.outbox_depth() == depth
