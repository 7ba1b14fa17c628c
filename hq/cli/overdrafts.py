"""`hq overdrafts ...`: what offline debits left for a person to settle (decision 6).

    hq overdrafts list [--terminal T1] [--reason offline_limit_card] [--limit 100]
        the newest rows, one line each: when, terminal, seq, op, card, kind (and service),
        reason, amount over

Reasons: `balance` (a card's stored value, uses or prepaid minutes (kind `time`) left below
zero), `points` (points redeemed beyond HQ's balance: kind `points`), `offline_limit_card` and
`offline_limit_terminal`
(offline debits beyond the card's or the terminal's offline limit, hq/ingest/offline_flags.py).
The debits were applied: the money was spent at the counter.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from hq.bootstrap import open_hq_database
from hq.cli.console_text import TIME_FORMAT, printable
from hq.db import HqDatabase
from hq.settings import HqSettings


def add_overdraft_commands(commands: argparse._SubParsersAction) -> None:
    overdrafts = commands.add_parser("overdrafts", help="offline debits to settle")
    overdraft_commands = overdrafts.add_subparsers(required=True)
    listed = overdraft_commands.add_parser("list", help="the newest overdrafts and flags")
    listed.add_argument("--terminal", default="", help="only this terminal's")
    listed.add_argument("--reason", default="", help="only this reason's")
    listed.add_argument("--limit", type=int, default=100, help="at most this many (100)")
    listed.set_defaults(run=_list)


def overdraft_rows(db: HqDatabase, terminal_id: str = "", reason: str = "", limit: int = 100
                   ) -> list[Any]:
    rows = db.overdrafts
    query = rows.select().order_by(rows.detected_at.desc(), rows.id.desc()).limit(limit)
    if terminal_id:
        query = query.where(rows.terminal_id == terminal_id)
    if reason:
        query = query.where(rows.reason == reason)
    return list(query)


def overdraft_line(row: Any) -> str:
    when = (row.detected_at.strftime(TIME_FORMAT) if isinstance(row.detected_at, datetime)
            else str(row.detected_at))
    kind = f"{row.kind}:{row.service}" if row.service else row.kind
    return printable(f"{when}\t{row.terminal_id}\tseq {row.seq}\top {row.op_id}\t"
                      f"card {row.card_no}\t{kind}\t{row.reason}\tover {row.amount_over}")


def _list(settings: HqSettings, arguments: argparse.Namespace) -> int:
    rows = overdraft_rows(open_hq_database(settings), arguments.terminal, arguments.reason,
                          max(arguments.limit, 1))
    for row in rows:
        print(overdraft_line(row))
    if not rows:
        print("no overdraft")
    return 0
