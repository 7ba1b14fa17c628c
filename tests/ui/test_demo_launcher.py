"""`make run` as a newcomer starts it: broker, HQ and the terminal app come up, HQ's documents
reach the terminal, the demo members are enrolled, the app runs and closes cleanly. Its card
reader is the real PC/SC stack (a private pcscd with a virtual reader) where this machine can
run one: a tap on the simulator panel goes pyscard → pcscd → vpcd → the demo member's virtual
card. Ctrl-C stops everything it started."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from huiyuan_devices.cardreader.private_pcscd import why_it_cannot_run

from terminal.demo.members import DEMO_CARDS
from tests.support.waiting import wait_for

ZHANG, _, WANG, _ = DEMO_CARDS
PCSCD_LINE = re.compile(r"card reader: PC/SC on 'Virtual PCD 00 00' of a private pcscd "
                        r"\(pid (\d+), socket (\S+)\)")
NO_PCSCD_HERE = why_it_cannot_run()
needs_pcscd = pytest.mark.skipif(bool(NO_PCSCD_HERE), reason=f"no private pcscd: {NO_PCSCD_HERE}")


@pytest.fixture
def folder() -> Iterator[Path]:
    made = Path(tempfile.mkdtemp(prefix="hy-demo-"))
    made.chmod(0o755)  # the broker runs as the mosquitto user and must reach its folder
    yield made / "demo"
    shutil.rmtree(made, ignore_errors=True)


def run_demo(folder: Path, *options: str) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "harness.demo", "--folder", str(folder),
                           *options], capture_output=True, text=True, timeout=120, check=False)
    return done.returncode, done.stdout + done.stderr


def assert_pcscd_stopped(log: str) -> None:
    """The demo's pcscd (named in its log) has exited and its folder is gone."""
    found = PCSCD_LINE.search(log)
    assert found, log[-3000:]
    with pytest.raises(ProcessLookupError):
        os.kill(int(found.group(1)), 0)
    assert not Path(found.group(2)).parent.parent.exists()


def test_the_demo_starts_the_whole_system_and_closes_cleanly(folder: Path) -> None:
    returncode, log = run_demo(folder, "--seconds", "3")
    assert returncode == 0, log[-3000:]
    assert "config catalogue v1 from all" in log
    assert "demo members enrolled: 3" in log
    assert "Traceback" not in log, log[-3000:]
    if NO_PCSCD_HERE:  # the demo says why, in one line, and goes on with the simulator
        assert f"demo: simulated card reader, because a private pcscd cannot run here: " \
               f"{NO_PCSCD_HERE}" in log
    else:
        assert_pcscd_stopped(log)

    returncode, again = run_demo(folder, "--seconds", "1", "--card-reader", "simulated")
    assert returncode == 0
    assert "demo members enrolled: 0" in again  # kept, not doubled
    assert "private pcscd" not in again


@needs_pcscd
@pytest.mark.slow(reason="the whole demo in processes of its own, driven through pcscd")
def test_a_tap_and_a_pin_on_the_simulator_panel_go_through_pcscd_to_the_virtual_card(
    folder: Path,
) -> None:
    done = subprocess.run([sys.executable, "-m", "tests.ui.demo_driver", str(folder)],
                          capture_output=True, text=True, timeout=180, check=False)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    [line] = [line for line in done.stdout.splitlines() if line.startswith("demo-driver: ")]
    seen = json.loads(line.removeprefix("demo-driver: "))
    assert seen["reader"] == "PcscCardReader"
    assert seen["watched_reader"] == "Virtual PCD 00 00"
    assert seen["hands"] == "VirtualCardTapper"
    assert seen["first_card_no"] == ZHANG.card_no
    assert seen["first_card_apdus"] >= 2  # the reader read it: UID, SELECT, READ BINARY
    assert seen["pin_checked_by"] == "card"  # the PIN went from the keypad to the chip
    assert (seen["tries_after_wrong_pin"], seen["tries_after_right_pin"]) == (2, 3)
    assert seen["removed_message"] == "卡片已移开"  # taken away: pcscd told the terminal
    assert WANG.name in seen["member_shown"]  # and the next card read after it
    assert_pcscd_stopped(log)


def _exit_code(process: subprocess.Popen[bytes], output: Path) -> int:
    """The demo's exit code within 60 s; else its threads' stacks (faulthandler on SIGUSR1)
    in the failure, so that a demo that hangs while stopping says where."""
    try:
        return process.wait(60)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGUSR1)
        # faulthandler writes the other threads first and the one it interrupted (the main
        # thread, where a KeyboardInterrupt would be raised) last, marked "Current thread".
        wait_for(lambda: "Current thread" in output.read_text(), 10, "the hung demo's stacks")
        log = output.read_text()
        stacks = log.find("most recent call first")
        pytest.fail("the demo did not stop within 60 s; its log's end, then its threads' "
                    f"stacks:\n{log[max(0, stacks - 3000):]}")


@needs_pcscd
@pytest.mark.parametrize("stop", ["ctrl_c", "sigterm"])
def test_ctrl_c_or_sigterm_stops_the_app_pcscd_hq_and_the_broker(
    stop: str, folder: Path, tmp_path: Path,
) -> None:
    output = tmp_path / "demo.log"
    with output.open("w") as sink:
        # A session of its own, so that Ctrl-C can reach the whole group, as from a terminal.
        process = subprocess.Popen([sys.executable, "-m", "harness.demo", "--folder",
                                    str(folder)], stdout=sink, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        wait_for(lambda: "Start application main loop" in output.read_text(), 120,
                 "the demo's window running")
        if stop == "ctrl_c":
            os.killpg(process.pid, signal.SIGINT)
        else:  # a supervisor's SIGTERM reaches the launcher alone: it must stop the rest
            process.send_signal(signal.SIGTERM)
        assert _exit_code(process, output) == 130
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    log = output.read_text()
    assert "demo: interrupted; everything it started is stopped" in log
    assert "Traceback" not in log, log[-3000:]
    assert_pcscd_stopped(log)
    broker_config = folder / "broker" / "mosquitto.conf"
    assert not subprocess.run(["pgrep", "-f", str(broker_config)], capture_output=True,
                              check=False).stdout
