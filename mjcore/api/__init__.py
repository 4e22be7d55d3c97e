"""The REST API: the midjourney-proxy /mj contract over the Engine."""
