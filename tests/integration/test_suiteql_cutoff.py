"""SuiteQL's row cutoff, in the NetSuite sandbox and in the library's client, against the sandbox as a server.

Oracle ("Executing SuiteQL Queries Through REST Web Services"): "Using SuiteQL queries, you can return a
maximum of 100,000 results"; "Collection Paging": at most 1000 pages, so fewer with a smaller limit. Past the
cutoff the result simply stops. This module's sandbox is started with a cutoff of CUTOFF rows
(NETSUITE_SANDBOX_SUITEQL_MAX_ROWS) so the tests need not write 100,000 records; the sandbox every other test
uses keeps the documented 100,000, checked at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from stripe_netsuite.audit.fetch_netsuite import memo_only_in_period, period_entries
from stripe_netsuite.audit.period import AuditPeriod
from stripe_netsuite.netsuite import NetSuiteClient, NetSuiteSettings, SuiteQLCutoffError
from stripe_netsuite.netsuite import client as client_module
from stripe_netsuite.netsuite.client import SUITEQL_MAX_ROWS
from tests.conftest import NETSUITE_TEST_ENV
from tests.e2e import webapp_support
from tests.integration.conftest import NetSuiteSandboxClient, error_of
from tests.servers import RunningServer, run_sandbox

CUTOFF = 120
INVOICES = "SELECT id FROM transaction WHERE type = 'CustInvc' ORDER BY id"
PERIOD = AuditPeriod(date(2026, 9, 1), date(2026, 9, 30))


@pytest.fixture(scope="module")
def netsuite_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A seeded sandbox whose SuiteQL answers at most CUTOFF rows per query, with more invoices than that."""
    env = {**NETSUITE_TEST_ENV, "NETSUITE_SANDBOX_SUITEQL_MAX_ROWS": str(CUTOFF)}
    data_dir = tmp_path_factory.mktemp("netsuite-cutoff")
    with run_sandbox("netsuite_sandbox", data_dir, env=env, extra_args=("--seed",)) as server:
        seed = {"scale_customers": 5, "scale_invoices": 300}
        NetSuiteSandboxClient(server.url).control("POST", "/seed", seed)
        yield server


@pytest.fixture
def client(netsuite_sandbox: RunningServer) -> Iterator[NetSuiteClient]:
    env = {**NETSUITE_TEST_ENV, "NETSUITE_BASE_URL": netsuite_sandbox.url + "/services/rest"}
    with NetSuiteClient(NetSuiteSettings.from_env(env)) as netsuite:
        netsuite.suiteql_max_rows = CUTOFF  # what NetSuite's 100,000 is to this sandbox
        yield netsuite


def invoice_count(ns: NetSuiteSandboxClient) -> int:
    [row] = ns.rows("SELECT COUNT(*) AS n FROM transaction WHERE type = 'CustInvc'")
    return int(row["n"])


# ------------------------------------------------------------------------------------------------ sandbox


def test_the_result_stops_at_the_cutoff_and_an_offset_past_it_is_refused(ns: NetSuiteSandboxClient) -> None:
    assert invoice_count(ns) > CUTOFF + 100
    seen: list[str] = []
    offset = 0
    while True:
        body = ns.suiteql(INVOICES, limit=50, offset=offset).json()
        assert body["totalResults"] == CUTOFF  # the rows past the cutoff are not there at all
        seen += [item["id"] for item in body["items"]]
        if not body["hasMore"]:
            break
        offset += body["count"]
    assert len(seen) == len(set(seen)) == CUTOFF and body["count"] == CUTOFF - 100
    assert not [link for link in body["links"] if link["rel"] == "next"]

    refused = ns.suiteql(INVOICES, limit=50, offset=CUTOFF)
    assert refused.status_code == 400
    detail = error_of(refused)
    assert detail["o:errorCode"] == "INVALID_PARAMETER" and detail["o:errorPath"] == "offset"
    assert f"at most {CUTOFF} results" in detail["detail"]


def test_the_sandbox_keeps_oracles_100000_unless_told(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with run_sandbox("netsuite_sandbox", tmp_path_factory.mktemp("netsuite-default"), env=NETSUITE_TEST_ENV,
                     extra_args=("--seed",)) as server:  # fmt: skip
        ns = NetSuiteSandboxClient(server.url)
        body = ns.suiteql(INVOICES, limit=1000, offset=99_000).json()
        assert body["items"] == [] and body["hasMore"] is False
        refused = ns.suiteql(INVOICES, limit=1000, offset=100_000)
        assert refused.status_code == 400 and "at most 100000 results" in error_of(refused)["detail"]
        assert ns.suiteql(INVOICES, limit=1, offset=999).status_code == 200
        assert ns.suiteql(INVOICES, limit=1, offset=1000).status_code == 400  # 1000 pages of 1
    assert SUITEQL_MAX_ROWS == 100_000


# ------------------------------------------------------------------------------------------------ client


def test_the_client_never_ends_a_cut_off_result_as_if_it_were_whole(client: NetSuiteClient) -> None:
    read: list[str] = []
    with pytest.raises(SuiteQLCutoffError, match=f"cutoff of {CUTOFF} rows"):
        for row in client.suiteql(INVOICES, page_size=50):
            read.append(row["id"])
    assert len(read) == CUTOFF  # what NetSuite returned, then the error instead of a quiet end


def test_a_result_under_the_cutoff_reads_whole(client: NetSuiteClient, ns: NetSuiteSandboxClient) -> None:
    rows = list(client.suiteql("SELECT id FROM customer ORDER BY id"))
    assert 0 < len(rows) < CUTOFF
    assert [r["id"] for r in rows] == [r["id"] for r in ns.rows("SELECT id FROM customer ORDER BY id")]


def test_the_keyset_reader_reads_every_row_once_past_the_cutoff(
    client: NetSuiteClient, ns: NetSuiteSandboxClient
) -> None:
    before = client.stats.requests
    rows = list(client.suiteql_after(
        lambda after: f"SELECT id FROM transaction WHERE type = 'CustInvc' AND id > {after} ORDER BY id",
        page_size=50,
    ))  # fmt: skip
    ids = [int(row["id"]) for row in rows]
    assert len(ids) == invoice_count(ns) > CUTOFF + 100
    assert ids == sorted(set(ids))
    # Each query is read to the cutoff (pages of 50, 50, 20), then the next starts after its last id.
    full, rest = divmod(len(ids), CUTOFF)
    assert client.stats.requests - before == full * 3 + max(1, -(-rest // 50))


def test_the_keyset_reader_refuses_a_query_not_ordered_by_its_key(client: NetSuiteClient) -> None:
    with pytest.raises(ValueError, match="ORDER BY id"):
        list(client.suiteql_after(lambda a: f"SELECT id FROM customer WHERE id > {a} ORDER BY id DESC"))


# ------------------------------------------------------------------------------------------------ audit


def test_the_audit_reads_every_record_and_copy_of_a_period_past_the_cutoff(
    client: NetSuiteClient, ns: NetSuiteSandboxClient
) -> None:
    customer = ns.rows("SELECT id, currency FROM customer WHERE currency IS NOT NULL ORDER BY id")[0]
    made: list[str] = []
    for n in range(2 * CUTOFF + 30):
        body = {"customer": {"id": customer["id"]}, "currency": {"id": customer["currency"]}, "payment": 1.0,
                "undepFunds": {"id": "T"}, "tranDate": f"2026-09-{n % 28 + 1:02d}",
                "memo": f"Stripe: ch_Cut{n}"}
        if n % 2 == 0:
            body["externalId"] = f"ch_Cut{n}"
        made.append(ns.create("customerPayment", body))

    entries = {entry.internal_id for entry in period_entries(client, PERIOD)}
    copies = {entry.internal_id for entry in memo_only_in_period(client, PERIOD)}
    assert len(made[0::2]) > CUTOFF and len(made[1::2]) > CUTOFF
    assert entries >= set(made[0::2]) and copies >= set(made[1::2])
    assert not entries & set(made[1::2]) and not copies & set(made[0::2])


# ------------------------------------------------------------------------------------------------ callers

make_app = webapp_support.make_app  # the payment pages' app, on this module's cut-off sandbox


def test_links_sync_writes_a_link_on_every_open_invoice_past_the_cutoff(
    make_app: Any, ns: NetSuiteSandboxClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "SUITEQL_MAX_ROWS", CUTOFF)  # the app's client knows this cutoff
    open_invoices = "FROM transaction WHERE type = 'CustInvc' AND status = 'A'"
    [count] = ns.rows(f"SELECT COUNT(*) AS n {open_invoices}")
    assert int(count["n"]) > CUTOFF

    result = make_app().test_cli_runner().invoke(args=["links", "sync"])

    assert result.exit_code == 0, result.output
    # Counted by SQL: a list of the rows would itself stop at the cutoff.
    [unlinked] = ns.rows(f"SELECT COUNT(*) AS n {open_invoices} AND custbody_stripe_payment_link IS NULL")
    assert unlinked["n"] in (0, "0")
