"""Asynchronous requests as Oracle documents them (REST Web Services Request Processing).

`Prefer: respond-async` on a record or SuiteQL request answers 202 Accepted with `Preference-Applied:
respond-async` and `Location: /services/rest/async/v1/job/{id}`. The job's status is at
`/async/v1/job/{id}`, its one task at `/job/{id}/task/{id}` and the request's own answer at
`/job/{id}/task/{id}/result`. An `X-NetSuite-Idempotency-Key` already used by an earlier async request is
refused with 400 "Conflict" IDEMPOTENCY_ERROR and that job's Location; on synchronous requests the key
is ignored. The sandbox runs a job as soon as it is accepted, unless the control setting `async_delay_ms`
keeps it pending that long first (so clients' polling is exercised).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .errors import NetSuiteError, error_body
from .store import Store, now_iso

JOB_PREFIX = "/services/rest/async/v1/job"
IDEMPOTENCY_HEADER = "X-NetSuite-Idempotency-Key"
# Oracle's example answers a reused key with status 400 but the title and type of 409 Conflict.
_CONFLICT_TYPE = "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.10"
_KEPT_HEADERS = ("Location", "Content-Type", "X-NetSuite-Warning")

WsgiCall = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class Job:
    id: int
    status: int | None
    headers: list[tuple[str, str]]
    body: bytes
    started: str
    ended: str | None

    @property
    def completed(self) -> bool:
        return self.status is not None

    @property
    def progress(self) -> str:
        if self.status is None:
            return "pending"
        return "succeeded" if self.status < 400 else "failed"


class IdempotencyConflict(NetSuiteError):
    """The key was used before: the answer carries the earlier job's Location."""

    def __init__(self, job_id: int) -> None:
        super().__init__(
            400,
            "IDEMPOTENCY_ERROR",
            "A request with the same idempotency key is already submitted. "
            'See the "Location" header for a link to the previously submitted job',
        )
        self.job_id = job_id

    def body(self) -> dict[str, Any]:
        document = error_body(400, self.code, self.detail)
        document.update(type=_CONFLICT_TYPE, title="Conflict")
        return document


def job_location(job_id: int) -> str:
    return f"{JOB_PREFIX}/{job_id}"


def submit(
    store: Store,
    method: str,
    path: str,
    key: str | None,
    run: Callable[[], tuple[int, list[tuple[str, str]], bytes]],
    delay: float = 0.0,
) -> int:
    """Record the job (refusing a reused key) and run the request now, or after `delay` seconds on a
    thread (the job is "pending" meanwhile); returns the job id."""
    with store.write() as conn:
        if key is not None:
            row = conn.execute("SELECT id FROM _async_job WHERE idempotency_key = ?", (key,)).fetchone()
            if row is not None:
                raise IdempotencyConflict(int(row[0]))
        cursor = conn.execute(
            "INSERT INTO _async_job (idempotency_key, method, path, started) VALUES (?, ?, ?, ?)",
            (key, method, path, now_iso()),
        )
        job_id = int(cursor.lastrowid or 0)
    if delay > 0:
        timer = threading.Timer(delay, _finish, (store, job_id, run))
        timer.daemon = True
        timer.start()
    else:
        _finish(store, job_id, run)
    return job_id


def _finish(store: Store, job_id: int, run: Callable[[], tuple[int, list[tuple[str, str]], bytes]]) -> None:
    status, headers, body = run()
    kept = [(name, value) for name, value in headers if name in _KEPT_HEADERS]
    with store.write() as conn:
        conn.execute(
            "UPDATE _async_job SET status = ?, headers = ?, body = ?, ended = ? WHERE id = ?",
            (status, json.dumps(kept), body, now_iso(), job_id),
        )


def load(conn: sqlite3.Connection, job_id: int) -> Job | None:
    row = conn.execute(
        "SELECT id, status, headers, body, started, ended FROM _async_job WHERE id = ?", (job_id,)
    ).fetchone()
    if row is None:
        return None
    headers = [(str(name), str(value)) for name, value in json.loads(row["headers"] or "[]")]
    return Job(
        int(row["id"]), row["status"], headers, bytes(row["body"] or b""), row["started"], row["ended"]
    )


def run_inner(app: WsgiCall, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    """Run the request synchronously through the record app (past the gate, already authenticated)."""
    captured: dict[str, Any] = {}

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    result = app(environ, start_response)
    try:
        body = b"".join(bytes(chunk) for chunk in result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return int(str(captured["status"]).split()[0]), list(captured["headers"]), body


def job_document(base: str, job: Job) -> dict[str, Any]:
    href = f"{base}/async/v1/job/{job.id}"
    return {
        "links": [{"rel": "self", "href": href}],
        "completed": job.completed,
        "id": str(job.id),
        "progress": job.progress,
        "task": {"links": [{"rel": "self", "href": f"{href}/task"}]},
    }


def tasks_document(base: str, job: Job) -> dict[str, Any]:
    href = f"{base}/async/v1/job/{job.id}/task"
    return {
        "links": [{"rel": "self", "href": href}],
        "count": 1,
        "hasMore": False,
        "items": [{"links": [{"rel": "self", "href": f"{href}/{job.id}"}], "id": str(job.id)}],
        "offset": 0,
        "totalResults": 1,
    }


def task_document(base: str, job: Job) -> dict[str, Any]:
    """The job's single task (the sandbox gives it the job's id)."""
    href = f"{base}/async/v1/job/{job.id}/task/{job.id}"
    document: dict[str, Any] = {
        "links": [{"rel": "related", "href": f"{href}/result"}, {"rel": "self", "href": href}],
        "completed": job.completed,
        "id": str(job.id),
        "progress": job.progress,
        "startTime": job.started,
    }
    if job.ended is not None:
        document["endTime"] = job.ended
    return document
