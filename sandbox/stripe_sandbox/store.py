"""SQLite persistence: every Stripe object as JSON plus the indexed columns its lists filter on.

Lists never scan: each filter a list endpoint offers has a column and an index that starts with
(type, account, <filter>) and ends with (created, seq), the order lists are served in.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

FILTER_COLUMNS = (
    "customer",
    "payment_intent",
    "charge",
    "payout",
    "source",
    "status",
    "kind",
    "currency",
    "arrival_date",
    "email",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    account TEXT NOT NULL,
    created INTEGER NOT NULL,
    customer TEXT, payment_intent TEXT, charge TEXT, payout TEXT, source TEXT, status TEXT, kind TEXT,
    currency TEXT, arrival_date INTEGER, email TEXT,
    due INTEGER,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_objects_list ON objects(type, account, created, seq);
{filter_indexes}
CREATE INDEX IF NOT EXISTS ix_objects_due ON objects(due) WHERE due IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_objects_unswept ON objects(account, currency, status)
    WHERE type = 'balance_transaction' AND payout IS NULL;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency (
    account TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, status INTEGER NOT NULL,
    body TEXT NOT NULL, created INTEGER NOT NULL, PRIMARY KEY (account, key)
);
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, request_id TEXT, method TEXT NOT NULL, path TEXT NOT NULL,
    params TEXT NOT NULL, status INTEGER, account TEXT, idempotency_key TEXT, created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL, endpoint TEXT NOT NULL, url TEXT NOT NULL,
    event_type TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    due INTEGER NOT NULL, last_status INTEGER, last_error TEXT, created INTEGER NOT NULL,
    delivered_at INTEGER, history TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS ix_deliveries_due ON deliveries(status, due);
"""


def _schema() -> str:
    indexes = "\n".join(
        f"CREATE INDEX IF NOT EXISTS ix_objects_{column} ON objects(type, account, {column}, created, seq);"
        for column in FILTER_COLUMNS
    )
    return _SCHEMA.replace("{filter_indexes}", indexes)


def derived_columns(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The filter columns an object's own JSON determines (payout and due are set explicitly)."""

    def ref(key: str) -> str | None:
        value = obj.get(key)
        if isinstance(value, Mapping):
            value = value.get("id")
        return value if isinstance(value, str) else None

    kind: Any = None
    object_type = obj.get("object")
    if object_type in ("balance_transaction", "event", "payment_method"):
        kind = obj.get("type")
    arrival = obj.get("arrival_date")
    return {
        "customer": ref("customer"),
        "payment_intent": ref("payment_intent"),
        "charge": ref("charge"),
        "source": ref("source") if object_type == "balance_transaction" else None,
        "status": obj.get("status") if isinstance(obj.get("status"), str) else None,
        "kind": kind if isinstance(kind, str) else None,
        "currency": obj.get("currency") if isinstance(obj.get("currency"), str) else None,
        "arrival_date": arrival if isinstance(arrival, int) else None,
        "email": obj.get("email") if isinstance(obj.get("email"), str) else None,
    }


class Row:
    """One stored object: its JSON and the columns kept beside it."""

    __slots__ = ("account", "created", "data", "due", "id", "payout", "seq", "type")

    def __init__(self, record: sqlite3.Row) -> None:
        self.seq: int = record["seq"]
        self.id: str = record["id"]
        self.type: str = record["type"]
        self.account: str = record["account"]
        self.created: int = record["created"]
        self.payout: str | None = record["payout"]
        self.due: int | None = record["due"]
        self.data: dict[str, Any] = json.loads(record["data"])


class Store:
    """The SQLite file under the data directory; one connection guarded by one re-entrant lock."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "stripe.sqlite3"
        self.lock = threading.RLock()
        self._depth = 0
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_schema())

    def close(self) -> None:
        with self.lock:
            self._db.close()

    def wipe(self) -> None:
        with self.lock:
            for table in ("objects", "meta", "idempotency", "requests", "deliveries"):
                self._db.execute(f"DELETE FROM {table}")
            self._db.execute("DELETE FROM sqlite_sequence")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit; nested uses join the outer one. Rolled back when the body raises."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException as exc:
                if getattr(exc, "commit", False):
                    self._db.execute("COMMIT")
                else:
                    self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._depth = 0

    def execute(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self.lock:
            return self._db.execute(sql, args)

    # ---- meta -----------------------------------------------------------------------------------

    def meta(self, key: str, default: Any = None) -> Any:
        row = self.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row["value"]) if row else default

    def set_meta(self, key: str, value: Any) -> None:
        self.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value, sort_keys=True)),
        )

    def next_counter(self, key: str) -> int:
        with self.transaction():
            value = int(self.meta(key, 0)) + 1
            self.set_meta(key, value)
            return value

    # ---- objects --------------------------------------------------------------------------------

    def insert(
        self,
        obj: Mapping[str, Any],
        account: str,
        *,
        payout: str | None = None,
        due: int | None = None,
        **overrides: Any,
    ) -> None:
        columns = {**derived_columns(obj), **overrides, "payout": payout, "due": due}
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        self.execute(
            f"INSERT INTO objects(id, type, account, created, {names}, data) VALUES (?, ?, ?, ?, {marks}, ?)",
            (obj["id"], obj["object"], account, obj["created"], *columns.values(), _dump(obj)),
        )

    def update(self, obj: Mapping[str, Any], **columns: Any) -> None:
        """Rewrite an object's JSON; derived columns follow; payout and due only when given."""
        values = {**derived_columns(obj), **columns}
        assignments = ", ".join(f"{name} = ?" for name in values)
        self.execute(
            f"UPDATE objects SET {assignments}, data = ? WHERE id = ?",
            (*values.values(), _dump(obj), obj["id"]),
        )

    def set_columns(self, object_id: str, **columns: Any) -> None:
        assignments = ", ".join(f"{name} = ?" for name in columns)
        self.execute(f"UPDATE objects SET {assignments} WHERE id = ?", (*columns.values(), object_id))

    def row(self, object_id: str, account: str | None = None) -> Row | None:
        if account is None:
            record = self.execute("SELECT * FROM objects WHERE id = ?", (object_id,)).fetchone()
        else:
            record = self.execute(
                "SELECT * FROM objects WHERE id = ? AND account = ?", (object_id, account)
            ).fetchone()
        return Row(record) if record else None

    def get(
        self, object_id: str, account: str | None = None, object_type: str | None = None
    ) -> dict[str, Any] | None:
        row = self.row(object_id, account)
        if row is None or (object_type is not None and row.type != object_type):
            return None
        return row.data

    def select(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        return [Row(record) for record in self.execute(sql, args).fetchall()]


def _dump(obj: Mapping[str, Any]) -> str:
    # Compact and key-ordered as given: the same calls give byte-identical rows.
    return json.dumps(obj, separators=(",", ":"))
