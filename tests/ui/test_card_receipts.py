"""What enrolment, extension and cancellation commit and print, driven by touches in the real
window: the join fee in the committed operation (the outbox event HQ receives) and on the
printed slip, not on the card; the extension's new last day and fee on its slip; the
cancellation's fee kept and principal returned on its slip. Slips are read from the printer's
ESC/POS bytes, decoded (tests/ui/steps.printed_lines)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from membership.money import format_fen
from membership.receipts import mask_card_no
from terminal.demo.store import GOLD_CARD
from tests.support.ui_driver import UiDriver
from tests.ui.member_steps import member_types_pin
from tests.ui.steps import ZHANG, drawer_kicks, printed_lines
from tests.ui.test_card_flows import (
    NEW_MEMBER_CARD,
    enrol_screen,
    message_shows,
    open_cardops,
    raise_offline_limit,
)


def slip(ui: UiDriver, title: str) -> list[str]:
    """The last printed slip with `title`, each line's spaces squeezed ("开卡费 ¥20.00")."""
    ui.until(lambda: title in printed_lines(ui), f"the slip {title!r}")
    lines = printed_lines(ui)
    start = len(lines) - 1 - lines[::-1].index(title)
    return [" ".join(line.split()) for line in lines[start:] if line.strip()]


def committed(ui: UiDriver, event_type: str, card_no: str) -> dict[str, Any]:
    """The one outbox event of `event_type` for `card_no`: what HQ will receive."""
    found = [event.document for event in ui.app.runtime.store.outbox_batch(0, 1000)
             if event.type == event_type and event.document["payload"].get("card_no") == card_no]
    assert len(found) == 1, found
    return found[0]


def test_enrolment_commits_and_prints_the_join_fee(start_app):
    ui = start_app()
    store = ui.app.runtime.store
    enrol_screen(ui)
    uid, card_no = NEW_MEMBER_CARD
    ui.app.runtime.reader.present(uid=uid, card_no=card_no)
    ui.until(lambda: ui.text_of("enrol.card_no") == card_no, "the card number read")
    ui.type_into("enrol.name", "赵六")
    ui.type_into("enrol.phone", "13600136006")
    ui.tap("enrol.type.GOLD")
    fee = GOLD_CARD.fees.join
    assert format_fen(fee) in ui.text_of("enrol.fee")
    ui.tap("enrol.confirm")
    member_types_pin(ui, "2580")
    member_types_pin(ui, "2580")
    ui.wait_for_screen("home")

    event = committed(ui, "card.issued", card_no)
    assert event["payload"]["join_fee"] == fee
    assert [(t["kind"], t["amount"]) for t in event["payload"]["tenders"]] == [("cash", fee)]
    balances = store.card_balances(card_no)
    assert (balances.principal, balances.bonus) == (0, 0)  # a fee, not money on the card
    printed = slip(ui, "会员卡业务单")
    assert f"卡号：{mask_card_no(card_no)}" in printed and "会员：赵六" in printed
    assert "开卡" in printed
    assert f"开卡费 {format_fen(fee)}" in printed  # as the enrol screen names it
    assert f"现金 {format_fen(fee)}" in printed
    assert drawer_kicks(ui) == 1


def test_extension_prints_the_new_last_day_and_the_fee(start_app):
    ui = start_app()
    open_cardops(ui)
    before = ui.app.services.members.member_context(ZHANG.card_no).card.expires_on
    after = before + timedelta(days=GOLD_CARD.validity_days)
    ui.tap("cardops.action.extend")
    ui.tap("cardops.confirm")
    message_shows(ui, "延期成功", after.isoformat())

    event = committed(ui, "card.extended", ZHANG.card_no)
    assert (event["payload"]["old_expires_on"], event["payload"]["expires_on"]) == (
        before.isoformat(), after.isoformat())
    printed = slip(ui, "会员卡业务单")
    assert f"卡号：{mask_card_no(ZHANG.card_no)}" in printed and "会员：张三" in printed
    assert "延期" in printed
    assert f"年费 {format_fen(GOLD_CARD.fees.annual)}" in printed
    assert f"有效期至 {after.isoformat()}" in printed


def test_cancellation_prints_the_fee_kept_and_the_principal_returned(start_app):
    ui = start_app()
    raise_offline_limit(ui, ZHANG.card_no, 100_000)
    open_cardops(ui)
    held = ui.app.runtime.store.card_balances(ZHANG.card_no)
    fee = GOLD_CARD.fees.cancellation
    returned = held.principal - fee
    ui.tap("cardops.action.cancel_card")
    ui.tap("cardops.confirm")
    member_types_pin(ui, ZHANG.pin)
    message_shows(ui, "退卡成功", format_fen(returned))

    event = committed(ui, "card.cancelled", ZHANG.card_no)
    assert (event["payload"]["refund_to_member"], event["payload"]["fee_kept"]) == (returned, fee)
    printed = slip(ui, "会员卡业务单")
    assert "退卡" in printed
    assert f"退卡手续费 {format_fen(fee)}" in printed
    assert f"退还本金 {format_fen(returned)}" in printed
    assert f"本金余额 {format_fen(0)}" in printed and f"赠送余额 {format_fen(0)}" in printed
