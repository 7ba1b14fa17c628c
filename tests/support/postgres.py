"""A throw-away PostgreSQL cluster for tests: `initdb` in a temporary folder, `pg_ctl` on a free
loopback port, trust authentication, no fsync. Nothing depends on a system server running.

Debian installs the server binaries under /usr/lib/postgresql/<version>/bin (not on PATH), and
`initdb` refuses to run as root, so as root every server command runs as the `postgres` user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

import psycopg2
from psycopg2 import sql

from harness.broker import find_free_port

POSTGRES_SYSTEM_USER = "postgres"
SUPERUSER = "postgres"
DEFAULT_DATABASE = "hq_test"
_BIN_ROOT = Path("/usr/lib/postgresql")
_DATABASE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class TempPostgresError(Exception):
    """The temporary PostgreSQL cluster could not be set up, started or stopped."""


def find_postgres_bin_dir() -> Path:
    """The newest installed server's bin folder (the one holding `initdb`)."""
    versions = [p.parent for p in _BIN_ROOT.glob("*/bin/initdb") if p.parent.parent.name.isdigit()]
    if not versions:
        raise TempPostgresError(
            f"no PostgreSQL server under {_BIN_ROOT}/*/bin (Debian package 'postgresql'; "
            "scripts/setup.sh installs it)"
        )
    return max(versions, key=lambda bin_dir: int(bin_dir.parent.name))


class TempPostgres:
    """One temporary cluster with one database. `start()` / `stop()`, or use as a context manager.

    `fsync=False` trades durability for speed: right for tests, never for durability benchmarks.
    """

    def __init__(
        self,
        database: str = DEFAULT_DATABASE,
        *,
        port: int | None = None,
        fsync: bool = False,
        timeout: float = 30.0,
    ) -> None:
        _check_database_name(database)
        self.database = database
        self.host = "127.0.0.1"
        self.port = find_free_port(self.host) if port is None else port
        self.fsync = fsync
        self.timeout = timeout
        self.bin_dir = find_postgres_bin_dir()
        self.base_dir: Path | None = None
        self._running = False

    @property
    def url(self) -> str:
        return self.url_for(self.database)

    def url_for(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{database}"

    @property
    def data_dir(self) -> Path:
        return self._base() / "data"

    @property
    def socket_dir(self) -> Path:
        return self._base() / "socket"

    @property
    def log_path(self) -> Path:
        return self._base() / "postgres.log"

    def _base(self) -> Path:
        if self.base_dir is None:
            raise TempPostgresError("the cluster has not been started")
        return self.base_dir

    def start(self) -> None:
        if self._running:
            raise TempPostgresError(f"PostgreSQL on port {self.port} is already running")
        # In the system temp folder, not pytest's (mode 700, root's): the server user must reach it.
        self.base_dir = Path(tempfile.mkdtemp(prefix="hy-postgres-"))
        self.socket_dir.mkdir()
        if os.geteuid() == 0:
            _hand_to_system_user(self.base_dir)
        self._run_as_server_user(
            "initdb", "-D", str(self.data_dir), "-A", "trust", "-U", SUPERUSER,
            "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
        )
        try:
            self._run_as_server_user(
                "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_path), "-w",
                "-t", str(int(self.timeout)), "-o", self._server_options(), "start",
            )
            self._running = True
            self.create_database(self.database)
        except TempPostgresError:
            self._abandon()
            raise

    def _abandon(self) -> None:
        """After a failed start: make sure no server is left behind, then remove the folder."""
        if self.data_dir.exists():
            with contextlib.suppress(TempPostgresError):
                self._run_as_server_user("pg_ctl", "-D", str(self.data_dir), "-m", "immediate",
                                         "-w", "stop")
        self._running = False
        shutil.rmtree(self._base(), ignore_errors=True)
        self.base_dir = None

    def _server_options(self) -> str:
        options = [f"-p {self.port}", f"-k {self.socket_dir}", f"-c listen_addresses={self.host}"]
        if not self.fsync:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        return " ".join(options)

    def _run_as_server_user(self, program: str, *arguments: str) -> None:
        command = [str(self.bin_dir / program), *arguments]
        if os.geteuid() == 0:
            command = ["runuser", "-u", POSTGRES_SYSTEM_USER, "--", *command]
        try:
            subprocess.run(
                command, cwd=self._base(), capture_output=True, text=True, check=True,
                timeout=self.timeout,
            )
        except subprocess.CalledProcessError as error:
            raise TempPostgresError(self._failure(program, error.stderr or error.stdout)) from None
        except subprocess.TimeoutExpired:
            raise TempPostgresError(
                self._failure(program, f"did not finish within {self.timeout:.0f} s")
            ) from None

    def _failure(self, program: str, output: str) -> str:
        log_tail = "(no server log)"
        if self.log_path.exists():
            log_tail = "\n".join(self.log_path.read_text(errors="replace").splitlines()[-15:])
        return f"{program} failed: {output.strip()}\n--- {self.log_path} (tail) ---\n{log_tail}"

    def connect(self, database: str | None = None) -> psycopg2.extensions.connection:
        return psycopg2.connect(
            host=self.host, port=self.port, user=SUPERUSER,
            dbname=database or self.database, connect_timeout=int(self.timeout),
        )

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create a database in this cluster and return its URL: empty, or a copy of
        `template` (a database nobody is connected to), which takes a fraction of the time of
        building its tables again. Copied file by file: without fsync that is the quicker way."""
        if template is None:
            self._maintenance(sql.SQL("CREATE DATABASE {}"), name)
        else:
            # STRATEGY is new in PostgreSQL 15; older servers copy files anyway.
            strategy = " STRATEGY FILE_COPY" if int(self.bin_dir.parent.name) >= 15 else ""
            self._maintenance(sql.SQL("CREATE DATABASE {} TEMPLATE {}" + strategy),
                              name, template)
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting anyone still using it."""
        self._maintenance(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)"), name)

    def _maintenance(self, statement: sql.SQL, *names: str) -> None:
        for name in names:
            _check_database_name(name)
        connection = self.connect("postgres")
        try:
            # CREATE/DROP DATABASE cannot run inside a transaction.
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(statement.format(*(sql.Identifier(name) for name in names)))
        except psycopg2.Error as error:
            raise TempPostgresError(f"{statement.as_string(connection)}: {error}") from None
        finally:
            connection.close()

    def restart(self) -> None:
        """Fast shutdown (clients are disconnected, committed work stays), then start again on
        the same port with the same data: the chaos soak's database fault."""
        if not self._running:
            raise TempPostgresError("the cluster is not running")
        timeout = str(int(self.timeout))
        self._run_as_server_user("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w",
                                 "-t", timeout, "stop")
        self._run_as_server_user("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_path),
                                 "-w", "-t", timeout, "-o", self._server_options(), "start")

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its folder."""
        if self._running:
            self._running = False
            self._run_as_server_user(
                "pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w",
                "-t", str(int(self.timeout)), "stop",
            )
        if self.base_dir is not None:
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None

    def __enter__(self) -> TempPostgres:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _check_database_name(name: str) -> None:
    if not _DATABASE_NAME.fullmatch(name):
        raise TempPostgresError(
            f"database name {name!r}: use lower-case letters, digits and '_' (at most 63)"
        )


def _hand_to_system_user(directory: Path) -> None:
    try:
        account = pwd.getpwnam(POSTGRES_SYSTEM_USER)
    except KeyError:
        raise TempPostgresError(
            f"running as root, but there is no {POSTGRES_SYSTEM_USER!r} user to run the server"
        ) from None
    for path in (directory, *directory.iterdir()):
        os.chown(path, account.pw_uid, account.pw_gid)
