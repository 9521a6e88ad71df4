"""Files are safe: export never writes over a database, --query creates nothing, and an archive
that is not SQLite, read-only or locked is one line naming it, exit 2, the file unchanged."""

from __future__ import annotations

import hashlib
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from scraper import archive
from scraper.cli import cli

THREAD_URL = "http://127.0.0.1:9/t5/Billing/Refund/td-p/41200"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line_error(result, code: int = 2) -> str:
    """The single stderr line of a clean failure (no traceback)."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "forum.db"
    archive.open_archive(path).close()
    return path


def test_export_onto_the_archive_is_refused(db: Path) -> None:
    before = digest(db)
    result = run("export", "csv", "--table", "posts", "--db", str(db), "--out", str(db))
    line = one_line_error(result)
    assert line == f"Error: {db}: is the archive itself; choose another --out file"
    assert digest(db) == before


def test_export_onto_the_archive_through_another_path_is_refused(db: Path) -> None:
    other = db.parent / "sub" / ".." / db.name
    (db.parent / "sub").mkdir()
    result = run("export", "csv", "--table", "posts", "--db", str(db), "--out", str(other))
    assert "is the archive itself" in one_line_error(result)


def test_export_onto_the_archive_wal_file_is_refused(db: Path) -> None:
    wal = db.with_name(db.name + "-wal")
    result = run("export", "jsonl", "--table", "posts", "--db", str(db), "--out", str(wal))
    assert "is the archive itself" in one_line_error(result)


def test_export_onto_another_sqlite_file_is_refused(db: Path, tmp_path: Path) -> None:
    other = tmp_path / "notes.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (text)")
        conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn.close()
    before = digest(other)
    result = run("export", "csv", "--table", "posts", "--db", str(db), "--out", str(other))
    assert one_line_error(result) == (
        f"Error: {other}: is an SQLite database; export never writes over one"
    )
    assert digest(other) == before


def test_export_writes_over_its_own_earlier_csv(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "posts.csv"
    out.write_text("old\n")
    result = run("export", "csv", "--table", "sites", "--db", str(db), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text() == "id,base_url,platform,title,tz,tz_source\n"


def test_query_attach_creates_no_file(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "new.db"
    result = run("export", "csv", "--db", str(db), "--query", f"ATTACH '{target}' AS x")
    assert one_line_error(result).startswith("Error: bad SQL: not authorized")
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forum.db", "forum.db-shm",
                                                         "forum.db-wal"]


def test_query_on_a_missing_archive_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    result = run("export", "csv", "--db", str(missing), "--query", "SELECT 1")
    assert one_line_error(result) == f"Error: no archive at {missing}"
    assert list(tmp_path.iterdir()) == []


def commands(db: Path) -> dict[str, list[str]]:
    return {
        "crawl": ["crawl", THREAD_URL, "--db", str(db)],
        "reparse": ["reparse", "--db", str(db)],
        "status": ["status", "--db", str(db)],
        "export": ["export", "csv", "--table", "posts", "--db", str(db)],
        "serve": ["serve", "--db", str(db), "--port", "9"],
        "demo": ["demo", "--db", str(db), "--port", "0", "--quiet"],
    }


@pytest.mark.parametrize("command", ["crawl", "reparse", "status", "export", "serve", "demo"])
def test_a_text_file_as_db_is_one_line_and_untouched(tmp_path: Path, command: str) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("my shopping list\nmilk\n")
    result = run(*commands(text)[command])
    line = one_line_error(result)
    assert line == (
        f"Error: {text}: not an SQLite database (its first bytes are no SQLite header)"
    )
    assert text.read_text() == "my shopping list\nmilk\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("command", ["crawl", "reparse", "serve", "demo"])
def test_a_read_only_archive_is_refused_by_writing_commands(db: Path, command: str) -> None:
    before = digest(db)
    db.chmod(stat.S_IRUSR | stat.S_IRGRP)
    try:
        result = run(*commands(db)[command])
        assert one_line_error(result) == (
            f"Error: {db}: the file is read-only; this command writes to the archive"
        )
        assert digest(db) == before
    finally:
        db.chmod(0o644)


@pytest.mark.parametrize("command", ["status", "export"])
def test_a_read_only_archive_can_be_read(db: Path, command: str) -> None:
    db.chmod(stat.S_IRUSR | stat.S_IRGRP)
    try:
        result = run(*commands(db)[command])
        assert result.exit_code == 0, result.output
    finally:
        db.chmod(0o644)


@pytest.mark.parametrize("command", ["crawl", "reparse", "serve", "demo"])
def test_an_archive_locked_by_another_process_is_one_line(
    db: Path, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "LOCK_TIMEOUT", 0.05)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO sites (base_url, platform) VALUES ('http://x', 'khoros')")
    try:
        result = run(*commands(db)[command])
        assert one_line_error(result) == (
            f"Error: {db}: the archive is locked by another process; try again later"
        )
    finally:
        other.execute("ROLLBACK")
        other.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM sites").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == 0
    conn.close()


def test_status_reads_while_another_process_writes(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "LOCK_TIMEOUT", 0.05)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO sites (base_url, platform) VALUES ('http://x', 'khoros')")
    try:
        result = run("status", "--db", str(db))
        assert result.exit_code == 0, result.output
        assert "0 sites" in result.stdout
    finally:
        other.execute("ROLLBACK")
        other.close()
