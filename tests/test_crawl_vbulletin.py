"""Crawls of the demo community served as a vBulletin 4 board over real HTTP on 127.0.0.1."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from scraper.crawl import CrawlOptions, crawl
from scraper.demo import DemoServer, build_community
from scraper.demo.renderers import vbulletin as board

INDEX = board.INDEX_PATH


def options(db: Path) -> CrawlOptions:
    return CrawlOptions(db_path=db, delay=0, concurrency=4, backoff=0.01, platform="vbulletin")


def server() -> DemoServer:
    return DemoServer(build_community(threads_per_board=3), platform="vbulletin")


def thread_requests(srv: DemoServer) -> list[str]:
    return sorted(r.path for r in srv.requests if "/showthread.php" in r.path)


def minute(when: datetime) -> str:
    """An instant as the board shows it (to the minute), in UTC ISO form."""
    return when.astimezone(UTC).replace(second=0).isoformat()


def test_whole_board_then_unchanged_and_changed_recrawls(tmp_path: Path) -> None:
    db = tmp_path / "vb.db"
    with server() as srv:
        community = srv.community
        report = crawl([srv.url + INDEX], options(db))
        threads = community.threads()
        posts = [p for t in threads for p in t.posts]
        assert report.status == "complete"
        assert report.stats.posts_new == len(posts)
        # every thread page fetched once, under one URL without the guest session id
        pages = [board.thread_path(community, t, n) for t in threads
                 for n in range(1, (len(t.posts) + 9) // 10 + 1)]
        assert thread_requests(srv) == sorted(pages)
        assert not [r for r in srv.requests if "s=" in r.path]
        listing_pages = len(srv.requests) - len(pages) - 1  # robots.txt

        srv.reset_log()
        again = crawl([srv.url + INDEX], options(db))
        assert again.status == "complete"
        assert thread_requests(srv) == []  # listing pages only
        assert len(srv.requests) - 1 == listing_pages
        assert again.stats.threads_skipped == len(threads)

        grown = max(threads, key=lambda t: len(t.posts))  # 60 posts: 6 pages, a 7th after
        count = len(grown.posts)
        srv.add_reply(grown.uid, "A new reply after the first crawl.")
        srv.reset_log()
        third = crawl([srv.url + INDEX], options(db))
        assert third.status == "complete" and third.stats.posts_new == 1
        last_page = (count + 9) // 10
        assert thread_requests(srv) == sorted(
            board.thread_path(community, grown, n) for n in (last_page, last_page + 1)
        )

    conn = sqlite3.connect(db)
    rows = conn.execute(
        "select p.external_id, p.position, u.name, p.posted_at from posts p"
        " left join users u on u.id = p.author_id order by p.external_id"
    ).fetchall()
    expected = sorted(
        (str(p.uid), i + 1, p.author.login, minute(p.posted_at))
        for t in community.threads() for i, p in enumerate(t.posts)
    )
    assert rows == expected  # every post once, in place, with its exact instant
    statuses = conn.execute("select status, count(*) from threads group by status").fetchall()
    assert statuses == [("complete", len(community.threads()))]
    quotes = conn.execute("select count(*) from quotes").fetchone()[0]
    assert quotes == sum(_quote_count(p.quotes) for t in community.threads() for p in t.posts)
    boards = {r[0] for r in conn.execute("select external_id from boards")}
    assert {b.id for b in community.all_boards()} <= boards


def _quote_count(quotes) -> int:
    return sum(1 + _quote_count(q.inner) for q in quotes)


def test_login_walled_and_deleted_topics(tmp_path: Path) -> None:
    db = tmp_path / "walls.db"
    with server() as srv:
        community = srv.community
        walled, deleted = community.board("billing").threads[:2]
        srv.block_thread(walled.uid, "login")
        deleted_url = srv.url + board.thread_path(community, deleted)
        srv.delete_post(deleted.uid)  # the opening post: the whole topic goes
        report = crawl([srv.url + INDEX, deleted_url], options(db))
    assert report.status == "incomplete"
    conn = sqlite3.connect(db)
    status = dict(conn.execute("select external_id, status from threads").fetchall())
    assert status[str(walled.uid)] == "blocked"
    assert status[str(deleted.uid)] == "gone"
    reason = conn.execute("select status_reason from threads where external_id = ?",
                          [str(walled.uid)]).fetchone()[0]
    assert reason.startswith("login wall: You are not logged in")
    posts = conn.execute("select count(*) from posts p join threads t on t.id = p.thread_id"
                         " where t.external_id in (?, ?)", [str(walled.uid), str(deleted.uid)])
    assert posts.fetchone()[0] == 0
