"""The ledger audit: proof, from Stripe and NetSuite themselves, that the ledger matches Stripe.

`period` (the days audited, validated once), `sides` (the two sides as plain data), `compare` (the pure
comparison: every succeeded charge one payment of its amount, currency and customer; every refund and
withdrawn dispute its customer refund; every paid automatic payout one deposit of its total and date;
nothing under a Stripe external id that Stripe does not know), `findings` (disagreements and their
remedies), `fetch_stripe` / `fetch_netsuite` (thin readers), `run` (one audit), `report` (the run report).
It never reads the connector's sync records: they say what the connector wrote, not what NetSuite holds now.

    python -m stripe_netsuite.audit --from 2026-10-01 --to 2026-10-31
"""

from stripe_netsuite.audit.compare import audit_ledger
from stripe_netsuite.audit.findings import AGREEMENT, DISAGREEMENT, AuditResult, Code, Disagreement
from stripe_netsuite.audit.period import (
    MAX_DAYS,
    AuditPeriod,
    PeriodError,
    daily_period,
    parse_period,
    today_in,
)

__all__ = [
    "AGREEMENT",
    "DISAGREEMENT",
    "MAX_DAYS",
    "AuditPeriod",
    "AuditResult",
    "Code",
    "Disagreement",
    "PeriodError",
    "audit_ledger",
    "daily_period",
    "parse_period",
    "today_in",
]
