"""A date-range backfill of the ledger (netsuite_payments' and the CLI's `since`/`until`): which ready Stripe
objects it reads, and the ranges it refuses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, update

from stripe_netsuite.store import (
    Charge,
    Refund,
    dispose_engines,
    get_engine,
    migrate,
    session_scope,
    upsert_stripe_object,
)
from stripe_netsuite.sync.__main__ import main
from stripe_netsuite.sync.load_run import created_window
from stripe_netsuite.sync.load_store import read_ready

TODAY = date(2026, 11, 30)


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> int:
    return int(datetime(2026, 10, day, hour, minute, second, tzinfo=UTC).timestamp())


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    migrate(url)
    engine = get_engine(url)
    objects: list[tuple[Any, dict[str, Any]]] = [
        (Charge, {"id": "ch_before", "created": at(30, 23, 59, 59)}),  # the day before the range
        (Charge, {"id": "ch_first", "created": at(31)}),  # its first second
        (Charge, {"id": "ch_last", "created": at(31, 23, 59, 59)}),  # its last second
        (Refund, {"id": "re_last", "created": at(31, 23, 59, 59), "charge": "ch_before"}),
    ]
    with session_scope(engine) as session:
        for model, fields in objects:
            upsert_stripe_object(session, model, {"object": model.stripe_object, "livemode": False,
                                                  "amount": 100, "currency": "usd", "status": "succeeded",
                                                  **fields})  # fmt: skip
        later = {"object": "charge", "livemode": False, "id": "ch_after", "amount": 100, "currency": "usd",
                 "status": "succeeded", "created": at(31) + 86_400}  # fmt: skip
        upsert_stripe_object(session, Charge, later)
        for model in (Charge, Refund):
            session.execute(update(model).values(validation_status="ready"))
    yield engine
    dispose_engines()


def test_a_backfill_reads_exactly_the_objects_created_in_its_utc_days(engine: Engine) -> None:
    since, until = created_window(date(2026, 10, 31), date(2026, 10, 31), today=TODAY)
    rows = read_ready(engine, since=since, until=until)
    assert sorted(rows.charges) == ["ch_first", "ch_last"] and list(rows.refunds) == ["re_last"]
    everything = read_ready(engine)
    assert sorted(everything.charges) == ["ch_after", "ch_before", "ch_first", "ch_last"]
    assert sorted(read_ready(engine, since=since).charges) == ["ch_after", "ch_first", "ch_last"]
    assert sorted(read_ready(engine, until=until).charges) == ["ch_before", "ch_first", "ch_last"]


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        (date(2026, 10, 31), date(2026, 10, 1), "until 2026-10-01 is before since 2026-10-31"),
        (date(2026, 12, 1), None, "since 2026-12-01 is in the future"),
    ],
    ids=["backwards", "future"],
)
def test_a_range_that_cannot_hold_anything_is_refused(since: date, until: date | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        created_window(since, until, today=TODAY)


def test_the_cli_refuses_a_backwards_range_before_touching_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CONNECTOR_DATABASE_URL", f"sqlite:///{tmp_path / 'untouched.db'}")
    assert main(["payments", "--since", "2026-10-31", "--until", "2026-10-01"]) == 1
    assert "until 2026-10-01 is before since 2026-10-31" in capsys.readouterr().err
    assert not (tmp_path / "untouched.db").exists()
    with pytest.raises(SystemExit):
        main(["payments", "--until", "October"])
