"""A real HQ worker (`hq serve` in this process) against the test's broker and database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from hq.db import HqDatabase, open_database
from hq.service import HqWorker
from hq.settings import HqSettings
from hq.times import utc_now

CONNECT_WAIT_S = 10


@contextmanager
def running_hq_worker(broker: Any, url: str, data_dir: Path,
                      clock: Callable[[], datetime] = utc_now,
                      coupons_used_interval_s: float = 0.2,
                      ) -> Iterator[tuple[HqWorker, HqDatabase]]:
    """Started and connected; stopped and its database closed afterwards. `clock` is HQ's
    (aware UTC; HQ reads a naive time as UTC): tests give it the simulated terminals' day, so
    the cards they sell are valid then. The `coupons_used` refreshes are coalesced over a short
    interval, to keep tests fast."""
    db = open_database(url)
    worker = HqWorker(HqSettings(broker_port=broker.port, database_url=url,
                                 broker_password=broker.accounts.hq_password,
                                 reconnect_max_delay_s=2, data_dir=str(data_dir),
                                 coupons_used_interval_s=coupons_used_interval_s), db,
                      clock=clock)
    try:
        worker.start()
        assert worker.connected.wait(CONNECT_WAIT_S), "HQ worker did not connect"
        yield worker, db
    finally:
        worker.stop()
        db.close()
