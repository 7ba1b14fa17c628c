"""`make run` plays the scripted store day: it must run in both languages and its books balance."""

import re

import pytest

from membership.ledger import Account, EntryKind, derive_balances
from terminal.demo import storeday

UNTRANSLATED = re.compile(r"\b(receipt|tender|card|balance|level)\.[a-z_.]+")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_store_day_prints_every_receipt_translated(lang, capsys):
    assert storeday.main([lang]) == 0
    out = capsys.readouterr().out
    assert not UNTRANSLATED.search(out), UNTRANSLATED.search(out).group(0)
    titles = ["充值小票", "消费小票", "退货小票", "会员卡业务单"] if lang == "zh_CN" else [
        "Top-up", "Refund"]
    for title in titles:
        assert title in out
    # The last operation is refused with a translated message and moves nothing.
    assert ("余额不足" if lang == "zh_CN" else "nsufficient") in out


def test_the_store_days_books_balance(capsys):
    books = storeday.play()
    capsys.readouterr()
    card_no = "8800000000000001"
    balances = derive_balances(books.entries, card_no)
    by_kind = {}
    for entry in books.entries:
        if entry.account in (Account.PRINCIPAL, Account.BONUS):
            key = (entry.account, entry.kind)
            by_kind[key] = by_kind.get(key, 0) + entry.delta
    # ¥1000 paid in by WeChat, ¥100 bonus from the ≥¥1000 tier.
    assert by_kind[(Account.PRINCIPAL, EntryKind.TOPUP)] == 100000
    assert by_kind[(Account.BONUS, EntryKind.TOPUP_BONUS)] == 10000
    # What the card paid (¥150 at 10:15 and ¥500 for the package) left principal + bonus.
    assert books.takings["stored_value"] == 65000
    assert balances.stored_value == 110000 - 65000
    assert balances.principal >= 0 and balances.bonus >= 0
    # One facial used from the 10-use package; the level went up after the package.
    assert [(lot.service, lot.remaining) for lot in balances.count_lots] == [("FACIAL", 9)]
    assert books.cards[card_no].level == "SILVER"
    # Cash: ¥20 join fee, ¥44 guest sale, ¥21.80 of the 10:15 sale.
    assert books.takings["cash"] == 2000 + 4400 + 2180
    assert balances.points > 0
