"""The terminal app's speed, measured in the real app (offscreen Kivy window) on simulators:

(a) app start to the sign-in screen drawn: `python -m terminal` started afresh several times
    (a seeded store, no HQ); the app logs the moment. Target < 3 s.
(b) card tap -> member panel drawn: the simulated reader presents a demo card, the event goes
    through the bridge, the member desk looks the card up on the worker (store, no HQ), the
    panel is filled and the next frame drawn. Target p95 < 150 ms.
(c) sale confirmed -> receipt bytes handed to the printer: the cashier taps Confirm on the sale
    screen (a cash sale of two products); measured until the simulated printer holds the
    bytes. Target p95 < 300 ms.

(b) and (c) run in a child process: Kivy takes over the process it is imported in. Without a
display, all three run on a virtual X display (Xvfb, installed by the set-up): see
_display_wrapper for why not SDL's offscreen driver.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

STARTS = 5
TAPS = 60
SALES = 40
START_TARGET_S = 3.0
TAP_TARGET_MS = 150.0
SALE_TARGET_MS = 300.0
LOGGED_START = re.compile(r"login screen shown ([0-9.]+) s after start")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        measure_start(Path(folder))
    done = subprocess.run([*_display_wrapper(), sys.executable, "-m", "bench.ui_bench",
                           "--in-app"], capture_output=True, text=True, timeout=600,
                          check=False)
    print(done.stdout, end="")
    if done.returncode != 0:
        print(f"ui_bench in-app part failed:\n{done.stderr[-2000:]}")


def _display_wrapper() -> list[str]:
    """A virtual X display when there is no display: measured here, SDL's offscreen driver
    uploads label textures with stalls of 200-600 ms that a real display (and Xvfb) does not
    have, so timings under it say more about the driver than about the app."""
    if os.environ.get("DISPLAY") or shutil.which("xvfb-run") is None:
        return []
    return ["xvfb-run", "-a", "-s", "-screen 0 1400x700x24", "env", "SDL_VIDEODRIVER=x11"]


def measure_start(folder: Path) -> None:
    config = folder / "terminal.toml"
    config.write_text(f'[terminal]\ndata_dir = "{folder}"\n[hq]\nenabled = false\n'
                      '[demo]\nseed = true\n')
    seconds = []
    for _ in range(STARTS + 1):  # the first run seeds the store and is not counted
        began = time.monotonic()
        done = subprocess.run([*_display_wrapper(), sys.executable, "-m", "terminal",
                               "--config", str(config), "--seconds", "0.5"],
                              capture_output=True, text=True, timeout=120, check=False)
        logged = LOGGED_START.search(done.stderr + done.stdout)
        if logged is None:
            print(f"app start: no sign-in screen logged:\n{done.stderr[-1500:]}")
            return
        seconds.append((float(logged.group(1)), time.monotonic() - began))
    counted = seconds[1:]
    worst = max(in_app for in_app, _ in counted)
    print(f"app start to sign-in screen: median {statistics.median(s for s, _ in counted):.2f} s,"
          f" worst {worst:.2f} s (process wall incl. interpreter and exit: median "
          f"{statistics.median(w for _, w in counted):.2f} s); target < {START_TARGET_S:.0f} s "
          f"{'ok' if worst < START_TARGET_S else 'ABOVE TARGET'}")


def report(name: str, samples_ms: list[float], target_ms: float) -> None:
    p50 = statistics.median(samples_ms)
    p95 = statistics.quantiles(samples_ms, n=20)[18]
    print(f"{name}: {len(samples_ms)} runs, p50 {p50:.1f} ms, p95 {p95:.1f} ms, max "
          f"{max(samples_ms):.1f} ms; target p95 < {target_ms:.0f} ms "
          f"{'ok' if p95 < target_ms else 'ABOVE TARGET'}")


class _Start(Protocol):
    """Callback protocols rather than Callable[[], ...]: mypy accepts the measured loops'
    `lambda card=card: ...` against them."""

    def __call__(self) -> object: ...


class _Done(Protocol):
    def __call__(self) -> bool: ...


def timed_until(start: _Start, done: _Done, pump: Callable[[], None],
                timeout_s: float = 10.0) -> float:
    """Milliseconds from `start()` until `done()` holds and one more frame is drawn."""
    began = time.perf_counter()
    start()
    while not done():
        if time.perf_counter() - began > timeout_s:
            raise RuntimeError("timed out")
        pump()
    pump()  # the frame that shows it
    return (time.perf_counter() - began) * 1000


if __name__ == "__main__":
    if "--in-app" in sys.argv:
        from bench.ui_bench_app import run_in_app

        run_in_app(TAPS, SALES)
    else:
        main()
