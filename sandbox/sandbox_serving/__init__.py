"""What the two sandbox servers' command lines share: the parser with its common `serve` arguments and
`reset`, serving a WSGI app until interrupted, and exiting with the parent process.

A package of its own because the sandboxes import nothing of each other (import-linter contract
`sandbox-independence`); it imports neither of them, nor anything of the connector (contract `sandboxes`).
"""

from __future__ import annotations

import argparse
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

Command = Callable[[argparse.Namespace], int]


class CommandLine:
    """A sandbox's `python -m <prog>` parser: `serve` with the arguments both servers take (`serve_parser`
    takes the server's own), `reset` (delete all data), and any other sub-command on a data directory."""

    def __init__(
        self, prog: str, description: str, *, serve: Command, default_port: int, reset: Callable[[Path], None]
    ) -> None:
        self.parser = argparse.ArgumentParser(prog=prog, description=description)
        self._commands = self.parser.add_subparsers(dest="command", required=True)
        self.serve_parser = self._commands.add_parser("serve", help="run the HTTP server")
        self.serve_parser.add_argument("--host", default="127.0.0.1")
        self.serve_parser.add_argument("--port", type=int, default=default_port, help="0 picks a free port")
        self.serve_parser.add_argument("--data", required=True, help="directory for the SQLite file")
        self.serve_parser.add_argument(
            "--exit-with-parent", action="store_true", help="exit when the parent process dies"
        )
        self.serve_parser.set_defaults(handler=serve)

        def reset_command(args: argparse.Namespace) -> int:
            reset(Path(args.data))
            print("reset")
            return 0

        self.add_data_command("reset", reset_command, "delete all data")

    def add_data_command(self, name: str, handler: Command, text: str) -> None:
        """A sub-command that works on a data directory only (seed, reset)."""
        command = self._commands.add_parser(name, help=text)
        command.add_argument("--data", required=True)
        command.set_defaults(handler=handler)

    def run(self, argv: list[str] | None) -> int:
        """Parse `argv` and run the chosen sub-command's handler."""
        args = self.parser.parse_args(argv)
        result: int = args.handler(args)
        return result


def watch_parent(interval: float = 1.0) -> None:
    """Exit once our parent is gone (we get re-parented), so a killed test run leaves nothing behind."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def serve(
    app: Any,
    host: str,
    port: int,
    *,
    start: Sequence[Callable[[], None]] = (),
    stop: Sequence[Callable[[], None]] = (),
) -> int:
    """Serve `app` (threaded) until interrupted. `start` runs once the port is bound, before the address is
    announced; `stop` runs, in order, after the server is closed."""
    # Request lines would flood the caller's pipe; each sandbox's GET /_sandbox/requests has them.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server(host, port, app, threaded=True)
    for action in start:
        action()
    # Test fixtures and the demo wait for this line and read the port from it (--port 0).
    print(f"listening on http://{host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        for action in stop:
            action()
    return 0
