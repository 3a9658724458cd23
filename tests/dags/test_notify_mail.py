"""Finance mail through Airflow's SMTP provider into a local SMTP sink (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import pytest
from finance_mail import send_mail

from stripe_netsuite.config import Settings
from stripe_netsuite.notify import blocked_payouts_mail, mail_blocked_payouts, mail_failed_records
from stripe_netsuite.notify.sink import MailSink, start_sink

FINANCE = "finance@example.com, controller@example.com"
STRIPE_KEY = "sk_test_51SecretKeyThatMustNeverBeMailed0123456789"
BLOCKED = {
    "payout_id": "po_1Blocked", "status": "blocked", "code": "missing_payment", "amount": "1,250.00 USD",
    "balance_transaction": "txn_1Missing",
    "reason": f"charge ch_1Gone has no customer payment in NetSuite; load it first (key {STRIPE_KEY})",
}  # fmt: skip


@pytest.fixture
def sink(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MailSink]:
    """A sink on a free port, the smtp_default connection pointing at it, the finance list set."""
    running = start_sink(tmp_path / "mail")
    connection = running.connection_json("connector@example.com")
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(connection))
    monkeypatch.setenv("FINANCE_EMAIL_TO", FINANCE)
    monkeypatch.setenv("FINANCE_AIRFLOW_URL", "http://airflow.example.com")
    monkeypatch.setenv("STRIPE_API_KEY", STRIPE_KEY)
    yield running
    running.stop()


def _body(message: object) -> str:
    part = message.get_body(preferencelist=("html", "plain"))  # type: ignore[attr-defined]
    return str(part.get_content())


def test_a_blocked_payout_reaches_the_finance_list_with_what_to_do_and_no_secret(sink: MailSink) -> None:
    notify = Settings.from_env().notify
    assert send_mail(blocked_payouts_mail("scheduled__2026-11-30", [BLOCKED]), notify)

    (message,) = sink.messages()
    assert message["Subject"] == "[Stripe-NetSuite] Payout po_1Blocked blocked: missing_payment"
    assert message["From"] == "connector@example.com"
    assert {a.strip() for a in message["To"].split(",")} == {"finance@example.com", "controller@example.com"}
    body = _body(message)
    for expected in ("po_1Blocked", "txn_1Missing", "1,250.00 USD", "missing_payment", "load it first"):
        assert expected in body
    raw = b"".join(path.read_bytes() for path in sink.directory.glob("*.eml"))
    assert STRIPE_KEY.encode() not in raw and b"SecretKeyThat" not in raw


def test_failed_records_are_mailed_once_each(
    sink: MailSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONNECTOR_REPORTS_DIR", str(tmp_path / "reports"))
    notify = Settings.from_env().notify
    reason = "Invalid field value 1234 for customer. Authorization: Bearer abc.def.ghi"
    failed = {"stripe_id": "ch_1Bad", "kind": "payment", "status": "failed", "reason": reason}
    retry = {**failed, "stripe_id": "ch_1Later", "status": "retry"}
    summary = {"run_id": "run-1", "problems": [failed, retry]}

    assert mail_failed_records(summary, send_mail, notify, "netsuite_payments") == 1
    assert mail_failed_records({**summary, "run_id": "run-2"}, send_mail, notify, "netsuite_payments") == 0
    refund = {**failed, "stripe_id": "re_1Bad", "kind": "refund"}
    summary = {"run_id": "run-3", "problems": [failed, refund]}
    assert mail_failed_records(summary, send_mail, notify, "netsuite_payments") == 1

    first, second = sink.messages()
    assert first["Subject"] == "[Stripe-NetSuite] payment ch_1Bad failed in NetSuite"
    assert "Invalid field value 1234 for customer" in _body(first) and "abc.def.ghi" not in _body(first)
    assert "ch_1Later" not in _body(first)  # left for retry: not a failure finance must act on
    assert "re_1Bad" in _body(second) and "ch_1Bad" not in _body(second)
    assert "http://airflow.example.com/finance/" in _body(second)


def test_blocked_payouts_without_a_finance_list_are_mailed_once_one_is_set(
    sink: MailSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONNECTOR_REPORTS_DIR", str(tmp_path / "reports"))
    summary = {"run_id": "run-1", "problems": [BLOCKED]}
    unset = Settings.from_env({"FINANCE_EMAIL_TO": ""}).notify
    assert mail_blocked_payouts(summary, partial(send_mail, settings=unset), unset, "netsuite_deposits") == 0
    assert sink.messages() == []
    notify = Settings.from_env().notify
    assert mail_blocked_payouts(summary, send_mail, notify, "netsuite_deposits") == 1
    assert mail_blocked_payouts(summary, send_mail, notify, "netsuite_deposits") == 0
    assert len(sink.messages()) == 1


def test_no_finance_list_sends_nothing(sink: MailSink, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FINANCE_EMAIL_TO")
    assert not send_mail(blocked_payouts_mail("run", [BLOCKED]), Settings.from_env().notify)
    assert sink.messages() == []


def test_the_dags_failure_notifier_mails_the_failed_run_with_its_link(sink: MailSink) -> None:
    from finance_mail import FinanceFailureNotifier

    run_id = "manual__2026-11-30T10:00:00+00:00"
    context = {"dag": SimpleNamespace(dag_id="netsuite_deposits"), "run_id": run_id,
               "reason": "task_failure", "ti": SimpleNamespace(task_id="report")}  # fmt: skip
    FinanceFailureNotifier().notify(context)

    (message,) = sink.messages()
    assert message["Subject"] == "[Stripe-NetSuite] netsuite_deposits run failed"
    body = _body(message)
    assert "manual__2026-11-30T10:00:00+00:00" in body and "report" in body and "task_failure" in body
    run_page = "http://airflow.example.com/dags/netsuite_deposits/runs/manual__2026-11-30T10%3A00%3A00%2B00%3A00"
    assert run_page in body


def test_bad_finance_addresses_are_refused_at_start() -> None:
    from stripe_netsuite.config import ConfigError

    with pytest.raises(ConfigError, match="FINANCE_EMAIL_TO: not an email address: finance@"):
        Settings.from_env({"FINANCE_EMAIL_TO": "ok@example.com,finance@"})
    with pytest.raises(ConfigError, match="FINANCE_EMAIL_FROM"):
        Settings.from_env({"FINANCE_EMAIL_FROM": "a@example.com\nBcc: x@evil.example"})


def test_the_daily_report_reaches_the_finance_list_with_its_page_and_workbook(
    sink: MailSink, tmp_path: Path
) -> None:
    from datetime import UTC, date, datetime

    from stripe_netsuite.notify import mail_daily_report
    from stripe_netsuite.reports.publish import ReportOptions, write_daily_report
    from stripe_netsuite.store import get_engine, migrate

    url = f"sqlite:///{tmp_path / 'connector.db'}"
    migrate(url)
    written = datetime(2026, 11, 30, 6, 30, tzinfo=UTC)
    options = ReportOptions(reports_dir=tmp_path)
    summary = write_daily_report(get_engine(url), date(2026, 11, 29), options=options, now=written,
                                 run_id="scheduled__x")  # fmt: skip
    notify = Settings.from_env().notify
    assert mail_daily_report(summary, partial(send_mail, settings=notify), notify, run_id="scheduled__x")

    (message,) = sink.messages()
    assert message["Subject"] == "[Stripe-NetSuite] Daily report 2026-11-29"
    assert summary["note"].split(" Report:")[0] in _body(message)
    attached = {part.get_filename(): part.get_payload(decode=True) for part in message.iter_attachments()}
    assert set(attached) == {"report.html", "report.xlsx"}
    assert attached["report.xlsx"] == (Path(summary["directory"]) / "report.xlsx").read_bytes()
    assert "http://airflow.example.com/dags/finance_reports/runs/scheduled__x" in _body(message)

    # A report of several days (the demo's whole world, a catch-up) names its period, not only its last day.
    longer = write_daily_report(get_engine(url), date(2026, 11, 29), options=options, now=written,
                                run_id="manual__y", days=33)  # fmt: skip
    assert mail_daily_report(longer, partial(send_mail, settings=notify), notify, run_id="manual__y")
    assert sink.messages()[-1]["Subject"] == "[Stripe-NetSuite] Daily report 2026-10-28 to 2026-11-29"
