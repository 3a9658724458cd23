"""
### netsuite_deposits: one NetSuite bank deposit per Stripe payout, equal to it to the cent, or why not

Starts when `stripe_sync` publishes the Asset `stripe_netsuite://state/stripe_ready` (it itemises each newly
paid payout's balance transactions first) and daily at 06:00 UTC, so blocked payouts are retried even on a
quiet day. `plan` lists the payouts that need work; `deposit` (pool `netsuite_api`) runs once per payout (the
grid labels each with its payout id) and writes the payout's deposit into the bank account of its currency,
dated its arrival day: its customer payments, fees, refunds and disputes as lines whose total is checked
against the payout amount before anything is sent. One request creates or replaces the whole deposit, by the
payout id as external id, so **re-runs change nothing** and NetSuite never holds part of a deposit.

A deposit that cannot be written exactly is not written: the payout is recorded as blocked with a code
(`missing_payment`, `already_deposited`, `undep_funds_account_mismatch`, `unequal_amounts`,
`duplicate_netsuite_record_in_payout`, `payout_currency_account_missing`, `customer_currency_missing`, ...),
the balance transaction that causes it and what to do, and is built again on every run until its cause is
fixed. A payout that failed after its deposit was written gets a journal entry moving its amount back to the
clearing account; manual and debit payouts (which Stripe cannot itemise, or which take money from the bank)
are reported with what to record by hand. `report` writes `<reports>/netsuite_deposits/<run>.md` and
`.json`, which becomes the run's note.

**Params**: `payout_ids` (just these payouts).
**CLI**: `python -m stripe_netsuite.sync deposits [--payout po_...]`.
**Connection**: `netsuite_default`; accounts from the `NETSUITE_*` account settings (README).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import Asset, AssetOrTimeSchedule, CronTriggerTimetable, Param, dag, task
from airflow.sdk.exceptions import AirflowFailException

from stripe_netsuite import retries

# The same URI as stripe_sync's outlet: an Asset is identified by its URI.
STRIPE_READY = Asset("stripe_netsuite://state/stripe_ready")
DAG_ID = "netsuite_deposits"  # the run report is filed under the DAG's own id (the library is given it)


@dag(
    dag_id=DAG_ID,
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 6 * * *", timezone="UTC"), assets=[STRIPE_READY]
    ),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=retries.AIRFLOW_TASK.default_args(),  # the task layer of the retry policy (README)
    dagrun_timeout=timedelta(hours=6),
    tags=["netsuite", "deposits", "reconciliation"],
    doc_md=__doc__,
    params={
        "payout_ids": Param(
            [], type="array", items={"type": "string"}, description="Just these payouts (po_...)"
        ),
    },
)
def netsuite_deposits() -> None:
    @task
    def migrate_state_db() -> None:
        from stripe_netsuite.store import migrate

        migrate()  # idempotent: a no-op when the schema is current

    @task
    def plan(params: dict[str, Any] | None = None) -> list[str]:
        from stripe_netsuite.store import get_engine
        from stripe_netsuite.sync.deposit_load import payouts_to_process
        from stripe_netsuite.sync.deposit_load_run import payout_ids_from

        wanted = payout_ids_from((params or {}).get("payout_ids") or []) or None
        return payouts_to_process(get_engine(), wanted)

    @task(
        pool="netsuite_api",
        execution_timeout=timedelta(minutes=30),
        map_index_template="{{ task.op_kwargs['payout_id'] }}",  # "po_...", not "0", in the grid
    )
    def deposit(payout_id: str, run_id: str | None = None) -> dict[str, Any]:
        from zoneinfo import ZoneInfo

        from netsuite_hook import NetSuiteHook

        from stripe_netsuite.config import Settings
        from stripe_netsuite.store import get_engine
        from stripe_netsuite.sync.deposit_load import process_payout

        accounts = Settings.from_env().accounts
        outcome = process_payout(
            get_engine(), NetSuiteHook().client, accounts.deposit_settings(), payout_id,
            run_id=run_id or "manual", zone=ZoneInfo(str(accounts.time_zone)),
        )  # fmt: skip
        return outcome.as_dict()  # a NetSuite error past the client's retries raises: Airflow retries

    @task(trigger_rule="all_done")
    def report(planned: list[str], outcomes: Any, run_id: str | None = None) -> str:
        from stripe_netsuite.store import get_engine
        from stripe_netsuite.sync.deposit_load import PayoutOutcome
        from stripe_netsuite.sync.deposit_load_report import write_deposit_report
        from stripe_netsuite.sync.deposit_load_run import retry_outcome

        done = [PayoutOutcome(**item) for item in outcomes or [] if item]
        seen = {o.payout_id for o in done}
        lost = [retry_outcome(p, RuntimeError("its task failed")) for p in planned if p not in seen]
        summary = write_deposit_report(get_engine(), DAG_ID, run_id or "manual", [*done, *lost],
                                       now=datetime.now(UTC))  # fmt: skip
        if lost:  # the run fails so the grid shows it; the payouts are retried next run
            raise AirflowFailException(summary["note"])
        return str(summary["note"])

    planned = plan()
    migrate_state_db() >> planned
    report(planned, deposit.expand(payout_id=planned))


netsuite_deposits_dag = netsuite_deposits()
