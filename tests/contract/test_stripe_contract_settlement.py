"""Contract: a second settlement currency (a EUR bank account beside the USD one) has Stripe's shapes, rules.

On Stripe, an account with a bank account in EUR settles charges presented in EUR without conversion, keeps a
separate EUR balance and pays it out to that bank account: the charge's balance transaction is in eur with a
null exchange_rate, the payout carries currency eur and the EUR bank account as destination. Other
currencies (GBP here) still convert to the default currency. A world is built through stripe-python with
`settlement_currencies: ["usd", "eur"]`; every object, list and event is checked against the OpenAPI spec and
the real examples, and the money against those rules.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
import stripe

from tests.contract.conftest import RawApi
from tests.contract.world_checks import ListChecks, World, WorldChecks, built_world, raw_json

OBJECT_TYPES = ("account", "balance", "balance_transaction", "charge", "dispute", "event", "payout", "refund")


ITEMS: dict[str, list[dict[str, Any]]] = {}  # payout id -> its balance transactions (?payout=)


def _build(client: stripe.StripeClient, raw: RawApi) -> World:
    world = World()

    def get(path: str, params: Any = None) -> Any:
        return world.add(f"GET {path}", raw.get(path, params))

    def pay(label: str, amount: int, currency: str, card: str = "pm_card_visa") -> None:
        intent = client.v1.payment_intents.create(
            {"amount": amount, "currency": currency, "payment_method": card, "confirm": True}
        )
        charge = get(f"/v1/charges/{intent.latest_charge}", {"expand[]": "balance_transaction"})
        world.ids[label] = charge["id"]

    def charges() -> None:
        raw.control("/_sandbox/config", {"settlement_currencies": ["usd", "eur"]})
        pay("usd", 10_000, "usd")
        pay("eur", 25_000, "eur")
        pay("gbp", 8_000, "gbp")
        pay("eur_disputed", 4_000, "eur", "pm_card_createDispute")
        refund = client.v1.refunds.create({"charge": world.ids["eur"], "amount": 5_000})
        world.add("POST /v1/refunds", raw_json(refund))
        get(f"/v1/balance_transactions/{refund.balance_transaction}")
        (dispute,) = client.v1.disputes.list({"charge": world.ids["eur_disputed"]}).data
        won = client.v1.disputes.update(dispute.id, {"evidence": {"uncategorized_text": "winning_evidence"}})
        world.add("POST /v1/disputes/{id}", raw_json(won))
        get("/v1/balance")
        get("/v1/account")

    def payouts() -> None:
        raw.control("/_sandbox/clock/advance", {"days": 4})
        listed = get("/v1/payouts", {"limit": 100})
        for payout in listed["data"]:
            listing = get("/v1/balance_transactions", {"payout": payout["id"], "limit": 100})
            ITEMS[payout["id"]] = listing["data"]
        get("/v1/balance")
        get("/v1/events", {"limit": 100, "type": "payout.*"})

    world.step("charges", charges)
    world.step("payouts", payouts)
    return world


world = built_world(_build)


def _samples(world: World, kind: str) -> dict[str, Any]:
    """The newest sample of each object of `kind`, by id."""
    return {body["id"]: body for _, body in world.samples.get(kind, []) if "id" in body}


class TestSettlementWorld(WorldChecks, ListChecks):
    object_types = OBJECT_TYPES
    events_invent_no_keys = False  # its event payloads are held to their schema only


def test_a_charge_in_the_second_currency_settles_in_it_without_conversion(world: World) -> None:
    charges = _samples(world, "charge")
    eur, gbp, usd = (charges[world.ids[label]] for label in ("eur", "gbp", "usd"))
    txn = eur["balance_transaction"]
    assert (txn["currency"], txn["exchange_rate"], txn["amount"]) == ("eur", None, 25_000)
    assert txn["fee_details"][0]["currency"] == "eur" and txn["net"] == 25_000 - txn["fee"]
    # Another currency still converts to the default one, at an exchange rate.
    assert gbp["balance_transaction"]["currency"] == "usd" and gbp["balance_transaction"]["exchange_rate"]
    usd_txn = usd["balance_transaction"]
    assert (usd_txn["currency"], usd_txn["exchange_rate"]) == ("usd", None)


def test_refunds_and_disputes_of_it_leave_the_eur_balance(world: World) -> None:
    txns = list(_samples(world, "balance_transaction").values())
    refunds = [t for t in txns if t["type"] == "refund"]
    disputes = [t for t in txns if t["reporting_category"] in ("dispute", "dispute_reversal")]
    assert [(t["currency"], t["amount"], t["exchange_rate"]) for t in refunds] == [("eur", -5_000, None)]
    assert sorted((t["currency"], t["amount"]) for t in disputes) == [("eur", -4_000), ("eur", 4_000)]
    assert all(t["exchange_rate"] is None for t in disputes)


def test_the_account_has_a_bank_account_per_settlement_currency(world: World) -> None:
    (account,) = _samples(world, "account").values()
    banks = {bank["currency"]: bank for bank in account["external_accounts"]["data"]}
    assert set(banks) == {"usd", "eur"} and account["default_currency"] == "usd"
    assert all(bank["default_for_currency"] for bank in banks.values())
    assert banks["usd"]["id"] != banks["eur"]["id"]


def test_each_currency_is_paid_out_to_its_own_bank_account(world: World) -> None:
    (account,) = _samples(world, "account").values()
    banks = {bank["currency"]: bank["id"] for bank in account["external_accounts"]["data"]}
    payouts = [p for p in _samples(world, "payout").values() if p["status"] == "paid"]
    assert sorted(p["currency"] for p in payouts) == ["eur", "usd"]
    for payout in payouts:
        assert payout["destination"] == banks[payout["currency"]]
        items = ITEMS[payout["id"]]
        assert {t["currency"] for t in items} == {payout["currency"]}
        swept = [t for t in items if t["type"] != "payout"]
        assert swept and sum(t["net"] for t in swept) == payout["amount"]


def test_the_balance_keeps_the_currencies_apart(world: World) -> None:
    balances = [body for _, body in world.samples["balance"]]
    before = {entry["currency"]: entry for entry in balances[0]["pending"]}
    assert set(before) == {"usd", "eur"}
    assert before["eur"]["amount"] > 0  # the EUR charges, pending in EUR
    after = balances[-1]
    assert {e["currency"]: e["amount"] for e in after["available"]} == {"usd": 0, "eur": 0}


@pytest.mark.parametrize(
    "value",
    [pytest.param("eur", id="not-a-list"), pytest.param(["usd", "xyz"], id="unknown-currency")],
)
def test_a_bad_settlement_currencies_setting_is_refused_by_name(
    world: World, raw: RawApi, value: Any
) -> None:
    response = requests.post(f"{raw.url}/_sandbox/config", json={"settlement_currencies": value}, timeout=30)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "settlement_currencies"
    assert raw.get("/_sandbox/config")["settlement_currencies"] == ["usd", "eur"]  # nothing changed
