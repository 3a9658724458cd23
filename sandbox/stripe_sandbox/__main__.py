"""Command line: `python -m stripe_sandbox serve|reset --data DIR`.

The demo world is seeded into a running server by the separate `world_seeder` package, a client of both
sandboxes (`python -m world_seeder --stripe-url URL ...`).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from pathlib import Path

from werkzeug.serving import make_server

from .app import create_app
from .scheduler import Ticker
from .state import Sandbox


def _watch_parent(interval: float = 1.0) -> None:
    """Exit once our parent is gone (we get re-parented), so a killed test run leaves nothing behind."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


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


def serve(args: argparse.Namespace) -> int:
    if args.exit_with_parent:
        _watch_parent()
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
    app = create_app(sandbox)
    # Request lines would flood the caller's pipe; GET /_sandbox/requests has them.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server(args.host, args.port, app, threaded=True)
    sandbox.webhooks.start()
    ticker = Ticker(sandbox)
    ticker.start()
    print(f"listening on http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        ticker.stop()
        sandbox.webhooks.stop()
        server.server_close()
        sandbox.store.close()
    return 0


def reset_command(args: argparse.Namespace) -> int:
    Sandbox(Path(args.data)).reset()
    print("reset")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stripe_sandbox", description="Stripe test-mode API sandbox")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="run the HTTP server")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=12111, help="0 picks a free port")
    serve_parser.add_argument("--data", required=True, help="directory for the SQLite file")
    serve_parser.add_argument("--exit-with-parent", action="store_true", help="exit when the parent dies")
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
    serve_parser.set_defaults(handler=serve)
    reset_parser = commands.add_parser("reset", help="delete all data")
    reset_parser.add_argument("--data", required=True)
    reset_parser.set_defaults(handler=reset_command)
    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
