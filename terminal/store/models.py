"""The terminal store's tables as Peewee models, declared afresh for each open database.

`bind_tables(database)` returns a `Tables` whose model classes belong to that database alone
(see terminal.store.db for why). This module describes the schema as it is now; the file gets
there through terminal.store.migrations, and a test checks that both agree.

Money, points and counts are integer columns. Times are ISO 8601 text (`IsoDateTimeField`) so a
time round-trips exactly, with its offset if it has one. Documents (sale records, receipts,
configuration bodies) are compact JSON text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from peewee import (
    SQL,
    AutoField,
    BooleanField,
    Check,
    DateField,
    ForeignKeyField,
    IntegerField,
    Model,
    SqliteDatabase,
    TextField,
)

from membership.cards import CardStatus

STAFF_ROLES = ("cashier", "manager")
CARD_STATUSES = tuple(status.value for status in CardStatus)


def compact_json(value: Any) -> str:
    """No spaces, Chinese as is; keys in the order the dataclasses declare them."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class JsonField(TextField):
    def db_value(self, value: Any) -> str | None:
        return None if value is None else compact_json(value)

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(value)


class IsoDateField(DateField):
    """A DATE column written as ISO text by us, not by sqlite3's deprecated date adapter."""

    def db_value(self, value: date | None) -> str | None:
        return None if value is None else self.adapt(value).isoformat()


class IsoDateTimeField(TextField):
    def db_value(self, value: datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    def python_value(self, value: str | None) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


def _one_of(column: str, values: tuple[str, ...]) -> SQL:
    listed = ", ".join(f"'{value}'" for value in values)
    return Check(f"{column} IN ({listed})")


@dataclass(frozen=True)
class Tables:
    staff: type[Model]
    member: type[Model]
    card: type[Model]
    config: type[Model]
    sale: type[Model]
    sale_line: type[Model]
    sale_tender: type[Model]
    refund: type[Model]
    counter_op: type[Model]
    ledger_entry: type[Model]
    outbox: type[Model]
    shift: type[Model]
    setting: type[Model]
    receipt: type[Model]
    time_session: type[Model]  # since migration 5
    pin_failure: type[Model]  # since migration 5

    def all(self) -> list[type[Model]]:
        return [getattr(self, field.name) for field in fields(self)]


def bind_tables(database: SqliteDatabase) -> Tables:
    base: type[Model] = database.Model
    staff, member = _people(base)
    card = _card(base, member)
    sale = _sale(base)
    sale_line, sale_tender = _sale_details(base, sale)
    refund, counter_op = _other_operations(base)
    ledger_entry = _ledger(base)
    outbox, setting, receipt = _sync_and_settings(base)
    config, shift = _config_and_shifts(base)
    time_session, pin_failure = _sessions_and_lockouts(base)
    return Tables(
        staff=staff, member=member, card=card, config=config, sale=sale, sale_line=sale_line,
        sale_tender=sale_tender, refund=refund, counter_op=counter_op,
        ledger_entry=ledger_entry, outbox=outbox, shift=shift, setting=setting, receipt=receipt,
        time_session=time_session, pin_failure=pin_failure,
    )


def _people(base: type[Model]) -> tuple[type[Model], ...]:
    class Staff(base):
        staff_id = TextField(primary_key=True)
        name = TextField()
        role = TextField(constraints=[_one_of("role", STAFF_ROLES)])
        pin_verifier = TextField()  # a slow salted hash from HQ, never the PIN (decision 9)
        active = BooleanField(default=True)
        updated_at = IsoDateTimeField()

        class Meta:
            table_name = "staff"

    class Member(base):
        member_id = TextField(primary_key=True)
        name = TextField(default="")
        phone = TextField(default="", index=True)  # indexed since migration 4: 按手机号查会员
        birthday = TextField(default="")  # since migration 4: membership.birthdays.format_birthday
        updated_at = IsoDateTimeField()
        # Since migration 10: membership.profiles.ProfileExtras, from a profile edit.
        address = TextField(default="")
        gender = TextField(default="")
        notes = TextField(default="")
        consent = BooleanField(default=False)

        class Meta:
            table_name = "member"

    return Staff, Member


def _card(base: type[Model], member_table: type[Model]) -> type[Model]:
    class Card(base):
        card_no = TextField(primary_key=True)
        member = ForeignKeyField(member_table, column_name="member_id", field="member_id")
        type_code = TextField()
        status = TextField(constraints=[_one_of("status", CARD_STATUSES)])
        issued_on = IsoDateField(null=True)
        expires_on = IsoDateField(null=True)
        level = TextField(default="")
        parent_card_no = TextField(default="", index=True)
        quota = IntegerField(default=0)
        replaced_by = TextField(default="")
        # The last balances HQ reported and the version they came from: a hint for offline
        # limits and display, never the truth (decision 2).
        hq_principal = IntegerField(default=0)
        hq_bonus = IntegerField(default=0)
        hq_points = IntegerField(default=0)
        hq_time_minutes = IntegerField(default=0)
        hq_counts = JsonField(default=dict)  # service -> uses left
        hq_version = IntegerField(default=0)
        hq_as_of = IsoDateTimeField(null=True)
        # A local operation that changed this card and that HQ may not have seen yet.
        changed_by_op = TextField(default="")
        updated_at = IsoDateTimeField()
        # Since migration 4: the UID bound at enrolment (a UID-only card is found by it), the
        # offline PIN verifier HQ gives (decision 9), HQ's full balances with every lot (NULL
        # when HQ only sent totals) and the member's unused coupons, as of hq_as_of.
        uid = TextField(default="", index=True)
        offline_pin_verifier = TextField(default="")
        hq_balances = JsonField(null=True)
        # Since migration 11: the card's latest visit as HQ knows it (membership.visits).
        hq_last_visit = IsoDateTimeField(null=True)
        hq_coupons = JsonField(default=list)

        class Meta:
            table_name = "card"

    return Card


def _sale(base: type[Model]) -> type[Model]:
    class Sale(base):
        op_id = TextField(primary_key=True)
        seq = IntegerField(unique=True)
        at = IsoDateTimeField()
        card_no = TextField(default="", index=True)
        actor_card_no = TextField(default="")
        gross = IntegerField()
        amount_due = IntegerField()
        cash_received = IntegerField()
        change_given = IntegerField()
        points_used = IntegerField()
        points_earned = IntegerField()
        coupon_used = TextField(default="")
        record = JsonField()  # the SaleRecord but its entries, which are in ledger_entry
        created_at = IsoDateTimeField()

        class Meta:
            table_name = "sale"

    # Since migration 6, partial: a sale without a coupon adds nothing to it.
    Sale.add_index(Sale.coupon_used, where=(Sale.coupon_used != ""))
    return Sale


def _sale_details(base: type[Model], sale_table: type[Model]) -> tuple[type[Model], ...]:
    class SaleLine(base):
        id = AutoField()
        sale = ForeignKeyField(
            sale_table, column_name="op_id", field="op_id", backref="lines",
            index=False)  # the unique (op_id, line_no) index serves
        line_no = IntegerField()
        product_code = TextField()
        name = TextField()
        category = TextField()
        qty = IntegerField()
        gross = IntegerField()
        net = IntegerField()
        principal = IntegerField()
        bonus = IntegerField()
        points_used = IntegerField()
        points_earned = IntegerField()
        count_service = TextField(default="")
        staff_id = TextField(default="")

        class Meta:
            table_name = "sale_line"
            indexes = ((("op_id", "line_no"), True),)

    class SaleTender(base):
        id = AutoField()
        sale = ForeignKeyField(
            sale_table, column_name="op_id", field="op_id", backref="tenders",
            index=False)
        position = IntegerField()
        kind = TextField()
        amount = IntegerField()
        reference = TextField(default="")

        class Meta:
            table_name = "sale_tender"
            indexes = ((("op_id", "position"), True),)

    return SaleLine, SaleTender


def _other_operations(base: type[Model]) -> tuple[type[Model], ...]:
    class Refund(base):
        op_id = TextField(primary_key=True)
        seq = IntegerField(unique=True)
        # Not a foreign key: a sale made on another terminal of the store may be refunded here.
        original_op = TextField(index=True)
        at = IsoDateTimeField()
        amount = IntegerField()
        is_void = BooleanField(default=False)
        record = JsonField()  # the RefundRecord but its entries
        created_at = IsoDateTimeField()

        class Meta:
            table_name = "refund"

    class CounterOp(base):
        op_id = TextField(primary_key=True)
        seq = IntegerField(unique=True)
        event_type = TextField()
        at = IsoDateTimeField()
        card_no = TextField(default="", index=True)
        amount = IntegerField(default=0)  # what the tenders paid in
        events = JsonField()  # the decision's events: tenders, commissions, entries
        created_at = IsoDateTimeField()

        class Meta:
            table_name = "counter_op"

    return Refund, CounterOp


def _ledger(base: type[Model]) -> type[Model]:
    class LedgerEntry(base):
        id = AutoField()
        op_id = TextField()
        entry_index = IntegerField()  # position of the entry in its decision
        card_no = TextField(index=True)
        account = TextField()
        delta = IntegerField()
        kind = TextField()
        at = IsoDateTimeField()
        lot = TextField(default="")
        service = TextField(default="")
        valid_from = IsoDateField(null=True)
        valid_until = IsoDateField(null=True)
        actor_card_no = TextField(default="")
        reverses_op = TextField(default="")
        line_no = IntegerField(null=True)
        note = TextField(default="")

        class Meta:
            table_name = "ledger_entry"
            indexes = ((("op_id", "entry_index"), True),)

    return LedgerEntry


def _sync_and_settings(base: type[Model]) -> tuple[type[Model], ...]:
    class Outbox(base):
        seq = IntegerField(primary_key=True)
        op_id = TextField()
        event_type = TextField()
        at = IsoDateTimeField()  # the terminal's clock when the operation happened
        event = TextField()  # the DomainEvent as JSON text, published as stored
        created_at = IsoDateTimeField()

        class Meta:
            table_name = "outbox"
            indexes = ((("op_id", "event_type"), True),)

    class Setting(base):
        key = TextField(primary_key=True)
        value = TextField()

        class Meta:
            table_name = "setting"

    class Receipt(base):
        op_id = TextField(primary_key=True)
        kind = TextField()
        body = JsonField()  # the Receipt model; the layout is rendered again on reprint
        printed = BooleanField(default=False)
        created_at = IsoDateTimeField()
        reprint_count = IntegerField(default=0)  # since migration 2
        print_error = TextField(null=True)  # since migration 3: the failed print's message key

        class Meta:
            table_name = "receipt"

    return Outbox, Setting, Receipt


def _config_and_shifts(base: type[Model]) -> tuple[type[Model], ...]:
    class ConfigDocument(base):
        id = AutoField()
        name = TextField()
        scope = TextField()  # all, region:R, store:S, terminal:T
        version = IntegerField()
        body = JsonField()
        applied_at = IsoDateTimeField()

        class Meta:
            table_name = "config_document"
            indexes = ((("name", "scope"), True),)

    class Shift(base):
        id = AutoField()
        cashier_id = TextField()
        opened_at = IsoDateTimeField()
        closed_at = IsoDateTimeField(null=True)
        opening_float = IntegerField(default=0)  # cash in the drawer at the start
        closing_cash = IntegerField(null=True)  # cash counted at the end
        totals = JsonField(null=True)  # membership.shift_report.ShiftTotals, when closed
        # Since migration 5: the operations that opened and closed it (their events are in the
        # outbox); the shift's operations are those with a seq between theirs.
        open_op_id = TextField(default="")
        close_op_id = TextField(default="")

        class Meta:
            table_name = "shift"

    return ConfigDocument, Shift


def _sessions_and_lockouts(base: type[Model]) -> tuple[type[Model], ...]:
    class TimeSession(base):
        """An open 计时 session: the clock runs until an operation closes and bills it."""

        id = AutoField()
        card_no = TextField(index=True)
        service = TextField()
        started_at = IsoDateTimeField()
        staff_id = TextField(default="")
        closed_by_op = TextField(null=True)  # the time.session_closed operation

        class Meta:
            table_name = "time_session"

    class PinFailure(base):
        """Wrong PINs in a row on this terminal, per subject ("staff:S01", "card:8800..."):
        kept in the file so that restarting the terminal does not lift a lockout."""

        subject = TextField(primary_key=True)
        failures = IntegerField(default=0)
        locked_until = IsoDateTimeField(null=True)  # a timed lockout's end, NULL when none
        updated_at = IsoDateTimeField()

        class Meta:
            table_name = "pin_failure"

    return TimeSession, PinFailure
