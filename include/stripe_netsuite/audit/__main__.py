"""`python -m stripe_netsuite.audit`: audit the ledger for a period; prints the verdict and the report's path.

    python -m stripe_netsuite.audit --from 2026-10-01 --to 2026-10-31
    python -m stripe_netsuite.audit            # the daily period: the 7 days before today (account zone)
    python -m stripe_netsuite.audit --requeue ch_1 po_2   # after fixing: the loaders write these again

Settings from the environment (.env.example): STRIPE_*, NETSUITE_*, the ledger's NETSUITE_* account
settings, CONNECTOR_DATABASE_URL (the report's row). Exit status: 0 in agreement, 2 disagreement, 1 error.
`--requeue` marks the sync records of Stripe objects the report names as unwritten, so the next
netsuite_payments / netsuite_deposits run writes their NetSuite records again (a report's remedy).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from stripe_netsuite.audit.period import PeriodError, parse_period, today_in
from stripe_netsuite.config import ConfigError, Settings

DAG_ID = "ledger_audit"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m stripe_netsuite.audit", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day audited")
    parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day audited (included)")
    parser.add_argument("--requeue", nargs="+", metavar="STRIPE_ID",
                        help="instead of auditing: have the loaders write these objects' records again")
    return parser


def _requeue(ids: list[str]) -> int:
    from stripe_netsuite.audit.requeue import requeue
    from stripe_netsuite.audit.sides import stripe_path
    from stripe_netsuite.store import get_engine, migrate

    bad = [i for i in ids if stripe_path(i) is None or not i.replace("_", "").isalnum()]
    if bad:
        print(f"error: not a Stripe id the ledger records: {', '.join(repr(i[:40]) for i in bad)}",
              file=sys.stderr)
        return 1
    migrate()
    count = requeue(get_engine(), ids)
    print(f"{count} sync record(s) of {', '.join(ids)} marked pending: the next netsuite_payments and "
          "netsuite_deposits runs write them again (python -m stripe_netsuite.sync payments | deposits)")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.requeue:
        if args.start or args.end:
            print("error: --requeue takes no --from/--to", file=sys.stderr)
            return 1
        return _requeue(args.requeue)
    now = datetime.now(UTC)
    try:
        settings = Settings.from_env()
        # The account's days (unset: ledger_settings() below refuses it, after the period is checked).
        zone = ZoneInfo(settings.accounts.time_zone or "UTC")
        period = parse_period(args.start, args.end, today=today_in(now, zone))
        ledger = settings.accounts.ledger_settings()
        stripe_settings = settings.require_stripe()
        netsuite_settings = settings.require_netsuite()
    except (ConfigError, PeriodError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    from stripe_netsuite.audit.report import write_audit_report
    from stripe_netsuite.audit.run import run_audit
    from stripe_netsuite.netsuite import NetSuiteClient
    from stripe_netsuite.store import get_engine, migrate
    from stripe_netsuite.stripe_api.client import make_client

    migrate()
    with NetSuiteClient(netsuite_settings) as netsuite:
        result = run_audit(netsuite, make_client(stripe_settings), ledger, period,
                           accounts=stripe_settings.accounts)
    run_id = "cli__" + now.strftime("%Y%m%dT%H%M%S")
    summary = write_audit_report(get_engine(), DAG_ID, run_id, result, now=now)
    print(summary["note"])
    return 0 if not result.disagreements else 2


if __name__ == "__main__":
    raise SystemExit(main())
