"""Runs `make run`'s demo (harness.demo.start_demo: its own pcscd, broker, HQ and terminal) in
this process, then signs in, taps demo cards on the simulator panel and types a member's PIN on
its keypad like a newcomer would, and prints one `demo-driver: {json}` line with what the
terminal saw.

A process of its own because the demo's pcscd is reached through PCSCLITE_CSOCK_NAME, which
libpcsclite reads once per process, and Kivy has one window per process.

    python -m tests.ui.demo_driver FOLDER [harness.demo options]
"""

from __future__ import annotations

import json
import logging
import sys
from contextlib import ExitStack
from typing import Any

from harness import demo


def drive(app: Any) -> dict[str, Any]:
    # Kivy is prepared by start_demo: only now may anything import it.
    from tests.support.ui_driver import UiDriver
    from tests.ui.steps import WANG, ZHANG, signed_in_home, tap_card

    ui = UiDriver(app)
    try:
        signed_in_home(ui)
        tap_card(ui, ZHANG)
        hands = app.runtime.card_tapper
        first_card = getattr(getattr(hands, "slot", None), "card", None)
        pin_checks = member_pin_on_the_card(ui, ZHANG)
        ui.tap("sim.remove")
        removed = ui.wait_for_text("message", lambda text: "卡片已移开" in text,
                                   "the reader's word that the card was taken away")
        tap_card(ui, WANG)
        return {
            "reader": type(app.runtime.reader).__name__,
            "watched_reader": getattr(app.runtime.reader, "watched_reader", ""),
            "hands": type(hands).__name__,
            "first_card_no": getattr(first_card, "card_no", ""),
            "first_card_apdus": len(getattr(first_card, "apdus_received", [])),
            **pin_checks,
            "removed_message": removed,
            "member_shown": ui.text_of("member.name"),
        }
    finally:
        ui.close()


def member_pin_on_the_card(ui: Any, card: Any) -> dict[str, Any]:
    """The member types a wrong PIN, then the right one, on the panel's keypad; the app has the
    card on the reader check them (ISO 7816 VERIFY)."""
    from terminal.ui.prompts import MemberPinPrompt
    from tests.ui.steps import type_member_pin

    proofs: list[Any] = []
    MemberPinPrompt(ui.app.ui, card.card_no, proofs.append).start()
    ui.pump(3)
    type_member_pin(ui, "9" * len(card.pin))
    ui.wait_for_text("pin_prompt.text", lambda text: "密码错误" in text, "the wrong-PIN message")
    tries_after_wrong = ui.app.runtime.card_tapper.chips[card.uid].tries_left
    type_member_pin(ui, card.pin)
    ui.until(lambda: bool(proofs), "the PIN proof")
    return {"tries_after_wrong_pin": tries_after_wrong, "pin_checked_by": proofs[0].how,
            "tries_after_right_pin": ui.app.runtime.card_tapper.chips[card.uid].tries_left}


def main(argv: list[str]) -> int:
    arguments = demo.parse_arguments(["--folder", *argv])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with ExitStack() as stack:
        seen = drive(demo.start_demo(arguments, stack))
    print("demo-driver: " + json.dumps(seen, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
