"""Who the customer is paying: the Stripe account's public details (GET /v1/account), cached.

Stripe's hosted Checkout page and card mandates name the account's public business name; our pages and the
consent text must name the same business, or a customer could take one of them for phishing. So the pages
take the name (and the brand colour) from the account by default; an explicit setting may still override.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import stripe

__all__ = [
    "DEFAULT_BUSINESS_NAME",
    "MerchantProfile",
    "MerchantProfileCache",
    "MerchantProfileUnavailableError",
    "fetch_merchant_profile",
    "page_brand_color",
    "page_business_name",
]

DEFAULT_BUSINESS_NAME = "Payments"
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class MerchantProfileUnavailableError(stripe.StripeError):
    """Stripe did not answer the account lookup a moment ago; not asked again until `retry_after` passes."""


@dataclass(frozen=True)
class MerchantProfile:
    """The account's public details a payment page shows; every field may be missing on a real account."""

    name: str | None = None
    primary_color: str | None = None
    support_email: str | None = None
    support_phone: str | None = None
    support_url: str | None = None


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value else None


def fetch_merchant_profile(client: stripe.StripeClient) -> MerchantProfile:
    """The public details of the key's own account (business_profile, settings.branding)."""
    account = client.v1.accounts.retrieve_current().to_dict()
    profile = account.get("business_profile") or {}
    settings = account.get("settings") or {}
    branding = settings.get("branding") or {}
    dashboard = settings.get("dashboard") or {}
    color = _text(branding.get("primary_color"))
    return MerchantProfile(
        # Checkout shows business_profile.name; an account without one is shown by its dashboard name.
        name=_text(profile.get("name")) or _text(dashboard.get("display_name")),
        primary_color=color if color and _COLOR.match(color) else None,
        support_email=_text(profile.get("support_email")),
        support_phone=_text(profile.get("support_phone")),
        support_url=_text(profile.get("support_url")),
    )


def page_business_name(explicit: str | None, profile: MerchantProfile | None) -> str:
    """The name the pages and the consent show: the explicit setting, else Stripe's, else a neutral word."""
    return explicit or (profile.name if profile else None) or DEFAULT_BUSINESS_NAME


def page_brand_color(explicit: str | None, profile: MerchantProfile | None, default: str) -> str:
    """The pages' brand colour: the explicit setting, else the account's Checkout branding colour."""
    return explicit or (profile.primary_color if profile else None) or default


class MerchantProfileCache:
    """The profile, fetched once per process and refreshed in the background every `ttl` seconds.

    Account details change rarely, so a page never waits for Stripe except in a cold process. When a refresh
    fails the last profile is kept and retried after `retry_after` seconds; only a process that never got one
    sees the error.
    """

    def __init__(
        self,
        fetch: Callable[[], MerchantProfile],
        ttl: float = 600.0,
        retry_after: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._retry_after = retry_after
        self._clock = clock
        self._lock = threading.Lock()  # guards the fields below
        self._load_lock = threading.Lock()  # one cold fetch at a time
        self._profile: MerchantProfile | None = None
        self._next_fetch = 0.0
        self._refreshing = False
        self._cold_failure_until = 0.0

    def get(self) -> MerchantProfile:
        """The cached profile (a due refresh runs in the background); stripe.StripeError only when cold."""
        with self._lock:
            profile = self._profile
            if profile is not None:
                if self._clock() >= self._next_fetch and not self._refreshing:
                    self._refreshing = True
                    threading.Thread(target=self.refresh, name="merchant-profile", daemon=True).start()
                return profile
        with self._load_lock:
            if self._profile is not None:
                return self._profile
            if self._clock() < self._cold_failure_until:
                # Every page of a cold process would otherwise wait for Stripe's timeouts again.
                raise MerchantProfileUnavailableError("Stripe account details are unavailable")
            try:
                return self._store(self._fetch())
            except stripe.StripeError:
                self._cold_failure_until = self._clock() + self._retry_after
                raise

    def refresh(self) -> None:
        """Fetch now; on a Stripe failure keep the last profile and try again after `retry_after`."""
        try:
            self._store(self._fetch())
        except stripe.StripeError:
            with self._lock:
                self._next_fetch = self._clock() + self._retry_after
        finally:
            with self._lock:
                self._refreshing = False

    def peek(self) -> MerchantProfile | None:
        """The last profile fetched, without asking Stripe (for error pages, which must not fail again)."""
        return self._profile

    def _store(self, profile: MerchantProfile) -> MerchantProfile:
        with self._lock:
            self._profile = profile
            self._next_fetch = self._clock() + self._ttl
        return profile
