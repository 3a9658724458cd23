"""What PaymentIntents and SetupIntents do alike (apart from both modules, which import neither each other
nor this one's callers)."""

from __future__ import annotations

import copy
from typing import Any

from .. import errors
from ..events import emit, public
from ..state import Ctx


def authentication_failed(
    ctx: Ctx, intent: dict[str, Any], *, error_field: str, code: str, message: str, event: str
) -> dict[str, Any]:
    """The customer failed the 3-D Secure challenge: as on Stripe, the intent wants a new payment method and
    says why in `error_field` (`last_payment_error`, `last_setup_error`), naming the method that failed."""
    before = copy.deepcopy(intent)
    pm = ctx.load(intent["payment_method"], "payment_method", "PaymentMethod")
    intent["status"] = "requires_payment_method"
    intent["next_action"] = None
    intent["payment_method"] = None
    intent[error_field] = {
        "code": code,
        "doc_url": errors.DOCS + code,
        "message": message,
        "payment_method": public(pm),
        "type": "invalid_request_error",
    }
    ctx.save(intent)
    emit(ctx, event, intent, before)
    return intent
