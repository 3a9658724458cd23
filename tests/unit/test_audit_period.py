"""The audit period: validated bounds, the daily default, and the Stripe time bounds of its days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from stripe_netsuite.audit import MAX_DAYS, AuditPeriod, PeriodError, daily_period, parse_period

TODAY = date(2026, 11, 30)


def test_both_bounds_unset_is_the_week_before_today() -> None:
    assert parse_period(None, "", today=TODAY) == AuditPeriod(date(2026, 11, 23), date(2026, 11, 29))
    assert daily_period(TODAY).days == 7


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-11-10", "2026-11-09", "is before from"),
        ("2026-01-01", "2026-11-01", f"audit at most {MAX_DAYS} days"),
        ("2026-11-29", "2026-12-01", "is in the future"),
        ("2026-11-01", None, "to is missing"),
        (None, "2026-11-01", "from is missing"),
        ("01/11/2026", "2026-11-02", "from must be a date like"),
        ("2026-11-01", "2026-11-01'; DROP", "to must be a date like"),
    ],
    ids=["reversed", "too-long", "future", "no-to", "no-from", "not-iso", "hostile"],
)
def test_a_bad_period_is_refused_naming_the_bound(start: str | None, end: str | None, message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        parse_period(start, end, today=TODAY)


def test_a_single_day_and_the_longest_period_are_allowed() -> None:
    assert parse_period("2026-11-30", "2026-11-30", today=TODAY).label() == "2026-11-30"
    longest = parse_period("2026-08-31", "2026-11-30", today=TODAY)
    assert longest.days == MAX_DAYS


def test_created_bounds_are_the_days_in_the_accounts_time_zone_and_arrivals_in_utc() -> None:
    period = AuditPeriod(date(2026, 11, 1), date(2026, 11, 2))
    gte, lt = period.created_bounds(ZoneInfo("America/Los_Angeles"))
    assert datetime.fromtimestamp(gte, UTC) == datetime(2026, 11, 1, 7, tzinfo=UTC)  # PDT
    assert datetime.fromtimestamp(lt, UTC) == datetime(2026, 11, 3, 8, tzinfo=UTC)  # PST after Nov 1
    assert period.arrival_bounds() == (
        int(datetime(2026, 11, 1, tzinfo=UTC).timestamp()),
        int(datetime(2026, 11, 3, tzinfo=UTC).timestamp()),
    )
    assert date(2026, 11, 2) in period and date(2026, 11, 3) not in period


def test_today_is_the_account_s_day_not_utc_s() -> None:
    from stripe_netsuite.audit.period import today_in

    seven_utc = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    assert today_in(seven_utc, ZoneInfo("America/Los_Angeles")) == date(2026, 11, 30)
    assert today_in(seven_utc, ZoneInfo("Asia/Tokyo")) == date(2026, 12, 1)
