"""The demo world: a month of a merchant's Stripe activity that matches the NetSuite sandbox's ledger.

Everything goes through the sandboxes' public interfaces, as an outside client would: Stripe's API through
stripe-python, the hosted Checkout page through HTTP form posts, `/_sandbox/` routes for the clock and
payouts, and NetSuite through SuiteQL signed with TBA (requests_oauthlib). The same seed on fresh sandboxes
gives the same world, id for id: every choice comes from `plan`, and every POST carries an idempotency
key derived from the seed (stripe-python would otherwise send random ones, which end up in events).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from .errors import WorldError
from .netsuite import NetSuiteCredentials, NetSuiteReader
from .plan import DAY, Action, plan_bulk, plan_world
from .stripe_world import StripeWorld

# Where the world ends unless told otherwise (`end`, `--end`), so that tests get the same dates on any day.
# NetSuite's seeded invoices are dated August to October 2026, so a month ending on 1 November pays them after
# issue. The demo ends the world at today's midnight instead, so that the sandbox clock can then run in real
# time as Stripe's does, and the same seed and end date give the same world.
END = int(datetime(2026, 11, 1, tzinfo=UTC).timestamp())


def world_end(value: str | date) -> int:
    """Midnight UTC that starts `value` ("today" = the UTC date of this machine's clock, or YYYY-MM-DD)."""
    if isinstance(value, str):
        try:
            day = datetime.now(UTC).date() if value == "today" else date.fromisoformat(value)
        except ValueError:
            raise WorldError(f"end must be 'today' or a date YYYY-MM-DD, not {value!r}") from None
    else:
        day = value
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())



@dataclass
class WorldSummary:
    """What was built: the period, counts per kind of object and outcome, and how long it took."""

    seed: int
    days: int
    start: int
    end: int
    counts: dict[str, int] = field(default_factory=dict)
    bulk_charges: int = 0
    bulk_seconds: float = 0.0
    elapsed_seconds: float = 0.0

    @property
    def bulk_rate(self) -> float:
        return self.bulk_charges / self.bulk_seconds if self.bulk_seconds else 0.0

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "bulk_charges_per_second": round(self.bulk_rate, 1)}

    def __str__(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True)


def seed_world(
    stripe_url: str,
    api_key: str,
    netsuite_base_url: str | None,
    netsuite_credentials: NetSuiteCredentials | Mapping[str, str] | None,
    *,
    days: int = 30,
    seed: int = 42,
    charges: int | None = None,
    scale_only_stripe: bool = False,
    threads: int = 4,
    reset: bool = False,
    end: int = END,
    settlement_currencies: Sequence[str] = (),
) -> WorldSummary:
    """Build the world in a fresh Stripe sandbox, reading the NetSuite sandbox's customers and open invoices.

    The world covers the `days` before `end` (a unix time; see `world_end`) and leaves the sandbox clock
    frozen at `end`. `charges` adds that many anonymous card payments spread over the same days; with
    `scale_only_stripe` they are the whole world and NetSuite is not read. Scale payments run on
    `threads` concurrent connections, which keeps their content but not their ids deterministic (use
    threads=1 for that). `settlement_currencies` (e.g. ["eur"]) gives the Stripe account a bank account in
    each: its payments settle in it, without conversion, and are paid out in it (a second payout currency).
    """
    began = time.perf_counter()
    if days < 1:
        raise WorldError("days must be at least 1")
    start = end - days * DAY
    actions: list[Action] = []
    if not scale_only_stripe:
        if not netsuite_base_url:
            raise WorldError(
                "NetSuite is needed for the story world: set NETSUITE_BASE_URL (or pass --charges N "
                "for a Stripe-only scale world)"
            )
        credentials = (
            netsuite_credentials
            if isinstance(netsuite_credentials, NetSuiteCredentials)
            else NetSuiteCredentials.from_env(netsuite_credentials or {})
        )
        customers, invoices = NetSuiteReader(netsuite_base_url, credentials).customers_and_invoices()
        actions = plan_world(seed, start, days, customers, invoices)
    if charges:
        actions = sorted(
            [*actions, *plan_bulk(seed, start, days, charges)], key=lambda a: (a.at, a.kind == "bulk")
        )
    world = StripeWorld(stripe_url, api_key, seed, threads)
    world.prepare(start, reset, tuple(code.lower() for code in settlement_currencies))
    world.run(actions)
    world.advance_to(end)
    return WorldSummary(
        seed=seed,
        days=days,
        start=start,
        end=end,
        counts=world.count(story=not scale_only_stripe),
        bulk_charges=world.bulk_charges,
        bulk_seconds=round(world.bulk_seconds, 2),
        elapsed_seconds=round(time.perf_counter() - began, 2),
    )
