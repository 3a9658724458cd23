"""`python -m stripe_netsuite.netsuite`: check the NETSUITE_* settings and run SuiteQL from a shell."""

from __future__ import annotations

import argparse
import json
import sys

from stripe_netsuite.netsuite import NetSuiteClient, NetSuiteError, NetSuiteSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stripe_netsuite.netsuite", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="authenticate and print the account's governance limits")
    query = commands.add_parser("suiteql", help="run a SuiteQL query and print one JSON row per line")
    query.add_argument("query")
    query.add_argument("--max-rows", type=int, default=100)
    args = parser.parse_args(argv)
    try:
        with NetSuiteClient(NetSuiteSettings.from_env()) as client:
            if args.command == "check":
                print(json.dumps(client.governance_limits(), indent=2))
            else:
                for count, row in enumerate(client.suiteql(args.query), start=1):
                    print(json.dumps(row, ensure_ascii=False))
                    if count >= args.max_rows:
                        break
    except NetSuiteError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
