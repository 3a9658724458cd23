"""A report as one self-contained HTML page (Jinja2, autoescaped): figures, SVG charts, linked tables.

Stripe data is untrusted (a description is whatever the payer or an integration typed): every cell goes
through autoescaping or `Markup.format`, which escapes its arguments; only the charts' SVG, which vl-convert
renders from our own spec, is inserted as markup, and only after checking it carries nothing active.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache

from babel.numbers import format_decimal
from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from stripe_netsuite.reports.charts import Chart
from stripe_netsuite.reports.tables import Cell, FinanceReport, Link, Money, Percent, money_text

__all__ = ["render_html"]

_ACTIVE = re.compile(r"<\s*(script|foreignObject|iframe)|\son\w+\s*=|javascript:", re.IGNORECASE)


def _utc(moment: datetime) -> str:
    """A time as the page labels it: in UTC, whatever zone it came in."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _cell(cell: Cell, locale: str) -> Markup:
    if cell is None:
        return Markup("<td></td>")
    if isinstance(cell, Money):
        return Markup('<td class="num">{}</td>').format(money_text(cell, locale))
    if isinstance(cell, Percent):
        share = format_decimal(cell.value, "#,##0.00", locale=locale)
        return Markup('<td class="num">{} %</td>').format(share)
    if isinstance(cell, Link):
        if cell.url and cell.url.startswith("https://"):
            # A new tab: the report is often in a frame (the Finance view); the Dashboard refuses frames.
            return Markup('<td><a href="{}" target="_blank" rel="noreferrer">{}</a></td>').format(
                cell.url, cell.text
            )
        return Markup("<td>{}</td>").format(cell.text)
    if isinstance(cell, bool):
        return Markup("<td>{}</td>").format("yes" if cell else "no")
    if isinstance(cell, int | Decimal):
        return Markup('<td class="num">{}</td>').format(cell)
    if isinstance(cell, datetime):
        return Markup("<td>{}</td>").format(_utc(cell))
    if isinstance(cell, date):
        return Markup("<td>{}</td>").format(cell.isoformat())
    return Markup("<td>{}</td>").format(cell)


def _trusted_svg(svg: str) -> Markup:
    if not svg.lstrip().startswith("<svg") or _ACTIVE.search(svg):
        raise ValueError("a chart's SVG holds active content; refusing to embed it")
    return Markup(svg)


@cache
def _environment(locale: str) -> Environment:
    env = Environment(
        loader=PackageLoader("stripe_netsuite.reports", "templates"), autoescape=True
    )
    env.filters["cell_html"] = lambda cell: _cell(cell, locale)
    env.filters["trusted_svg"] = _trusted_svg
    return env


def render_html(
    report: FinanceReport,
    charts: Sequence[Chart],
    *,
    written: datetime,
    zone: str,
    locale: str = "en_US",
    downloads: Sequence[tuple[str, str]] = (),
) -> str:
    """The page; `downloads` are (label, relative href) pairs of the CSV and XLSX files beside it."""
    loaded = [
        money_text(Money(minor, currency), locale) + " loaded"
        for currency, minor in report.summary.get("loaded_minor", {}).items()
    ]
    template = _environment(locale).get_template("finance_report.html")
    return template.render(report=report, charts=charts, written=_utc(written),
                           zone=zone, loaded=loaded, downloads=downloads)  # fmt: skip
