"""Crawls of the demo community served as a Vanilla forum over real HTTP on 127.0.0.1:
discovery from the discussions list, comment pages, change detection, walls, the API v2 route,
its fallback to HTML when refused, and one post identity across both routes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from scraper.crawl import CrawlOptions, crawl
from scraper.demo import DemoServer, build_community
from scraper.demo.renderers import vanilla as site


def options(db: Path, **kw) -> CrawlOptions:
    return CrawlOptions(db_path=db, delay=0, concurrency=4, backoff=0.01, **kw)


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def expected_posts(c) -> list[tuple]:
    """(thread, post id, position, is solution) as both routes must archive them."""
    return sorted((str(t.uid), f"d{t.uid}" if i == 0 else str(p.uid), i + 1,
                   p.uid == t.accepted_uid and i > 0)
                  for t in c.threads() for i, p in enumerate(t.posts))


def archived_posts(db: Path) -> list[tuple]:
    got = rows(db, "select t.external_id, p.external_id, p.position, p.is_solution from posts p"
                   " join threads t on t.id = p.thread_id where p.deleted_at is null")
    return sorted((a, b, n, bool(s)) for a, b, n, s in got)


def paths(srv: DemoServer, prefix: str) -> list[str]:
    return sorted(r.path for r in srv.requests if r.path.startswith(prefix))


@pytest.fixture
def srv():
    # 5 categories x 4 discussions on 2 list pages; the demo's long threads need 2-3 pages.
    with DemoServer(build_community(threads_per_board=4), platform="vanilla") as server:
        yield server


def test_whole_forum_in_html_then_an_unchanged_recrawl(srv, tmp_path):
    db = tmp_path / "v.db"
    report = crawl([srv.url + site.INDEX_PATH], options(db, via="html"))
    assert report.status == "complete", report.stats.messages
    c = srv.community
    assert archived_posts(db) == expected_posts(c)
    assert any(site.page_count(t) > 1 for t in c.threads())  # comment pages were followed
    solved = [t for t in c.threads() if t.accepted_uid]
    assert solved and rows(db, "select count(*) from threads where solved = 1") == [(len(solved),)]
    assert rows(db, "select platform from sites") == [("vanilla",)]
    assert paths(srv, "/api/") == []
    threads = sum(site.page_count(t) for t in c.threads())
    assert report.stats.pages_fetched == threads + 2 + len(c.all_boards())  # + lists, categories

    srv.reset_log()
    again = crawl([srv.url + site.INDEX_PATH], options(db, via="html"))
    assert again.status == "complete" and again.stats.posts_new == 0
    assert paths(srv, "/discussion/") == []


def test_a_new_comment_refetches_only_its_discussion_last_page(srv, tmp_path):
    db = tmp_path / "v.db"
    crawl([srv.url + site.INDEX_PATH], options(db, via="html"))
    thread = max(srv.community.threads(), key=lambda t: len(t.posts))
    pages = site.page_count(thread)
    new = srv.add_reply(thread.uid, "Still happening after the 4.13 update here.")
    srv.reset_log()
    report = crawl([srv.url + site.INDEX_PATH], options(db, via="html"))
    assert report.stats.posts_new == 1
    assert paths(srv, "/discussion/") == sorted(
        {site.thread_path(srv.community, thread, n) for n in (pages, site.page_count(thread))})
    assert rows(db, f"select position, body_text from posts where external_id = '{new}'") == [
        (len(thread.posts), "Still happening after the 4.13 update here.")]


def test_the_api_route_archives_the_same_posts(srv, tmp_path):
    db = tmp_path / "v.db"
    report = crawl([srv.url + site.INDEX_PATH], options(db, via="api"))
    assert report.status == "complete", report.stats.messages
    assert archived_posts(db) == expected_posts(srv.community)
    assert paths(srv, "/discussion") == [] and paths(srv, "/categories") == []
    accepted = rows(db, "select accepted_post_external_id from threads"
                        " where accepted_post_external_id is not null order by 1")
    assert accepted == sorted((str(t.accepted_uid),) for t in srv.community.threads()
                              if t.accepted_uid)


def test_a_refused_api_falls_back_to_html_once(srv, tmp_path):
    db = tmp_path / "v.db"
    srv.script("/api/v2/discussions", [403])
    report = crawl([srv.url + site.INDEX_PATH], options(db))
    assert report.status == "complete", report.stats.messages
    assert report.stats.messages == [
        f"{srv.url}: its JSON API answered HTTP 403; reading HTML pages instead this run"]
    assert paths(srv, "/api/") == ["/api/v2/discussions?page=1&limit=100&expand=insertUser"]
    assert archived_posts(db) == expected_posts(srv.community)


def test_html_then_api_never_duplicates_a_post(srv, tmp_path):
    db = tmp_path / "v.db"
    crawl([srv.url + site.INDEX_PATH], options(db, via="html"))
    thread = srv.community.threads()[0]
    srv.add_reply(thread.uid, "One more data point from the garage hub.")
    report = crawl([srv.url + site.INDEX_PATH], options(db, via="api", full=True))
    assert report.status == "complete"
    assert (report.stats.posts_new, report.stats.posts_changed, report.stats.posts_deleted) == (
        1, 0, 0)  # same ids, same bodies: no new version, nothing marked deleted
    assert archived_posts(db) == expected_posts(srv.community)
    assert rows(db, "select count(*) from posts") == [(srv.community.post_count,)]
    assert rows(db, "select count(*) from post_versions") == [(srv.community.post_count,)]


def test_api_then_html_never_duplicates_a_post(srv, tmp_path):
    db = tmp_path / "v.db"
    crawl([srv.url + site.INDEX_PATH], options(db, via="api"))
    report = crawl([srv.url + site.INDEX_PATH], options(db, via="html", full=True))
    assert report.status == "complete" and report.stats.posts_new == 0
    assert archived_posts(db) == expected_posts(srv.community)
    assert rows(db, "select count(*) from posts") == [(srv.community.post_count,)]
    assert rows(db, "select count(*) from post_versions") == [(srv.community.post_count,)]


def test_walled_and_removed_discussions(srv, tmp_path):
    db = tmp_path / "v.db"
    walled, removed = srv.community.threads()[:2]
    srv.block_thread(walled.uid, "login")
    report = crawl([srv.url + site.INDEX_PATH], options(db, via="html"))
    assert report.status == "incomplete" and report.stats.blocked == 1
    assert rows(db, f"select status, status_reason from threads where external_id ="
                    f" '{walled.uid}'") == [
        ("blocked", "login wall: sign-in page instead of discussion: Sign In — HomeCue Community"
                    " (Sign In) (page 1)")]
    url = srv.url + site.thread_path(srv.community, removed)
    srv.delete_post(removed.uid)
    crawl([url], options(db, via="html"))
    assert rows(db, f"select status from threads where external_id = '{removed.uid}'") == [
        ("gone",)]


@pytest.mark.parametrize("via", ["html", "auto"])
def test_a_comment_permalink_archives_its_whole_discussion(srv, tmp_path, via):
    db = tmp_path / "v.db"
    thread = max(srv.community.threads(), key=lambda t: len(t.posts))
    assert site.page_count(thread) > 1
    comment = thread.posts[-1]  # on the last page: the permalink redirects there
    report = crawl([f"{srv.url}/discussion/comment/{comment.uid}"], options(db, via=via))
    assert report.status == "complete", report.stats.messages
    got = rows(db, "select p.external_id from posts p join threads t on t.id = p.thread_id"
                   f" where t.external_id = '{thread.uid}' and p.deleted_at is null")
    assert sorted(r[0] for r in got) == sorted(
        [f"d{thread.uid}", *(str(p.uid) for p in thread.posts[1:])])
