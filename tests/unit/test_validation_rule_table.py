"""The rule table is the one home of validation: each rule in it reaches the quarantine with its reason.

Each rule of each type is broken by one object, stored the way extraction stores it (placeholders and all),
validated by validate_pending (frames with related facts, suites, quarantine), and the quarantine entry must
carry the rule's reason from the table. A rule added to the table without a breaking object here fails
`test_the_valid_objects_pass_and_every_rule_has_a_breaking_object`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from stripe_netsuite.store import dispose_engines, get_engine, migrate, session_scope
from stripe_netsuite.store.pipeline import QuarantineEntry
from stripe_netsuite.store.stripe_objects import STRIPE_MODELS
from stripe_netsuite.stripe_api.upsert import store_page
from stripe_netsuite.validation import validate_pending
from stripe_netsuite.validation.checkpoint import Validator
from stripe_netsuite.validation.checks import Rule, at_most
from stripe_netsuite.validation.rules import RULES, row_from_raw, rules_for
from stripe_netsuite.validation.suites import build_suite, expectation_for

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CREATED = 1_772_000_000
Patch = dict[str, Any]

# A valid object of each type; every breaking object is one of these with a patch.
VALID: dict[str, Patch] = {
    "charge": {"amount": 1000, "amount_refunded": 0, "currency": "usd", "status": "succeeded",
               "metadata": {"netsuite_customer_id": "42", "netsuite_invoice_id": "1001"}},
    "refund": {"amount": 400, "currency": "usd", "status": "succeeded", "charge": None, "metadata": {}},
    "dispute": {"amount": 1000, "currency": "usd", "status": "needs_response"},
    "payout": {"amount": 900, "currency": "usd", "status": "in_transit", "automatic": True},
    "balance_transaction": {"amount": 1000, "fee": 59, "net": 941, "currency": "usd", "status": "available",
                            "type": "charge", "reporting_category": "charge"},
    "customer": {"email": "a@example.com", "metadata": {"netsuite_customer_id": "42"}},
    "payment_intent": {"amount": 1000, "amount_received": 1000, "currency": "usd", "status": "succeeded",
                       "metadata": {}},
    "checkout.session": {"amount_total": 1000, "currency": "usd", "status": "complete",
                         "payment_status": "paid", "metadata": {}},
}  # fmt: skip
PREFIX = {"charge": "ch", "refund": "re", "dispute": "dp", "payout": "po", "balance_transaction": "txn",
          "customer": "cus", "payment_intent": "pi", "checkout.session": "cs"}  # fmt: skip
OVER_REFUNDED = "ch_overrefunded"


def rule_key(rule: Rule) -> str:
    """A rule's shape, independent of its reason: what it checks, on which columns, for which rows."""
    key = f"{rule.check.name}:{'+'.join(rule.columns)}"
    return key + (f"@{rule.when.column}={'|'.join(map(str, rule.when.values))}" if rule.when else "")


def _bad_metadata(object_type: str) -> Patch:
    return {"metadata": {RULES[object_type].metadata[0]: "not-a-netsuite-id"}}


# Rules every type shares, broken the same way for each (the amount fields' kind: a float amount).
SHARED: dict[str, Callable[[str, str], Patch]] = {
    "MATCHES:id": lambda object_type, _field: {"id": f"Not a Stripe id ({object_type})"},
    "NOT_NULL:currency": lambda _type, _field: {"currency": None},
    "IN_SET:currency": lambda _type, _field: {"currency": "xyz"},
    "IN_SET:*_kind": lambda _type, field: {field: 10.5},
    "NOT_NULL:status": lambda _type, _field: {"status": None},
    "IN_SET:status": lambda _type, _field: {"status": "bogus"},
    "NULL:metadata_problem": lambda object_type, _field: _bad_metadata(object_type),
}
# Rules no stored row can break (the table's key is unique, extraction refuses an object without an id):
# checked on a batch built by hand.
BATCH_ONLY: dict[str, list[Patch]] = {
    "NOT_NULL:id": [{"id": None}],
    "UNIQUE:id+account": [{"id": "x_same"}, {"id": "x_same"}],
}
# Each type's own checks.
OWN: dict[str, Patch] = {
    "charge/BETWEEN:amount": {"amount": 0},
    "charge/NOT_LESS_THAN:amount+amount_refunded": {"amount_refunded": 1500},
    "refund/BETWEEN:amount": {"amount": -5},
    "refund/NOT_LESS_THAN:charge_amount+charge_refunded_total": {"amount": 1500, "charge": OVER_REFUNDED},
    "dispute/BETWEEN:amount": {"amount": 0},
    "payout/NOT_IN_SET:amount": {"amount": 0},
    "payout/BETWEEN:amount@automatic=False": {"amount": -300, "automatic": False},
    "payout/EQUAL:amount+itemised_net": {"status": "paid"},  # paid automatic, none of its items listed
    "balance_transaction/BETWEEN:amount@type=charge|payment|payout_failure": {"amount": -1000, "net": -1059},
    "balance_transaction/BETWEEN:amount@type=refund|payment_refund": {"type": "refund", "fee": 0,
                                                                             "net": 1000},
    "balance_transaction/BETWEEN:fee@fee_may_be_negative=False": {"fee": -5, "net": 1005},
    "balance_transaction/EQUAL:net+amount_minus_fee": {"net": 900},
    "payment_intent/BETWEEN:amount": {"amount": 0},
    "checkout.session/BETWEEN:amount_total": {"amount_total": -1},
    "checkout.session/IN_SET:payment_status": {"payment_status": "half"},
}  # fmt: skip


def _shared_key(key: str) -> str:
    return re.sub(r"^IN_SET:\w+_kind$", "IN_SET:*_kind", key)


def breaking_patch(object_type: str, rule: Rule) -> Patch | None:
    """The patch of VALID[object_type] that breaks `rule`; None when it is a batch-only rule."""
    key = rule_key(rule)
    if key in BATCH_ONLY:
        return None
    if f"{object_type}/{key}" in OWN:
        return OWN[f"{object_type}/{key}"]
    shared = SHARED[_shared_key(key)]
    return shared(object_type, rule.columns[0].removesuffix("_kind"))


RULE_LIST = [
    (object_type, index, rule) for object_type in RULES for index, rule in enumerate(rules_for(object_type))
]
CASES = [pytest.param(*case, id=f"{case[0]}/{rule_key(case[2])}") for case in RULE_LIST]


def object_id(object_type: str, index: int) -> str:
    return f"{PREFIX[object_type]}_rule{index}"


def broken_object(object_type: str, index: int, rule: Rule) -> dict[str, Any] | None:
    patch = breaking_patch(object_type, rule)
    if patch is None:
        return None
    base = {"id": object_id(object_type, index), "object": object_type, "created": CREATED, "livemode": False}
    return {**base, **VALID[object_type], **patch}


def pattern_of(template: str) -> re.Pattern[str]:
    """The reason template as a pattern: its text exactly, any value where a field is filled in."""
    parts = re.split(r"\{[^{}]*\}", template)
    return re.compile(".+?".join(re.escape(part) for part in parts), re.DOTALL)


def check_name_of(rule: Rule) -> str:
    return str(expectation_for(rule).configuration.type)


@pytest.fixture(scope="module")
def quarantine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[tuple[str, str]]]]:
    """Every breaking object stored as extraction stores it, validated once: object id -> (check, reason)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('rules') / 'connector.db'}"
    migrate(url)
    engine: Engine = get_engine(url)
    pages: dict[str, list[dict[str, Any]]] = {object_type: [] for object_type in RULES}
    for object_type, index, rule in RULE_LIST:
        obj = broken_object(object_type, index, rule)
        if obj is not None:
            pages[object_type].append(obj)
    # The charge the over-refund takes back more than.
    pages["charge"].append({"id": OVER_REFUNDED, "object": "charge", "created": CREATED, **VALID["charge"]})
    with session_scope(engine) as session:
        for object_type, objects in pages.items():
            counts, failed = store_page(session, STRIPE_MODELS[object_type], objects, "")
            assert failed == [] and counts.inserted == len(objects)
    validate_pending(engine, "rules", now=NOW)
    with session_scope(engine) as session:
        found: dict[str, list[tuple[str, str]]] = {}
        for entry in session.scalars(select(QuarantineEntry).where(QuarantineEntry.run_id == "rules")):
            found.setdefault(entry.object_id, []).append((entry.check_name, entry.reason))
    yield found
    dispose_engines()


def batch_failures(object_type: str, rule: Rule) -> list[tuple[str, str]]:
    """The failures of a batch built by hand from the rule's BATCH_ONLY objects."""
    objects = [{**VALID[object_type], **patch} for patch in BATCH_ONLY[rule_key(rule)]]
    rows = [{**row_from_raw(object_type, obj), "account": "", "content_hash": "h"} for obj in objects]
    result = Validator().validate(object_type, pd.DataFrame(rows, dtype="object"), "rules")
    return [(failure.check, failure.reason) for failure in result.failures]


@pytest.mark.parametrize(("object_type", "index", "rule"), CASES)
def test_a_row_breaking_a_rule_is_quarantined_with_the_rules_reason(
    quarantine: dict[str, list[tuple[str, str]]], object_type: str, index: int, rule: Rule
) -> None:
    obj = broken_object(object_type, index, rule)
    entries = batch_failures(object_type, rule) if obj is None else quarantine.get(str(obj["id"]), [])
    reason, check = pattern_of(rule.reason), check_name_of(rule)
    matching = [text for name, text in entries if name.startswith(f"{check}(") and reason.fullmatch(text)]
    assert matching, f"{rule.reason!r} not among {entries}"


def test_the_valid_objects_pass_and_every_rule_has_a_breaking_object(tmp_path: Path) -> None:
    for object_type, _index, rule in RULE_LIST:
        assert breaking_patch(object_type, rule) is not None or rule_key(rule) in BATCH_ONLY
    url = f"sqlite:///{tmp_path / 'connector.db'}"
    migrate(url)
    engine = get_engine(url)
    with session_scope(engine) as session:
        for object_type, fields in VALID.items():
            obj = {"id": f"{PREFIX[object_type]}_valid", "object": object_type, "created": CREATED, **fields}
            store_page(session, STRIPE_MODELS[object_type], [obj], "")
    result = validate_pending(engine, "valid", now=NOW)
    dispose_engines()
    assert (result["ready"], result["quarantined"]) == (len(VALID), 0)


def test_every_column_a_rule_reads_is_in_the_generated_batch() -> None:
    for object_type, entity in RULES.items():
        columns = set(row_from_raw(object_type, {})) | {"account"}
        columns |= {column for related in entity.related for column in related.value}
        for rule in rules_for(object_type):
            assert set(rule.reads) <= columns, (object_type, rule)


def test_a_changed_table_entry_changes_the_suite(monkeypatch: pytest.MonkeyPatch) -> None:
    cap = at_most("amount", 500, "a dispute of {amount} needs a person, not a rule")
    monkeypatch.setitem(RULES, "dispute", replace(RULES["dispute"], checks=(cap,)))
    reasons = [
        expectation.meta["reason"] for expectation in build_suite("dispute").expectations if expectation.meta
    ]
    assert cap.reason in reasons and "dispute amount must be > 0 (got {amount})" not in reasons
    rows = [{**row_from_raw("dispute", {"id": "dp_big", **VALID["dispute"], "amount": 600}), "account": "",
             "content_hash": "h"}]  # fmt: skip
    failures = Validator().validate("dispute", pd.DataFrame(rows, dtype="object"), "changed").failures
    assert [failure.reason for failure in failures] == ["a dispute of 600 needs a person, not a rule"]
