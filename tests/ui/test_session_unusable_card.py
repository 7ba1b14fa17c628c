"""By touch: 张三's card is reported lost while his study-room session runs. The session is
quoted whole in money, and billed in cash once a manager approves with their PIN; nothing is
taken from the card, and the session is closed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.ui.admin_steps import approve_as_manager
from tests.ui.sale_steps import committed, message_shows
from tests.ui.steps import ZHANG
from tests.ui.test_sale import tap_laid_out
from tests.ui.test_use_refusals import open_for, report_lost_elsewhere

BLOCKED = {"zh_CN": ("卡已不可用", "¥30.00", "店长授权"),
           "en": ("Card unusable", "¥30.00", "a manager approves")}
CLOSED = {"zh_CN": ("计时已结账", "¥30.00"), "en": ("Session billed", "¥30.00")}


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_a_lost_cards_session_is_billed_in_cash_with_a_managers_pin(start_app, screens_dir: Path,
                                                                     language: str):
    ui = start_app(language=language)
    store = ui.app.runtime.store
    session = store.start_time_session(ZHANG.card_no, "study",
                                       ui.app.runtime.cashier.clock() - timedelta(hours=2), "S01")
    report_lost_elsewhere(ui, ZHANG)
    balances = store.card_balances(ZHANG.card_no)
    open_for(ui, ZHANG, "time")
    ui.until(lambda: ui.has(f"time.session.{session.session_id}"), "the session")
    tap_laid_out(ui, f"time.session.{session.session_id}")
    ui.wait_for_text("time.bill", lambda text: all(word in text for word in BLOCKED[language]),
                     "the bill in money")
    ui.tap("time.tender.cash")
    ui.wait_for_text("time.tenders", lambda text: "30.00" in text, "the cash tender")
    ui.screenshot(screens_dir / language, "31-time-card-unusable")
    before = committed(ui, ZHANG.card_no)
    ui.tap("time.confirm")
    approve_as_manager(ui)
    message_shows(ui, *CLOSED[language])
    assert list(store.open_time_sessions()) == []
    assert store.card_balances(ZHANG.card_no) == balances  # nothing from the card
    assert committed(ui, ZHANG.card_no) != before  # the bill is committed
