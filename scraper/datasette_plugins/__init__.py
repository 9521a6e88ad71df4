"""Datasette plugins that `forum-scraper serve` loads (``--plugins-dir``); see forum.py."""
