"""Why a payout's deposit cannot be written: a code, the balance transaction that causes it, what to do.

All or nothing: one problem blocks the whole deposit. A blocked payout is built again on every run, so it
unblocks itself once its cause is fixed (a payment loads, an account is mapped).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["BlockCode", "Blocked", "Problem"]


class BlockCode(Enum):
    """The blocking codes, each with what a person can do about it."""

    MISSING_PAYMENT = ("missing_payment", "load it (python -m stripe_netsuite.sync payments) or fix why its "
                       "load failed; the deposit is retried on the next run")
    ALREADY_DEPOSITED = ("already_deposited", "remove it from the other deposit in NetSuite (a payment is "
                         "deposited once), then re-run")
    UNDEP_FUNDS_ACCOUNT_MISMATCH = ("undep_funds_account_mismatch", "post the payment to Undeposited Funds "
                                    "in NetSuite (only those can be deposited), then re-run")
    UNEQUAL_AMOUNTS = ("unequal_amounts", "correct the NetSuite record to Stripe's amount (or replay the "
                       "Stripe object), then re-run")
    DUPLICATE_NETSUITE_RECORD_IN_PAYOUT = ("duplicate_netsuite_record_in_payout", "two Stripe transactions "
                                           "of this payout point at one NetSuite record: correct the sync "
                                           "records")
    PAYOUT_CURRENCY_ACCOUNT_MISSING = ("payout_currency_account_missing", "map a bank account for this "
                                       "payout currency in the connector's deposit settings, then re-run")
    CUSTOMER_CURRENCY_MISSING = ("customer_currency_missing", "add the payment's currency to the NetSuite "
                                 "customer, then re-run")
    CLEARING_ACCOUNT_MISSING = ("clearing_account_missing", "map a Stripe clearing account for this currency "
                                "in the connector's settings, then re-run")
    UNSUPPORTED_TRANSACTION = ("unsupported_transaction", "the connector does not know where this kind of "
                               "balance transaction posts: record the deposit by hand")

    def __init__(self, code: str, action: str) -> None:
        self.code = code
        self.action = action


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one balance transaction."""

    code: BlockCode
    balance_transaction: str
    detail: str  # what is wrong, naming the Stripe and NetSuite objects

    @property
    def reason(self) -> str:
        """The sentence a report shows: what is wrong and what to do."""
        return f"{self.detail}: {self.code.action}."


# Problems that explain others: a NetSuite record named by two transactions of the payout carries one
# transaction's amount, so the other's amount differs too; the report must name the cause, not the symptom.
CAUSES = (BlockCode.DUPLICATE_NETSUITE_RECORD_IN_PAYOUT,)


@dataclass(frozen=True)
class Blocked:
    """A payout whose deposit is not written, and every problem found (`primary` names its code)."""

    payout_id: str
    problems: tuple[Problem, ...]

    def __post_init__(self) -> None:
        if not self.problems:
            raise ValueError("a blocked payout needs at least one problem")

    @property
    def primary(self) -> Problem:
        """The problem a report names: the first cause (CAUSES) found, else the first problem."""
        return next((p for p in self.problems if p.code in CAUSES), self.problems[0])

    @property
    def code(self) -> str:
        return self.primary.code.code

    @property
    def balance_transaction(self) -> str:
        return self.primary.balance_transaction

    @property
    def reason(self) -> str:
        return self.primary.reason
