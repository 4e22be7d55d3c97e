"""mjcore: drive Midjourney on Discord."""
