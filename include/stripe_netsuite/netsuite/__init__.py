"""NetSuite SuiteTalk REST client: TBA and OAuth 2.0 auth, records, upserts, SuiteQL, retries, concurrency.

    settings = NetSuiteSettings.from_env()      # ConfigError names a missing or bad NETSUITE_* variable
    with NetSuiteClient(settings) as netsuite:  # thread-safe: share one client between worker threads
        payment_id = netsuite.upsert("customerPayment", "ch_123", {...})  # PUT .../eid:ch_123, repeatable
        for row in netsuite.suiteql("SELECT id, balance FROM customer ORDER BY id"):
            ...

Clients of one account in one process share a ConcurrencyLimiter (`shared_limiter`) unless given one.
"""

from stripe_netsuite.netsuite.auth import OAuth2ClientCredentials, TokenBasedAuth
from stripe_netsuite.netsuite.client import AsyncResult, NetSuiteClient
from stripe_netsuite.netsuite.errors import *  # noqa: F403 (re-export every error)
from stripe_netsuite.netsuite.errors import __all__ as _errors
from stripe_netsuite.netsuite.limiter import ConcurrencyLimiter, shared_limiter
from stripe_netsuite.netsuite.retry import RetryPolicy
from stripe_netsuite.netsuite.settings import NetSuiteSettings
from stripe_netsuite.netsuite.stats import ClientStats

__all__ = [
    *_errors,
    "AsyncResult",
    "ClientStats",
    "ConcurrencyLimiter",
    "NetSuiteClient",
    "NetSuiteSettings",
    "OAuth2ClientCredentials",
    "RetryPolicy",
    "TokenBasedAuth",
    "shared_limiter",
]
