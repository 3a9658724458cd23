"""The errors the pure mappings raise: a Stripe object that cannot become a NetSuite record as it stands."""

from __future__ import annotations


class LedgerMappingError(ValueError):
    """Why a Stripe object cannot be written to NetSuite, and what a person can do about it.

    The loader marks the object failed with this message and goes on with the others: retrying cannot fix it,
    a change in NetSuite or in the connector's settings can (then replay the Stripe id).
    """


class CustomerCurrencyError(LedgerMappingError):
    """The NetSuite customer lacks the charge's currency and the connector may not add it."""
