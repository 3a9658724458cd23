"""Writing finance reports from a state DB: what a day and a run read, the files, the row, the CLI."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from stripe_netsuite.reports.__main__ import main
from stripe_netsuite.reports.files import list_reports
from stripe_netsuite.reports.ledger import Scope
from stripe_netsuite.reports.publish import ReportOptions, latest_note, write_daily_report, write_run_report
from stripe_netsuite.reports.read import read_ledger
from stripe_netsuite.reports.urls import RecordLinks
from stripe_netsuite.store import (
    BalanceTransaction,
    Charge,
    Payout,
    QuarantineEntry,
    RunReport,
    dispose_engines,
    get_engine,
    migrate,
    session_scope,
    upsert_stripe_object,
)
from stripe_netsuite.sync.load_store import save_sync_record

ZONE = "America/Los_Angeles"
DAY = date(2026, 3, 2)
# 2026-03-02 23:30 in Los Angeles is 2026-03-03 07:30 UTC: the charge belongs to the 2nd, NetSuite's day.
LATE = int(datetime(2026, 3, 3, 7, 30, tzinfo=UTC).timestamp())
ARRIVAL = int(datetime(2026, 3, 2, tzinfo=UTC).timestamp())
NOW = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
PROBLEMS = [  # as the deposit loader records them (sync.deposit_load._blocked)
    {"code": "missing_payment", "balance_transaction": "txn_late", "reason": "ch_late unloaded: load it."},
    {"code": "unequal_amounts", "balance_transaction": "txn_x", "reason": "1 != 2: correct it."},
]


def stripe(session: Any, model: Any, **obj: Any) -> None:
    upsert_stripe_object(session, model, {"object": model.stripe_object, "livemode": False, **obj})


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'connector.db'}"
    migrate(url)
    engine = get_engine(url)
    with session_scope(engine) as s:
        stripe(s, Charge, id="ch_late", created=LATE, amount=1500, currency="jpy", status="succeeded",
               paid=True, balance_transaction="txn_late", description="<b>bold</b> claim")
        stripe(s, BalanceTransaction, id="txn_late", created=LATE, amount=1500, currency="jpy", fee=60,
               net=1440, type="charge", source="ch_late", status="available")
        stripe(s, Charge, id="ch_next", created=LATE + 86400, amount=999, currency="usd", status="succeeded")
        stripe(s, Payout, id="po_blocked", created=ARRIVAL - 86400, arrival_date=ARRIVAL, amount=1440,
               currency="jpy", status="paid", automatic=True)
        stripe(s, Payout, id="po_old_blocked", created=ARRIVAL - 9 * 86400, arrival_date=ARRIVAL - 8 * 86400,
               amount=700, currency="usd", status="paid", automatic=True)
        s.add(QuarantineEntry(object_type="charge", object_id="ch_bad", check_name="amount_is_positive",
                              reason="amount -5", run_id="sync-1", created_at=NOW))
    save_sync_record(engine, stripe_id="ch_late", stripe_object_type="charge", record_type="customerPayment",
                     external_id="ch_late", status="synced", run_id="load-1", internal_id="41")
    for payout, run in (("po_blocked", "deposits-1"), ("po_old_blocked", "deposits-0")):
        save_sync_record(engine, stripe_id=payout, stripe_object_type="payout", record_type="deposit",
                         external_id=payout, status="blocked", run_id=run, error=f"{payout}: fix it.",
                         detail={"code": "missing_payment", "balance_transaction": "txn_late",
                                 "problems": PROBLEMS if payout == "po_blocked" else []})
    save_sync_record(engine, stripe_id="ch_next", stripe_object_type="charge", record_type="customerPayment",
                     external_id="ch_next", status="failed", run_id="load-2", error="Invalid customer")
    yield engine  # fmt: skip
    dispose_engines()


def test_a_day_is_netsuite_s_day_and_open_problems_show_whatever_their_date(engine: Engine) -> None:
    ledger = read_ledger(engine, Scope.day(DAY), ZoneInfo(ZONE))
    assert [(p.charge_id, p.day, p.sync_status, p.netsuite_id, p.fee) for p in ledger.payments] == [
        ("ch_late", DAY, "synced", "41", 60)
    ]
    assert {p.payout_id: (p.arrival, p.deposit_status, p.code, p.reason) for p in ledger.payouts} == {
        "po_blocked": (DAY, "blocked", "missing_payment", "po_blocked: fix it."),
        "po_old_blocked": (date(2026, 2, 22), "blocked", "missing_payment", "po_old_blocked: fix it."),
    }
    blocked = next(p for p in ledger.payouts if p.payout_id == "po_blocked")
    assert blocked.problems == tuple((p["code"], p["balance_transaction"], p["reason"]) for p in PROBLEMS)
    assert [(f.stripe_id, f.message) for f in ledger.failed] == [("ch_next", "Invalid customer")]
    assert [(q.object_id, q.check_name) for q in ledger.quarantined] == [("ch_bad", "amount_is_positive")]


def test_a_run_report_shows_what_that_run_wrote(engine: Engine) -> None:
    ledger = read_ledger(engine, Scope(dag_id="netsuite_deposits", run_id="deposits-1"), ZoneInfo(ZONE))
    assert [p.payout_id for p in ledger.payouts] == ["po_blocked"]
    assert ledger.payments == () and ledger.failed == () and ledger.quarantined == ()
    loads = read_ledger(engine, Scope(run_id="load-2"), ZoneInfo(ZONE))
    assert [p.charge_id for p in loads.payments] == ["ch_next"] and len(loads.failed) == 1


def test_the_daily_report_writes_every_file_its_row_and_is_listed(engine: Engine, tmp_path: Path) -> None:
    options = ReportOptions(RecordLinks("1234567"), ZONE, "en_US", tmp_path / "reports")
    summary = write_daily_report(engine, DAY, options=options, now=NOW, run_id="scheduled__x")
    folder = tmp_path / "reports" / "finance" / "2026-03-02" / "daily"
    assert summary["html"] == str(folder / "report.html") and summary["directory"] == str(folder)
    assert {"report.html", "report.xlsx", "payouts.csv"} <= set(summary["files"])
    for name in ("report.html", "report.md", "report.json", "report.xlsx", "payouts.csv", "payments.csv",
                 "payments_by_day.csv", "fees_by_day.csv", "refunds_disputes.csv", "failed.csv",
                 "quarantine.csv", "refunds.csv", "disputes.csv"):
        assert (folder / name).is_file(), name
    html = (folder / "report.html").read_text()
    assert "&lt;b&gt;bold&lt;/b&gt; claim" in html and "¥1,500" in html
    assert "https://1234567.app.netsuite.com/app/accounting/transactions/custpymt.nl?id=41" in html
    with (folder / "payouts.csv").open(encoding="utf-8-sig") as handle:
        payouts = {row["Payout"]: row for row in csv.DictReader(handle)}
    assert payouts["po_blocked"]["Code"] == "missing_payment"
    assert payouts["po_blocked"]["What to do"] == "ch_late unloaded: load it. 1 != 2: correct it."
    assert payouts["po_blocked"]["Balance transaction"] == "txn_late, txn_x"
    assert payouts["po_old_blocked"]["What to do"] == "po_old_blocked: fix it."
    assert json.loads((folder / "report.json").read_text())["blocked"] == 2
    with session_scope(engine) as session:
        row = session.scalars(select(RunReport)).one()
        assert (row.dag_id, row.run_id, row.kind) == ("finance_reports", "scheduled__x", "finance_daily")
    note = latest_note(engine, "finance_reports", "scheduled__x")
    assert note and note.startswith("Finance report 2026-03-02: 1 of 1 payments loaded (¥1,500)")
    assert [(e.name, e.kind) for e in list_reports(tmp_path / "reports")] == [("daily", "daily")]


def test_a_run_report_is_filed_under_the_day_it_was_written(engine: Engine, tmp_path: Path) -> None:
    options = ReportOptions(reports_dir=tmp_path)
    run = "manual__2026-03-03T10:00:00+00:00"
    write_run_report(engine, "netsuite_payments", run, options=options, now=NOW)
    (entry,) = list_reports(tmp_path)
    assert (entry.day, entry.kind, entry.dag_id) == (date(2026, 3, 3), "run", "netsuite_payments")
    assert entry.run_id == "manual__2026-03-03T10:00:00+00:00"
    assert entry.name == "netsuite_payments__manual__2026-03-03T10_00_00_00_00"


def test_cli_daily_writes_the_report_of_the_given_date(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CONNECTOR_DATABASE_URL", str(engine.url))
    monkeypatch.setenv("CONNECTOR_REPORTS_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("NETSUITE_TIME_ZONE", ZONE)
    assert main(["daily", "--date", "2026-03-02"]) == 0
    assert "Finance report 2026-03-02: 1 of 1 payments loaded" in capsys.readouterr().out
    assert (tmp_path / "out" / "finance" / "2026-03-02" / "daily" / "report.html").is_file()
    assert main(["list"]) == 0
    assert "2026-03-02  daily" in capsys.readouterr().out
    for refused in (["daily", "--date", "March 2nd"], ["daily", "--days", "0"]):
        with pytest.raises(SystemExit):
            main(refused)


def test_a_longer_period_s_report_does_not_replace_the_day_s_daily_report(
    engine: Engine, tmp_path: Path
) -> None:
    # The demo and the DAG's `days` param write a 30-day report ending on a day whose daily report is what
    # gets mailed and listed as that day's: it went into the same folder and replaced it.
    options = ReportOptions(reports_dir=tmp_path)
    write_daily_report(engine, DAY, options=options, now=NOW, run_id="scheduled__d")
    daily = (tmp_path / "finance" / "2026-03-02" / "daily" / "report.json").read_text()
    write_daily_report(engine, DAY, options=options, now=NOW, run_id="manual__30", days=30)
    assert (tmp_path / "finance" / "2026-03-02" / "daily" / "report.json").read_text() == daily
    entries = list_reports(tmp_path)
    assert [(e.name, e.kind) for e in entries] == [("daily", "daily"), ("days-30", "period")]
    assert entries[1].summary["days"] == 30 and entries[0].summary["days"] == 1
    with pytest.raises(ValueError, match="at most 92 days"):
        write_daily_report(engine, DAY, options=options, now=NOW, days=93)
    with pytest.raises(SystemExit):
        main(["daily", "--days", "93"])
