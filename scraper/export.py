"""Export a table, a view or a read-only query of the archive as CSV or JSON lines.

Rows stream from an SQLite cursor straight to the output, so memory stays constant whatever the
size of the export. CSV is spreadsheet-safe unless asked otherwise: a text cell that a
spreadsheet would run as a formula gets a leading apostrophe.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

FORMATS = ("csv", "jsonl")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

POSTS_SQL = """
SELECT p.id AS post_id, p.external_id AS post_external_id, p.url AS post_url, p.position,
  p.page_number, p.title AS post_title, p.posted_at, p.posted_at_raw, p.edited_at, p.deleted_at,
  p.{score} AS score, p.is_solution, p.reply_to_post_id, p.body_text, p.signature,
  p.author_id, u.name AS author_name, u.external_id AS author_external_id,
  u.rank AS author_rank, u.url AS author_url,
  p.thread_id, t.external_id AS thread_external_id, t.title AS thread_title,
  t.url AS thread_url, t.solved AS thread_solved, t.status AS thread_status,
  t.board_id, b.external_id AS board_external_id, b.title AS board_title,
  s.base_url AS site
FROM posts p
JOIN threads t ON t.id = p.thread_id
LEFT JOIN boards b ON b.id = t.board_id
LEFT JOIN users u ON u.id = p.author_id
LEFT JOIN sites s ON s.id = t.site_id
ORDER BY p.thread_id, p.position IS NULL, p.position, p.id"""


def posts_sql(conn: sqlite3.Connection) -> str:
    """The ``--posts`` query for this archive (older archives call the score ``kudos``, and
    export never migrates: it opens the archive read-only)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(posts)")}
    return POSTS_SQL.replace("{score}", "kudos" if "kudos" in columns else "score")


class ExportError(Exception):
    """An export that cannot run: no archive, unknown table, bad or writing SQL."""


def connect_read_only(db_path: Path) -> sqlite3.Connection:
    """Open the archive read-only: a query can never change it."""
    from scraper.archive import open_read_only

    return open_read_only(db_path)


def check_target(out_path: Path, db_path: Path) -> None:
    """Refuse an output path that is the archive, one of its side files, or any SQLite file:
    an export writes text and never replaces a database."""
    out = out_path.absolute()
    archive_path = db_path.absolute()
    sides = {archive_path.with_name(archive_path.name + s) for s in ("-wal", "-shm", "-journal")}
    if out == archive_path or out in sides or (
        out.exists() and archive_path.exists() and out.samefile(archive_path)
    ):
        raise ExportError(f"{out_path}: is the archive itself; choose another --out file")
    from scraper.archive import is_sqlite

    if out.is_dir():
        raise ExportError(f"{out_path}: is a directory; --out takes a file name")
    if is_sqlite(out):
        raise ExportError(f"{out_path}: is an SQLite database; export never writes over one")


def table_sql(conn: sqlite3.Connection, name: str) -> str:
    """SELECT every row of a table or view, checking that it exists."""
    known = {
        row[0]
        for row in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
    }
    if name not in known:
        raise ExportError(f"no table or view named {name!r} in the archive")
    quoted = name.replace('"', '""')
    return f'SELECT * FROM "{quoted}"'


def run_query(conn: sqlite3.Connection, sql: str) -> tuple[list[str], Iterator[tuple]]:
    """Column names and a lazy iterator over the rows of ``sql``."""
    try:
        cursor = conn.execute(sql)
    except sqlite3.Error as exc:
        raise ExportError(f"bad SQL: {exc}") from None
    if cursor.description is None:
        raise ExportError("the SQL returns no rows (only SELECT queries can be exported)")
    return [d[0] for d in cursor.description], _guarded(cursor)


def _guarded(cursor: sqlite3.Cursor) -> Iterator[tuple]:
    try:
        yield from cursor
    except sqlite3.Error as exc:
        raise ExportError(f"query failed: {exc}") from None


def _base64(value: Any) -> str:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot export a {type(value).__name__}")


def neutralise(value: Any) -> Any:
    """Prefix an apostrophe to text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_cell(value: Any) -> Any:
    return _base64(value) if isinstance(value, bytes) else neutralise(value)


def _raw_csv_cell(value: Any) -> Any:
    return _base64(value) if isinstance(value, bytes) else value


def write_csv(out: io.TextIOBase, columns: list[str], rows: Iterable[tuple], raw: bool) -> int:
    """Write a header and the rows; blobs become base64 text."""
    writer = csv.writer(out)
    cell = _raw_csv_cell if raw else _csv_cell
    writer.writerow([cell(c) for c in columns])
    count = 0
    for row in rows:
        writer.writerow([cell(v) for v in row])
        count += 1
    return count


def unique_names(columns: list[str]) -> list[str]:
    """Column names made unique for JSON objects: a repeated `id` becomes `id_2`, ..."""
    seen: set[str] = set()
    names = []
    for column in columns:
        name, n = column, 1
        while name in seen:
            n += 1
            name = f"{column}_{n}"
        seen.add(name)
        names.append(name)
    return names


def write_jsonl(out: io.TextIOBase, columns: list[str], rows: Iterable[tuple]) -> int:
    """Write one JSON object per row; blobs become base64 text."""
    names = unique_names(columns)
    encode = json.JSONEncoder(ensure_ascii=False, default=_base64).encode
    count = 0
    for row in rows:
        out.write(encode(dict(zip(names, row, strict=True))))
        out.write("\n")
        count += 1
    return count


def export(
    conn: sqlite3.Connection, fmt: str, sql: str, out: BinaryIO, *, raw: bool = False
) -> int:
    """Write the rows of ``sql`` to the binary stream ``out`` as UTF-8 CSV or JSON lines.

    Returns the number of rows written (the CSV header not counted).
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    columns, rows = run_query(conn, sql)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
    try:
        if fmt == "csv":
            return write_csv(text, columns, rows, raw)
        return write_jsonl(text, columns, rows)
    finally:
        text.flush()
        text.detach()


def export_to_path(
    conn: sqlite3.Connection, fmt: str, sql: str, path: Path, *, raw: bool = False
) -> int:
    """Export into ``path``, written whole or not at all (through a ``.part`` file)."""
    partial = path.with_name(path.name + ".part")
    try:
        with open(partial, "wb") as out:
            count = export(conn, fmt, sql, out, raw=raw)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return count
