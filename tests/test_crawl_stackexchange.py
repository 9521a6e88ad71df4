"""Crawls of the demo community served as a Stack Exchange site over real HTTP on 127.0.0.1:
discovery from the question list, answer pages, change detection, walls, a removed question."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from scraper.crawl import CrawlOptions, crawl
from scraper.demo import DemoServer, build_community
from scraper.demo.renderers import stackexchange as site


def options(db: Path, **kw) -> CrawlOptions:
    return CrawlOptions(db_path=db, delay=0, concurrency=4, backoff=0.01, **kw)


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def question_requests(srv: DemoServer) -> list[str]:
    return sorted(r.path for r in srv.requests if r.path.startswith("/questions/"))


@pytest.fixture
def srv():
    # 5 boards x 4 threads: 20 questions on 2 list pages; the demo's long threads need 2 pages.
    with DemoServer(build_community(threads_per_board=4), platform="stackexchange") as server:
        yield server


def test_whole_site_from_the_question_list_then_unchanged_recrawl(srv, tmp_path):
    db = tmp_path / "se.db"
    report = crawl([srv.url + site.INDEX_PATH], options(db))
    assert report.status == "complete", report.stats.messages
    c = srv.community
    want = sorted((str(t.uid), str(p.uid) if i else str(t.uid), len(t.posts) - 1,
                   p.uid == t.accepted_uid)
                  for t in c.threads() for i, p in enumerate(t.posts))
    got = rows(db, "select t.external_id, p.external_id, t.reply_count, p.is_solution"
                   " from posts p join threads t on t.id = p.thread_id")
    assert sorted((a, b, n, bool(s)) for a, b, n, s in got) == want
    assert rows(db, "select platform from sites") == [("stackexchange",)]
    long = [t for t in c.threads() if site.page_count(t) > 1]
    assert long  # answer pages were followed
    assert rows(db, "select count(*) from threads where status = 'complete'") == [
        (len(c.threads()),)]
    fetched = sum(site.page_count(t) for t in c.threads()) + 2  # + two list pages
    assert report.stats.pages_fetched == fetched  # one request a page: /questions names the site

    srv.reset_log()
    again = crawl([srv.url + site.INDEX_PATH], options(db))
    assert again.status == "complete" and again.stats.posts_new == 0
    assert question_requests(srv) == []  # list pages only
    assert sorted(r.path for r in srv.requests) == [
        "/questions", "/questions?tab=newest&page=2", "/robots.txt"]


def test_a_new_answer_refetches_only_its_question(srv, tmp_path):
    db = tmp_path / "se.db"
    crawl([srv.url + site.INDEX_PATH], options(db))
    thread = min(srv.community.threads(), key=lambda t: len(t.posts))
    new = srv.add_reply(thread.uid, "Checked again this morning: it works now.")
    srv.reset_log()
    report = crawl([srv.url + site.INDEX_PATH], options(db))
    assert report.stats.posts_new == 1
    assert question_requests(srv) == [site.thread_path(srv.community, thread)]
    assert rows(db, f"select p.position, p.body_text from posts p where p.external_id = '{new}'"
                ) == [(len(thread.posts), "Checked again this morning: it works now.")]


def test_a_walled_question_is_blocked_and_a_removed_one_gone(srv, tmp_path):
    db = tmp_path / "se.db"
    walled, removed = srv.community.threads()[:2]
    srv.block_thread(walled.uid, "challenge")
    report = crawl([srv.url + site.INDEX_PATH], options(db))
    assert report.status == "incomplete" and report.stats.blocked == 1
    assert rows(db, f"select status, status_reason from threads where external_id = "
                    f"'{walled.uid}'") == [
        ("blocked", "bot challenge instead of question: Human verification - Stack Exchange"
                    " (page 1)")]
    url = srv.url + site.thread_path(srv.community, removed)
    srv.delete_post(removed.uid)
    crawl([url], options(db))
    assert rows(db, f"select status from threads where external_id = '{removed.uid}'") == [
        ("gone",)]
    assert rows(db, f"select count(*) from posts p join threads t on t.id = p.thread_id"
                    f" where t.external_id = '{removed.uid}' and p.deleted_at is null") == [
        (len(removed.posts),)]  # what was archived stays
