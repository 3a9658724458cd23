"""The record types the sandbox knows, and their fields, as NetSuite's REST API names them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Sublist:
    """A sublist's line fields; `key` is the line field lines are merged by (None = lines are appended)."""

    fields: dict[str, Field]
    key: str | None = None


@dataclass(frozen=True)
class Field:
    """One body or line field. kind: string, bool, decimal, integer, date, ref, enum, sublist, datetime."""

    kind: str
    target: str | None = None
    readonly: bool = False
    sublist: Sublist | None = None
    choices: tuple[str, ...] = ()
    title: str = ""


@dataclass(frozen=True)
class RecordType:
    """A REST record type; `family` shares one id sequence (all transactions share ids, as in NetSuite)."""

    name: str
    family: str
    label: str
    fields: dict[str, Field]
    trantype: str | None = None
    entity_field: str | None = None
    sublists: tuple[str, ...] = field(default=())


STRING = Field("string")
BOOL = Field("bool")
DECIMAL = Field("decimal")
DATE = Field("date")
RO_DECIMAL = Field("decimal", readonly=True)
RO_STRING = Field("string", readonly=True)
RO_DATETIME = Field("datetime", readonly=True)


def ref(target: str, readonly: bool = False) -> Field:
    return Field("ref", target=target, readonly=readonly)


def sublist(key: str | None, **fields: Field) -> Field:
    return Field("sublist", sublist=Sublist(fields, key))


# `target` "transaction" means any transaction type; the stored record decides the link.
ACCOUNT_TYPES = (
    "Bank",
    "AcctRec",
    "OthCurrAsset",
    "FixedAsset",
    "OthAsset",
    "AcctPay",
    "CredCard",
    "OthCurrLiab",
    "LongTermLiab",
    "Equity",
    "Income",
    "COGS",
    "Expense",
    "OthIncome",
    "OthExpense",
    "NonPosting",
    "DeferRevenue",
    "DeferExpense",
    "UnbilledRec",
)

_COMMON = {
    "id": RO_STRING,
    "externalId": STRING,
    "createdDate": RO_DATETIME,
    "lastModifiedDate": RO_DATETIME,
}

_TRANSACTION = {
    **_COMMON,
    "tranId": STRING,
    "tranDate": DATE,
    "currency": ref("currency"),
    "exchangeRate": DECIMAL,
    "subsidiary": ref("subsidiary"),
    "memo": STRING,
    "total": RO_DECIMAL,
    "status": Field("enum", readonly=True),
}

_APPLY_LINE = {
    "doc": ref("transaction"),
    "apply": BOOL,
    "amount": DECIMAL,
    "total": RO_DECIMAL,
    "due": RO_DECIMAL,
    "refNum": RO_STRING,
    "type": RO_STRING,
    "applyDate": Field("date", readonly=True),
    "currency": ref("currency", readonly=True),
}

_ITEM_LINE = {
    "line": Field("integer", readonly=True),
    "item": ref("nonInventorySaleItem"),
    "description": STRING,
    "quantity": DECIMAL,
    "rate": DECIMAL,
    "amount": DECIMAL,
}

RECORD_TYPES: dict[str, RecordType] = {}


def _register(record: RecordType) -> None:
    sublists = tuple(name for name, f in record.fields.items() if f.kind == "sublist")
    RECORD_TYPES[record.name] = RecordType(
        record.name,
        record.family,
        record.label,
        record.fields,
        record.trantype,
        record.entity_field,
        sublists,
    )


_register(
    RecordType(
        "subsidiary",
        "subsidiary",
        "Subsidiary",
        {
            **_COMMON,
            "name": STRING,
            "currency": ref("currency"),
            "isInactive": BOOL,
        },
    )
)
_register(
    RecordType(
        "currency",
        "currency",
        "Currency",
        {
            **_COMMON,
            "name": STRING,
            "symbol": STRING,
            "displaySymbol": STRING,
            "currencyPrecision": Field("integer"),
            "exchangeRate": DECIMAL,
            "isBaseCurrency": Field("bool", readonly=True),
            "isInactive": BOOL,
        },
    )
)
_register(
    RecordType(
        "account",
        "account",
        "Account",
        {
            **_COMMON,
            "acctNumber": STRING,
            "acctName": STRING,
            "acctType": Field("enum", choices=ACCOUNT_TYPES),
            "currency": ref("currency"),
            "subsidiary": ref("subsidiary"),
            "description": STRING,
            "isInactive": BOOL,
        },
    )
)
_register(
    RecordType(
        "paymentMethod",
        "paymentmethod",
        "Payment Method",
        {
            **_COMMON,
            "name": STRING,
            "isInactive": BOOL,
        },
    )
)
_register(
    RecordType(
        "nonInventorySaleItem",
        "item",
        "Item",
        {
            **_COMMON,
            "itemId": STRING,
            "displayName": STRING,
            "description": STRING,
            "isInactive": BOOL,
        },
    )
)
_register(
    RecordType(
        "customer",
        "entity",
        "Customer",
        {
            **_COMMON,
            "entityId": STRING,
            "companyName": STRING,
            "isPerson": BOOL,
            "firstName": STRING,
            "lastName": STRING,
            "email": STRING,
            "phone": STRING,
            "comments": STRING,
            "isInactive": BOOL,
            "currency": ref("currency"),
            "subsidiary": ref("subsidiary"),
            "balance": RO_DECIMAL,
            "unappliedAmount": RO_DECIMAL,
            "custentity_stripe_payment_link": STRING,
            "currencyList": sublist("currency", currency=ref("currency"), balance=RO_DECIMAL),
        },
    )
)
_register(
    RecordType(
        "invoice",
        "transaction",
        "Invoice",
        {
            **_TRANSACTION,
            "entity": ref("customer"),
            "dueDate": DATE,
            "account": ref("account"),
            "subtotal": RO_DECIMAL,
            "amountPaid": RO_DECIMAL,
            "amountRemaining": RO_DECIMAL,
            "custbody_stripe_payment_link": STRING,
            "item": sublist(None, **_ITEM_LINE),
        },
        trantype="CustInvc",
        entity_field="entity",
    )
)
_register(
    RecordType(
        "creditMemo",
        "transaction",
        "Credit Memo",
        {
            **_TRANSACTION,
            "entity": ref("customer"),
            "account": ref("account"),
            "applied": RO_DECIMAL,
            "unapplied": RO_DECIMAL,
            "item": sublist(None, **_ITEM_LINE),
            "apply": sublist("doc", **_APPLY_LINE),
        },
        trantype="CustCred",
        entity_field="entity",
    )
)
_register(
    RecordType(
        "customerPayment",
        "transaction",
        "Payment",
        {
            **_TRANSACTION,
            "customer": ref("customer"),
            "payment": DECIMAL,
            "undepFunds": BOOL,
            "account": ref("account"),
            "paymentMethod": ref("paymentMethod"),
            "checkNum": STRING,
            "aracct": ref("account"),
            "applied": RO_DECIMAL,
            "unapplied": RO_DECIMAL,
            "apply": sublist("doc", **_APPLY_LINE),
        },
        trantype="CustPymt",
        entity_field="customer",
    )
)
_register(
    RecordType(
        "customerRefund",
        "transaction",
        "Customer Refund",
        {
            **_TRANSACTION,
            "customer": ref("customer"),
            "account": ref("account"),
            "paymentMethod": ref("paymentMethod"),
            "aracct": ref("account"),
            "apply": sublist("doc", **_APPLY_LINE),
        },
        trantype="CustRfnd",
        entity_field="customer",
    )
)
_register(
    RecordType(
        "deposit",
        "transaction",
        "Deposit",
        {
            **_TRANSACTION,
            "account": ref("account"),
            "payment": sublist(
                "id",
                id=Field("integer"),
                deposit=BOOL,
                paymentAmount=RO_DECIMAL,
                docNumber=RO_STRING,
                type=RO_STRING,
                entity=ref("customer", readonly=True),
                currency=ref("currency", readonly=True),
                tranDate=Field("date", readonly=True),
                memo=RO_STRING,
            ),
            "other": sublist(
                None,
                account=ref("account"),
                amount=DECIMAL,
                entity=ref("customer"),
                memo=STRING,
                paymentMethod=ref("paymentMethod"),
                refNum=STRING,
            ),
            "cashBack": sublist(None, account=ref("account"), amount=DECIMAL, memo=STRING),
        },
        trantype="Deposit",
    )
)
_register(
    RecordType(
        "journalEntry",
        "transaction",
        "Journal",
        {
            **_TRANSACTION,
            "line": sublist(
                None,
                line=Field("integer", readonly=True),
                account=ref("account"),
                debit=DECIMAL,
                credit=DECIMAL,
                entity=ref("customer"),
                memo=STRING,
            ),
        },
        trantype="Journal",
    )
)

# Types a client may address under /record/v1 (the helper types are readable and writable too,
# so references to them resolve to real links).
TRANSACTION_TYPES = {name: r for name, r in RECORD_TYPES.items() if r.family == "transaction"}
TYPE_BY_TRANTYPE = {r.trantype: r for r in TRANSACTION_TYPES.values() if r.trantype}


def lookup_type(name: str) -> RecordType | None:
    """Record type by REST name; NetSuite accepts the names case-insensitively."""
    for record in RECORD_TYPES.values():
        if record.name.lower() == name.lower():
            return record
    return None
