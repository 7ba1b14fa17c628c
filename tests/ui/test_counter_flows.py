"""Top-up with bonus, withdrawal with the member's PIN, and points redemption, driven by touches
in the real window against the real store and the simulated devices."""

from __future__ import annotations

from pathlib import Path

from membership.catalogue import SaleLine
from membership.config_documents import POINTS_RULES
from membership.ledger import Account
from membership.points import Gift
from membership.tenders import Tender, TenderKind
from terminal.cashier.context import StaffMember
from terminal.demo.documents import demo_configuration
from terminal.demo.staff import CASHIER_ID, CASHIER_NAME
from tests.support.ui_driver import UiDriver
from tests.ui.admin_steps import approve_as_manager
from tests.ui.member_steps import member_types_pin, modal_has, no_prompt_open
from tests.ui.steps import (
    LI,
    ZHANG,
    drawer_kicks,
    printed_lines,
    signed_in_home,
    tap_card,
)

GIFTS = (Gift("MUG", "星巴克马克杯", 200), Gift("UMBRELLA", "晴雨伞", 5000, stock=3))


def open_for(ui: UiDriver, card, screen: str) -> None:
    ui.app.runtime.printer.printed.clear()  # the seed's receipts: only this test's count
    signed_in_home(ui)
    tap_card(ui, card)
    ui.tap(f"home.action.{screen}")
    ui.wait_for_screen(screen)


def message_shows(ui: UiDriver, *parts: str) -> str:
    return ui.wait_for_text("message", lambda text: all(part in text for part in parts),
                            f"a message with {parts}")


def test_top_up_a_preset_amount_earns_the_tier_bonus(start_app, screens_dir: Path):
    ui = start_app()
    store = ui.app.runtime.store
    open_for(ui, ZHANG, "topup")
    assert "满¥500.00送¥30.00" in ui.text_of("topup.tiers")
    ui.tap("topup.preset.100000")
    assert "¥100.00" in ui.text_of("topup.bonus")  # the ¥1000 tier's bonus, before confirming
    ui.screenshot(screens_dir / "zh_CN", "21-topup")
    ui.tap("topup.confirm")
    message_shows(ui, "充值成功", "¥1000.00", "¥100.00", "¥1630.00")
    balances = store.card_balances(ZHANG.card_no)
    assert (balances.principal, balances.bonus) == (150_000, 13_000)
    ui.until(lambda: "充值小票" in printed_lines(ui), "the top-up receipt")
    printed = " ".join(printed_lines(ui))
    assert "1000.00" in printed and "100.00" in printed
    assert drawer_kicks(ui) == 1  # paid in cash
    assert "¥1500.00" in ui.text_of("topup.balance")


def test_top_up_by_wechat_with_a_typed_amount_in_english(start_app, screens_dir: Path):
    ui = start_app(language="en")
    open_for(ui, LI, "topup")
    ui.type_into("topup.amount", "600.50")
    assert "¥30.00" in ui.text_of("topup.bonus")
    ui.tap("topup.tender.wechat")
    ui.screenshot(screens_dir / "en", "21-topup")
    ui.tap("topup.confirm")
    message_shows(ui, "Topped up", "¥600.50")
    balances = ui.app.runtime.store.card_balances(LI.card_no)
    assert (balances.principal, balances.bonus) == (20_000 + 60_050, 3_000)
    ui.until(lambda: "Top-up receipt" in printed_lines(ui), "the top-up receipt")
    assert drawer_kicks(ui) == 0  # WeChat Pay: no cash changes hands


def test_a_top_up_typed_wrong_is_refused_and_commits_nothing(start_app):
    ui = start_app()
    store = ui.app.runtime.store
    open_for(ui, ZHANG, "topup")
    depth = store.outbox_depth()
    ui.type_into("topup.amount", "0")
    ui.tap("topup.confirm")
    ui.until(lambda: ui.text_of("message") not in ("", ui.app.texts.tr("ui.processing")),
             "the refusal")
    assert "充值成功" not in ui.text_of("message")
    assert store.outbox_depth() == depth
    assert store.card_balances(ZHANG.card_no).principal == 50_000


def test_withdrawal_pays_principal_out_after_the_pin(start_app, screens_dir: Path):
    ui = start_app()
    store = ui.app.runtime.store
    open_for(ui, ZHANG, "withdraw")
    assert "¥500.00" in ui.text_of("withdraw.principal")
    ui.type_into("withdraw.amount", "120")
    ui.screenshot(screens_dir / "zh_CN", "22-withdraw")
    ui.tap("withdraw.confirm")
    ui.until(lambda: modal_has(ui, "pin_prompt.text"), "the PIN prompt")
    member_types_pin(ui, ZHANG.pin)
    approve_as_manager(ui)  # a cashier withdraws with a manager's approval, on the spot
    message_shows(ui, "取款成功", "¥120.00", "¥380.00")
    balances = store.card_balances(ZHANG.card_no)
    assert (balances.principal, balances.bonus) == (38_000, 3_000)  # the bonus stays
    ui.until(lambda: "取款小票" in printed_lines(ui), "the withdrawal receipt")
    ui.until(lambda: drawer_kicks(ui) == 1, "the drawer to open")
    ui.until(lambda: no_prompt_open(ui), "the PIN prompt to close")


def test_withdrawing_more_than_the_principal_is_refused(start_app, screens_dir: Path):
    ui = start_app(language="en")
    store = ui.app.runtime.store
    open_for(ui, ZHANG, "withdraw")
    depth = store.outbox_depth()
    ui.type_into("withdraw.amount", "520")  # principal 500 + bonus 30: only 500 may leave
    ui.screenshot(screens_dir / "en", "22-withdraw")
    ui.tap("withdraw.confirm")
    member_types_pin(ui, ZHANG.pin)
    approve_as_manager(ui)
    message_shows(ui, "¥500.00")
    assert store.outbox_depth() == depth
    assert store.card_balances(ZHANG.card_no).principal == 50_000
    assert drawer_kicks(ui) == 0


def give_gifts_and_points(ui: UiDriver) -> int:
    """HQ publishes a gift catalogue; Zhang San earns points with a cash sale. Returns them."""
    runtime, services = ui.app.runtime, ui.app.services
    body = demo_configuration().to_documents()[POINTS_RULES]
    runtime.store.apply_config(POINTS_RULES, "all", 2, {**body, "gifts": [
        {"code": gift.code, "name": gift.name, "points_cost": gift.points_cost,
         "stock": gift.stock} for gift in GIFTS]})
    config = services.ctx.configuration()
    cashier = StaffMember(CASHIER_ID, CASHIER_NAME, "cashier")
    member = services.members.member_context(ZHANG.card_no)
    lines = [SaleLine(1, config.products["LATTE"], 10)]
    due = services.ops.quote_sale(services.ctx, cashier, member, lines).amount_due
    services.ops.confirm_sale(services.ctx, cashier, member, lines,
                              [Tender(TenderKind.CASH, due)]).printing.wait(10)
    runtime.printer.printed.clear()
    return runtime.store.card_balances(ZHANG.card_no).points


def points_of(ui: UiDriver, card_no: str) -> int:
    return sum(entry.delta for entry in ui.app.runtime.store.ledger_entries(card_no)
               if entry.account is Account.POINTS)


def test_redeeming_a_gift_takes_its_points(start_app, screens_dir: Path):
    ui = start_app()
    points = give_gifts_and_points(ui)
    assert points >= 200
    open_for(ui, ZHANG, "gifts")
    ui.until(lambda: ui.has("gifts.gift.MUG"), "the gift list")
    assert str(points) in ui.text_of("gifts.points")
    assert "200" in ui.text_of("gifts.gift.MUG")
    ui.tap("gifts.gift.MUG")
    assert "星巴克马克杯" in ui.text_of("gifts.chosen")
    ui.screenshot(screens_dir / "zh_CN", "23-gifts")
    ui.tap("gifts.confirm")
    message_shows(ui, "已兑换", "星巴克马克杯", f"剩余 {points - 200}")
    assert points_of(ui, ZHANG.card_no) == points - 200
    assert str(points - 200) in ui.text_of("gifts.points")
    ui.until(lambda: "积分兑换小票" in printed_lines(ui), "the redemption receipt")


def test_a_gift_dearer_than_the_points_is_refused(start_app, screens_dir: Path):
    ui = start_app(language="en")
    points = give_gifts_and_points(ui)
    store = ui.app.runtime.store
    open_for(ui, ZHANG, "gifts")
    ui.until(lambda: ui.has("gifts.gift.UMBRELLA"), "the gift list")
    ui.tap("gifts.gift.UMBRELLA")
    ui.screenshot(screens_dir / "en", "23-gifts")
    depth = store.outbox_depth()
    ui.tap("gifts.confirm")
    ui.until(lambda: ui.text_of("message") not in ("", ui.app.texts.tr("ui.processing")),
             "the refusal")
    assert "Redeemed" not in ui.text_of("message")
    assert store.outbox_depth() == depth
    assert points_of(ui, ZHANG.card_no) == points
