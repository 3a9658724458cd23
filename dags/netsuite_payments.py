"""
### netsuite_payments: Stripe payments, refunds and disputes -> NetSuite, exactly once

Starts when `stripe_sync` publishes the Asset `stripe_netsuite://state/stripe_ready` (rows became ready), or
when triggered with Stripe ids in its conf (`{"stripe_ids": ["ch_...", "re_...", "pi_..."]}`, or the webhook
handler's `{"stripe_event_id": "evt_..."}`, which names the event's object): the fast path
fetches just those objects from Stripe with the extraction code and validates them with the same Great
Expectations suites before loading them, without waiting for the next `stripe_sync`.

The run is one task, `load`, holding the pool `netsuite_api` from start to end (the fast path's fetching too):
it brings the state DB's schema up to date, fetches and validates what the conf names, and what webhooks
reported while the run waited in the queue (nothing on a scheduled run or a backfill: everything ready is
loaded), then writes to NetSuite. One task process per run keeps a webhook's payment seconds from the ledger.
It writes each ready charge as a customer payment (externalId = the charge id), each refund and lost dispute
as a credit memo + customer refund, each failed bank debit as an unapplication + customer refund; a refund
that failed later (`charge.refund.updated`) as its money coming back; every write is an upsert by external id,
so **re-runs and backfills are safe**. A record NetSuite refuses for good is marked failed with NetSuite's
message (fix it, then `python -m stripe_netsuite.sync replay <id>`); the task fails, and Airflow retries it,
only when something retryable is left. The run report (`<reports>/netsuite_payments/<run>.md`, `<reports>`:
`$CONNECTOR_REPORTS_DIR`) becomes the run's note: loaded, unchanged, failed with reasons, amounts per
currency. The run's finance report (HTML with charts, CSV, XLSX of what it loaded or failed, under
`<reports>/finance/<day>/netsuite_payments__<run>/`) is in the Finance view, which the note links to.

Records NetSuite refuses for good are mailed to the finance list (`FINANCE_EMAIL_TO`), each message once,
and a failed run too.

**Params** (checked by their schemas when a run is triggered): `stripe_ids` (the fast path), `since` and
`until` (a backfill: only objects created in those UTC dates, YYYY-MM-DD, both ends included; `since` not in
the future and not after `until`).
**Connections**: `stripe_default`, `netsuite_default`; ledger accounts from the `NETSUITE_*` account settings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from airflow.sdk import Asset, Param, dag, task
from airflow.sdk.exceptions import AirflowFailException
from dag_common import dag_defaults

from stripe_netsuite.config import netsuite_concurrency_limit

# The same URI as stripe_sync's outlet: an Asset is identified by its URI.
STRIPE_READY = Asset("stripe_netsuite://state/stripe_ready")
DAG_ID = "netsuite_payments"  # the run report is filed under the DAG's own id (the library is given it)
# The loading task holds as many slots of the pool `netsuite_api` as the account's NetSuite concurrency limit
# (NETSUITE_CONCURRENCY_LIMIT, the pool's size too, see README) and runs as many concurrent writes.
LOAD_SLOTS = netsuite_concurrency_limit()


@dag(
    dag_id=DAG_ID,
    schedule=[STRIPE_READY],
    **dag_defaults(
        owner="finance",
        task_timeout=timedelta(hours=1),
        run_timeout=timedelta(hours=6),
        tags=["netsuite", "ledger", "load"],
    ),
    doc_md=__doc__,
    params={
        "stripe_ids": Param(
            [],
            type="array",
            # The characters of a Stripe id; which prefixes are loadable is load_run.stripe_ids_from's rule.
            items={"type": "string", "pattern": "^[A-Za-z0-9_]{3,255}$"},
            description="Fast path: load just these Stripe objects (fetched and validated)",
        ),
        "since": Param(
            None,
            type=["null", "string"],
            format="date",
            description="Only Stripe objects created on or after this date (UTC)",
        ),
        "until": Param(
            None,
            type=["null", "string"],
            format="date",
            description="Only Stripe objects created on or before this date (UTC); with since, a backfill",
        ),
    },
)
def netsuite_payments() -> None:
    # One task, so a webhook's run pays for one task process and one scheduling round, not three (each
    # task is a process of its own that imports Airflow, SQLAlchemy, stripe and pandas anew; three of them
    # made a run 11-15 s, and a payment waits for up to two runs: bench/BENCHMARKS.md, webhook latency).
    # Fetching holds the pool too: the fast path never goes around it.
    @task(pool="netsuite_api", pool_slots=LOAD_SLOTS, execution_timeout=timedelta(hours=4))
    def load(dag_run: Any = None, run_id: str | None = None) -> dict[str, Any]:
        from dag_common import write_finance_run_report
        from netsuite_hook import NetSuiteHook
        from stripe_hook import StripeHook

        from stripe_netsuite.config import Settings
        from stripe_netsuite.store import get_engine, migrate
        from stripe_netsuite.sync.load_run import created_window, requested_ids, run_load

        # The run's own conf (the trigger form writes params there too), never another run's params.
        conf = getattr(dag_run, "conf", None) or {}
        days = [date.fromisoformat(conf[key]) if conf.get(key) else None for key in ("since", "until")]
        try:  # what a schema cannot say: until >= since, since not in the future
            since, until = created_window(days[0], days[1], today=datetime.now(UTC).date())
        except ValueError as error:
            raise AirflowFailException(str(error)) from None
        migrate()  # idempotent: a no-op when the state DB's schema is current
        engine, stripe_client, run = get_engine(), StripeHook().client, run_id or "manual"
        stripe_ids = requested_ids(
            stripe_client, engine, conf.get("stripe_ids") or [], conf.get("stripe_event_id"),
            run_id=run, now=datetime.now(UTC), reported_for=DAG_ID,  # the webapp's load requests' target
        )  # fmt: skip
        summary = run_load(
            engine, NetSuiteHook().client, stripe_client,
            Settings.from_env().accounts.ledger_settings(), dag_id=DAG_ID, run_id=run, now=datetime.now(UTC),
            since=since, until=until, stripe_ids=stripe_ids, workers=LOAD_SLOTS,
        )  # fmt: skip
        from finance_mail import send_mail

        from stripe_netsuite.notify import mail_failed_records

        notify = Settings.from_env().notify
        mail_failed_records(summary, lambda mail: send_mail(mail, notify), notify, DAG_ID)
        write_finance_run_report(DAG_ID, run)
        return {key: summary[key] for key in ("loaded", "unchanged", "failed", "blocked", "note")}

    load()


netsuite_payments_dag = netsuite_payments()
