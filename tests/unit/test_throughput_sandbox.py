"""The NetSuite sandbox's cost model: how its latency applies, and its customer balances summed in SQL."""

from __future__ import annotations

import io
import random
import sqlite3
import time
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pytest

from netsuite_sandbox import ledger
from netsuite_sandbox.governance import ConfigValueError, Governance, RestGate
from netsuite_sandbox.money import to_text
from netsuite_sandbox.store import SCHEMA

WORK = 0.15  # seconds the stub record app works per request
LATENCY_MS = 200


class _AnyBearer:
    """Stands in for the OAuth 2.0 token service: every bearer token is live (auth is not under test)."""

    def is_valid(self, token: str) -> bool:
        return True


def _working_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    time.sleep(WORK)
    start_response("204 No Content", [])
    return [b""]


def _timed_request(model: str) -> tuple[float, dict[str, Any]]:
    governance = Governance()
    governance.configure({"latency_ms": LATENCY_MS, "latency_model": model})
    gate = RestGate(_working_app, governance, tba=None, tokens=_AnyBearer())  # type: ignore[arg-type]
    environ = {"PATH_INFO": "/services/rest/record/v1/customer/1", "REQUEST_METHOD": "GET",
               "HTTP_AUTHORIZATION": "Bearer t", "wsgi.input": io.BytesIO(b"")}  # fmt: skip
    began = time.monotonic()
    list(gate(environ, lambda status, headers, exc_info=None: None))
    return time.monotonic() - began, governance.recent(1)[0]


def test_latency_is_a_floor_on_the_response_time_that_includes_the_sandboxs_work() -> None:
    elapsed, entry = _timed_request("floor")
    # 200 ms in all, not 200 + 150: the work happened inside the latency.
    assert LATENCY_MS / 1000 <= elapsed < (LATENCY_MS / 1000 + WORK) - 0.05
    assert entry["status"] == 204 and LATENCY_MS <= entry["duration_ms"] < LATENCY_MS + WORK * 1000 - 50


def test_the_added_model_sleeps_the_latency_then_works() -> None:
    elapsed, _ = _timed_request("added")
    assert elapsed >= LATENCY_MS / 1000 + WORK


def test_floor_is_the_default_and_an_unknown_model_is_refused() -> None:
    governance = Governance()
    assert governance.stats()["config"]["latency_model"] == "floor"
    with pytest.raises(ConfigValueError, match="latency_model"):
        governance.configure({"latency_model": "sometimes"})
    assert governance.stats()["config"]["latency_model"] == "floor"


def _ledger(rng: random.Random) -> tuple[sqlite3.Connection, list[tuple[str, int | None, str | None]]]:
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    conn.executescript(SCHEMA)
    rows: list[tuple[str, int | None, str | None]] = []
    for number in range(rng.choice([0, 1, 3, 40, 300])):
        places = rng.choice([0, 0, 1, 2, 2, 3, 3, 5, 7])
        magnitude = rng.choice([10, 10**4, 10**7, 10**10, 10**17])
        total: str | None = to_text(Decimal(rng.randint(-magnitude, magnitude)).scaleb(-places))
        if rng.random() < 0.02:  # what to_text never writes: summed in Python (or refused) as before
            total = rng.choice(["1E+3", " 5", "3.", ".5", "-.5", "1.2.3", "4-2", None])
        kind = rng.choice(["invoice", "customerRefund", "customerPayment", "creditMemo", "journalEntry"])
        entity, currency = rng.choice([7, 7, 8]), rng.choice([1, 2, 3, None])
        conn.execute("INSERT INTO _record VALUES (?, ?, 'transaction', NULL, ?, ?, ?, '{}', '', '')",
                     (kind, number + 1, entity, currency, total))  # fmt: skip
        if entity == 7 and currency is not None:
            rows.append((kind, currency, total))
    return conn, rows


@pytest.mark.parametrize("seed", range(12), ids=lambda seed: f"ledger-{seed}")
def test_customer_balances_are_the_exact_sums_of_the_totals(seed: int) -> None:
    """Each currency's balance is the Decimal that adding the totals one by one gives: same value and same
    exponent (the most precise total's), currencies in id order; a total that is not a number is refused."""
    rng = random.Random(seed)
    for _ in range(25):
        conn, rows = _ledger(rng)
        signs = {"invoice": 1, "customerRefund": 1, "customerPayment": -1, "creditMemo": -1}
        expected: dict[int, Decimal] = {}
        try:
            for kind, currency, total in rows:
                if kind in signs and currency is not None:
                    value = Decimal(total)  # type: ignore[arg-type]  # (None: TypeError)
                    expected[currency] = expected.get(currency, Decimal(0)) + signs[kind] * value
        except (TypeError, ArithmeticError):
            with pytest.raises((ValueError, TypeError)):
                ledger.customer_balances(conn, 7)
            continue
        balances = ledger.customer_balances(conn, 7)
        assert list(balances) == sorted(expected)
        for currency, value in expected.items():
            assert (balances[currency], balances[currency].as_tuple()) == (value, value.as_tuple())
