"""HQ tables as Peewee models.

The classes here are unbound templates: `hq.db.open_database` makes a bound subclass of each for
its own database, so one process (a test, a benchmark) can hold several HQ databases at once.
Money and counts are integers (fen, uses, minutes); JSON documents are stored as text.
"""

from __future__ import annotations

from peewee import (
    SQL,
    BigAutoField,
    BigIntegerField,
    BlobField,
    BooleanField,
    CompositeKey,
    DateField,
    DateTimeField,
    IntegerField,
    Model,
    TextField,
)


class HqModel(Model):
    class Meta:
        legacy_table_names = False


class Terminal(HqModel):
    id = TextField(primary_key=True)
    store_id = TextField(default="")
    region = TextField(default="")
    watermark = BigIntegerField(default=0)  # highest seq with every seq up to it stored
    highest_seen = BigIntegerField(default=0)  # highest seq ever received, gaps or not
    last_seen_at = DateTimeField(null=True)
    clock_skew_seconds = IntegerField(default=0)  # terminal clock minus HQ clock, last batch
    skew_flagged = BooleanField(default=False)
    online = BooleanField(null=True)  # None until the first status message
    status_at = DateTimeField(null=True)
    offline_limit_fen = BigIntegerField(null=True)  # None: HQ's default for every terminal

    class Meta:
        table_name = "terminals"


class Event(HqModel):
    terminal_id = TextField()
    seq = BigIntegerField()
    op_id = TextField(index=True)
    type = TextField()
    terminal_at = DateTimeField()
    received_at = DateTimeField()
    payload = TextField()  # the event's payload object, JSON

    class Meta:
        table_name = "events"
        # The primary key is the event's global identity: it makes "stored at most once" a
        # constraint of the database rather than a check in our code (decision 5).
        primary_key = CompositeKey("terminal_id", "seq")
        constraints = (SQL("FOREIGN KEY (terminal_id) REFERENCES terminals (id)"),)


class LedgerRow(HqModel):
    """One membership.ledger.LedgerEntry, with the event that carried it.

    (terminal_id, seq) names that event, but no foreign key checks it: an entry is written only
    by hq.ingest, in the transaction that has just inserted its event (and only for the events
    that insert returned), and events are never deleted, so the events' primary key already
    guarantees the reference. On PostgreSQL the key's check was a trigger and a key-share row
    lock per entry, about a third of the ledger insert; migration 2 drops it from databases
    created with it.
    """

    id = BigAutoField()
    terminal_id = TextField()
    seq = BigIntegerField()
    op_id = TextField()
    card_no = TextField(index=True)
    account = TextField()
    delta = BigIntegerField()
    kind = TextField()
    at = DateTimeField()
    lot = TextField(default="")
    service = TextField(default="")
    valid_from = DateField(null=True)
    valid_until = DateField(null=True)
    actor_card_no = TextField(default="")
    reverses_op = TextField(default="")
    line_no = IntegerField(null=True)
    note = TextField(default="")

    class Meta:
        table_name = "ledger_entries"
        indexes = ((("terminal_id", "seq"), False),)


class CardRow(HqModel):
    """What HQ knows of a card from the events; balances are never stored here (decision 2)."""

    card_no = TextField(primary_key=True)
    member_id = TextField(default="")
    type_code = TextField(default="")
    status = TextField(default="active")  # membership.cards.CardStatus values
    level = TextField(default="")
    issued_on = DateField(null=True)
    expires_on = DateField(null=True)
    replaced_by = TextField(default="")
    status_at = DateTimeField(null=True)  # terminal time of the status change applied last
    offline_limit_fen = BigIntegerField(null=True)  # None: the default offline limit
    offline_limit_uses = IntegerField(null=True)
    # Bound at enrolment (card.issued `uid`) for cards without our member application: a card
    # presented by its UID alone is found by it. Upper-case hex; None when none was bound.
    uid = TextField(null=True, index=True)
    # A subsidiary card's parent (card.issued); indexed since version 8, for hq.subsidiaries.
    parent_card_no = TextField(default="", index=True)
    quota = BigIntegerField(default=0)  # a subsidiary card's spending quota per period, fen
    # The store of the terminal whose card.issued HQ applied first (membership.store_rules);
    # "" = unknown. Since version 12; a default in the database too, for rows written by SQL.
    issued_store_id = TextField(default="", constraints=[SQL("DEFAULT ''")])
    # The latest visit (membership.visits) on the terminal's clock, no later than HQ received
    # it; since version 14, indexed to find inactive members. None: never seen at a counter.
    last_visit_at = DateTimeField(null=True, index=True)

    class Meta:
        table_name = "cards"


class MemberRow(HqModel):
    """A member's profile, from the newest `member.registered` event (HQ is the directory)."""

    member_id = TextField(primary_key=True)
    name = TextField(default="")
    phone = TextField(default="", index=True)  # digits, as membership.profiles normalises
    birthday = TextField(default="")  # membership.birthdays.format_birthday text; "" = none
    updated_at = DateTimeField()  # terminal time of the event applied last (at most HQ's)
    # The store that registered the member; since version 12 (a database default too).
    store_id = TextField(default="", constraints=[SQL("DEFAULT ''")])
    # membership.profiles.ProfileExtras from a profile edit; since version 15.
    address = TextField(default="", constraints=[SQL("DEFAULT ''")])
    gender = TextField(default="", constraints=[SQL("DEFAULT ''")])
    notes = TextField(default="", constraints=[SQL("DEFAULT ''")])
    consent = BooleanField(default=False, constraints=[SQL("DEFAULT FALSE")])

    class Meta:
        table_name = "members"


class MemberPin(HqModel):
    """A card's member PIN as verifiers only (decision 9), and its lockout state."""

    card_no = TextField(primary_key=True)
    verifier = TextField()  # scrypt with HQ's pepper at ONLINE_COST: what HQ checks
    offline_verifier = TextField()  # scrypt without pepper at OFFLINE_COST: for terminals
    failures = IntegerField(default=0)  # consecutive wrong PINs
    locked = BooleanField(default=False)
    updated_at = DateTimeField()

    class Meta:
        table_name = "member_pins"


class PinNonce(HqModel):
    """Nonces of PIN requests HQ has opened, kept a few hours (hq.pins): a request sent twice
    is refused the second time."""

    nonce = TextField(primary_key=True)
    card_no = TextField()
    seen_at = DateTimeField(index=True)

    class Meta:
        table_name = "pin_nonces"


class Hold(HqModel):
    """An authorisation: stored value or uses of a service reserved for one operation.

    One operation may hold several things (stored value and uses of two services, say): a hold
    is one (op_id, kind, service), so a retry finds its own hold and not its sibling's. The
    unique index leads with op_id, which also serves consuming every hold of an operation.
    """

    id = BigAutoField()
    op_id = TextField()
    card_no = TextField()
    terminal_id = TextField()
    kind = TextField()  # stored_value or count
    service = TextField(default="")
    amount = BigIntegerField()
    state = TextField()  # active, consumed, expired, declined
    reason = TextField(default="")  # the decline's message key
    available_after = BigIntegerField(default=0)  # the answer's `available`
    created_at = DateTimeField()
    expires_at = DateTimeField()
    consumed_at = DateTimeField(null=True)

    class Meta:
        table_name = "holds"
        indexes = ((("card_no", "state"), False), (("op_id", "kind", "service"), True),
                   (("terminal_id", "state", "expires_at"), False))


class Overdraft(HqModel):
    """A card left below zero by offline debits (decision 6), or offline debits beyond an
    offline limit: for a person to settle."""

    id = BigAutoField()
    card_no = TextField(index=True)
    terminal_id = TextField()
    seq = BigIntegerField()
    op_id = TextField()
    kind = TextField()  # stored_value or count
    service = TextField(default="")
    amount_over = BigIntegerField()  # fen (or uses) below zero (or beyond the limit)
    detected_at = DateTimeField()
    # balance: below zero; offline_limit_card / offline_limit_terminal: offline debits beyond
    # the card's or the terminal's offline limit (membership.offline_excess). Since version 12.
    reason = TextField(default="balance", constraints=[SQL("DEFAULT 'balance'")])

    class Meta:
        table_name = "overdrafts"


class DeadLetter(HqModel):
    id = BigAutoField()
    topic = TextField()
    received_at = DateTimeField()
    reason = TextField()
    detail = TextField(default="")
    payload = BlobField()  # raw bytes, truncated: a malformed payload may not even be UTF-8
    payload_bytes = IntegerField()  # the size received, before truncation

    class Meta:
        table_name = "dead_letters"


class ConfigDocumentRow(HqModel):
    id = BigAutoField()
    name = TextField()
    scope = TextField()
    version = IntegerField()
    body = TextField()  # JSON
    published_at = DateTimeField()

    class Meta:
        table_name = "config_documents"
        indexes = ((("name", "scope", "version"), True),)


class ShadowRow(HqModel):
    terminal_id = TextField(primary_key=True)
    reported = TextField()  # the shadow message, JSON
    reported_at = DateTimeField()
    received_at = DateTimeField()

    class Meta:
        table_name = "shadows"
        constraints = (SQL("FOREIGN KEY (terminal_id) REFERENCES terminals (id)"),)


class CouponUse(HqModel):
    """A coupon used by a sale (`coupon_used` of a `sale.completed` event). A coupon is used
    once across the fleet: two rows with one code are a double use (hq.coupons.conflicts).
    Unique on (code, op_id), so an event delivered again adds nothing."""

    id = BigAutoField()
    code = TextField()
    op_id = TextField()
    terminal_id = TextField()
    card_no = TextField(default="")  # "" for a sale without a card
    used_at = DateTimeField()  # the event's time on the terminal's clock
    received_at = DateTimeField()

    class Meta:
        table_name = "coupon_uses"
        indexes = ((("code", "op_id"), True),)


class QuarantinedEvent(HqModel):
    """An event no rule allows from a terminal (membership.event_rules): kept whole, applied
    to no balance, listed for an operator (`hq quarantine list`). Its seq is stored in `events`
    too, so that the watermark moves on and the terminal is never asked for it again."""

    id = BigAutoField()
    terminal_id = TextField()
    seq = BigIntegerField()
    op_id = TextField()
    type = TextField()
    payload = TextField()  # the event's payload, JSON, as received
    reason = TextField()
    received_at = DateTimeField()

    class Meta:
        table_name = "quarantined_events"
        indexes = ((("terminal_id", "seq"), True),)


class Store(HqModel):
    """A store's master data: its zone makes its business day (hq.stores)."""

    store_id = TextField(primary_key=True)
    name = TextField(default="")
    region_id = TextField(default="")  # "" for a store in no region
    time_zone = TextField()  # an IANA name, checked with zoneinfo
    created_at = DateTimeField()

    class Meta:
        table_name = "stores"


class JobRun(HqModel):
    """One run of a scheduled HQ job for one day (hq.jobs): unique on (job, day), inserted in
    the transaction that writes the job's changes, so a day's run happens once whichever
    worker or operator starts it, and a run that failed left nothing (not even this row)."""

    id = BigAutoField()
    job = TextField()
    day = DateField()
    ran_at = DateTimeField()  # HQ's clock, naive UTC
    cards_changed = IntegerField(default=0)
    started_by = TextField(default="")  # the worker id, or `cli`

    class Meta:
        table_name = "job_runs"
        indexes = ((("job", "day"), True),)


class SchemaVersion(HqModel):
    """One row per migration applied (hq.migrations.MIGRATIONS), as in the terminal store."""

    version = IntegerField(primary_key=True)
    description = TextField()
    applied_at = DateTimeField()

    class Meta:
        table_name = "schema_version"


# Creation order: a table comes after the tables its foreign keys name.
TABLES: tuple[type[HqModel], ...] = (
    SchemaVersion, Terminal, Event, LedgerRow, CardRow, Hold, Overdraft, DeadLetter,
    ConfigDocumentRow, ShadowRow, MemberRow, MemberPin, PinNonce, CouponUse, QuarantinedEvent,
    Store, JobRun,
)
