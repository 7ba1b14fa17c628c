"""The card reader `make run` gives the terminal.

By default the real PC/SC stack: a private pcscd (huiyuan_devices.cardreader.private_pcscd) with
vsmartcard's virtual reader, the terminal's reader `kind = "pcsc"` on it, and the simulator
panel's demo cards put on that reader as virtual member cards (`[demo] virtual_card_port`), so a
tap goes pyscard → pcscd → vpcd → card like a card on a physical reader. Where pcscd cannot run
(no root, no unshare, packages missing) the demo says why in one line and uses the simulated
reader. `--card-reader simulated` asks for the simulated reader; `--device card_reader=...` for
a physical one, through the machine's own pcscd.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huiyuan_devices.cardreader.private_pcscd import (
    SOCKET_ENV,
    VPCD_READER_00,
    PcscdUnavailable,
    PrivatePcscd,
    why_it_cannot_run,
)

log = logging.getLogger("harness.demo_card_reader")

VIRTUAL = "virtual"
SIMULATED = "simulated"
CHOICES = (VIRTUAL, SIMULATED)


@dataclass(frozen=True)
class CardReaderChoice:
    table: dict[str, Any] = field(default_factory=lambda: {"kind": "simulated"})
    virtual_card_port: int = 0  # [demo] virtual_card_port; 0: the cards are not virtual


def choose_card_reader(wanted: str, stack: ExitStack) -> CardReaderChoice:
    """The [devices.card_reader] table and [demo] port for `wanted` (VIRTUAL or SIMULATED). A
    private pcscd it starts is stopped, and its folder removed, when `stack` closes."""
    if wanted == SIMULATED:
        return CardReaderChoice()
    try:
        pcscd = _start_private_pcscd(stack)
    except PcscdUnavailable as why:
        print(f"demo: simulated card reader, because a private pcscd cannot run here: {why}",
              flush=True)
        return CardReaderChoice()
    log.info("card reader: PC/SC on %r of a private pcscd (pid %s, socket %s); the simulator "
             "panel's cards are virtual member cards on port %d", VPCD_READER_00, pcscd.pid,
             pcscd.socket_path, pcscd.ports[VPCD_READER_00])
    return CardReaderChoice({"kind": "pcsc", "reader": VPCD_READER_00},
                            pcscd.ports[VPCD_READER_00])


def _start_private_pcscd(stack: ExitStack) -> PrivatePcscd:
    reason = why_it_cannot_run()
    if reason:
        raise PcscdUnavailable(reason)
    # A short path of its own: a Unix socket's path has at most 107 bytes.
    folder = Path(tempfile.mkdtemp(prefix="hy-pcscd-demo-"))
    stack.callback(shutil.rmtree, folder, ignore_errors=True)
    pcscd = PrivatePcscd(folder)
    before = os.environ.get(SOCKET_ENV)
    pcscd.route_clients()  # before this process's first PC/SC call
    try:
        pcscd.start()
    except PcscdUnavailable:
        _restore_environment(before)
        raise
    stack.callback(pcscd.stop)
    return pcscd


def _restore_environment(value: str | None) -> None:
    if value is None:
        os.environ.pop(SOCKET_ENV, None)
    else:
        os.environ[SOCKET_ENV] = value
