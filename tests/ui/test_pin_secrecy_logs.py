"""PINs never show and are never logged, through a real flow: the cashier signs in, 张三 pays a
cake from his stored value on the checkout screen, types a wrong PIN then the right one on the
simulated keypad. The app logs at DEBUG into its own rotating log file (the [logging] table);
a screenshot is taken after every key, and then every place a PIN could surface is searched
for each PIN typed:

- the app's log files in its data folder (terminal.log and any rotated terminal.log.N);
- every log record captured (caplog, DEBUG, every logger);
- the texts of every label on the window (the app, the simulator panel, the prompt) at the
  moment of each screenshot;
- the screenshots themselves, read by OCR (tesseract, from Debian's tesseract-ocr, installed by
  scripts/setup.sh). OCR needs a check that it reads: the member's masked phone number, a digit
  sequence on the same screens, must be found in them.

The PINs are referred to by name in every assertion, so a failure never prints one.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from membership.receipts import mask_phone
from terminal.demo.staff import CASHIER_PIN
from tests.support.ui_driver import UiDriver
from tests.ui.steps import ZHANG, signed_in_home, tap_card
from tests.ui.test_pin_secrecy import DOT, LabelSamples, appears
from tests.ui.test_sale import add_product, due_shows, pin_prompt_text

WRONG_MEMBER_PIN = "8642"
SECRETS = {
    "the staff PIN": CASHIER_PIN,
    "the member's PIN": ZHANG.pin,
    "the wrong member PIN": WRONG_MEMBER_PIN,
}


class Shots:
    """Screenshots, each with the label texts of the window at that moment."""

    def __init__(self, ui: UiDriver, folder: Path) -> None:
        self.ui, self.folder = ui, folder
        self.samples = LabelSamples(ui)
        self.paths: list[Path] = []

    def take(self, step: str) -> None:
        self.paths.append(self.ui.screenshot(self.folder, f"62-pin-sale-{step}"))
        self.samples.take(step)


def ocr(path: Path, work: Path) -> str:
    """The screenshot's text as tesseract reads it: equalised first, so the text under the
    prompt's dimmed backdrop is read too; sparse text, English (the digits)."""
    prepared = work / f"{path.stem}-ocr.png"
    with Image.open(path) as image:
        ImageOps.equalize(image.convert("L")).save(prepared)
    done = subprocess.run(["tesseract", str(prepared), "stdout", "-l", "eng", "--psm", "11"],
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


def type_pin(ui: UiDriver, shots: Shots, pin: str, step: str) -> None:
    """Key by key on the simulator panel's keypad; a screenshot after each key."""
    ui.until(lambda: ui.app.runtime.pinpad.requested, "the keypad to ask for a PIN")
    for count, digit in enumerate(pin, start=1):
        ui.tap(f"sim.key.{digit}")
        ui.wait_for_text("pin_prompt.dots", lambda text, count=count: text == DOT * count,
                         "a dot on the prompt")
        shots.take(f"{step}-{count}")
    ui.tap("sim.key.enter")


@pytest.mark.slow(reason="tesseract reads each of a dozen screenshots, about a second each")
@pytest.mark.skipif(shutil.which("tesseract") is None,
                    reason="tesseract-ocr is not installed (scripts/setup.sh installs it)")
def test_a_wrong_then_right_pin_at_checkout_is_in_no_log_label_or_screenshot(
        start_app, caplog: pytest.LogCaptureFixture, screens_dir: Path, tmp_path: Path):
    caplog.set_level(logging.DEBUG)
    ui = start_app(tables={"logging": {"level": "DEBUG", "max_bytes": 100_000, "backups": 10}})
    shots = Shots(ui, screens_dir / "zh_CN")
    signed_in_home(ui)
    tap_card(ui, ZHANG)
    ui.pump(5)
    ui.tap("home.action.sale")
    ui.wait_for_screen("sale")
    add_product(ui, "CAKE", "bakery")
    due = due_shows(ui, "¥")
    store = ui.app.runtime.store
    before = store.card_balances(ZHANG.card_no)
    ui.tap("sale.tender.stored_value")
    ui.tap("sale.confirm")

    type_pin(ui, shots, WRONG_MEMBER_PIN, "wrong")
    ui.until(lambda: "密码错误" in pin_prompt_text(ui), "the wrong PIN refused")
    shots.take("refused")
    assert store.card_balances(ZHANG.card_no) == before
    type_pin(ui, shots, ZHANG.pin, "right")
    ui.wait_for_screen("home")
    ui.until(lambda: store.card_balances(ZHANG.card_no) != before, "the sale paid")
    shots.take("paid")
    ui.app.runtime.printing.wait_until_idle(10)

    log_files = sorted(ui.app.runtime.config.log_path.parent.glob("terminal.log*"))
    logged = "\n".join(path.read_text(encoding="utf-8") for path in log_files)
    records = [record.getMessage() + (record.exc_text or "") for record in caplog.records]
    read = {path.name: ocr(path, tmp_path) for path in shots.paths}
    # Each search could find what it looks for.
    assert "terminal SH001-T1 starting" in logged and " DEBUG " in logged, "not the app's log"
    assert records, "no log record was captured"
    assert shots.samples.showing(DOT * len(ZHANG.pin)), "the samples did not see the prompt"
    assert any(mask_phone(ZHANG.phone) in text for text in read.values()), "OCR read nothing"
    assert due.count("¥") == 1
    for name, secret in SECRETS.items():
        assert not appears(secret, logged), f"{name} is in the app's log file"
        assert sum(appears(secret, text) for text in records) == 0, f"{name} is in a record"
        assert shots.samples.showing(secret) == [], f"{name} was shown on screen"
        seen = [shot for shot, text in read.items() if appears(secret, text)]
        assert seen == [], f"{name} was read by OCR in {seen}"
