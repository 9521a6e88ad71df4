"""Crawls of the demo community served as a MyBB board on 127.0.0.1 (real HTTP)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from scraper.crawl import CrawlOptions, crawl
from scraper.demo import DemoServer, build_community
from scraper.demo.renderers import mybb as site


def options(db: Path) -> CrawlOptions:
    return CrawlOptions(db_path=db, delay=0, concurrency=4, backoff=0.01, platform="mybb")


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def thread_requests(srv: DemoServer) -> list[str]:
    return [r.path for r in srv.requests if r.path.startswith("/showthread.php")]


def test_whole_forum_then_changes_only(tmp_path: Path) -> None:
    community = build_community(threads_per_board=2)
    db = tmp_path / "a.db"
    with DemoServer(community, platform="mybb") as srv:
        crawl([srv.url + site.INDEX_PATH], options(db))
        posts = rows(db, "select p.external_id, u.name from posts p"
                         " left join users u on u.id = p.author_id order by 1")
        expected = sorted((str(p.uid), p.author.login) for t in community.threads()
                          for p in t.posts)
        assert sorted(posts) == expected
        threads = rows(db, "select external_id, status from threads order by 1")
        assert threads == sorted((str(t.uid), "complete") for t in community.threads())
        pages = sum(site._pages(len(t.posts), site.POSTS_PER_PAGE) for t in community.threads())
        assert len(set(thread_requests(srv))) == len(thread_requests(srv)) == pages

        srv.reset_log()
        crawl([srv.url + site.INDEX_PATH], options(db))
        assert thread_requests(srv) == []  # unchanged: listing pages only

        big = max(community.threads(), key=lambda t: len(t.posts))
        last_page = site._pages(len(big.posts), site.POSTS_PER_PAGE)
        new = srv.add_reply(big.uid, "A fresh reply about the signal box.")
        srv.reset_log()
        crawl([srv.url + site.INDEX_PATH], options(db))
        fetched = sorted(set(thread_requests(srv)))
        new_last = site._pages(len(big.posts), site.POSTS_PER_PAGE)
        assert fetched == sorted({site.thread_path(community, big, n)
                                  for n in range(last_page, new_last + 1)})
        assert rows(db, f"select count(*) from posts where external_id = '{new}'") == [(1,)]


def test_blocked_and_deleted_threads(tmp_path: Path) -> None:
    community = build_community(threads_per_board=2)
    db = tmp_path / "b.db"
    with DemoServer(community, platform="mybb") as srv:
        crawl([srv.url + site.INDEX_PATH], options(db))
        walled, challenged, gone = community.threads()[:3]
        srv.block_thread(walled.uid)
        srv.block_thread(challenged.uid, "challenge")
        srv.delete_post(gone.uid)
        crawl([srv.url + site.thread_path(community, t) for t in (walled, challenged, gone)],
              options(db))
        status = dict(rows(db, "select external_id, status from threads"))
        assert status[str(walled.uid)] == status[str(challenged.uid)] == "blocked"
        assert status[str(gone.uid)] == "gone"
        errors = dict(rows(db, "select url, error from pages where parse_status = 'blocked'"))
        assert any(e.startswith("login wall: no permission as a guest") for e in errors.values())
        assert any(e.startswith("bot challenge") for e in errors.values())


def test_forum_pages_are_followed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(site, "THREADS_PER_PAGE", 2)  # three threads a forum: two pages each
    community = build_community(threads_per_board=3)
    db = tmp_path / "c.db"
    with DemoServer(community, platform="mybb") as srv:
        crawl([srv.url + site.INDEX_PATH], options(db))
        listing = sorted(r.path for r in srv.requests if r.path.startswith("/forumdisplay.php"))
        boards = community.all_boards()
        assert set(listing) == {site.board_path(b, n) for b in boards for n in (1, 2)} | {
            f"/forumdisplay.php?fid={c.id}" for c in community.all_categories()}
        assert len(listing) == len(set(listing))
        archived = rows(db, "select external_id from threads order by 1")
        assert archived == sorted((str(t.uid),) for t in community.threads())
