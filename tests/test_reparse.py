"""reparse: the parsed tables rebuilt from the stored raw pages, offline, ids and history kept."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from scraper import archive, reparse
from scraper.cli import cli
from scraper.crawl import CrawlOptions, crawl
from scraper.demo.server import DemoServer
from scraper.models import ThreadPage
from scraper.reparse import ReparseError, ReparseStats, recorded_tz

TZ = "America/Chicago"
FROZEN = "2025-03-01T12:00:00+00:00"
PARSED_TABLES = ("sites", "boards", "users", "threads", "posts", "post_versions", "quotes")
ALL_PAGES = ReparseStats(pages=96, thread_pages=87, listing_pages=9)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    """The demo community crawled with the archive clock frozen, so a fetch and the write of
    its rows carry the same time (the crawl otherwise stamps them a few ms apart)."""
    path = tmp_path_factory.mktemp("crawl") / "demo.db"
    with pytest.MonkeyPatch.context() as mp, DemoServer() as server:
        mp.setattr(archive, "_now", lambda: FROZEN)
        report = crawl([f"{server.url}/"], CrawlOptions(db_path=path, delay=0, concurrency=4,
                                                         tz=TZ))
    assert report.status == "complete"
    return path


@pytest.fixture
def copy(crawled, tmp_path) -> Path:
    target = tmp_path / "copy.db"
    shutil.copy(crawled, target)
    return target


def rows(path: Path, table: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
    finally:
        conn.close()


def tables(path: Path) -> dict[str, list[tuple]]:
    return {t: rows(path, t) for t in (*PARSED_TABLES, "pages")}


def sql(path: Path, statement: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        with conn:
            return conn.execute(statement, params).fetchall()
    finally:
        conn.close()


def fts_check(path: Path) -> None:
    for table in ("posts_fts", "threads_fts"):
        sql(path, f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")


def test_reparse_gives_the_tables_the_crawl_made(crawled, copy):
    assert reparse.reparse(copy) == ALL_PAGES
    assert tables(copy) == tables(crawled)
    fts_check(copy)


def test_a_second_reparse_changes_nothing_at_all(copy):
    reparse.reparse(copy)
    before = list(sqlite3.connect(copy).iterdump())
    assert reparse.reparse(copy) == ALL_PAGES
    assert list(sqlite3.connect(copy).iterdump()) == before


def test_reparse_restores_values_the_parser_gives(crawled, copy):
    quoting = sql(copy, "SELECT post_id FROM quotes ORDER BY id LIMIT 1")[0][0]
    damaged = sorted({2, 5, 9, quoting})
    sql(copy, "UPDATE posts SET body_text = NULL WHERE id IN (2, 5, 9)")
    sql(copy, "DELETE FROM quotes WHERE post_id = ?", (quoting,))
    stats = reparse.reparse(copy)
    assert stats == ReparseStats(pages=96, thread_pages=87, listing_pages=9,
                                 posts_updated=len(damaged))
    original, repaired = tables(crawled), tables(copy)
    for table in ("sites", "boards", "users", "threads", "posts", "post_versions"):
        assert repaired[table] == original[table], table
    def without_ids(quotes: list[tuple]) -> list[tuple]:  # rewritten quotes get new row ids
        return sorted(q[1:] for q in quotes)

    assert without_ids(repaired["quotes"]) == without_ids(original["quotes"])
    fts_check(copy)


def test_a_parser_fix_adds_a_version_and_keeps_the_old_text(copy, monkeypatch):
    post_id, external_id, old_html, old_text = sql(
        copy, "SELECT id, external_id, body_html, body_text FROM posts WHERE id = 7"
    )[0]
    real_parse = reparse.platforms.parse

    def fixed_parse(*args, **kwargs):
        page = real_parse(*args, **kwargs)
        if isinstance(page, ThreadPage):
            for post in page.posts:
                if post.external_id == external_id:
                    post.body_html += "<p>Restored paragraph.</p>"
                    post.body_text += "\nRestored paragraph."
        return page

    monkeypatch.setattr(reparse.platforms, "parse", fixed_parse)
    stats = reparse.reparse(copy)
    assert (stats.posts_updated, stats.posts_new_versions, stats.posts_new) == (1, 1, 0)
    assert sql(copy, "SELECT body_text FROM posts WHERE external_id = ?", (external_id,)) == [
        (old_text + "\nRestored paragraph.",),
    ]
    versions = sql(copy, "SELECT body_html, seen_at FROM post_versions WHERE post_id = ?"
                         " ORDER BY id", (post_id,))
    assert versions == [(old_html, FROZEN), (old_html + "<p>Restored paragraph.</p>", FROZEN)]
    assert sql(copy, "SELECT post_id, version_count FROM post_history") == [(post_id, 2)]


def test_thread_statuses_are_kept(copy):
    sql(copy, "UPDATE threads SET status = 'gone', status_reason = 'HTTP 404' WHERE id = 3")
    sql(copy, "UPDATE threads SET status = 'blocked', status_reason = 'login wall' WHERE id = 4")
    reparse.reparse(copy)
    assert sql(copy, "SELECT id, status, status_reason FROM threads WHERE id IN (3, 4)") == [
        (3, "gone", "HTTP 404"), (4, "blocked", "login wall"),
    ]


def test_failed_and_truncated_fetches_are_not_reparsed(crawled, copy):
    url, page_id = sql(copy, "SELECT url, id FROM pages WHERE page_kind = 'thread' LIMIT 1")[0]
    db = archive.open_archive(copy)
    archive.record_fetch(db, url=url, status_code=503, body=b"busy", parse_status="fetch-failed")
    archive.record_fetch(db, url=url, status_code=200, body=b"<html><body><div class='lia",
                         parse_status="fetch-failed", error="truncated page")
    db.close()
    stored = reparse.stored_pages(archive.open_archive(copy))
    assert page_id in stored and len(stored) == 96
    assert reparse.reparse(copy) == ALL_PAGES
    assert tables(copy)["posts"] == tables(crawled)["posts"]


def test_a_page_that_no_longer_parses_is_reported_and_its_rows_kept(crawled, copy):
    url = sql(copy, "SELECT url FROM pages WHERE page_kind = 'thread' ORDER BY id LIMIT 1")[0][0]
    db = archive.open_archive(copy)
    new_id = archive.record_fetch(db, url=url, status_code=200, content_type="text/plain",
                                  body=b"Down for maintenance", parse_status="parsed")
    db.close()
    stats = reparse.reparse(copy)
    assert (stats.pages, stats.failed) == (95, 1)
    error = "not HTML: 20 characters starting 'Down for maintenance'"
    assert stats.messages == [f"{url}: {error}"]
    assert sql(copy, "SELECT parse_status, error FROM pages WHERE id = ?", (new_id,)) == [
        ("parse-failed", error),
    ]
    assert tables(copy)["posts"] == tables(crawled)["posts"]


def test_reparse_uses_the_time_zone_of_the_last_crawl(copy):
    db = archive.open_archive(copy)
    assert recorded_tz(db) == TZ
    db.close()


def test_cli_reparse(copy, tmp_path):
    result = CliRunner().invoke(cli, ["reparse", "--db", str(copy)])
    assert result.exit_code == 0
    assert result.stderr == (
        "reparsed 96 pages (87 thread, 9 listing), 0 failed; posts 0 new, 0 updated"
        f" (0 with new content), 0 deleted -> {copy}\n"
    )
    missing = CliRunner().invoke(cli, ["reparse", "--db", str(tmp_path / "none.db")])
    assert (missing.exit_code, missing.stderr) == (
        2, f"Error: no archive at {tmp_path / 'none.db'}\n"
    )
    assert not (tmp_path / "none.db").exists()


def test_reparse_refuses_a_missing_archive(tmp_path):
    with pytest.raises(ReparseError):
        reparse.reparse(tmp_path / "none.db")
