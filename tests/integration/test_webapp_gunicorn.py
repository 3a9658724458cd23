"""The payment pages under gunicorn as deployed (webapp/gunicorn.conf.py), driven over real sockets.

Only a real server shows these: chunked bodies, gunicorn's request-line limit and error pages, its Server
header and access log, and a rate limit that must hold across two worker processes.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from fakeredis import TcpFakeServer
from redis.commands.core import Script

from stripe_netsuite.store import migrate
from tests.e2e.webapp_support import (
    CSRF,
    attempts,
    create_test_app,
    token_for,
    webapp_environ,
)
from tests.servers import ROOT, RunningServer

CONFIG = ROOT / "webapp" / "gunicorn.conf.py"
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
BOOTED = re.compile(r"Booting worker with pid: (\d+)")


@dataclass(frozen=True)
class Gunicorn:
    port: int
    log: Path

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        connection = self.connect()
        try:
            connection.request("GET", path, headers=dict(headers or {}))
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read().decode()
        finally:
            connection.close()


@contextmanager
def run_gunicorn(environ: Mapping[str, str], log: Path, *args: str, workers: int = 1) -> Iterator[Gunicorn]:
    """gunicorn with webapp/gunicorn.conf.py on a port the kernel picks, until the block ends."""
    command = [
        sys.executable, "-m", "gunicorn", "--config", str(CONFIG), "--bind", "127.0.0.1:0", *args,
        "webapp:create_app()",
    ]  # fmt: skip
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **environ}, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield Gunicorn(_wait_until_serving(process, log, workers), log)
    finally:
        process.terminate()  # the master stops its workers, then exits
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_serving(process: subprocess.Popen[bytes], log: Path, workers: int) -> int:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        text = log.read_text()
        listening = LISTENING.search(text)
        if listening and len(BOOTED.findall(text)) >= workers:
            port = int(listening.group(1))
            try:
                if Gunicorn(port, log).get("/brand.css")[0] == 200:
                    return port
            except OSError:
                pass
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited:\n" + text)
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not serve in time:\n" + log.read_text())


@pytest.fixture
def environ(netsuite_env: dict[str, str], stripe_sandbox: RunningServer, tmp_path: Path) -> dict[str, str]:
    """The webapp's settings, its state DB migrated once up front (workers would race to do it)."""
    database_url = f"sqlite:///{tmp_path / 'state.db'}"
    migrate(database_url)
    return webapp_environ(netsuite_env, stripe_sandbox.url, database_url)


def link(environ: Mapping[str, str], kind: str, netsuite_id: str) -> str:
    app = create_test_app(environ)
    return f"/pay/{kind[0]}/{token_for(app, kind, netsuite_id)}"


def open_form(server: Gunicorn, path: str) -> tuple[str, str]:
    """(session cookie, CSRF token) of a page, as a browser would hold them."""
    status, headers, html = server.get(path)
    assert status == 200, status
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    found = CSRF.search(html)
    assert found
    return cookie, found.group(1)


def post_form(server: Gunicorn, path: str, cookie: str, chunks: list[bytes], chunked: bool) -> int:
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    connection = server.connect()
    try:
        if chunked:  # an iterable body without Content-Length goes out as Transfer-Encoding: chunked
            connection.request("POST", path, body=iter(chunks), headers=headers, encode_chunked=True)
        else:
            connection.request("POST", path, body=b"".join(chunks), headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


# --- request bodies -------------------------------------------------------------------------------------


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_a_form_over_the_limit_is_413_and_writes_nothing(
    environ: dict[str, str], tmp_path: Path, chunked: bool
) -> None:
    path = link(environ, "customer", "102")
    with run_gunicorn(environ, tmp_path / "gunicorn.log") as server:
        cookie, csrf = open_form(server, path)
        head = f"csrf_token={csrf}&amount=100.00&pad=".encode()
        status = post_form(server, path, cookie, [head] + [b"x" * 65536] * 32, chunked)  # 2 MiB
        assert status == 413
        # The same form within the limit is taken, so the 413 was the size and nothing else.
        assert post_form(server, path, cookie, [head, b"x" * 1000], chunked) == 303
    made = attempts(create_test_app(environ))
    assert len(made) == 1 and made[0].amount_minor == 10000


# --- request-line limit, error pages and headers ---------------------------------------------------------


def test_over_long_links_get_the_apps_404_with_its_headers_and_no_server_banner(
    environ: dict[str, str], tmp_path: Path
) -> None:
    with run_gunicorn(environ, tmp_path / "gunicorn.log") as server:
        status, page_headers, _ = server.get(link(environ, "customer", "102"))
        assert status == 200 and "Server" not in page_headers
        for length in (5_000, 9_000):  # within gunicorn's request-line limit (8190), and beyond it
            status, headers, html = server.get("/pay/c/" + "A" * length)
            assert status == 404, length
            assert "Link not found" in html
            assert "Server" not in headers
            for name in ("Content-Security-Policy", "Permissions-Policy", "Cross-Origin-Opener-Policy"):
                assert headers[name] == page_headers[name], (length, name)
            assert headers["X-Frame-Options"] == "DENY" and headers["Referrer-Policy"] == "no-referrer"


# --- logs -----------------------------------------------------------------------------------------------


def raw_request(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(data)
        return connection.recv(65536)


def test_no_link_token_reaches_any_log_line(environ: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "gunicorn.log"
    customer = link(environ, "customer", "102")
    invoice = link(environ, "invoice", "1001")
    tokens = [customer.rsplit("/", 1)[1], invoice.rsplit("/", 1)[1]]
    with run_gunicorn(environ, log) as server:
        cookie, csrf = open_form(server, customer)
        post_form(server, customer, cookie, [f"csrf_token={csrf}&amount=0".encode()], chunked=False)
        server.get(invoice, headers={"Referer": f"http://localhost{customer}"})
        server.get(f"{customer}/qr.svg?x=1")
        server.get(customer[:-3] + "bad")  # a mangled token: 404, still a secret-looking path
        # A request line gunicorn itself refuses is logged by gunicorn's error log, line included.
        raw_request(server.port, f"GET {invoice} HTTP/1.1 extra\r\nHost: x\r\n\r\n".encode())
    text = log.read_text()
    assert text.count("/pay/c/[redacted]") >= 3 and "/pay/i/[redacted]" in text
    for token in tokens:
        assert token not in text
        assert token[:-3] not in text


# --- rate limit across workers --------------------------------------------------------------------------


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis protocol server on 127.0.0.1 (fakeredis), with the `limits` library's Lua scripts loaded."""
    server = TcpFakeServer(("127.0.0.1", 0), server_type="redis")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"redis://127.0.0.1:{server.server_address[1]}/0"
    # fakeredis drops a connection after any error reply, so the NOSCRIPT reply to the first EVALSHA would
    # break redis-py's reload-and-retry; real Redis does not. Loading the scripts first avoids the reply.
    from limits.storage import storage_from_string

    client = redis.Redis.from_url(url)
    for script in vars(storage_from_string(url)).values():
        if isinstance(script, Script):
            client.script_load(script.script)
    yield url
    server.shutdown()
    server.server_close()


def test_two_workers_share_one_rate_limit_and_say_when_to_retry(
    environ: dict[str, str], tmp_path: Path, redis_url: str
) -> None:
    environ |= {"RATE_LIMIT_STORAGE_URI": redis_url, "WEBAPP_WORKERS": "2", "RATE_LIMIT_PAGE": "6/minute"}
    qr = link(environ, "customer", "102") + "/qr.svg"
    log = tmp_path / "gunicorn.log"
    with run_gunicorn(environ, log, "--access-logformat", "pid=%(p)s %(s)s", workers=2) as server:
        with ThreadPoolExecutor(max_workers=6) as pool:  # parallel connections reach both workers
            statuses = sorted(status for status, _, _ in pool.map(lambda _: server.get(qr), range(12)))
        status, headers, html = server.get(qr)
    assert statuses == [200] * 6 + [429] * 6  # 6 per minute in all, not 6 per worker
    assert status == 429 and "Too many attempts" in html
    assert 0 < int(headers["Retry-After"]) <= 60
    # Both workers answered: a worker that refused had counted its sibling's hits (or shared its 6).
    assert len(set(re.findall(r"pid=<(\d+)> (?:200|429)", log.read_text()))) == 2, log.read_text()


def test_memory_storage_with_several_workers_is_refused_at_start(
    environ: dict[str, str], tmp_path: Path
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(CONFIG),
            "--bind",
            "127.0.0.1:0",
            "webapp:create_app()",
        ],
        cwd=ROOT,
        env={**os.environ, **environ, "WEBAPP_WORKERS": "2", "RATE_LIMIT_STORAGE_URI": "memory://"},
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode != 0
    assert "RATE_LIMIT_STORAGE_URI: memory://" in done.stdout + done.stderr
