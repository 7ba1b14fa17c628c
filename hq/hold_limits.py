"""What one terminal may hold at HQ (issue 10): holds belong to the terminal that asked, and a
terminal's active holds are bounded in number and in stored value, each for at most the hold
time (hq.authority). A hostile terminal can then keep at most `max_total_fen` of the chain's
stored value (and `max_active` debits) reserved at any moment, and nothing for longer than a
hold lasts unless it keeps asking; an honest counter has one or two operations in flight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from peewee import Case, fn

from hq.db import HqDatabase
from hq.times import stored_time
from protocol.wire_auth import AuthRequest

DEFAULT_MAX_ACTIVE_HOLDS = 20
DEFAULT_MAX_HELD_FEN = 2_000_000  # ¥20,000: far above one counter's sale, far below a chain's
OP_NOT_OWN = "auth.op_not_own"  # the op_id is not one the asking terminal could have made
TOO_MANY_HOLDS = "auth.terminal_holds"  # the terminal already holds max_active debits
TOO_MUCH_HELD = "auth.terminal_held_total"  # its stored-value holds would pass max_total_fen


@dataclass(frozen=True)
class HoldLimits:
    max_active: int = DEFAULT_MAX_ACTIVE_HOLDS
    max_total_fen: int = DEFAULT_MAX_HELD_FEN


def owns_op_id(terminal_id: str, op_id: str) -> bool:
    """Terminals make op_ids as `<terminal id>-<sequence number>`
    (terminal.cashier.context.operation_id): the op_id's owner is what comes before its last
    `-`. Terminal ids may contain `-`, so a plain prefix test would let terminal `T1` claim
    `T1-5-000001`, an op_id of terminal `T1-5`; the last `-` names one owner only."""
    owner, dash, number = op_id.rpartition("-")
    return bool(dash and number) and owner == terminal_id


def over_limit(db: HqDatabase, limits: HoldLimits, request: AuthRequest, replaced: Any,
               now: datetime) -> str:
    """The message key if approving `request` would take its terminal past its limits, or "".
    `replaced` is the operation's own active hold this request would grow (it stops counting)."""
    count, held_fen = _active_holds(db, request.terminal_id, now, replaced)
    if count + 1 > limits.max_active:
        return TOO_MANY_HOLDS
    if request.kind == "stored_value" and held_fen + request.amount > limits.max_total_fen:
        return TOO_MUCH_HELD
    return ""


def _active_holds(db: HqDatabase, terminal_id: str, now: datetime, replaced: Any
                  ) -> tuple[int, int]:
    """How many unexpired active holds the terminal has, and the fen its stored-value ones
    reserve (index holds_terminal_active)."""
    holds = db.holds
    conditions = [holds.terminal_id == terminal_id, holds.state == "active",
                  holds.expires_at > stored_time(now)]
    if replaced is not None:
        conditions.append(holds.id != replaced.id)
    fen = fn.SUM(Case(None, [(holds.kind == "stored_value", holds.amount)], 0))
    count, held = holds.select(fn.COUNT(holds.id), fen).where(*conditions).tuples().get()
    return int(count or 0), int(held or 0)
