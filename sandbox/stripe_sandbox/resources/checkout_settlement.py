"""What a Checkout Session learns when the delayed payment (bank debit) it completed with settles.

Apart from checkout_sessions.py, which validates through payment_intents.py, so that payment_intents.py can
tell the session about a settlement without the two modules importing each other.
"""

from __future__ import annotations

import copy
from typing import Any

from ..events import emit
from ..state import Ctx


def async_payment_result(ctx: Ctx, pi: dict[str, Any], *, succeeded: bool) -> None:
    """A delayed payment (bank debit) of a completed session settled: the session learns it, as on Stripe
    (`payment_status` paid and `checkout.session.async_payment_succeeded`, or `..._failed`)."""
    rows = ctx.store.select(
        "SELECT * FROM objects WHERE type = 'checkout.session' AND account = ? AND payment_intent = ?",
        (ctx.account, pi["id"]),
    )
    for row in rows:
        session = row.data
        if session["status"] != "complete":
            continue
        before = copy.deepcopy(session)
        if succeeded:
            session["payment_status"] = "paid"
        ctx.save(session)
        kind = "succeeded" if succeeded else "failed"
        emit(ctx, f"checkout.session.async_payment_{kind}", session, before if succeeded else None)
