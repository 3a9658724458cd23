"""The demo-world seeder: a client of both sandboxes that builds a month of Stripe activity matching the
NetSuite sandbox's ledger, through their public HTTP APIs only (see world.py).

It is a package of its own, beside the two servers, because it drives both and belongs to neither: it imports
no server module, and neither server imports it (the import-linter contracts in pyproject.toml hold that).
`python -m world_seeder --help` is its command line.
"""

from __future__ import annotations

from .errors import WorldError
from .netsuite import NetSuiteCredentials
from .world import END, WorldSummary, seed_world, world_end

__all__ = ["END", "NetSuiteCredentials", "WorldError", "WorldSummary", "seed_world", "world_end"]
