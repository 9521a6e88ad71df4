"""Crawls over real HTTP: the demo community served on 127.0.0.1 by the test itself."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scraper.crawl import CrawlError, CrawlOptions, crawl, crawl_lock
from scraper.demo import DemoServer, Faults, build_community, render
from scraper.demo.content import SITE_TZ

TZ = SITE_TZ.key
ROOT = Path(__file__).resolve().parents[1]


def options(db: Path, **kw) -> CrawlOptions:
    return CrawlOptions(db_path=db, delay=0, concurrency=4, tz=TZ, backoff=0.01, **kw)


def thread_path(srv: DemoServer, uid: int, page: int = 1) -> str:
    thread = srv.community.thread(uid)
    return render.thread_url(srv.community.board(thread.board_id), thread, page)


def hubs_thread(srv: DemoServer, posts: int):
    """A thread of the 'hubs' board with this many posts (the demo fixes their sizes)."""
    return next(t for t in srv.community.board("hubs").threads if len(t.posts) == posts)


def archived(db: Path) -> list[tuple]:
    """The archive's parsed content, independent of fetch times and run bookkeeping."""
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "select t.external_id, p.external_id, p.position, p.page_number, u.name, p.posted_at,"
        " p.body_text, p.score, p.is_solution, p.deleted_at is not null, p.content_hash"
        " from posts p join threads t on t.id = p.thread_id left join users u on u.id = p.author_id"
        " order by t.external_id, p.external_id"
    ).fetchall()
    rows += conn.execute(
        "select external_id, title, reply_count, post_count, solved, status, page_count"
        " from threads order by external_id"
    ).fetchall()
    rows += conn.execute(
        "select p.external_id, q.position, q.depth, q.quoted_name, q.text from quotes q"
        " join posts p on p.id = q.post_id order by p.external_id, q.position"
    ).fetchall()
    rows += conn.execute("select external_id, title, kind from boards order by 1").fetchall()
    conn.close()
    return rows


def thread_requests(srv: DemoServer) -> list[str]:
    return [r.path for r in srv.requests if "/td-p/" in r.path]


def test_thread_crawl_follows_pagination_and_retries(tmp_path: Path) -> None:
    with DemoServer(faults=Faults(retry_after=1)) as srv:
        thread = hubs_thread(srv, 60)
        url = srv.url + thread_path(srv, thread.uid)
        page2, page3 = thread_path(srv, thread.uid, 2), thread_path(srv, thread.uid, 3)
        srv.script(page2, [503])
        srv.script(page3, [429])  # answered with Retry-After: 1
        report = crawl([url], options(tmp_path / "a.db"))

        assert report.status == "complete" and report.exit_code == 0
        assert report.stats.posts_new == 60
        times = [r.time for r in srv.requests if r.path == page3]
        assert [r.status for r in srv.requests if r.path == page2] == [503, 200]
        assert [r.status for r in srv.requests if r.path == page3] == [429, 200]
        assert times[1] - times[0] >= 1.0
        # Pagination of this thread only: six pages, no other thread (not the next-topic link).
        assert sorted(set(thread_requests(srv))) == sorted(
            thread_path(srv, thread.uid, n) for n in range(1, 7)
        )

    conn = sqlite3.connect(tmp_path / "a.db")
    uids = [r[0] for r in conn.execute("select external_id from posts order by position")]
    assert uids == [str(p.uid) for p in thread.posts]
    row = conn.execute("select status, post_count, reply_count, page_count from threads")
    assert row.fetchall() == [("complete", 60, 59, 6)]


def test_message_permalink_archives_its_whole_thread(tmp_path: Path) -> None:
    with DemoServer() as srv:
        thread = hubs_thread(srv, 23)
        board = srv.community.board(thread.board_id)
        permalink = srv.url + render.message_url(board, thread, thread.posts[14])  # page 2
        report = crawl([permalink], options(tmp_path / "mp.db"))
    assert report.status == "complete"
    conn = sqlite3.connect(tmp_path / "mp.db")
    uids = [r[0] for r in conn.execute("select external_id from posts order by position")]
    assert uids == [str(p.uid) for p in thread.posts]
    assert conn.execute("select external_id, status from threads").fetchall() == [
        (str(thread.uid), "complete")
    ]


def test_blocked_thread_is_recorded_not_empty(tmp_path: Path) -> None:
    with DemoServer() as srv:
        thread = hubs_thread(srv, 10)
        srv.block_thread(thread.uid, "login")
        report = crawl([srv.url + thread_path(srv, thread.uid)], options(tmp_path / "b.db"))
    assert report.status == "incomplete" and report.exit_code == 1
    conn = sqlite3.connect(tmp_path / "b.db")
    status, reason, posts = conn.execute(
        "select status, status_reason, (select count(*) from posts) from threads"
    ).fetchone()
    assert (status, posts) == ("blocked", 0)
    assert reason.startswith("login wall")
    assert conn.execute("select parse_status from pages").fetchall() == [("blocked",)]


def test_truncated_page_keeps_what_was_archived(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    with DemoServer() as srv:
        thread = hubs_thread(srv, 23)
        url = srv.url + thread_path(srv, thread.uid)
        assert crawl([url], options(db)).status == "complete"
        before = archived(db)
        srv.script(thread_path(srv, thread.uid, 2), ["truncate"] * 5)
        report = crawl([url], options(db, full=True))
    assert report.status == "incomplete"
    assert any("truncated" in m for m in report.stats.messages)
    conn = sqlite3.connect(db)
    assert conn.execute("select status from threads").fetchone() == ("partial",)
    errors = conn.execute("select error from pages where parse_status = 'fetch-failed'").fetchall()
    assert len(errors) == 1 and "truncated" in errors[0][0]
    # The posts archived before are all still there, unchanged.
    assert [r for r in archived(db) if len(r) == 11] == [r for r in before if len(r) == 11]


def test_community_crawl_then_unchanged_recrawl(tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    with DemoServer() as srv:
        report = crawl([srv.url + "/"], options(db))
        expected = sorted(str(p.uid) for t in srv.community.threads() for p in t.posts)
        assert report.status == "complete"
        assert report.stats.posts_new == len(expected)
        # Robots-disallowed paths (reply and kudos links on every page) are never fetched,
        # nor anything but the demo's own pages.
        assert not [r for r in srv.requests if "/replypage/" in r.path or "/kudos/" in r.path]

        srv.reset_log()
        again = crawl([srv.url + "/"], options(db))
        assert again.status == "complete"
        assert thread_requests(srv) == []
        assert again.stats.threads_skipped == len(list(srv.community.threads()))

    conn = sqlite3.connect(db)
    uids = [r[0] for r in conn.execute("select external_id from posts order by external_id")]
    assert uids == expected  # every post exactly once
    statuses = conn.execute("select status, count(*) from threads group by status").fetchall()
    assert statuses == [("complete", len(list(srv.community.threads())))]


def test_recrawl_fetches_only_changed_pages(tmp_path: Path) -> None:
    db = tmp_path / "e.db"
    with DemoServer() as srv:
        crawl([srv.url + "/"], options(db))
        grown = hubs_thread(srv, 41)  # 5 pages; new replies land on page 5
        edited = hubs_thread(srv, 11)  # 2 pages; its last post is edited and a reply added
        shrunk = hubs_thread(srv, 23)  # 3 pages; a reply on page 3 is deleted
        srv.add_reply(grown.uid, "A brand new reply about the firmware rollback.")
        srv.add_reply(grown.uid, "And a second new reply.")
        edited_uid = edited.posts[-1].uid
        srv.edit_post(edited_uid, "Edited: the fix was the power supply after all.")
        srv.add_reply(edited.uid, "Confirming the power supply fix.")
        deleted_uid = shrunk.posts[-2].uid
        srv.delete_post(deleted_uid)
        srv.reset_log()

        report = crawl([srv.url + "/"], options(db))
        fetched = sorted(set(thread_requests(srv)))

    assert report.status == "complete"
    assert fetched == sorted(
        [thread_path(srv, grown.uid, 5), thread_path(srv, edited.uid, 2)]
        + [thread_path(srv, shrunk.uid, n) for n in (1, 2, 3)]
    )
    assert (report.stats.posts_new, report.stats.posts_changed, report.stats.posts_deleted) == (
        3, 1, 1
    )
    conn = sqlite3.connect(db)
    assert conn.execute(
        "select deleted_at is not null from posts where external_id = ?", [str(deleted_uid)]
    ).fetchone() == (1,)
    versions = conn.execute(
        "select v.body_text from post_versions v join posts p on p.id = v.post_id"
        " where p.external_id = ? order by v.id", [str(edited_uid)]
    ).fetchall()
    assert len(versions) == 2 and versions[1][0].startswith("Edited: the fix")


def test_robots_disallowed_board_is_skipped_not_failed(tmp_path: Path) -> None:
    board = build_community().board("billing")
    prefix = render.board_url(board).split("/bd-p/")[0] + "/"  # the board and its threads
    with DemoServer(robots=f"User-agent: *\nDisallow: {prefix}\n") as srv:
        report = crawl([srv.url + "/"], options(tmp_path / "r.db"))
        assert not [r for r in srv.requests if r.path.startswith(prefix)]
    # The board and the link to its latest post on its category page.
    assert (report.status, report.stats.robots_skipped, report.stats.errors) == ("complete", 2, 0)
    archived_threads = sqlite3.connect(tmp_path / "r.db").execute("select count(*) from threads")
    others = sum(len(b.threads) for b in srv.community.all_boards() if b.id != "billing")
    assert archived_threads.fetchone() == (others,)


def test_offsite_redirect_is_never_followed(tmp_path: Path) -> None:
    path = "/t5/Elsewhere/bd-p/elsewhere"
    with DemoServer(faults=Faults(offsite_redirect_path=path)) as srv:
        report = crawl([srv.url + path], options(tmp_path / "f.db"))
        assert [r.path for r in srv.requests if r.path.startswith("/t5/")] == [path]
    assert report.exit_code == 1
    refusal = f"redirect to another host: 127.0.0.2:{srv.port}"
    assert report.stats.messages == [f"{srv.url}{path}: {refusal}"]


def test_second_concurrent_crawl_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    url = "http://127.0.0.1:9/t5/Hubs/bd-p/hubs"
    with crawl_lock(db):
        with pytest.raises(CrawlError, match="another crawl is already running"):
            crawl([url], options(db))
        proc = subprocess.run(
            [sys.executable, "-m", "scraper", "crawl", url, "--db", str(db)],
            capture_output=True, text=True, cwd=ROOT, timeout=60,
        )
    assert proc.returncode == 2
    assert proc.stderr == f"Error: another crawl is already running on {db}\n"


def run_cli_crawl(url: str, db: Path, concurrency: int = 4) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "scraper", "crawl", url, "--db", str(db), "--delay", "0",
         "--concurrency", str(concurrency), "--tz", TZ, "--quiet"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def pages_archived(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        return conn.execute("select count(*) from pages").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_kill_9_then_resume_gives_the_same_archive(tmp_path: Path) -> None:
    """Kill the crawl process at five points of its progress; each next run resumes it."""
    with DemoServer(latency=0.01) as srv:
        reference = tmp_path / "ref.db"
        assert run_cli_crawl(srv.url + "/", reference).wait(120) == 0
        db = tmp_path / "killed.db"
        killed_at = []
        for target in (3, 15, 35, 55, 75):
            proc = run_cli_crawl(srv.url + "/", db, concurrency=1)
            deadline = time.monotonic() + 60
            while pages_archived(db) < target and proc.poll() is None:
                assert time.monotonic() < deadline
                time.sleep(0.005)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(60)
            killed_at.append(pages_archived(db))
        final = run_cli_crawl(srv.url + "/", db)
        assert final.wait(120) == 0, final.stderr.read()
    assert killed_at == sorted(killed_at) and killed_at[-1] < 96  # killed mid-crawl each time
    assert archived(db) == archived(reference)
