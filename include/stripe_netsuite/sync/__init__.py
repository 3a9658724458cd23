"""The ledger: Stripe payments, refunds, disputes and failed bank debits as NetSuite records.

Pure mappings, data in and records out (no network, no clock, no database): `payments` (charge ->
customerPayment), `applications` (which invoices), `customers` (whose payment), `reversals` + `refunds`
(refund, dispute withdrawal, failed bank debit -> credit memo and customer refund), `external_ids` (the one
derivation of every externalId), `records` (typed records rendering the REST bodies), `settings`
(LedgerSettings). The loader that writes these records through the NetSuite client builds on them.
Deposits: `deposits` (a paid automatic payout -> one `deposit`, or `Blocked` with a code; what a payout that
is not plain needs), `deposit_lines` (each balance transaction's lines), `deposit_facts` (the builder's typed
input), `deposit_records`, `deposit_blocks`, `deposit_settings` (DepositSettings). The deposit loader
(`deposit_load*`: reading the state DB and NetSuite, writing, the run report) is the impure edge around them.
"""
