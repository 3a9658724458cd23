"""SuiteQL in the NetSuite sandbox: response shape, paging, Oracle syntax, read-only."""

from __future__ import annotations

import pytest

from tests.integration.conftest import NetSuiteSandboxClient, error_of


def test_response_shape_values_as_strings_and_nulls_omitted(ns: NetSuiteSandboxClient) -> None:
    body = ns.suiteql(
        "SELECT id, entityid, companyname, email, balance, currency, phone FROM customer WHERE id = 104"
    ).json()
    assert set(body) == {"links", "count", "hasMore", "items", "offset", "totalResults"}
    assert body["count"] == 1 and body["hasMore"] is False and body["totalResults"] == 1
    item = body["items"][0]
    assert item == {
        "links": [],
        "id": "104",
        "entityid": "CUST104",
        "companyname": "Initech Inc",
        "email": "ap@initech.example",
        "balance": "5275.24",
        "currency": "1",
    }


def test_records_written_through_rest_are_visible_at_once(ns: NetSuiteSandboxClient) -> None:
    customer = ns.create("customer", {"companyName": "Visible Co", "externalId": "cus_VISIBLE"})
    rows = ns.rows("SELECT id FROM customer WHERE externalid = 'cus_VISIBLE'")
    assert rows == [{"links": [], "id": customer}]


def test_paging_over_thousands_of_rows_returns_each_row_once(ns: NetSuiteSandboxClient) -> None:
    ns.control("POST", "/seed", {"scale_customers": 20, "scale_invoices": 2600})
    query = "SELECT id FROM transaction WHERE type = 'CustInvc' ORDER BY id"
    seen: list[str] = []
    offset, total = 0, None
    while True:
        body = ns.suiteql(query, limit=1000, offset=offset).json()
        total = body["totalResults"]
        seen += [item["id"] for item in body["items"]]
        if not body["hasMore"]:
            break
        offset += body["count"]
    assert total is not None and total > 2600
    assert len(seen) == total == len(set(seen))
    assert seen == sorted(seen, key=int)


def test_limit_is_at_most_1000(ns: NetSuiteSandboxClient) -> None:
    response = ns.suiteql("SELECT id FROM customer", limit=1001)
    assert response.status_code == 400 and error_of(response)["o:errorCode"] == "INVALID_PARAMETER"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT NVL(phone, 'none') AS p FROM customer WHERE id = 102", {"p": "none"}),
        ("SELECT TO_CHAR(trandate, 'YYYY-MM-DD') AS d FROM transaction WHERE id = 1001", {"d": "2026-08-01"}),
        ("SELECT TO_CHAR(trandate, 'DD/MM/YYYY') AS d FROM transaction WHERE id = 1001", {"d": "01/08/2026"}),
        (
            "SELECT COUNT(*) AS n FROM transaction WHERE id = 1001"
            " AND trandate >= TO_DATE('2026-08-01', 'YYYY-MM-DD') AND trandate < SYSDATE",
            {"n": "1"},
        ),
        (
            "SELECT entityid || ' / ' || companyname AS label FROM customer WHERE id = 103",
            {"label": "CUST103 / Globex Ltd"},
        ),
        (
            "SELECT BUILTIN.DF(status) AS s, BUILTIN.DF(entity) AS e, BUILTIN.DF(currency) AS c "
            "FROM transaction WHERE id = 1002",
            {"s": "Invoice : Open", "e": "CUST102 Acme Corporation", "c": "US Dollar"},
        ),
        ("SELECT id FROM customer ORDER BY id FETCH FIRST 1 ROWS ONLY", {"id": "101"}),
        ("SELECT id FROM customer ORDER BY id OFFSET 1 ROWS FETCH NEXT 1 ROWS ONLY", {"id": "102"}),
        (
            "SELECT DECODE(status, 'A', 'open', 'closed') AS st FROM transaction WHERE id = 1004",
            {"st": "closed"},
        ),
        (
            "SELECT c.symbol FROM customer cu JOIN currency c ON c.id = cu.currency WHERE cu.id = 108",
            {"symbol": "KWD"},
        ),
        (
            "SELECT SUM(foreignamountremaining) AS due FROM transaction"
            " WHERE entity = 108 AND type = 'CustInvc'",
            {"due": "1530.875"},
        ),
        ("SELECT UPPER(symbol) FROM currency WHERE id = 5", {"expr1": "JPY"}),
    ],
    ids=[
        "nvl",
        "to_char",
        "to_char-dmy",
        "to_date-sysdate",
        "concat",
        "builtin-df",
        "fetch-first",
        "offset-fetch",
        "decode",
        "join",
        "kwd-sum",
        "expr-name",
    ],
)
def test_oracle_syntax_is_understood(ns: NetSuiteSandboxClient, query: str, expected: dict[str, str]) -> None:
    rows = ns.rows(query)
    assert len(rows) == 1
    assert {k: v for k, v in rows[0].items() if k != "links"} == expected


@pytest.mark.parametrize(
    "query",
    [
        "SELEC id FROM customer",
        "SELECT nosuchcolumn FROM customer",
        "SELECT id FROM nosuchtable",
        "DELETE FROM customer",
        "UPDATE customer SET email = 'x'",
        "INSERT INTO currency (id) VALUES (99)",
        "SELECT * FROM _record",
        "SELECT 1 FROM dual; DELETE FROM customer",
    ],
    ids=["typo", "column", "table", "delete", "update", "insert", "hidden-table", "two-statements"],
)
def test_bad_or_writing_sql_is_refused_and_changes_nothing(ns: NetSuiteSandboxClient, query: str) -> None:
    before = ns.rows("SELECT COUNT(*) AS n FROM customer")[0]["n"]
    response = ns.suiteql(query)
    assert response.status_code == 400
    detail = error_of(response)
    assert detail["o:errorCode"] == "INVALID_PARAMETER" and detail["detail"]
    assert ns.rows("SELECT COUNT(*) AS n FROM customer")[0]["n"] == before


def test_tables_for_accounts_currencies_and_links(ns: NetSuiteSandboxClient) -> None:
    banks = ns.rows(
        "SELECT a.id, a.accountsearchdisplayname, c.symbol FROM account a JOIN currency c "
        "ON c.id = a.currency WHERE a.accttype = 'Bank' ORDER BY a.id"
    )
    assert [(r["id"], r["symbol"]) for r in banks] == [
        ("1", "USD"),
        ("2", "GBP"),
        ("3", "CAD"),
        ("4", "EUR"),
        ("5", "JPY"),
        ("6", "KWD"),
        ("11", "USD"),
        ("12", "GBP"),
        ("13", "CAD"),
        ("14", "EUR"),
        ("15", "JPY"),
        ("16", "KWD"),
    ]
    links = ns.rows(
        "SELECT nextdoc, linktype, foreignamount FROM nexttransactionlinelink WHERE previousdoc = 1002"
    )
    assert links == [{"links": [], "nextdoc": "1003", "linktype": "Payment", "foreignamount": "1000"}]
    currencies = ns.rows(
        "SELECT currency FROM customercurrencybalance WHERE customer = 102 ORDER BY currency"
    )
    assert [r["currency"] for r in currencies] == ["1", "4"]
