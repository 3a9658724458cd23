"""The few Stripe reads extraction needs, on one account, with backoff and per-kind request counts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import stripe

from stripe_netsuite.stripe_api.budget import Backoff

PAGE_SIZE = 100  # Stripe's maximum page size: the fewest requests per object


@dataclass
class CallCounts:
    """Logical calls by kind (a call the backoff retries counts once here, every time on the wire)."""

    list: int = 0  # created-window pages
    retrieve: int = 0  # re-fetches of changed objects
    events: int = 0  # event feed pages and probes
    itemise: int = 0  # balance_transactions?payout= pages

    def as_dict(self) -> dict[str, int]:
        return {"list": self.list, "retrieve": self.retrieve, "events": self.events, "itemise": self.itemise}

    def since(self, earlier: CallCounts) -> CallCounts:
        """The calls made after `earlier` was copied (one sync's share of a long-lived client's counts)."""
        pairs = zip(self.counts_tuple(), earlier.counts_tuple(), strict=True)
        return CallCounts(*(now - then for now, then in pairs))

    def counts_tuple(self) -> tuple[int, int, int, int]:
        return (self.list, self.retrieve, self.events, self.itemise)


@dataclass
class StripeApi:
    """Reads on behalf of one account ('' = the platform) through a StripeClient.

    raw_request keeps Stripe's JSON exactly as sent: it is stored verbatim and hashed, and one code path
    serves every resource instead of eight typed services.
    """

    client: stripe.StripeClient
    account: str = ""
    backoff: Backoff = field(default_factory=Backoff)
    counts: CallCounts = field(default_factory=CallCounts)

    def get(self, path: str, params: Mapping[str, Any] | None = None, kind: str = "list") -> dict[str, Any]:
        """GET `path` with `params`; transient failures are retried by the backoff (retries.STRIPE)."""
        setattr(self.counts, kind, getattr(self.counts, kind) + 1)
        options: dict[str, Any] = {"stripe_account": self.account} if self.account else {}
        query = {**dict(params or {}), **options}
        response = self.backoff.call(lambda: self.client.raw_request("get", path, **query))
        data = response.data
        if not isinstance(data, dict):
            raise stripe.APIError(f"GET {path}: expected a JSON object, got {type(data).__name__}")
        return data

    def list_pages(
        self, path: str, params: Mapping[str, Any] | None = None, kind: str = "list"
    ) -> Iterator[list[dict[str, Any]]]:
        """Every page of a list, newest first: pages of 100, `starting_after` the last id, until has_more."""
        query = {**dict(params or {}), "limit": PAGE_SIZE}
        while True:
            page = self.get(path, query, kind)
            items: list[dict[str, Any]] = list(page.get("data") or [])
            if items:
                yield items
            if not page.get("has_more") or not items:
                return
            query["starting_after"] = items[-1]["id"]

    def retrieve(self, path: str) -> dict[str, Any]:
        """One object by its path (`/v1/charges/ch_...`), in its current, complete shape."""
        return self.get(path, kind="retrieve")

    def newest_event(self, types: Sequence[str]) -> dict[str, Any] | None:
        """The newest event of these types, or None: the feed's position before a created pass."""
        page = self.get("/v1/events", {"types": list(types), "limit": 1}, kind="events")
        items = page.get("data") or []
        return dict(items[0]) if items else None

    def events_after(self, types: Sequence[str], after_id: str | None) -> list[dict[str, Any]]:
        """Events of these types newer than event `after_id` (all of them when None), oldest first.

        `ending_before` pages towards newer events from a known one, so a same-second event that arrived
        after the last read is still found, and none is read twice (a time cursor can do neither).
        """
        base: dict[str, Any] = {"types": list(types), "limit": PAGE_SIZE}
        if after_id is None:
            newest_first = [event for page in self.list_pages("/v1/events", base, "events") for event in page]
            return newest_first[::-1]
        found: list[dict[str, Any]] = []
        cursor = after_id
        while True:
            page = self.get("/v1/events", {**base, "ending_before": cursor}, kind="events")
            items: list[dict[str, Any]] = list(page.get("data") or [])
            found.extend(reversed(items))  # each page is newest first; we want the feed in time order
            if not page.get("has_more") or not items:
                return found
            cursor = items[0]["id"]
