"""Token API (``/midjourney``)."""
