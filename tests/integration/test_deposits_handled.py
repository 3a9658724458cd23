"""Payouts recorded by hand: once marked handled (who, when, why) they are reported no more, and the report of
the run that marks one shows it as handled. Through the operator CLI, against both sandboxes.

The seeded world holds a payout that the bank bounced before its deposit was written: the deposit runs report
it on every run for recording by hand (as they do manual and debit payouts), until
`deposits --handled po_... --by NAME --reason TEXT`. Refusals write nothing: a payout that is not waiting for
a person (deposited), a second mark, and text that is empty, too long or not printable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from stripe_netsuite.store import HandledPayout, get_engine, session_scope
from stripe_netsuite.sync.load_run import sync_status
from tests.integration import deposit_world
from tests.integration.deposit_world import deposits_cli

pytestmark = pytest.mark.slow
PO = ("--handled", "po_1")

# The world synced from Stripe and every payment loaded into NetSuite (no deposit yet), a bank account per
# payout currency, and the operator CLI's environment for them.
engine = deposit_world.loaded_engine
settings = deposit_world.payout_currency_settings
env = deposit_world.deposits_cli_env


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
    done = deposits_cli(env)
    assert done.returncode == 0, done.stdout + done.stderr
    return last_report(env)


def test_a_payout_reported_for_recording_by_hand_is_reported_until_marked_handled(
    env: dict[str, str], first: dict[str, Any]
) -> None:
    manual = [p for p in first["problems"] if p["status"] == "manual"]
    assert manual, first["problems"]
    payout_id = manual[0]["payout_id"]
    again = deposits_cli(env)
    assert payout_id in {p["payout_id"] for p in last_report(env)["problems"]}, again.stdout

    reason = "journal entry JE-2211: payout returned by the bank, moved to clearing"
    marked = deposits_cli(env, "--handled", payout_id, "--by", "Ana Ruiz", "--reason", reason)
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

    later = deposits_cli(env)
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
    done = deposits_cli(env, *args)
    assert done.returncode == 1 and message in done.stderr, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert [(r.payout_id, r.handled_by) for r in handled_rows(env)] == before


def test_a_deposited_payout_or_a_second_mark_is_refused(env: dict[str, str], first: dict[str, Any]) -> None:
    deposited = first["deposits"][0]["payout_id"]
    done = deposits_cli(env, "--handled", deposited, "--by", "Ana", "--reason", "by mistake")
    assert done.returncode == 1 and "its deposit is synced" in done.stderr, done.stderr
    for row in handled_rows(env):
        again = deposits_cli(env, "--handled", row.payout_id, "--by", "Bo", "--reason", "again")
        assert again.returncode == 1 and "already marked handled by" in again.stderr, again.stderr
    assert deposited not in {r.payout_id for r in handled_rows(env)}
