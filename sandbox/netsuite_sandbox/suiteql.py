"""SuiteQL: Oracle-flavoured SELECTs translated by sqlglot and run read-only on the NetSuite-shaped tables."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from calendar import monthrange
from datetime import date, datetime
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError

from .errors import invalid_parameter
from .statuses import STATUSES, TYPE_LABELS

MAX_LIMIT = 1000
# Oracle, "Executing SuiteQL Queries Through REST Web Services" (NetSuite help, section_157909186990): "Using
# SuiteQL queries, you can return a maximum of 100,000 results" (more needs SuiteAnalytics Connect). SuiteQL
# pages as the record collections do, and "Collection Paging" (section_156414087576) gives the rule: at most
# 1000 pages of `limit` results, so "if you specify fewer than 1000 results per page ... the overall number of
# returned results is lower, too". What NetSuite answers past the cutoff is not in Oracle's pages
# (unverified): integrators report that the result simply stops at the 100,000th row (salto-io/salto#6061
# "SuiteQL returns only the first 100K items"), so here totalResults and hasMore count only the rows inside
# the cutoff, and an offset at or past it is refused (INVALID_PARAMETER on offset).
DOCUMENTED_MAX_ROWS = 100_000
MAX_PAGES = 1000
# Tests set a small cutoff (e.g. 2500) so they need not write 100,000 records; unset, it is Oracle's value.
MAX_ROWS_ENV = "NETSUITE_SANDBOX_SUITEQL_MAX_ROWS"


def _max_rows(env: dict[str, str] | os._Environ[str] = os.environ) -> int:
    text = env.get(MAX_ROWS_ENV, "").strip()
    if not text:
        return DOCUMENTED_MAX_ROWS
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{MAX_ROWS_ENV} must be a positive whole number of rows, got {text!r}")
    return int(text)


MAX_ROWS = _max_rows()


def row_cutoff(limit: int) -> int:
    """How many rows a query can return at all when paged by `limit`: 100,000, or 1000 pages if fewer."""
    return min(MAX_ROWS, MAX_PAGES * limit)
_ERROR_PREFIX = "Invalid search query. Detailed unprocessed description follows. Search error occurred: "

# sqlglot warns on stderr for Oracle functions SQLite lacks; those are handled below instead.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

# BUILTIN.DF(column): NetSuite's display value, chosen by the column's name.
_DISPLAY = {
    "entity": "(SELECT TRIM(__df.entityid || ' ' || COALESCE(__df.altname, '')) FROM customer AS __df "
    "WHERE __df.id = {col})",
    "currency": "(SELECT __df.name FROM currency AS __df WHERE __df.id = {col})",
    "account": "(SELECT __df.accountsearchdisplayname FROM account AS __df WHERE __df.id = {col})",
    "subsidiary": "(SELECT __df.name FROM subsidiary AS __df WHERE __df.id = {col})",
    "paymentmethod": "(SELECT __df.name FROM paymentmethod AS __df WHERE __df.id = {col})",
    "item": "(SELECT __df.itemid FROM item AS __df WHERE __df.id = {col})",
    "transaction": "(SELECT NS_TYPE_DISPLAY(__df.type) || ' #' || __df.tranid FROM \"transaction\" AS __df "
    "WHERE __df.id = {col})",
    "status": "NS_STATUS_DISPLAY({type}, {col})",
    "type": "NS_TYPE_DISPLAY({col})",
}
_DISPLAY_ALIASES = {
    "customer": "entity",
    "company": "entity",
    "aracct": "account",
    "previousdoc": "transaction",
    "nextdoc": "transaction",
    "createdfrom": "transaction",
    "appliedtotransaction": "transaction",
}
# NetSuite table/column names that are SQLite keywords.
_SQLITE_KEYWORDS = {"transaction"}
_STATUS_DISPLAY = {(t, letter): f"{TYPE_LABELS[t]} : {name}" for (t, letter), name in STATUSES.items()}


def translate(query: str) -> str:
    """Oracle SuiteQL -> SQLite SQL; refuses anything but one SELECT."""
    try:
        statements = [s for s in sqlglot.parse(query, read="oracle") if s is not None]
    except ParseError as exc:
        raise invalid_parameter(_ERROR_PREFIX + _first_line(str(exc)), "q") from exc
    if len(statements) != 1:
        raise invalid_parameter(_ERROR_PREFIX + "send exactly one SELECT statement.", "q")
    statement = statements[0]
    if not isinstance(statement, exp.Query):
        raise invalid_parameter(
            _ERROR_PREFIX + "only SELECT queries are allowed (SuiteQL is read-only).", "q"
        )
    statement = _name_expressions(statement.transform(_rewrite))
    try:
        return statement.sql(dialect="sqlite")
    except SqlglotError as exc:
        raise invalid_parameter(_ERROR_PREFIX + _first_line(str(exc)), "q") from exc


def _name_expressions(statement: exp.Expression) -> exp.Expression:
    """Unaliased computed columns come back as expr1, expr2, ... as in NetSuite."""
    if isinstance(statement, exp.Select):
        counter = 0
        for projection in list(statement.expressions):
            if isinstance(projection, exp.Column | exp.Star | exp.Alias):
                continue
            counter += 1
            projection.replace(exp.alias_(projection.copy(), f"expr{counter}"))
    return statement


def _first_line(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines()[0] if text else "syntax error"


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Identifier) and not node.quoted and node.name.lower() in _SQLITE_KEYWORDS:
        # Quote only known names: SQLite reads an unknown "quoted" name as a string, hiding typos.
        return exp.Identifier(this=node.name.lower(), quoted=True)
    if (
        isinstance(node, exp.Dot)
        and isinstance(node.this, exp.Identifier)
        and node.this.name.upper() == "BUILTIN"
    ):
        function = node.expression
        if (
            isinstance(function, exp.Anonymous)
            and str(function.this).upper() == "DF"
            and function.expressions
        ):
            return _display_value(function.expressions[0])
    if isinstance(node, exp.ToChar) and node.args.get("format") is not None:
        return exp.Anonymous(this="NS_TO_CHAR", expressions=[node.this, node.args["format"]])
    return node


def _display_value(argument: exp.Expression) -> exp.Expression:
    if not isinstance(argument, exp.Column):
        return argument
    name = argument.name.lower()
    template = _DISPLAY.get(_DISPLAY_ALIASES.get(name, name))
    if template is None:
        return argument
    col = argument.sql(dialect="sqlite")
    type_column = f"{argument.table}.type" if argument.table else "type"
    return sqlglot.parse_one(template.format(col=col, type=type_column), read="sqlite")


# ---------------------------------------------------------------- SQLite functions Oracle queries expect

_ORACLE_FORMAT = [
    ("YYYY", "%Y"),
    ("YY", "%y"),
    ("MONTH", "%B"),
    ("MON", "%b"),
    ("MM", "%m"),
    ("DD", "%d"),
    ("DY", "%a"),
    ("HH24", "%H"),
    ("HH12", "%I"),
    ("HH", "%I"),
    ("MI", "%M"),
    ("SS", "%S"),
    ("AM", "%p"),
    ("PM", "%p"),
]


def _oracle_to_strftime(fmt: str) -> str:
    out, i = "", 0
    upper = fmt.upper()
    while i < len(fmt):
        for token, directive in _ORACLE_FORMAT:
            if upper.startswith(token, i):
                out += directive
                i += len(token)
                break
        else:
            out += fmt[i]
            i += 1
    return out


def _parse_when(value: Any) -> datetime | None:
    text = str(value)
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text[: len(datetime(2000, 1, 1).strftime(fmt))], fmt)
        except ValueError:
            continue
    return None


def _to_char(value: Any, fmt: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return _text(value)
    when = _parse_when(value)
    if when is None or fmt is None:
        return str(value)
    return when.strftime(_oracle_to_strftime(str(fmt)))


def _str_to_date(value: Any, fmt: Any) -> str | None:
    if value is None:
        return None
    try:
        when = datetime.strptime(str(value), str(fmt))
    except ValueError:
        parsed = _parse_when(value)
        if parsed is None:
            raise
        when = parsed
    if when.hour or when.minute or when.second:
        return when.strftime("%Y-%m-%d %H:%M:%S")
    return when.date().isoformat()


def _date_trunc(unit: Any, value: Any) -> str | None:
    when = _parse_when(value)
    if when is None:
        return None
    unit_text = str(unit).upper()
    if unit_text in ("YYYY", "YEAR", "Y", "YY"):
        return date(when.year, 1, 1).isoformat()
    if unit_text in ("MM", "MONTH", "MON"):
        return date(when.year, when.month, 1).isoformat()
    return when.date().isoformat()


def _add_months(value: Any, months: Any) -> str | None:
    when = _parse_when(value)
    if when is None or months is None:
        return None
    index = when.year * 12 + when.month - 1 + int(months)
    year, month = divmod(index, 12)
    day = min(when.day, monthrange(year, month + 1)[1])
    return date(year, month + 1, day).isoformat()


def _status_display(trantype: Any, letter: Any) -> str | None:
    if letter is None:
        return None
    return _STATUS_DISPLAY.get((str(trantype), str(letter)), str(letter))


def _type_display(trantype: Any) -> str | None:
    return None if trantype is None else TYPE_LABELS.get(str(trantype), str(trantype))


_HIDDEN = re.compile(r"^(_|sqlite_)", re.IGNORECASE)
_ALLOWED_ACTIONS = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    sqlite3.SQLITE_RECURSIVE,
}


def _authorize(action: int, arg1: str | None, arg2: str | None, db: str | None, source: str | None) -> int:
    """Reads of the NetSuite-shaped tables only: the sandbox's own tables stay invisible."""
    if action not in _ALLOWED_ACTIONS:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_READ and arg1 and _HIDDEN.match(arg1):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def prepare_connection(conn: sqlite3.Connection) -> None:
    conn.create_function("NS_TO_CHAR", 2, _to_char, deterministic=True)
    conn.create_function("STR_TO_DATE", 2, _str_to_date, deterministic=True)
    conn.create_function("DATE_TRUNC", 2, _date_trunc, deterministic=True)
    conn.create_function("ADD_MONTHS", 2, _add_months, deterministic=True)
    conn.create_function("NS_STATUS_DISPLAY", 2, _status_display, deterministic=True)
    conn.create_function("NS_TYPE_DISPLAY", 1, _type_display, deterministic=True)


def _text(value: Any) -> str:
    """SuiteQL sends every value as a string."""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(round(value, 8))
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _sqlite_detail(message: str) -> str:
    table = re.match(r"no such table: (\S+)", message)
    if table:
        return f"Record '{table.group(1)}' was not found."
    column = re.match(r"no such column: (\S+)", message)
    if column:
        return f"Field '{column.group(1)}' was not found."
    if "prohibited" in message or "not authorized" in message:
        return "Access to that table is not allowed."
    return message


def execute(
    conn: sqlite3.Connection, query: str, max_rows: int = DOCUMENTED_MAX_ROWS
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run SuiteQL on a connection set up by prepare_connection; lower-case columns, the first `max_rows`
    rows (the rest of the result is not there, as in NetSuite)."""
    sql = translate(query)
    conn.set_authorizer(_authorize)
    try:
        cursor = conn.execute(sql)
        rows = cursor.fetchmany(max_rows)
    except (sqlite3.Error, ValueError, OverflowError) as exc:
        raise invalid_parameter(_ERROR_PREFIX + _sqlite_detail(str(exc)), "q") from exc
    finally:
        conn.set_authorizer(None)
    columns = [str(d[0]).lower() for d in cursor.description or []]
    return columns, rows


def page(
    conn: sqlite3.Connection,
    query: str,
    limit: int,
    offset: int,
    self_url: str,
    base_url: str,
) -> dict[str, Any]:
    """One page of results in NetSuite's collection shape, within the query's row cutoff."""
    cutoff = row_cutoff(limit)
    if offset >= cutoff:
        raise invalid_parameter(
            f"Invalid value for parameter offset: {offset}. A SuiteQL query returns at most {cutoff} results "
            f"({MAX_PAGES} pages of {limit}); read further by filtering on a key (WHERE id > the last id).",
            "offset",
        )
    columns, rows = execute(conn, query, cutoff)
    total = len(rows)
    window = rows[offset : offset + limit]
    items = [
        {"links": [], **{c: _text(v) for c, v in zip(columns, row, strict=False) if v is not None}}
        for row in window
    ]
    links = [{"rel": "self", "href": self_url}]

    def href(at: int) -> str:
        return f"{base_url}?limit={limit}&offset={at}"

    last = max(0, ((total - 1) // limit) * limit) if total else 0
    if offset > 0:
        links.append({"rel": "previous", "href": href(max(0, offset - limit))})
    if offset + limit < total:
        links.append({"rel": "next", "href": href(offset + limit)})
    links += [{"rel": "first", "href": href(0)}, {"rel": "last", "href": href(last)}]
    return {
        "links": links,
        "count": len(items),
        "hasMore": offset + len(items) < total,
        "items": items,
        "offset": offset,
        "totalResults": total,
    }
