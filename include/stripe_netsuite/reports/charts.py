"""A report's charts: Vega-Lite specs built with altair, rendered to static SVG by vl-convert (no browser).

Static SVG needs no JavaScript, so a report opens anywhere (mail, a file share, the Finance view) and its
page can forbid scripts. Amounts become floats here and only here: a chart's axis needs numbers, and the
tables next to it carry the exact amounts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import altair as alt
import vl_convert

__all__ = ["Chart", "render_charts"]

WIDTH = 560
DAY_AXIS = alt.Axis(labelAngle=0)  # ISO days read left to right


@dataclass(frozen=True)
class Chart:
    """One rendered chart: a heading and its SVG document."""

    key: str
    title: str
    svg: str


def _floats(rows: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    return [{**row, field: float(row[field])} for row in rows]


def _payments(rows: list[dict[str, Any]]) -> alt.FacetChart:
    # One row of bars per currency with its own scale: amounts in different currencies are never stacked.
    return (
        alt.Chart(alt.Data(values=_floats(rows, "amount")))
        .mark_bar()
        .encode(x=alt.X("day:O", title="Day", axis=DAY_AXIS), y=alt.Y("amount:Q", title="Loaded"),
                tooltip=["day:O", "currency:N", "amount:Q"])
        .properties(width=WIDTH, height=120)
        .facet(row=alt.Row("currency:N", title=None))
        .resolve_scale(y="independent")
    )  # fmt: skip


def _fee_share(rows: list[dict[str, Any]]) -> alt.Chart:
    return (
        alt.Chart(alt.Data(values=_floats(rows, "share")))
        .mark_bar()
        .encode(x=alt.X("day:O", title="Day", axis=DAY_AXIS), xOffset="currency:N",
                y=alt.Y("share:Q", title="Fees, % of volume"),
                color=alt.Color("currency:N", title="Currency"))
        .properties(width=WIDTH, height=180)
    )  # fmt: skip


def _payouts(rows: list[dict[str, Any]]) -> alt.Chart:
    return (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(y=alt.Y("status:N", title=None, sort="-x"),
                x=alt.X("payouts:Q", title="Payouts", axis=alt.Axis(tickMinStep=1, format="d")),
                color=alt.Color("status:N", legend=None))
        .properties(width=WIDTH, height=alt.Step(24))
    )  # fmt: skip


_CHARTS = (
    ("payments_by_day", "Payments loaded per day", _payments),
    ("fee_share", "Stripe fees as a share of volume", _fee_share),
    ("payout_states", "Payouts by reconciliation status", _payouts),
)


def render_charts(series: Mapping[str, list[dict[str, Any]]]) -> list[Chart]:
    """SVG of every chart whose series has data (an empty day draws no empty frame)."""
    charts = []
    for key, title, build in _CHARTS:
        rows = series.get(key) or []
        if rows:
            charts.append(Chart(key, title, vl_convert.vegalite_to_svg(build(rows).to_dict())))
    return charts
