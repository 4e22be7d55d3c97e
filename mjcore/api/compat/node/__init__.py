"""Node-style API (``/api/v1``)."""
