"""Stripe client factory: a StripeClient whose every HTTP request passes the rate budget and is counted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import stripe

from stripe_netsuite.stripe_api.budget import DEFAULT_RATE_BUDGET, TokenBucket

DEFAULT_MAX_NETWORK_RETRIES = 3
REQUEST_TIMEOUT_SECONDS = 80.0


@dataclass(frozen=True)
class StripeSettings:
    """What a Stripe client needs; built from the `stripe_default` connection or STRIPE_* variables."""

    api_key: str
    api_base: str | None = None  # None = api.stripe.com
    connected_account_ids: tuple[str, ...] = ()
    rate_budget: float = DEFAULT_RATE_BUDGET
    max_network_retries: int = DEFAULT_MAX_NETWORK_RETRIES

    def __post_init__(self) -> None:
        if not self.api_key:
            raise ValueError("Stripe secret key missing: set the connection's password or STRIPE_API_KEY")
        if self.rate_budget <= 0:
            raise ValueError("rate_budget must be > 0 operations per second")

    @property
    def accounts(self) -> tuple[str, ...]:
        """The platform ('') followed by every connected account to extract."""
        return ("", *self.connected_account_ids)

    @classmethod
    def from_mapping(cls, api_key: str, extra: Mapping[str, Any]) -> StripeSettings:
        """Settings from a secret key and a connection's extras (api_base, connected_account_ids, ...)."""
        accounts = extra.get("connected_account_ids") or ()
        if isinstance(accounts, str):  # a comma-separated list typed into the connection form
            accounts = [part.strip() for part in accounts.split(",")]
        return cls(
            api_key=api_key,
            api_base=(str(extra["api_base"]).rstrip("/") if extra.get("api_base") else None),
            connected_account_ids=tuple(str(account) for account in accounts if account),
            rate_budget=float(extra.get("rate_budget") or DEFAULT_RATE_BUDGET),
            max_network_retries=int(extra.get("max_network_retries") or DEFAULT_MAX_NETWORK_RETRIES),
        )


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
    """A StripeClient for `settings`; pass a shared bucket to budget several clients together."""
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
