"""The app against a real broker and HQ worker: online in the status bar, the outbox drains, a
card is looked up at HQ, and the UID tag's PIN (kept at HQ) is checked there."""

from __future__ import annotations

from tests.ui.steps import LI, signed_in_home, tap_card


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
