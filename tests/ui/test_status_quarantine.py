"""The status bar tells a store manager that HQ quarantined some of this terminal's events
(terminal.store.hq_quarantine, noted from HQ's ack): the count to upload turns into a warning
with how many HQ quarantined, in Chinese and in English."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.admin_steps import at_home


@pytest.mark.parametrize(("language", "told"), [
    ("zh_CN", "总部隔离 2 笔"), ("en", "2 quarantined by HQ")])
def test_the_status_bar_shows_how_many_events_hq_quarantined(start_app, screens_dir: Path,
                                                             language: str, told: str):
    ui = start_app(language=language)
    at_home(ui)
    assert told not in ui.text_of("status.outbox")
    ui.app.runtime.store.note_quarantined([(1, "topup_principal_not_paid"),
                                           (2, "refund_sale_unknown")])
    ui.wait_for_text("status.outbox", lambda text: text.endswith(told),
                     "the quarantine on the status bar")
    ui.screenshot(screens_dir / language, "status-quarantined")
