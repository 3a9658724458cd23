"""Command line: `python -m stripe_sandbox serve|reset --data DIR`.

The demo world is seeded into a running server by the separate `world_seeder` package, a client of both
sandboxes (`python -m world_seeder --stripe-url URL ...`).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sandbox_serving import CommandLine, serve, watch_parent

from .app import create_app
from .scheduler import Ticker
from .state import Sandbox


def _ensure_webhook(sandbox: Sandbox, url: str, secret: str | None) -> None:
    """`--webhook URL --webhook-secret whsec_...`: one endpoint for every event, kept across restarts."""
    from .resources.webhook_endpoints import new_endpoint

    with sandbox.transaction():
        for row in sandbox.store.select("SELECT * FROM objects WHERE type = 'webhook_endpoint'"):
            if row.data.get("url") == url:
                if secret and row.data.get("_sandbox", {}).get("secret") != secret:
                    row.data["_sandbox"]["secret"] = secret
                    sandbox.store.update(row.data)
                return
        new_endpoint(sandbox.context(), url, ["*"], secret=secret, description="--webhook")


def serve_command(args: argparse.Namespace) -> int:
    if args.exit_with_parent:
        watch_parent()
    api_key = args.api_key or os.environ.get("STRIPE_API_KEY") or None
    sandbox = Sandbox(Path(args.data), api_key=api_key, seed=args.seed)
    if args.clock or args.start is not None:
        with sandbox.transaction():
            clock = sandbox.clock
            if args.clock == "frozen":
                clock.freeze(args.start)
            elif args.clock == "running":
                clock.run()
                if args.start is not None:
                    clock.set(args.start)
            elif args.start is not None:
                clock.set(args.start)
            sandbox.save_clock(rescheduled=args.start is not None)
    if args.webhook:
        _ensure_webhook(sandbox, args.webhook, args.webhook_secret)
    ticker = Ticker(sandbox)
    return serve(
        create_app(sandbox),
        args.host,
        args.port,
        start=[sandbox.webhooks.start, ticker.start],
        stop=[ticker.stop, sandbox.webhooks.stop, sandbox.store.close],
    )


def main(argv: list[str] | None = None) -> int:
    cli = CommandLine(
        "stripe_sandbox",
        "Stripe test-mode API sandbox",
        serve=serve_command,
        default_port=12111,
        reset=lambda data: Sandbox(data).reset(),
    )
    serve_parser = cli.serve_parser
    serve_parser.add_argument(
        "--api-key", help="accept only this secret key (default $STRIPE_API_KEY, else any sk_test_ key)"
    )
    serve_parser.add_argument("--webhook", help="deliver every event to this URL")
    serve_parser.add_argument("--webhook-secret", help="signing secret for --webhook (whsec_...)")
    serve_parser.add_argument(
        "--clock", choices=["running", "frozen"], help="clock mode (default: as stored)"
    )
    serve_parser.add_argument("--start", type=int, help="set the clock to this unix time at start")
    serve_parser.add_argument("--seed", type=int, default=0, help="id seed for a new data directory")
    return cli.run(argv)


if __name__ == "__main__":
    sys.exit(main())
