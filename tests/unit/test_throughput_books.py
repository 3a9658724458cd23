"""The loader's bookkeeping thread: records gather while no writer waits, and a waiting writer is not kept."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from stripe_netsuite.store import dispose_engines, get_engine, migrate
from stripe_netsuite.sync.load_books import Books
from stripe_netsuite.sync.load_store import SyncWrite, read_sync_records

LONG = 5.0  # a linger no test should ever sit through


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    migrate(url)
    yield get_engine(url)
    dispose_engines()


def _write(number: int) -> SyncWrite:
    return SyncWrite(
        f"ch_{number}", "charge", "customerPayment", f"ch_{number}", "synced", "run-1", str(number)
    )


def _commits(engine: Engine) -> list[int]:
    counted: list[int] = []

    def count(connection: Any) -> None:
        counted.append(1)

    event.listen(engine, "commit", count)
    return counted


def test_records_nobody_waits_for_are_committed_together(engine: Engine) -> None:
    commits = _commits(engine)
    began = time.monotonic()
    with Books(engine, linger=LONG) as books:
        for number in range(3):
            books.save(_write(number))
    assert time.monotonic() - began < LONG / 2  # closing ends the lingering
    assert len(commits) == 1
    assert {key[1] for key in read_sync_records(engine)} == {"ch_0", "ch_1", "ch_2"}


def test_a_writer_waiting_for_its_record_ends_the_lingering(engine: Engine) -> None:
    with Books(engine, linger=LONG) as books:
        books.save(_write(1))
        ticket = books.save(_write(2))
        began = time.monotonic()
        books.wait(ticket)
        assert time.monotonic() - began < LONG / 2
        assert {key[1] for key in read_sync_records(engine)} == {"ch_1", "ch_2"}
