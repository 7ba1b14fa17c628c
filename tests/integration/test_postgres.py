"""The throw-away PostgreSQL cluster the HQ tests run against, and the two-backend fixture."""

from __future__ import annotations

import psycopg2
import pytest
from playhouse.db_url import connect

from tests.support.postgres import TempPostgres, TempPostgresError

pytestmark = pytest.mark.timeout(60)


def test_a_cluster_starts_takes_a_table_and_stops() -> None:
    cluster = TempPostgres("ledger_check")
    with cluster:
        assert cluster.url == f"postgresql://postgres@127.0.0.1:{cluster.port}/ledger_check"
        connection = psycopg2.connect(cluster.url)
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute("CREATE TABLE entry (id serial PRIMARY KEY, amount_fen bigint)")
                cursor.execute("INSERT INTO entry (amount_fen) VALUES (%s), (%s)", (1999, -500))
                cursor.execute("SELECT sum(amount_fen) FROM entry")
                assert cursor.fetchone() == (1499,)
        finally:
            connection.close()
        data_dir = cluster.data_dir
    assert not data_dir.exists()
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(cluster.url, connect_timeout=2).close()


def test_a_bad_database_name_is_refused_before_anything_starts() -> None:
    with pytest.raises(TempPostgresError, match="database name"):
        TempPostgres("hq; DROP")


def test_databases_in_the_session_cluster_are_separate(postgres: TempPostgres) -> None:
    url = postgres.create_database("separate_check")
    try:
        connection = psycopg2.connect(url)
        with connection, connection.cursor() as cursor:
            cursor.execute("SELECT current_database()")
            assert cursor.fetchone() == ("separate_check",)
        connection.close()
    finally:
        postgres.drop_database("separate_check")
    with pytest.raises(psycopg2.OperationalError, match="does not exist"):
        psycopg2.connect(url).close()


def test_the_hq_database_url_opens_with_peewee(hq_database_url: str) -> None:
    database = connect(hq_database_url)
    try:
        database.execute_sql("CREATE TABLE member (id integer PRIMARY KEY, name text)")
        database.execute_sql("INSERT INTO member (id, name) VALUES (1, '张三')")
        assert database.execute_sql("SELECT name FROM member").fetchall() == [("张三",)]
    finally:
        database.close()
