"""export csv|jsonl: tables, views, read-only queries and flattened posts, streamed in constant
memory, spreadsheet-safe CSV unless --raw."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from scraper import export
from scraper.cli import cli

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "archive-v1.db"


@pytest.fixture
def db_path(tmp_path) -> Path:
    target = tmp_path / "forum.db"
    shutil.copy(FIXTURE, target)
    return target


def run(*args: str):
    return CliRunner().invoke(cli, ["export", *args])


def stored(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def as_csv_cells(row: tuple) -> list[str]:
    return ["" if v is None else str(v) for v in row]


def test_csv_of_a_table_round_trips(db_path):
    result = run("csv", "--db", str(db_path), "--table", "users", "--raw")
    assert result.exit_code == 0, result.output
    lines = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8"), newline="")))
    columns = [r[1] for r in stored(db_path, "PRAGMA table_info(users)")]
    assert lines[0] == columns
    assert lines[1:] == [as_csv_cells(r) for r in stored(db_path, "SELECT * FROM users")]


def test_jsonl_of_a_view_keeps_types_and_unicode(db_path):
    result = run("jsonl", "--db", str(db_path), "--table", "thread_summaries")
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout_bytes.decode("utf-8").splitlines()]
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    expected = [dict(r) for r in conn.execute("SELECT * FROM thread_summaries")]
    conn.close()
    assert records == expected
    assert "é" in run("jsonl", "--db", str(db_path), "--query",
                      "SELECT name FROM users WHERE name = 'chloé'").stdout_bytes.decode()


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(db_path):
    sql = ("SELECT '=1+2' AS a, '+x' AS b, '-y' AS c, '@z' AS d, char(9) || 'tab' AS e,"
           " char(13) || 'cr' AS f, 'a=b' AS g, -5 AS h, 1.5 AS i, NULL AS j, '' AS k,"
           " 1 AS '=HYPERLINK()'")
    safe = run("csv", "--db", str(db_path), "--query", sql)
    assert safe.stdout_bytes.decode() == (
        "a,b,c,d,e,f,g,h,i,j,k,'=HYPERLINK()\r\n"
        "'=1+2,'+x,'-y,'@z,'\ttab,\"'\rcr\",a=b,-5,1.5,,,1\r\n"
    )
    raw = run("csv", "--db", str(db_path), "--query", sql, "--raw")
    assert raw.stdout_bytes.decode() == (
        "a,b,c,d,e,f,g,h,i,j,k,=HYPERLINK()\r\n"
        "=1+2,+x,-y,@z,\ttab,\"\rcr\",a=b,-5,1.5,,,1\r\n"
    )


def test_jsonl_names_repeated_columns_apart_and_encodes_blobs(db_path):
    result = run("jsonl", "--db", str(db_path), "--query",
                 "SELECT 1 AS id, 2 AS id, x'00ff' AS blob, NULL AS missing")
    assert result.stdout_bytes.decode() == (
        '{"id": 1, "id_2": 2, "blob": "AP8=", "missing": null}\n'
    )


def test_posts_export_flattens_thread_board_and_author(db_path):
    result = run("jsonl", "--db", str(db_path), "--posts")
    records = [json.loads(line) for line in result.stdout_bytes.decode().splitlines()]
    assert len(records) == stored(db_path, "SELECT count(*) FROM posts")[0][0] == 16
    first = records[0]
    expected = stored(
        db_path,
        "SELECT p.id, p.body_text, u.name, t.title, b.title, s.base_url FROM posts p"
        " JOIN threads t ON t.id = p.thread_id JOIN boards b ON b.id = t.board_id"
        " JOIN users u ON u.id = p.author_id JOIN sites s ON s.id = t.site_id"
        " ORDER BY p.thread_id, p.position LIMIT 1",
    )[0]
    assert (first["post_id"], first["body_text"], first["author_name"], first["thread_title"],
            first["board_title"], first["site"]) == expected
    order = [(r["thread_id"], r["position"]) for r in records]
    assert order == sorted(order)
    assert sum(1 for r in records if r["deleted_at"]) == 1


def test_out_file_and_summary(db_path, tmp_path):
    out = tmp_path / "posts.csv"
    result = run("csv", "--db", str(db_path), "--posts", "--out", str(out))
    assert result.exit_code == 0
    assert result.stderr == f"exported 16 rows to {out}\n"
    with open(out, encoding="utf-8", newline="") as f:
        assert len(list(csv.reader(f))) == 17
    assert not (tmp_path / "posts.csv.part").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--table", "nope"], "Error: no table or view named 'nope' in the archive"),
        (["--query", "SELEC 1"], 'Error: bad SQL: near "SELEC": syntax error'),
        (["--query", "DELETE FROM posts"], "Error: bad SQL: attempt to write a readonly database"),
        (["--query", "SELECT 1; SELECT 2"],
         "Error: bad SQL: You can only execute one statement at a time."),
        (["--query", "PRAGMA foreign_keys = ON"],
         "Error: the SQL returns no rows (only SELECT queries can be exported)"),
        ([], "Error: give exactly one of --table, --query or --posts"),
        (["--posts", "--table", "posts"], "Error: give exactly one of --table, --query or --posts"),
    ],
)
def test_errors_are_one_line_and_exit_2(db_path, tmp_path, args, message):
    out = tmp_path / "out.csv"
    result = run("csv", "--db", str(db_path), "--out", str(out), *args)
    assert (result.exit_code, result.stderr) == (2, message + "\n")
    assert not out.exists() and not (tmp_path / "out.csv.part").exists()
    assert stored(db_path, "SELECT count(*) FROM posts") == [(16,)]
    assert stored(db_path, "PRAGMA user_version") == [(0,)]


def test_missing_archive_is_not_created(tmp_path):
    result = run("csv", "--db", str(tmp_path / "none.db"), "--posts")
    assert (result.exit_code, result.stderr) == (
        2, f"Error: no archive at {tmp_path / 'none.db'}\n"
    )
    assert not (tmp_path / "none.db").exists()


def make_posts(path: Path, n: int) -> None:
    """A posts-like table of ``n`` rows (few columns, to keep the traced export quick)."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE posts (id INTEGER PRIMARY KEY, thread_id INTEGER, body_text TEXT)")
    body = "The hub drops off the network every night; =moving it fixed it."
    conn.executemany(
        "INSERT INTO posts VALUES (?, ?, ?)", ((i, i // 20, f"{i} {body}") for i in range(n))
    )
    conn.commit()
    conn.close()


def export_peak(path: Path, fmt: str) -> tuple[int, int]:
    conn = export.connect_read_only(path)
    with open(os.devnull, "wb") as sink:
        tracemalloc.start()
        try:
            count = export.export(conn, fmt, export.table_sql(conn, "posts"), sink)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    conn.close()
    return count, peak


def test_export_streams_in_constant_memory(tmp_path):
    sizes = {10_000: tmp_path / "10k.db", 50_000: tmp_path / "50k.db",
             100_000: tmp_path / "100k.db"}
    for n, path in sizes.items():
        make_posts(path, n)
    # CSV over 10k and 100k rows; JSON lines (slower under tracemalloc) over 10k and 50k
    for fmt, small, large in (("csv", 10_000, 100_000), ("jsonl", 10_000, 50_000)):
        count_small, peak_small = export_peak(sizes[small], fmt)
        count_large, peak_large = export_peak(sizes[large], fmt)
        assert (count_small, count_large) == (small, large)
        assert peak_large < 20 * 2**20
        assert peak_large < 2 * peak_small  # many times the rows, not many times the memory
