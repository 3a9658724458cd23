"""Amount rules of the payment pages (pure functions)."""

from __future__ import annotations

import pytest

from stripe_netsuite.payments.amounts import (
    AmountError,
    InFlight,
    allocate,
    available_per_invoice,
    chargeable_minor,
    check_amount,
    check_selection,
)
from stripe_netsuite.payments.cache import TTLCache


@pytest.mark.parametrize(
    ("text", "currency", "limit", "expected"),
    [
        ("100", "USD", 290000, 10000),
        ("2,900.00", "USD", 290000, 290000),
        ("0.50", "USD", 290000, 50),
        (" 12.5 ", "USD", 290000, 1250),
        ("405000", "JPY", 405000, 405000),
        ("50", "JPY", 405000, 50),
        ("280.120", "KWD", 280125, 280120),
        ("1.5", "KWD", 280125, 1500),
        ("1 234.50", "EUR", 500000, 123450),
    ],
    ids=[
        "whole-usd",
        "grouped-usd",
        "usd-minimum",
        "spaces",
        "jpy-balance",
        "jpy-minimum",
        "kwd-three-decimals",
        "kwd-short",
        "space-grouping",
    ],
)
def test_valid_amounts_become_exact_minor_units(text: str, currency: str, limit: int, expected: int) -> None:
    assert check_amount(text, currency, limit) == expected


@pytest.mark.parametrize(
    ("text", "currency", "limit", "message"),
    [
        ("0", "USD", 290000, "greater than zero"),
        ("-1", "USD", 290000, "greater than zero"),
        ("-0.00", "USD", 290000, "greater than zero"),
        ("", "USD", 290000, "Enter the amount"),
        ("   ", "USD", 290000, "Enter the amount"),
        ("ten", "USD", 290000, "not an amount"),
        ("1e2", "USD", 290000, "not an amount"),
        ("Infinity", "USD", 290000, "not an amount"),
        ("1,5", "USD", 290000, "not an amount"),
        ("10.001", "USD", 290000, "at most 2 decimals"),
        ("100.5", "JPY", 405000, "no decimals"),
        ("10.005", "KWD", 280125, "must end in 0"),
        ("10.0001", "KWD", 280125, "at most 3 decimals"),
        ("0.49", "USD", 290000, "smallest payment we can take is $0.50"),
        ("49", "JPY", 405000, "smallest payment we can take is ¥50"),
        ("2900.01", "USD", 290000, "at most $2,900.00, the amount you owe"),
        ("280.130", "KWD", 280125, "at most KWD\u00a0280.120"),
    ],
    ids=[
        "zero",
        "negative",
        "negative-zero",
        "empty",
        "blank",
        "word",
        "exponent",
        "infinity",
        "decimal-comma",
        "usd-3-decimals",
        "jpy-decimals",
        "kwd-last-digit",
        "kwd-4-decimals",
        "below-usd-minimum",
        "below-jpy-minimum",
        "above-limit",
        "kwd-above-chargeable",
    ],
)
def test_bad_amounts_get_a_plain_message(text: str, currency: str, limit: int, message: str) -> None:
    with pytest.raises(AmountError, match=message.replace("$", r"\$")):
        check_amount(text, currency, limit)


def test_message_mentions_payments_in_progress() -> None:
    with pytest.raises(AmountError, match=r"at most \$900.00: \$2,000.00 is already being paid"):
        check_amount("1000", "USD", 90000, in_flight_minor=200000)
    with pytest.raises(AmountError, match="already in progress cover what you owe"):
        check_amount("1", "USD", 0, in_flight_minor=290000)
    with pytest.raises(AmountError, match="nothing left to pay"):
        check_amount("1", "USD", 0)


def test_messages_follow_the_locale() -> None:
    with pytest.raises(AmountError, match=r"2\.900,00"):
        check_amount("3000", "USD", 290000, locale="de_DE")


@pytest.mark.parametrize(
    ("minor", "currency", "expected"),
    [
        (280125, "KWD", 280120),
        (1530875, "KWD", 1530870),
        (290000, "USD", 290000),
        (405000, "JPY", 405000),
        (12345, "ISK", 12300),
        (0, "USD", 0),
    ],
    ids=["kwd-invoice", "kwd-balance", "usd", "jpy", "isk-whole", "zero"],
)
def test_chargeable_minor_rounds_down_to_stripe_steps(minor: int, currency: str, expected: int) -> None:
    assert chargeable_minor(minor, currency) == expected


@pytest.mark.parametrize(
    ("amount", "remaining", "expected"),
    [
        (1000, [("a", 600), ("b", 600)], {"a": 600, "b": 400}),
        (300, [("a", 600), ("b", 600)], {"a": 300, "b": 0}),
        (5000, [("a", 600)], {"a": 600}),
        (100, [("a", 0), ("b", 200)], {"a": 0, "b": 100}),
        (100, [], {}),
    ],
    ids=["spills-over", "first-only", "capped", "skips-closed", "no-invoices"],
)
def test_allocate_applies_in_order(
    amount: int, remaining: list[tuple[str, int]], expected: dict[str, int]
) -> None:
    assert allocate(amount, remaining) == expected


def test_available_per_invoice_subtracts_in_flight_payments() -> None:
    remaining = {"1001": 150000, "1002": 140000}
    flights = [InFlight(100000, ("1001",)), InFlight(80000, ("1001", "1002")), InFlight(50000)]
    assert available_per_invoice(remaining, flights) == {"1001": 0, "1002": 110000}


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [([], ()), (["1002", "1001"], ("1001", "1002")), (["1001", "1001"], ("1001",))],
    ids=["none", "page-order", "duplicates"],
)
def test_check_selection_keeps_page_order(chosen: list[str], expected: tuple[str, ...]) -> None:
    assert check_selection(chosen, ["1001", "1002"]) == expected


@pytest.mark.parametrize(
    "chosen", [["9999"], ["1001", "x"], [""]], ids=["unknown", "one-unknown", "empty-id"]
)
def test_check_selection_refuses_invoices_not_on_the_page(chosen: list[str]) -> None:
    with pytest.raises(AmountError, match="no longer open"):
        check_selection(chosen, ["1001", "1002"])


def test_ttl_cache_expires_and_evicts() -> None:
    now = [0.0]
    cache: TTLCache[str] = TTLCache(ttl=30, max_items=2, clock=lambda: now[0], jitter=0.0)
    cache.put("a", "A")
    now[0] = 30.0
    assert cache.get("a") == "A"
    now[0] = 30.1
    assert cache.get("a") is None
    loads: list[str] = []
    assert cache.get_or_load("b", lambda: loads.append("b") or "B") == "B"
    assert cache.get_or_load("b", lambda: loads.append("b") or "B") == "B"
    assert loads == ["b"]
    cache.put("c", "C")
    cache.put("d", "D")
    assert cache.get("b") is None and cache.get("d") == "D"
