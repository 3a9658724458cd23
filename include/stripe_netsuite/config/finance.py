"""Settings for finance: who gets the connector's mails (FINANCE_*) and when deposits wait for a review.

The mail goes through Airflow's SMTP provider, so the SMTP server, its login and the sender live in an Airflow
connection (`smtp_default` unless FINANCE_SMTP_CONN_ID names another); here are only the recipients.
The review mode (DEPOSIT_REVIEW) makes `netsuite_deposits` ask a person before writing a deposit above its
currency's DEPOSIT_REVIEW_ABOVE amount, or any deposit with an adjustment line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from stripe_netsuite.config import parsers as p
from stripe_netsuite.config.fields import setting
from stripe_netsuite.money import MoneyError, from_minor, normalize_currency

__all__ = ["NotifySettings", "ReviewSettings"]

# A pragmatic address check (one @, no spaces or angle brackets): the SMTP server is the real judge, this only
# stops a typo or a header injection (a newline) at start.
_ADDRESS = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+")


def _addresses(text: str) -> tuple[str, ...]:
    found = tuple(part.strip() for part in text.split(",") if part.strip())
    bad = [address for address in found if not _ADDRESS.fullmatch(address)]
    if bad:
        raise ValueError(f"not an email address: {', '.join(bad)}")
    return found


def _address(text: str) -> str:
    if not _ADDRESS.fullmatch(text):
        raise ValueError(f"not an email address: {text}")
    return text


def _conn_id(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,250}", text):
        raise ValueError("must be an Airflow connection id (letters, digits, _ . -)")
    return text


def _amounts(text: str) -> Mapping[str, Decimal]:
    """`USD=10000,JPY=1500000`: an amount in major units per currency, each currency once."""
    amounts: dict[str, Decimal] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        code, sep, amount = (piece.strip() for piece in item.partition("="))
        try:
            currency = normalize_currency(code)
            value = Decimal(amount)
        except (MoneyError, InvalidOperation):
            raise ValueError(f"{item!r} is not CURRENCY=AMOUNT (e.g. USD=10000,EUR=9000)") from None
        if not sep or not value.is_finite() or value < 0:
            raise ValueError(f"{item!r} is not CURRENCY=AMOUNT (e.g. USD=10000,EUR=9000)")
        if currency in amounts:
            raise ValueError(f"{currency} is listed twice")
        amounts[currency] = value
    return MappingProxyType(amounts)


def _no_amounts() -> Mapping[str, Decimal]:
    return MappingProxyType({})


@dataclass(frozen=True)
class NotifySettings:
    """The finance list: blocked payouts, failed records, failed DAG runs and the daily report go there."""

    to: tuple[str, ...] = setting("FINANCE_EMAIL_TO", _addresses, default=())
    # None: the SMTP connection's own from_email (its extra), as Airflow's SmtpNotifier does.
    from_email: str | None = setting("FINANCE_EMAIL_FROM", _address)
    smtp_conn_id: str = setting("FINANCE_SMTP_CONN_ID", _conn_id, default="smtp_default")
    # Where the links in a mail point (the Airflow UI the finance team signs in to); None: no links.
    airflow_url: str | None = setting("FINANCE_AIRFLOW_URL", p.url)

    @property
    def enabled(self) -> bool:
        return bool(self.to)


@dataclass(frozen=True)
class ReviewSettings:
    """Review mode of deposits: which ones wait for a person's approval before they are written."""

    enabled: bool = setting("DEPOSIT_REVIEW", p.boolean, default=False)
    above: Mapping[str, Decimal] = setting("DEPOSIT_REVIEW_ABOVE", _amounts, factory=_no_amounts)

    def reasons(self, amount_minor: int, currency: str, adjustments: int) -> list[str]:
        """Why a deposit of `amount_minor` with `adjustments` adjustment lines needs review (empty: none)."""
        if not self.enabled:
            return []
        reasons = []
        code = normalize_currency(currency)
        limit = self.above.get(code)
        if limit is not None and abs(from_minor(amount_minor, code)) > limit:
            reasons.append(f"above the review amount of {limit} {code}")
        if adjustments:
            reasons.append(f"has {adjustments} adjustment line{'s' if adjustments != 1 else ''}")
        return reasons
