"""PINs never show: not on screen (the pads and the prompt show dots only), not in a log record,
not in the log file, not in an error message. A wrong and a right member PIN on the simulated
keypad, a wrong and a right staff PIN on the sign-in pad, with every log record captured at
DEBUG and every label sampled after each key.

The PINs are referred to by name in every assertion, so a failure never prints one.
tests/ui/test_pin_secrecy_logs.py does the same through a checkout, and also searches the app's
own log files and reads its screenshots by OCR.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from kivy.uix.label import Label

from terminal.cashier.ports import PinProof
from terminal.demo.staff import CASHIER_ID, CASHIER_PIN
from terminal.ui.prompts import MemberPinPrompt
from tests.support.ui_driver import UiDriver
from tests.ui.steps import ZHANG, tap_card

WRONG_STAFF_PIN = "7531"
WRONG_MEMBER_PIN = "8642"
SECRETS = {
    "the staff PIN": CASHIER_PIN,
    "the wrong staff PIN": WRONG_STAFF_PIN,
    "the member's PIN": ZHANG.pin,
    "the wrong member PIN": WRONG_MEMBER_PIN,
}
DOT = "●"


class LabelSamples:
    """Every label of the window (the app, the simulator panel and any pop-up) at each step."""

    def __init__(self, ui: UiDriver) -> None:
        self.ui = ui
        self.seen: list[tuple[str, str, str]] = []  # (step, test_id, text)

    def take(self, step: str) -> None:
        self.ui.pump(2)
        for widget in self.ui.widgets():  # the prompt's too: it sits on the window
            if isinstance(widget, Label):
                self.seen.append((step, getattr(widget, "test_id", ""), str(widget.text)))

    def showing(self, secret: str) -> list[str]:
        """Where a secret was seen: step and label id, never the text."""
        return [f"{step}:{test_id or '?'}" for step, test_id, text in self.seen
                if appears(secret, text)]

    def dots_that_are_not_dots(self) -> list[str]:
        return [f"{step}:{test_id}" for step, test_id, text in self.seen
                if test_id.endswith(".dots") and set(text) - {DOT}]

    def dots(self, test_id: str, step: str) -> list[str]:
        return [text for at, label_id, text in self.seen if label_id == test_id and at == step]


@pytest.fixture
def log_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[Path]:
    """Every logger at DEBUG, into caplog and into a file, as a terminal's log would be."""
    path = tmp_path / "terminal.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    caplog.set_level(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        handler.close()


def staff_pin(ui: UiDriver, samples: LabelSamples, pin: str, step: str) -> None:
    ui.until(lambda: ui.has(f"login.staff.{CASHIER_ID}"), "the staff roster")
    ui.tap(f"login.staff.{CASHIER_ID}")
    for count, digit in enumerate(pin, start=1):
        ui.tap(f"login.pin.{digit}")
        ui.until(lambda count=count: ui.text_of("login.pin.dots") == DOT * count, "a dot")
        samples.take(f"{step}-digit{count}")
    ui.tap("login.pin.enter")


def member_pin(ui: UiDriver, samples: LabelSamples, pin: str, step: str) -> None:
    """Typed key by key on the simulator panel's keypad, through the open prompt."""
    ui.until(lambda: ui.app.runtime.pinpad.requested, "the keypad to ask for a PIN")
    for count, digit in enumerate(pin, start=1):
        ui.tap(f"sim.key.{digit}")
        ui.wait_for_text("pin_prompt.dots", lambda text, count=count: text == DOT * count,
                         "a dot on the prompt")
        samples.take(f"{step}-digit{count}")
    ui.tap("sim.key.enter")


def appears(secret: str, text: str) -> bool:
    """The secret as itself, not as digits inside a longer or decimal number (a timing or a
    port under load once matched a four-digit PIN): a leaked PIN stands on its own."""
    return re.search(rf"(?<![\d.]){re.escape(secret)}(?!\.?\d)", text) is not None


def test_no_pin_is_ever_shown_or_logged(start_app, log_file: Path, caplog, screens_dir: Path):
    ui = start_app()
    samples = LabelSamples(ui)
    shots = screens_dir / "zh_CN"
    ui.wait_for_screen("login")

    staff_pin(ui, samples, WRONG_STAFF_PIN, "staff-wrong")
    ui.until(lambda: "密码" in ui.text_of("message"), "the wrong staff PIN refused")
    samples.take("staff-refused")
    staff_pin(ui, samples, CASHIER_PIN, "staff-right")
    ui.wait_for_screen("home")
    samples.take("signed-in")

    ui.pump(10)
    tap_card(ui, ZHANG)
    proofs: list[PinProof] = []
    MemberPinPrompt(ui.app.ui, ZHANG.card_no, proofs.append).start()
    member_pin(ui, samples, WRONG_MEMBER_PIN, "member-wrong")
    ui.wait_for_text("pin_prompt.text", lambda text: "密码错误" in text, "the PIN refused")
    samples.take("member-refused")
    ui.screenshot(shots, "60-pin-wrong")
    member_pin(ui, samples, ZHANG.pin, "member-right")
    ui.until(lambda: bool(proofs), "the member's PIN accepted")
    samples.take("member-accepted")
    ui.screenshot(shots, "61-pin-accepted")

    assert proofs[0].card_no == ZHANG.card_no
    assert samples.dots("pin_prompt.dots", "member-refused") == [""], "asked again, no dots"
    assert samples.dots_that_are_not_dots() == []
    assert samples.showing(DOT * len(ZHANG.pin)), "the samples saw inside the prompt"
    records = [record.getMessage() + (record.exc_text or "") + str(record.args)
               for record in caplog.records]
    logged = log_file.read_text(encoding="utf-8")
    assert records and logged, "nothing was logged: the check would prove nothing"
    for name, secret in SECRETS.items():
        assert samples.showing(secret) == [], f"{name} was shown on screen"
        shown_in_records = sum(appears(secret, text) for text in records)
        assert shown_in_records == 0, f"{name} is in {shown_in_records} log records"
        assert appears(secret, logged) is False, f"{name} is in the log file"
