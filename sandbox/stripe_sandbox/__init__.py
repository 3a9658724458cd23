"""Stateful Stripe API emulator: hosted Checkout, signed webhooks, a test clock."""
