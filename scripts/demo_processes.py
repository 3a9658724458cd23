"""The demo's child processes: each in its own session, started, watched and stopped as a whole.

Every child runs in a new session (`start_new_session`), so a terminal's Ctrl-C reaches only the demo, which
then stops the children in order, and so that everything a child spawned can be found again by its session id:
Airflow's task runners put themselves in process groups of their own (`setpgid`), which `killpg` on the
service's group would miss, but they stay in the session. The demo also makes itself the subreaper of its
descendants, so orphans of a stopped service are reaped here instead of lingering as zombies.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TypeVar

import requests

_PR_SET_CHILD_SUBREAPER = 36
T = TypeVar("T")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stop(Exception):
    """A stop signal arrived; the demo unwinds from where it was waiting and stops its services."""


class Stopper:
    """Stop signals only set flags, so none can interrupt the demo mid-statement (or its shutdown) with a
    traceback; every wait of the demo calls `check`, which raises `Stop` once. Any further signal (a second
    Ctrl-C, or make forwarding SIGTERM again) sets `hurry`: the shutdown then kills without waiting."""

    def __init__(self) -> None:
        self.requested: str | None = None
        self.hurry = threading.Event()
        self._raised = False

    def install(self) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.requested is None:
            self.requested = signal.Signals(signum).name
        else:
            self.hurry.set()

    def check(self) -> None:
        if self.requested is not None and not self._raised:
            self._raised = True
            raise Stop(self.requested)

    def sleep(self, seconds: float) -> None:
        """time.sleep that ends early when a stop is requested."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.check()
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        self.check()

    def wait_for(self, work: Callable[[], T]) -> T:
        """Run a long blocking call (an HTTP request that may take minutes) in a thread, stoppably."""
        outcome: list[T] = []
        failure: list[BaseException] = []

        def target() -> None:
            try:
                outcome.append(work())
            except BaseException as exc:  # handed to the waiting thread
                failure.append(exc)

        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        while thread.is_alive():
            self.check()
            thread.join(0.2)
        if failure:
            raise failure[0]
        return outcome[0]


STOPPER = Stopper()


@dataclass
class Service:
    """One long-running child process of the demo and the URL that proves it is up."""

    name: str
    command: list[str]
    health_url: str
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def become_subreaper() -> None:
    """Linux only: orphaned descendants are re-parented to this process, which reaps them in `reap`."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def start(service: Service, root: Path, log_dir: Path) -> None:
    with (log_dir / f"{service.name}.log").open("ab") as log:
        service.process = subprocess.Popen(
            service.command, cwd=root, env={**os.environ, **service.env}, stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )


def run_step(command: Sequence[str], root: Path, env: dict[str, str], log: Path) -> str:
    """Run a one-shot command (migration, seeding) in its own session like the services and return its
    stdout; its output also goes to `log`. A stop request stops it with everything it started."""
    with log.open("ab") as sink, tempfile.TemporaryFile() as out:
        process = subprocess.Popen(
            list(command), cwd=root, env={**os.environ, **env}, stdout=out, stderr=sink,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            while process.poll() is None:
                STOPPER.check()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=0.2)
        except Stop:
            stop_sessions([process.pid], grace=5.0, hurry=STOPPER.hurry)
            process.wait()
            raise
        out.seek(0)
        text = out.read()
        sink.write(text)
    if process.returncode != 0:
        raise SystemExit(f"`{' '.join(command[1:4])} ...` failed (exit {process.returncode}); see {log}")
    return text.decode(errors="replace")


def wait_healthy(
    service: Service,
    log_dir: Path,
    timeout: float = 240.0,
    ready: Callable[[requests.Response], bool] | None = None,
) -> None:
    """Poll the service's health URL until it answers 2xx (and `ready` accepts the answer)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert service.process is not None
        if service.process.poll() is not None:
            raise SystemExit(f"{service.name} exited early; see {log_dir / (service.name + '.log')}")
        with contextlib.suppress(requests.RequestException, ValueError):  # not listening yet, or booting
            response = requests.get(service.health_url, timeout=5)
            if response.ok and (ready is None or ready(response)):
                return
        STOPPER.sleep(0.5)
    raise SystemExit(f"{service.name} did not answer at {service.health_url} within {timeout:.0f}s")


def session_members(sid: int) -> list[int]:
    """Every live process in session `sid`: the service and all it spawned, whatever their process group."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if os.getsid(int(entry.name)) == sid and not _is_zombie(int(entry.name)):
                    members.append(int(entry.name))
    return members


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] == "Z"


def _signal_all(pids: Iterable[int], signum: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signum)


def stop_sessions(sids: Sequence[int], grace: float, hurry: threading.Event | None = None) -> None:
    """SIGTERM each session's leader group, give it `grace` seconds to stop its own children, then SIGKILL
    whatever is left in the sessions; `hurry` (a second signal) cuts the grace short."""
    for sid in sids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(sid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and not (hurry is not None and hurry.is_set()):
        reap()
        if not any(session_members(sid) for sid in sids):
            break
        time.sleep(0.2)
    for _ in range(50):  # SIGKILL until nothing is left (a dying parent may still fork for an instant)
        left = [pid for sid in sids for pid in session_members(sid)]
        if not left:
            break
        _signal_all(left, signal.SIGKILL)
        time.sleep(0.1)
        reap()


def stop_all(services: Sequence[Service], hurry: threading.Event, grace: float = 20.0) -> None:
    """Stop every service with its whole session at once (SIGTERM, then SIGKILL after `grace` seconds or
    at once on `hurry`), and reap every child."""
    started = [s.process for s in services if s.process is not None]
    stop_sessions([process.pid for process in started], grace, hurry)
    for process in started:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
    reap()


def reap() -> None:
    """Collect exited orphans that were re-parented to us (see `become_subreaper`)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
