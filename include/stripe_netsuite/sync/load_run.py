"""The ledger's entry points, shared by the netsuite_payments DAG and the operator CLI (no Airflow here).

- `requested_ids`: what a run's conf asks for (ids, or a webhook's event), with what webhooks reported since
  (`claim_reported`), fetched by `fetch_requested`.
- `fetch_requested`: the fast path: just these Stripe objects (and what their loading needs) fetched with
  the extraction code and validated with the same Great Expectations suites as stripe_sync.
- `run_load`: load, write the run report, and raise `LoadRetryError` when something retryable is left.
- `replay`: make failed records of a Stripe id loadable again, then load just it.
- `sync_status`: the sync records of one Stripe id, or counts by status.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import stripe
from sqlalchemy import Engine, func, select, update

from stripe_netsuite.netsuite import NetSuiteClient
from stripe_netsuite.store.engine import session_scope
from stripe_netsuite.store.load_requests import LoadRequest, mark_requested, pending_loads
from stripe_netsuite.store.pipeline import SyncRecord
from stripe_netsuite.store.stripe_objects import STRIPE_MODELS
from stripe_netsuite.stripe_api.api import StripeApi
from stripe_netsuite.stripe_api.resources import RESOURCES
from stripe_netsuite.stripe_api.upsert import store_page
from stripe_netsuite.sync.load import LoadResult, load_payments
from stripe_netsuite.sync.load_report import write_load_report
from stripe_netsuite.sync.settings import LedgerSettings
from stripe_netsuite.sync.stripe_facts import id_of

__all__ = [
    "LoadRetryError",
    "claim_reported",
    "created_window",
    "fetch_requested",
    "ids_from_event",
    "replay",
    "requested_ids",
    "run_load",
    "stripe_ids_from",
    "sync_status",
]

# Stripe id prefix -> the resource it is fetched from.
_RESOURCE_OF = {
    "ch_": "charges",
    "py_": "charges",
    "re_": "refunds",
    "pyr_": "refunds",
    "dp_": "disputes",
    "du_": "disputes",
    "pi_": "payment_intents",
    "cus_": "customers",
    "txn_": "balance_transactions",
}
_PAYMENT_ID = "pi_"
# Webhook-reported objects a fast-path run takes on top of its conf; fetching each is a Stripe request or two.
CLAIM_LIMIT = 5000


class LoadRetryError(RuntimeError):
    """Records are left for a retry (NetSuite or Stripe failed past the client's retries); the run fails."""


def stripe_ids_from(values: Iterable[Any]) -> list[str]:
    """Stripe ids a trigger's conf names, checked (letters, digits, `_`, a known prefix)."""
    ids: list[str] = []
    for value in values:
        text = str(value)
        if not text.replace("_", "").isalnum() or not any(text.startswith(p) for p in _RESOURCE_OF):
            raise ValueError(f"not a Stripe charge, refund, dispute or PaymentIntent id: {text[:60]!r}")
        ids.append(text)
    return list(dict.fromkeys(ids))


def ids_from_event(client: stripe.StripeClient, event_id: str) -> list[str]:
    """The Stripe object a webhook's event is about (a Checkout Session stands for its PaymentIntent)."""
    if not event_id.startswith("evt_") or not event_id.replace("_", "").isalnum():
        raise ValueError(f"not a Stripe event id: {event_id[:60]!r}")
    event = StripeApi(client).retrieve(f"/v1/events/{event_id}")
    obj = (event.get("data") or {}).get("object") or {}
    found = id_of(obj.get("payment_intent")) if obj.get("object") == "checkout.session" else id_of(obj)
    return stripe_ids_from([found]) if found and any(found.startswith(p) for p in _RESOURCE_OF) else []


def requested_ids(
    client: stripe.StripeClient,
    engine: Engine,
    stripe_ids: Iterable[Any],
    event_id: Any,
    *,
    run_id: str,
    now: datetime,
    reported_for: str | None = None,
) -> list[str] | None:
    """The fast path of a run asked for these ids and/or the object of this event: fetched, validated, and
    the ids to load. None when nothing was asked for (a scheduled run or a backfill: everything ready).

    With `reported_for` (the load requests' target, see `claim_reported`), a fast-path run also takes what
    webhooks reported for it since it was asked for. ValueError for an id that is not a Stripe one."""
    ids = stripe_ids_from(stripe_ids)
    if event_id:  # what the webhook handler sent before it recorded ids itself, and manual use
        ids += ids_from_event(client, str(event_id))
    if not ids and not event_id:
        return None
    if reported_for is not None:
        ids += stripe_ids_from(claim_reported(engine, reported_for, run_id, now))
    return fetch_requested(client, engine, list(dict.fromkeys(ids)), run_id=run_id, now=now)


def claim_reported(engine: Engine, target: str, run_id: str, now: datetime) -> list[str]:
    """The webhook-reported objects of `target` this run loads: those no run was asked for yet, taken now
    (marked asked for by this run, so the webapp's dispatcher asks no follow-up run for them), and those
    already given to this run (its conf, or an earlier try's claim).

    A payment reported while this run waited in the queue is loaded by it instead of by a run queued behind
    it: one run length sooner. The dispatcher may have read the same ids a moment before and ask one more
    run for them; it finds them unchanged (every write is an upsert by external id)."""
    mark_requested(engine, target, pending_loads(engine, target, CLAIM_LIMIT), run_id, now)
    with session_scope(engine) as session:
        mine = select(LoadRequest.stripe_id).where(LoadRequest.target == target, LoadRequest.run_id == run_id)
        return list(session.scalars(mine.order_by(LoadRequest.requested_at, LoadRequest.stripe_id)))


def _resource(stripe_id: str) -> str:
    return next(name for prefix, name in _RESOURCE_OF.items() if stripe_id.startswith(prefix))


def _store(engine: Engine, api: StripeApi, obj: dict[str, Any], resource: str) -> None:
    with session_scope(engine) as session:
        store_page(session, RESOURCES[resource].model, [obj], api.account)


# What the fast path validates: every pending row but payouts. A payout's check compares it with its itemised
# transactions, which stripe_sync lists (itemise_payouts) after extracting it: a webhook run between the two
# would quarantine a newly paid payout for good, and its deposit would never be written.
FAST_PATH_VALIDATED = [name for name in STRIPE_MODELS if name != "payout"]


def fetch_requested(
    client: stripe.StripeClient, engine: Engine, stripe_ids: Sequence[str], *, run_id: str, now: datetime
) -> list[str]:
    """Fetch these objects (a PaymentIntent stands for its latest charge) and what loading them needs.

    A charge brings its refunds and disputes (and a refund its balance transactions: its own, and the one
    that returned its money when it failed later); a refund or dispute brings its charge.

    Stored as stripe_sync stores them, then validated with the same suites; returns the ids to load. Without
    Data Docs: a webhook's few objects would build a site per run, seconds of the fast path's budget
    (stripe_sync's runs build them; a quarantined row's reason is in the quarantine table either way).
    """
    # Great Expectations takes seconds to import (most of a webhook run): import it while Stripe answers.
    validation = _Import("stripe_netsuite.validation.run")
    api = StripeApi(client)
    to_load: list[str] = []
    seen: set[str] = set()

    def fetch(stripe_id: str) -> dict[str, Any]:
        resource = _resource(stripe_id)
        obj = api.retrieve(RESOURCES[resource].item_path(stripe_id))
        if stripe_id not in seen:
            seen.add(stripe_id)
            _store(engine, api, obj, resource)
        return obj

    for stripe_id in stripe_ids:
        obj = fetch(stripe_id)
        if stripe_id.startswith(_PAYMENT_ID):
            charge_id = id_of(obj.get("latest_charge"))
            if charge_id is None:
                continue  # not paid (yet): nothing for the ledger
            obj = fetch(charge_id)
        if obj.get("object") in ("refund", "dispute"):
            charge_id = id_of(obj.get("charge"))
            obj = fetch(charge_id) if charge_id else obj
        to_load.append(str(obj["id"]))
        for field in ("payment_intent", "customer", "balance_transaction"):
            related = id_of(obj.get(field))
            if related is not None and related not in seen:
                fetch(related)
        for resource in ("refunds", "disputes"):  # a charge.refunded webhook names the charge only
            for page in api.list_pages(RESOURCES[resource].path, {"charge": obj["id"]}):
                with session_scope(engine) as session:
                    store_page(session, RESOURCES[resource].model, page, api.account)
                for reversal in page:  # a refund's rate and date, and the money of one that failed later
                    for field in ("balance_transaction", "failure_balance_transaction"):
                        related = id_of(reversal.get(field))
                        if related is not None and related not in seen:
                            fetch(related)
        if stripe_id != obj["id"]:
            to_load.append(stripe_id)
    validation.module().validate_pending(engine, run_id, now=now, object_types=FAST_PATH_VALIDATED)
    return list(dict.fromkeys(i for i in to_load if not i.startswith(_PAYMENT_ID)))


class _Import:
    """A module imported on a thread of its own from now on; `module()` waits for it (or raises its error)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=f"import-{name}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            importlib.import_module(self.name)
        except BaseException as error:  # handed to the caller of module()
            self.error = error

    def module(self) -> Any:
        self.thread.join()
        if self.error is not None:
            raise self.error
        return importlib.import_module(self.name)


def created_window(
    since: date | None, until: date | None, *, today: date
) -> tuple[datetime | None, datetime | None]:
    """A backfill's UTC dates as [start, end) creation times: `since` from its midnight, `until` through its
    end. ValueError when the range is backwards or starts in the future (nothing was created there)."""
    if since is not None and until is not None and until < since:
        raise ValueError(f"until {until} is before since {since}")
    if since is not None and since > today:
        raise ValueError(f"since {since} is in the future: nothing was created after it")
    start = datetime.combine(since, time(), tzinfo=UTC) if since else None
    end = datetime.combine(until + timedelta(days=1), time(), tzinfo=UTC) if until else None
    return start, end


def run_load(
    engine: Engine,
    netsuite: NetSuiteClient,
    stripe_client: stripe.StripeClient | None,
    settings: LedgerSettings,
    *,
    dag_id: str,
    run_id: str,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    stripe_ids: list[str] | None = None,
    workers: int | None = None,
) -> dict[str, Any]:
    """Load, write the report (filed under the caller's `dag_id`); LoadRetryError (after the report) when
    something retryable is left."""
    result: LoadResult = load_payments(
        engine,
        netsuite,
        stripe_client,
        settings,
        run_id=run_id,
        since=since,
        until=until,
        stripe_ids=stripe_ids,
        workers=workers,
    )
    summary = write_load_report(engine, dag_id, result, now=now)
    if result.retry:
        first = result.retry[0]
        raise LoadRetryError(
            f"{len(result.retry)} record(s) left for a retry, e.g. {first.stripe_id}: "
            f"{first.reason}. Report: {summary['path']}"
        )
    return summary


def replay(engine: Engine, stripe_id: str) -> int:
    """Make the failed or pending sync records of a Stripe id loadable again; returns how many."""
    with session_scope(engine) as session:
        changed = session.execute(
            update(SyncRecord)
            .where(SyncRecord.stripe_id == stripe_id, SyncRecord.status != "synced")
            .values(status="pending", last_error=None)
        )
        return int(getattr(changed, "rowcount", 0) or 0)


def sync_status(engine: Engine, stripe_id: str | None = None) -> list[dict[str, Any]]:
    """The sync records of `stripe_id`, or (without one) the number of records per type and status."""
    with session_scope(engine) as session:
        if stripe_id is None:
            rows = session.execute(
                select(SyncRecord.netsuite_record_type, SyncRecord.status, func.count())
                .group_by(SyncRecord.netsuite_record_type, SyncRecord.status)
                .order_by(SyncRecord.netsuite_record_type, SyncRecord.status)
            )
            return [{"record_type": t, "status": s, "count": int(n)} for t, s, n in rows]
        records = session.scalars(
            select(SyncRecord).where(SyncRecord.stripe_id == stripe_id).order_by(SyncRecord.id)
        )
        return [
            {
                "stripe_id": r.stripe_id,
                "record_type": r.netsuite_record_type,
                "external_id": r.external_id,
                "internal_id": r.netsuite_internal_id,
                "status": r.status,
                "attempts": r.attempts,
                "last_error": r.last_error,
                "run_id": r.run_id,
                "updated_at": r.updated_at.isoformat(),
            }
            for r in records
        ]
