"""The period an audit covers: whole days, validated once (the DAG's params, the CLI's arguments)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "DAILY_DAYS", "MAX_DAYS", "AuditPeriod", "PeriodError", "daily_period", "parse_period", "today_in",
]

# At most a quarter per run: one run reads every charge, refund, dispute and payout of the period from Stripe
# and NetSuite, so a year would be a long job; audit longer spans quarter by quarter.
MAX_DAYS = 92
# The daily run audits the last week up to yesterday: refunds, disputes and payouts of a charge land days
# after it, and the loaders have had a night to write yesterday's objects.
DAILY_DAYS = 7


class PeriodError(ValueError):
    """A period that cannot be audited (its message says which bound is wrong)."""


@dataclass(frozen=True)
class AuditPeriod:
    """The days `start` to `end`, both included.

    A charge, refund or dispute belongs to the period when Stripe created it on one of those days in the
    NetSuite account's time zone (the day its record's tranDate carries); a payout when it arrives on one of
    them (its deposit's date, a UTC day).
    """

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError(f"to ({self.end}) is before from ({self.start})")
        if self.days > MAX_DAYS:
            raise PeriodError(f"{self.start} to {self.end} is {self.days} days; audit at most {MAX_DAYS} "
                              "days per run (split a longer span)")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def created_bounds(self, zone: ZoneInfo) -> tuple[int, int]:
        """Stripe `created[gte]` and `created[lt]` (Unix seconds) of the period's days in `zone`."""
        first = datetime.combine(self.start, time(), tzinfo=zone)
        after = datetime.combine(self.end + timedelta(days=1), time(), tzinfo=zone)
        return int(first.timestamp()), int(after.timestamp())

    def arrival_bounds(self) -> tuple[int, int]:
        """Stripe `arrival_date[gte]` and `[lt]`: payouts arrive at midnight UTC of their day."""
        return self.created_bounds(ZoneInfo("UTC"))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def label(self) -> str:
        return self.start.isoformat() if self.start == self.end else f"{self.start} to {self.end}"


def parse_period(start: str | date | None, end: str | date | None, *, today: date) -> AuditPeriod:
    """The period from/to name (ISO dates); unset bounds give the daily period ending yesterday. `today` is
    the account's day (today_in)."""
    if start in (None, "") and end in (None, ""):
        return daily_period(today)
    first, last = _day("from", start), _day("to", end)
    if first is None:
        raise PeriodError("from is missing: give both from and to, or neither for the daily period")
    if last is None:
        raise PeriodError("to is missing: give both from and to, or neither for the daily period")
    if last >= today + timedelta(days=1):
        raise PeriodError(f"to ({last}) is in the future: the audit can only prove what has happened")
    return AuditPeriod(first, last)


def today_in(now: datetime, zone: ZoneInfo) -> date:
    """The day `now` falls on in the NetSuite account's time zone, the `today` of parse_period: the period's
    days are that zone's, so at 07:00 UTC Los Angeles' yesterday has not ended yet (a UTC day would audit a
    day still being loaded, and let `to` name a day that has not begun there)."""
    return now.astimezone(zone).date()


def daily_period(today: date) -> AuditPeriod:
    """The DAILY_DAYS days before `today`."""
    return AuditPeriod(today - timedelta(days=DAILY_DAYS), today - timedelta(days=1))


def _day(name: str, value: str | date | None) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise PeriodError(f"{name} must be a date like 2026-10-01, got {value!r}") from None
