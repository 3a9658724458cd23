"""`flask --app webapp links ...`: print payment links (and QR codes), and write them into NetSuite."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from stripe_netsuite.links import LinkTarget, qr_svg
from webapp.pay import page_url
from webapp.services import get_netsuite

__all__ = ["init_app", "links"]

links = AppGroup("links", help="Payment links: create one, or sync all into NetSuite custom fields.")

# Custom fields that NetSuite email and PDF templates read to render a "Pay Now" button.
CUSTOMER_FIELD = "custentity_stripe_payment_link"
INVOICE_FIELD = "custbody_stripe_payment_link"


def _url(target: LinkTarget) -> str:
    # The pages' own routes build the link (one home for them); outside a request, Flask builds URLs in a
    # request context of its own.
    with current_app.test_request_context():
        return page_url(target)


@links.command("create")
@click.option("--customer", "customer_id", help="NetSuite internal id of a customer.")
@click.option("--invoice", "invoice_id", help="NetSuite internal id of an invoice.")
@click.option(
    "--qr",
    "qr_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the link as a QR code (SVG) to this file.",
)
def create_link(customer_id: str | None, invoice_id: str | None, qr_path: Path | None) -> None:
    """Print the payment link of one customer or one invoice."""
    if bool(customer_id) == bool(invoice_id):
        raise click.UsageError("give exactly one of --customer ID or --invoice ID")
    try:
        target = (
            LinkTarget("customer", customer_id) if customer_id else LinkTarget("invoice", invoice_id or "")
        )
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    url = _url(target)
    click.echo(url)
    if qr_path is not None:
        qr_path.write_text(qr_svg(url), encoding="utf-8")
        click.echo(f"QR code written to {qr_path}", err=True)


def _sync(
    record_type: str, field: str, query: Callable[[int], str], kind: str, dry_run: bool
) -> tuple[int, int]:
    """Write the link of every row `query(after)` selects (by keyset: an account can hold more customers or
    open invoices than one SuiteQL query returns, NetSuite's 100,000-row cutoff)."""
    netsuite = get_netsuite()
    written = unchanged = 0
    for row in netsuite.suiteql_after(query):
        url = _url(LinkTarget("customer" if kind == "customer" else "invoice", row["id"]))
        if row.get("link") == url:
            unchanged += 1
            continue
        if not dry_run:
            netsuite.update(record_type, row["id"], {field: url})
        written += 1
    return written, unchanged


@links.command("sync")
@click.option("--dry-run", is_flag=True, help="Count what would change without writing to NetSuite.")
def sync_links(dry_run: bool) -> None:
    """Write links into NetSuite for customers with a balance and for open invoices (a safe backfill)."""
    customers = _sync(
        "customer",
        CUSTOMER_FIELD,
        lambda after: f"SELECT c.id AS id, c.{CUSTOMER_FIELD} AS link FROM customer c"
        f" WHERE c.balance > 0 AND c.isinactive = 'F' AND c.id > {after} ORDER BY c.id",
        "customer",
        dry_run,
    )
    invoices = _sync(
        "invoice",
        INVOICE_FIELD,
        lambda after: f"SELECT t.id AS id, t.{INVOICE_FIELD} AS link FROM transaction t"
        f" WHERE t.type = 'CustInvc' AND t.status = 'A' AND t.id > {after} ORDER BY t.id",
        "invoice",
        dry_run,
    )
    verb = "would write" if dry_run else "wrote"
    click.echo(f"customers: {verb} {customers[0]}, unchanged {customers[1]}")
    click.echo(f"invoices: {verb} {invoices[0]}, unchanged {invoices[1]}")
    current_app.logger.info("links sync done")


def init_app(app: Flask) -> None:
    app.cli.add_command(links)
