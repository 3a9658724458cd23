"""Currency exponents, minor-unit conversion, minimums, parsing and formatting (stripe_netsuite.money)."""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stripe_netsuite import money
from stripe_netsuite.money import (
    AmountPrecisionError,
    InvalidAmountError,
    MoneyError,
    UnsupportedCurrencyError,
    exponent,
    format_minor,
    format_money,
    from_minor,
    is_whole_unit_payout,
    minimum_charge,
    minimum_charge_minor,
    parse_amount,
    payout_exponent,
    round_amount,
    round_minor,
    to_minor,
)

ZERO_DECIMAL = [
    "BIF",
    "CLP",
    "DJF",
    "GNF",
    "JPY",
    "KMF",
    "KRW",
    "MGA",
    "PYG",
    "RWF",
    "UGX",
    "VND",
    "VUV",
    "XAF",
    "XOF",
    "XPF",
]
THREE_DECIMAL = ["BHD", "JOD", "KWD", "OMR", "TND"]
TWO_DECIMAL_SAMPLE = [
    "USD",
    "EUR",
    "GBP",
    "CAD",
    "AUD",
    "CHF",
    "HUF",
    "TWD",
    "ISK",
    "MXN",
    "INR",
    "IDR",
    "COP",
]
ALL_CURRENCIES = sorted(money.STRIPE_CURRENCIES)


# --- exponents ------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ZERO_DECIMAL, ids=ZERO_DECIMAL)
def test_zero_decimal_currencies_have_exponent_0(code: str) -> None:
    assert exponent(code) == 0


@pytest.mark.parametrize("code", THREE_DECIMAL, ids=THREE_DECIMAL)
def test_three_decimal_currencies_have_exponent_3(code: str) -> None:
    assert exponent(code) == 3


@pytest.mark.parametrize("code", TWO_DECIMAL_SAMPLE, ids=TWO_DECIMAL_SAMPLE)
def test_other_currencies_have_exponent_2(code: str) -> None:
    assert exponent(code) == 2


def test_only_listed_currencies_are_not_two_decimal() -> None:
    odd = {code for code in ALL_CURRENCIES if exponent(code) != 2}
    assert odd == set(ZERO_DECIMAL) | set(THREE_DECIMAL)


@pytest.mark.parametrize(
    "spelling", ["jpy", "JPY", "Jpy", " jpy "], ids=["lower", "upper", "mixed", "padded"]
)
def test_exponent_is_case_insensitive(spelling: str) -> None:
    assert exponent(spelling) == 0


@pytest.mark.parametrize("code", ["XXX", "EEK", "HRK", "BTC", "", "US", "usdd"], ids=lambda c: c or "empty")
def test_unsupported_currency_is_refused_with_a_message(code: str) -> None:
    with pytest.raises(UnsupportedCurrencyError, match="not a currency Stripe supports"):
        exponent(code)


def test_unsupported_currency_error_is_a_money_error_and_value_error() -> None:
    with pytest.raises(MoneyError):
        to_minor("1", "XXX")
    assert issubclass(MoneyError, ValueError)


def test_currency_must_be_a_string() -> None:
    with pytest.raises(TypeError):
        exponent(840)  # type: ignore[arg-type]


# --- payouts in whole units -----------------------------------------------------------------------


@pytest.mark.parametrize("code", ["HUF", "TWD", "ISK"], ids=["HUF", "TWD", "ISK"])
def test_special_cases_charge_with_two_decimals_but_pay_out_whole_units(code: str) -> None:
    assert exponent(code) == 2
    assert payout_exponent(code) == 0
    assert is_whole_unit_payout(code)


def test_ugx_is_zero_decimal_and_pays_out_whole_units() -> None:
    assert exponent("UGX") == 0
    assert payout_exponent("UGX") == 0
    assert is_whole_unit_payout("ugx")


@pytest.mark.parametrize("code", ["USD", "EUR", "KWD"], ids=["USD", "EUR", "KWD"])
def test_ordinary_currencies_pay_out_with_their_charge_exponent(code: str) -> None:
    assert payout_exponent(code) == exponent(code)
    assert not is_whole_unit_payout(code)


# --- to_minor / from_minor ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "code", "minor"),
    [
        (Decimal("10.00"), "USD", 1000),
        ("10", "usd", 1000),
        (10, "USD", 1000),
        ("0.01", "EUR", 1),
        ("500", "JPY", 500),
        (Decimal("5.120"), "KWD", 5120),
        ("5.12", "KWD", 5120),
        ("-3.50", "USD", -350),
        ("12345678901234.56", "USD", 1234567890123456),
        ("40", "ISK", 4000),
        ("175.25", "HUF", 17525),
        ("0", "BHD", 0),
    ],
    ids=[
        "usd-decimal",
        "usd-str-lower",
        "usd-int",
        "eur-cent",
        "jpy",
        "kwd-decimal",
        "kwd-two-digits",
        "negative",
        "large",
        "isk-whole",
        "huf-fraction",
        "bhd-zero",
    ],
)
def test_to_minor_converts_exactly(amount: Decimal | str | int, code: str, minor: int) -> None:
    assert to_minor(amount, code) == minor


@pytest.mark.parametrize(
    ("amount", "code", "message"),
    [
        ("10.5", "JPY", "JPY amounts have no decimals"),
        ("1.001", "USD", "USD amounts have at most 2 decimals"),
        ("1.0001", "KWD", "KWD amounts have at most 3 decimals"),
        ("5.124", "KWD", "must end in 0"),
        ("0.001", "BHD", "must end in 0"),
        ("40.10", "ISK", "whole krónur"),
    ],
    ids=["jpy-fraction", "usd-three-digits", "kwd-four-digits", "kwd-last-digit", "bhd-last-digit", "isk"],
)
def test_to_minor_refuses_amounts_stripe_cannot_charge(amount: str, code: str, message: str) -> None:
    with pytest.raises(AmountPrecisionError, match=message):
        to_minor(amount, code)


@pytest.mark.parametrize("value", [0.5, 10.0, float("nan")], ids=["half", "ten", "nan"])
def test_to_minor_rejects_floats(value: float) -> None:
    with pytest.raises(TypeError, match="float"):
        to_minor(value, "USD")  # type: ignore[arg-type]


def test_to_minor_rejects_bool() -> None:
    with pytest.raises(TypeError):
        to_minor(True, "USD")


@pytest.mark.parametrize(
    "text", ["abc", "NaN", "Infinity", "-inf", ""], ids=["abc", "nan", "inf", "-inf", "empty"]
)
def test_to_minor_rejects_non_finite_or_non_numbers(text: str) -> None:
    with pytest.raises(InvalidAmountError):
        to_minor(text, "USD")


@pytest.mark.parametrize(
    ("minor", "code", "expected"),
    [
        (1000, "USD", "10.00"),
        (1, "USD", "0.01"),
        (500, "JPY", "500"),
        (5120, "KWD", "5.120"),
        (-350, "EUR", "-3.50"),
        (0, "TND", "0.000"),
    ],
    ids=["usd", "cent", "jpy", "kwd", "negative", "tnd-zero"],
)
def test_from_minor_is_exact_and_quantized(minor: int, code: str, expected: str) -> None:
    result = from_minor(minor, code)
    assert result == Decimal(expected)
    assert str(result) == expected


@pytest.mark.parametrize("value", [10.0, Decimal("10"), "10", True], ids=["float", "decimal", "str", "bool"])
def test_from_minor_takes_only_int(value: object) -> None:
    with pytest.raises(TypeError):
        from_minor(value, "USD")  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ALL_CURRENCIES, ids=ALL_CURRENCIES)
def test_round_trip_for_every_currency(code: str) -> None:
    step = money.charge_step_minor(code)
    for minor in [*range(0, 2001, step), 10**12, -step * 7]:
        assert to_minor(from_minor(minor, code), code) == minor


@pytest.mark.parametrize("code", ["USD", "JPY", "KWD"], ids=["USD", "JPY", "KWD"])
def test_round_trip_via_text(code: str) -> None:
    for minor in range(0, 100_000, 370):
        assert to_minor(str(from_minor(minor, code)), code) == minor


# --- rounding -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "code", "expected"),
    [
        ("2.345", "USD", "2.35"),
        ("2.344", "USD", "2.34"),
        ("-2.345", "USD", "-2.35"),
        ("99.5", "JPY", "100"),
        ("1.2345", "KWD", "1.235"),
    ],
    ids=["usd-half-up", "usd-down", "usd-negative-half", "jpy", "kwd"],
)
def test_round_amount_half_up(amount: str, code: str, expected: str) -> None:
    assert str(round_amount(Decimal(amount), code)) == expected


def test_round_amount_accepts_other_rounding_modes() -> None:
    assert round_amount(Decimal("2.349"), "USD", rounding=ROUND_DOWN) == Decimal("2.34")


def test_round_amount_rejects_float() -> None:
    with pytest.raises(TypeError):
        round_amount(2.5, "USD")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [(Decimal("57.971"), 58), (Decimal("57.5"), 58), (Decimal("57.49"), 57), (120, 120)],
    ids=["up", "half", "down", "int"],
)
def test_round_minor_for_fee_maths(fraction: Decimal | int, expected: int) -> None:
    assert round_minor(fraction, "USD") == expected


def test_round_minor_fee_example() -> None:
    fee = Decimal(1999) * Decimal("0.029") + 30
    assert round_minor(fee, "USD") == 88


# --- minimums -------------------------------------------------------------------------------------

PUBLISHED = {
    "USD": "0.50", "EUR": "0.50", "GBP": "0.30", "CAD": "0.50", "AUD": "0.50", "JPY": "50", "CHF": "0.50",
    "DKK": "2.50", "NOK": "3.00", "SEK": "3.00", "HKD": "4.00", "MXN": "10", "SGD": "0.50", "NZD": "0.50",
    "PLN": "2.00", "CZK": "15.00", "HUF": "175.00", "RON": "2.00", "BGN": "1.00", "AED": "2.00",
    "BRL": "0.50", "INR": "0.50", "MYR": "2", "THB": "10",
}  # fmt: skip


@pytest.mark.parametrize(("code", "major"), sorted(PUBLISHED.items()), ids=sorted(PUBLISHED))
def test_published_minimums(code: str, major: str) -> None:
    assert minimum_charge(code) == Decimal(major)
    assert minimum_charge_minor(code) == to_minor(major, code)


@pytest.mark.parametrize("code", ALL_CURRENCIES, ids=ALL_CURRENCIES)
def test_every_currency_has_a_chargeable_minimum(code: str) -> None:
    minor = minimum_charge_minor(code)
    assert minor > 0
    assert to_minor(from_minor(minor, code), code) == minor  # a valid amount for Stripe


@pytest.mark.parametrize("code", sorted(money.USD_RATES), ids=sorted(money.USD_RATES))
def test_derived_minimums_are_about_half_a_dollar(code: str) -> None:
    usd = minimum_charge(code) / money.USD_RATES[code]
    assert Decimal("0.50") <= usd < Decimal("0.60")


def test_kwd_minimum_is_a_valid_three_decimal_amount() -> None:
    assert minimum_charge_minor("KWD") == 160
    assert str(minimum_charge("KWD")) == "0.160"


def test_derived_and_published_tables_cover_every_currency_once() -> None:
    assert set(money.USD_RATES).isdisjoint(money.PUBLISHED_MINIMUMS)
    assert set(money.USD_RATES) | set(money.PUBLISHED_MINIMUMS) == money.STRIPE_CURRENCIES


# --- parse_amount ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "expected"),
    [
        ("1234.50", "USD", "1234.50"),
        ("1,234.50", "USD", "1234.50"),
        ("1,234,567.8", "USD", "1234567.80"),
        ("12,345", "USD", "12345.00"),
        ("  42 ", "EUR", "42.00"),
        ("1 234.50", "EUR", "1234.50"),
        ("1\u202f234\u00a0567", "EUR", "1234567.00"),
        (".5", "USD", "0.50"),
        ("12.", "USD", "12.00"),
        ("5.500", "USD", "5.50"),
        ("+3", "USD", "3.00"),
        ("-5", "USD", "-5.00"),
        ("1500", "JPY", "1500"),
        ("1,500", "JPY", "1500"),
        ("0.16", "KWD", "0.160"),
        ("1,234.5", "KWD", "1234.500"),
        ("1,234,567", "KWD", "1234567.000"),
        ("1 234", "KWD", "1234.000"),
    ],
    ids=[
        "plain",
        "thousands",
        "millions",
        "comma-group-no-point",
        "padded",
        "space-groups",
        "nbsp-groups",
        "leading-point",
        "trailing-point",
        "harmless-trailing-zero",
        "plus",
        "negative-kept",
        "jpy",
        "jpy-thousands",
        "kwd",
        "kwd-thousands-with-point",
        "kwd-two-groups",
        "kwd-space-group",
    ],
)
def test_parse_amount_accepts(text: str, code: str, expected: str) -> None:
    result = parse_amount(text, code)
    assert str(result) == expected


@pytest.mark.parametrize(
    ("text", "code", "error", "message"),
    [
        ("", "USD", InvalidAmountError, "not an amount"),
        ("abc", "USD", InvalidAmountError, "not an amount"),
        ("NaN", "USD", InvalidAmountError, "not an amount"),
        ("Infinity", "USD", InvalidAmountError, "not an amount"),
        ("1e3", "USD", InvalidAmountError, "not an amount"),
        ("1,5", "EUR", InvalidAmountError, "not an amount"),
        ("1.234,50", "EUR", InvalidAmountError, "not an amount"),
        ("12,34", "USD", InvalidAmountError, "not an amount"),
        ("1,2345", "USD", InvalidAmountError, "not an amount"),
        ("$12", "USD", InvalidAmountError, "not an amount"),
        ("--5", "USD", InvalidAmountError, "not an amount"),
        (".", "USD", InvalidAmountError, "not an amount"),
        ("1,234", "KWD", InvalidAmountError, "ambiguous"),
        ("12 34", "USD", InvalidAmountError, "not an amount"),
        ("1 234,567", "KWD", InvalidAmountError, "ambiguous"),
        ("12.5", "JPY", AmountPrecisionError, "JPY amounts have no decimals"),
        ("10.001", "USD", AmountPrecisionError, "USD amounts have at most 2 decimals"),
        ("1.005", "KWD", AmountPrecisionError, "must end in 0"),
        ("40.50", "ISK", AmountPrecisionError, "whole krónur"),
    ],
    ids=[
        "empty",
        "letters",
        "nan",
        "infinity",
        "exponent",
        "decimal-comma",
        "german-grouping",
        "short-group",
        "long-group",
        "currency-sign",
        "double-sign",
        "lone-point",
        "kwd-ambiguous",
        "space-short-group",
        "kwd-french-decimal-comma",
        "jpy-decimals",
        "usd-decimals",
        "kwd-last-digit",
        "isk-fraction",
    ],
)
def test_parse_amount_refuses(text: str, code: str, error: type[MoneyError], message: str) -> None:
    with pytest.raises(error, match=message):
        parse_amount(text, code)


def test_parse_amount_unknown_currency() -> None:
    with pytest.raises(UnsupportedCurrencyError):
        parse_amount("10", "ZZZ")


# --- formatting -----------------------------------------------------------------------------------

NBSP, NNBSP, RLM = "\u00a0", "\u202f", "\u200f"


@pytest.mark.parametrize(
    ("locale", "code", "amount", "expected"),
    [
        ("en_US", "USD", Decimal("1234.5"), "$1,234.50"),
        ("en_US", "EUR", Decimal("1234.5"), "€1,234.50"),
        ("en_US", "JPY", Decimal("1234"), "¥1,234"),
        ("en_US", "KWD", Decimal("1234.5"), "KWD\u00a01,234.500"),
        ("de_DE", "USD", Decimal("1234.5"), f"1.234,50{NBSP}$"),
        ("de_DE", "EUR", Decimal("1234.5"), f"1.234,50{NBSP}€"),
        ("de_DE", "JPY", Decimal("1234"), f"1.234{NBSP}¥"),
        ("de_DE", "KWD", Decimal("1234.5"), f"1.234,500{NBSP}KWD"),
        ("fr_FR", "USD", Decimal("1234.5"), f"1{NNBSP}234,50{NBSP}$US"),
        ("fr_FR", "EUR", Decimal("1234.5"), f"1{NNBSP}234,50{NBSP}€"),
        ("fr_FR", "JPY", Decimal("1234"), f"1{NNBSP}234{NBSP}JPY"),
        ("fr_FR", "KWD", Decimal("1234.5"), f"1{NNBSP}234,500{NBSP}KWD"),
        ("ja_JP", "USD", Decimal("1234.5"), "$1,234.50"),
        ("ja_JP", "EUR", Decimal("1234.5"), "€1,234.50"),
        ("ja_JP", "JPY", Decimal("1234"), "￥1,234"),
        ("ja_JP", "KWD", Decimal("1234.5"), "KWD\u00a01,234.500"),
        ("ar_KW", "USD", Decimal("1234.5"), f"{RLM}1,234.50{NBSP}US$"),
        ("ar_KW", "EUR", Decimal("1234.5"), f"{RLM}1,234.50{NBSP}€"),
        ("ar_KW", "JPY", Decimal("1234"), f"{RLM}1,234{NBSP}JP¥"),
        ("ar_KW", "KWD", Decimal("1234.5"), f"{RLM}1,234.500{NBSP}د.ك.{RLM}"),
    ],
    ids=lambda v: str(v) if not isinstance(v, Decimal) else None,
)
def test_format_money_in_locales(locale: str, code: str, amount: Decimal, expected: str) -> None:
    assert format_money(amount, code, locale) == expected


@pytest.mark.parametrize(
    ("code", "digits"),
    [("ISK", 2), ("HUF", 2), ("TWD", 2), ("CLP", 0), ("UGX", 0), ("IDR", 2), ("BHD", 3), ("MGA", 0)],
    ids=["ISK", "HUF", "TWD", "CLP", "UGX", "IDR", "BHD", "MGA"],
)
def test_format_money_shows_stripe_exponent_not_cldr_digits(code: str, digits: int) -> None:
    match = re.search(r"1,234(?:\.(\d+))?", format_money(Decimal(1234), code, "en_US"))
    assert match is not None
    assert len(match.group(1) or "") == digits


def test_format_money_int_is_minor_units() -> None:
    assert format_money(1050, "USD") == "$10.50"
    assert format_money(1050, "JPY") == "¥1,050"
    assert format_minor(160, "KWD") == "KWD\u00a00.160"


def test_format_money_negative() -> None:
    assert format_money(Decimal("-3.5"), "EUR", "de_DE") == f"-3,50{NBSP}€"


def test_format_money_refuses_hidden_rounding() -> None:
    with pytest.raises(AmountPrecisionError):
        format_money(Decimal("1.005"), "USD")


def test_format_money_rejects_float() -> None:
    with pytest.raises(TypeError):
        format_money(1.5, "USD")  # type: ignore[arg-type]


def test_format_money_unknown_locale() -> None:
    with pytest.raises(MoneyError, match="locale"):
        format_money(100, "USD", "xx_YY")


# --- hostile amounts ------------------------------------------------------------------------------
# A typed amount is input from anyone holding a link: whatever its length, money refuses it with a
# MoneyError (the page's 422), never a decimal.InvalidOperation or Overflow (a 500).


@pytest.mark.parametrize(
    ("digits", "code"),
    [(27, "USD"), (26, "KWD"), (29, "JPY"), (30, "USD"), (31, "USD"), (64, "EUR")],
    ids=["27-usd", "26-kwd", "29-jpy", "30-usd", "31-usd", "64-eur"],
)
def test_long_amounts_parse_or_refuse_cleanly(digits: int, code: str) -> None:
    text = "9" * digits
    try:
        value = parse_amount(text, code)
    except MoneyError:
        assert digits > money.MAX_INTEGER_DIGITS
        return
    assert value == Decimal(text)
    assert to_minor(value, code) == int(text) * 10 ** exponent(code)


def test_a_megabyte_of_digits_is_refused_without_echoing_it() -> None:
    text = "1" * 1_000_000
    with pytest.raises(InvalidAmountError) as refused:
        parse_amount(text, "USD")
    assert len(str(refused.value)) < 100
    with pytest.raises(InvalidAmountError, match="too large") as too_large:
        to_minor(text, "USD")
    assert len(str(too_large.value)) < 100


def test_long_decimals_are_checked_exactly() -> None:
    # Under Python's default 28-digit context scaleb() rounded this to 100 minor units.
    with pytest.raises(AmountPrecisionError):
        to_minor(Decimal("1." + "0" * 40 + "1"), "USD")
    assert to_minor(Decimal("1." + "0" * 1000), "USD") == 100


def test_round_amount_of_29_digits_is_exact() -> None:
    assert round_amount(Decimal("9" * 29 + ".555"), "USD") == Decimal("9" * 28 + "9.56")
    assert from_minor(10**29, "USD") == Decimal(10**27)


@given(
    text=st.text(alphabet="0123456789.,- +\u00a0e", max_size=120)
    | st.from_regex(r"\A[0-9]{20,200}(\.[0-9]{0,60})?\Z"),
    code=st.sampled_from(["USD", "JPY", "KWD", "ISK"]),
)
@settings(max_examples=300, deadline=None)
def test_parse_amount_never_raises_anything_but_money_errors(text: str, code: str) -> None:
    try:
        value = parse_amount(text, code)
    except MoneyError:
        return
    minor = to_minor(value, code)
    assert from_minor(minor, code) == value
