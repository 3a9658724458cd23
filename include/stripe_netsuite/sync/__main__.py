"""`python -m stripe_netsuite.sync`: load payments into NetSuite, show sync status, replay a Stripe object.

    python -m stripe_netsuite.sync payments [--since 2026-10-01] [--until 2026-10-31] [--ids ch_1 re_2]
    python -m stripe_netsuite.sync status [STRIPE_ID]
    python -m stripe_netsuite.sync replay STRIPE_ID
    python -m stripe_netsuite.sync deposits [--payout po_1 po_2]
    python -m stripe_netsuite.sync deposits --handled po_1 --by NAME --reason TEXT

The same library functions the netsuite_payments DAG's tasks call, configured from the environment
(.env.example): STRIPE_*, NETSUITE_* and the ledger's NETSUITE_* account settings, CONNECTOR_DATABASE_URL.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime

from stripe_netsuite.config import ConfigError, Settings

# A shell run's deposit report is filed with the netsuite_deposits DAG's reports (its run id starts "cli__").
DEPOSITS_REPORTS = "netsuite_deposits"
PAYMENTS_REPORTS = "netsuite_payments"  # and its ledger report with netsuite_payments'


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date like 2026-10-01, got {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m stripe_netsuite.sync",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    payments = commands.add_parser("payments", help="load ready Stripe payments, refunds and disputes")
    payments.add_argument("--since", type=_day, help="only objects created on or after this UTC date")
    payments.add_argument("--until", type=_day, help="only objects created on or before this UTC date")
    payments.add_argument(
        "--ids",
        nargs="+",
        metavar="STRIPE_ID",
        help="fetch just these objects from Stripe, validate and load them",
    )
    status = commands.add_parser("status", help="sync records of a Stripe id, or counts by status")
    status.add_argument("stripe_id", nargs="?")
    replay = commands.add_parser("replay", help="retry a failed Stripe object after fixing its cause")
    replay.add_argument("stripe_id")
    deposits = commands.add_parser("deposits", help="write a NetSuite deposit per paid Stripe payout")
    deposits.add_argument("--payout", nargs="+", metavar="PAYOUT_ID", help="just these payouts (po_...)")
    deposits.add_argument(
        "--handled", metavar="PAYOUT_ID",
        help="mark a manual, debit or failed payout as recorded in NetSuite by hand (needs --by and"
        " --reason); it is reported no more",
    )  # fmt: skip
    deposits.add_argument("--by", metavar="NAME", help="--handled: who recorded it")
    deposits.add_argument("--reason", metavar="TEXT", help="--handled: what was recorded, and why")
    return parser


def _load(settings: Settings, run_id: str, args: argparse.Namespace) -> int:
    from stripe_netsuite.netsuite import NetSuiteClient
    from stripe_netsuite.store import get_engine, migrate
    from stripe_netsuite.stripe_api.client import make_client
    from stripe_netsuite.sync.load_run import (
        LoadRetryError,
        created_window,
        fetch_requested,
        run_load,
        stripe_ids_from,
    )

    since, until = created_window(args.since, args.until, today=datetime.now(UTC).date())
    ids: list[str] | None = args.ids
    ledger = settings.accounts.ledger_settings()
    stripe_client = make_client(settings.require_stripe())
    migrate()
    engine, now = get_engine(), datetime.now(UTC)
    with NetSuiteClient(settings.require_netsuite()) as netsuite:
        wanted = (
            fetch_requested(stripe_client, engine, stripe_ids_from(ids), run_id=run_id, now=now)
            if ids
            else None
        )
        try:
            summary = run_load(
                engine,
                netsuite,
                stripe_client,
                ledger,
                dag_id=PAYMENTS_REPORTS,
                run_id=run_id,
                now=now,
                since=since,
                until=until,
                stripe_ids=wanted,
            )
        except LoadRetryError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    print(summary["note"])
    return 2 if summary["failed"] else 0


def _handled(args: argparse.Namespace, run_id: str) -> list[str]:
    """Mark `--handled` as recorded by hand (ValueError if refused: nothing written); the payout to report."""
    from stripe_netsuite.store import get_engine, migrate
    from stripe_netsuite.sync.deposit_load_handled import mark_handled
    from stripe_netsuite.sync.deposit_load_run import payout_ids_from

    if args.payout or args.by is None or args.reason is None:
        raise ValueError("--handled takes one payout with --by NAME and --reason TEXT (and no --payout)")
    (payout_id,) = payout_ids_from([args.handled])
    migrate()
    handled = mark_handled(get_engine(), payout_id, by=args.by, reason=args.reason, now=datetime.now(UTC),
                           run_id=run_id)  # fmt: skip
    print(f"{payout_id}: {handled.sentence}")
    return [payout_id]


def _deposits(settings: Settings, run_id: str, payouts: list[str] | None) -> int:
    from zoneinfo import ZoneInfo

    from stripe_netsuite.netsuite import NetSuiteClient
    from stripe_netsuite.store import get_engine, migrate
    from stripe_netsuite.sync.deposit_load_run import DepositRetryError, payout_ids_from, run_deposits

    wanted = payout_ids_from(payouts) if payouts else None
    deposit_settings = settings.accounts.deposit_settings()
    zone = ZoneInfo(str(settings.accounts.time_zone))
    migrate()
    with NetSuiteClient(settings.require_netsuite()) as netsuite:
        try:
            summary = run_deposits(
                get_engine(), netsuite, deposit_settings, dag_id=DEPOSITS_REPORTS, run_id=run_id,
                now=datetime.now(UTC), zone=zone, payout_ids=wanted,
            )  # fmt: skip
        except DepositRetryError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    print(summary["note"])
    return 2 if summary["blocked"] or summary["failed"] else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        run_id = "cli__" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        if args.command == "payments":
            return _load(settings, run_id, args)
        if args.command == "deposits":
            if args.handled is not None:  # then a run over it, whose report shows it handled
                return _deposits(settings, run_id, _handled(args, run_id))
            if args.by is not None or args.reason is not None:
                raise ValueError("--by and --reason go with --handled PAYOUT_ID")
            return _deposits(settings, run_id, args.payout)
        from stripe_netsuite.store import get_engine, migrate
        from stripe_netsuite.sync.load_run import replay, sync_status

        migrate()
        if args.command == "status":
            for row in sync_status(get_engine(), args.stripe_id):
                print(json.dumps(row, ensure_ascii=False))
            return 0
        count = replay(get_engine(), args.stripe_id)
        print(f"{args.stripe_id}: {count} record(s) reset; loading it again")
        again = argparse.Namespace(since=None, until=None, ids=[args.stripe_id])
        return _load(settings, run_id + "_replay", again)
    except (ConfigError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
