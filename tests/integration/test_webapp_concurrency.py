"""Two (or more) tabs paying the same balance at the same moment cannot together exceed it.

Tabs of one page replace each other's unpaid Checkout Session (issue 8 item 5); tabs of different pages of
one customer are checked against each other under the customer's lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from flask import Flask

from stripe_netsuite.store import migrate
from tests.e2e import webapp_support
from tests.e2e.webapp_support import attempts, csrf_of, page_path
from tests.servers import RunningServer


@pytest.fixture
def make_app(
    netsuite_env: dict[str, str], stripe_sandbox: RunningServer, state_db_url: str
) -> Callable[..., Flask]:
    """webapp_support.make_app on SQLite and on PostgreSQL, whose customer locks differ."""
    migrate(state_db_url)  # what the init job does for a PostgreSQL deployment; SQLite's app does it itself

    def make(config: Mapping[str, Any] | None = None, **extra: str) -> Flask:
        environ = webapp_support.webapp_environ(netsuite_env, stripe_sandbox.url, state_db_url, **extra)
        return webapp_support.create_test_app(environ, config)

    return make


def open_sessions(app: Any, stripe_client: Any) -> list[Any]:
    """The test's Checkout Sessions that can still be paid, as Stripe says."""
    ids = [a.checkout_session_id for a in attempts(app) if a.checkout_session_id]
    found = [stripe_client.v1.checkout.sessions.retrieve(session_id) for session_id in ids]
    return [session for session in found if session.status == "open"]


@pytest.mark.parametrize(
    ("tabs", "amount"),
    [(4, "2000.00"), (3, "1000.00"), (6, "2900.00")],
    ids=["four-tabs-most-of-balance", "three-tabs-a-third-each", "six-tabs-whole-balance"],
)
def test_concurrent_tabs_of_one_page_leave_one_payable_session(
    make_app: Any, stripe_client: Any, tabs: int, amount: str
) -> None:
    """Tabs of one page replace each other's unpaid session: whatever the interleaving, one stays payable."""
    app = make_app()
    path = page_path(app, "customer", "102")  # balance 2,900.00 USD
    clients = [app.test_client() for _ in range(tabs)]
    tokens = [csrf_of(client.get(path).get_data(as_text=True)) for client in clients]
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

    # 303 to Checkout, or 422 "a newer payment was started from this page" for a tab replaced mid-way.
    assert set(codes) <= {303, 422} and codes.count(303) >= 1 and len(codes) == tabs
    [payable] = open_sessions(app, stripe_client)
    assert payable.amount_total == int(amount.replace(".", ""))
    assert [a.status for a in attempts(app)].count("open") == 1


def test_concurrent_tabs_of_different_pages_cannot_overpay(make_app: Any, stripe_client: Any) -> None:
    """The customer page and two invoice pages of one customer, at once: payable sessions never exceed it."""
    app = make_app()
    posts = [
        (page_path(app, "customer", "102"), {"amount": "2000.00"}),
        (page_path(app, "invoice", "1001"), {}),  # 1,500.00 due
        (page_path(app, "invoice", "1002"), {}),  # 1,400.00 due
    ] * 2
    clients = [app.test_client() for _ in posts]
    tokens = [csrf_of(clients[i].get(path).get_data(as_text=True)) for i, (path, _) in enumerate(posts)]
    barrier = threading.Barrier(len(posts))

    def pay(index: int) -> None:
        path, data = posts[index]
        barrier.wait()
        clients[index].post(path, data={"csrf_token": tokens[index], **data})

    threads = [threading.Thread(target=pay, args=(i,)) for i in range(len(posts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    payable = open_sessions(app, stripe_client)
    assert payable and sum(session.amount_total for session in payable) <= 290000
