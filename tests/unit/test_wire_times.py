"""Times on the wire (protocol.wire_times, docs/protocol.md "Times"): a terminal writes its
local clock with its offset, HQ refuses a time without one, a terminal reads HQ's times as its
own local time; HQ stores naive UTC and takes days in a store's zone (hq.times)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hq.times import aware_time, local_day, local_wall_time, stored_time
from protocol.wire_bounds import WireError
from protocol.wire_times import local_time, required_time, wire_time, with_entry_offsets

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def in_shanghai(monkeypatch):
    """This process's local zone is Asia/Shanghai, as a store's terminal's is."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_terminal_writes_its_local_clock_with_its_offset(in_shanghai):
    assert wire_time(datetime(2026, 12, 8, 7, 30)) == "2026-12-08T07:30:00+08:00"
    aware = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)
    assert wire_time(aware) == "2026-12-07T23:30:00+00:00"  # HQ's, as it is


def test_hq_refuses_a_time_without_its_offset():
    assert required_time({"at": "2026-12-08T07:30:00+08:00"}, "at") == datetime(
        2026, 12, 7, 23, 30, tzinfo=UTC)
    for bad in ("2026-12-08T07:30:00", "yesterday", 42, None, "2026-12-08T07:30:00+08:00" * 2):
        with pytest.raises(WireError) as caught:
            required_time({"at": bad}, "at")
        assert caught.value.reason == "invalid_field"
    with pytest.raises(WireError, match="without its UTC offset"):
        required_time({"sent_at": "2026-12-08T07:30:00"}, "sent_at")


def test_a_terminal_reads_hqs_times_as_its_own_local_time(in_shanghai):
    assert local_time({"as_of": "2026-12-07T23:30:00+00:00"}, "as_of") == datetime(
        2026, 12, 8, 7, 30)
    # An HQ from before offsets on the wire: taken as local already.
    assert local_time({"as_of": "2026-12-08T07:30:00"}, "as_of") == datetime(2026, 12, 8, 7, 30)


def test_an_outbox_entry_written_in_local_time_is_sent_with_the_offset(in_shanghai):
    payload = {"card_no": "8800", "entries": [{"at": "2026-12-08T07:30:00", "delta": 1},
                                              {"at": "2026-12-08T07:31:00+08:00", "delta": 2}]}
    sent = with_entry_offsets(payload)
    assert [entry["at"] for entry in sent["entries"]] == [
        "2026-12-08T07:30:00+08:00", "2026-12-08T07:31:00+08:00"]
    assert payload["entries"][0]["at"] == "2026-12-08T07:30:00"  # the outbox is not changed
    assert with_entry_offsets(sent) is sent  # nothing to stamp: no copy
    session = {"service": "study", "started_at": "2026-12-08T07:00:00", "entries": []}
    assert with_entry_offsets(session)["started_at"] == "2026-12-08T07:00:00+08:00"


def test_hq_stores_utc_and_takes_a_day_in_the_stores_zone():
    at_seven_thirty = datetime(2026, 12, 8, 7, 30, tzinfo=SHANGHAI)
    stored = stored_time(at_seven_thirty)
    assert stored == datetime(2026, 12, 7, 23, 30) and stored.tzinfo is None
    assert stored_time(stored) == stored  # a stored time is UTC already
    assert aware_time(stored) == at_seven_thirty
    assert local_day(stored, SHANGHAI) == date(2026, 12, 8)  # not the UTC day, the 7th
    assert local_day(stored, UTC) == date(2026, 12, 7)
    assert local_wall_time(stored, SHANGHAI) == datetime(2026, 12, 8, 7, 30)
    assert local_wall_time(at_seven_thirty - timedelta(hours=8), SHANGHAI).hour == 23
