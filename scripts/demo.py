"""`make demo`: run the whole system on its embedded default until Ctrl-C or SIGTERM.

Starts each service as a child process bound to 127.0.0.1 with state under var/demo/ (`--state-dir`), waits
until it answers, prints how to reach it, and stops everything on Ctrl-C, SIGTERM or SIGHUP (or when one
service dies). The ports come from the URLs in .env.example (STRIPE_API_BASE, NETSUITE_BASE_URL,
PAYMENT_LINK_BASE_URL, AIRFLOW_API_URL), which the environment may override.

Start-up order: the sandboxes and Airflow's API server, DAG processor and triggerer; then the payment pages;
then, on a fresh state directory, the Stripe world (its webhooks reach the pages, which find Airflow up);
then the Stripe sandbox's clock catches up with this machine's and runs on in real time, as Stripe's does;
only then Airflow's scheduler, so that the first `stripe_sync` run sees the whole world (the daily DAGs
held paused until the guided day reaches them, so that none runs over a ledger not loaded yet). Once
`netsuite_payments` has loaded it into NetSuite, the guided day (scripts/demo_day.py) runs on a fresh
state: payments through the pages in a headless browser, the Stripe clock on to the day their payout is
paid (and back to now), and each DAG once; then the banner prints the daily report, the day's deposit,
the Finance view, the mailbox and the payment links.

A local SMTP server (aiosmtpd, in this process) keeps every mail under <state>/mail/ as an .eml file;
Airflow's `smtp_default` connection points at it and the finance list (FINANCE_EMAIL_TO) defaults to a
demo address.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import sys
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from stripe_netsuite.notify.sink import MailSink, start_sink

sys.path.insert(0, str(Path(__file__).resolve().parent))

from demo_airflow import (  # the sibling modules, found through the line above
    AirflowApi,
    activate_dags,
    airflow_env,
    airflow_services,
    components_healthy,
    prepare_airflow,
    wait_for_ledger,
)
from demo_day import HELD_DAGS, PAYOUT_DAYS, daily_report, hold_dags, mailbox_summary, run_day
from demo_processes import (
    STOPPER,
    Service,
    Stop,
    become_subreaper,
    reap,
    run_step,
    start,
    stop_all,
    wait_healthy,
)

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = ROOT / "var" / "demo"
ENV_EXAMPLE = ROOT / ".env.example"
WORLD_SEED = 42
WORLD_DAYS = 30
DEMO_FINANCE_LIST = "finance@demo.example"
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Ports:
    """Where each service listens, always on 127.0.0.1; taken from the URLs the clients use."""

    stripe: int
    netsuite: int
    webapp: int
    airflow: int
    smtp: int

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Ports:
        return cls(
            stripe=_local_port(env, "STRIPE_API_BASE"),
            netsuite=_local_port(env, "NETSUITE_BASE_URL"),
            webapp=_local_port(env, "PAYMENT_LINK_BASE_URL"),
            airflow=_local_port(env, "AIRFLOW_API_URL"),
            smtp=int(env.get("DEMO_SMTP_PORT") or 8025),
        )

    def named(self) -> dict[str, int]:
        return {"Stripe sandbox": self.stripe, "NetSuite sandbox": self.netsuite,
                "payment pages": self.webapp, "Airflow": self.airflow, "SMTP mailbox": self.smtp}


def _local_port(env: dict[str, str], name: str) -> int:
    parts = urlsplit(env.get(name) or "")
    if parts.hostname not in ("127.0.0.1", "localhost") or parts.port is None:
        raise SystemExit(f"{name} must be http://127.0.0.1:<port>/... for the demo, not {env.get(name)!r}")
    return parts.port


def load_env_example() -> dict[str, str]:
    """Demo settings: .env.example's values, overridden by the caller's environment."""
    values: dict[str, str] = {}
    for raw in ENV_EXAMPLE.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip('"')
    return {**values, **{k: v for k, v in os.environ.items() if k in values}}


def sandbox_service(module: str, port: int, env: dict[str, str], state: Path, *extra: str) -> Service:
    data = state / module
    data.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", module, "serve", "--host", "127.0.0.1", "--port", str(port),
               "--data", str(data), *extra]
    return Service(module, command, f"http://127.0.0.1:{port}/_sandbox/stats", env)


def webapp_service(env: dict[str, str]) -> Service:
    """The payment pages under gunicorn, as in production, on PAYMENT_LINK_BASE_URL's port."""
    port = urlsplit(env["PAYMENT_LINK_BASE_URL"]).port or 8000
    # Workers, limits and logging (tokens redacted) live in webapp/gunicorn.conf.py, as in docker-compose.
    command = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "webapp" / "gunicorn.conf.py"),
               "--bind", f"127.0.0.1:{port}", "webapp:create_app()"]
    return Service("webapp", command, f"http://127.0.0.1:{port}/brand.css", env)


# ---- The Stripe world and its clock -------------------------------------------------------------------


def world_marker(state: Path) -> Path:
    return state / "stripe_sandbox" / "world.json"


def check_stripe_world(env: dict[str, str], state: Path) -> None:
    """A Stripe history without the marker of a finished seeding is half a world (the demo was stopped while
    seeding) or one from an older demo whose dates no longer fit: the pages' state DB and Airflow's cursors
    already saw it, so only a fresh state directory gives a consistent demo."""
    if world_marker(state).exists():
        return
    auth = {"Authorization": f"Bearer {env['STRIPE_API_KEY']}"}
    charges = requests.get(f"{env['STRIPE_API_BASE']}/v1/charges", params={"limit": 1}, headers=auth,
                           timeout=30)
    if charges.json()["data"]:
        raise SystemExit(f"{state} holds a Stripe world whose seeding did not finish (or one from an older "
                         f"demo); delete {state} and start the demo again for a fresh world")


def name_the_business(env: dict[str, str], state: Path) -> None:
    """The world's merchant name, set before the pages start: they read the account's business_profile once
    and keep it for ten minutes, so a name the seeder set later would leave our pages saying the sandbox's
    default ("Sandbox Company") while the hosted Checkout page says the world's."""
    if world_marker(state).exists():
        return  # the sandbox keeps its settings with its world
    from world_seeder.stripe_world import BUSINESS

    requests.post(f"{env['STRIPE_API_BASE']}/_sandbox/config", json=BUSINESS, timeout=30).raise_for_status()


def ensure_stripe_world(env: dict[str, str], state: Path, logs: Path) -> None:
    """Seed the world once, ending PAYOUT_DAYS before today: moving the sandbox clock on to now then pays
    the payouts of its last days (and it runs on in real time from there)."""
    marker = world_marker(state)
    if marker.exists():
        print(f"Stripe sandbox keeps its world ({marker.parent})", flush=True)
        return
    end = (datetime.now(UTC).date() - timedelta(days=PAYOUT_DAYS)).isoformat()
    print(f"seeding a {WORLD_DAYS}-day Stripe world ending {end} (payments, refunds, disputes, payouts)...",
          flush=True)
    command = [sys.executable, "-m", "world_seeder", "--stripe-url", env["STRIPE_API_BASE"],
               "--seed", str(WORLD_SEED), "--days", str(WORLD_DAYS), "--end", end]
    began = time.monotonic()
    summary = json.loads(run_step(command, ROOT, env, logs / "stripe-world.log"))
    counts = summary["counts"]
    print(f"  {counts.get('objects.charge', 0)} charges, {counts.get('objects.payout', 0)} payouts, "
          f"{counts.get('objects.event', 0)} events in {time.monotonic() - began:.0f}s", flush=True)
    marker.write_text(json.dumps({"seed": WORLD_SEED, "days": WORLD_DAYS, "end": end}) + "\n")


def world_start(state: Path) -> date:
    """The first day of the seeded world (its marker holds the last)."""
    end = date.fromisoformat(json.loads(world_marker(state).read_text())["end"])
    return end - timedelta(days=WORLD_DAYS - 1)


def day_marker(state: Path) -> Path:
    return state / "day.json"


def run_stripe_clock(env: dict[str, str]) -> None:
    """Bring the sandbox clock to this machine's time and let it run, as Stripe's runs: Checkout's
    `expires_at` and every `created` filter then mean the same on both sides."""
    base = env["STRIPE_API_BASE"]
    now = int(requests.get(f"{base}/_sandbox/clock", timeout=30).json()["now"])
    wall = int(time.time())
    if now > wall + 300:
        stamp = f"{datetime.fromtimestamp(now, UTC):%Y-%m-%d %H:%M} UTC"
        raise SystemExit(f"the Stripe sandbox's clock ({stamp}) is ahead of this machine's; delete its state "
                         "directory to seed a fresh world")
    if now < wall - 60:
        if wall - now > 86_400:  # the world ends days ago: its payouts of the days since are paid now
            days = (wall - now) / 86_400
            print(f"Stripe sandbox clock moving on {days:.1f} days to now: the world's last payouts are paid",
                  flush=True)
        STOPPER.wait_for(lambda: requests.post(f"{base}/_sandbox/clock/advance", json={"to": wall},
                                               timeout=3600).raise_for_status())
    requests.post(f"{base}/_sandbox/clock/run", timeout=30).raise_for_status()


# ---- Start-up, banner, stop ---------------------------------------------------------------------------


def payment_links(env: dict[str, str], logs: Path, state: Path) -> list[tuple[str, str]]:
    """Links for a few seeded customers and invoices (ids in sandbox/netsuite_sandbox/SEED.md) and the
    invoices the day issued (the world pays all Tanaka and Al Noor owed: only these are left to pay)."""
    day = json.loads(day_marker(state).read_text()) if day_marker(state).exists() else {}
    wanted = [
        ("customer 109 Umbrella Holdings (USD, GBP)", "--customer", "109"),
        ("customer 106 Tanaka Trading (JPY)", "--customer", "106"),
        ("customer 108 Al Noor Trading (KWD)", "--customer", "108"),
        ("invoice 1042 of Umbrella (USD)", "--invoice", "1042"),  # what is due: on the page
    ]
    for customer, label in (("106", "Tanaka (JPY)"), ("108", "Al Noor (KWD)")):
        if str(day.get(f"invoice {customer}", "")).isdigit():
            wanted.append((f"invoice {day[f'invoice {customer}']} of {label}", "--invoice",
                           day[f"invoice {customer}"]))
    return [(label, make_link(env, logs, flag, record_id)) for label, flag, record_id in wanted]


def day_deposit(state: Path) -> str:
    """What became of the day's payments: their paid payout and its NetSuite deposit (day.json)."""
    day = json.loads(day_marker(state).read_text()) if day_marker(state).exists() else {}
    payout, deposit = day.get("payout of the day"), day.get("deposit of the day's payout")
    if not payout:
        return "none: the day's payments were not paid out (see the demo's output)"
    listed = day.get("report of the day's deposit") or "the Finance view (netsuite_deposits runs)"
    return f"{deposit}\n                (Stripe payout {payout}); in {listed}"


def make_link(env: dict[str, str], logs: Path, flag: str, record_id: str) -> str:
    out = run_step([str(BIN / "flask"), "--app", "webapp", "links", "create", flag, record_id], ROOT, env,
                   logs / "links.log")
    return out.strip().splitlines()[-1]


def print_banner(env: dict[str, str], ports: Ports, state: Path, links: list[tuple[str, str]],
                 dags: list[dict[str, object]]) -> None:
    password = env["AIRFLOW_API_PASSWORD"]
    report = daily_report(Path(env["CONNECTOR_REPORTS_DIR"]))
    link_lines = "\n".join(f"  {label:<38} {url}" for label, url in links)
    dag_line = ", ".join(f"{d['dag_id']} ({'paused' if d.get('is_paused') else 'active'})" for d in dags)
    shown = state.relative_to(ROOT) if state.is_relative_to(ROOT) else state
    print(f"""
Payment pages   {env['PAYMENT_LINK_BASE_URL']}  (gunicorn); pay with card 4242 4242 4242 4242, any future
                expiry and CVC (declined: 4000 0000 0000 0002; 3-D Secure: 4000 0000 0000 3220):
{link_lines}
  more:         .venv/bin/flask --app webapp links create --customer <id> | --invoice <id>
Finance view    http://127.0.0.1:{ports.airflow}/finance/  (in Airflow: Finance; sign in as below)
Daily report    {report or 'not written (see the finance_reports run in Airflow)'}
Day's deposit   {day_deposit(state)}
Mailbox         {state / 'mail'}/  (SMTP 127.0.0.1:{ports.smtp}, every mail an .eml file; to
                {env['FINANCE_EMAIL_TO']}: {mailbox_summary(state / 'mail')})
Stripe sandbox  {env['STRIPE_API_BASE']}/v1  (key {env['STRIPE_API_KEY']}); clock, payouts, faults under
                {env['STRIPE_API_BASE']}/_sandbox/ ; its clock runs in real time; signed webhooks go to
                {urljoin(env['PAYMENT_LINK_BASE_URL'], '/webhooks/stripe')}
NetSuite sandbox {env['NETSUITE_BASE_URL']}  (TBA account {env.get('NETSUITE_ACCOUNT_ID')}, credentials
                in .env.example; seeded ids in sandbox/netsuite_sandbox/SEED.md)
  try:          set -a; . ./.env.example; set +a
                .venv/bin/python -m stripe_netsuite.netsuite suiteql "SELECT id, companyname FROM customer"
Airflow         http://127.0.0.1:{ports.airflow}  (user {env['AIRFLOW_API_USER']}, password {password})
  DAGs:         {dag_line or 'none parsed yet'}
  connections:  stripe_default, netsuite_default, smtp_default (Admin > Connections); pool netsuite_api
  CLI:          set -a; . {shown}/airflow/airflow.env; set +a; .venv/bin/airflow dags list

Ports, all on 127.0.0.1: {', '.join(f'{port} {name}' for name, port in ports.named().items())}.
State in {shown}/: connector.db (state DB), reports/ (run reports, finance/ reports, Data Docs), mail/,
  stripe_sandbox/ and netsuite_sandbox/ (sandbox data), airflow/ (metadata DB airflow.db, task logs), logs/
  (one log per service). Delete it for a fresh world and a new day.
Stop with Ctrl-C (or SIGTERM): everything stops.
""", flush=True)


def free_ports(ports: Ports) -> list[int]:
    """The ports still taken after a stop (the demo's own check that it left nothing behind)."""
    taken = []
    for port in ports.named().values():
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                taken.append(port)
    return taken


def start_and_wait(services: list[Service], group: list[Service], log_dir: Path) -> None:
    for service in group:
        services.append(service)
        start(service, ROOT, log_dir)
    for service in group:
        wait_healthy(service, log_dir)


def start_mailbox(state: Path, port: int) -> MailSink:
    """The demo's SMTP server on 127.0.0.1, keeping each mail as <state>/mail/<time>-<n>.eml. What aiosmtpd
    says (its logger `mail.log`: a client speaking something else than SMTP) goes to logs/mail.log."""
    server_log = logging.getLogger("mail.log")
    server_log.addHandler(logging.FileHandler(state / "logs" / "mail.log"))
    server_log.propagate = False
    try:
        return start_sink(state / "mail", port=port)
    except OSError as error:  # the port is taken (another demo?)
        raise SystemExit(f"the demo's SMTP mailbox cannot listen on 127.0.0.1:{port} ({error}); set "
                         "DEMO_SMTP_PORT to a free port") from None


def run(env: dict[str, str], state: Path, services: list[Service], sinks: list[MailSink]) -> int:
    ports = Ports.from_env(env)
    log_dir = state / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    sinks.append(start_mailbox(state, ports.smtp))
    # Migrate once, before the webapp's workers and Airflow's tasks open the state DB together.
    run_step([sys.executable, "-m", "stripe_netsuite.store", "upgrade"], ROOT, env, log_dir / "state-db.log")
    af_env = airflow_env(env, state, ports.airflow)
    print("preparing Airflow (metadata DB, pool netsuite_api, connections)...", flush=True)
    prepare_airflow(af_env, env, log_dir, smtp_port=ports.smtp)
    airflow = airflow_services(af_env, ports.airflow)
    print("starting the sandboxes and Airflow...", flush=True)
    start_and_wait(services, [
        sandbox_service("netsuite_sandbox", ports.netsuite, env, state, "--seed"),
        sandbox_service("stripe_sandbox", ports.stripe, env, state, "--api-key", env["STRIPE_API_KEY"],
                        "--webhook", urljoin(env["PAYMENT_LINK_BASE_URL"], "/webhooks/stripe"),
                        "--webhook-secret", env["STRIPE_WEBHOOK_SECRET"]),
        airflow["airflow-api-server"], airflow["airflow-dag-processor"], airflow["airflow-triggerer"],
    ], log_dir)
    check_stripe_world(env, state)
    name_the_business(env, state)
    start_and_wait(services, [webapp_service(env)], log_dir)
    ensure_stripe_world(env, state, log_dir)  # its webhooks reach the pages, which find Airflow up
    run_stripe_clock(env)
    api = AirflowApi(ports.airflow, env["AIRFLOW_API_USER"], env["AIRFLOW_API_PASSWORD"])
    day_ahead = not day_marker(state).exists()
    if day_ahead:  # the daily DAGs wait for the world to be in NetSuite (scripts/demo_day.py)
        hold_dags(api)
    print("starting Airflow's scheduler...", flush=True)
    start_and_wait(services, [airflow["airflow-scheduler"]], log_dir)
    wait_healthy(airflow["airflow-scheduler"], log_dir, ready=components_healthy)
    dags = activate_dags(api, keep_paused=HELD_DAGS if day_ahead else ())
    print("loading the Stripe world into NetSuite (stripe_sync, then netsuite_payments)...", flush=True)
    print(f"  {wait_for_ledger(api)}", flush=True)
    if day_ahead:
        began = time.monotonic()
        outcomes = run_day(env, api, world_start(state),
                           lambda flag, record: make_link(env, log_dir, flag, record))
        day_marker(state).write_text(json.dumps({o.label: o.result for o in outcomes}, indent=1) + "\n")
        print(f"the day took {time.monotonic() - began:.0f}s", flush=True)
        dags = activate_dags(api)  # as they are now: the held ones unpaused
    print_banner(env, ports, state, payment_links(env, log_dir, state), dags)
    while all(s.running for s in services):
        reap()
        STOPPER.sleep(1)
    stopped = ", ".join(s.name for s in services if not s.running)
    print(f"a demo service stopped ({stopped}); see {log_dir}/", file=sys.stderr, flush=True)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="demo.py", description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, default=DEMO_DIR, help="state and logs (default var/demo)")
    args = parser.parse_args(argv)
    state: Path = args.state_dir.resolve()
    env = load_env_example()
    state.mkdir(parents=True, exist_ok=True)
    if not env.get("CONNECTOR_DATABASE_URL"):
        env["CONNECTOR_DATABASE_URL"] = f"sqlite:///{state / 'connector.db'}"
    if not env.get("CONNECTOR_REPORTS_DIR"):  # beside the state: deleting var/demo/ deletes its reports
        env["CONNECTOR_REPORTS_DIR"] = str(state / "reports")
    # The finance mail goes to the demo's mailbox (smtp_default); links in it to the demo's Airflow.
    env["FINANCE_EMAIL_TO"] = env.get("FINANCE_EMAIL_TO") or DEMO_FINANCE_LIST
    env["FINANCE_AIRFLOW_URL"] = env.get("FINANCE_AIRFLOW_URL") or env["AIRFLOW_API_URL"].rstrip("/")
    STOPPER.install()
    become_subreaper()
    services: list[Service] = []
    sinks: list[MailSink] = []
    try:
        code = run(env, state, services, sinks)
    except Stop as stop:
        print(f"\n{stop}: stopping the demo...", flush=True)
        code = 0
    except SystemExit as failed:  # a service or a step failed to start; the message says where to look
        print(failed, file=sys.stderr, flush=True)
        code = 1
    except Exception as error:  # anything else: one line here, the traceback in the log, and still stop
        log = state / "logs" / "demo.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a") as sink:
            sink.write(traceback.format_exc())
        print(f"the demo failed: {type(error).__name__}: {error} (traceback in {log})", file=sys.stderr,
              flush=True)
        code = 1
    stop_all(services, STOPPER.hurry)
    for mailbox in sinks:
        mailbox.stop()
    taken = free_ports(Ports.from_env(env))
    if taken:
        print(f"ports still in use after the stop: {taken}", file=sys.stderr, flush=True)
        return 1
    print("the demo has stopped; every port is free", flush=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
