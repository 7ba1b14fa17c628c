"""Refunds HQ cannot judge yet: held back, neither stored nor acknowledged, until it can.

A refund or void gives back at most what is left of its sale (membership.event_rules). When
the sale is not at HQ, it may be in a gap of the terminal's seqs below the refund (a batch lost
on a dead worker's session, batches crossing between workers), or it may never have been made.
Applying such a refund as sent let a hostile terminal skip a seq on purpose and refund a sale
that never was; quarantining it would be false for an honest terminal whose gap is still
coming. So HQ stores a batch only up to (not including) the first such refund: the watermark
stays below it, HQ asks for the gap (and the rest) again, and the terminal, which deletes
nothing above the watermark, sends them again with the gap (docs/protocol.md, Resend). Once
every seq below the refund is in, it is judged: a sale HQ still does not have makes it
`refund_sale_unknown` (hq.ingest.quarantine).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from hq.db import HqDatabase
from hq.ingest.rows import PreparedEvent
from membership.event_rules import REFUNDS, gives_back


def first_held_seq(db: HqDatabase, watermark: int, stored_above: Collection[int],
                   events: Sequence[PreparedEvent]) -> int | None:
    """The seq of the batch's first refund that gives something back, is not stored yet, has
    a seq of the terminal missing below it (neither stored nor in the batch) and whose sale
    is neither at HQ nor earlier in the batch; None when there is none (the common case, at
    no query)."""
    stored = set(stored_above)
    refunds = [prepared for prepared in events
               if prepared.event.type in REFUNDS and prepared.event.seq not in stored
               and gives_back(prepared.entries)]
    if not refunds:
        return None
    present = stored | {prepared.event.seq for prepared in events}
    above_gap = [refund for refund in refunds if _gap_below(watermark, present, refund.event.seq)]
    if not above_gap:
        return None
    known = known_operations(db, {_original(refund) for refund in above_gap})
    for refund in above_gap:
        original = _original(refund)
        if original in known or any(prepared.event.op_id == original
                                    and prepared.event.seq < refund.event.seq
                                    for prepared in events):
            continue
        return refund.event.seq
    return None


def known_operations(db: HqDatabase, op_ids: Collection[str]) -> set[str]:
    """The op_ids of `op_ids` that some stored event (of any terminal) carries."""
    wanted = sorted(op_id for op_id in op_ids if op_id)
    if not wanted:
        return set()
    rows = db.database.execute_sql(
        f'SELECT DISTINCT "op_id" FROM "events" WHERE {db.among("op_id")}',
        [db.list_parameter(wanted)])
    return {op_id for (op_id,) in rows}


def _original(refund: PreparedEvent) -> str:
    original = refund.event.payload.get("original_op")
    return original if isinstance(original, str) else ""


def _gap_below(watermark: int, present: Collection[int], seq: int) -> bool:
    """Whether a seq between the watermark and `seq` is neither stored nor in the batch."""
    return sum(1 for other in present if watermark < other < seq) < seq - watermark - 1
