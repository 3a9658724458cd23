"""Running the suites with Great Expectations 1.x: an ephemeral context, one checkpoint per object type."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.checkpoint.actions import ValidationAction
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig

from stripe_netsuite.validation.suites import build_suite

KEY_COLUMNS = ["id", "account"]
# GX names: the same for every caller (stripe_sync and the ledger's fast path validate alike).
DOCS_SITE = "stripe_validation"


@dataclass(frozen=True)
class Failure:
    """One row failing one expectation."""

    object_id: str
    account: str
    check: str
    reason: str


@dataclass(frozen=True)
class SuiteResult:
    success: bool
    failures: list[Failure]
    statistics: dict[str, Any]


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def _reason(template: str, values: Mapping[str, Any]) -> str:
    cleaned = {key: (value.item() if hasattr(value, "item") else value) for key, value in values.items()}
    try:
        return template.format_map(_Blank(cleaned))
    except (ValueError, TypeError, IndexError):
        return template


def _check_name(config: Any) -> str:
    kwargs = config.kwargs
    target = (
        kwargs.get("column")
        or ",".join(str(kwargs[key]) for key in ("column_A", "column_B") if kwargs.get(key))
        or ",".join(kwargs.get("column_list") or [])
    )
    return f"{config.type}({target})"


class Validator:
    """An ephemeral GX context (no files but the Data Docs) shared by every object type of one run."""

    def __init__(self, docs_dir: Path | None = None) -> None:
        self.context = gx.get_context(mode="ephemeral")
        self.context.enable_analytics(False)  # never phone home from a scheduled task
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.docs_dir = docs_dir
        if docs_dir is not None:
            self.context.add_data_docs_site(
                site_name=DOCS_SITE,
                site_config={
                    "class_name": "SiteBuilder",
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str(docs_dir),
                    },
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                },
            )
        self.source = self.context.data_sources.add_pandas("stripe_state_db")

    def validate(self, object_type: str, frame: pd.DataFrame, run_id: str) -> SuiteResult:
        """Run the type's suite on `frame` (rows keyed by id + account); failures name the rows."""
        name = object_type.replace(".", "_")
        asset = self.source.add_dataframe_asset(name)
        batch = asset.add_batch_definition_whole_dataframe(f"{name}_pending")
        suite = self.context.suites.add(build_suite(object_type))
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
        docs = gx.checkpoint.UpdateDataDocsAction(name="docs", site_names=[DOCS_SITE])
        actions: list[ValidationAction] = [docs] if self.docs_dir else []
        checkpoint = self.context.checkpoints.add(
            gx.Checkpoint(
                name=f"stripe_{name}",
                validation_definitions=[definition],
                actions=actions,
                result_format={"result_format": "COMPLETE", "unexpected_index_column_names": KEY_COLUMNS},
            )
        )
        result = checkpoint.run(batch_parameters={"dataframe": frame}, run_id=RunIdentifier(run_name=run_id))
        failures: list[Failure] = []
        statistics: dict[str, Any] = {}
        for validation in result.run_results.values():
            statistics = dict(validation.statistics)
            for outcome in validation.results:
                if outcome.success:
                    continue
                config = outcome.expectation_config
                if config is None:
                    continue
                template = str((config.meta or {}).get("reason") or config.type)
                for row in outcome.result.get("unexpected_index_list") or []:
                    reason = _reason(template, row)
                    failures.append(Failure(str(row["id"]), str(row["account"]), _check_name(config), reason))
        return SuiteResult(bool(result.success), failures, statistics)

    def docs_index(self) -> Path | None:
        """The run's Data Docs index page, once built."""
        if self.docs_dir is None:
            return None
        index = self.docs_dir / "index.html"
        return index if index.exists() else None
