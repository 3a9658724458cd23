"""Pure planning of `created` windows and the events-cursor age check (no network, `now` is a parameter)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# Objects can become visible after their `created` second (late writes, clock skew): re-read this much.
DEFAULT_OVERLAP = timedelta(minutes=10)
MIN_OVERLAP = timedelta(minutes=10)
# Stripe keeps 30 days of events; a day of margin for runs that take long and clocks that differ.
EVENTS_MAX_AGE = timedelta(days=29)


@dataclass(frozen=True)
class Window:
    """created in [start, end) as unix seconds; None = unbounded on that side."""

    start: int | None
    end: int | None

    def params(self) -> dict[str, Any]:
        bounds: dict[str, int] = {}
        if self.start is not None:
            bounds["gte"] = self.start
        if self.end is not None:
            bounds["lt"] = self.end
        return {"created": bounds} if bounds else {}


def plan_windows(
    cursor: datetime | None,
    now: datetime,
    overlap: timedelta = DEFAULT_OVERLAP,
    max_window: timedelta | None = None,
) -> list[Window]:
    """Windows from the cursor (minus the overlap) to now; the last one is open-ended.

    One open window by default: a page is the unit of cost, and every extra window costs a partly filled
    page. `max_window` splits a long backfill so the cursor advances (and a retry resumes) per window.
    """
    if overlap < MIN_OVERLAP:
        raise ValueError(f"overlap must be at least {MIN_OVERLAP} (objects appear late)")
    if cursor is None:
        return [Window(None, None)]
    start = int((cursor - overlap).timestamp())
    if max_window is None:
        return [Window(start, None)]
    step = int(max_window.total_seconds())
    if step <= 0:
        raise ValueError("max_window must be positive")
    windows: list[Window] = []
    horizon = int(now.timestamp())
    while start + step < horizon:
        windows.append(Window(start, start + step))
        start += step
    windows.append(Window(start, None))
    return windows


class StaleEventsCursorError(RuntimeError):
    """The events cursor is older than Stripe's event retention: changes may be lost; re-scan instead."""


def check_events_cursor(resource: str, account: str, events_cursor: datetime, now: datetime) -> None:
    """Raise StaleEventsCursorError when `events_cursor` is older than EVENTS_MAX_AGE at `now`."""
    age = now - events_cursor
    if age <= EVENTS_MAX_AGE:
        return
    who = f"connected account {account}" if account else "the platform account"
    raise StaleEventsCursorError(
        f"The Stripe events cursor of {resource} ({who}) is at {events_cursor.isoformat()}, {age.days} days "
        f"ago; Stripe keeps events for 30 days only, so changes to old objects may have been missed. Run a "
        f"full re-scan: trigger the extraction DAG with full_rescan=true (`airflow dags trigger <dag id> "
        f'--conf \'{{"full_rescan": true}}\'`, or "Trigger DAG w/ config" in the UI). It re-lists every '
        f"object and restarts the events cursor."
    )
