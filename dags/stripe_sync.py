"""
### stripe_sync: Stripe -> state DB, validated

Every 15 minutes, for each Stripe resource (one mapped `extract` task each): new objects by `created` windows
(10-minute overlap, pages of 100), then changes from `/v1/events`, each changed object re-fetched in full;
the grid labels each mapped `extract` with its resource. `itemise_payouts` then lists the balance
transactions of each newly paid automatic payout (after both are extracted, so counts are exact).
`validate` runs the Great Expectations suites on every pending row: good rows become `ready`, bad rows are
quarantined with a reason. `publish_ready` updates the Asset `stripe_netsuite://state/stripe_ready` (which
starts `netsuite_payments`) only when rows became ready. `write_report` writes
`<reports>/stripe_sync/<run>.md` and `.json` (`<reports>`: `$CONNECTOR_REPORTS_DIR`, default `reports/` beside
a SQLite state DB); its summary becomes the run's note. Data Docs: `<reports>/data_docs/<run>/index.html`.
A run that quarantined rows also writes its finance report (`<reports>/finance/<day>/stripe_sync__<run>/`,
the quarantined objects and the expectation each failed), in the Finance view the note links to.

Tasks are grouped in the graph: `extraction` (`plan_resources`, `extract`, `itemise_payouts`) and
`validation` (`validate`, `publish_ready`). A failed run is mailed to the finance list (`FINANCE_EMAIL_TO`).

**Params** (checked by their schemas when a run is triggered): `full_rescan` (true/false: re-list everything
and restart the events cursor; needed when a run fails saying the events cursor is older than 29 days),
`resources` (a non-empty subset of the Stripe resources, each once).
**Connection**: `stripe_default` (type Stripe: secret key; extras api_base, connected_account_ids,
rate_budget). **Re-runs are safe**: rows are upserts keyed by Stripe id, cursors move only after complete
windows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import Asset, Param, TaskGroup, dag, task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException
from dag_common import dag_defaults

from stripe_netsuite.stripe_api.resources import RESOURCES

STRIPE_READY = Asset("stripe_netsuite://state/stripe_ready")
# Extraction tasks of one run that may call Stripe at once; each takes this share of the rate budget.
EXTRACT_PARALLELISM = 4


def _conf(dag_run: Any) -> dict[str, Any]:
    """The run's own conf (the trigger form writes params there too), never another run's params: a
    dag.test(run_conf=...) leaves its conf in the DAG object's params for the next run in the process, and a
    scheduled run has an empty conf (the params' defaults: every resource, no re-scan)."""
    conf = getattr(dag_run, "conf", None)
    return conf if isinstance(conf, dict) else {}


@dag(
    dag_id="stripe_sync",
    schedule=timedelta(minutes=15),
    **dag_defaults(
        owner="data-engineering",
        task_timeout=timedelta(hours=1),
        run_timeout=timedelta(hours=6),
        tags=["stripe", "extract", "validation"],
    ),
    doc_md=__doc__,
    params={
        "full_rescan": Param(
            False, type="boolean", description="Re-list every object and restart the events cursor"
        ),
        "resources": Param(
            list(RESOURCES),
            type="array",
            items={"type": "string", "enum": list(RESOURCES)},
            minItems=1,
            uniqueItems=True,
            description="Stripe resources to extract",
        ),
    },
)
def stripe_sync() -> None:
    @task
    def migrate_state_db() -> None:
        from stripe_netsuite.store import migrate

        migrate()  # idempotent: a no-op when the schema is current

    @task
    def plan_resources(dag_run: Any = None) -> list[str]:
        wanted = set(_conf(dag_run).get("resources") or RESOURCES)
        return [name for name in RESOURCES if name in wanted]

    @task(
        max_active_tis_per_dagrun=EXTRACT_PARALLELISM,
        execution_timeout=timedelta(hours=2),
        map_index_template="{{ task.op_kwargs['resource'] }}",  # "charges", not "0", in the grid
    )
    def extract(resource: str, dag_run: Any = None, run_id: str | None = None) -> dict[str, Any]:
        from stripe_hook import StripeHook

        from stripe_netsuite.store import get_engine
        from stripe_netsuite.stripe_api import StaleEventsCursorError, extract_resource

        full = bool(_conf(dag_run).get("full_rescan"))
        settings, now = StripeHook().settings, datetime.now(UTC)
        try:
            return extract_resource(
                settings, resource, get_engine(), now=now, full_rescan=full, run_id=run_id,
                parallel_tasks=EXTRACT_PARALLELISM,
            )  # fmt: skip
        except StaleEventsCursorError as error:  # retrying cannot help: a person must choose a re-scan
            raise AirflowFailException(str(error)) from error

    @task(execution_timeout=timedelta(hours=1))
    def itemise_payouts(run_id: str | None = None) -> dict[str, Any]:
        from stripe_hook import StripeHook

        from stripe_netsuite.store import get_engine
        from stripe_netsuite.stripe_api import itemise_paid_payouts

        return itemise_paid_payouts(StripeHook().settings, get_engine(), run_id=run_id)

    @task
    def validate(run_id: str | None = None) -> dict[str, Any]:
        from stripe_netsuite.store import get_engine
        from stripe_netsuite.validation import docs_dir_for, validate_pending

        run = run_id or "manual"
        return validate_pending(get_engine(), run, now=datetime.now(UTC), docs_dir=docs_dir_for(run))

    @task(outlets=[STRIPE_READY])
    def publish_ready(validation: dict[str, Any], outlet_events: Any = None) -> int:
        # A skipped task emits no asset event, so netsuite_payments starts only when rows became ready.
        if not validation["ready"]:
            raise AirflowSkipException("no Stripe rows became ready in this run")
        outlet_events[STRIPE_READY].extra = {"ready": validation["ready"], "run_id": validation["run_id"]}
        return int(validation["ready"])

    @task
    def write_report(
        extracts: list[dict[str, Any]],
        itemised: dict[str, Any],
        validation: dict[str, Any],
        run_id: str | None = None,
    ) -> str:
        from stripe_netsuite.store import get_engine
        from stripe_netsuite.validation.report import write_run_report

        run, now = run_id or "manual", datetime.now(UTC)
        results = [extracts[index] for index in range(len(extracts))]  # list() would probe past the end
        results.append(itemised)
        summary = write_run_report(get_engine(), "stripe_sync", run, results, validation, now=now)
        if validation["quarantined"]:
            # Finance's part of a sync run is what it held back: only then its finance report (a run every
            # 15 minutes; the daily report lists every unresolved quarantine entry whatever its date).
            from dag_common import write_finance_run_report

            write_finance_run_report("stripe_sync", run)
        return str(summary["note"])

    # Groups for the graph; task ids stay unprefixed (the grid, the tests and the docs name them so).
    with TaskGroup("extraction", prefix_group_id=False, tooltip="Stripe -> state DB, one task per resource"):
        extracted = extract.expand(resource=plan_resources())
        itemised = itemise_payouts()
    with TaskGroup("validation", prefix_group_id=False, tooltip="Great Expectations; publish what is ready"):
        validated = validate()
        publish_ready(validated)
    migrate_state_db() >> extracted >> itemised >> validated
    write_report(extracted, itemised, validated)


stripe_sync_dag = stripe_sync()
