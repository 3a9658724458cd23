"""The seeder's one error: the world could not be built, and the message says what to fix."""

from __future__ import annotations


class WorldError(RuntimeError):
    """The world could not be built; the message says what to fix."""
