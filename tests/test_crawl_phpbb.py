"""Crawls of the demo community served as a phpBB board over real HTTP on 127.0.0.1."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from scraper.crawl import CrawlOptions, crawl
from scraper.demo import DemoServer, build_community
from scraper.demo.content import SITE_TZ
from scraper.demo.renderers import phpbb as board

INDEX = board.INDEX_PATH


def options(db: Path, **kw) -> CrawlOptions:
    return CrawlOptions(db_path=db, delay=0, concurrency=4, backoff=0.01, platform="phpbb",
                        tz=SITE_TZ.key, **kw)


def server() -> DemoServer:
    return DemoServer(build_community(threads_per_board=3), platform="phpbb")


def topic_requests(srv: DemoServer) -> list[str]:
    return [r.path for r in srv.requests if r.path.startswith("/viewtopic.php")]


def topic_path(srv: DemoServer, uid: int, page: int = 1) -> str:
    return board.thread_path(srv.community, srv.community.thread(uid), page)


def posts_by_thread(db: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "select t.external_id, p.external_id from posts p join threads t on t.id = p.thread_id"
        " order by t.external_id, p.position"
    ).fetchall()
    found: dict[str, list[str]] = {}
    for thread, post in rows:
        found.setdefault(thread, []).append(post)
    return found


def test_whole_board_from_the_index_then_unchanged_recrawl(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with server() as srv:
        report = crawl([srv.url + INDEX], options(db))
        threads = srv.community.threads()
        assert report.status == "complete", report.stats.messages
        expected = {str(t.uid): [str(p.uid) for p in t.posts] for t in threads}
        assert posts_by_thread(db) == expected  # every topic and post, once, in order
        # No page fetched twice under two session ids, and every topic page exactly once.
        paths = [r.path for r in srv.requests]
        assert not [p for p in paths if "sid=" in p]
        assert len(paths) == len(set(paths))
        pages = sum(-(-len(t.posts) // board.POSTS_PER_PAGE) for t in threads)
        assert len(topic_requests(srv)) == pages
        listings = len(paths) - pages - 1  # robots.txt
        print(f"whole-board crawl: {len(paths)} requests for {pages} topic pages and "
              f"{listings} listing pages")

        srv.reset_log()
        again = crawl([srv.url + INDEX], options(db))
        assert again.status == "complete"
        assert topic_requests(srv) == []  # listing pages only
        assert again.stats.threads_skipped == len(threads)
        assert len([r for r in srv.requests if r.path != "/robots.txt"]) == listings

    conn = sqlite3.connect(db)
    statuses = conn.execute("select status, count(*) from threads group by status").fetchall()
    assert statuses == [("complete", len(threads))]
    quotes = conn.execute(
        "select p.external_id, q.quoted_name, q.quoted_post_external_id from quotes q"
        " join posts p on p.id = q.post_id where q.depth = 1 order by 1, q.position"
    ).fetchall()
    assert quotes == sorted(
        (str(p.uid), q.author, str(q.post_uid) if q.post_uid else None)
        for t in threads for p in t.posts for q in p.quotes
    )
    names = conn.execute("select p.external_id, u.name from posts p join users u"
                         " on u.id = p.author_id order by 1").fetchall()
    assert names == sorted((str(p.uid), p.author.login) for t in threads for p in t.posts)


def test_pagination_both_ways_and_reply_recrawl(tmp_path: Path) -> None:
    db = tmp_path / "b.db"
    with server() as srv:
        crawl([srv.url + INDEX], options(db))
        long = max(srv.community.threads(), key=lambda t: len(t.posts))
        pages = -(-len(long.posts) // board.POSTS_PER_PAGE)
        assert pages >= 3
        srv.add_reply(long.uid, "A new reply on the last page.")
        srv.reset_log()
        report = crawl([srv.url + INDEX], options(db))
        new_pages = -(-len(long.posts) // board.POSTS_PER_PAGE)
        fetched = sorted(set(topic_requests(srv)))

    assert report.status == "complete"
    assert report.stats.posts_new == 1
    assert fetched == sorted(topic_path(srv, long.uid, n) for n in range(pages, new_pages + 1))
    assert posts_by_thread(db)[str(long.uid)] == [str(p.uid) for p in long.posts]
    conn = sqlite3.connect(db)
    row = conn.execute("select reply_count, page_count from threads where external_id = ?",
                       [str(long.uid)]).fetchone()
    assert row == (len(long.posts) - 1, new_pages)


def test_login_walled_topic_is_blocked_and_deleted_topic_gone(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    with server() as srv:
        walled, doomed = srv.community.board("hubs").threads[:2]
        srv.block_thread(walled.uid)
        report = crawl([srv.url + INDEX], options(db))
        assert report.status == "incomplete"
        doomed_url = srv.url + topic_path(srv, doomed.uid)
        srv.delete_post(doomed.uid)  # the opening post: the whole topic goes
        gone = crawl([doomed_url], options(db))
        assert gone.exit_code == 1

    conn = sqlite3.connect(db)
    status, reason = conn.execute(
        "select status, status_reason from threads where external_id = ?", [str(walled.uid)]
    ).fetchone()
    assert status == "blocked"
    assert reason.startswith("login wall: The board requires you to be registered")
    assert conn.execute("select count(*) from posts p join threads t on t.id = p.thread_id"
                        " where t.external_id = ?", [str(walled.uid)]).fetchone() == (0,)
    assert conn.execute("select status from threads where external_id = ?",
                        [str(doomed.uid)]).fetchone() == ("gone",)


def test_a_post_permalink_archives_its_whole_topic(tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    with server() as srv:
        long = max(srv.community.threads(), key=lambda t: len(t.posts))
        post = long.posts[board.POSTS_PER_PAGE + 2]  # on page 2
        permalink = f"{srv.url}/viewtopic.php?p={post.uid}&sid={'0' * 32}#p{post.uid}"
        report = crawl([permalink], options(db))
    assert report.status == "complete", report.stats.messages
    assert posts_by_thread(db) == {str(long.uid): [str(p.uid) for p in long.posts]}
