"""`hq store ...`: stores in HQ's master data and the time zone of each (hq/stores.py).

    hq store add S1 --name "徐汇店" [--region east] [--zone Asia/Shanghai]
    hq store set S1 [--name ...] [--region ...] [--zone Asia/Urumqi]
    hq store list      one line each: store, zone, region, name

A store's business day (coupon validity, a card's issue day, "today" for expiry) is its local
day in its zone; a store not added here is in `hq.default_time_zone`.
"""

from __future__ import annotations

import argparse

from hq.bootstrap import open_hq_database
from hq.settings import HqSettings
from hq.stores import StoreRecord, add_store, list_stores, set_store
from hq.times import utc_now


def add_store_commands(commands: argparse._SubParsersAction) -> None:
    store = commands.add_parser("store", help="stores: name, region and time zone")
    store_commands = store.add_subparsers(required=True)
    add = store_commands.add_parser("add", help="add a store")
    add.add_argument("store_id")
    add.add_argument("--name", default="")
    add.add_argument("--region", default="", help="its region id (none if not given)")
    add.add_argument("--zone", help="IANA time zone (default: hq.default_time_zone)")
    add.set_defaults(run=_add)
    changed = store_commands.add_parser("set", help="change a store's name, region or zone")
    changed.add_argument("store_id")
    changed.add_argument("--name")
    changed.add_argument("--region")
    changed.add_argument("--zone", help="IANA time zone")
    changed.set_defaults(run=_set)
    listed = store_commands.add_parser("list", help="every store")
    listed.set_defaults(run=_list)


def _add(settings: HqSettings, arguments: argparse.Namespace) -> int:
    record = StoreRecord(arguments.store_id, arguments.name, arguments.region,
                         arguments.zone or settings.default_time_zone, utc_now())
    add_store(open_hq_database(settings), record)
    print(_line(record))
    return 0


def _set(settings: HqSettings, arguments: argparse.Namespace) -> int:
    record = set_store(open_hq_database(settings), arguments.store_id, arguments.name,
                       arguments.region, arguments.zone)
    print(_line(record))
    return 0


def _list(settings: HqSettings, arguments: argparse.Namespace) -> int:
    for record in list_stores(open_hq_database(settings)):
        print(_line(record))
    return 0


def _line(record: StoreRecord) -> str:
    return "\t".join((record.store_id, record.time_zone, record.region_id or "-", record.name))
