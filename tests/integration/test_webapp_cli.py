"""`flask --app webapp links create | sync` against the NetSuite sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e import webapp_support
from tests.integration.conftest import NetSuiteSandboxClient

make_app = webapp_support.make_app  # the shared fixture, registered in this module


@pytest.mark.parametrize(
    ("option", "value", "prefix"),
    [("--customer", "106", "/pay/c/"), ("--invoice", "1038", "/pay/i/")],
    ids=["customer", "invoice"],
)
def test_links_create_prints_a_link_that_opens_the_page(
    make_app: Any, option: str, value: str, prefix: str
) -> None:
    app = make_app()
    result = app.test_cli_runner().invoke(args=["links", "create", option, value])
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    assert url.startswith("http://localhost" + prefix)
    assert value not in url.split(prefix, 1)[1]  # the token does not reveal the id
    assert app.test_client().get(url.removeprefix("http://localhost")).status_code == 200


def test_links_create_writes_a_qr_code(make_app: Any, tmp_path: Path) -> None:
    target = tmp_path / "link.svg"
    result = (
        make_app()
        .test_cli_runner()
        .invoke(args=["links", "create", "--customer", "102", "--qr", str(target)])
    )
    assert result.exit_code == 0, result.output
    assert target.read_text().lstrip().startswith("<?xml") and "<svg" in target.read_text()


@pytest.mark.parametrize(
    "args",
    [[], ["--customer", "102", "--invoice", "1001"], ["--customer", "abc"], ["--invoice", "-1"]],
    ids=["neither", "both", "not-digits", "negative"],
)
def test_links_create_refuses_bad_arguments(make_app: Any, args: list[str]) -> None:
    result = make_app().test_cli_runner().invoke(args=["links", "create", *args])
    assert result.exit_code == 2


def test_links_sync_backfills_customers_and_open_invoices_once(
    make_app: Any, ns: NetSuiteSandboxClient
) -> None:
    app = make_app()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["links", "sync", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert ns.rows("SELECT id FROM customer WHERE custentity_stripe_payment_link IS NOT NULL") == []

    first = runner.invoke(args=["links", "sync"])
    assert first.exit_code == 0, first.output
    customers = ns.rows(
        "SELECT id, balance, custentity_stripe_payment_link AS link FROM customer ORDER BY id"
    )
    with_balance = [row for row in customers if float(row["balance"]) > 0]
    assert with_balance and all(row["link"].startswith("http://localhost/pay/c/") for row in with_balance)
    assert all("link" not in row for row in customers if float(row["balance"]) <= 0)
    invoices = ns.rows(
        "SELECT id, status, custbody_stripe_payment_link AS link FROM transaction "
        "WHERE type = 'CustInvc' ORDER BY id"
    )
    assert all(row["link"].startswith("http://localhost/pay/i/") for row in invoices if row["status"] == "A")
    assert all("link" not in row for row in invoices if row["status"] != "A")
    # The written link opens that record's page.
    link = next(row["link"] for row in invoices if row["id"] == "1026")
    assert "INV1026" in app.test_client().get(link.removeprefix("http://localhost")).get_data(as_text=True)

    again = runner.invoke(args=["links", "sync"])
    assert f"customers: wrote 0, unchanged {len(with_balance)}" in again.output
    assert "invoices: wrote 0" in again.output
