"""Business rules of the payment pages: live account data, amount rules, reservations, Checkout, webhooks.

No Flask here: the webapp calls these functions with a NetSuite client, a Stripe client and a DB session.
"""
