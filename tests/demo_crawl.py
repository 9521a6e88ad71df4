"""What the crawl tests of several platforms' demo sites share: a whole-forum crawl from the
index checked against the demo community, then an unchanged re-crawl."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from scraper.crawl import CrawlOptions, crawl
from scraper.demo import DemoServer
from scraper.demo.content import Thread


def all_threads(srv: DemoServer) -> list[Thread]:
    return [t for b in srv.community.all_boards() for t in b.threads]


def posts_of(db: Path) -> list[tuple[str, str]]:
    """(thread id, post id) of every archived post, sorted."""
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "select t.external_id, p.external_id from posts p join threads t on t.id = p.thread_id"
        " order by 1, 2").fetchall()
    conn.close()
    return rows


def whole_forum_then_unchanged(
    srv: DemoServer, site: ModuleType, db: Path, options: CrawlOptions,
    thread_requests: Callable[[DemoServer], list[str]],
) -> list[Thread]:
    """Crawl the demo forum from its index: every post once in its own thread, every page of
    every thread fetched once; then again unchanged: listing pages only. Its threads."""
    threads = all_threads(srv)
    report = crawl([srv.url + site.INDEX_PATH], options)
    assert report.status == "complete", report.stats.messages
    expected = sorted((str(t.uid), str(p.uid)) for t in threads for p in t.posts)
    assert report.stats.posts_new == len(expected)
    assert posts_of(db) == expected
    pages = sorted(site.thread_path(srv.community, t, n) for t in threads
                   for n in range(1, site.thread_page_count(t) + 1))
    assert sorted(thread_requests(srv)) == pages
    assert any(site.thread_page_count(t) > 1 for t in threads)

    srv.reset_log()
    again = crawl([srv.url + site.INDEX_PATH], options)
    assert again.status == "complete"
    assert thread_requests(srv) == []
    assert again.stats.threads_skipped == len(threads)
    return threads
