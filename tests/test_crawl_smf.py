"""Crawls of the demo community served as an SMF 2.0 forum on 127.0.0.1 by the test itself."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

from scraper.crawl import CrawlOptions, crawl
from scraper.demo import DemoServer, build_community
from scraper.demo.content import SITE_TZ
from scraper.demo.renderers import smf as site

TZ = SITE_TZ.key


def options(db: Path, **kw) -> CrawlOptions:
    return CrawlOptions(db_path=db, delay=0, concurrency=4, tz=TZ, backoff=0.01, platform="smf",
                        **kw)


def server() -> DemoServer:
    return DemoServer(build_community(threads_per_board=3), platform="smf")


def topic_requests(srv: DemoServer) -> list[str]:
    return sorted(r.path for r in srv.requests if "topic=" in r.path)


def thread_with(srv: DemoServer, posts: int):
    return next(t for t in srv.community.threads() if len(t.posts) == posts)


def test_forum_crawl_archives_every_post_once_then_unchanged_recrawl(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with server() as srv:
        report = crawl([srv.url + site.INDEX_PATH], options(db))
        threads = srv.community.threads()
        expected = sorted(str(p.uid) for t in threads for p in t.posts)
        assert report.status == "complete" and report.exit_code == 0
        assert report.stats.posts_new == len(expected)
        # The guest pages carry session ids in their links (after "?" then "&amp;" or ";"),
        # and they are stripped before queueing: no URL was fetched with one.
        index = httpx.get(srv.url + site.INDEX_PATH).text
        assert f"?PHPSESSID={site.SESSION};board=2.0" in index
        assert f"?PHPSESSID={site.SESSION}&amp;board=1.0" in index
        srv.reset_log()
        report = crawl([srv.url + site.INDEX_PATH], options(tmp_path / "fresh.db"))
        assert report.status == "complete" and report.stats.posts_new == len(expected)
        assert not [r.path for r in srv.requests if "PHPSESSID" in r.path]
        # Every topic page once (15 posts a page), from the URL the crawl builds.
        pages = sorted(site.thread_path(srv.community, t, n) for t in threads
                       for n in range(1, site.page_count(len(t.posts), site.PER_PAGE) + 1))
        assert topic_requests(srv) == pages

        srv.reset_log()
        again = crawl([srv.url + site.INDEX_PATH], options(db))
        assert again.status == "complete"
        assert topic_requests(srv) == []  # listing pages only
        assert again.stats.threads_skipped == len(threads)
        listing = sorted(r.path for r in srv.requests if r.path != "/robots.txt")
        assert listing == sorted([site.INDEX_PATH] + [site.board_path(b) for b in
                                                      srv.community.all_boards()])

    conn = sqlite3.connect(db)
    uids = [r[0] for r in conn.execute("select external_id from posts order by external_id")]
    assert uids == expected
    rows = conn.execute("select external_id, post_count, status from threads order by 1").fetchall()
    assert rows == sorted((str(t.uid), len(t.posts), "complete") for t in threads)
    quotes = conn.execute("select count(*) from quotes where quoted_name is not null").fetchone()
    assert quotes[0] == sum(_quote_count(p.quotes) for t in threads for p in t.posts)


def _quote_count(quotes) -> int:
    return sum(1 + _quote_count(q.inner) for q in quotes)


def test_recrawl_after_a_reply_fetches_only_that_topic(tmp_path: Path) -> None:
    db = tmp_path / "b.db"
    with server() as srv:
        crawl([srv.url + site.INDEX_PATH], options(db))
        grown = thread_with(srv, 60)  # 4 full pages: the new reply opens page 5
        new = srv.add_reply(grown.uid, "A new reply about the bridge firmware.")
        srv.reset_log()
        report = crawl([srv.url + site.INDEX_PATH], options(db))
        fetched = topic_requests(srv)
    assert report.status == "complete"
    assert report.stats.posts_new == 1
    assert fetched == sorted(site.thread_path(srv.community, grown, n) for n in (4, 5))
    conn = sqlite3.connect(db)
    assert conn.execute("select position from posts where external_id = ?",
                        [str(new)]).fetchone() == (61,)


def test_login_walled_topic_is_recorded_blocked(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    with server() as srv:
        thread = thread_with(srv, 10)
        srv.block_thread(thread.uid, "login")
        report = crawl([srv.url + site.thread_path(srv.community, thread)], options(db))
    assert report.status == "incomplete" and report.exit_code == 1
    conn = sqlite3.connect(db)
    status, reason, posts = conn.execute(
        "select status, status_reason, (select count(*) from posts) from threads"
    ).fetchone()
    assert (status, posts) == ("blocked", 0)
    assert reason == ("SMF wall: The topic or board you are looking for appears to be either "
                      "missing or off limits to you. (page 1)")


def test_deleted_topic_is_recorded_gone(tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    with server() as srv:
        thread = thread_with(srv, 10)
        url = srv.url + site.thread_path(srv.community, thread)
        assert crawl([url], options(db)).status == "complete"
        srv.delete_post(thread.posts[0].uid)  # the opening post takes its topic with it
        crawl([url], options(db, full=True))
        assert [r.status for r in srv.requests if "topic=" in r.path][-1] == 404
    conn = sqlite3.connect(db)
    assert conn.execute("select external_id, status from threads").fetchall() == [
        (str(thread.uid), "gone")
    ]
