"""amounts.check_unchanged: what a payment does when what is payable changed since the page was shown."""

from __future__ import annotations

import pytest

from stripe_netsuite.payments.amounts import AmountError, check_unchanged


@pytest.mark.parametrize("fixed", [True, False])
def test_the_same_amount_passes_and_a_form_without_one_is_not_checked(fixed: bool) -> None:
    check_unchanged("1500.00", 150000, "USD", fixed=fixed)
    check_unchanged(" 125000 ", 125000, "JPY", fixed=fixed)
    check_unchanged(None, 1, "USD", fixed=fixed)


@pytest.mark.parametrize("fixed", [True, False])
def test_less_payable_than_shown_is_refused_naming_both(fixed: bool) -> None:
    with pytest.raises(AmountError) as refused:
        check_unchanged("1500.00", 90000, "USD", fixed=fixed)
    message = str(refused.value)
    assert "$1,500.00" in message and "$900.00" in message and "Nothing was charged" in message


def test_more_payable_than_shown_is_refused_only_where_the_amount_is_fixed() -> None:
    check_unchanged("300.00", 55000, "USD", fixed=False)  # the customer's typed amount is checked elsewhere
    with pytest.raises(AmountError, match=r"showed \$300\.00: it is now \$550\.00"):
        check_unchanged("300.00", 55000, "USD", fixed=True)


@pytest.mark.parametrize(
    ("in_flight", "reason"), [(0, "nothing is left to pay now. "), (5000, "payments already in progress")]
)
def test_nothing_left_says_so(in_flight: int, reason: str) -> None:
    with pytest.raises(AmountError, match=reason):
        check_unchanged("50.00", 0, "USD", fixed=False, in_flight_minor=in_flight)


@pytest.mark.parametrize("shown", ["", "abc", "-5.00", "1.001", "1e999999", "NaN", "9" * 400])
def test_a_shown_amount_no_page_shows_is_an_out_of_date_form(shown: str) -> None:
    with pytest.raises(AmountError, match="out of date"):
        check_unchanged(shown, 150000, "USD", fixed=False)


def test_three_decimal_currencies_compare_in_minor_units() -> None:
    check_unchanged("280.120", 280120, "KWD", fixed=True)
    with pytest.raises(AmountError, match="KWD"):
        check_unchanged("280.120", 280110 - 10, "KWD", fixed=True)


def test_payments_in_progress_are_named_when_they_lower_what_is_payable() -> None:
    with pytest.raises(AmountError, match=r"at most \$1,400\.00, as \$1,500\.00 is already being paid"):
        check_unchanged("2900.00", 140000, "USD", fixed=False, in_flight_minor=150000)
