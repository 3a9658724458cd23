"""Incremental extraction of one Stripe resource for one account into the state DB.

1. created pass: new objects by `created` windows (cursor minus an overlap), newest-first pages of 100; the
   created cursor advances only when a window is complete, so a failure mid-window repeats that window.
2. events pass: /v1/events of the resource's types after the last event read, de-duplicated by object id;
   each changed object is RE-FETCHED in full (an event's data.object is a snapshot in an old API version).

`itemise_payouts` is a step of its own, run after every resource is extracted: a paid automatic payout's
balance transactions are listed with ?payout= and stamped with the payout (what deposits and the payout-sum
check need). Run inside the payouts extraction it raced the balance transactions' own extraction, and each
counted the other's rows (a first run reported payouts' transactions as payouts, and transactions it had
just written as "unchanged").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, exists, select

from stripe_netsuite.store.engine import session_scope
from stripe_netsuite.store.pipeline import QuarantineEntry
from stripe_netsuite.store.stripe_objects import BalanceTransaction, Payout
from stripe_netsuite.stripe_api.api import CallCounts, StripeApi
from stripe_netsuite.stripe_api.client import transport_of
from stripe_netsuite.stripe_api.cursors import from_unix as _utc
from stripe_netsuite.stripe_api.cursors import load_cursor, save_cursor
from stripe_netsuite.stripe_api.events import ids_to_refetch
from stripe_netsuite.stripe_api.resources import RESOURCES, Resource
from stripe_netsuite.stripe_api.upsert import UpsertCounts, store_page
from stripe_netsuite.stripe_api.windows import DEFAULT_OVERLAP, check_events_cursor, plan_windows


@dataclass
class ExtractStats:
    """What one resource sync did, for the run report."""

    resource: str
    account: str
    full_scan: bool = False
    listed: int = 0
    refetched: int = 0
    itemised: int = 0
    events_read: int = 0
    deleted: int = 0  # re-fetched objects Stripe reports deleted (customers): nothing to store
    rejected: int = 0  # objects without id/created: quarantined at once
    windows: int = 0
    rows: UpsertCounts = field(default_factory=UpsertCounts)
    calls: CallCounts = field(default_factory=CallCounts)
    http_requests: int = 0

    @property
    def extracted(self) -> int:
        return self.listed + self.refetched + self.itemised

    def as_dict(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "account": self.account,
            "full_scan": self.full_scan,
            "extracted": self.extracted,
            "listed": self.listed,
            "refetched": self.refetched,
            "itemised": self.itemised,
            "events_read": self.events_read,
            "deleted": self.deleted,
            "rejected": self.rejected,
            "windows": self.windows,
            **self.rows.as_dict(),
            "calls": self.calls.as_dict(),
            "requests": self.http_requests,
        }


def _store_page(
    engine: Engine,
    resource: Resource,
    account: str,
    objects: list[dict[str, Any]],
    stats: ExtractStats,
    run_id: str | None,
    extra: dict[str, Any] | None = None,
) -> None:
    with session_scope(engine) as session:
        counts, failed = store_page(session, resource.model, objects, account, extra)
        stats.rows.merge(counts)
        for obj, error in failed:
            stats.rejected += 1
            session.add(
                QuarantineEntry(
                    object_type=resource.object_type,
                    object_id=str(obj.get("id") or "?"),
                    account=account,
                    check_name="stored_shape",
                    reason=f"cannot store the object: {error}",
                    run_id=run_id,
                )
            )


def _created_pass(
    engine: Engine,
    api: StripeApi,
    resource: Resource,
    cursor: datetime | None,
    now: datetime,
    overlap: timedelta,
    max_window: timedelta | None,
    stats: ExtractStats,
    run_id: str | None,
) -> set[str]:
    listed: set[str] = set()
    newest = cursor
    for window in plan_windows(cursor, now, overlap, max_window):
        for page in api.list_pages(resource.path, window.params()):
            _store_page(engine, resource, api.account, page, stats, run_id)
            stats.listed += len(page)
            listed.update(str(obj.get("id")) for obj in page)
            seen = max((obj["created"] for obj in page if isinstance(obj.get("created"), int)), default=None)
            if seen is not None:
                newest = max(newest, _utc(seen)) if newest else _utc(seen)
        stats.windows += 1
        # A bounded window is complete up to its end; the open one up to the newest object it held.
        done = _utc(window.end) if window.end is not None else newest
        if done is not None:
            save_cursor(engine, resource.name, api.account, run_id, created_cursor=done)
    return listed


def _events_pass(
    engine: Engine,
    api: StripeApi,
    resource: Resource,
    after_id: str | None,
    probe_id: str | None,
    listed: set[str],
    now: datetime,
    stats: ExtractStats,
    run_id: str | None,
) -> None:
    # No event id yet means the feed held no event of these types when last looked at: all are new.
    events = api.events_after(resource.event_types, after_id)
    stats.events_read = len(events)
    for object_id in ids_to_refetch(events, resource.object_type, listed, probe_id):
        obj = api.retrieve(resource.item_path(object_id))
        stats.refetched += 1
        if obj.get("deleted"):
            stats.deleted += 1
            continue
        _store_page(engine, resource, api.account, [obj], stats, run_id)
    newest = events[-1] if events else None
    # The pass read the feed up to `now` (or its newest event, if a test clock runs ahead of ours).
    read_until = max(now, _utc(newest["created"])) if newest else now
    save_cursor(
        engine,
        resource.name,
        api.account,
        run_id,
        events_cursor=read_until,
        events_last_id=newest["id"] if newest else after_id,
    )


def itemise_payouts(engine: Engine, api: StripeApi, stats: ExtractStats, run_id: str | None = None) -> None:
    """List the balance transactions of each paid automatic payout not itemised yet, stamped with it.

    Run after payouts and balance transactions are extracted; `stats.itemised` counts the transactions
    listed, `stats.rows` what storing them changed (stamping an already stored transaction is an update).
    """
    with session_scope(engine) as session:
        itemised = exists().where(
            BalanceTransaction.payout == Payout.id, BalanceTransaction.account == Payout.account
        )
        payouts = session.scalars(
            select(Payout.id).where(
                Payout.account == api.account,
                Payout.status == "paid",
                Payout.automatic.is_(True),
                ~itemised,
            )
        ).all()
    transactions = RESOURCES["balance_transactions"]
    for payout_id in payouts:
        for page in api.list_pages(transactions.path, {"payout": payout_id}, kind="itemise"):
            _store_page(engine, transactions, api.account, page, stats, run_id, extra={"payout": payout_id})
            stats.itemised += len(page)


def sync_resource(
    engine: Engine,
    api: StripeApi,
    resource: Resource,
    *,
    now: datetime,
    full_rescan: bool = False,
    overlap: timedelta = DEFAULT_OVERLAP,
    max_window: timedelta | None = None,
    run_id: str | None = None,
) -> ExtractStats:
    """Bring one resource of one account up to date; raises StaleEventsCursorError instead of skipping."""
    transport = transport_of(api.client)
    sent_before = transport.counter.total if transport else 0
    state = load_cursor(engine, resource.name, api.account)
    full = full_rescan or state.created_cursor is None
    calls_before = CallCounts(*api.counts.counts_tuple())
    stats = ExtractStats(resource.name, api.account, full_scan=full)
    has_events = bool(resource.event_types)
    if has_events and not full and state.events_cursor is not None:
        check_events_cursor(resource.name, api.account, state.events_cursor, now)
    # The feed's position before listing: events up to here are already reflected in what gets listed.
    probe = api.newest_event(resource.event_types) if has_events else None
    probe_id = str(probe["id"]) if probe else None
    after_id = state.events_last_id
    if full:
        # Saved before listing: a full scan that fails is redone in full (no created cursor), and the
        # events read afterwards start from this probe, whichever run completes the scan.
        after_id = probe_id
        save_cursor(
            engine, resource.name, api.account, run_id,
            created_cursor=None, events_last_id=probe_id, events_cursor=now if has_events else None,
        )  # fmt: skip
    listed = _created_pass(
        engine, api, resource, None if full else state.created_cursor, now, overlap, max_window, stats, run_id
    )
    if has_events:
        _events_pass(engine, api, resource, after_id, probe_id, listed, now, stats, run_id)
    stats.calls = api.counts.since(calls_before)
    stats.http_requests = (transport.counter.total if transport else 0) - sent_before
    return stats
