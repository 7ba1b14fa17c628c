"""The terminal store's schema at version 1, frozen.

Migration 1 runs exactly these statements, forever: a file created today must look the same as
one created when version 1 shipped, whatever the models say by then. Later changes are later
migrations (terminal.store.migrations). Generated once from the models of that time.
"""

from __future__ import annotations

STATEMENTS: tuple[str, ...] = (
    """CREATE TABLE "member" (
        "member_id" TEXT NOT NULL PRIMARY KEY, "name" TEXT NOT NULL, "phone" TEXT NOT NULL,
        "updated_at" TEXT NOT NULL)""",
    """CREATE TABLE "card" (
        "card_no" TEXT NOT NULL PRIMARY KEY, "member_id" TEXT NOT NULL,
        "type_code" TEXT NOT NULL,
        "status" TEXT NOT NULL CHECK (status IN
            ('active', 'lost', 'frozen', 'expired', 'replaced', 'cancelled')),
        "issued_on" DATE, "expires_on" DATE, "level" TEXT NOT NULL,
        "parent_card_no" TEXT NOT NULL, "quota" INTEGER NOT NULL, "replaced_by" TEXT NOT NULL,
        "hq_principal" INTEGER NOT NULL, "hq_bonus" INTEGER NOT NULL,
        "hq_points" INTEGER NOT NULL, "hq_time_minutes" INTEGER NOT NULL,
        "hq_counts" TEXT NOT NULL, "hq_version" INTEGER NOT NULL, "hq_as_of" TEXT,
        "changed_by_op" TEXT NOT NULL, "updated_at" TEXT NOT NULL,
        FOREIGN KEY ("member_id") REFERENCES "member" ("member_id"))""",
    'CREATE INDEX "card_member_id" ON "card" ("member_id")',
    'CREATE INDEX "card_parent_card_no" ON "card" ("parent_card_no")',
    """CREATE TABLE "config_document" (
        "id" INTEGER NOT NULL PRIMARY KEY, "name" TEXT NOT NULL, "scope" TEXT NOT NULL,
        "version" INTEGER NOT NULL, "body" TEXT NOT NULL, "applied_at" TEXT NOT NULL)""",
    'CREATE UNIQUE INDEX "configdocument_name_scope" ON "config_document" ("name", "scope")',
    """CREATE TABLE "counter_op" (
        "op_id" TEXT NOT NULL PRIMARY KEY, "seq" INTEGER NOT NULL, "event_type" TEXT NOT NULL,
        "at" TEXT NOT NULL, "card_no" TEXT NOT NULL, "amount" INTEGER NOT NULL,
        "events" TEXT NOT NULL, "created_at" TEXT NOT NULL)""",
    'CREATE UNIQUE INDEX "counterop_seq" ON "counter_op" ("seq")',
    'CREATE INDEX "counterop_card_no" ON "counter_op" ("card_no")',
    """CREATE TABLE "ledger_entry" (
        "id" INTEGER NOT NULL PRIMARY KEY, "op_id" TEXT NOT NULL,
        "entry_index" INTEGER NOT NULL, "card_no" TEXT NOT NULL, "account" TEXT NOT NULL,
        "delta" INTEGER NOT NULL, "kind" TEXT NOT NULL, "at" TEXT NOT NULL,
        "lot" TEXT NOT NULL, "service" TEXT NOT NULL, "valid_from" DATE, "valid_until" DATE,
        "actor_card_no" TEXT NOT NULL, "reverses_op" TEXT NOT NULL, "line_no" INTEGER,
        "note" TEXT NOT NULL)""",
    'CREATE INDEX "ledgerentry_card_no" ON "ledger_entry" ("card_no")',
    """CREATE UNIQUE INDEX "ledgerentry_op_id_entry_index"
        ON "ledger_entry" ("op_id", "entry_index")""",
    """CREATE TABLE "outbox" (
        "seq" INTEGER NOT NULL PRIMARY KEY, "op_id" TEXT NOT NULL, "event_type" TEXT NOT NULL,
        "at" TEXT NOT NULL, "event" TEXT NOT NULL, "created_at" TEXT NOT NULL)""",
    'CREATE UNIQUE INDEX "outbox_op_id_event_type" ON "outbox" ("op_id", "event_type")',
    """CREATE TABLE "receipt" (
        "op_id" TEXT NOT NULL PRIMARY KEY, "kind" TEXT NOT NULL, "body" TEXT NOT NULL,
        "printed" INTEGER NOT NULL, "created_at" TEXT NOT NULL)""",
    """CREATE TABLE "refund" (
        "op_id" TEXT NOT NULL PRIMARY KEY, "seq" INTEGER NOT NULL,
        "original_op" TEXT NOT NULL, "at" TEXT NOT NULL, "amount" INTEGER NOT NULL,
        "is_void" INTEGER NOT NULL, "record" TEXT NOT NULL, "created_at" TEXT NOT NULL)""",
    'CREATE UNIQUE INDEX "refund_seq" ON "refund" ("seq")',
    'CREATE INDEX "refund_original_op" ON "refund" ("original_op")',
    """CREATE TABLE "sale" (
        "op_id" TEXT NOT NULL PRIMARY KEY, "seq" INTEGER NOT NULL, "at" TEXT NOT NULL,
        "card_no" TEXT NOT NULL, "actor_card_no" TEXT NOT NULL, "gross" INTEGER NOT NULL,
        "amount_due" INTEGER NOT NULL, "cash_received" INTEGER NOT NULL,
        "change_given" INTEGER NOT NULL, "points_used" INTEGER NOT NULL,
        "points_earned" INTEGER NOT NULL, "coupon_used" TEXT NOT NULL,
        "record" TEXT NOT NULL, "created_at" TEXT NOT NULL)""",
    'CREATE UNIQUE INDEX "sale_seq" ON "sale" ("seq")',
    'CREATE INDEX "sale_card_no" ON "sale" ("card_no")',
    """CREATE TABLE "sale_line" (
        "id" INTEGER NOT NULL PRIMARY KEY, "op_id" TEXT NOT NULL, "line_no" INTEGER NOT NULL,
        "product_code" TEXT NOT NULL, "name" TEXT NOT NULL, "category" TEXT NOT NULL,
        "qty" INTEGER NOT NULL, "gross" INTEGER NOT NULL, "net" INTEGER NOT NULL,
        "principal" INTEGER NOT NULL, "bonus" INTEGER NOT NULL,
        "points_used" INTEGER NOT NULL, "points_earned" INTEGER NOT NULL,
        "count_service" TEXT NOT NULL, "staff_id" TEXT NOT NULL,
        FOREIGN KEY ("op_id") REFERENCES "sale" ("op_id"))""",
    'CREATE UNIQUE INDEX "saleline_op_id_line_no" ON "sale_line" ("op_id", "line_no")',
    """CREATE TABLE "sale_tender" (
        "id" INTEGER NOT NULL PRIMARY KEY, "op_id" TEXT NOT NULL,
        "position" INTEGER NOT NULL, "kind" TEXT NOT NULL, "amount" INTEGER NOT NULL,
        "reference" TEXT NOT NULL, FOREIGN KEY ("op_id") REFERENCES "sale" ("op_id"))""",
    """CREATE UNIQUE INDEX "saletender_op_id_position"
        ON "sale_tender" ("op_id", "position")""",
    'CREATE TABLE "setting" ("key" TEXT NOT NULL PRIMARY KEY, "value" TEXT NOT NULL)',
    """CREATE TABLE "shift" (
        "id" INTEGER NOT NULL PRIMARY KEY, "cashier_id" TEXT NOT NULL,
        "opened_at" TEXT NOT NULL, "closed_at" TEXT, "opening_float" INTEGER NOT NULL,
        "closing_cash" INTEGER, "totals" TEXT)""",
    """CREATE TABLE "staff" (
        "staff_id" TEXT NOT NULL PRIMARY KEY, "name" TEXT NOT NULL,
        "role" TEXT NOT NULL CHECK (role IN ('cashier', 'manager')),
        "pin_verifier" TEXT NOT NULL, "active" INTEGER NOT NULL, "updated_at" TEXT NOT NULL)""",
    # The terminal's counters start here: the first event is seq 1, nothing acknowledged yet.
    """INSERT INTO "setting" ("key", "value") VALUES ('next_seq', '1'),
        ('hq_ack_watermark', '0')""",
)
