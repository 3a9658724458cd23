"""Command line: `python -m netsuite_sandbox serve|seed|reset --data DIR`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from pathlib import Path

from werkzeug.serving import make_server

from . import seed
from .app import Sandbox, create_app
from .config import ConfigError, load_oauth2, load_tba
from .store import Store


def _watch_parent(interval: float = 1.0) -> None:
    """Exit once our parent is gone (we get re-parented), so a killed test run leaves nothing behind."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def serve(args: argparse.Namespace) -> int:
    try:
        tba = load_tba()
        oauth2 = load_oauth2()
    except ConfigError as exc:
        print(f"netsuite_sandbox: {exc}", file=sys.stderr)
        return 2
    if args.exit_with_parent:
        _watch_parent()
    store = Store(Path(args.data))
    if args.seed and store.is_empty():
        seed.seed(store)
    app = create_app(Sandbox(store, tba, oauth2, args.concurrency_limit))
    # Request lines would flood the caller's pipe; the /_sandbox/requests log has them.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server(args.host, args.port, app, threaded=True)
    print(f"listening on http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        store.close()
    return 0


def seed_command(args: argparse.Namespace) -> int:
    store = Store(Path(args.data))
    created = seed.seed(store)
    print("seeded" if created else "data directory is not empty; nothing seeded")
    return 0


def reset_command(args: argparse.Namespace) -> int:
    Store(Path(args.data)).wipe()
    print("reset")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="netsuite_sandbox", description="NetSuite REST + SuiteQL sandbox")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="run the HTTP server")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=12112, help="0 picks a free port")
    serve_parser.add_argument("--data", required=True, help="directory for the SQLite file")
    serve_parser.add_argument(
        "--seed", action="store_true", help="seed the standard data if the store is empty"
    )
    serve_parser.add_argument(
        "--exit-with-parent", action="store_true", help="exit when the parent process dies"
    )
    serve_parser.add_argument(
        "--concurrency-limit", type=int, default=5, help="NetSuite's account limit (default 5)"
    )
    serve_parser.set_defaults(handler=serve)
    for name, handler, text in (
        ("seed", seed_command, "seed the standard data into an empty store"),
        ("reset", reset_command, "delete all data"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--data", required=True)
        sub.set_defaults(handler=handler)
    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
