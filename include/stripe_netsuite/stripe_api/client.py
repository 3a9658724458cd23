"""Stripe client factory: a StripeClient whose every HTTP request passes the rate budget and is counted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import stripe

from stripe_netsuite.config.sections import StripeSettings
from stripe_netsuite.stripe_api.budget import TokenBucket

__all__ = ["BudgetedRequestsClient", "RequestCounter", "StripeSettings", "make_client", "transport_of"]

REQUEST_TIMEOUT_SECONDS = 80.0


@dataclass
class RequestCounter:
    """HTTP requests actually sent (stripe-python's own retries included), by method."""

    by_method: dict[str, int] = field(default_factory=dict)

    def add(self, method: str) -> None:
        key = method.upper()
        self.by_method[key] = self.by_method.get(key, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.by_method.values())


class BudgetedRequestsClient(stripe.RequestsClient):
    """stripe-python's requests transport, taking a budget token before each attempt (retries too)."""

    def __init__(self, bucket: TokenBucket, counter: RequestCounter, **kwargs: Any) -> None:
        super().__init__(timeout=REQUEST_TIMEOUT_SECONDS, **kwargs)
        self.bucket = bucket
        self.counter = counter

    # Same signature as RequestsClient.request (which itself narrows HTTPClient.request).
    def request(  # type: ignore[override]
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        self.bucket.acquire()
        self.counter.add(method)
        return super().request(method, url, headers, post_data)


def make_client(
    settings: StripeSettings,
    bucket: TokenBucket | None = None,
    counter: RequestCounter | None = None,
) -> stripe.StripeClient:
    """A StripeClient for `settings`; pass a shared bucket to budget several clients together.

    stripe-python retries `settings.max_network_retries` times (0 by default: stripe_netsuite.retries makes
    the client layer's Backoff the one retry layer of reads, so each retry is counted and budgeted once).
    """
    transport = BudgetedRequestsClient(
        bucket or TokenBucket(settings.rate_budget), counter if counter is not None else RequestCounter()
    )
    base: dict[str, str] = {"api": settings.api_base} if settings.api_base else {}
    return stripe.StripeClient(
        settings.api_key,
        base_addresses=base,  # type: ignore[arg-type]
        max_network_retries=settings.max_network_retries,
        http_client=transport,
    )


def transport_of(client: stripe.StripeClient) -> BudgetedRequestsClient | None:
    """The budgeted transport of a client made by make_client (None for any other client)."""
    http = getattr(getattr(client, "_requestor", None), "_client", None)
    return http if isinstance(http, BudgetedRequestsClient) else None
