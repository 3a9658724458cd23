"""Back-office URLs of report rows: the Stripe Dashboard page of each object kind and the NetSuite UI page of
each record kind, with NetSuite's account id in its domain form (reports/urls.py says where each form was
checked)."""

from __future__ import annotations

import pytest

from stripe_netsuite.reports.urls import (
    RecordLinks,
    netsuite_domain_id,
    netsuite_host,
    netsuite_record_url,
    stripe_dashboard_url,
    stripe_key_livemode,
)

DASH = "https://dashboard.stripe.com"


@pytest.mark.parametrize(
    ("stripe_id", "page"),
    [
        ("ch_3Nabc", "payments"),
        ("py_3Nabc", "payments"),
        ("pi_3Nabc", "payments"),
        ("re_3Nabc", "refunds"),
        ("pyr_1Nabc", "refunds"),
        ("du_1Nabc", "disputes"),
        ("dp_1Nabc", "disputes"),
        ("po_1Nabc", "payouts"),
        ("cus_Nabc", "customers"),
    ],
)
def test_each_stripe_object_kind_has_its_dashboard_page_in_test_and_live_mode(
    stripe_id: str, page: str
) -> None:
    assert stripe_dashboard_url(stripe_id) == f"{DASH}/test/{page}/{stripe_id}"
    assert stripe_dashboard_url(stripe_id, livemode=True) == f"{DASH}/{page}/{stripe_id}"


def test_a_connected_account_s_objects_open_under_the_account_before_test() -> None:
    assert stripe_dashboard_url("po_1", account="acct_1Abc") == f"{DASH}/acct_1Abc/test/payouts/po_1"
    assert (
        stripe_dashboard_url("ch_1", livemode=True, account="acct_1Abc") == f"{DASH}/acct_1Abc/payments/ch_1"
    )


@pytest.mark.parametrize("account", ["cus_1", "acct_", "acct_1/../x", "ACCT_1", "acct_1?x=1"])
def test_an_account_that_is_not_an_account_id_gives_no_link_rather_than_the_platform_s_object(
    account: str,
) -> None:
    assert stripe_dashboard_url("ch_1", account=account) is None


def test_a_checkout_session_id_names_its_own_mode() -> None:
    assert stripe_dashboard_url("cs_live_a1B2") == f"{DASH}/checkout/sessions/cs_live_a1B2"
    assert (
        stripe_dashboard_url("cs_test_a1B2", livemode=True) == f"{DASH}/test/checkout/sessions/cs_test_a1B2"
    )


@pytest.mark.parametrize(
    "stripe_id", ["txn_1", "evt_1", "ch_", "ch", "", "ch_1/../../x", "ch_1?x=1", "ch_1 ", "x" * 300]
)
def test_ids_without_a_page_or_malformed_give_no_link(stripe_id: str) -> None:
    assert stripe_dashboard_url(stripe_id) is None


@pytest.mark.parametrize(
    ("account_id", "domain"),
    [
        ("1234567", "1234567"),
        ("1234567_SB1", "1234567-sb1"),
        ("1234567_SB2", "1234567-sb2"),
        ("1234567_sb1", "1234567-sb1"),
        ("1234567-sb1", "1234567-sb1"),
        ("1234567-SB1", "1234567-sb1"),
        (" 1234567_SB1 ", "1234567-sb1"),
        ("1234567_RP", "1234567-rp"),
        ("TSTDRV1234567", "tstdrv1234567"),
    ],
)
def test_the_account_id_takes_its_domain_form(account_id: str, domain: str) -> None:
    assert netsuite_domain_id(account_id) == domain
    assert netsuite_host(account_id) == f"{domain}.app.netsuite.com"


@pytest.mark.parametrize(
    "account_id", ["", "evil.example/", "1234567_SB1_X", "1234567__SB1", "12345 67", "a/b", "1234567_", "é1"]
)
def test_a_malformed_account_id_is_refused(account_id: str) -> None:
    with pytest.raises(ValueError, match="not a NetSuite account id"):
        netsuite_host(account_id)
    with pytest.raises(ValueError):
        RecordLinks(account_id)


SB1 = "https://1234567-sb1.app.netsuite.com"


@pytest.mark.parametrize(
    ("record_type", "path"),
    [
        ("customerPayment", "/app/accounting/transactions/custpymt.nl"),
        ("customerRefund", "/app/accounting/transactions/custrfnd.nl"),
        ("creditMemo", "/app/accounting/transactions/custcred.nl"),
        ("invoice", "/app/accounting/transactions/custinvc.nl"),
        ("deposit", "/app/accounting/transactions/deposit.nl"),
        ("journalEntry", "/app/accounting/transactions/journal.nl"),
        ("customer", "/app/common/entity/custjob.nl"),
    ],
)
def test_each_netsuite_record_kind_has_its_ui_page(record_type: str, path: str) -> None:
    assert netsuite_record_url("1234567_SB1", record_type, "1055") == f"{SB1}{path}?id=1055"
    assert RecordLinks("1234567").netsuite(record_type, "7") == f"https://1234567.app.netsuite.com{path}?id=7"


@pytest.mark.parametrize(
    ("account_id", "record_type", "internal_id"),
    [
        (None, "deposit", "7"),
        ("1234567_SB1", "deposit", None),
        ("1234567_SB1", "deposit", "7&x=1"),
        ("1234567_SB1", "deposit", "-7"),
        ("1234567_SB1", "vendorBill", "7"),
        ("1234567_SB1", "Deposit", "7"),
    ],
)
def test_no_netsuite_link_without_an_account_an_internal_id_or_a_known_kind(
    account_id: str | None, record_type: str, internal_id: str | None
) -> None:
    assert netsuite_record_url(account_id, record_type, internal_id) is None


@pytest.mark.parametrize(
    ("key", "live"),
    [("sk_live_abc", True), ("rk_live_abc", True), ("sk_test_abc", False), ("rk_test_abc", False),
     ("", False), (None, False)],
)  # fmt: skip
def test_the_deployment_s_mode_comes_from_its_stripe_key(key: str | None, live: bool) -> None:
    assert stripe_key_livemode(key) is live


def test_rows_without_their_own_mode_take_the_deployment_s() -> None:
    live = RecordLinks("1234567", stripe_livemode=True)
    assert live.stripe("ch_1") == f"{DASH}/payments/ch_1"  # a failed record in a live deployment
    assert live.stripe("ch_1", livemode=False) == f"{DASH}/test/payments/ch_1"  # the row's own mode wins
    assert RecordLinks().stripe("ch_1") == f"{DASH}/test/payments/ch_1"
    assert RecordLinks().stripe(None) is None
