"""The payment page web application."""
