"""SQLite storage: one file under --data holding records, links and the SuiteQL-shaped tables."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DB_FILE = "netsuite.sqlite3"

# Tables whose names start with "_" are the sandbox's own bookkeeping and are hidden from SuiteQL.
# The others are shaped like NetSuite's SuiteQL tables (lower-case names, 'T'/'F' booleans).
SCHEMA = """
CREATE TABLE IF NOT EXISTS _record (
    type TEXT NOT NULL, id INTEGER NOT NULL, family TEXT NOT NULL, externalid TEXT,
    entity INTEGER, currency INTEGER, total TEXT, doc TEXT NOT NULL,
    created TEXT NOT NULL, modified TEXT NOT NULL,
    PRIMARY KEY (family, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS _record_eid ON _record (type, externalid);
CREATE INDEX IF NOT EXISTS _record_type ON _record (type, id);
CREATE INDEX IF NOT EXISTS _record_entity ON _record (entity, currency);
-- Covers a customer's balance sums (ledger.customer_balances), run on every write.
CREATE INDEX IF NOT EXISTS _record_entity_total ON _record (entity, family, type, currency, total);
CREATE TABLE IF NOT EXISTS _sequence (family TEXT PRIMARY KEY, next INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- source applies `amount` (exact decimal text) to target: payment->invoice, credit->invoice,
-- refund->payment/credit memo, deposit->payment.
CREATE TABLE IF NOT EXISTS _link (
    source INTEGER NOT NULL, target INTEGER NOT NULL, kind TEXT NOT NULL, amount TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS _link_source ON _link (source);
CREATE INDEX IF NOT EXISTS _link_target ON _link (target);
CREATE TABLE IF NOT EXISTS _oauth2_token (token TEXT PRIMARY KEY, expires REAL NOT NULL);
-- Asynchronous requests (Prefer: respond-async): the request and, once run, its answer.
CREATE TABLE IF NOT EXISTS _async_job (
    id INTEGER PRIMARY KEY AUTOINCREMENT, idempotency_key TEXT UNIQUE, method TEXT NOT NULL,
    path TEXT NOT NULL, status INTEGER, headers TEXT, body BLOB, started TEXT NOT NULL, ended TEXT
);

CREATE TABLE IF NOT EXISTS currency (
    id INTEGER PRIMARY KEY, name TEXT, symbol TEXT, displaysymbol TEXT, currencyprecision INTEGER,
    exchangerate NUMERIC, isbasecurrency TEXT, isinactive TEXT, externalid TEXT
);
CREATE TABLE IF NOT EXISTS subsidiary (
    id INTEGER PRIMARY KEY, name TEXT, currency INTEGER, isinactive TEXT, externalid TEXT
);
CREATE TABLE IF NOT EXISTS account (
    id INTEGER PRIMARY KEY, acctnumber TEXT, accountsearchdisplayname TEXT, accountsearchdisplaynamecopy TEXT,
    fullname TEXT, displaynamewithhierarchy TEXT, accttype TEXT, currency INTEGER, subsidiary INTEGER,
    description TEXT, isinactive TEXT, issummary TEXT, externalid TEXT
);
CREATE TABLE IF NOT EXISTS paymentmethod (
    id INTEGER PRIMARY KEY, name TEXT, isinactive TEXT, externalid TEXT
);
CREATE TABLE IF NOT EXISTS item (
    id INTEGER PRIMARY KEY, itemid TEXT, displayname TEXT, description TEXT, itemtype TEXT, isinactive TEXT,
    externalid TEXT
);
CREATE TABLE IF NOT EXISTS customer (
    id INTEGER PRIMARY KEY, entityid TEXT, companyname TEXT, altname TEXT, isperson TEXT, firstname TEXT,
    lastname TEXT, email TEXT, phone TEXT, comments TEXT, balance NUMERIC, unbilledorders NUMERIC,
    currency INTEGER, subsidiary INTEGER, isinactive TEXT, externalid TEXT,
    custentity_stripe_payment_link TEXT, datecreated TEXT, lastmodifieddate TEXT
);
CREATE TABLE IF NOT EXISTS customercurrencybalance (
    customer INTEGER NOT NULL, currency INTEGER NOT NULL, balance NUMERIC
);
CREATE INDEX IF NOT EXISTS customercurrencybalance_customer ON customercurrencybalance (customer);
CREATE TABLE IF NOT EXISTS "transaction" (
    id INTEGER PRIMARY KEY, tranid TEXT, type TEXT, recordtype TEXT, entity INTEGER, currency INTEGER,
    exchangerate NUMERIC, foreigntotal NUMERIC, foreignamountremaining NUMERIC, foreignamountunpaid NUMERIC,
    foreignpaymentamountused NUMERIC, foreignpaymentamountunused NUMERIC, status TEXT, trandate TEXT,
    duedate TEXT, externalid TEXT, memo TEXT, custbody_stripe_payment_link TEXT, subsidiary INTEGER,
    paymentmethod INTEGER, createddate TEXT, lastmodifieddate TEXT, postingperiod INTEGER
);
CREATE INDEX IF NOT EXISTS transaction_entity ON "transaction" (entity);
CREATE TABLE IF NOT EXISTS transactionline (
    "transaction" INTEGER NOT NULL, id INTEGER NOT NULL, linesequencenumber INTEGER, mainline TEXT,
    taxline TEXT, item INTEGER, account INTEGER, entity INTEGER, memo TEXT, quantity NUMERIC, rate NUMERIC,
    foreignamount NUMERIC, debitforeignamount NUMERIC, creditforeignamount NUMERIC,
    PRIMARY KEY ("transaction", id)
);
CREATE TABLE IF NOT EXISTS nexttransactionlinelink (
    previousdoc INTEGER NOT NULL, nextdoc INTEGER NOT NULL, linktype TEXT, foreignamount NUMERIC
);
CREATE INDEX IF NOT EXISTS nexttransactionlinelink_prev ON nexttransactionlinelink (previousdoc);
CREATE INDEX IF NOT EXISTS nexttransactionlinelink_next ON nexttransactionlinelink (nextdoc);
CREATE TABLE IF NOT EXISTS accountingperiod (
    id INTEGER PRIMARY KEY, periodname TEXT, startdate TEXT, enddate TEXT, isquarter TEXT, isyear TEXT,
    isadjust TEXT, isposting TEXT, isinactive TEXT, parent INTEGER, closed TEXT, closedondate TEXT,
    aplocked TEXT, arlocked TEXT, alllocked TEXT, allownonglchanges TEXT, externalid TEXT,
    lastmodifieddate TEXT
);
CREATE TABLE IF NOT EXISTS dual (dummy TEXT);
"""

PUBLIC_TABLES = (
    "currency",
    "subsidiary",
    "account",
    "paymentmethod",
    "item",
    "customer",
    "customercurrencybalance",
    "transaction",
    "transactionline",
    "nexttransactionlinelink",
    "accountingperiod",
)


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """The sandbox database: one write connection behind a lock, read-only connections per thread."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / DB_FILE
        self._lock = threading.RLock()
        # One shared write connection: SQLite allows one writer, and a Python lock is simpler than
        # retrying SQLITE_BUSY.
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(SCHEMA)
        if self._conn.execute("SELECT COUNT(*) FROM dual").fetchone()[0] == 0:
            self._conn.execute("INSERT INTO dual VALUES ('X')")
        _rename_legacy_fields(self._conn)
        _add_missing_columns(self._conn)
        self._local = threading.local()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A serialised transaction: everything inside commits together or not at all."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent read of committed data (same connection as writes, so it also sees a
        transaction in progress on this thread)."""
        with self._lock:
            yield self._conn

    def query_connection(self, prepare: Callable[[sqlite3.Connection], None]) -> sqlite3.Connection:
        """This thread's read-only connection for SuiteQL (WAL lets it read beside the writer)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None)
            conn.execute("PRAGMA query_only=ON")
            prepare(conn)
            self._local.conn = conn
        return conn

    def is_empty(self) -> bool:
        with self.read() as conn:
            return conn.execute("SELECT COUNT(*) FROM _record").fetchone()[0] == 0

    def wipe(self) -> None:
        """Delete every row of every table (the schema stays)."""
        with self.write() as conn:
            names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            for name in names:
                # Issued OAuth 2.0 tokens are the client's, not the account data's: they survive a reset.
                if name not in ("dual", "_oauth2_token"):
                    conn.execute(f'DELETE FROM "{name}"')

    def close(self) -> None:
        with self._lock:
            self._conn.close()


# Field names earlier versions of the sandbox stored, before they followed the REST API Browser.
_LEGACY_NAMES = (
    ("customerPayment", "paymentMethod", "paymentOption"),
    ("customerPayment", "checkNum", "checkNumber"),
    ("customerPayment", "aracct", "arAcct"),
    ("customerRefund", "paymentMethod", "paymentOption"),
    ("customerRefund", "aracct", "arAcct"),
    ("deposit", "cashBack", "cashback"),
)


# Columns added to a SuiteQL table after data directories were first written: (table, column, type).
_ADDED_COLUMNS = (("transaction", "postingperiod", "INTEGER"),)


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    """Give a data directory written by an older sandbox today's columns (appended, as in SCHEMA)."""
    for table, column, kind in _ADDED_COLUMNS:
        present = {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}
        if column not in present:
            conn.execute(f'ALTER TABLE "{table}" ADD COLUMN {column} {kind}')


def _rename_legacy_fields(conn: sqlite3.Connection) -> None:
    """Bring a data directory written by an older sandbox to today's names (a no-op on current data)."""
    with conn:
        for record_type, old, new in _LEGACY_NAMES:
            # json_extract gives objects and arrays as JSON text (re-read with json()), strings as text.
            value = (
                f"CASE WHEN json_type(doc, '$.{old}') IN ('object', 'array') "
                f"THEN json(json_extract(doc, '$.{old}')) ELSE json_extract(doc, '$.{old}') END"
            )
            conn.execute(
                f"UPDATE _record SET doc = json_remove(json_set(doc, '$.{new}', {value}), '$.{old}') "
                f"WHERE type = ? AND json_type(doc, '$.{old}') IS NOT NULL",
                (record_type,),
            )
        # undepFunds was a boolean; REST has an object {"id": "T"|"F"}.
        conn.execute(
            "UPDATE _record SET doc = json_set(doc, '$.undepFunds', json_object('id', "
            "CASE WHEN json_type(doc, '$.undepFunds') = 'true' THEN 'T' ELSE 'F' END)) "
            "WHERE type = 'customerPayment' AND json_type(doc, '$.undepFunds') IN ('true', 'false')"
        )


# ---- record rows (all functions take a connection already inside Store.write/read) ----


def allocate_id(conn: sqlite3.Connection, family: str) -> int:
    row = conn.execute("SELECT next FROM _sequence WHERE family = ?", (family,)).fetchone()
    next_id = int(row[0]) if row else 1
    conn.execute(
        "INSERT INTO _sequence (family, next) VALUES (?, ?) "
        "ON CONFLICT (family) DO UPDATE SET next = excluded.next",
        (family, next_id + 1),
    )
    return next_id


def set_sequence(conn: sqlite3.Connection, family: str, next_id: int) -> None:
    conn.execute(
        "INSERT INTO _sequence (family, next) VALUES (?, ?) "
        "ON CONFLICT (family) DO UPDATE SET next = excluded.next",
        (family, next_id),
    )


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM _meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO _meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


class StoredRecord:
    """A record as stored: its type, id and the JSON document of its writable fields."""

    __slots__ = ("created", "doc", "externalid", "id", "modified", "type")

    def __init__(self, row: sqlite3.Row) -> None:
        self.type: str = row["type"]
        self.id: int = int(row["id"])
        self.externalid: str | None = row["externalid"]
        self.doc: dict[str, Any] = json.loads(row["doc"])
        self.created: str = row["created"]
        self.modified: str = row["modified"]


def load_record(conn: sqlite3.Connection, family: str, record_id: int) -> StoredRecord | None:
    row = conn.execute("SELECT * FROM _record WHERE family = ? AND id = ?", (family, record_id)).fetchone()
    return None if row is None else StoredRecord(row)


def load_by_external_id(conn: sqlite3.Connection, record_type: str, external_id: str) -> StoredRecord | None:
    row = conn.execute(
        "SELECT * FROM _record WHERE type = ? AND externalid = ?", (record_type, external_id)
    ).fetchone()
    return None if row is None else StoredRecord(row)


def save_record(
    conn: sqlite3.Connection,
    record_type: str,
    family: str,
    record_id: int,
    doc: dict[str, Any],
    entity: int | None,
    currency: int | None,
    total: str | None,
) -> None:
    """Insert or replace a record's document and the columns the rules query by."""
    stamp = now_iso()
    external_id = doc.get("externalId")
    conn.execute(
        """INSERT INTO _record (type, id, family, externalid, entity, currency, total, doc, created, modified)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (family, id) DO UPDATE SET externalid = excluded.externalid, entity = excluded.entity,
             currency = excluded.currency, total = excluded.total, doc = excluded.doc,
             modified = excluded.modified""",
        (
            record_type,
            record_id,
            family,
            external_id,
            entity,
            currency,
            total,
            json.dumps(doc, sort_keys=True),
            stamp,
            stamp,
        ),
    )


def delete_record(conn: sqlite3.Connection, family: str, record_id: int) -> None:
    conn.execute("DELETE FROM _record WHERE family = ? AND id = ?", (family, record_id))


def record_ids(conn: sqlite3.Connection, record_type: str) -> list[int]:
    return [
        int(r[0]) for r in conn.execute("SELECT id FROM _record WHERE type = ? ORDER BY id", (record_type,))
    ]
