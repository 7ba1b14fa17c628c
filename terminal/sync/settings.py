"""What the sync needs to know about this terminal and its broker."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SyncSettings:
    terminal_id: str
    password: str
    store_id: str = ""
    region: str = ""
    host: str = "127.0.0.1"
    port: int = 1883
    batch_size: int = 200  # events per message (the contract allows 500)
    idle_poll_s: float = 0.5  # how often an idle relay looks at the outbox again
    session_expiry_s: int = 7 * 86400  # the broker keeps our session through a week offline
    auth_timeout_s: float = 3.0
    directory_timeout_s: float = 3.0  # member lookups and PIN checks at HQ (HqDirectory)
    reconnect_max_delay_s: int = 30  # paho backs off exponentially up to this
    # No watermark progress for this long while batches are out: probe HQ with one batch (the
    # first above the watermark, and the newest out); each probe without progress doubles the
    # wait's ceiling up to ack_timeout_max_s (full jitter); any progress starts it again.
    ack_timeout_s: float = 10.0
    ack_timeout_max_s: float = 300.0
    # At most this many new batches out unacknowledged: then the relay waits for HQ's watermark
    # (the events wait in the outbox) instead of filling the broker's queue for HQ.
    max_unacked_batches: int = 16
    publish_timeout_s: float = 10.0
    app_version: str = "0.1.0"
    # Rebuild the cache from HQ on the first connection of a store never rebuilt (a replaced
    # SD card, a new terminal in a store): terminal.sync.rebuild.
    rebuild_when_new: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= 500:
            raise ValueError("batch_size must be between 1 and 500")
        if not 0 < self.ack_timeout_s <= self.ack_timeout_max_s:
            raise ValueError("need 0 < ack_timeout_s <= ack_timeout_max_s")
        if self.max_unacked_batches < 1:
            raise ValueError("max_unacked_batches must be at least 1")
        if not self.terminal_id or "/" in self.terminal_id or "+" in self.terminal_id:
            raise ValueError("terminal_id must be a plain name")
