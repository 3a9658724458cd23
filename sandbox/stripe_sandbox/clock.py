"""The sandbox clock: real time plus an offset ("running"), or a fixed instant ("frozen"), moved by tests."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass
class ClockState:
    """What the store persists: the mode and either the frozen instant or the running offset."""

    mode: str = "running"
    frozen_at: int = 0
    offset: int = 0

    def now(self) -> int:
        if self.mode == "frozen":
            return self.frozen_at
        return int(time.time()) + self.offset

    def to_json(self) -> dict[str, object]:
        return {"mode": self.mode, "frozen_at": self.frozen_at, "offset": self.offset}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ClockState:
        mode = str(data.get("mode", "running"))
        frozen_at = data.get("frozen_at", 0)
        offset = data.get("offset", 0)
        return cls(
            mode,
            int(frozen_at) if isinstance(frozen_at, int) else 0,
            int(offset) if isinstance(offset, int) else 0,
        )

    def freeze(self, at: int | None = None) -> None:
        self.frozen_at = self.now() if at is None else at
        self.mode = "frozen"

    def run(self) -> None:
        """Resume real time from the current instant."""
        self.offset = self.now() - int(time.time())
        self.mode = "running"

    def set(self, at: int) -> None:
        if self.mode == "frozen":
            self.frozen_at = at
        else:
            self.offset = at - int(time.time())


DAY = 86_400


def day_start(timestamp: int) -> int:
    """Midnight UTC of the day holding `timestamp`."""
    return timestamp - timestamp % DAY
