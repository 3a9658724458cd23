"""The ledger audit over the seeded 30-day world, loaded by the payments and deposit loaders.

On the clean world it reports "in agreement". Then a person changes NetSuite by hand through its REST API
(a generic OAuth1 client, as the UI would): a payment deleted, a payment's amount edited, a deposit
deleted, a payment made under a Stripe charge id Stripe never issued, and a payment copied without its
external id. The audit finds those, and only those, each with both sides; its remedy (requeue, then the
loaders) restores what the connector wrote. Which records to change, and what Stripe says about them, is
read here from Stripe and NetSuite directly, never from the audit under test.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import stripe
from sqlalchemy import Engine

from stripe_netsuite.audit import AGREEMENT, AuditPeriod, AuditResult, Code
from stripe_netsuite.audit.__main__ import main as audit_cli
from stripe_netsuite.audit.compare import audit_ledger
from stripe_netsuite.audit.fetch_netsuite import (
    entries_by_external_id,
    entries_in_period,
    memo_only_in_period,
)
from stripe_netsuite.audit.fetch_stripe import fetch_stripe_side, lookup_ids
from stripe_netsuite.audit.run import _customers, run_audit, wanted_external_ids
from stripe_netsuite.audit.sides import NetSuiteSide, StripeSide
from stripe_netsuite.netsuite import NetSuiteClient
from stripe_netsuite.stripe_api.api import StripeApi
from stripe_netsuite.sync import load_facts
from stripe_netsuite.sync.deposit_load_run import run_deposits
from stripe_netsuite.sync.deposit_settings import DepositSettings
from stripe_netsuite.sync.load import load_payments
from tests.conftest import NETSUITE_TEST_ENV, STRIPE_TEST_KEY
from tests.integration.conftest import NetSuiteSandboxClient
from tests.integration.test_sync_deposits_load import (  # noqa: F401 (fixtures)
    ZONE,
    Payouts,
    engine,
    monkeypatch_module,
    netsuite,
    ns,
    payouts,
    settings,
    stripe_api,
    world,
)
from tests.integration.test_sync_load import LEDGER_ENV, ledger_settings, major
from tests.servers import RunningServer
from world_seeder.world import END

pytestmark = pytest.mark.slow
# The whole seeded month and a margin: the world's clock stops at END; its last payouts arrive days later.
WORLD_END = datetime.fromtimestamp(END, UTC).date()
PERIOD = AuditPeriod(WORLD_END - timedelta(days=32), WORLD_END + timedelta(days=3))


@pytest.fixture(scope="module")
def loaded(
    engine: Engine, netsuite: NetSuiteClient, settings: DepositSettings,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: pytest.MonkeyPatch,  # noqa: F811
) -> Path:  # fmt: skip
    """Every payment, refund and dispute, then every deposit, written by the connector's loaders."""
    reports = tmp_path_factory.mktemp("reports")
    monkeypatch_module.setenv("CONNECTOR_REPORTS_DIR", str(reports))
    load_payments(engine, netsuite, None, ledger_settings(), run_id="load-1")
    deposits = run_deposits(
        engine, netsuite, settings, dag_id="netsuite_deposits", run_id="deposits-1", now=datetime.now(UTC),
        zone=ZONE,
    )
    assert deposits["blocked"] == 0 and deposits["failed"] == 0
    return reports


def audit(netsuite: NetSuiteClient, stripe_api: stripe.StripeClient) -> AuditResult:  # noqa: F811
    return run_audit(netsuite, stripe_api, ledger_settings(), PERIOD)


def test_the_loaded_world_is_in_agreement_and_the_cli_says_so(
    loaded: Path, netsuite: NetSuiteClient, stripe_api: stripe.StripeClient,  # noqa: F811
    payouts: Payouts, netsuite_sandbox: RunningServer, stripe_sandbox: RunningServer,  # noqa: F811
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    before, started = netsuite.stats.requests, time.monotonic()
    result = audit(netsuite, stripe_api)
    with capsys.disabled():  # a figure for BENCHMARKS-style notes, not an assertion
        print(f"\naudit: {netsuite.stats.requests - before} NetSuite requests,"
              f" {time.monotonic() - started:.1f} s, checked {result.checked}")

    assert [(d.code, d.stripe_id, d.detail) for d in result.disagreements] == []
    assert result.verdict == AGREEMENT
    charges = list(stripe_api.v1.charges.list(params={"limit": 100}).auto_paging_iter())
    assert result.checked["charges"] == len(charges) > 30
    assert result.checked["payouts"] >= len(payouts.deposited) >= 15

    env = {**NETSUITE_TEST_ENV, **LEDGER_ENV, "NETSUITE_BASE_URL": netsuite_sandbox.url + "/services/rest",
           "STRIPE_API_KEY": STRIPE_TEST_KEY, "STRIPE_API_BASE": stripe_sandbox.url,
           "CONNECTOR_DATABASE_URL": f"sqlite:///{tmp_path / 'connector.db'}"}  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = audit_cli(["--from", PERIOD.start.isoformat(), "--to", PERIOD.end.isoformat()])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.startswith(f"ledger_audit {PERIOD.start} to {PERIOD.end}: in agreement ({len(charges)} ")
    assert Path(out.rsplit("Report: ", 1)[1].strip()).is_file()


def undeposited_plain_payments(
    ns: NetSuiteSandboxClient, stripe_api: stripe.StripeClient  # noqa: F811
) -> list[dict[str, Any]]:
    """Payments NetSuite lets a person delete: not yet deposited, and no refund of them."""
    reversed_ = {r.charge for r in stripe_api.v1.refunds.list(params={"limit": 100}).auto_paging_iter()}
    reversed_ |= {d.charge for d in stripe_api.v1.disputes.list(params={"limit": 100}).auto_paging_iter()}
    rows = ns.rows(
        "SELECT t.id, t.externalid, t.foreigntotal, t.entity, t.currency,"
        " TO_CHAR(t.trandate, 'YYYY-MM-DD') AS trandate FROM transaction t"
        " WHERE t.type = 'CustPymt' AND t.status = 'B' AND t.externalid LIKE 'ch_%' ORDER BY t.id"
    )
    return [row for row in rows if row["externalid"] not in reversed_]


def test_payments_and_a_deposit_changed_by_hand_are_each_found_with_both_sides(
    loaded: Path, netsuite: NetSuiteClient, stripe_api: stripe.StripeClient,  # noqa: F811
    ns: NetSuiteSandboxClient, payouts: Payouts,  # noqa: F811
) -> None:  # fmt: skip
    deleted, edited, copied = undeposited_plain_payments(ns, stripe_api)[:3]
    response = ns.request("DELETE", f"/record/v1/customerPayment/{deleted['id']}")
    assert response.status_code == 204, response.text
    new_amount = float(edited["foreigntotal"]) + 1
    response = ns.request("PATCH", f"/record/v1/customerPayment/{edited['id']}", json={"payment": new_amount})
    assert response.status_code == 204, response.text
    payout = payouts.deposited[0]
    [deposit] = ns.rows(f"SELECT t.id FROM transaction t WHERE t.externalid = '{payout.id}'")
    response = ns.request("DELETE", f"/record/v1/deposit/{deposit['id']}")
    assert response.status_code == 204, response.text
    made_up = "ch_3HandMadeInNetSuite0001"
    ns.create("customerPayment", {
        "customer": {"id": str(edited["entity"])}, "currency": {"id": str(edited["currency"])},
        "payment": 42.0, "undepFunds": {"id": "T"}, "tranDate": (WORLD_END - timedelta(days=3)).isoformat(),
        "externalId": made_up, "memo": f"Stripe: {made_up}",
    })  # fmt: skip

    # "Make Copy" in the UI: the same payment again, memo and all, but no external id.
    ns.create("customerPayment", {
        "customer": {"id": str(copied["entity"])}, "currency": {"id": str(copied["currency"])},
        "payment": float(copied["foreigntotal"]), "undepFunds": {"id": "T"}, "tranDate": copied["trandate"],
        "memo": f"Stripe: {copied['externalid']}",
    })  # fmt: skip

    result = audit(netsuite, stripe_api)

    found = {(d.code, d.stripe_id): d for d in result.disagreements}
    assert set(found) == {
        (Code.MISSING_PAYMENT, deleted["externalid"]),
        (Code.PAYMENT_AMOUNT, edited["externalid"]),
        (Code.MISSING_DEPOSIT, payout.id),
        (Code.UNKNOWN_TO_STRIPE, made_up),
        (Code.DUPLICATE, copied["externalid"]),
    }
    charge = stripe_api.v1.charges.retrieve(deleted["externalid"])
    missing = found[(Code.MISSING_PAYMENT, deleted["externalid"])]
    assert missing.netsuite is None
    assert missing.stripe["amount"] == f"{major(charge.amount, charge.currency)} {charge.currency.upper()}"
    changed = found[(Code.PAYMENT_AMOUNT, edited["externalid"])]
    charge = stripe_api.v1.charges.retrieve(edited["externalid"])
    assert changed.stripe["amount"] == f"{major(charge.amount, charge.currency)} {charge.currency.upper()}"
    assert changed.netsuite is not None and changed.netsuite["record"] == f"customerPayment {edited['id']}"
    assert changed.netsuite["amount"].split()[0] != changed.stripe["amount"].split()[0]
    gone = found[(Code.MISSING_DEPOSIT, payout.id)]
    arrival = datetime.fromtimestamp(payout.arrival_date, UTC).date()
    assert gone.stripe["amount"] == f"{major(payout.amount, payout.currency)} {payout.currency.upper()}"
    assert gone.stripe["date"] == arrival.isoformat() and gone.netsuite is None
    stranger = found[(Code.UNKNOWN_TO_STRIPE, made_up)]
    assert stranger.netsuite is not None and stranger.netsuite["amount"].startswith("42")
    assert f"--requeue {deleted['externalid']}" in missing.what_to_do
    assert all(d.what_to_do for d in result.disagreements)


def whole_period_audit(netsuite: NetSuiteClient, stripe_api: stripe.StripeClient) -> AuditResult:  # noqa: F811
    """The audit as it ran before it read in chunks: every object and record of the period held at once, one
    comparison (the library's pure audit_ledger over both whole sides)."""
    ledger, apis = ledger_settings(), [StripeApi(stripe_api)]
    listed = fetch_stripe_side(apis, PERIOD, ledger.zone)
    entries = entries_by_external_id(netsuite, wanted_external_ids(listed))
    entries |= entries_in_period(netsuite, PERIOD)
    named = {parsed[1] for entry in entries.values() if (parsed := entry.ledger) is not None}
    known = {**listed.known, **lookup_ids(apis, named - set(listed.known))}
    side = StripeSide(listed.charges, listed.refunds, listed.disputes, listed.payouts, known)
    symbols = {v: k for k, v in load_facts.currency_ids(netsuite).items()}
    customers, by_email = _customers(netsuite, listed.charges, ledger, symbols)
    netsuite_side = NetSuiteSide(entries, customers, by_email, memo_only_in_period(netsuite, PERIOD))
    return audit_ledger(side, netsuite_side, ledger, PERIOD)


@pytest.mark.parametrize("chunk", [7, 500])
def test_the_audit_read_in_chunks_finds_what_the_whole_period_audit_finds(
    loaded: Path, netsuite: NetSuiteClient, stripe_api: stripe.StripeClient, chunk: int,  # noqa: F811
) -> None:  # fmt: skip
    """After the hand changes above: chunks of 7 Stripe objects (a page of 100 split, and every kind in
    several chunks) give the very findings, in the very order, and counts of the audit that held it all."""
    whole = whole_period_audit(netsuite, stripe_api)
    chunked = run_audit(netsuite, stripe_api, ledger_settings(), PERIOD, chunk=chunk)
    assert len(whole.disagreements) == 5
    assert chunked.disagreements == whole.disagreements
    assert chunked.checked == whole.checked


def test_requeued_records_are_written_again_and_the_hand_made_ones_stay_reported(
    loaded: Path, engine: Engine, netsuite: NetSuiteClient, stripe_api: stripe.StripeClient,  # noqa: F811
    settings: DepositSettings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],  # noqa: F811
) -> None:  # fmt: skip
    """After the previous test: the report's remedy for what the connector wrote (`--requeue`, then the
    loaders' next runs) restores the deleted and edited records; what a person made, a person removes."""
    before = audit(netsuite, stripe_api)
    written = {d.stripe_id for d in before.disagreements
               if d.code in (Code.MISSING_PAYMENT, Code.PAYMENT_AMOUNT, Code.MISSING_DEPOSIT)}  # fmt: skip
    assert len(written) == 3

    monkeypatch.setenv("CONNECTOR_DATABASE_URL", str(engine.url))
    assert audit_cli(["--requeue", *sorted(written)]) == 0
    assert capsys.readouterr().out.startswith("3 sync record(s) of ")
    load_payments(engine, netsuite, None, ledger_settings(), run_id="load-2")
    run_deposits(engine, netsuite, settings, dag_id="netsuite_deposits", run_id="deposits-2",
                 now=datetime.now(UTC), zone=ZONE)  # fmt: skip

    after = audit(netsuite, stripe_api)
    assert {d.code for d in after.disagreements} == {Code.UNKNOWN_TO_STRIPE, Code.DUPLICATE}
