"""Payouts a person recorded in NetSuite by hand, with who, when and why.

A manual payout (Stripe cannot itemise it), a debit payout and a payout that failed before its deposit are
reported on every netsuite_deposits run until someone records them by hand; marking one here is what ends
that (`python -m stripe_netsuite.sync deposits --handled po_... --by NAME --reason TEXT`). A row is never
rewritten: it is the record of a person's decision.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from stripe_netsuite.store.base import Base, UTCDateTime

__all__ = ["HandledPayout"]


class HandledPayout(Base):
    """One payout recorded by hand: `handled_by` (a person's name), `reason` (what they did), when."""

    __tablename__ = "handled_payouts"

    payout_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    handled_by: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    run_id: Mapped[str | None] = mapped_column(String(250))  # the CLI run that recorded it
