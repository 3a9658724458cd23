"""A report's tables as typed cells, so each writer (HTML, CSV, XLSX) renders money, links and shares its way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from stripe_netsuite.money import MoneyError, format_minor, from_minor

__all__ = ["Cell", "FinanceReport", "Link", "Money", "Percent", "Table", "money_text"]


@dataclass(frozen=True)
class Money:
    """An amount in integer minor units of `currency` (upper-case ISO code)."""

    minor: int
    currency: str

    def major(self) -> Decimal | None:
        """Major units with the currency's decimals; None for a currency Stripe does not know."""
        try:
            return from_minor(self.minor, self.currency)
        except MoneyError:
            return None


@dataclass(frozen=True)
class Link:
    """Text that opens `url` (None: plain text, e.g. no NetSuite account configured)."""

    text: str
    url: str | None = None


@dataclass(frozen=True)
class Percent:
    """A share in percent (2.9 means 2.9 %)."""

    value: Decimal


Cell = str | int | Decimal | date | datetime | Money | Link | Percent | None


@dataclass(frozen=True)
class Table:
    """One table of a report: a file name stem (`key`), a heading, column titles and rows of cells."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""  # one sentence under the heading: what the table covers

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"table {self.key}: {len(row)} cells for {len(self.columns)} columns")


@dataclass(frozen=True)
class FinanceReport:
    """A built report: its tables, the figures of its summary and the series its charts plot."""

    title: str
    tables: tuple[Table, ...]
    summary: dict[str, Any]
    series: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)


def money_text(value: Money, locale: str) -> str:
    """The amount as a person reads it in `locale` (Babel), with the currency's own decimals."""
    try:
        return format_minor(value.minor, value.currency, locale)
    except MoneyError:  # a currency Stripe does not know: show what was recorded, unformatted
        return f"{value.minor} {value.currency} (minor units)"

