"""Currencies, exchange rates and fees, in exact integer minor units.

Duplicated on purpose from nothing in the connector: the sandbox must not share a mistake with it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal

from .config import Config

ZERO_DECIMAL = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)
THREE_DECIMAL = frozenset(["bhd", "jod", "kwd", "omr", "tnd"])

# US dollars per major unit: a fixed base the daily rate varies around (values are plausible, not live).
USD_PER_UNIT: dict[str, Decimal] = {
    code: Decimal(rate)
    for code, rate in {
        "usd": "1",
        "eur": "1.08",
        "gbp": "1.27",
        "cad": "0.74",
        "aud": "0.66",
        "nzd": "0.61",
        "chf": "1.12",
        "jpy": "0.0067",
        "sek": "0.095",
        "nok": "0.094",
        "dkk": "0.145",
        "pln": "0.25",
        "czk": "0.043",
        "huf": "0.0028",
        "ron": "0.22",
        "bgn": "0.55",
        "isk": "0.0072",
        "try": "0.031",
        "ils": "0.27",
        "aed": "0.2723",
        "sar": "0.2667",
        "qar": "0.2747",
        "inr": "0.012",
        "sgd": "0.74",
        "hkd": "0.128",
        "cny": "0.138",
        "twd": "0.031",
        "krw": "0.00075",
        "thb": "0.028",
        "myr": "0.21",
        "php": "0.018",
        "idr": "0.000063",
        "vnd": "0.00004",
        "mxn": "0.058",
        "brl": "0.2",
        "clp": "0.00107",
        "cop": "0.00025",
        "pen": "0.27",
        "zar": "0.054",
        "ngn": "0.00065",
        "kes": "0.0077",
        "egp": "0.021",
        "ugx": "0.00027",
        "pyg": "0.000133",
        "xof": "0.00165",
        "xaf": "0.00165",
        "bhd": "2.65",
        "jod": "1.41",
        "kwd": "3.25",
        "omr": "2.6",
        "tnd": "0.32",
        "mad": "0.1",
    }.items()
}

SUPPORTED = frozenset(USD_PER_UNIT)
_RATE_CONTEXT = Context(prec=8)


def exponent(currency: str) -> int:
    if currency in ZERO_DECIMAL:
        return 0
    if currency in THREE_DECIMAL:
        return 3
    return 2


def _daily_factor(currency: str, day: int) -> Decimal:
    """A deterministic wobble of up to +-0.5% per currency and UTC day, so another day gives another rate."""
    if currency == "usd":
        return Decimal(1)
    digest = hashlib.sha256(f"{currency}:{day}".encode()).digest()
    step = int.from_bytes(digest[:4], "big") % 1001 - 500
    return Decimal(1) + Decimal(step) / Decimal(100_000)


def rate(source: str, target: str, timestamp: int) -> Decimal:
    """Major units of `target` per major unit of `source` on the UTC day of `timestamp`."""
    day = timestamp // 86_400
    source_usd = USD_PER_UNIT[source] * _daily_factor(source, day)
    target_usd = USD_PER_UNIT[target] * _daily_factor(target, day)
    return _RATE_CONTEXT.create_decimal(source_usd / target_usd)


def round_minor(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Conversion:
    """A presentment amount expressed in the settlement currency."""

    amount: int
    currency: str
    exchange_rate: Decimal | None


def convert(amount: int, source: str, target: str, timestamp: int) -> Conversion:
    if source == target:
        return Conversion(amount, target, None)
    used = rate(source, target, timestamp)
    major = Decimal(amount).scaleb(-exponent(source)) * used
    return Conversion(round_minor(major.scaleb(exponent(target))), target, used)


def processing_fee(config: Config, settled: int, international: bool, converted: bool) -> int:
    """The fee on a charge, in settlement minor units: percentage (+ surcharges) plus a fixed part."""
    percent = Decimal(config.fee_percent)
    if international:
        percent += Decimal(config.international_percent)
    if converted:
        percent += Decimal(config.conversion_percent)
    return round_minor(Decimal(settled) * percent / Decimal(100)) + config.fee_fixed


def minimum_charge(currency: str) -> int:
    """About 0.50 USD in `currency`, rounded up to a whole minor unit (Stripe refuses smaller charges)."""
    if currency == "usd":
        return 50
    major = Decimal("0.5") / USD_PER_UNIT[currency]
    minor = major.scaleb(exponent(currency))
    whole = int(minor.to_integral_value(rounding="ROUND_CEILING"))
    return whole


def format_amount(amount: int, currency: str) -> str:
    """`$0.50`-style text for error messages."""
    value = Decimal(amount).scaleb(-exponent(currency))
    symbol = "$" if currency == "usd" else ""
    return (
        f"{symbol}{value:.{exponent(currency)}f} {currency}"
        if symbol
        else f"{value:.{exponent(currency)}f} {currency}"
    )
