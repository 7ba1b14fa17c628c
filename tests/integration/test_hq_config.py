"""Configuration documents at HQ: versions per scope, the most specific scope wins for a
terminal, and desired versus reported from the terminals' shadows. SQLite and PostgreSQL."""

import json
from datetime import datetime

import pytest

from hq.cli import main as hq_main
from hq.config_push import ConfigPushError, config_status, desired_documents, next_document
from hq.db import open_database

AT = datetime(2026, 11, 23, 6, 0)


@pytest.fixture
def db(hq_database_url):
    database = open_database(hq_database_url)
    yield database
    database.close()


def test_versions_and_scope_precedence(db):
    db.terminals.insert(id="T1", store_id="S1", region="East").execute()
    assert next_document(db, "catalogue", "all", {"v": "all"}, AT).version == 1
    assert next_document(db, "catalogue", "all", {"v": "all-2"}, AT).version == 2
    next_document(db, "catalogue", "store:S1", {"v": "store"}, AT)
    next_document(db, "catalogue", "store:S2", {"v": "other store"}, AT)
    next_document(db, "promotions", "region:East", {"v": "region"}, AT)
    assert desired_documents(db, "T1") == {"catalogue": ("store:S1", 1),
                                           "promotions": ("region:East", 1)}
    with pytest.raises(ConfigPushError):
        next_document(db, "catalogue", "shop:S1", {}, AT)


def test_desired_versus_reported(db):
    db.terminals.insert_many([{"id": "T1", "store_id": "S1"},
                              {"id": "T2", "store_id": "S1"}]).execute()
    next_document(db, "catalogue", "store:S1", {}, AT)
    next_document(db, "catalogue", "store:S1", {}, AT)
    reported = {"applied": {"catalogue": {"scope": "store:S1", "version": 2}}}
    db.shadows.insert(terminal_id="T1", reported=json.dumps(reported), reported_at=AT,
                      received_at=AT).execute()
    states = {state.terminal_id: state for state in config_status(db)}
    assert states["T1"].in_sync and states["T1"].reported_version == 2
    assert not states["T2"].in_sync and states["T2"].reported_version is None


def test_the_cli_registers_a_terminal_and_reports_pending_configuration(tmp_path, capsys,
                                                                         monkeypatch):
    monkeypatch.setenv("HQ_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HQ_DATABASE_URL", raising=False)
    assert hq_main(["terminal", "add", "T9", "--store", "S1", "--region", "East"]) == 0
    database = open_database(None, tmp_path)
    next_document(database, "catalogue", "all", {}, AT)
    database.close()
    assert hq_main(["config", "status"]) == 1  # T9 has not reported catalogue v1 yet
    assert "T9\tcatalogue\tall\tv1\treported -\tPENDING" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert hq_main(["config", "push", str(bad), "--scope", "all"]) == 2
    assert "expected" in capsys.readouterr().err
