"""The guided day's plan (scripts/demo_day.py), fast: no demo is started (tests/demo/test_demo.py runs it)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture
def demo_day(monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.syspath_prepend(str(SCRIPTS))
    sys.modules.pop("demo_day", None)
    import demo_day

    return demo_day


def test_the_day_runs_every_dag_of_the_project_once(demo_day: object) -> None:
    ordered = [dag_id for group in demo_day.DAG_ORDER for dag_id in group]  # type: ignore[attr-defined]
    files = {p.stem for p in DAGS.glob("*.py") if not p.name.startswith("_")}
    assert sorted(ordered) == sorted(files)  # a new DAG joins the day, or this says so
    first = ["stripe_sync", "netsuite_payments", "netsuite_deposits"]
    assert sorted(first, key=ordered.index) == first


def test_the_world_ends_as_many_days_ago_as_a_payment_takes_to_be_paid_out(demo_day: object) -> None:
    # Funds available AVAILABILITY_DAYS midnights on (the sandbox's setting), swept into that midnight's
    # payout, which arrives at the next one: moving the clock on that far pays the world's last payouts.
    from stripe_sandbox.config import Config

    assert Config().availability_days == demo_day.AVAILABILITY_DAYS  # type: ignore[attr-defined]
    assert Config().availability_days + 1 == demo_day.PAYOUT_DAYS  # type: ignore[attr-defined]


def test_the_daily_dags_are_held_until_the_day_has_loaded_what_they_read(demo_day: object) -> None:
    # Their latest scheduled runs (and netsuite_deposits' webhook runs) would otherwise start with the
    # scheduler, over a ledger not loaded yet: a failed audit mailed as "run failed", payouts blocked.
    ordered = [dag_id for group in demo_day.DAG_ORDER for dag_id in group]  # type: ignore[attr-defined]
    held = demo_day.HELD_DAGS  # type: ignore[attr-defined]
    assert set(held) == {"netsuite_deposits", "finance_reports", "ledger_audit"}
    loaders = max(ordered.index("stripe_sync"), ordered.index("netsuite_payments"))
    assert all(ordered.index(dag_id) > loaders for dag_id in held)
