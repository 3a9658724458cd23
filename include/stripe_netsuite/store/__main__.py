"""`python -m stripe_netsuite.store upgrade|downgrade|current [--url URL]`: manage the state DB schema."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.engine import make_url

from stripe_netsuite.config import database_url
from stripe_netsuite.store.migrate import current_revision, downgrade, head_revision, migrate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stripe_netsuite.store", description=__doc__)
    parser.add_argument("--url", help="database URL (default: $CONNECTOR_DATABASE_URL or var/connector.db)")
    commands = parser.add_subparsers(dest="command", required=True)
    upgrade_cmd = commands.add_parser("upgrade", help="migrate to the newest revision (or REVISION)")
    upgrade_cmd.add_argument("revision", nargs="?", default="head")
    downgrade_cmd = commands.add_parser(
        "downgrade", help="migrate down to REVISION ('base' drops everything)"
    )
    downgrade_cmd.add_argument("revision")
    commands.add_parser("current", help="print the database's revision and the newest one")
    args = parser.parse_args(argv)

    url = args.url or database_url()
    shown = make_url(url).render_as_string(hide_password=True)
    if args.command == "upgrade":
        migrate(url, args.revision)
        print(f"{shown}: at revision {current_revision(url)}")
    elif args.command == "downgrade":
        downgrade(url, args.revision)
        print(f"{shown}: at revision {current_revision(url) or 'base (empty)'}")
    else:
        current, head = current_revision(url), head_revision()
        print(f"{shown}: at revision {current or 'base (empty)'}; newest is {head}")
        return 0 if current == head else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
