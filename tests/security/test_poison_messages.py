"""No message can stop HQ (issue 10, point 4): a message that breaks HQ's handling ends in a
dead letter and an acknowledgement, and HQ answers the next honest terminal. A real Mosquitto,
a real HQ worker, SQLite and PostgreSQL."""

import pytest

from hq.balances import stored_value
from protocol.wire import WireEvent, build_event_batch
from protocol.wire_auth import AuthRequest
from tests.security.hostile_wire import (
    AT,
    acknowledged,
    answer,
    ask,
    auth_request,
    connected_terminal,
    dead_letters,
    send_events,
    top_up,
)
from tests.support.hq_worker import running_hq_worker


@pytest.fixture
def terminal(broker, mqtt_client_factory):
    return connected_terminal(mqtt_client_factory(broker, "T1"))


@pytest.fixture
def funded(broker, hq_database_url, tmp_path, terminal):
    """HQ running, card 8800 holding ¥100 (so an authorisation reaches the holds table)."""
    with running_hq_worker(broker, hq_database_url, tmp_path / "hq", clock=lambda: AT) as (
            worker, db):
        assert acknowledged(terminal, build_event_batch("T1", [top_up(1)], AT)) == 1
        yield worker, db


def test_an_amount_of_2_to_the_63_is_refused_and_hq_answers_the_next_request(
        broker, hq_database_url, tmp_path, terminal, funded):
    """Before: the hold's INSERT raised OverflowError in paho's thread and HQ stopped (on
    SQLite; on every restart again, as the unacknowledged request came back)."""
    _, db = funded
    ask(terminal, auth_request("T1-poison", 2**63))
    ask(terminal, AuthRequest("T1", "T1-2", "8800", "stored_value", 2500))
    honest = answer(terminal)
    assert honest.op_id == "T1-2" and honest.approved and honest.available == 7500
    (poison,) = dead_letters(db, 1)
    assert poison.reason == "number_invalid"  # 19 digits: beyond any 64-bit column
    assert db.holds.select().count() == 1


def test_the_refused_request_is_not_delivered_again_after_a_restart(
        broker, hq_database_url, tmp_path, terminal, funded):
    worker, db = funded
    ask(terminal, auth_request("T1-poison", 2**63))
    dead_letters(db, 1)
    # HQ handles one session's messages in order and acks each when its handler returns: an
    # answer to the next request means the poison's ack went out before the worker stops.
    ask(terminal, AuthRequest("T1", "T1-1", "8800", "stored_value", 100))
    assert answer(terminal).approved
    worker.stop()
    with running_hq_worker(broker, hq_database_url, tmp_path / "hq", clock=lambda: AT) as (
            _, again):
        ask(terminal, AuthRequest("T1", "T1-2", "8800", "stored_value", 100))
        assert answer(terminal).approved
        assert again.dead_letters.select().count() == 1  # acknowledged: not redelivered


POISON_OP = "T1-poison"


def poison_table(db, table: str) -> None:
    """A message that parses well but whose storage keeps failing with an error HQ takes for
    storage being unavailable (an OperationalError): a trigger refuses one op_id's rows."""
    if db.is_sqlite:
        db.database.execute_sql(
            f"CREATE TRIGGER poison BEFORE INSERT ON {table} "
            f"WHEN NEW.op_id = '{POISON_OP}' BEGIN SELECT json('not json'); END")
        return
    db.database.execute_sql(
        "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF NEW.op_id = '{POISON_OP}' THEN "
        "RAISE EXCEPTION 'poisoned' USING ERRCODE = '08006'; END IF; RETURN NEW; END $$")
    db.database.execute_sql(f"CREATE TRIGGER poison BEFORE INSERT ON {table} "
                            "FOR EACH ROW EXECUTE FUNCTION poison()")


def test_a_message_that_keeps_failing_is_dead_lettered_after_bounded_tries(terminal, funded):
    """Before: left unacknowledged without a trace, until the worker restarted and it failed
    again."""
    _, db = funded
    poison_table(db, "holds")
    ask(terminal, AuthRequest("T1", POISON_OP, "8800", "stored_value", 100))
    ask(terminal, AuthRequest("T1", "T1-2", "8800", "stored_value", 100))
    honest = answer(terminal)
    assert honest.op_id == "T1-2" and honest.approved
    (poison,) = dead_letters(db, 1)
    assert poison.reason == "retries_exhausted"
    assert b'"op_id":"T1-poison"' in bytes(poison.payload)
    assert stored_value(db, "8800") == 10000


def test_a_batch_whose_storage_keeps_failing_is_dead_lettered_and_ingest_goes_on(
        terminal, funded):
    _, db = funded
    poison_table(db, "ledger_entries")
    poisoned = top_up(2)
    poisoned = WireEvent(2, POISON_OP, poisoned.type, AT, {
        **poisoned.payload, "entries": [{**poisoned.payload["entries"][0], "op_id": POISON_OP}]})
    send_events(terminal, build_event_batch("T1", [poisoned], AT))
    assert acknowledged(terminal, build_event_batch("T1", [top_up(2, amount=500)], AT)) == 2
    (letter,) = dead_letters(db, 1)
    assert letter.reason == "retries_exhausted"
    assert stored_value(db, "8800") == 10500


def test_any_other_exception_is_a_dead_letter_and_hq_goes_on(hq_database_url, terminal, funded):
    """A card row HQ cannot read back (an expiry date that is not a date, as a damaged or
    hand-edited SQLite file may hold) makes the authorisation raise a TypeError. Before: the
    exception ended paho's network thread and no request was answered again."""
    if not hq_database_url.startswith("sqlite"):
        pytest.skip("a PostgreSQL date column cannot hold a text")
    _, db = funded
    db.database.execute_sql("UPDATE cards SET expires_on = 'soon' WHERE card_no = '8800'")
    assert acknowledged(terminal, build_event_batch("T1", [top_up(2, card_no="8801")], AT)) == 2
    ask(terminal, AuthRequest("T1", "T1-3", "8800", "stored_value", 100))
    ask(terminal, AuthRequest("T1", "T1-4", "8801", "stored_value", 100))
    honest = answer(terminal)
    assert honest.op_id == "T1-4" and honest.approved
    (letter,) = dead_letters(db, 1)
    assert (letter.reason, letter.detail[:10]) == ("handling_failed", "TypeError:")
