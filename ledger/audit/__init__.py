"""Audit: export the log, describe its events, answer bitemporal questions, seal and verify it."""
