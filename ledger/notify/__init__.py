"""Delivering alerts: e-mail over SMTP and signed webhooks, from the alerts view's outbox."""
