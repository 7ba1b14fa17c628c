"""A far-future terminal time counts as HQ's receive time in a last-writer-wins
(hq.ingest.future_times); within the allowed skew it is kept as sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hq.ingest.future_times import clamped_events, not_after_receipt
from protocol.wire import WireEvent

RECEIVED = datetime(2026, 11, 23, 2, 0)  # stored naive UTC
SHANGHAI = timezone(timedelta(hours=8))


def test_a_time_within_the_skew_is_kept_and_one_beyond_it_is_the_receive_time():
    fast = datetime(2026, 11, 23, 10, 4, tzinfo=SHANGHAI)  # 4 minutes ahead of HQ
    assert not_after_receipt(fast, RECEIVED, 300) is fast
    ahead = datetime(2036, 11, 23, 10, 0, tzinfo=SHANGHAI)
    assert not_after_receipt(ahead, RECEIVED, 300) == RECEIVED.replace(tzinfo=UTC)
    assert not_after_receipt(RECEIVED + timedelta(days=1), RECEIVED, 300) == RECEIVED


def test_only_the_events_beyond_the_skew_are_redated():
    honest = WireEvent(1, "T1-1", "card.frozen", RECEIVED, {"card_no": "C"})
    far = WireEvent(2, "T1-2", "member.registered", RECEIVED + timedelta(days=3650),
                    {"member_id": "M1"})
    kept, redated = clamped_events([honest, far], RECEIVED, 300)
    assert kept is honest
    assert (redated.at, redated.seq, redated.payload) == (RECEIVED, 2, far.payload)
