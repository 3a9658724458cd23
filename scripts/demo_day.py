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
day's own payments are paid out as Stripe pays them: their funds become available `available_on` (midnight
UTC, AVAILABILITY_DAYS on), the automatic payout of that midnight sweeps them and is paid on its
`arrival_date` (the next midnight). So after the browser has paid, the sandbox clock moves on to that
payout's arrival (events and webhooks on the way, as Stripe sends them), then comes back to this machine's
time through the sandbox's clock control: the pages' Checkout sessions expire on this machine's clock (30
minutes to 24 hours after they start, on Stripe's), so a sandbox clock left days ahead would refuse every
later payment on the links the demo prints. The DAGs then read a Stripe where the day's payout is paid (and
dated its arrival, a few days on) and write its NetSuite deposit.

The daily DAGs (HELD_DAGS) are held paused from the scheduler's start until the day reaches them: on its
first loop the scheduler starts each one's latest scheduled run (catchup=False), and netsuite_deposits has
runs the world's payout webhooks queued; before the world is in NetSuite they would audit, report and
deposit an empty ledger (a failed audit mailed as "run failed", payouts blocked). Unpaused in the day's
order, their waiting runs run once what they read is there.
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
# Paused before the scheduler starts on a fresh state, unpaused when the day reaches them (see above).
HELD_DAGS = ("netsuite_deposits", "finance_reports", "ledger_audit")
DAY_SECONDS = 86_400


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


@dataclass(frozen=True)
class DayPayout:
    """The automatic payout that swept the day's payments, once paid."""

    payout_id: str
    amount: str  # in its currency's major unit, as the banner prints it
    currency: str
    arrival: date  # a UTC day, as Stripe's arrival_date and the reports count it
    payments: int


def _stripe(env: dict[str, str]) -> Any:
    import stripe

    return stripe.StripeClient(env["STRIPE_API_KEY"], base_addresses={"api": env["STRIPE_API_BASE"]})


def _move_clock(env: dict[str, str], to: int) -> None:
    requests.post(f"{env['STRIPE_API_BASE']}/_sandbox/clock/advance", json={"to": to},
                  timeout=3600).raise_for_status()


def _clock_back_to_now(env: dict[str, str]) -> None:
    """Back to this machine's time, running: the sandbox's own control (Stripe's clock never goes back);
    the next automatic payout run is then the coming midnight of this machine's day."""
    base = env["STRIPE_API_BASE"]
    now = {"now": int(time.time())}
    requests.post(f"{base}/_sandbox/clock/freeze", json=now, timeout=60).raise_for_status()
    requests.post(f"{base}/_sandbox/clock/run", timeout=60).raise_for_status()


def pay_out_the_day(env: dict[str, str], since: int) -> DayPayout | None:
    """Move the Stripe clock on until the automatic payout holding the day's payments (charges created since
    `since`) is paid, then back to now. None when the day made no payment."""
    client = _stripe(env)
    charges = [c for c in client.v1.charges.list({"created": {"gte": since}, "limit": 100}).auto_paging_iter()
               if c.status == "succeeded" and c.balance_transaction]  # fmt: skip
    if not charges:
        return None
    moved_from = int(requests.get(f"{env['STRIPE_API_BASE']}/_sandbox/clock", timeout=30).json()["now"])
    try:
        funds = [client.v1.balance_transactions.retrieve(str(c.balance_transaction)) for c in charges]
        available = max(int(t.available_on) for t in funds)
        _move_clock(env, available)  # that midnight's automatic payout sweeps them
        wanted = {t.id for t in funds}
        holding = []
        swept_then = client.v1.payouts.list({"created": {"gte": available}, "limit": 100})
        for payout in swept_then.auto_paging_iter():
            listed = client.v1.balance_transactions.list({"payout": payout.id, "limit": 100})
            if payout.automatic and wanted & {t.id for t in listed.auto_paging_iter()}:
                holding.append(payout)
        if not holding:
            raise RuntimeError(f"no automatic payout swept the day's balance transactions {sorted(wanted)}")
        arrival = max(int(p.arrival_date) for p in holding)
        _move_clock(env, arrival + 60)  # paid on its arrival; the minute after lets its webhooks out
        paid = client.v1.payouts.retrieve(holding[0].id)
    finally:
        _clock_back_to_now(env)
    print(f"  the Stripe clock moved on {(arrival + 60 - moved_from) / DAY_SECONDS:.1f} days to the payout's "
          "arrival, then back to now", flush=True)
    if paid.status != "paid":
        raise RuntimeError(f"payout {paid.id} is {paid.status} on its arrival")
    # The demo's account settles in USD (a two-decimal currency): the payout is in it.
    return DayPayout(paid.id, f"{paid.amount / 100:,.2f}", paid.currency.upper(),
                     datetime.fromtimestamp(arrival, UTC).date(), len(charges))


def deposit_of(env: dict[str, str], payout_id: str) -> str:
    """The NetSuite deposit written for a payout (its externalId), as the ledger holds it."""
    from stripe_netsuite.netsuite import NetSuiteClient, NetSuiteSettings

    with NetSuiteClient(NetSuiteSettings.from_env(env)) as client:
        rows = list(client.suiteql(
            "SELECT id, trandate, foreigntotal FROM transaction"
            f" WHERE type = 'Deposit' AND externalid = '{payout_id}'"
        ))  # fmt: skip
    if not rows:
        return f"no NetSuite deposit for {payout_id} (see the netsuite_deposits run)"
    row = rows[0]
    return f"NetSuite deposit {row['id']} of {row['foreigntotal']} dated {row['trandate']} for {payout_id}"


def deposit_report(reports: Path, payout_id: str) -> Path | None:
    """The finance report of the netsuite_deposits run that wrote a payout's deposit (its payouts table)."""
    runs = (reports / "finance").glob("*/netsuite_deposits__*/payouts.csv")
    found = [table.parent / "report.html" for table in runs if payout_id in table.read_text()]
    return min(found, key=lambda path: path.stat().st_mtime) if found else None


def hold_dags(api: AirflowApi, timeout: float = 300.0) -> None:
    """Pause HELD_DAGS before the scheduler starts, once the DAG processor has listed them."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            listed = {str(d.get("dag_id")) for d in api.dags()}
        except requests.RequestException:  # a busy machine: the API server answers late; ask again
            listed = set()
        if set(HELD_DAGS) <= listed or time.monotonic() > deadline:
            break
        STOPPER.sleep(2)
    for dag_id in sorted(set(HELD_DAGS) & listed):
        api.http.patch(f"{api.base}/api/v2/dags/{dag_id}", json={"is_paused": True},
                       timeout=60).raise_for_status()


def wait_until_idle(api: AirflowApi, dag_id: str, timeout: float = 900.0) -> None:
    """Until no run of the DAG is queued or running (the ones a held DAG had waiting run after ours)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            runs = f"/dags/{dag_id}/dagRuns"
            active = sum(int(str(api.get(runs, state=state, limit=1).get("total_entries")))
                         for state in ("queued", "running"))  # fmt: skip
        except (requests.RequestException, ValueError):  # a busy machine: the API answers late; ask again
            active = 1
        if not active:
            return
        STOPPER.sleep(3)


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
    """Each DAG once, in DAG_ORDER; a held DAG is unpaused first and its waiting runs are waited for too.
    finance_reports covers the world and today (in the NetSuite time zone, as its daily runs do),
    ledger_audit the world up to today (it audits no future): neither the day's payout, which arrives a few
    days on (the finance report of the netsuite_deposits run that wrote its deposit lists it)."""
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
                api.unpause(dag_id)  # a held DAG: its waiting runs start now, with ours
                runs[dag_id] = trigger(api, dag_id, confs.get(dag_id, {}))
            except requests.RequestException as error:
                outcomes.append(Outcome(dag_id, f"not triggered: {error}"))
                print(f"  {dag_id}: not triggered: {error}", flush=True)
        for dag_id, run_id in runs.items():
            state = wait_for_run(api, dag_id, run_id)
            wait_until_idle(api, dag_id)
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
    since = int(time.time()) - 60
    try:
        outcomes += pay_in_browser(payments)
        print("the day's payments are paid out (the Stripe clock on to their payout's arrival)...",
              flush=True)
        try:
            payout = pay_out_the_day(env, since)
        except Exception as error:  # the day goes on: the DAGs still run, the banner says what is missing
            payout = None
            print(f"  could not pay out the day's payments: {type(error).__name__}: {error}", flush=True)
        if payout is not None:
            paid = (f"{payout.payout_id} of {payout.currency} {payout.amount} ({payout.payments} payments), "
                    f"arrival {payout.arrival}")  # fmt: skip
            outcomes.append(Outcome("payout of the day", paid))
            print(f"  payout {paid}: paid", flush=True)
        print("running the DAGs once each, in order...", flush=True)
        outcomes += run_the_dags(api, world_start, time_zone)
        if payout is not None:
            deposit = deposit_of(env, payout.payout_id)
            outcomes.append(Outcome("deposit of the day's payout", deposit))
            print(f"  {deposit}", flush=True)
            listed = deposit_report(Path(env["CONNECTOR_REPORTS_DIR"]), payout.payout_id)
            if listed is not None:
                outcomes.append(Outcome("report of the day's deposit", str(listed)))
                print(f"  in the finance report {listed}", flush=True)
    finally:  # whatever happened, no DAG stays held
        for dag_id in HELD_DAGS:
            try:
                api.unpause(dag_id)
            except requests.RequestException as error:
                print(f"  {dag_id} stays paused ({error}): unpause it in Airflow", flush=True)
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

