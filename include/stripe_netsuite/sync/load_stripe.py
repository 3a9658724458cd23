"""Writing the NetSuite internal ids back into the Stripe objects' metadata (so finance sees them in Stripe).

The keys are the metadata contract's (stripe_netsuite.stripe_metadata). Stripe merges metadata on update,
so other keys stay; a value Stripe already holds is not sent again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import stripe

from stripe_netsuite import stripe_metadata as meta

__all__ = ["payment_metadata", "reversal_metadata", "write_metadata"]

# Stripe id prefix -> the API path of its kind (bank debit charges are py_, their refunds pyr_).
_PATHS = {
    "ch_": "/v1/charges/",
    "py_": "/v1/charges/",
    "re_": "/v1/refunds/",
    "pyr_": "/v1/refunds/",
    "dp_": "/v1/disputes/",
    "du_": "/v1/disputes/",
}


def payment_metadata(payment_id: str) -> dict[str, str]:
    """What a charge carries once its customer payment is in NetSuite."""
    return {meta.NETSUITE_CUSTOMER_PAYMENT_ID: payment_id}


def reversal_metadata(refund_id: str, credit_memo_id: str | None) -> dict[str, str]:
    """What a refund or dispute carries once its customer refund (and credit memo) are in NetSuite."""
    values = {meta.NETSUITE_CUSTOMER_REFUND_ID: refund_id}
    if credit_memo_id is not None:
        values[meta.NETSUITE_CREDIT_MEMO_ID] = credit_memo_id
    return values


def write_metadata(
    client: stripe.StripeClient, obj: Mapping[str, Any], values: Mapping[str, str], account: str = ""
) -> bool:
    """Set `values` in the Stripe object's metadata; False when Stripe already held them (nothing sent)."""
    held = meta.metadata_of(obj)
    if all(held.get(key) == value for key, value in values.items()):
        return False
    stripe_id = str(obj["id"])
    path = next((p for prefix, p in _PATHS.items() if stripe_id.startswith(prefix)), None)
    if path is None:
        raise ValueError(f"no metadata write-back for Stripe object {stripe_id}")
    options: dict[str, Any] = {"stripe_account": account} if account else {}
    # Keyed by object and values, so a retried request is applied once by Stripe.
    key = "netsuite-ids-" + stripe_id + "-" + "-".join(f"{k}={v}" for k, v in sorted(values.items()))
    client.raw_request("post", path + stripe_id, metadata=dict(values), idempotency_key=key[:255], **options)
    return True
