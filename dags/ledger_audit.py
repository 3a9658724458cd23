"""
### ledger_audit: daily proof that NetSuite and Stripe agree, or the list of where they do not

Reads the period **from Stripe and NetSuite themselves** (never from the connector's sync records: those say
what the connector wrote, not what NetSuite holds after someone edited it) and checks that:
- every succeeded charge is exactly one customer payment of its gross amount and currency, on the customer
  the connector's rule picks (metadata.netsuite_customer_id on the charge, its PaymentIntent, its Stripe
  customer, else the catch-all customer);
- every refund Stripe took, and every dispute whose funds were withdrawn (lost, or won later), is a customer
  refund of its amount on its payment's customer;
- every paid automatic payout is exactly one deposit of its total, dated its arrival day;
- nothing in NetSuite under a Stripe external id (`ch_`, `py_`, `re_`, `dp_`, `po_`, `cm-`, `fail-`, `rf-`,
  `rev-`) names an object Stripe does not know, and no copy of a record without its external id.

Each disagreement is listed with both sides and what to do in `<reports>/ledger_audit/<run>.md` and `.json`,
and the run's note gives the verdict. **Asset** `ledger_audit` (`stripe_netsuite://netsuite/ledger_audit`):
updated whenever an audit completes, in agreement or not; its event's extra holds the verdict
(`{"verdict": "in agreement" | "disagreement", "from", "to", "disagreements", "by_code", "report"}`), so a
consumer decides what a disagreement means for it. A run that finds a disagreement then fails (`verdict`),
so the grid shows red; an audit that could not complete (Stripe or NetSuite unreachable past the retries)
emits nothing.

**Params**: `from` and `to` (dates, both or neither; at most 92 days; `to` not in the future). Neither: the
daily period, the 7 days before the run's day in the NetSuite account's time zone (`NETSUITE_TIME_ZONE`).
**CLI**: `python -m stripe_netsuite.audit --from D --to D`;
`--requeue ID...` (the report's remedy for a record deleted or edited by hand: the loaders write it again).
**Connections**: `stripe_default`, `netsuite_default`; the ledger's `NETSUITE_*` account settings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from airflow.sdk import Asset, CronTriggerTimetable, Param, dag, task
from airflow.sdk.exceptions import AirflowFailException
from dag_common import dag_defaults

LEDGER_AUDIT = Asset(name="ledger_audit", uri="stripe_netsuite://netsuite/ledger_audit")
DATE = {"type": ["null", "string"], "format": "date"}


@dag(
    dag_id="ledger_audit",
    # After netsuite_deposits' daily run (06:00 UTC), so yesterday's paid payouts have had their chance.
    schedule=CronTriggerTimetable("0 7 * * *", timezone="UTC"),
    # `audit` may take longer than the small tasks (its own timeout); a disagreement fails the run, and the
    # failure notifier mails finance.
    **dag_defaults(
        owner="finance",
        task_timeout=timedelta(minutes=30),
        run_timeout=timedelta(hours=3),
        tags=["audit", "reconciliation", "netsuite", "stripe"],
    ),
    doc_md=__doc__,
    params={
        "from": Param(None, **DATE, description="First day audited (YYYY-MM-DD); empty = the daily period"),
        "to": Param(None, **DATE, description="Last day audited, included (at most 92 days after from)"),
    },
)
def ledger_audit() -> None:
    @task
    def migrate_state_db() -> None:
        from stripe_netsuite.store import migrate

        migrate()  # idempotent: a no-op when the schema is current

    @task
    def period(dag_run: Any = None) -> dict[str, str]:
        from stripe_netsuite.audit import PeriodError, parse_period, today_in
        from stripe_netsuite.config import Settings

        # The run's own conf (the trigger form writes params there too), never another run's params: a
        # dag.test(run_conf=...) leaves its conf in the DAG object's params for the next run in the process.
        chosen = getattr(dag_run, "conf", None) or {}
        zone = Settings.from_env().accounts.ledger_settings().zone  # the days are the NetSuite account's
        day = today_in(getattr(dag_run, "run_after", None) or datetime.now(UTC), zone)
        try:
            audited = parse_period(chosen.get("from"), chosen.get("to"), today=day)
        except PeriodError as error:  # no retry can fix a bad range
            raise AirflowFailException(f"ledger_audit params: {error}") from None
        return {"from": audited.start.isoformat(), "to": audited.end.isoformat()}

    @task(pool="netsuite_api", execution_timeout=timedelta(hours=2), outlets=[LEDGER_AUDIT])
    def audit(
        days: dict[str, str], run_id: str | None = None, outlet_events: Any = None
    ) -> dict[str, Any]:
        from netsuite_hook import NetSuiteHook
        from stripe_hook import StripeHook

        from stripe_netsuite.audit import AuditPeriod
        from stripe_netsuite.audit.report import write_audit_report
        from stripe_netsuite.audit.run import run_audit
        from stripe_netsuite.config import Settings
        from stripe_netsuite.store import get_engine

        now = datetime.now(UTC)
        stripe_hook = StripeHook()
        result = run_audit(
            NetSuiteHook().client, stripe_hook.client, Settings.from_env().accounts.ledger_settings(),
            AuditPeriod(date.fromisoformat(days["from"]), date.fromisoformat(days["to"])),
            accounts=stripe_hook.settings.accounts,
        )  # fmt: skip
        summary = write_audit_report(get_engine(), "ledger_audit", run_id or "manual", result, now=now)
        extra = {"verdict": summary["verdict"], "disagreements": summary["disagreement_count"],
                 "by_code": summary["by_code"], "report": summary["path"], **days}  # fmt: skip
        if outlet_events is not None:
            outlet_events[LEDGER_AUDIT].extra = extra
        return {**extra, "note": summary["note"]}

    @task
    def verdict(result: dict[str, Any]) -> str:
        from stripe_netsuite.audit import AGREEMENT

        if result["verdict"] != AGREEMENT:  # the audit completed (the Asset is updated); people must look
            raise AirflowFailException(result["note"])
        return str(result["note"])

    days = period()
    migrate_state_db() >> days
    verdict(audit(days))


ledger_audit_dag = ledger_audit()
