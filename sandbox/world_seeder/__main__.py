"""Command line: seed RUNNING sandboxes through their HTTP APIs.

    python -m world_seeder --stripe-url URL [--netsuite-url URL] [--seed 42] [--days 30] [--end DATE|today]
                           [--api-key sk_test_...] [--charges N] [--threads 4] [--stripe-only] [--reset]
                           [--settlement-currency EUR ...]

NetSuite's TBA credentials come from the NETSUITE_* variables (the connector's own settings); the summary is
printed as JSON.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime

from .errors import WorldError
from .world import END, seed_world, world_end


def parser() -> argparse.ArgumentParser:
    default_end = datetime.fromtimestamp(END, UTC).date().isoformat()
    options = argparse.ArgumentParser(
        prog="world_seeder", description="Seed the demo world into running Stripe and NetSuite sandboxes."
    )
    options.add_argument("--stripe-url", required=True, help="the Stripe sandbox, e.g. http://127.0.0.1:12111")
    options.add_argument("--netsuite-url", help="NetSuite REST base (default $NETSUITE_BASE_URL)")
    options.add_argument("--api-key", default=os.environ.get("STRIPE_API_KEY") or "sk_test_world_seeder")
    options.add_argument("--seed", type=int, default=42)
    options.add_argument("--days", type=int, default=30, help="length of the world in days (default 30)")
    options.add_argument(
        "--end",
        default=default_end,
        help=f"the world ends at 00:00 UTC of this date: YYYY-MM-DD or 'today' (default {default_end})",
    )
    options.add_argument("--charges", type=int, help="add N anonymous card payments (scale)")
    options.add_argument("--threads", type=int, default=4, help="concurrent connections for --charges")
    options.add_argument("--stripe-only", action="store_true", help="do not read NetSuite (needs --charges)")
    options.add_argument("--reset", action="store_true", help="wipe the Stripe sandbox first")
    options.add_argument(
        "--settlement-currency",
        action="append",
        default=[],
        metavar="CUR",
        help="a second settlement currency (repeatable): payments in it settle and are paid out in it",
    )
    return options


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    netsuite = None if args.stripe_only else (args.netsuite_url or os.environ.get("NETSUITE_BASE_URL"))
    try:
        if args.stripe_only and not args.charges:
            raise WorldError("--stripe-only builds only a scale world: pass --charges N")
        if not args.stripe_only and not netsuite:
            raise WorldError(
                "NetSuite is needed for the story world: pass --netsuite-url or set NETSUITE_BASE_URL (and "
                "the NETSUITE_* credentials), or pass --stripe-only --charges N for a Stripe-only world"
            )
        summary = seed_world(
            args.stripe_url,
            args.api_key,
            netsuite,
            os.environ if netsuite else None,
            days=args.days,
            seed=args.seed,
            charges=args.charges,
            scale_only_stripe=netsuite is None,
            threads=args.threads,
            reset=args.reset,
            end=world_end(args.end),
            settlement_currencies=args.settlement_currency,
        )
    except WorldError as exc:
        print(f"world_seeder: {exc}", file=sys.stderr)
        return 2
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
