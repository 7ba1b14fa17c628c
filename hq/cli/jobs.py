"""`hq jobs ...`: HQ's daily jobs by hand (hq.jobs), for an operator.

    hq jobs run points_expiry|level_review [--day 2026-12-08] [--no-push]
        run the job for that day (default: today in default_time_zone) unless it has run;
        then send the changed cards to the terminals that hold them (hq.card_updates)
    hq jobs list [--limit 30]
        the newest runs: job, day, when, cards changed, by whom

A day runs once, whoever runs it: a second run prints `already ran` and exits 0. A broker that
cannot be reached is a message and exit 2 after the job committed: the terminals then get the
cards at their next lookup or rebuild.
"""

from __future__ import annotations

import argparse
from datetime import date

from hq.bootstrap import connect_client, open_hq_database
from hq.card_updates import push_card_updates
from hq.cli.console_text import TIME_FORMAT, printable
from hq.config_push import PUBLISH_TIMEOUT_S, ConfigPushError
from hq.jobs import JOBS, run_job
from hq.member_lookup import MemberLookup
from hq.settings import HqSettings
from hq.stores import time_zone
from hq.times import local_day, utc_now


def add_job_commands(commands: argparse._SubParsersAction) -> None:
    jobs = commands.add_parser("jobs", help="the daily points expiry and level review")
    job_commands = jobs.add_subparsers(required=True)
    run = job_commands.add_parser("run", help="run one job for one day (once per day)")
    run.add_argument("name", choices=sorted(JOBS))
    run.add_argument("--day", type=date.fromisoformat, default=None,
                     help="YYYY-MM-DD (default: today in default_time_zone)")
    run.add_argument("--no-push", action="store_true",
                     help="do not send the changed cards to the terminals")
    run.set_defaults(run=_run)
    listed = job_commands.add_parser("list", help="the newest job runs")
    listed.add_argument("--limit", type=int, default=30)
    listed.set_defaults(run=_list)


def _run(settings: HqSettings, arguments: argparse.Namespace) -> int:
    db = open_hq_database(settings)
    zone = time_zone(settings.default_time_zone)
    now = utc_now()
    day = arguments.day or local_day(now, zone)
    outcome = run_job(db, arguments.name, day, zone, now, started_by="cli")
    if not outcome.ran:
        print(f"{outcome.job} {outcome.day}: already ran")
        return 0
    print(f"{outcome.job} {outcome.day}: {len(outcome.cards)} cards changed")
    if outcome.cards and not arguments.no_push:
        client = connect_client(settings, f"{settings.worker_id}-jobs")
        try:
            def send(topic: str, payload: bytes) -> None:
                info = client.publish(topic, payload, qos=1)
                info.wait_for_publish(timeout=PUBLISH_TIMEOUT_S)
                if not info.is_published():
                    raise ConfigPushError(f"the broker did not accept {topic}")

            sent = push_card_updates(db, MemberLookup(db), send, outcome.cards, utc_now())
        finally:
            client.disconnect()
            client.loop_stop()
        print(f"sent {sent} card updates")
    return 0


def _list(settings: HqSettings, arguments: argparse.Namespace) -> int:
    runs = open_hq_database(settings).job_runs
    rows = runs.select().order_by(runs.day.desc(), runs.id.desc()).limit(max(arguments.limit, 1))
    for row in rows:
        print(printable(f"{row.job}\t{row.day}\t{row.ran_at.strftime(TIME_FORMAT)}\t"
                        f"{row.cards_changed} cards\t{row.started_by}"))
    return 0
