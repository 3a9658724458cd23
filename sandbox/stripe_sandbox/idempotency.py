"""Idempotency keys: the same key and parameters replay the first answer; other parameters are refused."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from . import errors
from .store import Store

KEEP_FOR = 24 * 3600  # Stripe prunes keys after at least 24 hours


@dataclass(frozen=True)
class Saved:
    status: int
    body: str


def fingerprint(method: str, path: str, params: Any) -> str:
    canonical = json.dumps([method, path, params], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def lookup(store: Store, account: str, key: str, print_: str, now: int) -> Saved | None:
    """The saved answer for this key, None when unused (or expired); raises on a parameter mismatch."""
    row = store.execute(
        "SELECT fingerprint, status, body, created FROM idempotency WHERE account = ? AND key = ?",
        (account, key),
    ).fetchone()
    if row is None or row["created"] < now - KEEP_FOR:
        return None
    if row["fingerprint"] != print_:
        raise errors.idempotency_conflict(key)
    return Saved(row["status"], row["body"])


def save(store: Store, account: str, key: str, print_: str, status: int, body: str, now: int) -> None:
    store.execute(
        "INSERT INTO idempotency(account, key, fingerprint, status, body, created) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(account, key) DO UPDATE SET fingerprint = excluded.fingerprint, "
        "status = excluded.status, "
        "body = excluded.body, created = excluded.created",
        (account, key, print_, status, body, now),
    )
