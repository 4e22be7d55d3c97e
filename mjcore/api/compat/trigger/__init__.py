"""Trigger API (``/v1/api/trigger``)."""
