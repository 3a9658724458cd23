"""The Stripe <-> NetSuite connector library (imports no Airflow)."""
