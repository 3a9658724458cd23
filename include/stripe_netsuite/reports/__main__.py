"""Finance reports from the command line.

    python -m stripe_netsuite.reports daily [--date YYYY-MM-DD] [--days N]
    python -m stripe_netsuite.reports run DAG_ID RUN_ID
    python -m stripe_netsuite.reports list [--date YYYY-MM-DD]

`daily` without a date reports yesterday in the NetSuite account's time zone (NETSUITE_TIME_ZONE, else UTC).
Links to NetSuite records are built from NETSUITE_ACCOUNT_ID when it is set.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime

from stripe_netsuite.config import ConfigError, Settings
from stripe_netsuite.reports.files import list_reports
from stripe_netsuite.reports.publish import (
    ReportOptions,
    daily_report_day,
    write_daily_report,
    write_run_report,
)
from stripe_netsuite.reports.read import MAX_REPORT_DAYS


def _days(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_REPORT_DAYS:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_REPORT_DAYS}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m stripe_netsuite.reports", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    commands = parser.add_subparsers(dest="command", required=True)
    daily = commands.add_parser("daily", help="write the daily finance report")
    daily.add_argument("--date", type=date.fromisoformat, help="the day to report (default: yesterday)")
    daily.add_argument("--days", type=_days, default=1, help="cover this many days ending on --date")
    run = commands.add_parser("run", help="write the finance report of one DAG run")
    run.add_argument("dag_id")
    run.add_argument("run_id")
    listing = commands.add_parser("list", help="list the finance reports written")
    listing.add_argument("--date", type=date.fromisoformat, help="only this day's")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        options = ReportOptions.from_settings(settings)
    except (ConfigError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.command == "list":
        for entry in list_reports(options.reports_dir, day=args.date):
            print(f"{entry.day}  {entry.name:40}  {entry.html}")
        return 0
    from stripe_netsuite.store import get_engine, migrate

    migrate(settings.database_url)  # idempotent: a no-op when the schema is current
    engine = get_engine(settings.database_url)
    now = datetime.now(UTC)
    if args.command == "daily":
        day = args.date or daily_report_day(None, now, options.time_zone)
        summary = write_daily_report(engine, day, options=options, now=now, days=args.days)
    else:
        summary = write_run_report(engine, args.dag_id, args.run_id, options=options, now=now)
    print(summary["note"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
