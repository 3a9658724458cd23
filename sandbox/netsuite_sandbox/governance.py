"""The gate in front of /services/rest: authentication, the concurrency limit, latency and injected faults.

It is WSGI middleware rather than Flask code because a "drop" fault must close the socket with no
HTTP answer at all, and because a 429 must be decided before any record code runs.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from .auth import AuthError, SignedRequest, TbaVerifier
from .errors import INVALID_LOGIN_DETAIL, error_body
from .oauth2 import TokenService

REST_PREFIX = "/services/rest"
TOKEN_PATH = REST_PREFIX + "/auth/oauth2/v1/token"
FAULT_KINDS = ("500", "503", "429", "drop")
# How `latency_ms` applies. "floor" (default): it is the request's response time, the sandbox's own work
# included, as a real service's latency is: the gate sleeps for whatever is left of it once the request is
# done (work longer than it is not cut short). "added": the gate sleeps the whole latency, then does the work
# (the sandbox's model before 2026-11-30; a request then takes latency + the sandbox's CPU).
LATENCY_MODELS = ("floor", "added")
ERROR_CONTENT_TYPE = "application/vnd.oracle.resource+json; type=error; charset=UTF-8"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass
class GateConfig:
    """Settable through POST /_sandbox/config."""

    concurrency_limit: int = 5
    latency_ms: int = 0
    jitter_ms: int = 0
    latency_model: str = "floor"
    fault_rate: float = 0.0
    fault_kinds: list[str] = field(default_factory=lambda: ["500"])
    fault_phase: str = "before"
    fault_seed: int | None = None
    # How long an asynchronous job stays "pending" before it runs (0 = it runs when accepted).
    async_delay_ms: int = 0


class ConfigValueError(ValueError):
    pass


class Governance:
    """Counters, limits and the request log, shared by all server threads."""

    def __init__(self, concurrency_limit: int = 5) -> None:
        self._lock = threading.Lock()
        self.config = GateConfig(concurrency_limit=concurrency_limit)
        self._rng = random.Random()
        self.log: deque[dict[str, Any]] = deque(maxlen=2000)
        self.reset_stats()

    def reset_stats(self) -> None:
        with self._lock:
            self.in_flight = 0
            self.counts = {
                "requests": 0,
                "authenticated": 0,
                "unauthorized_401": 0,
                "rejected_429": 0,
                "peak_concurrency": 0,
                "faults_injected": 0,
            }
            self.faults_by_kind = dict.fromkeys(FAULT_KINDS, 0)
            self.log.clear()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                **self.counts,
                "in_flight": self.in_flight,
                "faults_by_kind": dict(self.faults_by_kind),
                "config": asdict(self.config),
            }

    def configure(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Validate and apply a partial config; unknown keys or bad values change nothing."""
        merged = {**asdict(self.config), **changes}
        unknown = set(changes) - set(asdict(self.config))
        if unknown:
            raise ConfigValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        try:
            new = GateConfig(
                concurrency_limit=int(merged["concurrency_limit"]),
                latency_ms=int(merged["latency_ms"]),
                jitter_ms=int(merged["jitter_ms"]),
                latency_model=str(merged["latency_model"]),
                fault_rate=float(merged["fault_rate"]),
                fault_kinds=[str(k) for k in merged["fault_kinds"]],
                fault_phase=str(merged["fault_phase"]),
                fault_seed=None if merged["fault_seed"] is None else int(merged["fault_seed"]),
                async_delay_ms=int(merged["async_delay_ms"]),
            )
        except (TypeError, ValueError) as exc:
            raise ConfigValueError(str(exc)) from exc
        if new.concurrency_limit < 1:
            raise ConfigValueError("concurrency_limit must be at least 1")
        if new.latency_ms < 0 or new.jitter_ms < 0 or new.async_delay_ms < 0:
            raise ConfigValueError("latency_ms, jitter_ms and async_delay_ms must not be negative")
        if not 0 <= new.fault_rate <= 1:
            raise ConfigValueError("fault_rate must be between 0 and 1")
        if not new.fault_kinds or set(new.fault_kinds) - set(FAULT_KINDS):
            raise ConfigValueError(f"fault_kinds must be a non-empty subset of {list(FAULT_KINDS)}")
        if new.latency_model not in LATENCY_MODELS:
            raise ConfigValueError(f"latency_model must be one of {list(LATENCY_MODELS)}")
        if new.fault_phase not in ("before", "after"):
            raise ConfigValueError('fault_phase must be "before" or "after"')
        with self._lock:
            self.config = new
            if "fault_seed" in changes:
                self._rng = random.Random(new.fault_seed)
        return asdict(new)

    def count(self, key: str) -> None:
        with self._lock:
            self.counts[key] += 1

    def admit(self) -> bool:
        """Take a concurrency slot, or count a 429."""
        with self._lock:
            if self.in_flight >= self.config.concurrency_limit:
                self.counts["rejected_429"] += 1
                return False
            self.in_flight += 1
            self.counts["peak_concurrency"] = max(self.counts["peak_concurrency"], self.in_flight)
            return True

    def release(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def plan(self) -> tuple[float, str | None, str, str]:
        """Seconds of latency, the fault to inject (or None), its phase and the latency model, from the
        seeded generator."""
        with self._lock:
            cfg = self.config
            delay = (cfg.latency_ms + (self._rng.uniform(0, cfg.jitter_ms) if cfg.jitter_ms else 0)) / 1000
            fault = None
            if cfg.fault_rate and self._rng.random() < cfg.fault_rate:
                fault = self._rng.choice(cfg.fault_kinds)
                self.counts["faults_injected"] += 1
                self.faults_by_kind[fault] += 1
            return delay, fault, cfg.fault_phase, cfg.latency_model

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.log.append(entry)

    def recent(self, limit: int) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.log)[-limit:]


class DroppedConnection(ConnectionResetError):
    """Raised after closing the socket: werkzeug treats a ConnectionError as a client that went away."""


def _json_response(
    start_response: StartResponse,
    status: int,
    body: dict[str, Any],
    extra: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    payload = json.dumps(body).encode()
    reason = {
        401: "Unauthorized",
        429: "Too Many Requests",
        500: "Internal Server Error",
        503: "Service Unavailable",
    }.get(status, "Error")
    headers = [("Content-Type", ERROR_CONTENT_TYPE), ("Content-Length", str(len(payload))), *(extra or [])]
    start_response(f"{status} {reason}", headers)
    return [payload]


_FAULTS: dict[str, tuple[int, str, str]] = {
    "500": (500, "UNEXPECTED_ERROR", "An unexpected error occurred. Error ID: sandbox-injected"),
    "503": (503, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable. Try again later."),
    "429": (429, "CONCURRENCY_LIMIT_EXCEEDED", "Concurrent request limit exceeded. Request blocked."),
}


class RestGate:
    """WSGI middleware guarding /services/rest (except the OAuth 2.0 token endpoint)."""

    def __init__(self, app: WsgiApp, governance: Governance, tba: TbaVerifier, tokens: TokenService) -> None:
        self.app = app
        self.governance = governance
        self.tba = tba
        self.tokens = tokens

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(REST_PREFIX) or path == TOKEN_PATH:
            return self.app(environ, start_response)
        gov = self.governance
        started = time.monotonic()
        entry: dict[str, Any] = {
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "method": environ.get("REQUEST_METHOD"),
            "path": path,
            "query": environ.get("QUERY_STRING", ""),
            "status": None,
            # The headers that change how NetSuite treats a write, so tests can see what a client sent.
            "property_name_validation": environ.get("HTTP_X_NETSUITE_PROPERTYNAMEVALIDATION"),
            "prefer": environ.get("HTTP_PREFER"),
        }
        gov.count("requests")
        try:
            return self._handle(environ, start_response, entry, started)
        finally:
            entry["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
            gov.record(entry)

    def _handle(
        self, environ: dict[str, Any], start_response: StartResponse, entry: dict[str, Any], started: float
    ) -> Iterable[bytes]:
        gov = self.governance
        body = self._buffer_body(environ)
        reason = self._authenticate(environ, body)
        if reason is not None:
            gov.count("unauthorized_401")
            entry.update(status=401, auth_error=reason)
            return _json_response(start_response, 401, error_body(401, "INVALID_LOGIN", INVALID_LOGIN_DETAIL))
        gov.count("authenticated")
        if not gov.admit():
            entry["status"] = 429
            return _json_response(
                start_response, 429, error_body(429, "CONCURRENCY_LIMIT_EXCEEDED", _FAULTS["429"][2])
            )
        try:
            delay, fault, phase, model = gov.plan()
            entry["fault"] = fault
            if fault is not None and phase == "before":
                time.sleep(delay)
                return self._fault(environ, start_response, fault, entry)
            if model == "added" and delay:
                time.sleep(delay)
            status, headers, chunks = self._call_app(environ)
            if model == "floor" and delay:
                # The time since the request reached the gate (authentication included) counts.
                time.sleep(max(0.0, delay - (time.monotonic() - started)))
            if fault is not None:
                entry["committed_status"] = int(status.split()[0])
                return self._fault(environ, start_response, fault, entry)
            entry["status"] = int(status.split()[0])
            start_response(status, headers)
            return chunks
        finally:
            gov.release()

    def _fault(
        self, environ: dict[str, Any], start_response: StartResponse, kind: str, entry: dict[str, Any]
    ) -> Iterable[bytes]:
        if kind == "drop":
            entry["status"] = "dropped"
            sock = environ.get("werkzeug.socket")
            if isinstance(sock, socket.socket):
                with contextlib.suppress(OSError):  # the client may already be gone
                    sock.shutdown(socket.SHUT_RDWR)
            raise DroppedConnection("sandbox dropped the connection (fault injection)")
        status, code, detail = _FAULTS[kind]
        entry["status"] = status
        extra = [("Retry-After", "1")] if status in (429, 503) else None
        return _json_response(start_response, status, error_body(status, code, detail), extra)

    def _call_app(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], list[bytes]]:
        """Run the record app to completion so a fault can still replace its answer."""
        captured: dict[str, Any] = {}

        def capture(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        result = self.app(environ, capture)
        try:
            chunks = [bytes(chunk) for chunk in result]
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return captured["status"], captured["headers"], chunks

    @staticmethod
    def _buffer_body(environ: dict[str, Any]) -> bytes:
        """Read the body once (the signature may cover a form body) and hand a fresh copy to the app."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return body

    def _authenticate(self, environ: dict[str, Any], body: bytes) -> str | None:
        """None when the request is signed by our TBA token or carries a live bearer token; else why not."""
        header = environ.get("HTTP_AUTHORIZATION", "")
        if header.startswith("Bearer "):
            return None if self.tokens.is_valid(header[7:].strip()) else "unknown or expired bearer token"
        if not header:
            return "no Authorization header"
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        if not raw_uri:
            query = environ.get("QUERY_STRING", "")
            raw_uri = quote(environ.get("PATH_INFO", "")) + (f"?{query}" if query else "")
        form = None
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            form = body.decode("utf-8", "replace")
        host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
        signed = SignedRequest(
            environ.get("REQUEST_METHOD", "GET"), environ.get("wsgi.url_scheme", "http"), host, raw_uri, form
        )
        try:
            self.tba.verify(signed, header)
        except AuthError as exc:
            return str(exc)
        return None
