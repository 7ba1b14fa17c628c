"""The technician's diagnostic: on the simulators every step passes; a configured device that is
missing gives a clear problem line and a non-zero exit; the PIN's digits are never shown."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from huiyuan_devices import diag


def test_on_the_simulators_every_check_passes_and_the_pin_stays_hidden() -> None:
    out = io.StringIO()
    assert diag.main(["--simulated", "--timeout", "5"], out=out) == 0
    text = out.getvalue()
    assert "printer: test receipt printed (32 columns)" in text
    assert "card_no=8800000000001234" in text
    assert "a PIN of 4 digits was entered" in text
    assert diag.DEMO_PIN not in text
    assert text.rstrip().endswith("diag: all checks passed")


def test_missing_devices_are_problems_and_the_exit_is_non_zero(tmp_path: Path) -> None:
    config = tmp_path / "terminal.toml"
    config.write_text(f"""
[devices.printer]
kind = "serial"
device = "{tmp_path / 'ttyUSB7'}"

[devices.pinpad]
kind = "evdev"
device = "{tmp_path / 'member-pinpad'}"

[devices.card_reader]
kind = "simulated"
""")
    out = io.StringIO()
    assert diag.main(["--config", str(config), "--timeout", "2", "--skip-card"], out=out) == 1
    problems = [line for line in out.getvalue().splitlines() if line.startswith("PROBLEM")]
    assert len(problems) == 2
    assert problems[0].startswith("PROBLEM printer:") and "printer_offline" in problems[0]
    assert problems[1].startswith("PROBLEM PIN keypad: disconnected")
    assert "device.keypad_disconnected" in problems[1]


def test_a_typo_in_the_configuration_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    config = tmp_path / "terminal.toml"
    config.write_text('[devices.printer]\nkind = "simulated"\npaper = 58\n')
    out = io.StringIO()
    assert diag.main(["--config", str(config), "--skip-card", "--skip-pin"], out=out) == 1
    assert "PROBLEM printer: configuration:" in out.getvalue()


def test_an_unreadable_configuration_exits_2(tmp_path: Path, capsys) -> None:
    config = tmp_path / "terminal.toml"
    config.write_text("[devices.printer\n")
    assert diag.main(["--config", str(config)]) == 2
    assert "diag:" in capsys.readouterr().err


def test_it_runs_as_a_module() -> None:
    done = subprocess.run([sys.executable, "-m", "huiyuan_devices.diag", "--simulated",
                           "--timeout", "5"], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "diag: all checks passed" in done.stdout


def test_through_pcscd_a_virtual_member_card_is_read(pcsc_daemon, tmp_path: Path) -> None:
    from huiyuan_devices.cardreader.virtual_card import VirtualMemberCard

    from tests.devices.pcsc_support import READER_00

    config = tmp_path / "terminal.toml"
    config.write_text(f'[devices.card_reader]\nkind = "pcsc"\nreader = "{READER_00}"\n')
    card = VirtualMemberCard("8800000000004321", uid="04C0FFEE000001",
                             port=pcsc_daemon.ports[READER_00])
    card.start()
    try:
        out = io.StringIO()
        assert diag.main(["--config", str(config), "--skip-pin", "--timeout", "10"], out=out) == 0
    finally:
        card.stop()
    text = out.getvalue()
    assert f"detected: PC/SC reader '{READER_00}'" in text
    assert "card_no=8800000000004321" in text and "uid=04C0FFEE000001" in text


def test_a_configured_pcsc_reader_that_is_missing_is_named_and_the_exit_is_non_zero(
    pcsc_daemon, tmp_path: Path,
) -> None:
    """pcscd runs with its two virtual readers; the configured one (an ACR122) is not there."""
    from tests.devices.pcsc_support import READER_00

    config = tmp_path / "terminal.toml"
    config.write_text('[devices.card_reader]\nkind = "pcsc"\nreader = "ACR122"\n')
    done = subprocess.run([sys.executable, "-m", "huiyuan_devices.diag", "--config", str(config),
                           "--skip-pin", "--timeout", "10"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    problems = [line for line in done.stdout.splitlines() if line.startswith("PROBLEM")]
    assert len(problems) == 1, done.stdout
    assert problems[0].startswith("PROBLEM card reader:")
    assert "'ACR122'" in problems[0] and "[device.reader_unplugged]" in problems[0]
    assert READER_00 in problems[0]  # the readers that are there, for the technician
    assert "Traceback" not in done.stderr
