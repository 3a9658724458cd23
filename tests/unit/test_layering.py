"""The layering contracts (import-linter, [tool.importlinter] in pyproject.toml) hold, and they do guard.

import-linter builds its import graph from root packages that Python can import; dags/ and plugins/ are not
packages (Airflow puts each folder on sys.path and imports its files by their own names), so the contracts
forbid them by those top-level names, and a test here keeps those lists in step with the folders.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
CONTRACTS = {contract["id"]: contract for contract in CONFIG["contracts"]}
PACKAGE_DIRS = {"stripe_netsuite": "include", "stripe_sandbox": "sandbox", "netsuite_sandbox": "sandbox",
                "sandbox_serving": "sandbox", "world_seeder": "sandbox", "webapp": "."}  # fmt: skip

# (contract id, file in a copy of the packages, a forbidden import appended to it, the module it reaches)
FORBIDDEN_IMPORTS = [
    ("library", "stripe_netsuite/money.py", "import airflow.sdk", "airflow"),
    ("library", "stripe_netsuite/links.py", "from flask import url_for", "flask"),
    ("library", "stripe_netsuite/config/settings.py", "from netsuite_hook import NetSuiteHook",
     "netsuite_hook"),
    ("library", "stripe_netsuite/store/engine.py", "from stripe_sandbox import ids", "stripe_sandbox.ids"),
    ("sandboxes", "netsuite_sandbox/auth.py", "from stripe_netsuite import links", "stripe_netsuite.links"),
    ("sandboxes", "world_seeder/plan.py", "from stripe_netsuite import money", "stripe_netsuite.money"),
    ("sandbox-independence", "stripe_sandbox/ids.py", "import netsuite_sandbox.app", "netsuite_sandbox.app"),
    # The seeder is a client of both servers over HTTP: it reaches into neither, and neither imports it.
    ("sandbox-independence", "world_seeder/netsuite.py", "from netsuite_sandbox import auth",
     "netsuite_sandbox.auth"),
    ("sandbox-independence", "world_seeder/stripe_world.py", "import stripe_sandbox.cards",
     "stripe_sandbox.cards"),
    ("sandbox-independence", "stripe_sandbox/__main__.py", "from world_seeder import world",
     "world_seeder.world"),
    # Both servers import sandbox_serving; it must not import them back (nor the connector).
    ("sandbox-serving", "sandbox_serving/__init__.py", "import stripe_sandbox.clock", "stripe_sandbox.clock"),
    ("sandboxes", "sandbox_serving/__init__.py", "import stripe_netsuite.links", "stripe_netsuite.links"),
    ("sandbox-resources-package", "stripe_sandbox/resources/refunds.py",
     "from stripe_sandbox.resources import Route", "stripe_sandbox.resources"),
    ("webapp", "webapp/pay.py", "from dags.stripe_sync import stripe_sync_dag", "dags"),
    ("webapp", "webapp/errors.py", "import stripe_hook", "stripe_hook"),
    ("webapp", "webapp/brand.py", "from stripe_sandbox.ids import new_id", "stripe_sandbox.ids"),
]

# (contract id, file, an import appended to it that closes a cycle, the dependency lint-imports would remove)
CYCLES = [
    ("sandbox-resources", "stripe_sandbox/resources/payment_methods.py",
     "from .customers import new_customer", ".payment_methods -> .customers"),
]


def lint_imports(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # cwd comes first on lint-imports' sys.path, so packages copied there shadow the installed ones.
    command = [str(LINT_IMPORTS), "--no-cache", "--no-logo", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)


def section(output: str, contract_name: str) -> str:
    """The part of lint-imports' report about one broken contract."""
    start = output.index(f"\n{contract_name}\n")
    following = [output.find(f"\n{c['name']}\n", start + 1) for c in CONTRACTS.values()]
    return output[start : min([end for end in following if end > start] or [len(output)])]


def test_the_layering_contracts_are_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, int]]:
    """lint-imports' report on a copy of the packages with every forbidden import above added (one run), and
    the line each import landed on."""
    copy = tmp_path_factory.mktemp("layering")
    for package, parent in PACKAGE_DIRS.items():
        skip = shutil.ignore_patterns("__pycache__", "static", "templates")
        shutil.copytree(ROOT / parent / package, copy / package, ignore=skip)
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    lines: dict[str, int] = {}
    for _, path, statement, _ in [*FORBIDDEN_IMPORTS, *CYCLES]:
        module = copy / path
        source = module.read_text().rstrip("\n").splitlines()
        module.write_text("\n".join([*source, f"{statement}  # added by test_layering", ""]))
        lines[statement] = len(source) + 1
    ids = sorted({contract_id for contract_id, *_ in [*FORBIDDEN_IMPORTS, *CYCLES]})
    result = lint_imports(copy, *(arg for contract_id in ids for arg in ("--contract", contract_id)))
    assert result.returncode == 1, result.stdout + result.stderr
    return result.stdout, lines


@pytest.mark.parametrize(
    ("contract_id", "path", "statement", "imported"),
    FORBIDDEN_IMPORTS,
    ids=[f"{contract_id}-{imported}" for contract_id, _, _, imported in FORBIDDEN_IMPORTS],
)
def test_a_forbidden_import_breaks_its_contract(
    broken: tuple[str, dict[str, int]], contract_id: str, path: str, statement: str, imported: str
) -> None:
    report, lines = broken
    name = CONTRACTS[contract_id]["name"]
    assert f"{name} BROKEN" in report
    importer = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")  # a package is its name
    chain = rf"{re.escape(importer)} -> {re.escape(imported)} \(l\.{lines[statement]}\)"
    assert re.search(chain, section(report, name)), section(report, name)


@pytest.mark.parametrize(("contract_id", "path", "statement", "dependency"), CYCLES)
def test_an_import_cycle_breaks_its_contract(
    broken: tuple[str, dict[str, int]], contract_id: str, path: str, statement: str, dependency: str
) -> None:
    report, _ = broken
    name = CONTRACTS[contract_id]["name"]
    assert f"{name} BROKEN" in report
    assert f"- {dependency} (1 import)" in section(report, name), section(report, name)


def airflow_module_names(folder: str) -> set[str]:
    """The top-level names Airflow imports a folder's files by: its modules and its packages."""
    modules = {path.stem for path in (ROOT / folder).glob("*.py")} - {"__init__"}
    return modules | {path.parent.name for path in (ROOT / folder).glob("*/__init__.py")}


@pytest.mark.parametrize("folder", ["dags", "plugins"])
def test_the_contracts_forbid_every_module_of_dags_and_plugins(folder: str) -> None:
    names = airflow_module_names(folder)
    assert names, f"{folder}/ has no modules"
    guarding = [c for c in CONTRACTS.values() if folder in c.get("forbidden_modules", [])]
    assert {"library", "webapp"} <= {contract["id"] for contract in guarding}
    for contract in guarding:
        assert names <= set(contract["forbidden_modules"]), (contract["id"], names)
