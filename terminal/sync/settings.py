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
    ack_timeout_s: float = 10.0  # no watermark progress for this long: send the unacked again
    publish_timeout_s: float = 10.0
    app_version: str = "0.1.0"
    # Rebuild the cache from HQ on the first connection of a store never rebuilt (a replaced
    # SD card, a new terminal in a store): terminal.sync.rebuild.
    rebuild_when_new: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= 500:
            raise ValueError("batch_size must be between 1 and 500")
        if not self.terminal_id or "/" in self.terminal_id or "+" in self.terminal_id:
            raise ValueError("terminal_id must be a plain name")
