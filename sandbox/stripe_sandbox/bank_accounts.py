"""Stripe's test bank accounts for delayed debits (ACH `us_bank_account`, `sepa_debit`) and their outcomes.

Sources (Stripe docs, "Test your integration"): ACH: routing number 110000000 with the account numbers
below, or the `pm_usBankAccount_*` tokens; SEPA: the IBANs below, or the `pm_*_de` tokens. A debit is
`processing` when confirmed and settles later: ACH "can take up to 4 business days", SEPA "typically takes 5
business days". The sandbox settles each one exactly that many business days (Monday to Friday) after
confirmation, on its clock.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal

ACH_ROUTING_NUMBER = "110000000"
BANK_NAME = "STRIPE TEST BANK"
SETTLE_BUSINESS_DAYS = {"us_bank_account": 4, "sepa_debit": 5}
CURRENCY = {"us_bank_account": "usd", "sepa_debit": "eur"}
# ACH Direct Debit pricing (0.8%, capped at 5.00 USD); the sandbox applies it to SEPA debits too.
DEBIT_FEE_PERCENT = Decimal("0.8")
DEBIT_FEE_CAP = 500


@dataclass(frozen=True)
class BankAccount:
    """A test account and its behaviour: `failure` is the charge's failure_code when the debit fails,
    `never_settles` keeps it processing (ACH 000000000009).

    The accounts that succeed and then get disputed on Stripe (ACH 000555555559, SEPA DE35...) only succeed
    here: the sandbox's disputes are card disputes.
    """

    kind: str
    number: str
    failure: str | None = None
    never_settles: bool = False

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.kind}:{self.number}".encode()).hexdigest()[:16]

    @property
    def country(self) -> str:
        return self.number[:2] if self.kind == "sepa_debit" else "US"

    @property
    def bank_code(self) -> str:
        """For an IBAN, the bank code (BLZ) of a German one: characters 5..12."""
        return self.number[4:12] if self.kind == "sepa_debit" else ACH_ROUTING_NUMBER


ACH: dict[str, BankAccount] = {
    account.number: account
    for account in (
        BankAccount("us_bank_account", "000123456789"),
        BankAccount("us_bank_account", "000111111113", failure="account_closed"),
        BankAccount("us_bank_account", "000111111116", failure="no_account"),
        BankAccount("us_bank_account", "000222222227", failure="insufficient_funds"),
        BankAccount("us_bank_account", "000333333335", failure="debit_not_authorized"),
        BankAccount("us_bank_account", "000444444440", failure="invalid_currency"),
        BankAccount("us_bank_account", "000555555559"),
        BankAccount("us_bank_account", "000000000009", never_settles=True),
    )
}
SEPA: dict[str, BankAccount] = {
    account.number: account
    for account in (
        BankAccount("sepa_debit", "DE89370400440532013000"),
        BankAccount("sepa_debit", "DE08370400440532013003"),
        BankAccount("sepa_debit", "DE62370400440532013001", failure="insufficient_funds"),
        BankAccount("sepa_debit", "DE78370400440532013004", failure="insufficient_funds"),
        BankAccount("sepa_debit", "DE35370400440532013002"),
    )
}

# `pm_usBankAccount_*` and the SEPA `pm_*_de` test PaymentMethods.
SHORTCUTS: dict[str, BankAccount] = {
    "pm_usBankAccount_success": ACH["000123456789"],
    "pm_usBankAccount_accountClosed": ACH["000111111113"],
    "pm_usBankAccount_noAccount": ACH["000111111116"],
    "pm_usBankAccount_insufficientFunds": ACH["000222222227"],
    "pm_usBankAccount_debitNotAuthorized": ACH["000333333335"],
    "pm_usBankAccount_invalidCurrency": ACH["000444444440"],
    "pm_usBankAccount_dispute": ACH["000555555559"],
    "pm_usBankAccount_processing": ACH["000000000009"],
    "pm_success_de": SEPA["DE89370400440532013000"],
    "pm_successDelayed_de": SEPA["DE08370400440532013003"],
    "pm_failed_de": SEPA["DE62370400440532013001"],
    "pm_failedDelayed_de": SEPA["DE78370400440532013004"],
    "pm_disputed_de": SEPA["DE35370400440532013002"],
}

# The charge's failure_message for each failure_code (Stripe's wording for bank debit failures).
FAILURE_MESSAGES = {
    "account_closed": "The customer's bank account has been closed.",
    "no_account": "The customer's bank account could not be located.",
    "insufficient_funds": "The customer's account has insufficient funds to cover this payment.",
    "debit_not_authorized": "The customer has notified their bank that this payment was unauthorized.",
    "invalid_currency": "The bank was unable to process this payment because of its currency.",
}


def failure_message(code: str) -> str:
    return FAILURE_MESSAGES.get(code, "The customer's bank could not process this debit.")


def us_bank_account(routing_number: str, account_number: str) -> BankAccount | None:
    """A known ACH test account (any other valid-looking account number succeeds); None when malformed."""
    digits = account_number.strip()
    if routing_number.strip() != ACH_ROUTING_NUMBER or not digits.isdigit() or not 4 <= len(digits) <= 17:
        return None
    return ACH.get(digits, BankAccount("us_bank_account", digits))


def sepa_account(iban: str) -> BankAccount | None:
    """A known SEPA test IBAN (any other IBAN with a valid checksum succeeds); None when it fails."""
    compact = "".join(iban.split()).upper()
    if not iban_valid(compact):
        return None
    return SEPA.get(compact, BankAccount("sepa_debit", compact))


def iban_valid(iban: str) -> bool:
    """ISO 13616 mod-97 check."""
    if not (15 <= len(iban) <= 34 and iban[:2].isalpha() and iban[2:4].isdigit() and iban.isalnum()):
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def settles_at(kind: str, confirmed_at: int) -> int:
    """When a debit confirmed at `confirmed_at` succeeds or fails: N business days later, same time of day."""
    moment = datetime.datetime.fromtimestamp(confirmed_at, datetime.UTC)
    remaining = SETTLE_BUSINESS_DAYS[kind]
    while remaining:
        moment += datetime.timedelta(days=1)
        if moment.weekday() < 5:
            remaining -= 1
    return int(moment.timestamp())


def debit_fee(settled: int) -> int:
    """The fee on a debit, in settlement minor units: 0.8% rounded half up, capped at 5.00."""
    fee = int((Decimal(settled) * DEBIT_FEE_PERCENT / Decimal(100)).quantize(Decimal(1), "ROUND_HALF_UP"))
    return min(fee, DEBIT_FEE_CAP)
