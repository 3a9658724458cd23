"""The ledger mappings are pure: no network, clock, database, environment, Airflow, Flask or sandbox."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SYNC = Path(__file__).resolve().parents[2] / "include" / "stripe_netsuite" / "sync"
FORBIDDEN_IMPORTS = ("airflow", "flask", "netsuite_sandbox", "stripe_sandbox", "requests", "sqlalchemy",
                     "stripe", "os", "time", "random", "socket", "urllib", "http", "stripe_netsuite.netsuite",
                     "stripe_netsuite.store", "stripe_netsuite.payments", "stripe_netsuite.config")
CLOCK_CALLS = {"now", "utcnow", "today", "time", "monotonic", "getenv"}


def _modules() -> list[Path]:
    # The loaders (load*.py, deposit_load*.py) and the command line (__main__.py) are the impure edge: they
    # do the I/O for the mappings, which must not import them back (checked below).
    return sorted(p for p in SYNC.glob("*.py") if "load" not in p.stem.split("_") and p.name != "__main__.py")


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_a_mapping_module_does_not_import_the_loader(path: Path) -> None:
    tree = ast.parse(path.read_text())
    names = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    modules = [n.split(".")[-1] for n in names if n.startswith("stripe_netsuite.sync.")]
    assert [m for m in modules if "load" in m.split("_")] == []


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_a_mapping_module_imports_nothing_impure(path: Path) -> None:
    tree = ast.parse(path.read_text())
    names = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    names += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    bad = [n for n in names if any(n == f or n.startswith(f + ".") for f in FORBIDDEN_IMPORTS)]
    assert bad == []


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_a_mapping_module_reads_no_clock_or_environment(path: Path) -> None:
    tree = ast.parse(path.read_text())
    calls = [node.func.attr for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)]
    assert [c for c in calls if c in CLOCK_CALLS] == []
