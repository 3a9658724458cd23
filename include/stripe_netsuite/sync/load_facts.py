"""What the ledger mappings need from NetSuite, read by SuiteQL in batches (a query per 500 ids, not per row).

Customers (currencies, subsidiary, email), invoices (amount remaining), the account's currency ids, and the
ledger records that already exist under our external ids with the applications NetSuite shows for them (so a
re-run after a crash plans against the invoices as they were before its own earlier write).

The external-id lookups of a big run (a query per 500 ids: 8 for 2,000 payments, each a NetSuite round trip)
go out `concurrency` at a time, as the writes that follow do, instead of one after another while the
account's other slots stay idle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol, TypeVar

from stripe_netsuite.money import normalize_currency
from stripe_netsuite.sync.applications import InvoiceFacts
from stripe_netsuite.sync.customers import CustomerFacts
from stripe_netsuite.sync.records import ApplyLine

__all__ = [
    "BATCH",
    "ExistingRecord",
    "SuiteQL",
    "currency_ids",
    "customers_by_email",
    "customers_by_id",
    "existing_records",
    "invoices_by_id",
    "open_invoices",
    "payment_applications",
]

BATCH = 500  # ids per IN (...) list: keeps each SuiteQL statement far below NetSuite's query length limit
# NetSuite's transaction type codes of the records the ledger writes.
TRANSACTION_TYPES = {"CustPymt": "customerPayment", "CustRfnd": "customerRefund", "CustCred": "creditMemo"}


class SuiteQL(Protocol):
    def suiteql(self, query: str, *, page_size: int = ...) -> Iterable[dict[str, str]]: ...


@dataclass(frozen=True)
class ExistingRecord:
    """A ledger record NetSuite already holds under one of our external ids."""

    record_type: str
    external_id: str
    internal_id: str


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    unique = sorted(set(values))
    for start in range(0, len(unique), BATCH):
        yield unique[start : start + BATCH]


def _each_chunk(
    values: Iterable[str], query: Callable[[list[str]], Iterable[dict[str, str]]], concurrency: int
) -> list[dict[str, str]]:
    """The rows `query` returns for every batch of `values`, in batch order; up to `concurrency` batches at
    once (the client's limiter still bounds what NetSuite sees)."""
    chunks = list(_chunks(values))

    def rows(chunk: list[str]) -> list[dict[str, str]]:
        return list(query(chunk))  # (the client pages lazily: read it all on this thread)

    if concurrency <= 1 or len(chunks) <= 1:
        results = [rows(chunk) for chunk in chunks]
    else:
        with ThreadPoolExecutor(min(concurrency, len(chunks)), "ledger-facts") as pool:
            results = list(pool.map(rows, chunks))
    return [row for result in results for row in result]


def _ids(values: Sequence[str]) -> str:
    # Internal ids only: digits, so nothing can break out of the list.
    for value in values:
        if not value.isdigit():
            raise ValueError(f"not a NetSuite internal id: {value!r}")
    return ", ".join(values)


def _texts(values: Sequence[str]) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


class _Fact(Protocol):
    @property
    def id(self) -> str: ...


FactT = TypeVar("FactT", bound=_Fact)


def _by_id(ids: Iterable[str], query: Callable[[str], Iterable[FactT]]) -> dict[str, FactT]:
    """What `query` finds for each batch of `ids` (given as the text of an IN list), by internal id."""
    found: dict[str, FactT] = {}
    for chunk in _chunks(ids):
        for fact in query(_ids(chunk)):
            found[fact.id] = fact
    return found


def _digits(ids: Iterable[str]) -> Iterator[str]:
    # An id that is not an internal id names no record: nothing to ask NetSuite for.
    return (i for i in ids if i.isdigit())


def currency_ids(netsuite: SuiteQL) -> dict[str, str]:
    """ISO code -> NetSuite currency internal id (NetSuite's `symbol` is the ISO code)."""
    rows = netsuite.suiteql("SELECT id, symbol FROM currency ORDER BY id")
    return {normalize_currency(str(row["symbol"])): str(row["id"]) for row in rows}


def _customers(netsuite: SuiteQL, where: str, symbols: dict[str, str]) -> list[CustomerFacts]:
    rows = list(
        netsuite.suiteql(
            "SELECT c.id, c.companyname, c.entityid, c.email, c.isinactive, c.subsidiary, c.currency"
            f" FROM customer c WHERE {where} ORDER BY c.id"
        )
    )
    if not rows:
        return []
    ids = _ids([str(row["id"]) for row in rows])
    extra: dict[str, list[str]] = {}
    for row in netsuite.suiteql(
        f"SELECT b.customer, b.currency FROM customercurrencybalance b WHERE b.customer IN ({ids})"
        " ORDER BY b.customer, b.currency"
    ):
        extra.setdefault(str(row["customer"]), []).append(symbols.get(str(row["currency"]), ""))
    found = []
    for row in rows:
        customer_id = str(row["id"])
        primary = symbols.get(str(row.get("currency")), "")
        currencies = tuple(code for code in dict.fromkeys([primary, *extra.get(customer_id, [])]) if code)
        subsidiary = row.get("subsidiary")
        found.append(
            CustomerFacts(
                customer_id,
                str(row.get("companyname") or row.get("entityid") or customer_id),
                currencies,
                str(subsidiary) if subsidiary not in (None, "") else None,
                row.get("email") or None,
                str(row.get("isinactive")) == "T",
            )
        )
    return found


def customers_by_id(
    netsuite: SuiteQL, customer_ids: Iterable[str], currency_symbols: dict[str, str]
) -> dict[str, CustomerFacts]:
    """The customers with these internal ids that exist; `currency_symbols` maps currency id -> ISO code."""
    return _by_id(
        _digits(customer_ids), lambda ids: _customers(netsuite, f"c.id IN ({ids})", currency_symbols)
    )


def customers_by_email(
    netsuite: SuiteQL, emails: Iterable[str], currency_symbols: dict[str, str]
) -> list[CustomerFacts]:
    """Customers whose email is one of `emails` (compared case-insensitively; the mapping compares again)."""
    found: list[CustomerFacts] = []
    for chunk in _chunks(e.strip().lower() for e in emails if e.strip()):
        found += _customers(netsuite, f"LOWER(c.email) IN ({_texts(chunk)})", currency_symbols)
    return found


def _invoices(netsuite: SuiteQL, where: str, symbols: dict[str, str]) -> list[InvoiceFacts]:
    rows = netsuite.suiteql(
        "SELECT t.id, t.tranid, t.entity, t.currency, t.foreignamountremaining,"
        " TO_CHAR(t.trandate, 'YYYY-MM-DD') AS trandate"
        f" FROM transaction t WHERE t.type = 'CustInvc' AND {where} ORDER BY t.id"
    )
    return [
        InvoiceFacts(
            str(row["id"]),
            str(row.get("tranid") or row["id"]),
            str(row["entity"]),
            symbols.get(str(row["currency"]), ""),
            Decimal(str(row.get("foreignamountremaining") or 0)),
            date.fromisoformat(str(row["trandate"])[:10]),
        )
        for row in rows
    ]


def invoices_by_id(
    netsuite: SuiteQL, invoice_ids: Iterable[str], currency_symbols: dict[str, str]
) -> dict[str, InvoiceFacts]:
    """The invoices with these internal ids (missing ones absent)."""
    return _by_id(_digits(invoice_ids), lambda ids: _invoices(netsuite, f"t.id IN ({ids})", currency_symbols))


def open_invoices(
    netsuite: SuiteQL, customer_ids: Iterable[str], currency_symbols: dict[str, str]
) -> dict[str, InvoiceFacts]:
    """The open invoices of these customers (for auto-apply)."""
    return _by_id(
        customer_ids,
        lambda ids: _invoices(netsuite, f"t.status = 'A' AND t.entity IN ({ids})", currency_symbols),
    )


def existing_records(
    netsuite: SuiteQL, external_ids: Iterable[str], *, concurrency: int = 1
) -> dict[tuple[str, str], ExistingRecord]:
    """(record type, external id) -> the ledger record NetSuite holds under it."""
    found: dict[tuple[str, str], ExistingRecord] = {}
    rows = _each_chunk(
        external_ids,
        lambda chunk: netsuite.suiteql(
            "SELECT t.id, t.type, t.externalid FROM transaction t"
            f" WHERE t.externalid IN ({_texts(chunk)}) ORDER BY t.id"
        ),
        concurrency,
    )
    for row in rows:
        record_type = TRANSACTION_TYPES.get(str(row.get("type")))
        if record_type is not None:
            key = (record_type, str(row["externalid"]))
            found[key] = ExistingRecord(record_type, key[1], str(row["id"]))
    return found


def payment_applications(
    netsuite: SuiteQL, payment_ids: Iterable[str], *, concurrency: int = 1
) -> dict[str, tuple[ApplyLine, ...]]:
    """payment internal id -> the invoice applications NetSuite shows for it now."""
    found: dict[str, list[ApplyLine]] = {}
    rows = _each_chunk(
        payment_ids,
        lambda chunk: netsuite.suiteql(
            "SELECT l.previousdoc, l.nextdoc, l.foreignamount FROM nexttransactionlinelink l"
            f" WHERE l.linktype = 'Payment' AND l.nextdoc IN ({_ids(chunk)})"
            " ORDER BY l.nextdoc, l.previousdoc"
        ),
        concurrency,
    )
    for row in rows:
        found.setdefault(str(row["nextdoc"]), []).append(
            ApplyLine(str(row["previousdoc"]), abs(Decimal(str(row["foreignamount"]))))
        )
    return {key: tuple(lines) for key, lines in found.items()}
