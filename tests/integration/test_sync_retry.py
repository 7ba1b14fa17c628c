"""No retry storm from a terminal (issue 11): while HQ does not acknowledge, the real SyncClient
sends its backlog once and then only probes, further and further apart; HQ's progress starts
the wait again; at most a window of batches is out; a range HQ asks for many times goes once.

HQ's side is played by a client with HQ's account, subscribed to the terminal's events through
the real broker; it counts what the broker delivered. The back-off's jitter is pinned to its
ceiling so the waits are known: 0.2 s, 0.4 s, 0.8 s, ... (each a minimum, so a slow machine
only spaces the probes further)."""

from datetime import datetime
from itertools import pairwise
from pathlib import Path

from harness.fleet_terminal import SimulatedTerminal
from protocol.wire import build_ack, build_resend, parse_event_batch, terminal_topic
from terminal.sync.client import SyncClient
from tests.support.timers import fast_sync_settings

FIRST_WAIT_S = 0.2


def ceiling(low: float, high: float) -> float:
    return high


def terminal_with_backlog(folder: Path, events: int) -> SimulatedTerminal:
    """A terminal that sold offline until its outbox holds at least `events` events."""
    terminal = SimulatedTerminal.open("T1", folder, None, seed=1)
    while terminal.store.next_seq() - 1 < events:
        terminal.step()
    return terminal


def start_sync(broker, terminal: SimulatedTerminal, **overrides) -> SyncClient:
    settings = {"ack_timeout_s": FIRST_WAIT_S, "batch_size": 3, **overrides}
    sync_settings = fast_sync_settings("T1", broker.accounts.password_for("T1"), port=broker.port,
                                       **settings)
    terminal.sync = SyncClient(terminal.store, sync_settings, jitter=ceiling)
    terminal.sync.start()
    assert terminal.sync.online.wait(10)
    return terminal.sync


def hq_side(broker, mqtt_client_factory):
    client = mqtt_client_factory(broker, "hq")
    client.connect()
    client.subscribe(terminal_topic("T1", "events"))
    return client


def batches(client, count: int, timeout: float = 30) -> list[tuple[float, list[int]]]:
    """The next `count` batches delivered: (when received, their seqs)."""
    return [(message.timestamp, [event.seq for event in
                                 parse_event_batch(message.topic, message.payload).events])
            for message in client.receive(count, timeout=timeout)]


def test_without_acks_the_backlog_goes_once_then_probes_back_off(broker, mqtt_client_factory,
                                                                  tmp_path):
    hq = hq_side(broker, mqtt_client_factory)
    terminal = terminal_with_backlog(tmp_path, 12)
    issued = terminal.store.next_seq() - 1
    start_sync(broker, terminal, ack_timeout_max_s=60.0)
    try:
        backlog = batches(hq, -(-issued // 3))
        assert [seq for _, seqs in backlog for seq in seqs] == list(range(1, issued + 1))
        newest = backlog[-1][1]
        # Each probe: the first batch above the watermark (0) and the newest batch out.
        probes = batches(hq, 2 * 5)
        assert [seqs for _, seqs in probes] == [[1, 2, 3], newest] * 5
        starts = [received for received, _ in probes[::2]]
        gaps = [later - earlier for earlier, later in pairwise(starts)]
        # A fixed period would have sent the whole backlog every 0.2 s; the waits double (less
        # 0.1 s: the broker may deliver one probe later than the next).
        for number, gap in enumerate(gaps, start=1):
            assert gap >= FIRST_WAIT_S * 2 ** number - 0.1, gaps
    finally:
        terminal.close()


def test_hq_s_progress_starts_the_wait_again(broker, mqtt_client_factory, tmp_path):
    hq = hq_side(broker, mqtt_client_factory)
    terminal = terminal_with_backlog(tmp_path, 12)
    issued = terminal.store.next_seq() - 1
    start_sync(broker, terminal, ack_timeout_max_s=60.0)
    try:
        batches(hq, -(-issued // 3))
        batches(hq, 2 * 4)  # four probes: the next comes 3.2 s after the last
        hq.publish(terminal_topic("T1", "ack"), build_ack("T1", 3, datetime.now()))
        # Progress: the next probe comes after the first wait again (0.2 s), not 3.2 s; it
        # starts above the new watermark.
        (_, seqs), = batches(hq, 1, timeout=2.5)
        assert seqs == [4, 5, 6]
    finally:
        terminal.close()


def test_at_most_a_window_of_batches_is_out_unacknowledged(broker, mqtt_client_factory,
                                                           tmp_path):
    hq = hq_side(broker, mqtt_client_factory)
    terminal = terminal_with_backlog(tmp_path, 15)
    # Long waits: no probe in this test, only the window at work.
    start_sync(broker, terminal, ack_timeout_s=60.0, max_unacked_batches=2)
    try:
        assert [seqs for _, seqs in batches(hq, 2)] == [[1, 2, 3], [4, 5, 6]]
        assert hq.receive_all(quiet_for=1.0) == []  # the rest waits in the outbox
        hq.publish(terminal_topic("T1", "ack"), build_ack("T1", 3, datetime.now()))
        assert [seqs for _, seqs in batches(hq, 1)] == [[7, 8, 9]]
        hq.publish(terminal_topic("T1", "ack"), build_ack("T1", 9, datetime.now()))
        assert [seqs for _, seqs in batches(hq, 2)] == [[10, 11, 12], [13, 14, 15]]
    finally:
        terminal.close()


def test_a_range_asked_for_many_times_goes_once(broker, mqtt_client_factory, tmp_path):
    """A slow HQ asks for a gap after every batch it stores above it: the copies must not
    multiply with its requests."""
    hq = hq_side(broker, mqtt_client_factory)
    terminal = terminal_with_backlog(tmp_path, 12)
    issued = terminal.store.next_seq() - 1
    start_sync(broker, terminal, ack_timeout_s=60.0)
    try:
        batches(hq, -(-issued // 3))
        for _ in range(5):
            hq.publish(terminal_topic("T1", "resend"), build_resend("T1", 4, 5))
        hq.publish(terminal_topic("T1", "resend"), build_resend("T1", 8, 8))  # a marker
        assert [seqs for _, seqs in batches(hq, 2)] == [[4, 5], [8]]
    finally:
        terminal.close()
