"""Start a sandbox as a real server process on 127.0.0.1 for the duration of a test."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


@dataclass(frozen=True)
class RunningServer:
    """A server process and the address it announced."""

    url: str
    data_dir: Path
    process: subprocess.Popen[str]


@contextmanager
def run_sandbox(
    module: str,
    data_dir: Path,
    env: Mapping[str, str] | None = None,
    extra_args: tuple[str, ...] = (),
    timeout: float = 60.0,
) -> Iterator[RunningServer]:
    """Run `python -m <module> serve --port 0` and yield once it announces its address.

    Port 0 lets the kernel pick a free port, so parallel test workers never collide; the
    server prints `listening on http://127.0.0.1:<port>` and exits when this process dies
    (`--exit-with-parent`), so a killed test run leaves nothing behind.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", module, "serve",
        "--host", "127.0.0.1", "--port", "0", "--data", str(data_dir), "--exit-with-parent",
        *extra_args,
    ]
    process_env = {**os.environ, **(env or {})}
    process = subprocess.Popen(
        command, cwd=ROOT, env=process_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        url = _wait_for_address(process, timeout)
        yield RunningServer(url=url, data_dir=data_dir, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_address(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                raise RuntimeError("sandbox exited before listening:\n" + "".join(seen))
            continue
        seen.append(line)
        match = LISTENING.search(line)
        if match:
            _drain_in_background(process)
            return match.group(1)
    raise RuntimeError("sandbox did not announce its address in time:\n" + "".join(seen))


def _drain_in_background(process: subprocess.Popen[str]) -> None:
    """Keep reading the server's output so a full pipe never blocks it."""
    import threading

    def drain() -> None:
        assert process.stdout is not None
        for _ in process.stdout:
            pass

    threading.Thread(target=drain, daemon=True).start()


def wait_until_ok(url: str, timeout: float = 30.0) -> None:
    """Poll a URL until it answers 2xx."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in time")
