"""A terminal asking HQ to authorise a debit, one request after the other, in a process of its
own (bench/broker_ingest_bench.py): in the bench's process its round trips waited for the GIL
behind the 200 publishing clients, which a real terminal, a device of its own, never does.

    python -m bench.auth_probe PORT TERMINAL_ID PASSWORD STORE_FILE STOP_FILE OUT_FILE

Asks until STOP_FILE exists, then writes one line to OUT_FILE: the round trips in ms, then the
count of unanswered requests, as JSON."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from protocol.wire_auth import AuthRequest
from terminal.store.store import open_store
from terminal.sync.client import SyncClient
from terminal.sync.settings import SyncSettings

PROBE_CARD = "8800000000009998"  # no bench terminal issues it
ONLINE_WAIT_S = 60.0


def main(arguments: list[str]) -> int:
    port, terminal_id, password, store_file, stop_file, out_file = arguments
    store = open_store(Path(store_file))
    client = SyncClient(store, SyncSettings(terminal_id, password, store_id="SH001",
                                            port=int(port)))
    client.start()
    try:
        if not client.online.wait(ONLINE_WAIT_S):
            print(f"{terminal_id} did not come online", file=sys.stderr)
            return 1
        Path(out_file).with_suffix(".ready").touch()
        times_ms, unanswered, number = [], 0, 0
        while not Path(stop_file).exists():
            number += 1
            request = AuthRequest(terminal_id, f"{terminal_id}-{number}", PROBE_CARD,
                                  "stored_value", 100)
            started = time.perf_counter()
            answer = client.authorise(request)
            times_ms.append((time.perf_counter() - started) * 1000)
            unanswered += answer is None
        Path(out_file).write_text(json.dumps([times_ms, unanswered]), encoding="utf-8")
        return 0
    finally:
        client.stop()
        store.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
