"""Loading a customer that a request names, shared by the resources that take a `customer` parameter.

Apart from customers.py because customers.py itself needs PaymentMethods (create with `payment_method`):
PaymentMethods, PaymentIntents, SetupIntents and Checkout load customers from here without an import cycle.
"""

from __future__ import annotations

from typing import Any

from .. import errors
from ..state import Ctx

NOUN = "customer"


def load_customer(ctx: Ctx, customer_id: str, param: str = "customer") -> dict[str, Any]:
    customer = ctx.load(customer_id, "customer", NOUN, param)
    if customer.get("deleted"):
        raise errors.resource_missing(NOUN, customer_id, param)
    return customer
