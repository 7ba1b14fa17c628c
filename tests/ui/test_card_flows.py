"""Card services and enrolment, driven by touches in the real window against the real store and
the simulated devices: loss and its cancellation, freeze, replacement onto a card tapped on the
reader, extension, PINs kept on the card, cancellation with the principal refunded, and a new
member enrolled from a card tap."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from huiyuan_devices.cardreader.base import CardPinOutcome
from huiyuan_devices.keypad.base import Pin

from membership.birthdays import Birthday, Calendar
from membership.cards import CardStatus
from membership.catalogue import SaleLine
from membership.tenders import Tender, TenderKind
from terminal.demo.staff import MANAGER_ID, MANAGER_PIN
from tests.support.ui_driver import UiDriver
from tests.ui.member_steps import (
    member_types_pin,
    modal_has,
    modal_text,
    no_prompt_open,
    tap_in_modal,
)
from tests.ui.steps import (
    LI,
    ZHANG,
    drawer_kicks,
    printed_lines,
    sign_in,
    signed_in_home,
    tap_card,
)

NEW_MEMBER_CARD = ("04C0FFEE000101", "8800000000000101")  # (UID, card number on the chip)
NEW_TAG_UID = "04C0FFEE000102"  # a UID-only tag
REPLACEMENT_CARD = ("04C0FFEE000103", "8800000000000103")


def open_cardops(ui: UiDriver, card=ZHANG) -> None:
    """As the store manager, who may do every card service alone (a cashier's approval on the
    spot: tests/ui/test_permissions.py)."""
    ui.app.runtime.printer.printed.clear()  # the seed's receipts: only this test's count
    sign_in(ui, MANAGER_ID, MANAGER_PIN)
    ui.wait_for_screen("home")
    tap_card(ui, card)
    ui.tap("home.action.cardops")
    ui.wait_for_screen("cardops")


def do(ui: UiDriver, action: str, *message_parts: str) -> str:
    """Choose a card service, confirm it, wait for the message."""
    ui.tap(f"cardops.action.{action}")
    ui.tap("cardops.confirm")
    return message_shows(ui, *message_parts)


def message_shows(ui: UiDriver, *parts: str) -> str:
    return ui.wait_for_text("message", lambda text: all(part in text for part in parts),
                            f"a message with {parts}")


def status_of(ui: UiDriver, card_no: str) -> CardStatus:
    return ui.app.services.members.member_context(card_no).card.status


def try_a_sale(ui: UiDriver, card_no: str) -> None:
    """A cash sale for the member, through the app's worker: any refusal goes to the message
    line as the checkout screen's would."""
    services, staff = ui.app.services, ui.app.ui.session.staff

    def sell() -> None:
        member = services.members.member_context(card_no)
        lines = [SaleLine(1, services.ctx.configuration().products["LATTE"], 1)]
        services.ops.confirm_sale(services.ctx, staff, member, lines,
                                  [Tender(TenderKind.CASH, 2800)])

    ui.app.ui.run(sell, lambda _: None)


def test_a_lost_card_cannot_pay_until_the_loss_is_cancelled(start_app, screens_dir: Path):
    ui = start_app()
    store = ui.app.runtime.store
    open_cardops(ui)
    assert "正常" in ui.text_of("cardops.status")
    ui.screenshot(screens_dir / "zh_CN", "24-cardops")
    ui.tap("cardops.action.report_loss")
    assert "确认挂失" in ui.text_of("cardops.prompt")
    assert status_of(ui, ZHANG.card_no) is CardStatus.ACTIVE  # nothing before the confirmation
    ui.tap("cardops.confirm")
    message_shows(ui, "已挂失")
    assert "已挂失" in ui.text_of("cardops.status")
    assert status_of(ui, ZHANG.card_no) is CardStatus.LOST
    ui.until(lambda: "会员卡业务单" in printed_lines(ui), "the card service slip")
    depth = store.outbox_depth()
    try_a_sale(ui, ZHANG.card_no)
    message_shows(ui, "此卡已挂失")
    assert store.outbox_depth() == depth
    do(ui, "cancel_loss", "已解除挂失")
    assert status_of(ui, ZHANG.card_no) is CardStatus.ACTIVE
    try_a_sale(ui, ZHANG.card_no)
    ui.until(lambda: store.outbox_depth() > depth, "the sale to be committed")


def test_freeze_and_unfreeze_in_english(start_app, screens_dir: Path):
    ui = start_app(language="en")
    open_cardops(ui)
    ui.screenshot(screens_dir / "en", "24-cardops")
    do(ui, "freeze", "frozen")
    assert status_of(ui, ZHANG.card_no) is CardStatus.FROZEN
    assert "frozen" in ui.text_of("cardops.status")
    do(ui, "cancel_loss", "cannot become")  # a frozen card is not lost: the core refuses
    assert status_of(ui, ZHANG.card_no) is CardStatus.FROZEN
    do(ui, "unfreeze", "unfrozen")
    assert status_of(ui, ZHANG.card_no) is CardStatus.ACTIVE


def test_replacement_moves_the_balances_to_the_card_tapped(start_app, screens_dir: Path):
    ui = start_app()
    store = ui.app.runtime.store
    open_cardops(ui)
    uid, new_card_no = REPLACEMENT_CARD
    ui.app.runtime.reader.present(uid=uid, card_no=new_card_no)
    ui.until(lambda: ui.text_of("cardops.new_card_no") == new_card_no, "the new card read")
    assert new_card_no in ui.text_of("cardops.prompt") and "¥10.00" in ui.text_of("cardops.prompt")
    ui.tap("cardops.tender.alipay")
    ui.screenshot(screens_dir / "zh_CN", "24-cardops-replace")
    ui.tap("cardops.confirm")
    message_shows(ui, "换卡成功", new_card_no[-4:])
    new, old = store.card_balances(new_card_no), store.card_balances(ZHANG.card_no)
    assert (new.principal, new.bonus) == (50_000, 3_000)
    assert (old.principal, old.bonus) == (0, 0)
    assert status_of(ui, ZHANG.card_no) is CardStatus.REPLACED
    ui.tap("cardops.back")
    ui.wait_for_text("member.card", lambda text: new_card_no[-4:] in text, "the new card")
    assert drawer_kicks(ui) == 0  # the fee went by Alipay


def test_replacement_onto_a_uid_only_tag_binds_the_tag_to_the_number_typed(start_app):
    ui = start_app(language="en")
    store = ui.app.runtime.store
    open_cardops(ui)
    ui.app.runtime.reader.present(uid=NEW_TAG_UID)  # no number on the chip: printed on it
    ui.wait_for_text("cardops.prompt", lambda text: NEW_TAG_UID in text, "the tag read")
    new_card_no = "8800000000000102"
    ui.type_into("cardops.new_card_no", new_card_no)
    ui.until(lambda: new_card_no in ui.text_of("cardops.prompt"), "the confirmation")
    assert NEW_TAG_UID in ui.text_of("cardops.prompt")  # the binding is shown before it is made
    ui.tap("cardops.confirm")
    message_shows(ui, "Replaced", new_card_no[-4:])
    found = store.known_card_by_uid(NEW_TAG_UID)
    assert found is not None and found.card.card_no == new_card_no
    assert store.card_balances(new_card_no).principal == 50_000
    ui.tap("cardops.back")
    ui.wait_for_screen("home")
    ui.app.runtime.reader.present(uid=NEW_TAG_UID)  # the tag now finds the member
    ui.wait_for_text("member.card", lambda text: new_card_no[-4:] in text, "the new card")


def test_extension_adds_the_card_types_validity(start_app):
    ui = start_app()
    open_cardops(ui)
    before = ui.app.services.members.member_context(ZHANG.card_no).card.expires_on
    after = before + timedelta(days=730)
    do(ui, "extend", "延期成功", after.isoformat())
    assert ui.app.services.members.member_context(ZHANG.card_no).card.expires_on == after


def raise_offline_limit(ui: UiDriver, card_no: str, fen: int) -> None:
    """HQ lets this card take more while the terminal is offline (default ¥200)."""
    ui.app.runtime.store.apply_config("offline_limits", "all", 1,
                                      {"cards": {card_no: {"fen": fen}}})


def test_cancelling_the_card_refunds_the_principal_in_cash(start_app, screens_dir: Path):
    ui = start_app()
    store = ui.app.runtime.store
    raise_offline_limit(ui, ZHANG.card_no, 100_000)
    open_cardops(ui)
    ui.tap("cardops.action.cancel_card")
    assert "¥500.00" in ui.text_of("cardops.prompt")
    ui.screenshot(screens_dir / "zh_CN", "24-cardops-cancel")
    ui.tap("cardops.confirm")
    ui.until(lambda: modal_has(ui, "pin_prompt.text"), "the PIN prompt")
    member_types_pin(ui, ZHANG.pin)
    message_shows(ui, "退卡成功", "¥480.00", "¥20.00")  # principal less the ¥20 fee
    balances = store.card_balances(ZHANG.card_no)
    assert (balances.principal, balances.bonus) == (0, 0)  # the bonus is forfeited
    assert status_of(ui, ZHANG.card_no) is CardStatus.CANCELLED
    ui.until(lambda: drawer_kicks(ui) == 1, "the drawer to open")
    ui.until(lambda: no_prompt_open(ui), "the PIN prompt to close")


def test_offline_a_refund_over_the_cards_limit_is_refused(start_app):
    ui = start_app()
    store = ui.app.runtime.store
    open_cardops(ui)
    depth = store.outbox_depth()
    ui.tap("cardops.action.cancel_card")
    ui.tap("cardops.confirm")
    member_types_pin(ui, ZHANG.pin)
    message_shows(ui, "脱机限额", "¥200.00")  # ¥480 would leave the card offline
    assert store.outbox_depth() == depth
    assert status_of(ui, ZHANG.card_no) is CardStatus.ACTIVE
    assert drawer_kicks(ui) == 0


def card_accepts(ui: UiDriver, card_no: str, pin: str) -> bool:
    result = ui.app.runtime.reader.verify_pin(Pin(bytearray(pin, "ascii")), card_no=card_no)
    return result.outcome is CardPinOutcome.ACCEPTED


def test_a_member_card_changes_its_own_pin(start_app, screens_dir: Path):
    ui = start_app(language="en")
    open_cardops(ui)
    ui.tap("cardops.action.change_pin")
    ui.tap("cardops.confirm")
    member_types_pin(ui, ZHANG.pin)
    member_types_pin(ui, "5678")
    member_types_pin(ui, "5679")  # a slip: everything is asked again
    ui.until(lambda: "did not match" in modal_text(ui, "pin_entry.text"), "the mismatch")
    ui.app.runtime.pinpad.press("1")
    ui.until(lambda: modal_text(ui, "pin_entry.dots") == "●", "a dot for the digit typed")
    ui.screenshot(screens_dir / "en", "24-cardops-pin")
    ui.app.runtime.pinpad.press("clear")
    for pin in (ZHANG.pin, "5678", "5678"):
        member_types_pin(ui, pin)
    message_shows(ui, "PIN is changed")
    assert card_accepts(ui, ZHANG.card_no, "5678")
    assert "5678" not in " ".join(ui.visible_texts())


def test_a_tag_pin_needs_hq_which_is_offline(start_app):
    ui = start_app()
    open_cardops(ui, LI)
    ui.tap("cardops.action.change_pin")
    ui.tap("cardops.confirm")
    for pin in (LI.pin, "1357", "1357"):
        member_types_pin(ui, pin)
    message_shows(ui, "需要连接总部")


def enrol_screen(ui: UiDriver) -> None:
    ui.app.runtime.printer.printed.clear()
    signed_in_home(ui)
    # The sign-in screen stays in the window for a frame or two after the switch, over home.
    ui.until(lambda: ui.app.screens.get_screen("login").parent is None, "sign-in to leave")
    ui.tap("home.action.enrol")
    ui.wait_for_screen("enrol")
    ui.until(lambda: ui.has("enrol.type.GOLD"), "the card types")


def test_enrol_a_new_member_from_a_card_tap(start_app, screens_dir: Path):
    ui = start_app()
    store = ui.app.runtime.store
    enrol_screen(ui)
    uid, card_no = NEW_MEMBER_CARD
    ui.app.runtime.reader.present(uid=uid, card_no=card_no)
    ui.until(lambda: ui.text_of("enrol.card_no") == card_no, "the card number read")
    ui.type_into("enrol.name", "赵六")
    ui.type_into("enrol.phone", "13600136006")
    ui.tap("enrol.calendar")  # 农历
    ui.type_into("enrol.month", "8")
    ui.type_into("enrol.day", "15")
    ui.tap("enrol.type.GOLD")
    assert "¥20.00" in ui.text_of("enrol.fee")
    ui.screenshot(screens_dir / "zh_CN", "25-enrol")
    ui.tap("enrol.confirm")
    member_types_pin(ui, "2580")
    member_types_pin(ui, "2580")
    ui.wait_for_screen("home")
    ui.wait_for_text("member.name", lambda text: "赵六" in text, "the new member's panel")
    assert "136****6006" in ui.text_of("member.phone")
    known = store.known_card(card_no)
    assert known is not None and known.member.birthday == Birthday(Calendar.LUNAR, 8, 15)
    assert store.known_card_by_uid(uid).card.card_no == card_no
    assert card_accepts(ui, card_no, "2580")  # the PIN is on the card itself
    ui.until(lambda: "会员卡业务单" in printed_lines(ui), "the enrolment slip")
    assert drawer_kicks(ui) == 1  # the join fee in cash


def test_enrol_a_tag_offline_leaves_the_pin_for_later(start_app, screens_dir: Path):
    ui = start_app(language="en")
    enrol_screen(ui)
    ui.app.runtime.reader.present(uid=NEW_TAG_UID)
    ui.until(lambda: NEW_TAG_UID in ui.text_of("enrol.card"), "the tag read")
    ui.type_into("enrol.card_no", "8800000000000102")
    ui.type_into("enrol.name", "Chen Qi")
    ui.type_into("enrol.phone", "13500135005")
    ui.type_into("enrol.month", "2")
    ui.type_into("enrol.day", "29")
    ui.tap("enrol.tender.wechat")
    ui.screenshot(screens_dir / "en", "25-enrol")
    ui.tap("enrol.confirm")
    member_types_pin(ui, "1470")
    member_types_pin(ui, "1470")
    ui.until(lambda: "needs HQ" in modal_text(ui, "notice.text"), "the PIN-later notice")
    tap_in_modal(ui, "notice.ok")
    ui.wait_for_screen("home")
    ui.wait_for_text("member.name", lambda text: "Chen Qi" in text, "the new member's panel")
    known = ui.app.runtime.store.known_card_by_uid(NEW_TAG_UID)  # the tag finds its member
    assert known is not None and known.card.card_no == "8800000000000102"
    assert known.member.birthday == Birthday(Calendar.SOLAR, 2, 29)


def test_a_card_number_already_issued_is_refused(start_app):
    ui = start_app()
    store = ui.app.runtime.store
    enrol_screen(ui)
    depth = store.outbox_depth()
    ui.type_into("enrol.card_no", ZHANG.card_no)
    ui.type_into("enrol.name", "冒名")
    ui.tap("enrol.confirm")
    ui.until(lambda: ui.text_of("message") not in ("", ui.app.texts.tr("ui.processing")),
             "the refusal")
    assert not ui.app.runtime.pinpad.requested
    assert store.outbox_depth() == depth
    assert store.known_card(ZHANG.card_no).member.name == "张三"

