"""A month's payments table is written as CSV and XLSX in time linear in its rows.

Before the fix, every cell recomputed its column's kinds over all rows (rows x columns x rows): a 10,000-row
table took about a minute to write as CSV and a 100,000-payment month would never finish.
"""

from __future__ import annotations

import csv
import time
from datetime import date
from pathlib import Path

from stripe_netsuite.reports.exports import write_csv
from stripe_netsuite.reports.tables import Cell, Link, Money, Table

ROWS = 10_000


def _payments(rows: int) -> Table:
    body: list[tuple[Cell, ...]] = [
        (Link(f"ch_{n}", f"https://dashboard.stripe.com/test/payments/ch_{n}"), date(2026, 10, 1), "",
         Money(1000 + n, "USD"), Money(990 + n, "USD"), Money(59, "USD"), None,
         Link(f"customerPayment {n}") if n % 2 else None, "synced")
        for n in range(rows)
    ]  # fmt: skip
    return Table("payments", "Payments", ("Charge", "Day", "Description", "Amount", "Settled", "Fee",
                                          "Exchange rate", "NetSuite payment", "Sync status"), tuple(body))


def test_a_ten_thousand_row_table_is_written_as_csv_in_seconds(tmp_path: Path) -> None:
    table = _payments(ROWS)
    started = time.monotonic()
    path = write_csv(table, tmp_path / "payments.csv")
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"{ROWS} rows took {elapsed:.1f} s"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == ROWS + 1
    # The split columns are kept: money and its currency, a link and its URL, a column of links and blanks.
    assert rows[0][:4] == ["Charge", "Charge URL", "Day", "Description"]
    assert rows[1][:2] == ["ch_0", "https://dashboard.stripe.com/test/payments/ch_0"]
    assert rows[2][4:6] == ["10.01", "USD"]
    assert rows[1][-3:] == ["", "", "synced"] and rows[2][-3:] == ["customerPayment 1", "", "synced"]
