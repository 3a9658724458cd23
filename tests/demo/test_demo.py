"""`make demo` as a newcomer meets it: scripts/demo.py itself, on ports and a state directory of its own.

Each test starts the whole demo (both sandboxes, the world seeder, the payment pages under gunicorn and
Airflow's components) and stops it with a signal; one scenario per test function, so that pytest-xdist can
never start the same demo twice.
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.demo.demo_run import (
    ROOT,
    UP,
    DemoRun,
    demo_processes,
    kill_demo,
    listening,
    ports_in_use,
    start_demo,
    still_running,
    stop_demo,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
FAKE_DAYS = 1500  # about four years on: far from the dates the world seeder used to be pinned to
STARTUP = 900.0


@pytest.fixture
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


def airflow_session(run: DemoRun) -> requests.Session:
    session = requests.Session()
    credentials = {"username": "admin", "password": "demo-airflow-password"}
    token = session.post(f"{run.airflow}/auth/token", json=credentials, timeout=60)
    token.raise_for_status()
    session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return session


def pay_invoice_on_the_page(chromium: Any, link: str, card_year: int) -> str:
    """Customer's path: link -> Continue to payment -> hosted Checkout -> back; returns the total shown."""
    page = chromium.new_page()
    page.set_default_timeout(60_000)
    page.goto(link)
    page.click("button.pay-button")
    page.wait_for_url(re.compile(r".*/c/pay/cs_.*"))
    total = str(page.locator("[data-testid=total-amount]").inner_text())
    if not page.locator("#email").input_value():
        page.fill("#email", "payer@example.com")
    page.fill("#cardnumber", "4242 4242 4242 4242")
    page.fill("#exp-date", f"12 / {card_year % 100:02d}")
    page.fill("#cvc", "123")
    page.fill("#name", "Pat Payer")
    page.click("#pay-button")
    page.wait_for_url(re.compile(r".*/pay/return/.*"))
    page.locator('#payment-status[data-status="paid"]').wait_for(timeout=60_000)
    assert page.locator(".status-label").inner_text() == "Paid"
    page.close()
    return total


def wait_for_successful_scheduled_run(session: requests.Session, run: DemoRun, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    runs: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        runs = session.get(f"{run.airflow}/api/v2/dags/stripe_sync/dagRuns", timeout=60).json()["dag_runs"]
        done = [r for r in runs if r["run_type"] == "scheduled" and r["state"] == "success"]
        if done:
            return str(done[0]["dag_run_id"])
        assert not [r for r in runs if r["state"] == "failed"], runs
        time.sleep(5)
    raise AssertionError(f"no successful scheduled stripe_sync run in {timeout:.0f}s: {runs}")


def assert_everything_stopped(run: DemoRun, snapshot: dict[int, str], code: int) -> None:
    assert code == 0, run.output
    assert "Traceback" not in run.output, run.output
    assert "the demo has stopped; every port is free" in run.output
    assert still_running(snapshot) == []
    assert ports_in_use(run.ports) == []


@pytest.mark.timeout(1800)
def test_four_years_on_the_demo_takes_a_page_payment_runs_airflow_and_stops_on_two_sigterms(
    tmp_path: Path, chromium: Any
) -> None:
    import stripe

    run = start_demo(tmp_path / "state", fake_days=FAKE_DAYS)
    snapshot: dict[int, str] = {}
    try:
        run.wait_for(UP, STARTUP)
        fake_now = datetime.now(UTC) + timedelta(days=FAKE_DAYS)
        snapshot = demo_processes(run)

        # The world ends three days before the demo's today (the time a payment takes to be paid out); the
        # Stripe clock is moved on to now, paying its last payouts, and runs on from there in real time.
        ending = re.search(r"world ending (\d{4}-\d{2}-\d{2})", run.output)
        assert ending, run.output
        days_ago = fake_now.date() - datetime.fromisoformat(ending.group(1)).date()
        assert timedelta(days=2) <= days_ago <= timedelta(days=4), days_ago
        clock = requests.get(f"{run.stripe}/_sandbox/clock", timeout=30).json()
        assert clock["mode"] == "running"
        assert abs(clock["now"] - fake_now.timestamp()) < 600, clock

        # Every service listens on 127.0.0.1 and on the configured ports only (no log servers on 8793/8794).
        sockets = listening(set(snapshot))
        assert {address for address, _ in sockets} == {"127.0.0.1"}, sockets
        assert {port for _, port in sockets} == set(run.ports.values()), sockets

        # A payment through the page reaches the hosted Checkout and comes back "Paid".
        shown = pay_invoice_on_the_page(chromium, run.link("invoice 1042"), card_year=fake_now.year + 3)
        client = stripe.StripeClient("sk_test_sandbox_0123456789abcdef", base_addresses={"api": run.stripe})
        session = client.v1.checkout.sessions.list({"limit": 1}).data[0]
        assert (session.status, session.payment_status, session.currency) == ("complete", "paid", "usd")
        assert shown == f"${Decimal(session.amount_total).scaleb(-2):,.2f}"
        assert abs(session.created - fake_now.timestamp()) < 3600
        assert session.created < session.expires_at <= session.created + 24 * 3600
        intent = client.v1.payment_intents.retrieve(session.payment_intent)
        assert (intent.status, intent.amount) == ("succeeded", session.amount_total)

        # Airflow: stripe_sync unpaused and run by the scheduler alone; its task logs readable through the
        # API server; both connections in the metadata DB (Admin > Connections).
        api = airflow_session(run)
        dag = api.get(f"{run.airflow}/api/v2/dags/stripe_sync", timeout=60).json()
        assert dag["is_paused"] is False
        dag_run = wait_for_successful_scheduled_run(api, run, timeout=600)
        tasks = f"{run.airflow}/api/v2/dags/stripe_sync/dagRuns/{dag_run}/taskInstances"
        task = next(t for t in api.get(tasks, timeout=60).json()["task_instances"] if t["map_index"] == -1)
        log = api.get(
            f"{tasks}/{task['task_id']}/logs/{task['try_number']}",
            headers={"Accept": "application/json"},
            timeout=60,
        )
        assert log.status_code == 200 and log.json()["content"], log.text[:500]
        connections = {
            c["connection_id"]: c
            for c in api.get(f"{run.airflow}/api/v2/connections", timeout=60).json()["connections"]
        }
        assert connections["stripe_default"]["conn_type"] == "stripe"
        assert connections["netsuite_default"]["conn_type"] == "netsuite"
        assert connections["netsuite_default"]["host"] == f"http://127.0.0.1:{run.ports['netsuite']}/services/rest"

        # The seeded webhooks said nothing false about the DAGs (issue 8 item 13): a DAG Airflow does not have
        # (yet) is reported as such, never as a failed trigger, and no line promises that "the schedule will
        # pick the change up". A true "could not trigger ... (ReadTimeout)" under load is allowed.
        webapp_log = (run.state / "logs" / "webapp.log").read_text()
        assert "schedule will pick" not in webapp_log
        failures = [line for line in webapp_log.splitlines() if "could not trigger" in line]
        assert not [line for line in failures if "HTTP 404" in line], failures

        snapshot = {**snapshot, **demo_processes(run)}
        code = stop_demo(run, signal.SIGTERM, signal.SIGTERM, gap=0.5)
        assert_everything_stopped(run, snapshot, code)
    finally:
        kill_demo(run, snapshot)


@pytest.mark.timeout(1200)
def test_one_sigterm_stops_every_process_of_the_demo_and_frees_every_port(tmp_path: Path) -> None:
    run = start_demo(tmp_path / "state")
    snapshot: dict[int, str] = {}
    try:
        run.wait_for(UP, STARTUP)
        snapshot = demo_processes(run)
        assert len(snapshot) > 10  # the sandboxes, gunicorn and its workers, Airflow and its executor
        code = stop_demo(run, signal.SIGTERM)
        assert_everything_stopped(run, snapshot, code)
        assert "SIGTERM: stopping the demo" in run.output
    finally:
        kill_demo(run, snapshot)


@pytest.mark.timeout(1200)
def test_ctrl_c_while_the_world_is_seeded_stops_everything(tmp_path: Path) -> None:
    run = start_demo(tmp_path / "state")
    snapshot: dict[int, str] = {}
    try:
        run.wait_for("seeding a 30-day Stripe world", STARTUP)
        time.sleep(2)  # the seeder is at work, its webhooks flowing to the pages
        snapshot = demo_processes(run)
        # A terminal's Ctrl-C goes to the whole foreground process group: the demo and its one-shot steps.
        code = stop_demo(run, signal.SIGINT, group=True)
        assert_everything_stopped(run, snapshot, code)
        assert "SIGINT: stopping the demo" in run.output
    finally:
        kill_demo(run, snapshot)


# ---- item 6: a page payment reaches the ledger --------------------------------------------------------

# Paid page -> customer payment in NetSuite, measured on the 2-core dev VM shared with other jobs: 17-25 s
# (the webhook, the dispatcher's trigger, the three task processes of netsuite_payments); bound with room.
LEDGER_BOUND = 90.0
# An invoice the seeded world leaves open on a customer with a positive balance once the world is loaded
# (the world pays more than Acme, Tanaka and Al Noor owe on account: their pages have nothing to pay).
INVOICE = "1042"


def mailbox(run: DemoRun) -> list[EmailMessage]:
    """The mails in the demo's mailbox (<state>/mail/*.eml), oldest first."""
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted((run.state / "mail").glob("*.eml"))
    ]


def assert_the_day_ran(run: DemoRun, stripe: Any) -> None:
    """The guided day (scripts/demo_day.py) before the banner: the three page payments in Stripe, each DAG
    run once, the daily report in the mailbox and on disk, a JPY link with something to pay."""
    # The mailbox holds the daily finance report, sent through Airflow's smtp_default to the finance list,
    # with the report attached; the banner says where the mailbox is.
    assert f"Mailbox         {run.state / 'mail'}/" in run.output, run.output
    daily = [m for m in mailbox(run) if str(m["Subject"]).startswith("[Stripe-NetSuite] Daily report")]
    assert daily, [str(m["Subject"]) for m in mailbox(run)]
    assert daily[-1]["To"] == "finance@demo.example"
    attached = {part.get_filename() for part in daily[-1].iter_attachments()}
    assert "report.html" in attached, attached
    report = re.search(r"Daily report    (\S+\.html)", run.output)
    assert report and Path(report.group(1)).is_file(), run.output
    assert f"Finance view    {run.airflow}/finance/" in run.output

    # The day's three payments: two succeeded (a USD and a JPY statement payment), one declined.
    charges = [c.to_dict() for c in stripe.v1.charges.list({"limit": 100}).data]
    day = sorted((c for c in charges if c["amount"] in (25_000, 50_000, 9_900)
                  and (c.get("metadata") or {}).get("netsuite_customer_id") in ("106", "109")),
                 key=lambda c: c["created"])  # fmt: skip
    assert [(c["currency"], c["amount"], c["status"]) for c in day][-3:] == [
        ("usd", 25_000, "succeeded"), ("jpy", 50_000, "succeeded"), ("usd", 9_900, "failed")
    ], day
    # Each DAG ran to its end and succeeded, the audit in agreement over the whole world.
    dag_ids = ("stripe_sync", "netsuite_payments", "netsuite_deposits", "finance_reports", "ledger_audit")
    for dag_id in dag_ids:
        assert re.search(rf"^  {dag_id}: success \(", run.output, re.M), run.output
    # The world's last payouts were paid by moving the Stripe clock on to now, and deposited.
    assert re.search(r"clock moving on 3\.\d days to now: the world's last payouts are paid", run.output)
    assert re.search(r"^  netsuite_deposits: success", run.output, re.M), run.output

    # The day's own payments: swept into an automatic payout that is paid (the clock moved on to its
    # arrival and came back to now), whose NetSuite deposit the day's netsuite_deposits run wrote.
    line = r"^  payout (po_\w+) of USD [\d,.]+ \(2 payments\), arrival \S+: paid$"
    paid = re.search(line, run.output, re.M)
    assert paid, run.output
    payout = stripe.v1.payouts.retrieve(paid.group(1))
    swept = {t.source for t in stripe.v1.balance_transactions.list(
        {"payout": payout.id, "limit": 100}).auto_paging_iter()}  # fmt: skip
    assert (payout.status, payout.automatic) == ("paid", True)
    assert {day[-3]["id"], day[-2]["id"]} <= swept, (swept, day)
    deposits = list(ledger_client(run).suiteql(
        f"SELECT id, foreigntotal FROM transaction WHERE type = 'Deposit' AND externalid = '{payout.id}'"
    ))  # fmt: skip
    assert [Decimal(d["foreigntotal"]) for d in deposits] == [Decimal(payout.amount).scaleb(-2)], deposits
    assert f"Day's deposit   NetSuite deposit {deposits[0]['id']} " in run.output, run.output
    clock = requests.get(f"{run.stripe}/_sandbox/clock", timeout=30).json()
    assert clock["mode"] == "running" and abs(clock["now"] - time.time()) < 600, clock

    # No run failed from the start (the daily DAGs wait for the loaded world), so no "run failed" mail.
    api = airflow_session(run)
    failed = api.get(f"{run.airflow}/api/v2/dags/~/dagRuns", params={"state": "failed"}, timeout=60).json()
    assert failed["total_entries"] == 0, [(r["dag_id"], r["dag_run_id"]) for r in failed["dag_runs"]]
    subjects = [str(m["Subject"]) for m in mailbox(run)]
    assert not [s for s in subjects if "run failed" in s], subjects

    # The yen links the banner prints have something to pay (the world paid all the seed's yen invoices).
    for label in ("customer 106 Tanaka Trading (JPY)", "of Tanaka (JPY)"):
        page = requests.get(run.link(label), timeout=60)
        assert page.status_code == 200 and 'class="pay-button"' in page.text, label


def ledger_client(run: DemoRun) -> Any:
    """A NetSuite client with the demo's credentials (.env.example), on the demo's NetSuite sandbox."""
    from stripe_netsuite.netsuite import NetSuiteClient, NetSuiteSettings

    lines = (ROOT / ".env.example").read_text().splitlines()
    env = dict(line.split("=", 1) for line in lines if line.startswith("NETSUITE_") and "=" in line)
    env["NETSUITE_BASE_URL"] = f"http://127.0.0.1:{run.ports['netsuite']}/services/rest"
    return NetSuiteClient(NetSuiteSettings.from_env(env))


def customer_payment(netsuite: Any, charge_id: str, timeout: float) -> tuple[dict[str, str], float]:
    """The customer payment whose externalId is the charge id, polled; and the seconds it took to appear."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        rows = list(netsuite.suiteql(
            "SELECT id, entity, foreigntotal, memo FROM transaction"
            f" WHERE type = 'CustPymt' AND externalid = '{charge_id}'"
        ))  # fmt: skip
        if rows:
            return rows[0], time.monotonic() - began
        time.sleep(0.5)
    raise AssertionError(f"no customer payment with externalId {charge_id} within {timeout:.0f}s")


def remaining(netsuite: Any, invoice_id: str) -> Decimal:
    query = f"SELECT foreignamountremaining AS r FROM transaction WHERE id = {invoice_id}"
    rows = list(netsuite.suiteql(query))
    return Decimal(rows[0]["r"])


@pytest.mark.timeout(1800)
def test_a_page_payment_lands_in_netsuite_applied_to_the_invoice_within_the_bound_and_the_page_shows_it(
    tmp_path: Path, chromium: Any
) -> None:
    import stripe

    run = start_demo(tmp_path / "state")
    snapshot: dict[int, str] = {}
    try:
        run.wait_for(UP, STARTUP)
        snapshot = demo_processes(run)
        netsuite = ledger_client(run)
        client = stripe.StripeClient("sk_test_sandbox_0123456789abcdef", base_addresses={"api": run.stripe})
        assert_the_day_ran(run, client)
        before = remaining(netsuite, INVOICE)
        assert before > 0

        page = chromium.new_page()
        page.set_default_timeout(60_000)
        page.goto(run.link(f"invoice {INVOICE}"))
        ours = page.title()
        page.click("button.pay-button")
        page.wait_for_url(re.compile(r".*/c/pay/cs_.*"))
        # Our page and the hosted Checkout page name the same business, the world's (not the sandbox default).
        assert "Honeycomb Holdings Inc." in ours and "Honeycomb Holdings Inc." in page.content()
        assert "Sandbox Company" not in page.content()
        page.fill("#cardnumber", "4242 4242 4242 4242")
        page.fill("#exp-date", f"12 / {(datetime.now(UTC).year + 3) % 100:02d}")
        page.fill("#cvc", "123")
        page.fill("#name", "Pat Payer")
        if not page.locator("#email").input_value():
            page.fill("#email", "payer@example.com")
        page.click("#pay-button")
        page.wait_for_url(re.compile(r".*/pay/return/.*"))
        page.locator('#payment-status[data-status="paid"]').wait_for(timeout=60_000)

        session = client.v1.checkout.sessions.list({"limit": 1}).data[0]
        intent = client.v1.payment_intents.retrieve(str(session.payment_intent))
        paid = Decimal(session.amount_total or 0).scaleb(-2)
        assert 0 < paid <= before
        payment, took = customer_payment(netsuite, str(intent.latest_charge), LEDGER_BOUND)
        assert (payment["entity"], Decimal(payment["foreigntotal"])) == ("109", paid), payment
        applied = list(netsuite.suiteql(
            "SELECT previousdoc, foreignamount FROM nexttransactionlinelink"
            f" WHERE nextdoc = {payment['id']} ORDER BY previousdoc"
        ))  # fmt: skip
        assert [(a["previousdoc"], Decimal(a["foreignamount"])) for a in applied] == [(INVOICE, paid)]
        assert remaining(netsuite, INVOICE) == before - paid
        print(f"Paid page -> NetSuite customer payment {payment['id']}: {took:.1f}s")

        # The page then shows the lower amount due and no longer counts the attempt (its cache: 30 s).
        deadline = time.monotonic() + 90
        while True:
            page.goto(run.link(f"invoice {INVOICE}"))
            shown = page.locator("dd.balance").inner_text()
            notices = page.locator("p.notice.received").count()
            if (shown, notices) == (f"${before - paid:,.2f}", 0) or time.monotonic() > deadline:
                break
            time.sleep(2)
        assert (shown, notices) == (f"${before - paid:,.2f}", 0)
        assert "Payments in progress" not in page.content()
        page.close()

        snapshot = {**snapshot, **demo_processes(run)}
        code = stop_demo(run, signal.SIGTERM)
        assert_everything_stopped(run, snapshot, code)
    finally:
        kill_demo(run, snapshot)
