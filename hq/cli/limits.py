"""`hq limits ...`: offline limits per card and per terminal, and the documents they publish.

    hq limits card CARD --amount 500.00 [--uses 3]   a card's own limits
    hq limits card CARD --default                    back to the fleet's defaults
    hq limits terminal T1 --amount 5000.00           a terminal's limit on unsynced card debits
    hq limits terminal T1 --default
    hq limits gifts 2                                gift units a terminal may redeem offline
    hq limits publish                                publish what changed: blacklist, limits,
                                                     coupons used

Each change is stored, then the `offline_limits` documents that changed are published (retained)
and the command prints their versions.
"""

from __future__ import annotations

import argparse

from hq import config_push
from hq.bootstrap import connect_client, open_hq_database
from hq.card_documents import (
    refresh_card_documents,
    set_card_offline_limits,
    set_gift_allowance,
    set_terminal_offline_limit,
)
from hq.db import HqDatabase
from hq.settings import HqSettings
from hq.times import utc_now
from membership.errors import DomainError
from membership.money import parse_amount


def add_limit_commands(commands: argparse._SubParsersAction) -> None:
    limits = commands.add_parser("limits", help="offline limits and the card blacklist")
    limit_commands = limits.add_subparsers(required=True)
    card = limit_commands.add_parser("card", help="a card's offline limits")
    card.add_argument("card_no")
    _amount_options(card)
    card.add_argument("--uses", type=int, help="uses of any one count service while offline")
    card.set_defaults(run=_card)
    terminal = limit_commands.add_parser("terminal", help="a terminal's offline limit")
    terminal.add_argument("terminal_id")
    _amount_options(terminal)
    terminal.set_defaults(run=_terminal)
    gifts = limit_commands.add_parser(
        "gifts", help="gift units each terminal may redeem while HQ has not heard of them")
    gifts.add_argument("units", type=int)
    gifts.set_defaults(run=_gifts)
    publish = limit_commands.add_parser("publish", help="publish what changed")
    publish.set_defaults(run=_publish)


def _amount_options(parser: argparse.ArgumentParser) -> None:
    choice = parser.add_mutually_exclusive_group(required=True)
    choice.add_argument("--amount", help="yuan, e.g. 500.00")
    choice.add_argument("--default", action="store_true", help="back to the default")


def _fen(arguments: argparse.Namespace) -> int | None:
    if arguments.default:
        return None
    try:
        return parse_amount(arguments.amount)
    except DomainError as error:
        raise ValueError(f"--amount {arguments.amount!r}: not an amount of money ({error})"
                         ) from None


def _card(settings: HqSettings, arguments: argparse.Namespace) -> int:
    db = open_hq_database(settings)
    uses = None if arguments.default else arguments.uses
    set_card_offline_limits(db, arguments.card_no, _fen(arguments), uses)
    return _publish_changes(settings, db)


def _terminal(settings: HqSettings, arguments: argparse.Namespace) -> int:
    db = open_hq_database(settings)
    set_terminal_offline_limit(db, arguments.terminal_id, _fen(arguments))
    return _publish_changes(settings, db)


def _gifts(settings: HqSettings, arguments: argparse.Namespace) -> int:
    db = open_hq_database(settings)
    document = set_gift_allowance(db, arguments.units, utc_now())
    client = connect_client(settings, f"{settings.worker_id}-limits")
    try:
        config_push.publish(client, document)
    finally:
        client.disconnect()
        client.loop_stop()
    print(f"published {document.name} v{document.version} to {document.scope}")
    return _publish_changes(settings, db)


def _publish(settings: HqSettings, arguments: argparse.Namespace) -> int:
    return _publish_changes(settings, open_hq_database(settings))


def _publish_changes(settings: HqSettings, db: HqDatabase) -> int:
    client = connect_client(settings, f"{settings.worker_id}-limits")
    try:
        published = refresh_card_documents(
            db, lambda document: config_push.publish(client, document), utc_now())
    finally:
        client.disconnect()
        client.loop_stop()
    for document in published:
        print(f"published {document.name} v{document.version} to {document.scope}")
    if not published:
        print("nothing changed")
    return 0
