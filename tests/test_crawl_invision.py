"""Crawls of the demo community served as an Invision Community site on 127.0.0.1 (real HTTP)."""

from __future__ import annotations

import sqlite3
from datetime import UTC
from pathlib import Path

from demo_crawl import all_threads, posts_of, whole_forum_then_unchanged

from scraper.crawl import CrawlOptions, crawl
from scraper.demo import DemoServer, build_community
from scraper.demo.renderers import invision as site


def options(db: Path, **kw) -> CrawlOptions:
    return CrawlOptions(db_path=db, delay=0, concurrency=4, backoff=0.01, platform="invision", **kw)


def server() -> DemoServer:
    return DemoServer(build_community(threads_per_board=3), platform="invision")


def topic_requests(srv: DemoServer) -> list[str]:
    return [r.path for r in srv.requests if r.path.startswith("/topic/")]




def test_forum_numbers_are_distinct() -> None:
    c = build_community(threads_per_board=1)
    ids = [site.node_id("c", x.id) for x in c.all_categories()]
    ids += [site.node_id("b", b.id) for b in c.all_boards()]
    assert len(ids) == len(set(ids))


def test_whole_forum_crawl_then_unchanged_recrawl(tmp_path: Path) -> None:
    db = tmp_path / "ips.db"
    with server() as srv:
        threads = whole_forum_then_unchanged(srv, site, db, options(db), topic_requests)

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
    assert posted == first.posted_at.astimezone(UTC).isoformat()
    accepted = sorted(str(t.accepted_uid) for t in threads if t.accepted_uid)
    solutions = conn.execute("select external_id from posts where is_solution order by 1")
    assert accepted and [r[0] for r in solutions] == accepted
    liked = [p for t in threads for p in t.posts if p.kudos]
    scores = dict(conn.execute("select external_id, score from posts").fetchall())
    assert liked and all(scores[str(p.uid)] == p.kudos for p in liked)


def test_recrawl_after_a_reply_fetches_only_that_topic(tmp_path: Path) -> None:
    db = tmp_path / "ips.db"
    with server() as srv:
        crawl([srv.url + "/"], options(db))
        grown = max(all_threads(srv), key=lambda t: len(t.posts))
        last_page = site.thread_page_count(grown)
        srv.add_reply(grown.uid, "A fresh reply about the skimmer pump.")
        srv.reset_log()
        report = crawl([srv.url + "/"], options(db))
        fetched = sorted(set(topic_requests(srv)))
        pages = site.thread_page_count(grown)
        assert report.status == "complete"
        assert fetched == sorted(site.thread_path(srv.community, grown, n)
                                 for n in range(last_page, pages + 1))
        assert report.stats.posts_new == 1


def test_post_permalink_archives_its_whole_topic(tmp_path: Path) -> None:
    db = tmp_path / "ips.db"
    with server() as srv:
        thread = max(all_threads(srv), key=lambda t: len(t.posts))
        link = (f"{srv.url}{site.thread_path(srv.community, thread)}"
                f"?do=findComment&comment={thread.posts[-1].uid}")
        report = crawl([link], options(db))
        assert report.status == "complete", report.stats.messages
    assert posts_of(db) == sorted((str(thread.uid), str(p.uid)) for p in thread.posts)


def test_sign_in_walled_and_deleted_topics(tmp_path: Path) -> None:
    db = tmp_path / "ips.db"
    with server() as srv:
        threads = all_threads(srv)
        walled, deleted = threads[0], threads[1]
        srv.block_thread(walled.uid, "login")
        crawl([srv.url + "/"], options(db))
        srv.delete_post(deleted.uid)  # the opening post: the whole topic goes
        report = crawl([srv.url + site.thread_path(srv.community, deleted)], options(db))
        assert report.exit_code == 1
    conn = sqlite3.connect(db)
    status, reason = conn.execute("select status, status_reason from threads where external_id = ?",
                                  [str(walled.uid)]).fetchone()
    assert (status, reason) == ("blocked", "login wall instead of posts: Sign In (page 1)")
    assert conn.execute("select count(*) from posts p join threads t on t.id = p.thread_id"
                        " where t.external_id = ?", [str(walled.uid)]).fetchone() == (0,)
    assert conn.execute("select status from threads where external_id = ?",
                        [str(deleted.uid)]).fetchone() == ("gone",)


def test_challenge_wall_is_blocked_not_empty(tmp_path: Path) -> None:
    db = tmp_path / "ips.db"
    with server() as srv:
        thread = all_threads(srv)[2]
        srv.block_thread(thread.uid, "challenge")
        report = crawl([srv.url + site.thread_path(srv.community, thread)], options(db))
        assert report.exit_code == 1
    conn = sqlite3.connect(db)
    status, reason = conn.execute("select status, status_reason from threads where external_id = ?",
                                  [str(thread.uid)]).fetchone()
    assert status == "blocked" and reason.startswith("bot challenge instead of posts")
