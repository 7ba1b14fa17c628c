"""Fast sync timers for tests: the one place that says how much shorter than production they run.

Production waits 10 s for HQ's acknowledgement before sending again and backs off up to 30 s
between reconnects; a fault test that stops the broker or kills a worker would spend most of its
time in those waits. The values here keep the same code paths (a rewind, a reconnect with
jitter) but take about a second. Use them wherever a test builds `SyncSettings`, starts a fleet
terminal process (`fast_sync_flags()`) or gives a terminal an `[hq]` table (`fast_hq_timers()`).
"""

from __future__ import annotations

from typing import Any

from terminal.sync.settings import SyncSettings

# Each a SyncSettings field; `[hq]` keys and fleet terminal flags use the same names.
FAST_SYNC_TIMERS: dict[str, Any] = {
    "idle_poll_s": 0.05,
    # Long enough that HQ committing a batch on a busy machine is not taken for a lost one.
    "ack_timeout_s": 2.0,
    "publish_timeout_s": 2.0,
    "reconnect_max_delay_s": 1,
}


# How often the status bar reads the sync's state in UI tests (production: once a second).
FAST_STATUS_POLL_S = 0.1

# How often an HQ worker's job scheduler looks for due days (`[hq] jobs_poll_s`; production 60).
FAST_HQ_JOBS_POLL_S = 0.1


def fast_sync_settings(terminal_id: str, password: str, **overrides: Any) -> SyncSettings:
    """SyncSettings with the fast timers (store SH001 unless overridden)."""
    fields: dict[str, Any] = {"store_id": "SH001", **FAST_SYNC_TIMERS, **overrides}
    return SyncSettings(terminal_id, password, **fields)


def fast_sync_flags(**overrides: Any) -> list[str]:
    """The fast timers as `harness.fleet_terminal` flags (`--ack-timeout-s 2.0` ...)."""
    timers = {**FAST_SYNC_TIMERS, **overrides}
    flags: list[str] = []
    for name, value in timers.items():
        flags += [f"--{name.replace('_', '-')}", str(value)]
    return flags


def fast_hq_timers(**overrides: Any) -> dict[str, Any]:
    """The fast timers as keys of the terminal's `[hq]` table (terminal/config.py)."""
    return {**FAST_SYNC_TIMERS, **overrides}
