"""The `hq` command: serve, push configuration, show configuration status, register terminals,
set offline limits (hq/cli/limits.py), list coupons used twice (hq/cli/coupons.py), unlock a
member PIN (hq/cli/pins.py), list quarantined events (hq/cli/quarantine.py), keep stores and
their time zones (hq/cli/stores.py), run the daily jobs by hand (hq/cli/jobs.py), list
inactive members (hq/cli/members.py).

Every failure is a one-line message on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from hq import config_push
from hq.bootstrap import connect_client, open_hq_database
from hq.cli.coupons import add_coupon_commands
from hq.cli.jobs import add_job_commands
from hq.cli.limits import add_limit_commands
from hq.cli.members import add_member_commands
from hq.cli.overdrafts import add_overdraft_commands
from hq.cli.pins import add_pin_commands
from hq.cli.quarantine import add_quarantine_commands
from hq.cli.stores import add_store_commands
from hq.errors import HqError
from hq.service import HqWorker
from hq.settings import HqSettings, SettingsError, load_settings
from hq.times import utc_now


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    try:
        settings = load_settings(arguments.config)
        return arguments.run(settings, arguments)
    except (SettingsError, HqError, OSError, ValueError) as error:
        print(f"hq: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hq", description="HQ of the membership system")
    parser.add_argument("--config", help="TOML settings file ([hq] table)")
    commands = parser.add_subparsers(required=True)
    serve = commands.add_parser("serve", help="run one ingest and authorisation worker")
    serve.set_defaults(run=_serve)
    config = commands.add_parser("config", help="configuration documents")
    config_commands = config.add_subparsers(required=True)
    push = config_commands.add_parser("push", help="publish a configuration document")
    push.add_argument("file", help="JSON file: {\"name\": ..., \"body\": {...}}")
    push.add_argument("--scope", required=True, help="all, region:R, store:S or terminal:T")
    push.set_defaults(run=_push)
    status = config_commands.add_parser("status", help="desired versus reported, per terminal")
    status.set_defaults(run=_status)
    terminal = commands.add_parser("terminal", help="terminals HQ knows")
    terminal_commands = terminal.add_subparsers(required=True)
    add = terminal_commands.add_parser("add", help="register a terminal's store and region")
    add.add_argument("terminal_id")
    add.add_argument("--store", required=True)
    add.add_argument("--region", default="")
    add.set_defaults(run=_add_terminal)
    add_limit_commands(commands)
    add_quarantine_commands(commands)
    add_overdraft_commands(commands)
    add_store_commands(commands)
    add_coupon_commands(commands)
    add_pin_commands(commands)
    add_job_commands(commands)
    add_member_commands(commands)
    return parser


def _serve(settings: HqSettings, arguments: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    HqWorker(settings, open_hq_database(settings)).serve_forever()
    return 0


def _push(settings: HqSettings, arguments: argparse.Namespace) -> int:
    name, body = _read_document(Path(arguments.file))
    db = open_hq_database(settings)
    document = config_push.next_document(db, name, arguments.scope, body, utc_now())
    client = connect_client(settings, f"{settings.worker_id}-push")
    try:
        config_push.publish(client, document)
    finally:
        client.disconnect()
        client.loop_stop()
    print(f"published {document.name} v{document.version} to {document.scope}")
    return 0


def _read_document(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not JSON ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("name"), str) \
            or not isinstance(document.get("body"), dict):
        raise ValueError(f"{path}: expected {{\"name\": \"...\", \"body\": {{...}}}}")
    return document["name"], document["body"]


def _status(settings: HqSettings, arguments: argparse.Namespace) -> int:
    states = config_push.config_status(open_hq_database(settings))
    for state in states:
        reported = "-" if state.reported_version is None else state.reported_version
        mark = "ok" if state.in_sync else "PENDING"
        print(f"{state.terminal_id}\t{state.name}\t{state.desired_scope}\t"
              f"v{state.desired_version}\treported {reported}\t{mark}")
    return 0 if all(state.in_sync for state in states) else 1


def _add_terminal(settings: HqSettings, arguments: argparse.Namespace) -> int:
    db = open_hq_database(settings)
    terminals = db.terminals
    with db.write_transaction():
        terminals.insert(id=arguments.terminal_id, store_id=arguments.store,
                         region=arguments.region).on_conflict(
            conflict_target=[terminals.id],
            update={terminals.store_id: arguments.store, terminals.region: arguments.region},
        ).execute()
    print(f"terminal {arguments.terminal_id}: store {arguments.store}, "
          f"region {arguments.region or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
