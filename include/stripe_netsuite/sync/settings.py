"""LedgerSettings: every choice the ledger mappings need, validated once, as one frozen value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stripe_netsuite.money import normalize_currency
from stripe_netsuite.sync.errors import LedgerMappingError

__all__ = ["LedgerSettings"]


def _internal_id(name: str, value: str) -> str:
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        raise ValueError(f"{name} must be a NetSuite internal id (digits), got {value!r}")
    return value


@dataclass(frozen=True)
class LedgerSettings:
    """What the connector is told about the NetSuite account; built from the process's settings at its edge.

    - time_zone: the NetSuite account's time zone (IANA name); a Stripe time becomes a tranDate there.
    - base_currencies: subsidiary internal id -> its base currency (ISO), for exchangeRate.
    - payment_option_id: the "Stripe" payment method, sent as paymentOption on payments and refunds.
    - undeposited_funds_account_id: the Undeposited Funds account payments post to (undepFunds "T").
    - clearing_accounts: currency (ISO) -> the Stripe clearing bank account refunds are paid from; the money
      leaves the real bank with the payout, on the deposit, so a refund never names the bank.
    - unallocated_customer_id: the catch-all "Stripe Unallocated Charges" customer.
    - credit_memo_item_id: the item a refund's credit memo line names (a credit memo needs an item line).
    - auto_apply: apply a payment that names no invoice to the customer's oldest open invoices.
    - add_customer_currency: add a charge's currency to a NetSuite customer that lacks it (else fail).
    - match_by_email: match a charge without a NetSuite customer id by the payer's email.
    """

    time_zone: str
    base_currencies: Mapping[str, str]
    payment_option_id: str
    undeposited_funds_account_id: str
    clearing_accounts: Mapping[str, str]
    unallocated_customer_id: str
    credit_memo_item_id: str
    auto_apply: bool = False
    add_customer_currency: bool = False
    match_by_email: bool = False
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(f"time_zone {self.time_zone!r} is not an IANA time zone name") from None
        object.__setattr__(self, "_zone", zone)
        for name in ("payment_option_id", "undeposited_funds_account_id", "unallocated_customer_id",
                     "credit_memo_item_id"):
            _internal_id(name, getattr(self, name))
        if not self.base_currencies:
            raise ValueError("base_currencies needs the base currency of at least one subsidiary")
        bases = {_internal_id("subsidiary", key): normalize_currency(code)
                 for key, code in self.base_currencies.items()}
        clearing = {normalize_currency(code): _internal_id(f"clearing account for {code}", account)
                    for code, account in self.clearing_accounts.items()}
        object.__setattr__(self, "base_currencies", MappingProxyType(bases))
        object.__setattr__(self, "clearing_accounts", MappingProxyType(clearing))

    @property
    def zone(self) -> ZoneInfo:
        """The account's time zone."""
        return self._zone

    def base_currency(self, subsidiary_id: str | None) -> str:
        """The base currency of a subsidiary; a customer without one is in the only subsidiary configured."""
        if subsidiary_id is None and len(self.base_currencies) == 1:
            return next(iter(self.base_currencies.values()))
        if subsidiary_id is None or subsidiary_id not in self.base_currencies:
            raise LedgerMappingError(
                f"no base currency is configured for subsidiary {subsidiary_id or '(none)'}: add it to the "
                "connector's subsidiary base currencies"
            )
        return self.base_currencies[subsidiary_id]

    def clearing_account(self, currency: str) -> str:
        """The Stripe clearing account refunds in `currency` are paid from."""
        code = normalize_currency(currency)
        if code not in self.clearing_accounts:
            raise LedgerMappingError(
                f"no Stripe clearing account is configured for {code}: add one to the connector's clearing "
                "accounts, then replay the refund"
            )
        return self.clearing_accounts[code]
