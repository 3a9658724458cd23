"""The ledger_audit report's Markdown carries text typed in NetSuite (a copy's memo and external id): the
Finance view renders it, so that text must stay plain text in its own table row, never a link or markup."""

from __future__ import annotations

from dataclasses import replace

from markdown_it import MarkdownIt

from stripe_netsuite.audit import audit_ledger
from stripe_netsuite.audit.report import build_summary, render_markdown
from stripe_netsuite.audit.sides import NetSuiteSide
from tests.unit.test_audit_compare import CUSTOMERS, PERIOD, SETTINGS, clean

HOSTILE_MEMO = (
    "Stripe: ch_usd [pay the fix here](https://evil.example/pay)\n\n| forged | row |\n<b>bold</b> **x**"
)


def _html() -> tuple[str, str]:
    stripe, entries = clean()
    copy = replace(entries[("customerPayment", "ch_usd")], internal_id="9001",
                   external_id="<img src=x>[id](https://evil.example)", memo=HOSTILE_MEMO)  # fmt: skip
    result = audit_ledger(stripe, NetSuiteSide(entries, CUSTOMERS, memo_only=[copy]), SETTINGS, PERIOD)
    markdown = render_markdown(build_summary("run-1", result))
    # As plugins/finance_view.py renders a report's Markdown.
    return markdown, MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)


def test_a_hostile_memo_and_external_id_stay_text_in_one_table_row() -> None:
    markdown, html = _html()
    assert "evil.example" in html  # shown, as text
    assert "<a " not in html and "<strong>" not in html and "<img" not in html
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert len(rows) == 2  # the header and the duplicate: the memo's newlines forged no row
    assert html.count("<tr>") == 2 and "forged" in rows[1]
