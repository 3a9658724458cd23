"""A disagreement between Stripe and NetSuite: both sides, and what a person should do about it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from stripe_netsuite.audit.period import AuditPeriod

__all__ = ["AGREEMENT", "DISAGREEMENT", "AuditResult", "Code", "Disagreement"]

AGREEMENT, DISAGREEMENT = "in agreement", "disagreement"
# What makes the connector write a record again that its sync records call written (audit.requeue).
REQUEUE = "python -m stripe_netsuite.audit --requeue {id}"


class Code(Enum):
    """What is wrong, each with the remedy the report prints (`{id}` is the Stripe id)."""

    MISSING_PAYMENT = (
        "NetSuite has no customer payment for this charge. Written, then deleted by hand: "
        f"`{REQUEUE}` and the next netsuite_payments run writes it again. Never written: the "
        "netsuite_payments report says why (fix that, then `python -m stripe_netsuite.sync replay {id}`)"
    )
    PAYMENT_AMOUNT = (
        "the customer payment's amount is not what Stripe charged (edited by hand?): "
        f"`{REQUEUE}` and the next netsuite_payments run writes Stripe's amount back; a real difference is "
        "a refund in Stripe, never an edit in NetSuite"
    )
    PAYMENT_CURRENCY = (
        "the customer payment is in another currency than the charge: delete it in NetSuite, then "
        f"`{REQUEUE}`; the next netsuite_payments run writes it again"
    )
    PAYMENT_CUSTOMER = (
        "the customer payment is on another customer than the connector's rule gives (moved by hand, or the "
        "customer changed since): move it to the expected customer in NetSuite, or correct "
        "metadata.netsuite_customer_id in Stripe if NetSuite is right"
    )
    PAYMENT_FOR_UNPAID_CHARGE = (
        "NetSuite has a customer payment for a charge Stripe says did not take money: delete the payment in "
        "NetSuite (check the customer's balance first)"
    )
    FAILED_DEBIT_NOT_REVERSED = (
        "the bank debit failed in Stripe but its customer payment stands without the `fail-` customer "
        f"refund: `{REQUEUE}` and the next netsuite_payments run writes it"
    )
    MISSING_REFUND = (
        "NetSuite has no customer refund for this refund or dispute withdrawal. Written, then deleted by "
        f"hand: `{REQUEUE}` and the next netsuite_payments run writes it again. Never written: the "
        "netsuite_payments report says why"
    )
    REFUND_AMOUNT = (
        "the customer refund's amount is not what Stripe returned (edited by hand?): "
        f"`{REQUEUE}` and the next netsuite_payments run writes Stripe's amount back"
    )
    REFUND_CURRENCY = (
        "the customer refund is in another currency than Stripe's refund: delete it in NetSuite, then "
        f"`{REQUEUE}`"
    )
    REFUND_CUSTOMER = (
        "the customer refund is on another customer than its payment: move it to the payment's customer"
    )
    REFUND_NOT_TAKEN = (
        "NetSuite has a customer refund for a refund Stripe says failed or was cancelled (no money left): "
        "delete or void the customer refund in NetSuite"
    )
    REFUND_RETURN = (
        "the refund failed after it left Stripe's balance, and NetSuite lacks the `rf-` customer payment "
        "that brings its money back into the clearing account, or it differs (see detail): "
        f"`{REQUEUE}` and the next netsuite_payments run writes it"
    )
    MISSING_DEPOSIT = (
        "NetSuite has no deposit for this paid payout. Written, then deleted by hand: "
        f"`{REQUEUE}` and the next netsuite_deposits run writes it again. Blocked: the "
        "netsuite_deposits report gives the code and the balance transaction; it writes itself once fixed"
    )
    DEPOSIT_TOTAL = (
        "the deposit's total is not the payout's amount, so the bank statement will not reconcile: delete "
        f"the deposit in NetSuite, then `{REQUEUE}`; the next netsuite_deposits run writes it again"
    )
    DEPOSIT_DATE = (
        "the deposit is not dated the payout's arrival day (the bank statement line's date): "
        f"`{REQUEUE}` and the next netsuite_deposits run writes the date back"
    )
    DEPOSIT_CURRENCY = (
        "the deposit is in another currency than the payout: delete it in NetSuite, then "
        f"`{REQUEUE}`"
    )
    PAYOUT_FAILED_NOT_REVERSED = (
        "the payout failed after its deposit was written, and the `rev-` journal entry moving the money back "
        f"to the clearing account is missing: `{REQUEUE}` and the next netsuite_deposits run writes it"
    )
    DUPLICATE = (
        "NetSuite holds a second record for this Stripe object, without its external id (copied or entered "
        "by hand; its memo names the object): delete or void the copy, keep the one with the external id"
    )
    UNKNOWN_TO_STRIPE = (
        "Stripe does not know this id: a record made by hand (or in another Stripe account) under a Stripe "
        "external id. Find who made it; delete it, or clear its external id if it is a real transaction"
    )
    WRONG_KIND = (
        "the external id names a Stripe object of another kind than the record (a payment under a refund's "
        "id, say): the record was made or edited by hand; correct or delete it"
    )
    UNREADABLE = (
        "the audit cannot read what the connector would write for this Stripe object (the reason says why); "
        "the netsuite_payments report shows the same error"
    )

    def __init__(self, remedy: str) -> None:
        self.remedy = remedy


@dataclass(frozen=True)
class Disagreement:
    """One thing Stripe and NetSuite disagree on, with both sides as the report shows them."""

    code: Code
    stripe_id: str
    stripe: Mapping[str, str]
    netsuite: Mapping[str, str] | None  # None: NetSuite holds nothing for it
    detail: str = ""

    @property
    def what_to_do(self) -> str:
        return self.code.remedy.format(id=self.stripe_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code.name.lower(),
            "stripe_id": self.stripe_id,
            "stripe": dict(self.stripe),
            "netsuite": dict(self.netsuite) if self.netsuite is not None else None,
            "detail": self.detail,
            "what_to_do": self.what_to_do,
        }


@dataclass(frozen=True)
class AuditResult:
    """What an audit compared and every disagreement it found."""

    period: AuditPeriod
    checked: Mapping[str, int]
    disagreements: Sequence[Disagreement] = field(default_factory=tuple)

    @property
    def verdict(self) -> str:
        return AGREEMENT if not self.disagreements else DISAGREEMENT
