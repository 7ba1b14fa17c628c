"""The status bar's "time since the last sync", against a real broker and HQ worker: synced just
now while online with the outbox drained; once the broker stops, the bar says offline, the time
since the last sync grows with the clock and a sale waits to upload; back online, it drains and
the bar says synced again.

The app runs on a clock the test moves (tests/support/clock.py), so the minutes shown are
exact, not a measurement of how long the test took."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.support.clock import SetClock
from tests.ui.admin_steps import at_home, cash_sale


def test_the_status_bar_shows_the_time_since_the_last_sync_and_going_offline(
        start_app, broker, hq_worker, screens_dir: Path):
    clock = SetClock(datetime.now().replace(microsecond=0))
    ui = start_app(hq={"host": broker.host, "port": broker.port,
                       "password": broker.accounts.password_for("T1")}, terminal_id="T1",
                   clock=clock)
    at_home(ui)
    ui.wait_for_text("status.connection", lambda text: text == "在线", "online")
    ui.wait_for_text("status.outbox", lambda text: text.startswith("0 "), "the outbox drained")
    ui.wait_for_text("status.last_sync", lambda text: text == "0分0秒前同步", "synced just now")

    broker.stop()
    ui.wait_for_text("status.connection", lambda text: text == "离线模式", "offline")
    clock.advance(minutes=3, seconds=7)
    ui.wait_for_text("status.last_sync", lambda text: text == "3分7秒前同步",
                     "the time since the last sync growing")
    cash_sale(ui)
    ui.wait_for_text("status.outbox", lambda text: text == "1 笔待上传", "the sale waiting")
    clock.advance(minutes=2)
    ui.wait_for_text("status.last_sync", lambda text: text == "5分7秒前同步",
                     "still counting while offline")
    assert ui.text_of("status.connection") == "离线模式"
    ui.screenshot(screens_dir / "zh_CN", "04-status-offline")

    broker.start()
    ui.wait_for_text("status.connection", lambda text: text == "在线", "online again")
    ui.wait_for_text("status.outbox", lambda text: text == "0 笔待上传", "the sale uploaded")
    ui.wait_for_text("status.last_sync", lambda text: text == "0分0秒前同步", "synced again")
    at_hq = hq_worker.db.database.execute_sql(
        "SELECT COUNT(*) FROM events WHERE terminal_id = 'T1'").fetchone()[0]
    assert at_hq == ui.app.runtime.store.ack_watermark()
