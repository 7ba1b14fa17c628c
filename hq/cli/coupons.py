"""`hq coupons ...`: coupon use across the fleet (hq/coupons.py).

    hq coupons conflicts    every coupon used by more than one operation, one line each

A coupon is used once; a terminal that was offline may have taken one already used elsewhere.
HQ keeps both sales (they happened) and lists them here for a person to settle.
"""

from __future__ import annotations

import argparse

from hq.bootstrap import open_hq_database
from hq.cli.console_text import TIME_FORMAT
from hq.coupons import CouponConflict, conflicts
from hq.settings import HqSettings


def add_coupon_commands(commands: argparse._SubParsersAction) -> None:
    coupons = commands.add_parser("coupons", help="coupon use across the fleet")
    coupon_commands = coupons.add_subparsers(required=True)
    listed = coupon_commands.add_parser("conflicts", help="coupons used more than once")
    listed.set_defaults(run=_conflicts)


def conflict_line(conflict: CouponConflict) -> str:
    return (f"{conflict.code}\tused {len(conflict.op_ids)} times\t"
            f"ops {', '.join(conflict.op_ids)}\tterminals {', '.join(conflict.terminal_ids)}\t"
            f"{conflict.first_used_at:{TIME_FORMAT}} .. {conflict.last_used_at:{TIME_FORMAT}}")


def _conflicts(settings: HqSettings, arguments: argparse.Namespace) -> int:
    found = conflicts(open_hq_database(settings))
    for conflict in found:
        print(conflict_line(conflict))
    if not found:
        print("no coupon used twice")
    return 0
