"""Currency facts and exact money arithmetic for Stripe amounts: the only module that knows exponents.

Amounts are either integer minor units (what Stripe's API carries) or `Decimal` major units (what NetSuite and
people read). Floats are refused everywhere: a float cannot hold 0.10 exactly.
"""

from __future__ import annotations

import copy
import re
from decimal import (
    ROUND_CEILING,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)

from babel import Locale, UnknownLocaleError

__all__ = [
    "MAX_INTEGER_DIGITS",
    "PUBLISHED_MINIMUMS",
    "STRIPE_CURRENCIES",
    "THREE_DECIMAL_CURRENCIES",
    "USD_RATES",
    "WHOLE_UNIT_PAYOUT_CURRENCIES",
    "ZERO_DECIMAL_CURRENCIES",
    "AmountPrecisionError",
    "InvalidAmountError",
    "MoneyError",
    "UnsupportedCurrencyError",
    "charge_step_minor",
    "exponent",
    "format_minor",
    "format_money",
    "from_minor",
    "is_whole_unit_payout",
    "minimum_charge",
    "minimum_charge_minor",
    "normalize_currency",
    "parse_amount",
    "payout_exponent",
    "round_amount",
    "round_minor",
    "to_minor",
]


class MoneyError(ValueError):
    """A money value that cannot be used; `str(error)` is a sentence fit to show a person."""


class UnsupportedCurrencyError(MoneyError):
    """The currency code is not one Stripe can charge in."""


class AmountPrecisionError(MoneyError):
    """The amount has more decimals than the currency (or Stripe's rule for it) allows."""


class InvalidAmountError(MoneyError):
    """The text is not a plain decimal number."""


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Stripe's presentment currencies (docs.stripe.com/currencies, "Supported presentment currencies"). The
# OpenAPI spec in reference/stripe has no currency enum (currency is a free string there), hence this list.
STRIPE_CURRENCIES: frozenset[str] = _codes(
    """
    USD AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BWP BYN BZD
    CAD CDF CHF CLP CNY COP CRC CVE CZK DJF DKK DOP DZD EGP ETB EUR FJD FKP GBP GEL GIP GMD GNF GTQ GYD
    HKD HNL HTG HUF IDR ILS INR ISK JMD JOD JPY KES KGS KHR KMF KRW KWD KYD KZT LAK LBP LKR LRD LSL MAD
    MDL MGA MKD MMK MNT MOP MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN
    PYG QAR RON RSD RUB RWF SAR SBD SCR SEK SGD SHP SLE SOS SRD STD SZL THB TJS TND TOP TRY TTD TWD TZS
    UAH UGX UYU UZS VND VUV WST XAF XCD XOF XPF YER ZAR ZMW
    """
)

# reference/stripe-api.md "Currencies": "Zero-decimal: BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND
# VUV XAF XOF XPF. Three-decimal: BHD JOD KWD OMR TND (last digit must be 0)."
ZERO_DECIMAL_CURRENCIES: frozenset[str] = _codes(
    "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF"
)
THREE_DECIMAL_CURRENCIES: frozenset[str] = _codes("BHD JOD KWD OMR TND")

# reference/stripe-api.md: "Special cases: HUF, TWD and ISK are charged as two-decimal but paid out as
# whole units; UGX likewise." Our rule: these four currencies pay out in whole units (payout_exponent 0).
# For HUF, TWD and ISK a payout amount in the API is therefore a multiple of 100 minor units. UGX is also
# in the reference's zero-decimal list, and we follow that list for charges (exponent 0: 500 means
# UGX 500), so for UGX "likewise" only restates that its payouts are whole shillings.
WHOLE_UNIT_PAYOUT_CURRENCIES: frozenset[str] = frozenset({"HUF", "TWD", "ISK", "UGX"})

# ISK stays two-decimal in the API but, since 14 April 2023, Stripe rejects charge amounts that are not a
# multiple of 100 (support.stripe.com "Deprecation of fractional ISK charges and refunds"). Three-decimal
# currencies must end in 0 (reference wording above). Everything else: any integer.
_CHARGE_STEP_OVERRIDES: dict[str, int] = {"ISK": 100} | dict.fromkeys(THREE_DECIMAL_CURRENCIES, 10)

# Stripe's published minimum charge amounts, in major units (docs.stripe.com/currencies#minimum-and-maximum-
# charge-amounts). Stripe compares against these in the presentment currency.
PUBLISHED_MINIMUMS: dict[str, Decimal] = {
    code: Decimal(value)
    for code, value in {
        "USD": "0.50", "AED": "2.00", "AUD": "0.50", "BGN": "1.00", "BRL": "0.50", "CAD": "0.50",
        "CHF": "0.50", "CZK": "15.00", "DKK": "2.50", "EUR": "0.50", "GBP": "0.30", "HKD": "4.00",
        "HUF": "175.00", "INR": "0.50", "JPY": "50", "MXN": "10", "MYR": "2", "NOK": "3.00", "NZD": "0.50",
        "PLN": "2.00", "RON": "2.00", "SEK": "3.00", "SGD": "0.50", "THB": "10",
    }.items()
}  # fmt: skip

# Approximate units of each currency per 1 USD (mid-market, rounded, 2025). Used only to derive a minimum
# of about 0.50 USD for currencies without a published one ("Minimum charge about 0.50 USD equivalent").
# They are a floor for early, friendly page errors, not a quote: Stripe stays the authority and may still
# refuse an amount if a currency moves a lot; refresh a rate when it drifts by more than ~20%.
USD_RATES: dict[str, Decimal] = {
    code: Decimal(value)
    for code, value in {
        "AFN": "70", "ALL": "93", "AMD": "390", "ANG": "1.79", "AOA": "915", "ARS": "1200", "AWG": "1.79",
        "AZN": "1.70", "BAM": "1.75", "BBD": "2", "BDT": "122", "BHD": "0.376", "BIF": "2950", "BMD": "1",
        "BND": "1.32", "BOB": "6.91", "BSD": "1", "BWP": "13.8", "BYN": "3.27", "BZD": "2", "CDF": "2850",
        "CLP": "950", "CNY": "7.2", "COP": "4100", "CRC": "505", "CVE": "99", "DJF": "178", "DOP": "62",
        "DZD": "133", "EGP": "49", "ETB": "135", "FJD": "2.27", "FKP": "0.78", "GEL": "2.72", "GIP": "0.78",
        "GMD": "72", "GNF": "8650", "GTQ": "7.7", "GYD": "209", "HNL": "26", "HTG": "131", "IDR": "16400",
        "ILS": "3.6", "ISK": "135", "JMD": "158", "JOD": "0.709", "KES": "129", "KGS": "87", "KHR": "4020",
        "KMF": "440", "KRW": "1400", "KWD": "0.307", "KYD": "0.83", "KZT": "510", "LAK": "21600",
        "LBP": "89500", "LKR": "300", "LRD": "200", "LSL": "18", "MAD": "9.5", "MDL": "17.5", "MGA": "4500",
        "MKD": "55", "MMK": "2100", "MNT": "3580", "MOP": "8.05", "MUR": "46", "MVR": "15.4", "MWK": "1735",
        "MZN": "63.9", "NAD": "18", "NGN": "1550", "NIO": "36.8", "NPR": "138", "OMR": "0.385", "PAB": "1",
        "PEN": "3.6", "PGK": "4.1", "PHP": "57", "PKR": "282", "PYG": "7900", "QAR": "3.64", "RSD": "105",
        "RUB": "90", "RWF": "1420", "SAR": "3.75", "SBD": "8.4", "SCR": "14.3", "SHP": "0.78", "SLE": "22.8",
        "SOS": "571", "SRD": "37", "STD": "22000", "SZL": "18", "TJS": "10.5", "TND": "3.0", "TOP": "2.38",
        "TRY": "39", "TTD": "6.8", "TWD": "31", "TZS": "2600", "UAH": "41.5", "UGX": "3650", "UYU": "40",
        "UZS": "12700", "VND": "26000", "VUV": "120", "WST": "2.75", "XAF": "590", "XCD": "2.7",
        "XOF": "590", "XPF": "108", "YER": "250", "ZAR": "18", "ZMW": "27",
    }.items()
}  # fmt: skip

_USD_MINIMUM = Decimal("0.50")

# Amounts with more integer digits than this are refused as too large: far beyond any balance (Stripe's
# amounts are integers of at most 12 digits), and small enough that every step below is exact in _CONTEXT.
MAX_INTEGER_DIGITS = 30
# Room for MAX_INTEGER_DIGITS plus three decimals and then some: Python's default 28 digits would make
# quantize() raise InvalidOperation on a 27-digit amount and silently round scaleb() on longer ones.
_CONTEXT = Context(prec=MAX_INTEGER_DIGITS + 10, traps=[InvalidOperation, DivisionByZero, Overflow])
_LONGEST_TYPED_AMOUNT = 64  # characters; anything longer is not an amount a person typed


def normalize_currency(currency: str) -> str:
    """Upper-case ISO code of a currency Stripe supports; raises UnsupportedCurrencyError otherwise."""
    if not isinstance(currency, str):
        raise TypeError(f"currency must be a str, not {type(currency).__name__}")
    code = currency.strip().upper()
    if code not in STRIPE_CURRENCIES:
        raise UnsupportedCurrencyError(f"{currency!r} is not a currency Stripe supports.")
    return code


def exponent(currency: str) -> int:
    """Decimals of the currency in Stripe's charge API (0, 2 or 3)."""
    code = normalize_currency(currency)
    if code in ZERO_DECIMAL_CURRENCIES:
        return 0
    if code in THREE_DECIMAL_CURRENCIES:
        return 3
    return 2


def payout_exponent(currency: str) -> int:
    """Decimals a payout amount may carry: 0 for whole-unit payout currencies, else the charge exponent."""
    code = normalize_currency(currency)
    return 0 if code in WHOLE_UNIT_PAYOUT_CURRENCIES else exponent(code)


def is_whole_unit_payout(currency: str) -> bool:
    """True when payouts in this currency are whole units (zero-decimal currencies, HUF, TWD, ISK, UGX)."""
    return payout_exponent(currency) == 0


def charge_step_minor(currency: str) -> int:
    """Smallest multiple of minor units Stripe accepts for a charge (10 for three-decimal, 100 for ISK)."""
    return _CHARGE_STEP_OVERRIDES.get(normalize_currency(currency), 1)


def _require_decimal(amount: Decimal | str | int) -> Decimal:
    # bool is an int subclass; True as an amount is always a bug.
    if isinstance(amount, float | bool) or not isinstance(amount, Decimal | str | int):
        raise TypeError(f"amounts must be Decimal, str or int, not {type(amount).__name__}")
    try:
        value = Decimal(amount) if not isinstance(amount, str) else Decimal(amount.strip())
    except InvalidOperation:
        raise InvalidAmountError(f"{_short(amount)} is not a number.") from None
    if not value.is_finite():
        raise InvalidAmountError(f"{_short(amount)} is not a finite number.")
    if value and value.adjusted() >= MAX_INTEGER_DIGITS:
        raise InvalidAmountError("That amount is too large.")
    return value


def _short(amount: object) -> str:
    """repr() of a refused amount, cut so that a megabyte of digits never reaches a page or a log."""
    text = repr(amount)
    return text if len(text) <= 24 else text[:20] + "...'"


def _has_at_most(value: Decimal, places: int) -> bool:
    """True when `value` has no non-zero digit beyond `places` decimals; exact at any length."""
    _sign, digits, exp = value.as_tuple()
    assert isinstance(exp, int)  # finite: _require_decimal refused NaN and infinity
    extra = -places - exp  # how many trailing digits lie beyond the allowed decimals
    return extra <= 0 or not any(digits[-extra:])


def _decimals_message(code: str) -> str:
    digits = exponent(code)
    if digits == 0:
        return f"{code} amounts have no decimals."
    return f"{code} amounts have at most {digits} decimals."


def to_minor(amount: Decimal | str | int, currency: str) -> int:
    """Exact minor units of a major-unit amount, valid for a Stripe charge in that currency."""
    code = normalize_currency(currency)
    value = _require_decimal(amount)
    if not _has_at_most(value, exponent(code)):
        raise AmountPrecisionError(_decimals_message(code))
    with localcontext(_CONTEXT):
        minor = int(value.scaleb(exponent(code)))  # exact: at most MAX_INTEGER_DIGITS + 3 digits
    step = charge_step_minor(code)
    if minor % step:
        if code == "ISK":
            raise AmountPrecisionError("ISK amounts must be whole krónur.")
        raise AmountPrecisionError(f"{code} amounts must end in 0 in the third decimal (Stripe's rule).")
    return minor


def from_minor(minor: int, currency: str) -> Decimal:
    """Major-unit Decimal of an integer minor amount, with exactly the currency's decimals."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise TypeError(f"minor amounts must be int, not {type(minor).__name__}")
    digits = exponent(currency)
    with localcontext(_CONTEXT):
        value = _require_decimal(Decimal(minor).scaleb(-digits))  # the limit is on major units
        return value.quantize(Decimal(1).scaleb(-digits))


def round_amount(amount: Decimal, currency: str, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round a major-unit amount to the currency's decimals (e.g. a computed fee or a converted amount)."""
    value = _require_decimal(amount)
    with localcontext(_CONTEXT):
        return value.quantize(Decimal(1).scaleb(-exponent(currency)), rounding=rounding)


def round_minor(amount_minor: Decimal | int, currency: str, rounding: str = ROUND_HALF_UP) -> int:
    """Round a fractional minor-unit amount (fee maths: 2.9% of 1999) to a whole number of minor units."""
    normalize_currency(currency)
    value = _require_decimal(amount_minor)
    with localcontext(_CONTEXT):
        return int(value.quantize(Decimal(1), rounding=rounding))


def _round_up_to_step(major: Decimal, code: str) -> int:
    step = charge_step_minor(code)
    minor = int(major.scaleb(exponent(code)).to_integral_value(rounding=ROUND_CEILING))
    return -(-minor // step) * step


def minimum_charge_minor(currency: str) -> int:
    """Smallest charge Stripe accepts, in minor units: the published minimum or about 0.50 USD."""
    code = normalize_currency(currency)
    if code in PUBLISHED_MINIMUMS:
        return _round_up_to_step(PUBLISHED_MINIMUMS[code], code)
    return _round_up_to_step(_USD_MINIMUM * USD_RATES[code], code)


def minimum_charge(currency: str) -> Decimal:
    """Smallest charge Stripe accepts, in major units."""
    return from_minor(minimum_charge_minor(currency), currency)


# A typed amount: optional sign, digits with optional comma thousands groups, optional decimal point.
_PLAIN = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)?(?:\.\d*)?")


def parse_amount(text: str, currency: str) -> Decimal:
    """Decimal of what a person typed as an amount in `currency`; the sign is kept for the caller to judge.

    Accepted: digits with an optional "." decimal point ("1234.50", ".5", "12."), and "," only as a thousands
    separator in complete groups of three ("1,234.50", "12,345"). Anything else is ambiguous across locales
    ("1,5" is 1.5 in Germany) and is refused, as are exponents, NaN and infinity. A single comma group without
    a point ("1,234") is refused for three-decimal currencies, where 1.234 is also a valid reading. A space
    groups thousands like a comma ("1 234.50"). The result carries the currency's decimals ("12.5" USD ->
    Decimal("12.50")).
    """
    code = normalize_currency(currency)
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    stripped = text.strip()
    if len(stripped) > _LONGEST_TYPED_AMOUNT:
        raise InvalidAmountError("That is not an amount; type digits such as 1234.50.")
    # A space (plain, no-break or narrow no-break, as locales print them) may group thousands like a comma.
    cleaned = re.sub(r"[ \u00a0\u202f]", ",", stripped)
    if not cleaned or not _PLAIN.fullmatch(cleaned) or not any(ch.isdigit() for ch in cleaned):
        raise InvalidAmountError(f"{stripped!r} is not an amount; type digits such as 1234.50.")
    if exponent(code) == 3 and stripped.count(",") == 1 and "." not in stripped:
        # "1,234" is 1.234 where a comma is the decimal point, and 1.234 is a valid three-decimal amount.
        raise InvalidAmountError(f"{stripped!r} is ambiguous in {code}; write 1234.000 or 1.234.")
    value = Decimal(cleaned.replace(",", ""))
    to_minor(value, code)  # same precision rules as a charge; trailing zeros ("5.500" USD) are harmless
    return round_amount(value, code)


def _locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        raise MoneyError(f"{locale!r} is not a known locale.") from None


# CLDR's currencySpacing, which Babel does not apply: an ISO code touching a digit gets a no-break space
# ("KWD280.125" -> "KWD 280.125"); symbols such as $ or € are left alone.
_CODE_TOUCHING_DIGIT = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")


def format_money(amount: Decimal | int, currency: str, locale: str = "en_US") -> str:
    """Localised amount with the currency sign and exactly the currency's decimals.

    An `int` is read as minor units (Stripe's form); a `Decimal` as major units. Babel's digits come from
    CLDR and differ from Stripe's for some currencies (ISK, HUF, TWD, CLP...), so the pattern is forced to
    Stripe's exponent; an amount needing more decimals raises AmountPrecisionError rather than rounding.
    """
    code = normalize_currency(currency)
    if isinstance(amount, int) and not isinstance(amount, bool):
        value = from_minor(amount, code)
    elif isinstance(amount, Decimal):
        value = _require_decimal(amount)
        if round_amount(value, code) != value:
            raise AmountPrecisionError(_decimals_message(code))
    else:
        raise TypeError(f"format_money takes a Decimal or int minor units, not {type(amount).__name__}")
    babel_locale = _locale(locale)
    pattern = copy.copy(babel_locale.currency_formats["standard"])
    digits = exponent(code)
    pattern.frac_prec = (digits, digits)
    text = pattern.apply(value, babel_locale, currency=code, currency_digits=False)
    return _CODE_TOUCHING_DIGIT.sub("\u00a0", text)


def format_minor(minor: int, currency: str, locale: str = "en_US") -> str:
    """Localised amount of integer minor units."""
    return format_money(from_minor(minor, currency), currency, locale)
