"""Two (or more) tabs paying the same balance at the same moment cannot together exceed it."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.e2e import webapp_support
from tests.e2e.webapp_support import attempts, csrf_of, page_path

make_app = webapp_support.make_app  # the shared fixture, registered in this module


def session_count(stripe_client: Any) -> int:
    return len(stripe_client.v1.checkout.sessions.list({"limit": 100}).data)


@pytest.mark.parametrize(
    ("tabs", "amount", "expected_paid"),
    [(4, "2000.00", 1), (3, "1000.00", 2), (6, "2900.00", 1)],
    ids=["four-tabs-most-of-balance", "three-tabs-a-third-each", "six-tabs-whole-balance"],
)
def test_concurrent_tabs_cannot_overpay(
    make_app: Any, stripe_client: Any, tabs: int, amount: str, expected_paid: int
) -> None:
    app = make_app()
    path = page_path(app, "customer", "102")  # balance 2,900.00 USD
    clients = [app.test_client() for _ in range(tabs)]
    tokens = [csrf_of(client.get(path).get_data(as_text=True)) for client in clients]
    before = session_count(stripe_client)
    barrier = threading.Barrier(tabs)
    codes: list[int] = []
    lock = threading.Lock()

    def pay(index: int) -> None:
        barrier.wait()
        code = clients[index].post(path, data={"csrf_token": tokens[index], "amount": amount}).status_code
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=pay, args=(i,)) for i in range(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(codes) == sorted([303] * expected_paid + [422] * (tabs - expected_paid))
    made = attempts(app)
    assert len(made) == expected_paid
    assert sum(a.amount_minor for a in made) <= 290000
    assert session_count(stripe_client) - before == expected_paid
