from datetime import date, datetime

from hypothesis import given
from hypothesis import strategies as st

from membership.events import entry_from_dict, entry_to_dict
from membership.ledger import Account, EntryKind, LedgerEntry, debit_lots_fifo, derive_balances

AT = datetime(2026, 11, 23, 10, 0)


def entry(account, delta, kind=EntryKind.ADJUST, lot="", card="C1", until=None, service="", at=AT):
    return LedgerEntry(op_id="op", card_no=card, account=account, delta=delta, kind=kind, at=at,
                       lot=lot, service=service, valid_until=until)


def test_balances_are_the_sum_of_entries_per_account_and_card():
    entries = [
        entry(Account.PRINCIPAL, 100000, EntryKind.TOPUP),
        entry(Account.BONUS, 10000, EntryKind.TOPUP_BONUS),
        entry(Account.PRINCIPAL, -4545, EntryKind.SPEND),
        entry(Account.BONUS, -455, EntryKind.SPEND),
        entry(Account.PRINCIPAL, 5000, card="C2"),
        entry(Account.TIME, 120),
    ]
    balances = derive_balances(entries, "C1")
    assert (balances.principal, balances.bonus, balances.stored_value) == (95455, 9545, 105000)
    assert balances.time_minutes == 120
    assert balances.entry_count == 5
    assert derive_balances(entries, "C2").principal == 5000


def test_lots_keep_their_terms_and_order_by_expiry():
    entries = [
        entry(Account.POINTS, 300, EntryKind.EARN, lot="P2026", until=date(2027, 12, 31)),
        entry(Account.POINTS, 200, EntryKind.EARN, lot="P2025", until=date(2026, 12, 31)),
        entry(Account.POINTS, -50, EntryKind.REDEEM, lot="P2025"),
        entry(Account.COUNT, 10, EntryKind.PURCHASE, lot="op:WASH10", service="wash"),
    ]
    balances = derive_balances(entries)
    assert [lot.lot for lot in balances.points_lots] == ["P2025", "P2026"]
    assert balances.points == 450
    assert balances.usable_points(date(2027, 1, 1)) == 300  # P2025 has expired
    assert balances.counts_for("wash", date(2030, 1, 1)) == 10
    assert balances.counts_for("cut", date(2030, 1, 1)) == 0


def test_fifo_debit_takes_the_soonest_expiring_usable_lot_first():
    balances = derive_balances([
        entry(Account.POINTS, 100, lot="A", until=date(2026, 12, 31)),
        entry(Account.POINTS, 100, lot="B", until=date(2027, 12, 31)),
        entry(Account.POINTS, 100, lot="OLD", until=date(2025, 12, 31)),
    ])
    taken = debit_lots_fifo(balances.points_lots, 150, date(2026, 6, 1))
    assert [(lot.lot, amount) for lot, amount in taken] == [("A", 100), ("B", 50)]


def test_pass_lot_validity():
    balances = derive_balances([
        LedgerEntry("op", "C1", Account.PASS, 1, EntryKind.PURCHASE, AT, lot="op:M", service="gym",
                    valid_from=date(2026, 11, 1), valid_until=date(2026, 11, 30)),
    ])
    assert balances.has_pass("gym", date(2026, 11, 15))
    assert not balances.has_pass("gym", date(2026, 12, 1))
    assert not balances.has_pass("gym", date(2026, 10, 31))


@given(st.lists(st.tuples(st.sampled_from(list(Account)), st.integers(-10**6, 10**6)), max_size=40))
def test_every_account_total_equals_the_sum_of_its_entries(changes):
    entries = [entry(account, delta, lot="L" if account in (Account.POINTS, Account.COUNT,
                                                            Account.PASS) else "")
               for account, delta in changes]
    balances = derive_balances(entries)
    expected = {account: sum(d for a, d in changes if a is account) for account in Account}
    assert balances.principal == expected[Account.PRINCIPAL]
    assert balances.bonus == expected[Account.BONUS]
    assert balances.time_minutes == expected[Account.TIME]
    assert balances.points == expected[Account.POINTS]
    assert sum(lot.remaining for lot in balances.count_lots) == expected[Account.COUNT]
    assert sum(lot.remaining for lot in balances.pass_lots) == expected[Account.PASS]


def test_entries_round_trip_through_json_documents():
    original = LedgerEntry("T1-42", "8800001", Account.COUNT, -1, EntryKind.USE, AT, lot="T1-7:W10",
                           service="wash", valid_until=date(2027, 1, 1), line_no=2,
                           actor_card_no="8800002", reverses_op="")
    assert entry_from_dict(entry_to_dict(original)) == original
