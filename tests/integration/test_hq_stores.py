"""Stores in HQ's master data (hq.stores, `hq store add/set/list`, migration 11): each store's
time zone, checked with zoneinfo; a store HQ has not been told about is in the default zone.
Real SQLite and PostgreSQL."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from hq.cli import main as hq_main
from hq.db import HqDatabase
from hq.stores import (
    DEFAULT_TIME_ZONE,
    ZONE_MEMORY_S,
    StoreError,
    StoreRecord,
    StoreZones,
    add_store,
    set_store,
)
from hq.times import utc_now


@pytest.fixture
def cli(hq_database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("HQ_DATABASE_URL", hq_database_url)
    monkeypatch.setenv("HQ_DATA_DIR", str(tmp_path / "hq"))
    return hq_main


def test_stores_are_added_changed_and_listed(hq: HqDatabase, cli, capsys) -> None:
    assert cli(["store", "add", "SH001", "--name", "徐汇店", "--region", "east"]) == 0
    assert cli(["store", "add", "XJ001", "--zone", "Asia/Urumqi"]) == 0
    assert cli(["store", "set", "SH001", "--zone", "Asia/Shanghai", "--region", ""]) == 0
    capsys.readouterr()
    assert cli(["store", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "SH001\tAsia/Shanghai\t-\t徐汇店", "XJ001\tAsia/Urumqi\t-\t"]
    row = hq.stores.get_by_id("XJ001")
    assert (row.name, row.region_id, row.time_zone) == ("", "", "Asia/Urumqi")
    assert row.created_at.tzinfo is None  # naive UTC, as HQ stores every time


@pytest.mark.parametrize("arguments, message", [
    (["store", "add", "SH002", "--zone", "Mars/Olympus"], "is not an IANA time zone"),
    (["store", "add", "SH002", "--zone", "../../etc/passwd"], "is not an IANA time zone"),
    (["store", "add", "bad id"], "store id"),
    (["store", "add", "SH001"], "exists already"),
    (["store", "set", "NOPE", "--zone", "UTC"], "no store 'NOPE'"),
])
def test_a_store_that_cannot_be_kept_is_refused_with_a_message(hq, cli, capsys, arguments,
                                                              message) -> None:
    add_store(hq, StoreRecord("SH001", "", "", "Asia/Shanghai", utc_now()))
    assert cli(arguments) == 2
    assert message in capsys.readouterr().err
    assert [row.store_id for row in hq.stores.select()] == ["SH001"]


def test_a_terminals_zone_is_its_stores_else_the_default(hq: HqDatabase) -> None:
    add_store(hq, StoreRecord("XJ001", "", "", "Asia/Urumqi", utc_now()))
    hq.terminals.insert(id="T1", store_id="XJ001").execute()
    hq.terminals.insert(id="T2", store_id="NEW").execute()
    zones = StoreZones(hq)
    assert zones.of_terminal("T1") == ZoneInfo("Asia/Urumqi")
    assert zones.of_terminal("T2") == zones.of_store("") == ZoneInfo(DEFAULT_TIME_ZONE)
    assert zones.of_terminal("T9", claimed_store="XJ001") == ZoneInfo("Asia/Urumqi")
    assert StoreZones(hq, "UTC").of_terminal("T2") == ZoneInfo("UTC")
    with pytest.raises(StoreError):
        StoreZones(hq, "Nowhere/City")


def test_a_terminals_zone_is_remembered_for_a_minute(hq: HqDatabase) -> None:
    add_store(hq, StoreRecord("XJ001", "", "", "Asia/Urumqi", utc_now()))
    hq.terminals.insert(id="T1", store_id="XJ001").execute()
    now = [0.0]
    zones = StoreZones(hq, clock=lambda: now[0])
    assert zones.of_terminal("T1") == ZoneInfo("Asia/Urumqi")
    set_store(hq, "XJ001", zone="Asia/Shanghai")  # by an operator, from another process
    now[0] = ZONE_MEMORY_S - 1
    assert zones.of_terminal("T1") == ZoneInfo("Asia/Urumqi")
    now[0] = ZONE_MEMORY_S
    assert zones.of_terminal("T1") == ZoneInfo("Asia/Shanghai")
