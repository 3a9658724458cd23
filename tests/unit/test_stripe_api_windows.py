"""Created windows, the events-cursor age check and which objects an events pass re-fetches."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from stripe_netsuite.stripe_api.events import ids_to_refetch
from stripe_netsuite.stripe_api.resources import MAX_EVENT_TYPES, RESOURCES, Resource
from stripe_netsuite.stripe_api.windows import (
    StaleEventsCursorError,
    Window,
    check_events_cursor,
    plan_windows,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_first_run_is_one_unbounded_window() -> None:
    assert plan_windows(None, NOW) == [Window(None, None)]
    assert Window(None, None).params() == {}


def test_next_run_starts_ten_minutes_before_the_cursor() -> None:
    cursor = NOW - timedelta(hours=1)
    (window,) = plan_windows(cursor, NOW)
    assert window.start == int((cursor - timedelta(minutes=10)).timestamp())
    assert window.params() == {"created": {"gte": window.start}}


def test_a_long_backfill_splits_into_bounded_windows_then_an_open_one() -> None:
    cursor = NOW - timedelta(days=3, minutes=-10)
    windows = plan_windows(cursor, NOW, max_window=timedelta(days=1))
    # [-3d, -2d), [-2d, -1d), then the last day open-ended (objects may still appear in it).
    assert [w.end is None for w in windows] == [False, False, True]
    assert all(a.end == b.start for a, b in itertools.pairwise(windows))
    assert windows[0].params()["created"] == {"gte": windows[0].start, "lt": windows[0].end}


def test_an_overlap_under_ten_minutes_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        plan_windows(NOW, NOW, overlap=timedelta(minutes=5))


def test_events_cursor_within_29_days_passes() -> None:
    check_events_cursor("charges", "", NOW - timedelta(days=29), NOW)


def test_events_cursor_older_than_29_days_says_how_to_rescan() -> None:
    with pytest.raises(StaleEventsCursorError) as raised:
        check_events_cursor("refunds", "acct_1", NOW - timedelta(days=31), NOW)
    message = str(raised.value)
    assert "full_rescan" in message and "refunds" in message and "acct_1" in message and "31 days" in message


def event(event_id: str, object_id: str, kind: str = "charge") -> dict[str, Any]:
    return {"id": event_id, "data": {"object": {"id": object_id, "object": kind}}}


def test_refetch_each_object_once_in_first_event_order() -> None:
    events = [event("e1", "ch_1"), event("e2", "ch_2"), event("e3", "ch_1")]
    assert ids_to_refetch(events, "charge") == ["ch_1", "ch_2"]


def test_objects_listed_after_their_events_are_not_fetched_again() -> None:
    events = [event("e1", "ch_1"), event("probe", "ch_2"), event("e3", "ch_3")]
    assert ids_to_refetch(events, "charge", listed_ids={"ch_1", "ch_2", "ch_3"}, probe_id="probe") == ["ch_3"]


def test_a_later_event_on_a_listed_object_still_fetches_it() -> None:
    events = [event("probe", "ch_1"), event("e2", "ch_1")]
    assert ids_to_refetch(events, "charge", listed_ids={"ch_1"}, probe_id="probe") == ["ch_1"]


def test_events_about_other_object_types_are_ignored() -> None:
    events = [event("e1", "dp_1", "dispute"), {"id": "e2", "data": {}}]
    assert ids_to_refetch(events, "charge") == []


def test_every_resource_fits_one_events_request() -> None:
    assert all(len(resource.event_types) <= MAX_EVENT_TYPES for resource in RESOURCES.values())
    assert all(t.split(".")[0] in ("charge", "refund", "payout", "customer", "payment_intent", "checkout")
               for resource in RESOURCES.values() for t in resource.event_types)  # fmt: skip
    with pytest.raises(ValueError, match="at most 20"):
        Resource("x", "/v1/x", RESOURCES["charges"].model, tuple(f"x.{n}" for n in range(21)))
