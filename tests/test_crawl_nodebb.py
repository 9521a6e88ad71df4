"""Crawls of the demo community served as a NodeBB forum over real HTTP on 127.0.0.1: the read
API from the category index down, its HTML fallback, topic pages, change detection, walls, and
one post identity (the pid) whichever route read it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from scraper.crawl import CrawlOptions, crawl
from scraper.demo import DemoServer, build_community
from scraper.demo.renderers import nodebb as site


def options(db: Path, **kw) -> CrawlOptions:
    return CrawlOptions(db_path=db, delay=0, concurrency=4, backoff=0.01, **kw)


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def paths(srv: DemoServer, start: str) -> list[str]:
    return sorted(r.path for r in srv.requests if r.path.startswith(start))


def every_post(srv: DemoServer) -> list[tuple]:
    c = srv.community
    return sorted((str(t.uid), str(p.uid), i + 1, p.author.login, p.uid == t.accepted_uid)
                  for t in c.threads() for i, p in enumerate(t.posts))


ARCHIVED = ("select t.external_id, p.external_id, p.position, u.name, p.is_solution from posts p"
            " join threads t on t.id = p.thread_id join users u on u.id = p.author_id")


@pytest.fixture
def srv():
    # 7 categories x 3 topics; the demo's long topics need 2 and 3 pages of 20 posts.
    with DemoServer(build_community(threads_per_board=3), platform="nodebb") as server:
        yield server


def topic_pages(srv: DemoServer) -> int:
    return sum(site.page_count(t) for t in srv.community.threads())


def test_whole_forum_through_the_api_then_an_unchanged_recrawl(srv, tmp_path):
    db = tmp_path / "nb.db"
    report = crawl([srv.url + site.INDEX_PATH], options(db))
    assert report.status == "complete", report.stats.messages
    assert report.stats.messages == []
    got = rows(db, ARCHIVED)
    assert sorted((a, b, n, u, bool(s)) for a, b, n, u, s in got) == every_post(srv)
    assert any(site.page_count(t) == 3 for t in srv.community.threads())
    assert paths(srv, "/topic/") == [] and paths(srv, "/category/") == []
    assert len(paths(srv, "/api/topic/")) == topic_pages(srv)
    categories = len(srv.community.all_categories()) + len(srv.community.all_boards())
    assert report.stats.pages_fetched == 1 + categories + topic_pages(srv)
    assert rows(db, "select platform from sites") == [("nodebb",)]
    assert rows(db, "select count(*) from threads where status = 'complete'") == [
        (len(srv.community.threads()),)]

    srv.reset_log()
    again = crawl([srv.url + site.INDEX_PATH], options(db))
    assert again.status == "complete" and again.stats.posts_new == 0
    assert paths(srv, "/api/topic/") == []  # categories only
    assert len(paths(srv, "/api/category/")) == categories


def test_a_new_reply_refetches_only_the_last_page_of_its_topic(srv, tmp_path):
    db = tmp_path / "nb.db"
    crawl([srv.url + site.INDEX_PATH], options(db))
    thread = max(srv.community.threads(), key=lambda t: len(t.posts))
    assert len(thread.posts) % site.POSTS_PER_PAGE == 0  # the reply opens a new page
    last = site.page_count(thread)
    new = srv.add_reply(thread.uid, "Checked again this morning: it works now.")
    srv.reset_log()
    report = crawl([srv.url + site.INDEX_PATH], options(db))
    assert report.stats.posts_new == 1
    assert paths(srv, "/api/topic/") == [  # from the last archived page on
        "/api" + site.thread_path(srv.community, thread, n) for n in (last, last + 1)]
    assert rows(db, f"select position, body_text from posts where external_id = '{new}'") == [
        (len(thread.posts), "Checked again this morning: it works now.")]


def test_a_refused_api_falls_back_to_html_once_and_archives_the_same(srv, tmp_path):
    db = tmp_path / "nb.db"
    srv.script("/api/categories", [403])
    report = crawl([srv.url + site.INDEX_PATH], options(db))
    assert report.status == "complete"
    assert report.stats.messages == [
        f"{srv.url}: its JSON API answered HTTP 403; reading HTML pages instead this run"]
    assert paths(srv, "/api/") == ["/api/categories"]
    assert len(paths(srv, "/topic/")) == topic_pages(srv)
    got = rows(db, ARCHIVED)
    assert sorted((a, b, n, u, bool(s)) for a, b, n, u, s in got) == every_post(srv)


def test_an_html_run_then_an_api_run_never_duplicate_a_post(srv, tmp_path):
    db = tmp_path / "nb.db"
    crawl([srv.url + site.INDEX_PATH], options(db, via="html"))
    assert paths(srv, "/api/") == []
    before = rows(db, "select external_id, content_hash, author_id from posts order by id")
    topics = [srv.url + site.thread_path(srv.community, t) for t in srv.community.threads()]
    srv.reset_log()
    report = crawl(topics, options(db, via="api"))
    assert report.status == "complete", report.stats.messages
    assert len(paths(srv, "/api/topic/")) == topic_pages(srv) and paths(srv, "/topic/") == []
    assert report.stats.posts_new == 0 and report.stats.posts_changed == 0
    assert rows(db, "select external_id, content_hash, author_id from posts order by id"
                ) == before
    assert rows(db, "select count(*) from users") == rows(
        db, "select count(distinct author_id) from posts")


def test_walls_and_a_removed_topic(srv, tmp_path):
    db = tmp_path / "nb.db"
    walled, challenged, removed = srv.community.threads()[:3]
    srv.block_thread(walled.uid, "login")
    srv.block_thread(challenged.uid, "challenge")
    report = crawl([srv.url + site.INDEX_PATH], options(db))
    assert report.status == "incomplete" and report.stats.blocked == 2
    fallbacks = [m for m in report.stats.messages if "its JSON API answered" in m]
    assert fallbacks in (  # whichever walled topic's API answer came first
        [f"{srv.url}: its JSON API answered HTTP 401; reading HTML pages instead this run"],
        [f"{srv.url}: its JSON API answered text/html instead of JSON; reading HTML pages"
         " instead this run"])
    reasons = dict(rows(db, "select external_id, status_reason from threads"
                            " where status = 'blocked'"))
    assert reasons == {
        str(walled.uid): "login wall: sign-in page instead of posts: Login to your account"
                         " | HomeCue Community (page 1)",
        str(challenged.uid): "bot challenge instead of posts: Just a moment... (page 1)",
    }
    url = srv.url + site.thread_path(srv.community, removed)
    srv.delete_post(removed.uid)
    crawl([url], options(db))
    assert rows(db, f"select status from threads where external_id = '{removed.uid}'") == [
        ("gone",)]


def test_a_post_permalink_archives_its_topic(srv, tmp_path):
    thread = max(srv.community.threads(), key=lambda t: len(t.posts))
    post = thread.posts[25]
    db = tmp_path / "nb.db"
    report = crawl([f"{srv.url}/post/{post.uid}"], options(db))
    assert report.status == "complete", report.stats.messages
    assert rows(db, "select count(*) from posts") == [(len(thread.posts),)]
