"""forum-scraper: archive online community forums into one normalized SQLite file."""

__version__ = "0.1.0"
