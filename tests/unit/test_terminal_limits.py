"""HQ's per-terminal bounds (hq.terminal_limits): a sliding window per terminal, and the distinct
cards a terminal may fail PINs on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hq.terminal_limits import FailedCardLimit, RateLimit

AT = datetime(2026, 11, 23, 10, 0)


def test_a_rate_limit_counts_per_terminal_within_a_sliding_window():
    limit = RateLimit(3, timedelta(minutes=1))
    assert [limit.take("T1", AT + timedelta(seconds=s)) for s in (0, 10, 20, 30)] == [
        True, True, True, False]
    assert limit.take("T2", AT + timedelta(seconds=30))  # another terminal's own allowance
    assert not limit.take("T1", AT + timedelta(seconds=59))  # refused uses are not counted
    assert limit.take("T1", AT + timedelta(seconds=60))  # the first use has left the window
    assert not limit.take("T1", AT + timedelta(seconds=61))


def test_a_terminal_fails_pins_on_a_bounded_number_of_cards():
    limit = FailedCardLimit(2, timedelta(days=1))
    for card in ("A", "B"):
        assert limit.allows("T1", card, AT)
        limit.count_failure("T1", card, AT)
    assert not limit.allows("T1", "C", AT)
    assert limit.allows("T1", "A", AT + timedelta(hours=1))  # a card already failed on: yes
    assert limit.allows("T2", "C", AT)
    limit.count_failure("T1", "A", AT + timedelta(hours=12))
    assert limit.allows("T1", "C", AT + timedelta(days=1))  # B's failure is a day old
    limit.count_failure("T1", "C", AT + timedelta(days=1))
    assert not limit.allows("T1", "D", AT + timedelta(days=1))  # A (12 h ago) and C


def test_a_window_counts_instants_whatever_zone_the_clock_gives() -> None:
    """HQ's clock is aware UTC, stored times naive UTC: the same instant either way."""
    limit = RateLimit(1, timedelta(minutes=1))
    at = datetime(2026, 12, 8, 7, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert limit.take("T1", at)
    assert not limit.take("T1", datetime(2026, 12, 7, 23, 30, 30))  # 30 s later, naive UTC
    assert limit.take("T1", at.astimezone(UTC) + timedelta(seconds=61))
