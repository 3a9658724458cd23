"""Payouts recorded by hand: once marked handled (who, when, why) they are reported no more, and the report of
the run that marks one shows it as handled. Through the operator CLI, against both sandboxes.

The seeded world holds a payout that the bank bounced before its deposit was written: the deposit runs report
it on every run for recording by hand (as they do manual and debit payouts), until
`deposits --handled po_... --by NAME --reason TEXT`. Refusals write nothing: a payout that is not waiting for
a person (deposited), a second mark, and text that is empty, too long or not printable.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from stripe_netsuite.store import HandledPayout, dispose_engines, get_engine, migrate, session_scope
from stripe_netsuite.sync.load_run import sync_status
from tests.integration.test_deposits_faults import create_accounts, payout_currencies, seed
from tests.integration.test_sync_load import stripe_sync
from tests.integration.test_sync_load_faults import client_for, load_until_done
from tests.integration.test_sync_load_sigkill import cli_env
from tests.servers import ROOT, RunningServer

pytestmark = pytest.mark.slow
PO = ("--handled", "po_1")


@pytest.fixture(scope="module")
def env(
    stripe_sandbox: RunningServer, netsuite_sandbox: RunningServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """The world synced and its payments loaded; the CLI's environment with the deposit accounts."""
    seed(stripe_sandbox, netsuite_sandbox)
    path = tmp_path_factory.mktemp("state") / "connector.db"
    url = f"sqlite:///{path}"
    migrate(url)
    stripe_sync(stripe_sandbox, get_engine(url), "sync-1")
    with client_for(netsuite_sandbox) as client:
        load_until_done(get_engine(url), client, "load")
    accounts = create_accounts(netsuite_sandbox, payout_currencies(get_engine(url)))
    banks = ",".join(f"{code}={account}" for code, account in accounts.items() if code != "adjustments")
    yield {
        **cli_env(stripe_sandbox, netsuite_sandbox, path),
        "NETSUITE_BANK_ACCOUNTS": banks, "NETSUITE_FEE_ACCOUNT": "8",
        "NETSUITE_ADJUSTMENT_ACCOUNT": accounts["adjustments"],
    }  # fmt: skip
    dispose_engines()


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stripe_netsuite.sync", "deposits", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def last_report(env: dict[str, str]) -> dict[str, Any]:
    reports = sorted((Path(env["CONNECTOR_REPORTS_DIR"]) / "netsuite_deposits").glob("*.json"))
    summary: dict[str, Any] = json.loads(reports[-1].read_text())
    return summary


def handled_rows(env: dict[str, str]) -> list[HandledPayout]:
    with session_scope(get_engine(env["CONNECTOR_DATABASE_URL"])) as session:
        rows = list(session.scalars(select(HandledPayout)))
        session.expunge_all()
    return rows


@pytest.fixture(scope="module")
def first(env: dict[str, str]) -> dict[str, Any]:
    done = cli(env)
    assert done.returncode == 0, done.stdout + done.stderr
    return last_report(env)


def test_a_payout_reported_for_recording_by_hand_is_reported_until_marked_handled(
    env: dict[str, str], first: dict[str, Any]
) -> None:
    manual = [p for p in first["problems"] if p["status"] == "manual"]
    assert manual, first["problems"]
    payout_id = manual[0]["payout_id"]
    again = cli(env)
    assert payout_id in {p["payout_id"] for p in last_report(env)["problems"]}, again.stdout

    reason = "journal entry JE-2211: payout returned by the bank, moved to clearing"
    marked = cli(env, "--handled", payout_id, "--by", "Ana Ruiz", "--reason", reason)
    assert marked.returncode == 0, marked.stdout + marked.stderr
    assert f"{payout_id}: recorded by hand by Ana Ruiz on " in marked.stdout
    report = last_report(env)
    (shown,) = report["handled_payouts"]
    assert shown["payout_id"] == payout_id and "JE-2211" in shown["reason"] and "Ana Ruiz" in shown["reason"]
    assert report["handled"] == 1 and report["problems"] == []
    md = (Path(env["CONNECTOR_REPORTS_DIR"]) / "netsuite_deposits" / f"{report['run_id']}.md").read_text()
    assert "## Recorded by hand" in md and payout_id in md
    (row,) = handled_rows(env)
    assert (row.payout_id, row.handled_by) == (payout_id, "Ana Ruiz") and "JE-2211" in row.reason
    assert row.handled_at is not None
    (record,) = sync_status(get_engine(env["CONNECTOR_DATABASE_URL"]), payout_id)
    assert "recorded by hand by Ana Ruiz" in record["last_error"]

    later = cli(env)
    assert later.returncode == 0, later.stdout + later.stderr
    after = last_report(env)
    assert payout_id not in {p["payout_id"] for p in after["problems"]}  # reported no more
    assert {p["payout_id"] for p in after["problems"]} == {p["payout_id"] for p in manual[1:]}
    assert after["handled"] == 0  # unnamed runs do not look at it at all


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("--by", "Ana", "--reason", "x"), "go with --handled", id="by-without-handled"),
        pytest.param((*PO, "--by", "Ana"), "--reason TEXT", id="no-reason"),
        pytest.param((*PO, "--by", " ", "--reason", "x"), "--by must not be empty", id="blank"),
        pytest.param((*PO, "--by", "A\x1b[31m", "--reason", "x"), "printable", id="control"),
        pytest.param((*PO, "--by", "A" * 300, "--reason", "x"), "at most 255", id="long"),
        pytest.param(("--handled", "po_1;DROP", "--by", "A", "--reason", "x"), "not a Stripe", id="id"),
        pytest.param(("--handled", "po_unknown1", "--by", "A", "--reason", "x"), "never processed", id="new"),
    ],
)
def test_a_refused_mark_writes_nothing(
    env: dict[str, str], first: dict[str, Any], args: tuple[str, ...], message: str
) -> None:
    before = [(r.payout_id, r.handled_by) for r in handled_rows(env)]
    done = cli(env, *args)
    assert done.returncode == 1 and message in done.stderr, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert [(r.payout_id, r.handled_by) for r in handled_rows(env)] == before


def test_a_deposited_payout_or_a_second_mark_is_refused(env: dict[str, str], first: dict[str, Any]) -> None:
    deposited = first["deposits"][0]["payout_id"]
    done = cli(env, "--handled", deposited, "--by", "Ana", "--reason", "by mistake")
    assert done.returncode == 1 and "its deposit is synced" in done.stderr, done.stderr
    for row in handled_rows(env):
        again = cli(env, "--handled", row.payout_id, "--by", "Bo", "--reason", "again")
        assert again.returncode == 1 and "already marked handled by" in again.stderr, again.stderr
    assert deposited not in {r.payout_id for r in handled_rows(env)}
