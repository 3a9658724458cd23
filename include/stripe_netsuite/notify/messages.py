"""The finance mails, built from report summaries: a subject, a plain-text body and the same as HTML.

Nothing secret goes out: bodies are made of Stripe and NetSuite ids, codes, amounts and NetSuite's or the
connector's message, and every text passes `redact`, which masks API keys, webhook secrets, bearer tokens,
passwords in URLs and payment-link tokens that an error message could quote.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Mail",
    "blocked_payouts_mail",
    "daily_report_mail",
    "failed_records_mail",
    "redact",
    "run_failed_mail",
]

_SECRETS = [
    # Stripe secret/restricted keys, webhook secrets, client secrets of intents.
    (re.compile(r"\b(sk|rk)_(live|test)_[A-Za-z0-9]+"), r"\1_\2_[redacted]"),
    (re.compile(r"\bwhsec_[A-Za-z0-9]+"), "whsec_[redacted]"),
    (re.compile(r"\b((?:pi|seti|cs)_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+"), r"\1_secret_[redacted]"),
    # Authorization headers (NetSuite OAuth 1.0a signatures, OAuth 2.0 and Airflow bearer tokens).
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [redacted]"),
    (re.compile(r"(?i)\b(oauth_signature|oauth_token|oauth_consumer_key)=\"?[^\s\",]+"), r"\1=[redacted]"),
    (re.compile(r"(?i)(password|secret|token)(\"?\s*[:=]\s*\"?)[^\s\",&]+"), r"\1\2[redacted]"),
    # user:password@ in a URL.
    (re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@]+):[^/\s@]+@"), r"\1:[redacted]@"),
]


def redact(text: str) -> str:
    """`text` with every credential-looking part masked."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


@dataclass(frozen=True)
class Mail:
    """One mail: subject, plain text and HTML bodies (both redacted), files to attach."""

    subject: str
    text: str
    html: str
    files: tuple[str, ...] = field(default_factory=tuple)


def _mail(subject: str, intro: str, headers: Sequence[str], rows: Iterable[Sequence[Any]],
          links: Mapping[str, str] | None = None, files: Sequence[str] = ()) -> Mail:  # fmt: skip
    """A mail of one paragraph and one table, as text and HTML."""
    table = [[redact(str(cell)) for cell in row] for row in rows]
    intro, subject = redact(intro), redact(subject).replace("\n", " ").replace("\r", " ")
    text_lines = [intro, ""]
    for row in table:
        text_lines.append(" - " + "; ".join(f"{h}: {c}" for h, c in zip(headers, row, strict=True) if c))
    for label, url in (links or {}).items():
        text_lines += ["", f"{label}: {url}"]
    head = "".join(f"<th align='left'>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in table
    )
    anchors = "".join(
        f"<p><a href='{html.escape(url, quote=True)}'>{html.escape(label)}</a></p>"
        for label, url in (links or {}).items()
    )
    grid = f"<table border='1' cellpadding='4' cellspacing='0'><tr>{head}</tr>{body}</table>"
    markup = (
        f"<html><body><p>{html.escape(intro)}</p>"
        + (grid if table else "")
        + anchors
        + "</body></html>"
    )
    return Mail(subject, "\n".join(text_lines) + "\n", markup, tuple(files))


def blocked_payouts_mail(run_id: str, problems: Sequence[Mapping[str, Any]],
                         links: Mapping[str, str] | None = None) -> Mail:  # fmt: skip
    """Payouts `netsuite_deposits` could not deposit (its report's `problems`), each with what to do."""
    count = len(problems)
    first = problems[0]["payout_id"] if problems else ""
    subject = (
        f"[Stripe-NetSuite] Payout {first} blocked: {problems[0].get('code') or problems[0]['status']}"
        if count == 1
        else f"[Stripe-NetSuite] {count} payouts blocked"
    )
    intro = (
        f"netsuite_deposits run {run_id} could not write the NetSuite deposit of {count} payout"
        f"{'s' if count != 1 else ''}; nothing of it was written. Each is tried again on every run until "
        "its cause is fixed."
    )
    rows = [
        (p["payout_id"], p.get("amount", ""), p.get("code") or p["status"], p.get("balance_transaction", ""),
         p.get("reason", ""))
        for p in problems
    ]  # fmt: skip
    headers = ("payout", "amount", "code", "balance transaction", "what to do")
    return _mail(subject, intro, headers, rows, links)


def failed_records_mail(run_id: str, problems: Sequence[Mapping[str, Any]],
                        links: Mapping[str, str] | None = None) -> Mail:  # fmt: skip
    """Records NetSuite refused for good in a `netsuite_payments` run (its report's failed `problems`)."""
    count = len(problems)
    subject = (
        f"[Stripe-NetSuite] {problems[0]['kind']} {problems[0]['stripe_id']} failed in NetSuite"
        if count == 1
        else f"[Stripe-NetSuite] {count} records failed in NetSuite"
    )
    intro = (
        f"netsuite_payments run {run_id}: NetSuite refused {count} record{'s' if count != 1 else ''}. Fix "
        "the cause in NetSuite, then replay: python -m stripe_netsuite.sync replay <Stripe id>."
    )
    rows = [(p["stripe_id"], p.get("kind", ""), p.get("reason", "")) for p in problems]
    return _mail(subject, intro, ("Stripe id", "record", "NetSuite's message"), rows, links)


def daily_report_mail(day: str, summary: str, files: Sequence[str] = (),
                      links: Mapping[str, str] | None = None) -> Mail:  # fmt: skip
    """The daily report: its one-paragraph summary in the body, its files (HTML, CSV, XLSX) attached."""
    return _mail(f"[Stripe-NetSuite] Daily report {day}", summary, (), (), links, files)


def run_failed_mail(dag_id: str, run_id: str, failed_tasks: Sequence[str], reason: str,
                    links: Mapping[str, str] | None = None) -> Mail:  # fmt: skip
    """A DAG run that failed: which tasks, Airflow's reason; the logs stay in Airflow."""
    intro = (
        f"The Airflow run {run_id} of {dag_id} failed ({reason or 'a task failed'}). Its task logs are in "
        "Airflow; failed records and blocked payouts are retried by the next run."
    )
    rows = [(task,) for task in failed_tasks]
    return _mail(f"[Stripe-NetSuite] {dag_id} run failed", intro, ("failed task",), rows, links)
