"""A report's tables for spreadsheets: one CSV per table and one XLSX workbook with a sheet per table.

Spreadsheet cells hold numbers, not formatted text: a money column becomes the amount in major units plus a
currency column, a link its text plus a URL column. Text from Stripe or NetSuite can start with `=`, `+`,
`-` or `@`, which a spreadsheet would run as a formula (CSV injection): in CSV such text is prefixed with
an apostrophe (OWASP's advice), in XLSX it is stored as a string cell, never a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from stripe_netsuite.money import MoneyError, exponent
from stripe_netsuite.reports.tables import Cell, FinanceReport, Link, Money, Percent, Table

__all__ = ["csv_safe", "write_csv", "write_xlsx"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Flat = str | int | Decimal | date | None


def csv_safe(text: str) -> str:
    """Text a spreadsheet shows as text, never evaluates."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _split(table: Table) -> tuple[type | None, ...]:
    """Per column, Money or Link when any of its cells is one (it becomes two columns), else None.

    Computed once per table: per cell, it made writing a month's payments quadratic in the rows."""
    kinds: list[type | None] = []
    for index in range(len(table.columns)):
        found = {type(row[index]) for row in table.rows}
        kinds.append(Money if Money in found else Link if Link in found else None)
    return tuple(kinds)


def _headers(table: Table, split: tuple[type | None, ...]) -> list[str]:
    headers = []
    for title, kind in zip(table.columns, split, strict=True):
        headers.append(title)
        if kind is Money:
            headers.append(f"{title} currency")
        elif kind is Link:
            headers.append(f"{title} URL")
    return headers


def _flat(split: tuple[type | None, ...], row: tuple[Cell, ...]) -> Iterator[tuple[Flat, str]]:
    """Each cell as (value, kind) with money and links split in two columns, as the headers say."""
    for kind, cell in zip(split, row, strict=True):
        if kind is Money:
            money = cell if isinstance(cell, Money) else None
            yield (money.major() if money else None), f"money:{money.currency if money else ''}"
            yield (money.currency if money else None), "text"
        elif kind is Link:
            link = cell if isinstance(cell, Link) else None
            yield (link.text if link else None), "text"
            yield (link.url if link else None), "url"
        elif isinstance(cell, Percent):
            yield cell.value, "percent"
        elif isinstance(cell, datetime):
            yield cell.astimezone(UTC).replace(tzinfo=None), "datetime"
        else:
            yield (cell if isinstance(cell, int | Decimal | date) or cell is None else str(cell)), "text"


def write_csv(table: Table, path: Path) -> Path:
    """The table as UTF-8 CSV (with a BOM, so Excel reads the encoding right)."""
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        split = _split(table)
        writer.writerow(_headers(table, split))
        for row in table.rows:
            writer.writerow(
                "" if value is None else csv_safe(value) if isinstance(value, str) else value
                for value, _kind in _flat(split, row)
            )
    return path


def _number_format(currency: str) -> str:
    try:
        digits = exponent(currency)
    except MoneyError:
        return "General"
    return "#,##0" + ("." + "0" * digits if digits else "")


def write_xlsx(report: FinanceReport, path: Path) -> Path:
    """Every table as a sheet of one workbook, amounts as numbers with their currency's decimals."""
    book = Workbook()
    book.remove(book.active)
    for table in report.tables:
        sheet = book.create_sheet(table.title[:31])  # Excel caps sheet names at 31 characters
        split = _split(table)
        headers = _headers(table, split)
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row_number, row in enumerate(table.rows, start=2):
            for column, (value, kind) in enumerate(_flat(split, row), start=1):
                cell = sheet.cell(row=row_number, column=column)
                cell.value = value / 100 if kind == "percent" and isinstance(value, Decimal) else value
                if isinstance(value, str):
                    cell.data_type = "s"  # text, even when it starts with "=": never a formula
                if kind == "url" and isinstance(value, str) and value.startswith("https://"):
                    cell.hyperlink = value
                elif kind == "percent":
                    cell.number_format = "0.00%"
                elif kind == "datetime":
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif kind.startswith("money:") and isinstance(value, Decimal):
                    cell.number_format = _number_format(kind.removeprefix("money:"))
        for index, title in enumerate(headers, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(12, min(60, len(title) + 4))
        sheet.freeze_panes = "A2"
    book.save(path)
    return path
