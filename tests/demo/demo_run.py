"""Run `scripts/demo.py` as `make demo` does, on ports of its own, and find every process it started.

The demo takes its ports from the URLs in .env.example, which the environment overrides, and its state
directory from `--state-dir`, so a test run never collides with a demo someone is running. `fake_days` runs
the whole demo (every Python process it starts, and SQLite inside them) that many days in the future with
libfaketime, whose shared library ships in the PyPI package `libfaketime`.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import ROOT

UP = "Stop with Ctrl-C"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def faketime_env(days: int) -> dict[str, str]:
    """Environment that puts a process and its children `days` days ahead, clocks and sleeps still working."""
    import libfaketime

    library = Path(libfaketime.__file__).parent / "vendor" / "libfaketime" / "src" / "libfaketime.so.1"
    assert library.exists(), library
    # Monotonic clocks stay real: Python's timed waits (locks, sleeps) compute deadlines on them.
    return {"LD_PRELOAD": str(library), "FAKETIME": f"+{days}d", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "DONT_FAKE_MONOTONIC": "1", "FAKETIME_FORCE_MONOTONIC_FIX": "0"}


@dataclass
class DemoRun:
    """A running demo: its process, ports, state directory and everything it printed."""

    process: subprocess.Popen[str]
    state: Path
    ports: dict[str, int]
    lines: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    @property
    def airflow(self) -> str:
        return f"http://127.0.0.1:{self.ports['airflow']}"

    @property
    def stripe(self) -> str:
        return f"http://127.0.0.1:{self.ports['stripe']}"

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if self.process.poll() is not None:
                raise AssertionError(f"the demo exited ({self.process.returncode}):\n{self.output}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} from the demo within {timeout:.0f}s:\n{self.output}")
            time.sleep(0.5)

    def link(self, label: str) -> str:
        match = re.search(rf"{re.escape(label)}.*?(http://\S+)", self.output)
        assert match, self.output
        return match.group(1)


def start_demo(state: Path, fake_days: int | None = None) -> DemoRun:
    ports = {name: free_port() for name in ("stripe", "netsuite", "webapp", "airflow", "smtp")}
    env = {
        # Not the Airflow settings tests/dags/conftest.py puts in this worker's environment (its SQLite
        # metadata DB, unit-test mode): the demo's Airflow is its own, under <state>/airflow.
        **{k: v for k, v in os.environ.items() if k != "AIRFLOW_HOME" and not k.startswith("AIRFLOW__")},
        "STRIPE_API_BASE": f"http://127.0.0.1:{ports['stripe']}",
        "NETSUITE_BASE_URL": f"http://127.0.0.1:{ports['netsuite']}/services/rest",
        "PAYMENT_LINK_BASE_URL": f"http://127.0.0.1:{ports['webapp']}",
        "AIRFLOW_API_URL": f"http://127.0.0.1:{ports['airflow']}",
        "DEMO_SMTP_PORT": str(ports["smtp"]),  # the demo's mailbox
        "PYTHONUNBUFFERED": "1",
        **(faketime_env(fake_days) if fake_days else {}),
    }
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "demo.py"), "--state-dir", str(state)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        text=True, start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    run = DemoRun(process, state, ports)

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            run.lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    return run


def _parent_and_session(pid: int) -> tuple[int, int] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return int(fields[1]), int(fields[3])  # ppid, session


def _start_time(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[19]
    except (OSError, IndexError):
        return None


def demo_processes(run: DemoRun) -> dict[int, str]:
    """Every live process of the demo: its descendants and every member of their sessions (Airflow's task
    runners move to process groups of their own), as pid -> start time (to tell a reused pid)."""
    table = {pid: info for pid in _pids() if (info := _parent_and_session(pid)) is not None}
    ours = {run.process.pid}
    grew = True
    while grew:
        found = {pid for pid, (parent, _) in table.items() if parent in ours}
        sessions = {table[pid][1] for pid in ours | found if pid in table} - {os.getsid(0)}
        found |= {pid for pid, (_, sid) in table.items() if sid in sessions}
        grew = not found <= ours
        ours |= found
    return {pid: start for pid in ours if (start := _start_time(pid)) is not None}


def _pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def still_running(snapshot: dict[int, str]) -> list[str]:
    """The processes of `snapshot` that still exist (zombies included), described."""
    left = []
    for pid, started in snapshot.items():
        if _start_time(pid) == started:
            with contextlib.suppress(OSError):
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:120]
                # A zombie has no command line left: its name, state and parent say what it was.
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
                name = Path(f"/proc/{pid}/comm").read_text().strip()
                left.append(f"{pid} {command!r} ({name}, state {fields[0]}, parent {fields[1]})")
    return left


def listening(pids: set[int]) -> list[tuple[str, int]]:
    """(address, port) of every TCP socket in LISTEN state held by one of `pids` (from /proc/net/tcp*)."""
    inodes: set[str] = set()
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:["):
                        inodes.add(target[8:-1])
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for row in Path(table).read_text().splitlines()[1:]:
            parts = row.split()
            local, state, inode = parts[1], parts[3], parts[9]
            if state == "0A" and inode in inodes:  # 0A = LISTEN
                address, port = local.split(":")
                found.append((_address(address, width), int(port, 16)))
    return found


def _address(hex_address: str, width: int) -> str:
    raw = bytes.fromhex(hex_address)
    if width == 8:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)


def ports_in_use(ports: dict[str, int]) -> list[int]:
    taken = []
    for port in ports.values():
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                taken.append(port)
    return taken


def stop_demo(
    run: DemoRun, *signals: signal.Signals, group: bool = False, gap: float = 0.5, timeout: float = 90.0
) -> int:
    """Send `signals` `gap` seconds apart (to the demo, or to its whole process group as a terminal's Ctrl-C
    does) and wait for it to exit; returns its exit code."""
    for number, signum in enumerate(signals):
        if number:
            time.sleep(gap)
        if group:
            os.killpg(run.process.pid, signum)
        else:
            run.process.send_signal(signum)
    return run.process.wait(timeout=timeout)


def kill_demo(run: DemoRun, snapshot: dict[int, str]) -> None:
    """Last resort for a failed test: nothing of the demo may outlive the test run."""
    if run.process.poll() is None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            stop_demo(run, signal.SIGTERM, signal.SIGTERM, timeout=60)
    for pid, started in {**snapshot, **demo_processes(run)}.items():
        if _start_time(pid) == started:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
