"""The deposits' entry points shared by the netsuite_deposits DAG and the operator CLI (no Airflow here)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from stripe_netsuite.netsuite import NetSuiteClient, NetSuiteError
from stripe_netsuite.sync.deposit_load import PayoutOutcome, payouts_to_process, process_payout
from stripe_netsuite.sync.deposit_load_report import write_deposit_report
from stripe_netsuite.sync.deposit_settings import DepositSettings
from stripe_netsuite.sync.load_facts import currency_ids

__all__ = ["DepositRetryError", "payout_ids_from", "retry_outcome", "run_deposits"]


class DepositRetryError(RuntimeError):
    """Payouts are left for a retry (NetSuite failed past the client's retries); the run fails."""


def payout_ids_from(values: Iterable[Any]) -> list[str]:
    """Payout ids an operator or a trigger's conf names, checked (`po_` + letters and digits)."""
    ids = []
    for value in values:
        text = str(value)
        if not text.startswith("po_") or not text.replace("_", "").isalnum() or len(text) > 255:
            raise ValueError(f"not a Stripe payout id: {text[:60]!r}")
        ids.append(text)
    return list(dict.fromkeys(ids))


def retry_outcome(payout_id: str, error: Exception) -> PayoutOutcome:
    """A payout whose NetSuite calls failed past the client's retries: nothing partial was written."""
    reason = f"NetSuite failed, retried next run: {error}"
    return PayoutOutcome(payout_id, "failed", code="retry", reason=reason)


def run_deposits(
    engine: Engine,
    netsuite: NetSuiteClient,
    settings: DepositSettings,
    *,
    dag_id: str,
    run_id: str,
    now: datetime,
    zone: ZoneInfo,
    payout_ids: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Process every payout that needs it (or just these), write the report (filed under the caller's
    `dag_id`: the DAG's own id, or the CLI's); DepositRetryError after it when a payout is left for a
    retry."""
    ids = currency_ids(netsuite)
    outcomes: list[PayoutOutcome] = []
    retry: list[PayoutOutcome] = []
    for payout_id in payouts_to_process(engine, payout_ids):
        try:
            outcomes.append(process_payout(
                engine, netsuite, settings, payout_id, run_id=run_id, zone=zone, currency_ids=ids
            ))  # fmt: skip
        except NetSuiteError as error:
            retry.append(retry_outcome(payout_id, error))
    summary = write_deposit_report(engine, dag_id, run_id, [*outcomes, *retry], now=now)
    if retry:
        raise DepositRetryError(f"{len(retry)} payout(s) left for a retry, e.g. {retry[0].payout_id}: "
                                f"{retry[0].reason}. Report: {summary['path']}")
    return summary
