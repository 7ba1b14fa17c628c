"""`make run` as a newcomer starts it: broker, HQ and the terminal app come up, HQ's documents
reach the terminal, the demo members are enrolled, the app runs and closes cleanly."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def test_the_demo_starts_the_whole_system_and_closes_cleanly() -> None:
    folder = Path(tempfile.mkdtemp(prefix="hy-demo-"))
    folder.chmod(0o755)  # the broker runs as the mosquitto user and must reach its folder
    try:
        done = subprocess.run(
            [sys.executable, "-m", "launcher.demo", "--folder", str(folder / "demo"),
             "--seconds", "3"], capture_output=True, text=True, timeout=120, check=False)
        log = done.stdout + done.stderr
        assert done.returncode == 0, log[-3000:]
        assert "config catalogue v1 from all" in log
        assert "demo members enrolled: 3" in log
        assert "Traceback" not in log, log[-3000:]
        again = subprocess.run(
            [sys.executable, "-m", "launcher.demo", "--folder", str(folder / "demo"),
             "--seconds", "1"], capture_output=True, text=True, timeout=120, check=False)
        assert again.returncode == 0
        assert "demo members enrolled: 0" in again.stdout + again.stderr  # kept, not doubled
    finally:
        shutil.rmtree(folder, ignore_errors=True)
