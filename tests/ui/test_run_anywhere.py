"""`make run` from a repository anywhere: a clone under /root (mode 700) as root, where
Mosquitto, which drops to the `mosquitto` user, cannot enter the folder, and a normal start
whose output has no traceback (Kivy probes xclip and xsel for the X11 cut buffer as soon as a
text field exists; scripts/setup.sh installs xsel)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from huiyuan_devices.cardreader.private_pcscd import find_pcscd, why_it_cannot_run

from harness.broker import (
    MOSQUITTO_SYSTEM_USER,
    BrokerAccounts,
    BrokerStartError,
    MosquittoBroker,
    reachable_data_dir,
)

REPOSITORY = Path(__file__).resolve().parents[2]
# What `python -m harness.demo` imports from the working folder; the device drivers are an
# installed package.
PACKAGES = ("harness", "hq", "membership", "protocol", "terminal")
AS_ROOT = os.geteuid() == 0
# Signs of a traceback in a log, whether Python printed it or Kivy logged one.
TRACEBACK_SIGNS = ("Traceback", 'File "', "CRITICAL")


@pytest.fixture
def closed_folder() -> Iterator[Path]:
    """A folder like /root: its owner alone may enter it."""
    made = Path(tempfile.mkdtemp(prefix="hy-closed-"))
    made.chmod(0o700)
    yield made
    shutil.rmtree(made, ignore_errors=True)


def traceback_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if any(sign in line for sign in TRACEBACK_SIGNS)]


@pytest.mark.skipif(not AS_ROOT, reason="only root's broker drops to the mosquitto user")
def test_a_broker_for_a_folder_root_alone_may_enter_starts_in_a_runtime_folder(
    closed_folder: Path,
) -> None:
    wanted = closed_folder / "repo" / "var" / "demo" / "broker"
    data_dir = reachable_data_dir(wanted)
    assert closed_folder not in data_dir.parents
    assert data_dir.parent == Path(tempfile.gettempdir())
    assert reachable_data_dir(wanted) == data_dir  # every run finds the same folder
    accounts = BrokerAccounts.generate(["T1"])
    try:
        with MosquittoBroker(data_dir, accounts) as broker:
            socket.create_connection((broker.host, broker.port), timeout=1).close()
        assert data_dir.stat().st_uid == pwd.getpwnam(MOSQUITTO_SYSTEM_USER).pw_uid
        assert data_dir.stat().st_mode & 0o777 == 0o700
        with pytest.raises(BrokerStartError, match="cannot enter"):
            MosquittoBroker(wanted, accounts).start()  # where it would have been: refused
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.mark.skipif(not AS_ROOT, reason="makes a folder owned by another user")
def test_a_runtime_folder_someone_else_made_is_refused(closed_folder: Path) -> None:
    wanted = closed_folder / "elsewhere" / "broker"
    runtime = reachable_data_dir(wanted)
    os.chown(runtime, 65534, 65534)  # nobody's: a trap laid in /tmp before the demo ran
    try:
        with pytest.raises(BrokerStartError, match="not a folder of root"):
            reachable_data_dir(wanted)
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


def test_a_folder_the_broker_can_reach_is_used_as_it_is() -> None:
    open_folder = Path(tempfile.mkdtemp(prefix="hy-open-"))
    try:
        open_folder.chmod(0o755)
        assert reachable_data_dir(open_folder / "broker") == open_folder / "broker"
    finally:
        shutil.rmtree(open_folder, ignore_errors=True)


def copy_of_the_repository(into: Path) -> Path:
    copy = into / "huiyuan"
    for package in PACKAGES:
        shutil.copytree(REPOSITORY / package, copy / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.mark.slow(reason="the whole demo (broker, HQ, terminal app) in a process of its own")
def test_make_runs_demo_starts_from_a_copy_in_a_folder_root_alone_may_enter(
    closed_folder: Path,
) -> None:
    copy = copy_of_the_repository(closed_folder)
    # `make run` is `python -m harness.demo` in the repository, its data in var/demo.
    done = subprocess.run([sys.executable, "-m", "harness.demo", "--seconds", "2",
                           "--card-reader", "simulated"], cwd=copy, capture_output=True,
                          text=True, timeout=120, check=False)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    assert "demo members enrolled: 3" in log
    assert (copy / "var" / "demo" / "terminal").is_dir()  # the demo's data stayed in the copy
    assert not traceback_lines(log), log[-3000:]
    broker_dir = broker_folder_in(log)
    if AS_ROOT:  # the broker's own files: where the mosquitto user can reach them
        assert closed_folder not in broker_dir.parents
    else:
        assert broker_dir == copy / "var" / "demo" / "broker"
    saved = broker_dir / "persistence"
    assert saved.is_dir()
    # --fresh starts over: the broker's folder goes too, wherever it was.
    (saved / "left-from-before").write_text("")
    done = subprocess.run([sys.executable, "-m", "harness.demo", "--seconds", "1", "--fresh",
                           "--card-reader", "simulated"], cwd=copy, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert broker_folder_in(done.stdout + done.stderr) == broker_dir
    assert not (saved / "left-from-before").exists()
    shutil.rmtree(broker_dir, ignore_errors=True)


def broker_folder_in(log: str) -> Path:
    [broker_line] = [line for line in log.splitlines() if "its files in" in line]
    return Path(broker_line.rsplit("its files in ", 1)[1])


def test_a_text_field_in_the_apps_kivy_set_up_logs_no_traceback(tmp_path: Path) -> None:
    """A TextInput makes Kivy pick its clipboard and cut buffer: with no xsel or xclip it
    logs a CRITICAL line and two tracebacks (the sign-in and phone fields do this at start)."""
    script = (
        "import logging, pathlib, sys\n"
        "logging.basicConfig(level=logging.INFO)\n"
        "from terminal.ui.environment import prepare_kivy\n"
        "prepare_kivy(pathlib.Path(sys.argv[1]), 800, 480)\n"
        "from kivy.uix.textinput import TextInput\n"
        "TextInput()\n"
        "print('text field made')\n"
    )
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("KIVY_")}
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "kivy")],
                          cwd=REPOSITORY, capture_output=True, text=True, timeout=60,
                          check=False, env=environment)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    assert "text field made" in done.stdout
    assert not traceback_lines(log), log[-3000:]


@pytest.mark.skipif(not Path("/usr/sbin/pcscd").exists(), reason="Debian's pcscd is not installed")
def test_pcscd_is_found_where_debian_puts_it_without_sbin_on_the_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "/usr/local/bin:/usr/bin:/bin")  # an ordinary user's PATH
    assert find_pcscd() == "/usr/sbin/pcscd"
    assert "not installed" not in why_it_cannot_run()
