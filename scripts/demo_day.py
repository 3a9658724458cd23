"""The demo's guided day: payments made through the pages, payouts paid, every DAG run once, in order.

Once the seeded world is in NetSuite, NetSuite issues the day's invoices (a yen one to Tanaka, a dinar one
to Al Noor: the world has paid everything these two owed), then a headless Debian chromium (Playwright, as
the browser tests drive it) pays as customers do: a statement payment on a customer page, part of Tanaka's
yen balance, and a card the bank declines; what is left stays to pay on the links the demo prints.
Airflow then runs stripe_sync, netsuite_payments, netsuite_deposits, finance_reports (over the whole world,
mailed to the finance list) and ledger_audit, each triggered through the REST API and waited for. Every
step says what it did; a step that fails is reported and the day goes on, so the demo still comes up for
the user to look at what happened.

The payouts: the world ends PAYOUT_DAYS before today and the Stripe sandbox clock is then moved on to now
(scripts/demo.py), so the payouts of the world's last days are paid before the day's DAGs deposit them. The
clock is not moved past now: the pages' Checkout sessions expire on this machine's clock (at most 24 hours
after they start, on Stripe's), so a sandbox clock ahead of it would refuse every later payment.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
from demo_airflow import AirflowApi
from demo_processes import STOPPER

CHROMIUM = Path("/usr/bin/chromium")
AVAILABILITY_DAYS = 2  # the Stripe sandbox's default (config.availability_days), as Stripe's US accounts
# From a payment to its payout being paid: funds available after AVAILABILITY_DAYS at midnight, swept into
# that midnight's automatic payout, which arrives at the next one.
PAYOUT_DAYS = AVAILABILITY_DAYS + 1
CARD_OK = "4242 4242 4242 4242"
CARD_DECLINED = "4000 0000 0000 0002"
# The DAGs in the order a day needs them: Stripe's data, payments, deposits, then the two that read them all
# (together: the report reads the state DB, the audit Stripe and NetSuite).
DAG_ORDER = (
    ("stripe_sync",), ("netsuite_payments",), ("netsuite_deposits",), ("finance_reports", "ledger_audit")
)


@dataclass(frozen=True)
class Payment:
    """One payment the browser makes: which link, how much (None: what the page proposes), which card."""

    label: str
    link: str
    card: str
    amount: str | None = None


@dataclass(frozen=True)
class Outcome:
    label: str
    result: str


@dataclass(frozen=True)
class NewInvoice:
    """An invoice NetSuite issues during the day: customer, currency id (SEED.md), amount, label."""

    customer: str
    currency_id: str
    rate: str
    label: str


DAY_INVOICES = (
    NewInvoice("106", "5", "180000", "Tanaka Trading (JPY)"),
    NewInvoice("108", "6", "2400.500", "Al Noor Trading (KWD)"),
)


def issue_invoices(env: dict[str, str], today: date) -> dict[str, str]:
    """Upsert the day's invoices (externalId demo-day-<date>-<customer>, so a re-run issues none twice);
    returns customer id -> invoice internal id."""
    from stripe_netsuite.netsuite import NetSuiteClient, NetSuiteSettings

    client = NetSuiteClient(NetSuiteSettings.from_env(env))
    issued = {}
    for invoice in DAY_INVOICES:
        body = {
            "entity": {"id": invoice.customer}, "currency": {"id": invoice.currency_id},
            "tranDate": today.isoformat(), "memo": "Issued during the demo's day",
            "item": {"items": [{"item": {"id": "1"}, "quantity": 1, "rate": invoice.rate}]},
        }
        issued[invoice.customer] = client.upsert("invoice", f"demo-day-{today}-{invoice.customer}", body)
        print(f"  NetSuite invoice {issued[invoice.customer]} to {invoice.label}: {invoice.rate}", flush=True)
    return issued


@contextmanager
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield launched
        finally:
            launched.close()


def pay(chromium: Any, payment: Payment, card_year: int) -> str:
    """A customer's path: the link, Continue to payment, the hosted Checkout page, back to our page."""
    page = chromium.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(payment.link)
        if not page.locator("button.pay-button").count():
            return "nothing to pay on the page"
        if payment.amount is not None:
            page.fill("#amount", payment.amount)
        page.click("button.pay-button")
        page.wait_for_url(re.compile(r".*/c/pay/cs_.*"))
        total = str(page.locator("[data-testid=total-amount]").inner_text())
        if not page.locator("#email").input_value():
            page.fill("#email", "payer@example.com")
        page.fill("#cardnumber", payment.card)
        page.fill("#exp-date", f"12 / {card_year % 100:02d}")
        page.fill("#cvc", "123")
        page.fill("#name", "Pat Payer")
        page.click("#pay-button")
        if payment.card == CARD_DECLINED:
            error = page.locator("[data-testid=error-message]")
            error.wait_for()
            declined = error.inner_text().strip()
            # The payer gives up and goes back to our page, which cancels the attempt (else it would count as
            # a payment in progress until the Checkout session expired, a day later).
            page.click("[data-testid=back-link]")
            page.wait_for_url(lambda url: "/c/pay/" not in url)  # back on the payment pages
            page.wait_for_load_state()
            return f"{total} declined: {declined} (went back: attempt cancelled)"
        page.wait_for_url(re.compile(r".*/pay/return/.*"))
        page.locator('#payment-status[data-status="paid"]').wait_for()
        return f"{total} paid"
    finally:
        page.close()


def pay_in_browser(payments: list[Payment]) -> list[Outcome]:
    if not CHROMIUM.exists():
        return [Outcome(p.label, f"skipped: no chromium at {CHROMIUM} (make browser)") for p in payments]
    outcomes = []
    year = datetime.now(UTC).year + 3
    with browser() as chromium:
        for payment in payments:
            STOPPER.check()
            try:
                result = pay(chromium, payment, year)
            except Exception as error:  # a page that did not behave: say so, go on with the day
                result = f"failed: {type(error).__name__}: {str(error).splitlines()[0][:160]}"
            outcomes.append(Outcome(payment.label, result))
            print(f"  {payment.label}: {result}", flush=True)
    return outcomes


def trigger(api: AirflowApi, dag_id: str, conf: dict[str, Any]) -> str:
    response = api.http.post(f"{api.base}/api/v2/dags/{dag_id}/dagRuns",
                             json={"logical_date": None, "conf": conf}, timeout=60)
    response.raise_for_status()
    return str(response.json()["dag_run_id"])


def wait_for_run(api: AirflowApi, dag_id: str, run_id: str, timeout: float = 900.0) -> str:
    """Wait until a run ends; returns its state ('success', 'failed', or 'still running ...')."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = str(api.get(f"/dags/{dag_id}/dagRuns/{run_id}").get("state"))
        except requests.RequestException:  # a busy machine: the API server answers late; ask again
            state = "unknown"
        if state in ("success", "failed"):
            return state
        STOPPER.sleep(3)
    return f"still running after {timeout:.0f}s"


def run_the_dags(api: AirflowApi, world_start: date, time_zone: str) -> list[Outcome]:
    """Each DAG once, in DAG_ORDER. finance_reports covers the world and today (in the NetSuite time zone,
    as its daily runs do), ledger_audit the world up to today (it audits no future)."""
    report_day = datetime.now(ZoneInfo(time_zone)).date()
    today = datetime.now(UTC).date()
    confs: dict[str, dict[str, Any]] = {
        "finance_reports": {"date": report_day.isoformat(), "days": (report_day - world_start).days + 1},
        "ledger_audit": {"from": world_start.isoformat(), "to": today.isoformat()},
    }
    outcomes = []
    for together in DAG_ORDER:
        began = time.monotonic()
        runs: dict[str, str] = {}
        for dag_id in together:
            try:
                runs[dag_id] = trigger(api, dag_id, confs.get(dag_id, {}))
            except requests.RequestException as error:
                outcomes.append(Outcome(dag_id, f"not triggered: {error}"))
                print(f"  {dag_id}: not triggered: {error}", flush=True)
        for dag_id, run_id in runs.items():
            state = wait_for_run(api, dag_id, run_id)
            outcomes.append(Outcome(dag_id, state))
            print(f"  {dag_id}: {state} ({time.monotonic() - began:.0f}s)", flush=True)
    return outcomes


def run_day(
    env: dict[str, str],
    api: AirflowApi,
    world_start: date,
    link_for: Callable[[str, str], str],
) -> list[Outcome]:
    """The whole guided day; `link_for(flag, id)` makes a payment link (the `flask links create` CLI).
    Returns what each step did; the day's invoices as outcomes labelled `invoice <customer>`."""
    time_zone = env.get("NETSUITE_TIME_ZONE") or "UTC"
    print("a day of business: NetSuite issues invoices...", flush=True)
    try:
        issued = issue_invoices(env, datetime.now(ZoneInfo(time_zone)).date())
    except Exception as error:  # the day goes on without them; the banner then links the seeded ones only
        print(f"  could not issue the day's invoices: {type(error).__name__}: {error}", flush=True)
        issued = {}
    print("customers pay on the pages (a headless chromium)...", flush=True)
    payments = [
        Payment("statement payment, customer 109 (USD)", link_for("--customer", "109"), CARD_OK, "250.00"),
        Payment("statement payment, customer 106 (JPY)", link_for("--customer", "106"), CARD_OK, "50000"),
        Payment("declined card, customer 109 (USD)", link_for("--customer", "109"), CARD_DECLINED, "99.00"),
    ]
    outcomes = [Outcome(f"invoice {customer}", internal_id) for customer, internal_id in issued.items()]
    outcomes += pay_in_browser(payments)
    print("running the DAGs once each, in order...", flush=True)
    outcomes += run_the_dags(api, world_start, time_zone)
    return outcomes


def mailbox_summary(directory: Path) -> str:
    mails = sorted(directory.glob("*.eml"))
    if not mails:
        return "no mail yet"
    return f"{len(mails)} mail{'s' if len(mails) != 1 else ''}, newest {mails[-1].name}"


def daily_report(reports: Path) -> Path | None:
    """The newest finance report's HTML of a day or of days ending on one: <reports>/finance/<day>/daily/ or
    .../days-<N>/ (the demo's covers the whole world)."""
    found = [*(reports / "finance").glob("*/daily/*.html"), *(reports / "finance").glob("*/days-*/*.html")]
    return max(found, key=lambda path: path.stat().st_mtime) if found else None

