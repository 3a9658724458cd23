"""Signed webhook deliveries: first attempt promptly, retries with backoff on the sandbox clock.

Deliveries are rows in the store, written in the same transaction as their event, so a crash between the
change and the delivery loses nothing (at-least-once). A background worker sends whatever is due; advancing
the clock (`scheduler.advance_to`) also sends each retry at the instant it falls due, in time order.

Retry schedule: a failed attempt (non-2xx or no answer) is retried FIRST_RETRY seconds later, the delay
doubling each time up to MAX_RETRY; a delivery whose next attempt would fall more than GIVE_UP_AFTER after its
event is marked `failed` and never sent again. With `shuffle_deliveries`, each first attempt is held a
pseudo-random 1..SHUFFLE_WINDOW seconds of sandbox time and deliveries due at the same instant go out in a
pseudo-random order, so receivers see events out of creation order (deterministic for a given seed).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .state import Ctx, Sandbox

FIRST_RETRY = 300  # seconds of sandbox time before the first retry; doubles each time
MAX_RETRY = 86_400
GIVE_UP_AFTER = 3 * 86_400  # Stripe retries for up to three days
SHUFFLE_WINDOW = 10  # seconds of sandbox time a first attempt may be held with shuffle_deliveries


def _scramble(seed: int, *parts: object) -> int:
    """A stable pseudo-random number for these parts (no shared RNG state, so no dependence on timing)."""
    text = ":".join(str(part) for part in (seed, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def sign(secret: str, payload: bytes, timestamp: int) -> str:
    """The `Stripe-Signature` header value Stripe computes."""
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def endpoint_wants(endpoint: dict[str, Any], event_type: str) -> bool:
    enabled = endpoint.get("enabled_events") or []
    return "*" in enabled or event_type in enabled


def _endpoints_for(ctx: Ctx) -> list[dict[str, Any]]:
    """Endpoints of the event's account, and the platform's Connect endpoints for connected accounts."""
    platform = ctx.sandbox.platform_account
    rows = ctx.store.select(
        "SELECT * FROM objects WHERE type = 'webhook_endpoint' AND account IN (?, ?) ORDER BY seq",
        (ctx.account, platform),
    )
    chosen: list[dict[str, Any]] = []
    for row in rows:
        connect = bool(row.data.get("_sandbox", {}).get("connect"))
        own = row.account == ctx.account and not (connect and ctx.account == platform)
        if own or (row.account == platform and connect and ctx.account != platform):
            chosen.append(row.data)
    return chosen


def schedule_deliveries(ctx: Ctx, event: dict[str, Any]) -> int:
    """Queue the event for every enabled endpoint that wants it; returns how many."""
    count = 0
    shuffle = ctx.config.shuffle_deliveries
    for endpoint in _endpoints_for(ctx):
        if endpoint.get("status") != "enabled" or not endpoint_wants(endpoint, event["type"]):
            continue
        held = 1 + _scramble(ctx.sandbox.seed, event["id"], endpoint["id"]) % SHUFFLE_WINDOW if shuffle else 0
        ctx.store.execute(
            "INSERT INTO deliveries(event, endpoint, url, event_type, status, due, created) "
            "VALUES (?, ?, ?, ?, 'pending', ?, ?)",
            (event["id"], endpoint["id"], endpoint["url"], event["type"], ctx.now + held, ctx.now),
        )
        count += 1
    if count:
        ctx.sandbox.on_commit(lambda: ctx.sandbox.webhooks.wake())
    return count


class Dispatcher:
    """The background worker that sends due deliveries."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # One sender at a time, so the worker and a clock advance never send the same attempt twice.
        self._sending = threading.Lock()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(1.0)
            self._wake.clear()
            while self.deliver_due() and not self._stop.is_set():
                pass

    def deliver_due(self) -> int:
        """Send every delivery due now (at most 50); returns how many were taken up."""
        with self._sending:
            return self._deliver_due()[0]

    @contextmanager
    def exclusive(self) -> Iterator[Callable[[], int]]:
        """Keep the worker out (a clock advance sends everything itself); yields a sender of what is due now,
        which returns how many attempts it made."""
        with self._sending:
            yield lambda: self._deliver_due()[1]

    def _deliver_due(self) -> tuple[int, int]:
        """(deliveries taken up, attempts made): those whose endpoint is gone are abandoned, not sent."""
        store = self.sandbox.store
        with self.sandbox.transaction():
            now = self.sandbox.now()
            rows = store.execute(
                "SELECT seq, event, endpoint, url, due, attempts FROM deliveries "
                "WHERE status = 'pending' AND due <= ? ORDER BY due, seq LIMIT 50",
                (now,),
            ).fetchall()
            if self.sandbox.config.shuffle_deliveries:
                seed = self.sandbox.seed
                rows = sorted(
                    rows, key=lambda r: (r["due"], _scramble(seed, r["event"], r["endpoint"], r["attempts"]))
                )
            jobs: list[tuple[int, str, bytes, str]] = []
            for row in rows:
                event = store.get(row["event"])
                endpoint = store.get(row["endpoint"])
                if event is None or endpoint is None or endpoint.get("status") != "enabled":
                    store.execute("UPDATE deliveries SET status = 'abandoned' WHERE seq = ?", (row["seq"],))
                    continue
                secret = str(endpoint.get("_sandbox", {}).get("secret", ""))
                # Stripe sends the event pretty-printed; receivers must verify the raw bytes anyway.
                body = json.dumps(event, indent=2).encode()
                jobs.append((row["seq"], row["url"], body, secret))
        for seq, url, body, secret in jobs:
            status, error = _post(url, body, secret)
            self._record(seq, status, error)
        return len(rows), len(jobs)

    def _record(self, seq: int, status: int | None, error: str | None) -> None:
        store = self.sandbox.store
        with self.sandbox.transaction():
            now = self.sandbox.now()
            row = store.execute("SELECT * FROM deliveries WHERE seq = ?", (seq,)).fetchone()
            if row is None:
                return  # the world was reset meanwhile
            attempts = row["attempts"] + 1
            history = json.loads(row["history"])
            history.append({"at": int(time.time()), "sandbox_time": now, "status": status, "error": error})
            if status is not None and 200 <= status < 300:
                store.execute(
                    "UPDATE deliveries SET status = 'succeeded', attempts = ?, last_status = ?, "
                    "last_error = NULL, "
                    "delivered_at = ?, history = ? WHERE seq = ?",
                    (attempts, status, now, json.dumps(history), seq),
                )
                event = store.get(row["event"])
                if event is not None:
                    event["pending_webhooks"] = max(0, int(event.get("pending_webhooks", 1)) - 1)
                    store.update(event)
                return
            delay = min(FIRST_RETRY * 2 ** (attempts - 1), MAX_RETRY)
            gave_up = now + delay - row["created"] > GIVE_UP_AFTER
            store.execute(
                "UPDATE deliveries SET status = ?, attempts = ?, last_status = ?, last_error = ?, due = ?, "
                "history = ? WHERE seq = ?",
                (
                    "failed" if gave_up else "pending",
                    attempts,
                    status,
                    error,
                    now + delay,
                    json.dumps(history),
                    seq,
                ),
            )


def _post(url: str, body: bytes, secret: str) -> tuple[int | None, str | None]:
    header = sign(secret, body, int(time.time()))
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": header,
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"


def list_deliveries(sandbox: Sandbox, since: int = 0, event: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM deliveries WHERE seq > ?"
    args: list[Any] = [since]
    if event:
        sql += " AND event = ?"
        args.append(event)
    with sandbox.transaction():
        rows = sandbox.store.execute(sql + " ORDER BY seq", args).fetchall()
    return [
        {
            "seq": r["seq"],
            "event": r["event"],
            "event_type": r["event_type"],
            "endpoint": r["endpoint"],
            "url": r["url"],
            "status": r["status"],
            "attempts": r["attempts"],
            "next_attempt_at": r["due"],
            "last_status": r["last_status"],
            "last_error": r["last_error"],
            "created": r["created"],
            "delivered_at": r["delivered_at"],
            "history": json.loads(r["history"]),
        }
        for r in rows
    ]
