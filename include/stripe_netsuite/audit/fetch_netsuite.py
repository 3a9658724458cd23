"""NetSuite's side of an audit, read with SuiteQL: records under Stripe external ids, and the customers.

Read from NetSuite itself, never from the connector's sync records: a record deleted or edited by hand is
exactly what the audit must see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Protocol

from stripe_netsuite.audit.period import AuditPeriod
from stripe_netsuite.audit.sides import NETSUITE_TYPES, LedgerEntry
from stripe_netsuite.sync.load_facts import BATCH, SuiteQL

__all__ = [
    "KeysetSuiteQL", "entries_by_external_id", "entries_in_period", "memo_only_in_period", "period_entries",
]

_COLUMNS = (
    "SELECT t.id, t.type, t.externalid, t.entity, c.symbol AS currency, t.foreigntotal,"
    " TO_CHAR(t.trandate, 'YYYY-MM-DD') AS trandate, t.memo"
    " FROM transaction t LEFT JOIN currency c ON c.id = t.currency"
)
_TYPES = ", ".join(f"'{code}'" for code in NETSUITE_TYPES)


class KeysetSuiteQL(SuiteQL, Protocol):
    """What the audit reads NetSuite through: NetSuiteClient's suiteql and its keyset reader."""

    def suiteql_after(
        self, query: Callable[[int], str], *, key: str = ..., page_size: int = ...
    ) -> Iterable[dict[str, str]]: ...


def _quoted(values: Iterable[str]) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    unique = sorted(set(values))
    for start in range(0, len(unique), BATCH):
        yield unique[start : start + BATCH]


def _decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _entry(row: dict[str, str]) -> LedgerEntry | None:
    record_type = NETSUITE_TYPES.get(str(row.get("type")))
    if record_type is None:
        return None
    entity, day = row.get("entity"), row.get("trandate")
    return LedgerEntry(
        internal_id=str(row["id"]),
        record_type=record_type,
        external_id=str(row.get("externalid") or ""),
        customer_id=str(entity) if entity not in (None, "") else None,
        currency=str(row.get("currency") or ""),
        amount=_decimal(row.get("foreigntotal")),
        tran_date=date.fromisoformat(str(day)[:10]) if day else None,
        memo=str(row.get("memo") or ""),
    )


def _read(netsuite: SuiteQL, query: str) -> dict[tuple[str, str], LedgerEntry]:
    return _keyed(netsuite.suiteql(query))


def _keyed(rows: Iterable[dict[str, str]]) -> dict[tuple[str, str], LedgerEntry]:
    found = {}
    for row in rows:
        entry = _entry(row)
        if entry is not None and entry.external_id:
            found[entry.key] = entry
    return found


def _by_id(netsuite: KeysetSuiteQL, where: str) -> Iterable[dict[str, str]]:
    """Every row of `_COLUMNS WHERE where` by ascending id. NetSuite answers at most 100,000 rows per SuiteQL
    query and then stops without a word, and a quarter of a busy account holds more: the client's keyset
    reader starts each query after the last id read."""
    return netsuite.suiteql_after(lambda after: f"{_COLUMNS} WHERE {where} AND t.id > {after} ORDER BY t.id")


def _dated(period: AuditPeriod) -> str:
    after = period.end + timedelta(days=1)
    return (f"t.trandate >= TO_DATE('{period.start.isoformat()}', 'YYYY-MM-DD')"
            f" AND t.trandate < TO_DATE('{after.isoformat()}', 'YYYY-MM-DD')")


def entries_by_external_id(
    netsuite: SuiteQL, external_ids: Iterable[str]
) -> dict[tuple[str, str], LedgerEntry]:
    """The connector's kinds of record under these external ids, 500 ids per query."""
    found: dict[tuple[str, str], LedgerEntry] = {}
    for chunk in _chunks(external_ids):
        found |= _read(netsuite, f"{_COLUMNS} WHERE t.externalid IN ({_quoted(chunk)}) ORDER BY t.id")
    return found


def period_entries(netsuite: KeysetSuiteQL, period: AuditPeriod) -> Iterator[LedgerEntry]:
    """Every record of the connector's kinds with an external id, dated in the period, by ascending id and
    one SuiteQL page at a time (the caller keeps the Stripe ones): how a record made by hand under a Stripe
    id that Stripe does not know is found."""
    rows = _by_id(netsuite, f"t.type IN ({_TYPES}) AND t.externalid IS NOT NULL AND {_dated(period)}")
    for row in rows:
        entry = _entry(row)
        if entry is not None and entry.external_id:
            yield entry


def entries_in_period(netsuite: KeysetSuiteQL, period: AuditPeriod) -> dict[tuple[str, str], LedgerEntry]:
    """period_entries, held by (record type, external id)."""
    return {entry.key: entry for entry in period_entries(netsuite, period)}


def memo_only_in_period(netsuite: KeysetSuiteQL, period: AuditPeriod) -> list[LedgerEntry]:
    """Records of the connector's kinds dated in the period whose memo starts "Stripe" but whose external id
    is not a Stripe one (none, or a person's): a copy of a connector record keeps the memo, not the id."""
    rows = _by_id(netsuite, f"t.type IN ({_TYPES}) AND t.memo LIKE 'Stripe%' AND {_dated(period)}")
    entries = (_entry(row) for row in rows)
    return [entry for entry in entries if entry is not None and entry.ledger is None]
