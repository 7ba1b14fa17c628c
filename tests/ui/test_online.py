"""The app against a real broker and HQ worker: online in the status bar, the outbox drains, a
card is looked up at HQ, and the UID tag's PIN (kept at HQ) is checked there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hq.db import open_database
from hq.service import HqWorker
from hq.settings import HqSettings
from tests.ui.steps import LI, signed_in_home, tap_card


@pytest.fixture
def hq_worker(broker, tmp_path: Path) -> Iterator[HqWorker]:
    url = f"sqlite:///{tmp_path / 'hq.sqlite3'}"
    worker = HqWorker(HqSettings(broker_port=broker.port, database_url=url,
                                 broker_password=broker.accounts.hq_password,
                                 data_dir=str(tmp_path / "hq")), open_database(url))
    worker.start()
    assert worker.connected.wait(10)
    yield worker
    worker.stop()


def test_online_the_status_bar_says_so_and_hq_answers_for_a_card(start_app, broker, hq_worker):
    ui = start_app(hq={"host": broker.host, "port": broker.port,
                       "password": broker.accounts.password_for("T1")}, terminal_id="T1")
    signed_in_home(ui)
    ui.wait_for_text("status.connection", lambda text: text == "在线", "online")
    ui.wait_for_text("status.outbox", lambda text: text.startswith("0 "), "the outbox drained")
    tap_card(ui, LI)
    assert ui.app.ui.session.member.from_hq
    members = hq_worker.db.database.execute_sql("SELECT name FROM members").fetchall()
    assert ("李四",) in members
    pins = hq_worker.db.database.execute_sql("SELECT card_no FROM member_pins").fetchall()
    assert (LI.card_no,) in pins  # the seed set the tag's PIN at HQ, sealed
