"""`hq members ...`: members as HQ's directory knows them.

    hq members inactive --days 90 [--limit 100]
        members whose every card was last seen at a counter more than DAYS days ago (by HQ's
        clock), longest away first, one line each: member, name, last visit (hq.visits)

Members never seen at a counter since HQ began keeping last visits (migration 14) are not
listed: they have no last visit yet.
"""

from __future__ import annotations

import argparse
from datetime import timedelta

from hq.bootstrap import open_hq_database
from hq.cli.console_text import TIME_FORMAT, printable
from hq.settings import HqSettings
from hq.times import stored_time, utc_now
from hq.visits import inactive_members

MAX_DAYS = 3650


def add_member_commands(commands: argparse._SubParsersAction) -> None:
    members = commands.add_parser("members", help="members as HQ knows them")
    member_commands = members.add_subparsers(required=True)
    inactive = member_commands.add_parser("inactive", help="members not seen for DAYS days")
    inactive.add_argument("--days", type=int, required=True, help=f"1 to {MAX_DAYS}")
    inactive.add_argument("--limit", type=int, default=100, help="at most this many (100)")
    inactive.set_defaults(run=_inactive)


def _inactive(settings: HqSettings, arguments: argparse.Namespace) -> int:
    if not 1 <= arguments.days <= MAX_DAYS:
        raise ValueError(f"--days must be 1 to {MAX_DAYS}, not {arguments.days}")
    db = open_hq_database(settings)
    before = stored_time(utc_now()) - timedelta(days=arguments.days)
    found = inactive_members(db, before, max(arguments.limit, 1))
    names = {row.member_id: row.name for row in db.members.select().where(
        db.members.member_id.in_([member_id for member_id, _ in found]))} if found else {}
    for member_id, last_visit in found:
        print(printable(f"{member_id}\t{names.get(member_id, '')}\t"
                        f"{last_visit.strftime(TIME_FORMAT)}"))
    if not found:
        print("no inactive member")
    return 0
