"""`hq pins ...`: member PINs kept at HQ (hq/pins.py).

    hq pins unlock CARD_NO    lift the lockout after three wrong PINs

Three wrong PINs in a row lock a card at HQ; a person decides to lift it (the member proved who
they are at the counter or on the phone). The member's PIN is unchanged; a terminal that locked
the card while offline lifts its own lock at the next answer from HQ.
"""

from __future__ import annotations

import argparse
import sys

from hq.bootstrap import open_hq_database
from hq.pins import unlock_pin
from hq.settings import HqSettings
from hq.times import utc_now


def add_pin_commands(commands: argparse._SubParsersAction) -> None:
    pins = commands.add_parser("pins", help="member PINs kept at HQ")
    pin_commands = pins.add_subparsers(required=True)
    unlock = pin_commands.add_parser("unlock", help="lift a card's lockout after wrong PINs")
    unlock.add_argument("card_no")
    unlock.set_defaults(run=_unlock)


def _unlock(settings: HqSettings, arguments: argparse.Namespace) -> int:
    card_no = arguments.card_no
    if not unlock_pin(open_hq_database(settings), card_no, utc_now()):
        print(f"hq: card {card_no} has no PIN at HQ", file=sys.stderr)
        return 1
    print(f"{card_no}: PIN unlocked")
    return 0
