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
`.json`, which becomes the run's note, and the run's finance report (payouts against their deposits, HTML
with charts, CSV, XLSX, in the Finance view the note links to); blocked payouts are mailed to the finance
list (`FINANCE_EMAIL_TO`), each cause once, and a failed run too.

**Review mode** (`DEPOSIT_REVIEW=true`): `review.gate` builds each planned deposit without writing it; those
above their currency's `DEPOSIT_REVIEW_ABOVE` amount, or with an adjustment line, wait in
`review.approve_deposit` (Airflow's Required Actions: Approve / Reject, the request lists every line of the
deposit) and are written by `review.write_reviewed` once approved. A rejected deposit is not written and is
reported blocked (`rejected_in_review`); the next run asks again. Unanswered after 5 hours counts as a reject
(the run's timeout is 6 hours).

**Params**: `payout_ids` (just these payouts).
**CLI**: `python -m stripe_netsuite.sync deposits [--payout po_...]`.
**Connection**: `netsuite_default`; accounts from the `NETSUITE_*` account settings (README).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk import Asset, AssetOrTimeSchedule, CronTriggerTimetable, Param, TaskGroup, dag, task
from airflow.sdk.exceptions import AirflowFailException
from dag_common import dag_defaults

# The same URI as stripe_sync's outlet: an Asset is identified by its URI.
STRIPE_READY = Asset("stripe_netsuite://state/stripe_ready")
DAG_ID = "netsuite_deposits"  # the run report is filed under the DAG's own id (the library is given it)
# A review left unanswered this long counts as a reject, inside the run's 6 hours (max_active_runs=1 holds
# the next run back while one waits).
REVIEW_TIMEOUT = timedelta(hours=5)


@dag(
    dag_id=DAG_ID,
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 6 * * *", timezone="UTC"), assets=[STRIPE_READY]
    ),
    **dag_defaults(
        owner="finance",
        task_timeout=timedelta(hours=1),
        run_timeout=timedelta(hours=6),
        tags=["netsuite", "deposits", "reconciliation"],
    ),
    doc_md=__doc__,
    params={
        "payout_ids": Param(
            [], type="array", items={"type": "string", "pattern": "^po_[A-Za-z0-9]{1,250}$"},
            description="Just these payouts (po_...)",
        ),
    },
)
def netsuite_deposits() -> None:
    @task
    def migrate_state_db() -> None:
        from stripe_netsuite.store import migrate

        migrate()  # idempotent: a no-op when the schema is current

    @task
    def plan(dag_run: Any = None) -> list[str]:
        from stripe_netsuite.store import get_engine
        from stripe_netsuite.sync.deposit_load import payouts_to_process
        from stripe_netsuite.sync.deposit_load_run import payout_ids_from

        # The run's own conf (the trigger form writes params there too), never another run's params: a
        # dag.test(run_conf=...) leaves its conf in the DAG object's params for the next run in the process.
        conf = getattr(dag_run, "conf", None) or {}
        wanted = payout_ids_from(conf.get("payout_ids") or []) or None
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

    @task(pool="netsuite_api")
    def gate(planned: list[str]) -> list[dict[str, Any]]:
        """The planned payouts whose deposits wait for a person's approval (review mode), with the request."""
        from zoneinfo import ZoneInfo

        from stripe_netsuite.config import Settings

        settings = Settings.from_env()
        if not settings.review.enabled or not planned:
            return []
        from netsuite_hook import NetSuiteHook

        from stripe_netsuite.store import get_engine
        from stripe_netsuite.sync.deposit_load_review import review_requests

        accounts = settings.accounts
        wanted = review_requests(
            get_engine(), NetSuiteHook().client, accounts.deposit_settings(), settings.review, planned,
            zone=ZoneInfo(str(accounts.time_zone)),
        )  # fmt: skip
        return [r.as_dict() for r in wanted]

    @task
    def not_held(planned: list[str], held: list[dict[str, Any]]) -> list[str]:
        """The planned payouts written at once: all but those waiting for review."""
        waiting = {request["payout_id"] for request in held}
        return [payout_id for payout_id in planned if payout_id not in waiting]

    @task(trigger_rule="all_done")
    def report(planned: list[str], outcomes: Any, reviewed: Any, held: list[dict[str, Any]],
               run_id: str | None = None, ti: Any = None) -> str:  # fmt: skip
        from finance_mail import send_mail

        from stripe_netsuite.config import Settings
        from stripe_netsuite.notify import mail_blocked_payouts
        from stripe_netsuite.store import get_engine
        from stripe_netsuite.sync.deposit_load import PayoutOutcome
        from stripe_netsuite.sync.deposit_load_report import write_deposit_report
        from stripe_netsuite.sync.deposit_load_review import REJECTED, rejected_outcome
        from stripe_netsuite.sync.deposit_load_run import retry_outcome

        done = [PayoutOutcome(**item) for item in [*(outcomes or []), *(reviewed or [])] if item]
        for index, request in enumerate(held or []):
            answer = ti.xcom_pull(task_ids="review.approve_deposit", map_indexes=index) if ti else None
            if answer and list(answer.get("chosen_options") or []) != ["Approve"]:
                done.append(rejected_outcome(request, answer))
        seen = {o.payout_id for o in done}
        lost = [retry_outcome(p, RuntimeError("its task failed")) for p in planned if p not in seen]
        summary = write_deposit_report(get_engine(), DAG_ID, run_id or "manual", [*done, *lost],
                                       now=datetime.now(UTC))  # fmt: skip
        notify = Settings.from_env().notify
        mail_blocked_payouts(summary, lambda mail: send_mail(mail, notify), notify, DAG_ID)
        from dag_common import write_finance_run_report

        write_finance_run_report(DAG_ID, run_id or "manual")
        if lost:  # the run fails so the grid shows it; the payouts are retried next run
            raise AirflowFailException(summary["note"])
        rejected = sum(1 for o in done if o.code == REJECTED)
        return str(summary["note"]) + (f" Rejected in review: {rejected}." if rejected else "")

    planned = plan()
    migrate_state_db() >> planned
    with TaskGroup("review", tooltip="Review mode: deposits waiting for a person's approval"):
        held = gate(planned)
        approve = ApprovalOperator.partial(
            task_id="approve_deposit", response_timeout=REVIEW_TIMEOUT, defaults="Reject",
            map_index_template="{{ task.subject }}",
        ).expand_kwargs(held.map(lambda request: {"subject": request["subject"], "body": request["body"]}))
        # write_reviewed[i] waits for the answers; a Reject skips it (ApprovalOperator records its downstream
        # task of the same map index as skipped), so that deposit is not written.
        reviewed = deposit.override(task_id="write_reviewed").expand(
            payout_id=held.map(lambda request: request["payout_id"])
        )
        approve >> reviewed
    report(planned, deposit.expand(payout_id=not_held(planned, held)), reviewed, held)


netsuite_deposits_dag = netsuite_deposits()
