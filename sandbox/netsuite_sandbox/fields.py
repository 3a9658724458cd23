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
    """One body or line field.

    kind: string, bool, decimal, integer, date, datetime, ref, enum, sublist, or unsupported (a field
    NetSuite has that the sandbox does not emulate: refused with a clear error rather than ignored).
    `readonly` fields are ignored on writes; `create_only` ones are ignored (with a warning) on updates.
    `labels` are the display texts of `choices`, in the same order.
    """

    kind: str
    target: str | None = None
    readonly: bool = False
    create_only: bool = False
    sublist: Sublist | None = None
    choices: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
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


UNSUPPORTED = Field("unsupported")
RO_ENUM = Field("enum", readonly=True)


def ref(target: str, readonly: bool = False, create_only: bool = False) -> Field:
    return Field("ref", target=target, readonly=readonly, create_only=create_only)


def sublist(key: str | None, **fields: Field) -> Field:
    """A writable sublist: `key` is the line field NetSuite merges lines by (None = lines are appended)."""
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
    "refName": RO_STRING,
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
    # The base (monthly) accounting period it posts to; left out, NetSuite takes tranDate's (periods.py).
    "postingPeriod": ref("accountingPeriod"),
    "total": RO_DECIMAL,
    "status": Field("enum", readonly=True),
}

# customerPayment/customerRefund/creditMemo `apply` lines (REST API Browser *-applyElement): keyed by doc;
# NetSuite pre-fills the list with the customer's open documents at apply: false.
_APPLY_LINE = {
    "doc": ref("transaction"),
    "apply": BOOL,
    "amount": DECIMAL,
    "line": Field("integer", readonly=True),
    "total": RO_DECIMAL,
    "due": RO_DECIMAL,
    "refNum": RO_STRING,
    "type": RO_STRING,
    "applyDate": Field("date", readonly=True),
    "currency": RO_STRING,  # the currency's name, a plain string in the REST API Browser
    "createdFrom": RO_STRING,
    "job": Field("integer", readonly=True),
    "jobName": RO_STRING,
    "refName": RO_STRING,
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
            "autoApply": BOOL,
            "applied": RO_DECIMAL,
            "unapplied": RO_DECIMAL,
            "amountRemaining": RO_DECIMAL,
            "item": sublist(None, **_ITEM_LINE),
            "apply": sublist("doc", **_APPLY_LINE),
        },
        trantype="CustCred",
        entity_field="entity",
    )
)
# undepFunds is an object {id} in the REST API Browser: "T" = Undeposited Funds, "F" = the `account` given.
_UNDEP_FUNDS = Field("enum", choices=("T", "F"), labels=("Undeposited Funds", "Account"))
_register(
    RecordType(
        "customerPayment",
        "transaction",
        "Payment",
        {
            **_TRANSACTION,
            "customer": ref("customer"),
            "payment": DECIMAL,
            "undepFunds": _UNDEP_FUNDS,
            "account": ref("account"),
            "arAcct": ref("account"),
            "autoApply": BOOL,
            "checkNumber": STRING,
            # An nsResource naming a payment method (or payment instrument); REST has no `paymentMethod`.
            "paymentOption": ref("paymentMethod"),
            "applied": RO_DECIMAL,
            "unapplied": RO_DECIMAL,
            "pending": RO_DECIMAL,
            "balance": RO_DECIMAL,
            "apply": sublist("doc", **_APPLY_LINE),
            "credit": UNSUPPORTED,
            "deposit": Field(
                "sublist",
                readonly=True,
                sublist=Sublist(
                    {
                        "doc": ref("transaction", readonly=True),
                        "apply": Field("bool", readonly=True),
                        "amount": RO_DECIMAL,
                        "total": RO_DECIMAL,
                        "remaining": RO_DECIMAL,
                        "depositDate": Field("date", readonly=True),
                        "refNum": RO_STRING,
                        "currencyName": RO_STRING,
                    },
                    "doc",
                ),
            ),
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
            "arAcct": ref("account"),
            "checkNumber": STRING,
            "paymentOption": ref("paymentMethod"),
            "balance": RO_DECIMAL,
            "apply": sublist("doc", **_APPLY_LINE),
            "deposit": UNSUPPORTED,
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
            # The deposit's currency is its bank account's; its exchange rate is set when it is created.
            "account": ref("account"),
            "exchangeRate": Field("decimal", create_only=True),
            "currencyPrecision": Field("integer", readonly=True),
            # Keyed by the deposited transaction's id and pre-filled with every undeposited payment at
            # deposit: false; only lines set to deposit: true are deposited.
            "payment": sublist(
                "id",
                id=Field("integer"),
                deposit=BOOL,
                paymentAmount=DECIMAL,  # in the deposit's (bank account's) currency
                transactionAmount=RO_DECIMAL,  # in the payment's own currency
                docNumber=RO_STRING,
                docDate=Field("date", readonly=True),
                refNum=RO_STRING,
                lineId=Field("integer", readonly=True),
                type=RO_ENUM,
                entity=ref("customer", readonly=True),
                currency=ref("currency", readonly=True),
                paymentMethod=ref("paymentMethod", readonly=True),
                pmtCurrencyPrecision=RO_STRING,
                memo=RO_STRING,
                refName=RO_STRING,
            ),
            "other": sublist(
                None,
                account=ref("account"),
                amount=DECIMAL,
                entity=ref("customer"),
                memo=STRING,
                paymentMethod=ref("paymentMethod"),
                refNum=STRING,
                line=RO_STRING,
                refName=RO_STRING,
            ),
            # Lower-case b, as the REST API Browser spells it.
            "cashback": sublist(
                None, account=ref("account"), amount=DECIMAL, memo=STRING, line=RO_STRING, refName=RO_STRING
            ),
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

_register(
    RecordType(
        "accountingPeriod",
        "accountingperiod",
        "Accounting Period",
        {
            **_COMMON,
            "periodName": STRING,
            "startDate": DATE,
            "endDate": DATE,
            "isQuarter": BOOL,
            "isYear": BOOL,
            "isAdjust": BOOL,
            "isPosting": BOOL,
            "isInactive": BOOL,
            "parent": ref("accountingPeriod"),
            "closed": BOOL,
            "closedOnDate": DATE,
            "apLocked": BOOL,
            "arLocked": BOOL,
            "allLocked": BOOL,
            "payrollLocked": BOOL,
            "allowNonGLChanges": BOOL,
            "fiscalCalendar": UNSUPPORTED,
            "fiscalCalendars": UNSUPPORTED,
            "perBookPeriodClosing": UNSUPPORTED,
        },
    )
)
# Readable through REST only: NetSuite sets periods up and closes them in its UI (here: /_sandbox/periods).
READ_ONLY_TYPES = frozenset({"accountingPeriod"})

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
