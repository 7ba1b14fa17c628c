"""`hq quarantine ...`: events HQ stored but applied to nothing (hq/ingest/quarantine.py).

    hq quarantine list [--terminal T1] [--limit 100] [--payload]
        the newest quarantined events, one line each: when, terminal, seq, op, type, reason
        (with --payload, the event's payload as received on the next line)

A terminal's event that no rule allows (a credit with nothing paid, an adjustment, points at
enrolment, an entry on a card the event does not name) is kept whole and listed here for a
person to settle; it moved no balance.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from hq.bootstrap import open_hq_database
from hq.cli.console_text import TIME_FORMAT, printable
from hq.ingest.quarantine import quarantined_rows
from hq.settings import HqSettings


def add_quarantine_commands(commands: argparse._SubParsersAction) -> None:
    quarantine = commands.add_parser("quarantine", help="events no rule allows")
    quarantine_commands = quarantine.add_subparsers(required=True)
    listed = quarantine_commands.add_parser("list", help="the newest quarantined events")
    listed.add_argument("--terminal", default="", help="only this terminal's")
    listed.add_argument("--limit", type=int, default=100, help="at most this many (100)")
    listed.add_argument("--payload", action="store_true", help="print each payload too")
    listed.set_defaults(run=_list)


def quarantine_line(row: dict[str, Any]) -> str:
    at = row["received_at"]
    when = at.strftime(TIME_FORMAT) if isinstance(at, datetime) else str(at)
    return printable(f"{when}\t{row['terminal_id']}\tseq {row['seq']}\t"
                      f"op {row['op_id']}\t{row['type']}\t{row['reason']}")


def _list(settings: HqSettings, arguments: argparse.Namespace) -> int:
    rows = quarantined_rows(open_hq_database(settings), arguments.terminal,
                            max(arguments.limit, 1))
    for row in rows:
        print(quarantine_line(row))
        if arguments.payload:
            print(f"\t{printable(row['payload'])}")
    if not rows:
        print("no quarantined event")
    return 0
