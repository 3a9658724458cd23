"""Runtime settings changed through POST /_sandbox/config and persisted with the world."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal, InvalidOperation
from typing import Any

from . import errors

FAULT_KINDS = ("500", "429", "drop")


@dataclass
class Config:
    """Fees are percentages as decimal strings and minor units of the settlement currency.

    `settlement_currency` is the account's default currency. `settlement_currencies` adds the currencies the
    account also has a bank account in: as on Stripe, a charge presented in one of them settles in it without
    conversion, its own balance builds up and is paid out to that bank account; the fixed fees
    (`fee_fixed`, `dispute_fee`) are then taken in that currency's minor units.
    """

    settlement_currency: str = "usd"
    settlement_currencies: list[str] = field(default_factory=list)
    fee_percent: str = "2.9"
    fee_fixed: int = 30
    international_percent: str = "1.5"
    conversion_percent: str = "1"
    dispute_fee: int = 1500
    availability_days: int = 2
    payout_schedule: bool = True
    fail_next_payout: bool = False
    shuffle_deliveries: bool = False
    latency_ms: int = 0
    fault_rate: float = 0.0
    fault_kinds: list[str] = field(default_factory=lambda: ["500"])
    fault_seed: int | None = None
    business_name: str = "Sandbox Company"
    brand_color: str = ""  # settings.branding.primary_color (#rrggbb; "" = none); Checkout uses it
    statement_descriptor: str = "SANDBOX CO"
    country: str = "US"
    email: str = "finance@sandbox.example"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def settles_in(self, presentment: str) -> str:
        """The currency a charge presented in `presentment` settles in (and refunds and disputes of it)."""
        currency = presentment.lower()
        return currency if currency in self.settlement_currencies else self.settlement_currency

    def payout_currencies(self) -> list[str]:
        """Every currency the account holds a balance and a bank account in, the default one first."""
        extra = [code for code in self.settlement_currencies if code != self.settlement_currency]
        return [self.settlement_currency, *extra]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Config:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def updated(self, changes: dict[str, Any]) -> Config:
        """A copy with `changes` applied, each checked; unknown keys are refused by name."""
        current = self.to_json()
        # A nested "fees" object is accepted as a convenience for the fee schedule.
        flat = dict(changes)
        fees = flat.pop("fees", None) or flat.pop("fee_schedule", None)
        if isinstance(fees, dict):
            flat.update(
                {
                    k if k.startswith(("fee_", "dispute", "international", "conversion")) else f"fee_{k}": v
                    for k, v in fees.items()
                }
            )
        for key, value in flat.items():
            if key not in current:
                raise errors.invalid(f"Unknown sandbox setting: {key}", key)
            current[key] = _checked(key, value, current[key])
        return Config.from_json(current)


def _checked(key: str, value: Any, old: Any) -> Any:
    if key in ("fee_percent", "international_percent", "conversion_percent"):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise errors.invalid(f"{key} must be a decimal number", key) from None
        if number < 0:
            raise errors.invalid(f"{key} must not be negative", key)
        return str(number)
    if key == "settlement_currency":
        return str(value).lower()
    if key == "settlement_currencies":
        return _currencies(key, value)
    if key == "brand_color":
        if not isinstance(value, str) or not (value == "" or re.fullmatch(r"#[0-9a-fA-F]{6}", value)):
            raise errors.invalid("brand_color must be a #rrggbb colour (or empty for none)", key)
        return value.lower()
    if key == "fault_kinds":
        if not isinstance(value, list) or any(kind not in FAULT_KINDS for kind in value):
            raise errors.invalid(f"fault_kinds must be a list of {', '.join(FAULT_KINDS)}", key)
        return [str(kind) for kind in value]
    if key == "fault_rate":
        try:
            rate = float(value)
        except (TypeError, ValueError):
            raise errors.invalid("fault_rate must be a number between 0 and 1", key) from None
        if not 0 <= rate <= 1:
            raise errors.invalid("fault_rate must be between 0 and 1", key)
        return rate
    if key == "fault_seed":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise errors.invalid("fault_seed must be an integer (or null for the sandbox's seed)", key)
        return value
    if isinstance(old, bool):
        if not isinstance(value, bool):
            raise errors.invalid(f"{key} must be true or false", key)
        return value
    if isinstance(old, int):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise errors.invalid(f"{key} must be a non-negative integer", key)
        return value
    return str(value)


def _currencies(key: str, value: Any) -> list[str]:
    """A list of distinct supported ISO codes, lower-case (money imports this module: imported late)."""
    from .money import SUPPORTED

    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise errors.invalid(f"{key} must be a list of currency codes, e.g. [\"usd\", \"eur\"]", key)
    codes: list[str] = []
    for code in value:
        lowered = code.strip().lower()
        if lowered not in SUPPORTED:
            raise errors.invalid(f"{key}: {code!r} is not a currency the sandbox supports", key)
        if lowered not in codes:
            codes.append(lowered)
    return codes
