"""A local SMTP server (aiosmtpd) that keeps every mail it receives as an .eml file in a directory.

For tests and the demo's mailbox: nothing leaves the machine. It accepts any sender and recipient and
needs no login, so it listens on 127.0.0.1 only.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

__all__ = ["MailSink", "start_sink"]


class _Keeper:
    """aiosmtpd handler: each message's bytes to <directory>/<time>-<n>.eml."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.counter = itertools.count(1)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{next(self.counter):04d}.eml"
        (self.directory / name).write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


@dataclass
class MailSink:
    """A running sink: where it listens and where its mails are."""

    controller: Controller
    directory: Path

    @property
    def host(self) -> str:
        return str(self.controller.hostname)

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def connection_json(self, from_email: str = "connector@localhost") -> dict[str, Any]:
        """An Airflow SMTP connection (AIRFLOW_CONN_SMTP_DEFAULT as JSON) that sends here, in plain SMTP."""
        return {"conn_type": "smtp", "host": self.host, "port": self.port,
                "extra": {"disable_ssl": True, "disable_tls": True, "from_email": from_email,
                          "retry_limit": 0, "timeout": 10}}  # fmt: skip

    def messages(self) -> list[EmailMessage]:
        """Every mail received so far, oldest first."""
        return [
            message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(self.directory.glob("*.eml"))
        ]

    def stop(self) -> None:
        self.controller.stop()


def start_sink(directory: Path, host: str = "127.0.0.1", port: int = 0) -> MailSink:
    """Start a sink writing to `directory` (created); port 0 picks a free one. Stop it with `.stop()`."""
    directory.mkdir(parents=True, exist_ok=True)
    if port == 0:
        import socket

        with socket.socket() as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
    controller = Controller(_Keeper(directory), hostname=host, port=port)
    controller.start()
    return MailSink(controller, directory)
