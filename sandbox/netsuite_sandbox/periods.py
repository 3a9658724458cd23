"""Accounting periods: every transaction's posting period, and NetSuite's refusal to post into a closed one.

A transaction's `postingPeriod` is the base (monthly) period it posts to. Left out, NetSuite takes the period
holding `tranDate`; when that period is closed it falls back to the "Default Posting Period When Transaction
Date in Closed Period" preference (the current period or the first open one), and then the "Allow Transaction
Date Outside of the Posting Period" preference decides: Disallow refuses the write, Warn and Allow post it
into that other period (REST has nobody to click OK on a warning; treating Warn as Allow is unverified).
Closing a period in NetSuite's checklist locks A/R, A/P and everything first; an A/R lock alone refuses the
A/R transactions (invoices, payments, credit memos, refunds) and leaves deposits and journals alone.
Periods are only ever changed through the /_sandbox controls, as real NetSuite changes them in its UI.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from . import store, tables
from .errors import NetSuiteError, user_error
from .ledger import Doc, ref_id

FAMILY = "accountingperiod"
RECORD_TYPE = "accountingPeriod"
# The preferences (Setup > Accounting > Accounting Preferences > General Ledger) and their choices.
DATE_OUTSIDE_PERIOD = "allowTransactionDateOutsidePostingPeriod"
DATE_OUTSIDE_CHOICES = ("Disallow", "Warn", "Allow")
CLOSED_PERIOD_DEFAULT = "defaultPostingPeriodWhenTranDateInClosedPeriod"
CLOSED_PERIOD_CHOICES = ("currentPeriod", "firstOpenPeriod")
PREFERENCES = {DATE_OUTSIDE_PERIOD: DATE_OUTSIDE_CHOICES, CLOSED_PERIOD_DEFAULT: CLOSED_PERIOD_CHOICES}
DEFAULTS = {DATE_OUTSIDE_PERIOD: "Disallow", CLOSED_PERIOD_DEFAULT: "firstOpenPeriod"}
FLAGS = ("closed", "arLocked", "apLocked", "allLocked", "allowNonGLChanges")
# Transactions an A/R lock stops (deposits and journals only stop when the period is closed or all-locked).
AR_TYPES = ("invoice", "creditMemo", "customerPayment", "customerRefund")

# NetSuite's texts for these refusals could not be confirmed from Oracle's pages (unverified): one place to
# change them. USER_ERROR is the code NetSuite gives business-rule refusals.
CLOSED_DATE = "The transaction date you specified is within a closed period."
LOCKED_DATE = "The transaction date you specified is within a period locked for {what}."
CLOSED_PERIOD = "The posting period {name} is closed."
LOCKED_PERIOD = "The posting period {name} is locked for {what}."
OUTSIDE_PERIOD = "The transaction date {day} is outside the posting period {name}."
NO_PERIOD = "No accounting period is set up for the transaction date {day}."
NOT_BASE = "The posting period {name} is a quarter, a year or inactive: choose a month."
FIRST_YEAR, LAST_YEAR = 2020, 2035
# Stored beside a postingPeriod the sandbox chose from tranDate, so a changed date chooses again.
_DEFAULTED = "_postingPeriodFromDate"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Period:
    id: int
    doc: Doc

    @property
    def name(self) -> str:
        return str(self.doc.get("periodName"))

    @property
    def is_base(self) -> bool:
        return not (self.doc.get("isQuarter") or self.doc.get("isYear") or self.doc.get("isInactive"))

    def holds(self, day: str) -> bool:
        return str(self.doc["startDate"]) <= day <= str(self.doc["endDate"])

    def refusal(self, record_type: str) -> str | None:
        """What stops a transaction of this type posting here: "closed", a lock's name, or None."""
        if self.doc.get("closed"):
            return "closed"
        if self.doc.get("allLocked"):
            return "all transactions"
        if record_type in AR_TYPES and self.doc.get("arLocked"):
            return "accounts receivable"
        return None


def _periods(conn: sqlite3.Connection, day: str | None = None) -> list[Period]:
    """Every period, or (a write's hot path: one indexed-size read, not all 272) those holding `day`."""
    sql = "SELECT id, doc FROM _record WHERE family = ?"
    args: tuple[str, ...] = (FAMILY,)
    if day is not None:
        sql += " AND json_extract(doc, '$.startDate') <= ? AND json_extract(doc, '$.endDate') >= ?"
        args += (day, day)
    rows = conn.execute(sql + " ORDER BY id", args).fetchall()
    return [Period(int(r[0]), json.loads(r[1])) for r in rows]


def _any_period(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM _record WHERE family = ? LIMIT 1", (FAMILY,)).fetchone() is not None


def preference(conn: sqlite3.Connection, name: str) -> str:
    return store.get_meta(conn, "pref:" + name) or DEFAULTS[name]


def _fallback(conn: sqlite3.Connection, record_type: str) -> Period | None:
    """The period NetSuite posts to when the date's own period is closed, per the account's preference."""
    base = [p for p in _periods(conn) if p.is_base]
    if preference(conn, CLOSED_PERIOD_DEFAULT) == "currentPeriod":
        today = date.today().isoformat()
        current = next((p for p in base if p.holds(today)), None)
        return current if current is not None and current.refusal(record_type) is None else None
    ordered = sorted(base, key=lambda p: str(p.doc["startDate"]))
    return next((p for p in ordered if p.refusal(record_type) is None), None)


def assign(conn: sqlite3.Connection, record_type: str, doc: Doc) -> int | None:
    """Set the transaction's postingPeriod, or raise USER_ERROR as NetSuite refuses it; None = no periods."""
    if not _any_period(conn):
        return None  # accounting periods not set up: nothing to check (an empty account)
    day = str(doc.get("tranDate") or date.today().isoformat())
    chosen_id = ref_id(doc.get("postingPeriod"))
    if chosen_id is not None and str(chosen_id) == doc.get(_DEFAULTED):
        chosen_id = None  # the sandbox chose it from the date: a new date chooses again
    doc.pop(_DEFAULTED, None)
    outside_allowed = preference(conn, DATE_OUTSIDE_PERIOD) != "Disallow"
    if chosen_id is not None:
        stored = store.load_record(conn, FAMILY, chosen_id)
        chosen = None if stored is None else Period(stored.id, stored.doc)
        if chosen is None or not chosen.is_base:
            name = chosen.name if chosen else str(chosen_id)
            raise user_error(NOT_BASE.format(name=name), "postingPeriod")
        why = chosen.refusal(record_type)
        if why == "closed":
            raise user_error(CLOSED_PERIOD.format(name=chosen.name), "postingPeriod")
        if why is not None:
            raise user_error(LOCKED_PERIOD.format(name=chosen.name, what=why), "postingPeriod")
        if not chosen.holds(day) and not outside_allowed:
            raise user_error(OUTSIDE_PERIOD.format(day=day, name=chosen.name), "tranDate")
        return chosen.id
    own = next((p for p in _periods(conn, day) if p.is_base), None)
    if own is None:
        raise user_error(NO_PERIOD.format(day=day), "tranDate")
    why = own.refusal(record_type)
    if why is None:
        return _default(doc, own)
    fallback = _fallback(conn, record_type) if outside_allowed else None
    if fallback is None:
        text = CLOSED_DATE if why == "closed" else LOCKED_DATE.format(what=why)
        raise user_error(text, "tranDate")
    return _default(doc, fallback)


def _default(doc: Doc, period: Period) -> int:
    doc["postingPeriod"] = {"id": str(period.id)}
    doc[_DEFAULTED] = str(period.id)  # stored, never rendered (not a REST field)
    return period.id


# ---------------------------------------------------------------- seeding and the /_sandbox controls


def _insert(conn: sqlite3.Connection, doc: Doc) -> int:
    record_id = store.allocate_id(conn, FAMILY)
    store.save_record(conn, RECORD_TYPE, FAMILY, record_id, doc, None, None, None)
    tables.sync(conn, FAMILY, record_id)
    return record_id


def _flags() -> Doc:
    return {
        "isAdjust": False,
        "isPosting": True,
        "isInactive": False,
        "closed": False,
        "arLocked": False,
        "apLocked": False,
        "allLocked": False,
        "payrollLocked": False,
        "allowNonGLChanges": False,
    }


def seed_periods(conn: sqlite3.Connection, first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> int:
    """Calendar fiscal years as NetSuite's "Set Up Full Year" makes them: year > quarters > months."""
    count = 0
    for year in range(first_year, last_year + 1):
        year_id = _insert(
            conn,
            {
                **_flags(),
                "periodName": f"FY {year}",
                "isYear": True,
                "isQuarter": False,
                "isPosting": False,
                "startDate": date(year, 1, 1).isoformat(),
                "endDate": date(year, 12, 31).isoformat(),
            },
        )
        for quarter in range(4):
            start = date(year, quarter * 3 + 1, 1)
            end = _month_end(year, quarter * 3 + 3)
            quarter_id = _insert(
                conn,
                {
                    **_flags(),
                    "periodName": f"Q{quarter + 1} {year}",
                    "isYear": False,
                    "isQuarter": True,
                    "isPosting": False,
                    "parent": {"id": str(year_id)},
                    "startDate": start.isoformat(),
                    "endDate": end.isoformat(),
                },
            )
            for month in range(quarter * 3 + 1, quarter * 3 + 4):
                _insert(
                    conn,
                    {
                        **_flags(),
                        "periodName": f"{MONTHS[month - 1]} {year}",
                        "isYear": False,
                        "isQuarter": False,
                        "parent": {"id": str(quarter_id)},
                        "startDate": date(year, month, 1).isoformat(),
                        "endDate": _month_end(year, month).isoformat(),
                    },
                )
            count += 4
        count += 1
    return count


def _month_end(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


class ControlError(ValueError):
    """A /_sandbox request the controls cannot act on (answered 400)."""


def find(conn: sqlite3.Connection, key: Any) -> Period:
    """A period by internal id, period name ("Sep 2026") or a date it holds (the month's period)."""
    periods = _periods(conn)
    text = str(key)
    found = next((p for p in periods if str(p.id) == text or p.name == text), None)
    if found is None:
        found = next((p for p in periods if p.is_base and p.holds(text)), None)
    if found is None:
        raise ControlError(f"no accounting period {text!r} (give an id, a period name or a date)")
    return found


def set_flags(conn: sqlite3.Connection, key: Any, changes: dict[str, Any]) -> list[Doc]:
    """Close, reopen or lock a period (closing locks it too, as NetSuite's close checklist does); a quarter
    or year follows its months: closed when all its months are, open again when one is."""
    unknown = set(changes) - set(FLAGS)
    if unknown or not all(isinstance(v, bool) for v in changes.values()):
        raise ControlError(f"send booleans among {', '.join(FLAGS)}")
    period = find(conn, key)
    targets = [period]
    if not period.is_base:  # a quarter or a year: every month under it
        targets = [
            p
            for p in _periods(conn)
            if p.is_base and period.holds(str(p.doc["startDate"])) and period.holds(str(p.doc["endDate"]))
        ]
    for target in targets:
        doc = dict(target.doc)
        doc.update(changes)
        if changes.get("closed"):
            doc.update(arLocked=True, apLocked=True, allLocked=True, closedOnDate=date.today().isoformat())
        elif changes.get("closed") is False:
            doc.pop("closedOnDate", None)
        _save(conn, target.id, doc)
    _roll_up(conn)
    return [view(p) for p in _periods(conn) if any(p.holds(str(t.doc["startDate"])) for t in targets)]


def _save(conn: sqlite3.Connection, period_id: int, doc: Doc) -> None:
    store.save_record(conn, RECORD_TYPE, FAMILY, period_id, doc, None, None, None)
    tables.sync(conn, FAMILY, period_id)


def _roll_up(conn: sqlite3.Connection) -> None:
    periods = _periods(conn)
    months = [p for p in periods if p.is_base]
    for summary in (p for p in periods if p.doc.get("isQuarter") or p.doc.get("isYear")):
        inside = [m for m in months if summary.holds(str(m.doc["startDate"]))]
        closed = bool(inside) and all(m.doc.get("closed") for m in inside)
        if bool(summary.doc.get("closed")) != closed:
            doc = dict(summary.doc, closed=closed)
            if closed:
                doc["closedOnDate"] = date.today().isoformat()
            else:
                doc.pop("closedOnDate", None)
            _save(conn, summary.id, doc)


def set_preferences(conn: sqlite3.Connection, changes: dict[str, Any]) -> dict[str, str]:
    for name, value in changes.items():
        if name not in PREFERENCES or value not in PREFERENCES[name]:
            choices = "; ".join(f"{n}: {', '.join(c)}" for n, c in PREFERENCES.items())
            raise ControlError(f"unknown preference or value {name}={value!r} (choices: {choices})")
        store.set_meta(conn, "pref:" + name, str(value))
    return preferences(conn)


def preferences(conn: sqlite3.Connection) -> dict[str, str]:
    return {name: preference(conn, name) for name in PREFERENCES}


def view(period: Period) -> Doc:
    return {"id": str(period.id), **period.doc}


def list_periods(conn: sqlite3.Connection) -> list[Doc]:
    return [view(p) for p in _periods(conn)]


def read_only(record_type: str) -> NetSuiteError:
    """REST exposes accounting periods for reading; they are set up and closed in the UI."""
    return NetSuiteError(
        405, "INVALID_PARAMETER", f"The {record_type} record is read-only in REST web services."
    )
