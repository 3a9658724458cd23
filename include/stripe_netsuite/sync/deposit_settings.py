"""DepositSettings: the NetSuite accounts a payout's deposit posts to, validated once, as one frozen value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from stripe_netsuite.money import normalize_currency
from stripe_netsuite.sync.settings import LedgerSettings

__all__ = ["DepositSettings"]


def _internal_id(name: str, value: str) -> str:
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        raise ValueError(f"{name} must be a NetSuite internal id (digits), got {value!r}")
    return value


def _by_currency(name: str, accounts: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType({normalize_currency(code): _internal_id(f"{name} for {code}", account)
                             for code, account in accounts.items()})


@dataclass(frozen=True)
class DepositSettings:
    """Where each line of a deposit posts.

    - bank_accounts: payout currency (ISO) -> the bank account Stripe pays out to (the deposit's account).
    - fee_account_id: the "payment fees" expense account every Stripe fee goes to by default.
    - fee_accounts: Stripe fee type (`stripe_fee`, `application_fee`, `tax`, ...) -> its own account.
    - adjustment_account_id: Stripe adjustments and the money a won dispute brings back.
    - clearing_accounts / undeposited_funds_account_id: the ledger's (`for_ledger` copies them, so the refunds
      and the deposit's cash back can never name different clearing accounts).
    """

    bank_accounts: Mapping[str, str]
    fee_account_id: str
    adjustment_account_id: str
    clearing_accounts: Mapping[str, str]
    undeposited_funds_account_id: str
    fee_accounts: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("fee_account_id", "adjustment_account_id", "undeposited_funds_account_id"):
            _internal_id(name, getattr(self, name))
        object.__setattr__(self, "bank_accounts", _by_currency("bank account", self.bank_accounts))
        clearing = _by_currency("clearing account", self.clearing_accounts)
        object.__setattr__(self, "clearing_accounts", clearing)
        fees = {}
        for fee_type, account in self.fee_accounts.items():
            if not isinstance(fee_type, str) or not fee_type:
                raise ValueError(f"a fee type must be a Stripe fee_details type, got {fee_type!r}")
            fees[fee_type] = _internal_id(f"fee account for {fee_type}", account)
        object.__setattr__(self, "fee_accounts", MappingProxyType(fees))

    @classmethod
    def for_ledger(
        cls,
        ledger: LedgerSettings,
        *,
        bank_accounts: Mapping[str, str],
        fee_account_id: str,
        adjustment_account_id: str,
        fee_accounts: Mapping[str, str] | None = None,
    ) -> DepositSettings:
        """Deposit settings sharing the ledger's clearing and Undeposited Funds accounts."""
        return cls(bank_accounts=bank_accounts, fee_account_id=fee_account_id,
                   adjustment_account_id=adjustment_account_id, clearing_accounts=ledger.clearing_accounts,
                   undeposited_funds_account_id=ledger.undeposited_funds_account_id,
                   fee_accounts=fee_accounts or {})

    def bank_account(self, currency: str) -> str | None:
        """The bank account payouts in `currency` arrive in; None when none is mapped."""
        return self.bank_accounts.get(normalize_currency(currency))

    def fee_account(self, fee_type: str) -> str:
        """The account a Stripe fee of `fee_type` posts to."""
        return self.fee_accounts.get(fee_type, self.fee_account_id)

    def clearing_account(self, currency: str) -> str | None:
        """The clearing account refunds in `currency` are paid from; None when none is mapped."""
        return self.clearing_accounts.get(normalize_currency(currency))
