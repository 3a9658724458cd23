"""A throw-away PostgreSQL for the test session: Debian's server binaries, a private cluster per test worker.

The cluster listens on a Unix socket only, in a directory of its own, so two workers (or two test runs, or a
PostgreSQL already on the machine) can never collide on a port. Each test then gets an empty schema of its
own (`search_path` in the URL), which is milliseconds where a database per test would copy a template.
With CONNECTOR_TEST_POSTGRES_URL set, that server is used instead and the schemas are dropped afterwards.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

ENV_URL = "CONNECTOR_TEST_POSTGRES_URL"
SERVER_DIRS = Path("/usr/lib/postgresql")
INSTALL_HINT = "install Debian's postgresql (`make postgres`) or set CONNECTOR_TEST_POSTGRES_URL"
# Durability is worthless for a cluster deleted at the end of the session, and costs most of the time.
FAST = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")
PORT = 5432  # names the socket file in the cluster's own directory; nothing listens on TCP


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL to test against: not installed and no CONNECTOR_TEST_POSTGRES_URL."""


def server_bin_dir() -> Path:
    """The newest installed major version's bin directory (Debian: /usr/lib/postgresql/<major>/bin)."""
    found = [path.parent for path in SERVER_DIRS.glob("*/bin/initdb") if path.parents[1].name.isdigit()]
    if not found:
        raise PostgresUnavailable(f"no PostgreSQL server under {SERVER_DIRS}: {INSTALL_HINT}")
    return max(found, key=lambda path: int(path.parent.name))


def _owner() -> pwd.struct_passwd | None:
    """The account the server runs as: PostgreSQL refuses to run as root, so root hands it to `postgres`."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError as exc:
        raise PostgresUnavailable(f"running as root but there is no postgres user: {INSTALL_HINT}") from exc


_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent() -> None:
    # Runs in the child after it has taken the postgres user (a credential change clears the setting): a
    # killed test worker then takes its server down too (SIGINT = PostgreSQL's fast shutdown). Linux only.
    if hasattr(_libc, "prctl"):
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGINT)


@contextmanager
def local_cluster(timeout: float = 60.0) -> Iterator[str]:
    """initdb + postgres in a temporary directory; yields its `postgres` database URL; always stopped."""
    bin_dir = server_bin_dir()
    owner = _owner()
    # Not under pytest's basetemp: that is private to root, and the server runs as `postgres`.
    base = Path(tempfile.mkdtemp(prefix="connector-pg-"))
    data, sockets, log = base / "data", base / "run", base / "server.log"
    sockets.mkdir()
    as_owner: dict[str, object] = {"cwd": base}
    if owner is not None:
        for path in (base, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        as_owner |= {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}
    server: subprocess.Popen[bytes] | None = None
    try:
        initdb = subprocess.run(
            [bin_dir / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
             "--no-sync", "--no-instructions"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **as_owner,
        )  # fmt: skip
        if initdb.returncode:
            raise RuntimeError(f"initdb failed ({initdb.returncode}):\n{initdb.stderr}")
        settings = [arg for option in (*FAST, "listen_addresses=") for arg in ("-c", option)]
        with log.open("wb") as log_file:
            server = subprocess.Popen(
                [bin_dir / "postgres", "-D", data, "-p", str(PORT), "-k", sockets, *settings],
                stdout=log_file, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
                **as_owner,
            )  # fmt: skip
        url = f"postgresql+psycopg2://postgres@/postgres?host={sockets}&port={PORT}"
        _wait_until_ready(url, server, log, timeout)
        yield url
    finally:
        if server is not None:
            _stop(server)
        shutil.rmtree(base, ignore_errors=True)


def _wait_until_ready(url: str, server: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    engine = sa.create_engine(url, poolclass=NullPool)
    deadline = time.monotonic() + timeout
    try:
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"postgres exited with {server.returncode}:\n{log.read_text()}")
            try:
                with engine.connect() as connection:
                    connection.exec_driver_sql("SELECT 1")
                return
            except sa.exc.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
    finally:
        engine.dispose()


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGINT)  # fast shutdown: ends open sessions, then exits cleanly
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@contextmanager
def postgres_server() -> Iterator[str]:
    """The server URL: CONNECTOR_TEST_POSTGRES_URL if set, else a private cluster started here."""
    given = os.environ.get(ENV_URL)
    if given:
        yield given
    else:
        with local_cluster() as url:
            yield url


_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]*$")


class Schemas:
    """Empty schemas on one server, one per test: the URL a test gets sees only its own schema."""

    def __init__(self, server_url: str, *, drop: bool) -> None:
        self.server_url = server_url
        self.drop = drop  # a private cluster is deleted whole; a given server is left as found
        self.admin = sa.create_engine(server_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self.prefix = f"test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}_"
        self.created: list[str] = []

    def create(self) -> str:
        schema = f"{self.prefix}{len(self.created)}"
        assert _SCHEMA.match(schema), schema
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        self.created.append(schema)
        url = make_url(self.server_url).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    def release(self, schema_url: str) -> None:
        if not self.drop:
            return
        schema = make_url(schema_url).query["options"].removeprefix("-csearch_path=")
        with contextlib.suppress(sa.exc.DBAPIError), self.admin.connect() as connection:
            # A connection a test left open would hold a lock: give up rather than hang the run.
            connection.exec_driver_sql("SET lock_timeout = '10s'")
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    def close(self) -> None:
        self.admin.dispose()
