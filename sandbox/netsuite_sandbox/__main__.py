"""Command line: `python -m netsuite_sandbox serve|seed|reset --data DIR`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sandbox_serving import CommandLine, serve, watch_parent

from . import seed
from .app import Sandbox, create_app
from .config import ConfigError, load_oauth2, load_tba
from .store import Store


def serve_command(args: argparse.Namespace) -> int:
    try:
        tba = load_tba()
        oauth2 = load_oauth2()
    except ConfigError as exc:
        print(f"netsuite_sandbox: {exc}", file=sys.stderr)
        return 2
    if args.exit_with_parent:
        watch_parent()
    store = Store(Path(args.data))
    if args.seed and store.is_empty():
        seed.seed(store)
    app = create_app(Sandbox(store, tba, oauth2, args.concurrency_limit))
    return serve(app, args.host, args.port, stop=[store.close])


def seed_command(args: argparse.Namespace) -> int:
    store = Store(Path(args.data))
    created = seed.seed(store)
    print("seeded" if created else "data directory is not empty; nothing seeded")
    return 0


def main(argv: list[str] | None = None) -> int:
    cli = CommandLine(
        "netsuite_sandbox",
        "NetSuite REST + SuiteQL sandbox",
        serve=serve_command,
        default_port=12112,
        reset=lambda data: Store(data).wipe(),
    )
    cli.serve_parser.add_argument(
        "--seed", action="store_true", help="seed the standard data if the store is empty"
    )
    cli.serve_parser.add_argument(
        "--concurrency-limit", type=int, default=5, help="NetSuite's account limit (default 5)"
    )
    cli.add_data_command("seed", seed_command, "seed the standard data into an empty store")
    return cli.run(argv)


if __name__ == "__main__":
    sys.exit(main())
