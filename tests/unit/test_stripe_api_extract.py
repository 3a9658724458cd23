"""sync_resource against an in-memory Stripe: cursors, failures mid-window, events and re-fetches, upserts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import stripe
from sqlalchemy import Engine, select

from stripe_netsuite.store import dispose_engines, get_engine, migrate, session_scope
from stripe_netsuite.store.pipeline import ExtractionCursor, QuarantineEntry
from stripe_netsuite.store.stripe_objects import BalanceTransaction, Charge, Customer
from stripe_netsuite.stripe_api import (
    RESOURCES,
    ExtractStats,
    StaleEventsCursorError,
    StripeApi,
    itemise_payouts,
    sync_resource,
)

T0 = 1_790_000_000
NOW = datetime.fromtimestamp(T0 + 86_400, UTC)


def charge(n: int, created: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"ch_{n:04d}", "object": "charge", "created": created, "amount": 1000 + n, "currency": "usd",
        "status": "succeeded", "livemode": False, "metadata": {}, **fields,
    }  # fmt: skip


@dataclass
class FakeStripe(StripeApi):
    """Serves lists (newest first, created bounds, starting_after, ending_before), events and retrieves."""

    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)  # oldest first
    fail_on_call: int | None = None
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def get(self, path: str, params: Any = None, kind: str = "list") -> dict[str, Any]:
        params = dict(params or {})
        setattr(self.counts, kind, getattr(self.counts, kind) + 1)
        self.calls.append((path, params))
        if self.fail_on_call is not None and len(self.calls) >= self.fail_on_call:
            raise stripe.APIError("boom")
        if path == "/v1/events":
            items = [e for e in reversed(self.events) if e["type"] in params.get("types", [])]
            return self._page(items, params)
        for resource in RESOURCES.values():
            if path.startswith(resource.path + "/"):
                object_id = path.rsplit("/", 1)[1]
                return next(o for o in self.objects[resource.path] if o["id"] == object_id)
        items = sorted(self.objects.get(path, []), key=lambda o: o.get("created", 0), reverse=True)
        if "payout" in params:
            items = [o for o in items if o.get("_payout") == params["payout"]]
        return self._page(items, params)

    @staticmethod
    def _page(items: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        bounds = params.get("created", {})
        low, high = bounds.get("gte", -1), bounds.get("lt", 1e12)
        items = [o for o in items if low <= o.get("created", 0) < high]
        ids = [o["id"] for o in items]
        limit = params.get("limit", 10)
        if "starting_after" in params:
            items = items[ids.index(params["starting_after"]) + 1 :]
        if "ending_before" in params:
            newer = items[: ids.index(params["ending_before"])]
            return {"data": newer[-limit:], "has_more": len(newer) > limit}
        return {"data": items[:limit], "has_more": len(items) > limit}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'connector.db'}"
    migrate(url)
    yield get_engine(url)
    dispose_engines()


def fake(**kwargs: Any) -> FakeStripe:
    return FakeStripe(client=None, **kwargs)  # type: ignore[arg-type]


def cursor(engine: Engine, resource: str = "charges") -> ExtractionCursor | None:
    with session_scope(engine) as session:
        return session.get(ExtractionCursor, (resource, ""))


def test_full_sync_pages_by_100_and_sets_both_cursors(engine: Engine) -> None:
    first = {"id": "evt_1", "type": "charge.succeeded", "created": T0, "data": {"object": {}}}
    api = fake(objects={"/v1/charges": [charge(n, T0 + n) for n in range(250)]}, events=[first])
    stats = sync_resource(engine, api, RESOURCES["charges"], now=NOW)
    assert (stats.listed, stats.rows.inserted, stats.calls.list) == (250, 250, 3)
    assert [p.get("limit") for path, p in api.calls if path == "/v1/charges"] == [100, 100, 100]
    state = cursor(engine)
    assert state is not None and state.created_cursor == datetime.fromtimestamp(T0 + 249, UTC)
    assert state.events_last_id == "evt_1"


def test_a_failure_mid_window_leaves_the_cursor_where_it_was(engine: Engine) -> None:
    objects = {"/v1/charges": [charge(n, T0 + 10 * n) for n in range(250)]}
    sync_resource(engine, fake(objects=objects), RESOURCES["charges"], now=NOW)
    before = cursor(engine)
    objects["/v1/charges"] += [charge(1000 + n, T0 + 5000 + n) for n in range(150)]
    failing = fake(objects=objects, fail_on_call=3)  # probe, first page, then the second page fails
    with pytest.raises(stripe.APIError):
        sync_resource(engine, failing, RESOURCES["charges"], now=NOW)
    after = cursor(engine)
    assert after is not None and before is not None and after.created_cursor == before.created_cursor
    stats = sync_resource(engine, fake(objects=objects), RESOURCES["charges"], now=NOW)
    # The window is read again: 100 rows the failed run stored, 61 old ones in the 10-minute overlap.
    assert (stats.rows.inserted, stats.rows.unchanged) == (50, 100 + 61)
    done = cursor(engine)
    assert done is not None and done.created_cursor == datetime.fromtimestamp(T0 + 5149, UTC)


def test_changed_old_objects_are_refetched_once_and_marked_pending(engine: Engine) -> None:
    objects = {"/v1/charges": [charge(n, T0 + 1000 * n) for n in range(5)]}
    api = fake(objects=objects)
    sync_resource(engine, api, RESOURCES["charges"], now=NOW)
    with session_scope(engine) as session:
        session.get(Charge, ("ch_0001", "")).validation_status = "ready"  # type: ignore[union-attr]
    objects["/v1/charges"][1] = charge(1, T0 + 1000, amount_refunded=300, refunded=False)
    stale = {"id": "ch_0001", "object": "charge", "amount_refunded": 0}  # what data.object said: never stored
    api.events += [
        {"id": f"evt_{n}", "type": "charge.refunded", "created": T0 + 90_000, "data": {"object": stale}}
        for n in range(3)
    ]
    stats = sync_resource(engine, api, RESOURCES["charges"], now=NOW)
    assert (stats.events_read, stats.refetched, stats.rows.updated) == (3, 1, 1)
    with session_scope(engine) as session:
        row = session.get(Charge, ("ch_0001", ""))
        assert row is not None and row.amount_refunded == 300 and row.validation_status == "pending"
    again = sync_resource(engine, api, RESOURCES["charges"], now=NOW)
    assert again.refetched == 0 and again.events_read == 0  # the events cursor is an event id, not a second


def test_an_events_cursor_older_than_29_days_stops_with_the_rescan_advice(engine: Engine) -> None:
    api = fake(objects={"/v1/charges": [charge(1, T0)]})
    sync_resource(engine, api, RESOURCES["charges"], now=NOW)
    with pytest.raises(StaleEventsCursorError, match="full_rescan"):
        sync_resource(engine, api, RESOURCES["charges"], now=NOW + timedelta(days=30))
    stats = sync_resource(engine, api, RESOURCES["charges"], now=NOW + timedelta(days=30), full_rescan=True)
    assert stats.full_scan and stats.listed == 1


def test_malformed_objects_are_stored_for_validation_or_quarantined_when_unkeyable(engine: Engine) -> None:
    no_currency = charge(1, T0)
    del no_currency["currency"]
    unkeyable = {"id": "ch_x", "object": "charge"}
    not_a_number = charge(3, T0, amount="abc")
    api = fake(objects={"/v1/charges": [no_currency, charge(2, T0, amount=12.5), unkeyable, not_a_number]})
    stats = sync_resource(engine, api, RESOURCES["charges"], now=NOW)
    assert (stats.rows.inserted, stats.rejected) == (2, 2)
    with session_scope(engine) as session:
        row = session.get(Charge, ("ch_0001", ""))
        assert row is not None and row.currency == "" and "currency" not in row.raw
        stored = session.get(Charge, ("ch_0002", ""))
        assert stored is not None and stored.raw["amount"] == 12.5 and stored.amount == 0
        entries = session.scalars(select(QuarantineEntry).order_by(QuarantineEntry.object_id)).all()
        assert [(e.object_id, e.check_name) for e in entries] == [
            ("ch_0003", "stored_shape"), ("ch_x", "stored_shape"),
        ]  # fmt: skip
        assert "cannot store the object" in entries[0].reason


def test_deleted_customers_are_counted_not_stored(engine: Engine) -> None:
    customer = {"id": "cus_1", "object": "customer", "created": T0, "email": "a@example.com"}
    api = fake(objects={"/v1/customers": [customer]})
    sync_resource(engine, api, RESOURCES["customers"], now=NOW)
    api.objects["/v1/customers"] = [{"id": "cus_1", "object": "customer", "deleted": True}]
    deleted = {"id": "evt_d", "type": "customer.deleted", "created": T0 + 10, "data": {"object": customer}}
    api.events.append(deleted)
    stats = sync_resource(engine, api, RESOURCES["customers"], now=NOW)
    assert stats.deleted == 1
    with session_scope(engine) as session:
        assert session.get(Customer, ("cus_1", "")) is not None


def test_paid_automatic_payouts_are_itemised_once(engine: Engine) -> None:
    payout = {
        "id": "po_1", "object": "payout", "created": T0, "amount": 900, "currency": "usd", "status": "paid",
        "automatic": True,
    }  # fmt: skip
    txns = [
        {"id": f"txn_{n}", "object": "balance_transaction", "created": T0 - n, "amount": 300, "fee": 0,
         "net": 300, "currency": "usd", "type": "charge", "_payout": "po_1"}
        for n in range(3)
    ]  # fmt: skip
    api = fake(objects={"/v1/payouts": [payout], "/v1/balance_transactions": txns})
    stats = sync_resource(engine, api, RESOURCES["payouts"], now=NOW)
    # The payouts' own count is payouts; their transactions are listed by the itemisation step after it.
    assert (stats.extracted, stats.itemised, stats.calls.itemise) == (1, 0, 0)
    itemised = ExtractStats("payout_itemisation", "")
    itemise_payouts(engine, api, itemised)
    assert (itemised.itemised, itemised.rows.inserted, api.counts.itemise) == (3, 3, 1)
    with session_scope(engine) as session:
        assert set(session.scalars(select(BalanceTransaction.payout))) == {"po_1"}
    again = ExtractStats("payout_itemisation", "")
    itemise_payouts(engine, api, again)
    assert (again.itemised, api.counts.itemise) == (0, 1)  # itemised once: no call the second time


def test_an_interrupted_full_scan_is_redone_in_full(engine: Engine) -> None:
    objects = {"/v1/charges": [charge(n, T0 + 10 * n) for n in range(150)]}
    with pytest.raises(stripe.APIError):
        sync_resource(engine, fake(objects=objects, fail_on_call=3), RESOURCES["charges"], now=NOW)
    state = cursor(engine)
    assert state is not None and state.created_cursor is None and state.events_cursor == NOW
    stats = sync_resource(engine, fake(objects=objects), RESOURCES["charges"], now=NOW)
    assert stats.full_scan and (stats.listed, stats.rows.inserted, stats.rows.unchanged) == (150, 50, 100)
