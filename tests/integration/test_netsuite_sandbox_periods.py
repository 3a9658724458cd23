"""Accounting periods in the NetSuite sandbox: read through REST and SuiteQL, closed by the test controls, and
a transaction dated in a closed (or A/R-locked) period refused with NetSuite's error shape, nothing written.

Months of 2025 are closed here: the seeded transactions (August to October 2026, SEED.md) stay in open ones.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import NetSuiteSandboxClient, error_of

CLOSED_DATE = "The transaction date you specified is within a closed period."


def body_of(record_type: str, day: str, external_id: str) -> dict[str, Any]:
    """A valid body of each transaction type the ledger writes, dated `day` (seeded ids, SEED.md)."""
    common = {"tranDate": day, "externalId": external_id}
    bodies: dict[str, dict[str, Any]] = {
        "customerPayment": {"customer": {"id": "104"}, "payment": "10.00", "undepFunds": {"id": "T"}},
        "creditMemo": {"entity": {"id": "104"}, "item": {"items": [{"item": {"id": "1"}, "rate": "10.00"}]}},
        # 1019 is Initech's unapplied 200.00 prepayment: a refund may take part of it.
        "customerRefund": {
            "customer": {"id": "104"},
            "account": {"id": "1"},
            "apply": {"items": [{"doc": {"id": "1019"}, "apply": True, "amount": "5.00"}]},
        },
        "deposit": {
            "account": {"id": "1"},
            "other": {"items": [{"account": {"id": "10"}, "amount": "5.00"}]},
        },
        "journalEntry": {
            "line": {
                "items": [
                    {"account": {"id": "1"}, "debit": "5.00"},
                    {"account": {"id": "10"}, "credit": "5.00"},
                ]
            }
        },
    }
    return {**bodies[record_type], **common}


def transactions_with(ns: NetSuiteSandboxClient, external_id: str) -> list[dict[str, Any]]:
    return ns.rows(f"SELECT id, postingperiod FROM transaction WHERE externalid = '{external_id}'")


def period_named(ns: NetSuiteSandboxClient, name: str) -> dict[str, Any]:
    [row] = ns.rows(f"SELECT * FROM accountingperiod WHERE periodname = '{name}'")
    return row


TYPES = ("customerPayment", "customerRefund", "creditMemo", "deposit", "journalEntry")


def test_periods_are_seeded_monthly_under_quarters_and_years_and_readable_through_rest(
    ns: NetSuiteSandboxClient,
) -> None:
    september = period_named(ns, "Sep 2026")
    assert (september["startdate"], september["enddate"]) == ("2026-09-01", "2026-09-30")
    assert (september["isquarter"], september["isyear"], september["closed"]) == ("F", "F", "F")
    quarter = ns.get("accountingPeriod", september["parent"])
    assert (quarter["periodName"], quarter["isQuarter"], quarter["parent"]["refName"]) == (
        "Q3 2026",
        True,
        "FY 2026",
    )
    february = period_named(ns, "Feb 2028")  # a leap year
    assert february["enddate"] == "2028-02-29"
    record = ns.get("accountingPeriod", september["id"])
    assert {"periodName", "startDate", "endDate", "closed", "arLocked", "apLocked", "allLocked"} <= set(
        record
    )
    listed = ns.request("GET", "/record/v1/accountingperiod", params={"limit": 5})
    assert listed.status_code == 200 and listed.json()["totalResults"] == 16 * 17  # 2020-2035: 1 + 4 + 12


def test_a_transaction_posts_to_the_month_of_its_date(ns: NetSuiteSandboxClient) -> None:
    ns.create("customerPayment", body_of("customerPayment", "2026-09-14", "period-open-payment"))
    [row] = transactions_with(ns, "period-open-payment")
    assert row["postingperiod"] == period_named(ns, "Sep 2026")["id"]
    assert ns.get("customerPayment", row["id"])["postingPeriod"]["refName"] == "Sep 2026"


def test_accounting_periods_cannot_be_written_through_rest(ns: NetSuiteSandboxClient) -> None:
    september = period_named(ns, "Sep 2026")
    response = ns.request("PATCH", f"/record/v1/accountingPeriod/{september['id']}", json={"closed": True})
    assert response.status_code == 405 and error_of(response)["o:errorCode"] == "INVALID_PARAMETER"
    assert period_named(ns, "Sep 2026")["closed"] == "F"


def test_closing_a_month_locks_it_and_closes_its_quarter_once_every_month_is_closed(
    ns: NetSuiteSandboxClient,
) -> None:
    for month in ("Jan 2025", "Feb 2025"):
        ns.control("POST", "/periods/close", {"period": month})
    january = period_named(ns, "Jan 2025")
    assert (january["closed"], january["arlocked"], january["alllocked"]) == ("T", "T", "T")
    assert period_named(ns, "Q1 2025")["closed"] == "F"
    ns.control("POST", "/periods/close", {"period": "2025-03-17"})  # a date names its month
    assert period_named(ns, "Q1 2025")["closed"] == "T"
    assert period_named(ns, "FY 2025")["closed"] == "F"


@pytest.mark.parametrize("record_type", TYPES)
def test_a_write_dated_in_a_closed_period_is_refused_and_writes_nothing(
    ns: NetSuiteSandboxClient, record_type: str
) -> None:
    ns.control("POST", "/periods/close", {"period": "Apr 2025"})
    external_id = f"closed-{record_type}"
    response = ns.request(
        "POST", f"/record/v1/{record_type}", json=body_of(record_type, "2025-04-30", external_id)
    )
    assert response.status_code == 400, response.text
    detail = error_of(response)
    assert (detail["o:errorCode"], detail["detail"], detail["o:errorPath"]) == (
        "USER_ERROR",
        CLOSED_DATE,
        "tranDate",
    )
    upsert = ns.request(
        "PUT",
        f"/record/v1/{record_type}/eid:{external_id}",
        json=body_of(record_type, "2025-04-01", external_id),
    )
    assert upsert.status_code == 400 and error_of(upsert)["detail"] == CLOSED_DATE
    assert transactions_with(ns, external_id) == []
    # The same record dated in the next, open month is accepted.
    ns.create(record_type, body_of(record_type, "2025-05-02", external_id))
    assert [r["postingperiod"] for r in transactions_with(ns, external_id)] == [
        period_named(ns, "May 2025")["id"]
    ]


def test_a_transaction_moved_into_a_closed_period_or_changed_there_is_refused(
    ns: NetSuiteSandboxClient,
) -> None:
    ns.control("POST", "/periods/close", {"period": "Jun 2025"})
    payment = ns.create("customerPayment", body_of("customerPayment", "2025-07-01", "moved-payment"))
    moved = ns.request("PATCH", f"/record/v1/customerPayment/{payment}", json={"tranDate": "2025-06-30"})
    assert moved.status_code == 400 and error_of(moved)["detail"] == CLOSED_DATE
    assert ns.get("customerPayment", payment)["tranDate"] == "2025-07-01"
    ns.control("POST", "/periods/close", {"period": "Jul 2025"})
    changed = ns.request("PATCH", f"/record/v1/customerPayment/{payment}", json={"memo": "late edit"})
    assert changed.status_code == 400 and error_of(changed)["detail"] == CLOSED_DATE


def test_an_ar_lock_refuses_receivables_but_not_deposits_or_journals(ns: NetSuiteSandboxClient) -> None:
    ns.control("POST", "/periods/close", {"period": "Aug 2025", "arLocked": True})
    refused = ns.request(
        "POST", "/record/v1/customerPayment", json=body_of("customerPayment", "2025-08-05", "ar-locked")
    )
    assert refused.status_code == 400 and error_of(refused)["o:errorCode"] == "USER_ERROR"
    assert "locked for accounts receivable" in error_of(refused)["detail"]
    for record_type in ("deposit", "journalEntry"):
        ns.create(record_type, body_of(record_type, "2025-08-05", f"ar-locked-{record_type}"))
    ns.control("POST", "/periods/close", {"period": "Aug 2025", "arLocked": False})
    ns.create("customerPayment", body_of("customerPayment", "2025-08-05", "ar-locked"))


def test_a_closed_posting_period_named_explicitly_is_refused(ns: NetSuiteSandboxClient) -> None:
    ns.control("POST", "/periods/close", {"period": "Sep 2025"})
    september = period_named(ns, "Sep 2025")
    body = {
        **body_of("customerPayment", "2025-10-01", "explicit-period"),
        "postingPeriod": {"id": september["id"]},
    }
    response = ns.request("POST", "/record/v1/customerPayment", json=body)
    assert response.status_code == 400
    assert (error_of(response)["detail"], error_of(response)["o:errorPath"]) == (
        "The posting period Sep 2025 is closed.",
        "postingPeriod",
    )
    quarter = {**body, "postingPeriod": {"id": period_named(ns, "Q4 2025")["id"]}}
    assert ns.request("POST", "/record/v1/customerPayment", json=quarter).status_code == 400


def test_with_dates_outside_the_period_allowed_netsuite_posts_into_the_first_open_period(
    ns: NetSuiteSandboxClient,
) -> None:
    ns.control("POST", "/periods/close", {"period": "Nov 2025"})
    preferences = ns.control(
        "POST", "/periods/preferences", {"allowTransactionDateOutsidePostingPeriod": "Allow"}
    )
    assert preferences["defaultPostingPeriodWhenTranDateInClosedPeriod"] == "firstOpenPeriod"
    try:
        ns.create("customerPayment", body_of("customerPayment", "2025-11-20", "into-first-open"))
    finally:
        ns.control("POST", "/periods/preferences", {"allowTransactionDateOutsidePostingPeriod": "Disallow"})
    [row] = transactions_with(ns, "into-first-open")
    opened = ns.control("GET", "/periods")["periods"]
    first_open = min(
        (p for p in opened if not (p["isQuarter"] or p["isYear"] or p["closed"])),
        key=lambda p: p["startDate"],
    )
    assert row["postingperiod"] == first_open["id"]
    assert ns.get("customerPayment", row["id"])["tranDate"] == "2025-11-20"  # the date stays


def test_bad_control_requests_are_refused(ns: NetSuiteSandboxClient) -> None:
    import requests

    for body in ({"period": "Smarch 2025"}, {"period": "Dec 2025", "closed": "yes"}, {"closed": True}):
        response = requests.post(f"{ns.url}/_sandbox/periods/close", json=body, timeout=30)
        assert response.status_code == 400, body
    response = requests.post(
        f"{ns.url}/_sandbox/periods/preferences",
        json={"allowTransactionDateOutsidePostingPeriod": "Maybe"},
        timeout=30,
    )
    assert response.status_code == 400
    assert period_named(ns, "Dec 2025")["closed"] == "F"
