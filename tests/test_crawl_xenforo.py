"""Crawls of the demo community served as a XenForo site on 127.0.0.1 (real HTTP)."""

from __future__ import annotations

import sqlite3
from datetime import UTC
from pathlib import Path

from demo_crawl import all_threads, posts_of, whole_forum_then_unchanged

from scraper.crawl import CrawlOptions, crawl
from scraper.demo import DemoServer, build_community
from scraper.demo.renderers import xenforo as site


def options(db: Path, **kw) -> CrawlOptions:
    return CrawlOptions(db_path=db, delay=0, concurrency=4, backoff=0.01, platform="xenforo", **kw)


def server() -> DemoServer:
    return DemoServer(build_community(threads_per_board=3), platform="xenforo")


def thread_requests(srv: DemoServer) -> list[str]:
    return [r.path for r in srv.requests if r.path.startswith("/threads/")]




def test_node_ids_are_distinct_numbers() -> None:
    c = build_community(threads_per_board=1)
    ids = [site.node_id("c", x.id) for x in c.all_categories()]
    ids += [site.node_id("b", b.id) for b in c.all_boards()]
    assert len(ids) == len(set(ids))


def test_whole_forum_crawl_then_unchanged_recrawl(tmp_path: Path) -> None:
    db = tmp_path / "xf.db"
    with server() as srv:
        threads = whole_forum_then_unchanged(srv, site, db, options(db), thread_requests)

    conn = sqlite3.connect(db)
    big = max(threads, key=lambda t: len(t.posts))
    row = conn.execute("select title, post_count, page_count, status from threads"
                       " where external_id = ?", [str(big.uid)]).fetchone()
    assert row == (big.subject, len(big.posts), site.thread_page_count(big), "complete")
    first = big.posts[0]
    name, posted = conn.execute(
        "select u.name, p.posted_at from posts p join users u on u.id = p.author_id"
        " where p.external_id = ?", [str(first.uid)]).fetchone()
    assert name == first.author.login
    accepted = sorted(str(t.accepted_uid) for t in threads if t.accepted_uid)
    solutions = conn.execute("select external_id from posts where is_solution order by 1")
    assert accepted and [r[0] for r in solutions] == accepted
    assert posted == first.posted_at.astimezone(UTC).isoformat()


def test_recrawl_after_a_reply_fetches_only_that_thread(tmp_path: Path) -> None:
    db = tmp_path / "xf.db"
    with server() as srv:
        crawl([srv.url + "/"], options(db))
        grown = max(all_threads(srv), key=lambda t: len(t.posts))
        last_page = site.thread_page_count(grown)
        srv.add_reply(grown.uid, "A fresh reply about the bridge firmware.")
        srv.reset_log()
        report = crawl([srv.url + "/"], options(db))
        fetched = sorted(set(thread_requests(srv)))
        pages = site.thread_page_count(grown)
        assert report.status == "complete"
        assert fetched == sorted(site.thread_path(srv.community, grown, n)
                                 for n in range(last_page, pages + 1))
        assert report.stats.posts_new == 1


def test_post_permalink_archives_its_whole_thread(tmp_path: Path) -> None:
    db = tmp_path / "xf.db"
    with server() as srv:
        thread = max(all_threads(srv), key=lambda t: len(t.posts))
        report = crawl([f"{srv.url}/posts/{thread.posts[-1].uid}/"], options(db))
        assert report.status == "complete", report.stats.messages
    assert posts_of(db) == sorted((str(thread.uid), str(p.uid)) for p in thread.posts)


def test_login_walled_and_deleted_threads(tmp_path: Path) -> None:
    db = tmp_path / "xf.db"
    with server() as srv:
        threads = all_threads(srv)
        walled, deleted = threads[0], threads[1]
        srv.block_thread(walled.uid, "login")
        crawl([srv.url + "/"], options(db))
        srv.delete_post(deleted.uid)  # the opening post: the whole thread goes
        report = crawl([srv.url + site.thread_path(srv.community, deleted)], options(db))
        assert report.exit_code == 1
    conn = sqlite3.connect(db)
    status, reason = conn.execute("select status, status_reason from threads where external_id = ?",
                                  [str(walled.uid)]).fetchone()
    assert status == "blocked" and reason.startswith("login wall")
    assert "You must be logged-in to do that." in reason
    assert conn.execute("select count(*) from posts p join threads t on t.id = p.thread_id"
                        " where t.external_id = ?", [str(walled.uid)]).fetchone() == (0,)
    assert conn.execute("select status from threads where external_id = ?",
                        [str(deleted.uid)]).fetchone() == ("gone",)
