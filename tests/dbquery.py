"""A read of an archive file for tests: rows of one query, connection closed."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def query(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
