"""The member PIN prompt in the running app: the simulator panel's keypad stays usable while
the prompt covers the screen, the screen shows only dots, and a wrong PIN asks again."""

from __future__ import annotations

from terminal.ui.prompts import MemberPinPrompt
from tests.ui.steps import ZHANG, signed_in_home, tap_card, type_member_pin


def test_typing_on_the_simulated_keypad_through_the_open_prompt(start_app):
    ui = start_app()
    signed_in_home(ui)
    tap_card(ui, ZHANG)
    proofs = []
    prompt = MemberPinPrompt(ui.app.ui, ZHANG.card_no, proofs.append)
    prompt.start()
    ui.pump(3)
    wrong = "9" * len(ZHANG.pin)
    type_member_pin(ui, wrong)
    ui.wait_for_text("pin_prompt.text", lambda text: "密码错误" in text, "the wrong-PIN message")
    assert proofs == []
    for step_text in ui.visible_texts():
        assert wrong not in step_text
    type_member_pin(ui, ZHANG.pin)
    ui.until(lambda: bool(proofs), "the PIN proof")
    assert proofs[0].card_no == ZHANG.card_no and proofs[0].how == "card"
