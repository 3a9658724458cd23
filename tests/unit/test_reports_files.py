"""Report URLs (Stripe Dashboard, NetSuite record pages) and the report folder layout a viewer lists."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from stripe_netsuite.reports.files import list_reports, report_dir, report_file, run_name
from stripe_netsuite.reports.urls import RecordLinks, netsuite_host, netsuite_record_url, stripe_dashboard_url

NS = "https://1234567-sb1.app.netsuite.com/app/accounting/transactions"


@pytest.mark.parametrize(
    ("stripe_id", "livemode", "account", "url"),
    [
        ("ch_1", False, "", "https://dashboard.stripe.com/test/payments/ch_1"),
        ("py_1", True, "", "https://dashboard.stripe.com/payments/py_1"),
        ("re_1", False, "", "https://dashboard.stripe.com/test/refunds/re_1"),
        ("dp_1", False, "", "https://dashboard.stripe.com/test/disputes/dp_1"),
        ("po_1", True, "acct_9", "https://dashboard.stripe.com/acct_9/payouts/po_1"),
        ("txn_1", False, "", None),  # no page of its own
        ("ch_1/../../x", False, "", None),
        ("", False, "", None),
    ],
)
def test_stripe_dashboard_url(stripe_id: str, livemode: bool, account: str, url: str | None) -> None:
    assert stripe_dashboard_url(stripe_id, livemode=livemode, account=account) == url


@pytest.mark.parametrize(
    ("record_type", "internal_id", "url"),
    [
        ("customerPayment", "12", f"{NS}/custpymt.nl?id=12"),
        ("deposit", "7", f"{NS}/deposit.nl?id=7"),
        ("customerRefund", "8", f"{NS}/custrfnd.nl?id=8"),
        ("creditMemo", "9", f"{NS}/custcred.nl?id=9"),
        ("journalEntry", "3", f"{NS}/journal.nl?id=3"),
        ("deposit", "7&x=1", None),
        ("vendorBill", "7", None),  # a record kind without a page here
        ("deposit", None, None),
    ],
)
def test_netsuite_record_url(record_type: str, internal_id: str | None, url: str | None) -> None:
    assert netsuite_record_url("1234567_SB1", record_type, internal_id) == url


def test_no_netsuite_account_no_netsuite_links_and_a_bad_account_is_refused() -> None:
    assert RecordLinks().netsuite("deposit", "7") is None
    assert netsuite_host("TSTDRV123") == "tstdrv123.app.netsuite.com"
    with pytest.raises(ValueError):
        RecordLinks("evil.example/")


def write(directory: Path, **summary: object) -> None:
    directory.mkdir(parents=True)
    (directory / "report.html").write_text("<html></html>")
    (directory / "payouts.csv").write_text("a\n")
    (directory / "report.json").write_text(json.dumps({"title": directory.name, **summary}))


def test_list_reports_by_day_newest_first_daily_first_complete_only(tmp_path: Path) -> None:
    write(report_dir(date(2026, 3, 1), "daily", tmp_path))
    run = "scheduled__2026-03-02T00:00:00+00:00"
    write(report_dir(date(2026, 3, 2), run_name("netsuite_payments", run), tmp_path),
          dag_id="netsuite_payments", report_run_id=run)
    write(report_dir(date(2026, 3, 2), "daily", tmp_path))
    report_dir(date(2026, 3, 2), "half_written", tmp_path).mkdir()  # no report.json yet
    entries = list_reports(tmp_path)
    assert [(e.day.isoformat(), e.name, e.kind) for e in entries] == [
        ("2026-03-02", "daily", "daily"),
        ("2026-03-02", "netsuite_payments__scheduled__2026-03-02T00_00_00_00_00", "run"),
        ("2026-03-01", "daily", "daily"),
    ]
    assert entries[1].dag_id == "netsuite_payments"
    assert entries[1].run_id == "scheduled__2026-03-02T00:00:00+00:00"
    assert entries[0].files == ("report.html", "report.json", "payouts.csv")
    assert entries[0].html == tmp_path / "finance" / "2026-03-02" / "daily" / "report.html"
    assert [e.day for e in list_reports(tmp_path, day=date(2026, 3, 1))] == [date(2026, 3, 1)]
    assert list_reports(tmp_path / "nothing") == []


@pytest.mark.parametrize(
    ("day", "name", "filename"),
    [("2026-03-02", "..", "report.html"), ("..", "daily", "report.html"),
     ("2026-03-02", "daily", "../x.html"), ("2026-03-02", "daily", "secret.txt"),
     ("2026-03-02", "daily", "missing.csv")],
)  # fmt: skip
def test_report_file_never_leaves_the_reports(tmp_path: Path, day: str, name: str, filename: str) -> None:
    write(report_dir(date(2026, 3, 2), "daily", tmp_path))
    (tmp_path / "finance" / "2026-03-02" / "daily" / "secret.txt").write_text("no")
    assert report_file(day, name, filename, tmp_path) is None


def test_report_file_finds_a_report_s_file(tmp_path: Path) -> None:
    write(report_dir(date(2026, 3, 2), "daily", tmp_path))
    found = report_file("2026-03-02", "daily", "payouts.csv", tmp_path)
    assert found == (tmp_path / "finance" / "2026-03-02" / "daily" / "payouts.csv").resolve()


def test_a_folder_named_like_a_day_that_is_no_date_is_skipped_not_a_crash(tmp_path: Path) -> None:
    for day in ("2026-10-03", "2026-99-99"):  # the second: copied in by hand, or a typo
        folder = tmp_path / "finance" / day / "daily"
        folder.mkdir(parents=True)
        (folder / "report.json").write_text(json.dumps({"title": day}), encoding="utf-8")
    assert [entry.day for entry in list_reports(tmp_path)] == [date(2026, 10, 3)]
