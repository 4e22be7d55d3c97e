"""Front ends and the application entry point (``mjbridge`` console script)."""
