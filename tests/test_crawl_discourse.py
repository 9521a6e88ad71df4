"""Crawls of the demo community served as a Discourse site over real HTTP on 127.0.0.1: the
JSON route (discovery from /latest, topic pages by the stream), change detection, the HTML
fallback when the JSON is refused, one identity for a post whichever route read it, walls,
deleted posts and a stream that lists posts the topic no longer serves."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from scraper import archive, platforms
from scraper.crawl import CrawlOptions, crawl
from scraper.demo import DemoServer, build_community
from scraper.demo.renderers import discourse as site
from scraper.demo.server import Response


def options(db: Path, **kw) -> CrawlOptions:
    return CrawlOptions(db_path=db, delay=0, concurrency=4, backoff=0.01, max_attempts=2, **kw)


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def topic_requests(srv: DemoServer) -> list[str]:
    return sorted(r.path for r in srv.requests if r.path.startswith("/t/"))


def expected_posts(srv: DemoServer) -> list[tuple[str, str, int]]:
    c = srv.community
    return sorted((str(t.uid), f"{t.uid}#{n}", n) for t in c.threads()
                  for uid, n in site.post_numbers(c, t).items()
                  if any(p.uid == uid for p in t.posts))


def archived_posts(db: Path) -> list[tuple[str, str, int]]:
    return sorted(rows(db, "select t.external_id, p.external_id, p.position from posts p"
                           " join threads t on t.id = p.thread_id where p.deleted_at is null"))


@pytest.fixture
def srv():
    # 5 categories x 4 topics on one /latest page; the demo's long topics need 2 to 4 pages.
    with DemoServer(build_community(threads_per_board=4), platform="discourse") as server:
        yield server


def test_whole_forum_through_the_json_then_an_unchanged_recrawl(srv, tmp_path):
    db = tmp_path / "d.db"
    report = crawl([srv.url + site.INDEX_PATH], options(db))
    assert report.status == "complete" and report.stats.messages == []
    assert archived_posts(db) == expected_posts(srv)
    assert all(path.split("?")[0].endswith(".json") for path in topic_requests(srv))
    c = srv.community
    assert report.stats.pages_fetched == 1 + sum(site.page_count(c, t) for t in c.threads())
    assert any(site.page_count(c, t) > 2 for t in c.threads())  # the stream's pages followed
    solved = sorted((str(t.uid), f"{t.uid}#{site.post_numbers(c, t)[t.accepted_uid]}")
                    for t in c.threads() if t.accepted_uid)
    assert solved and sorted(rows(db, "select t.external_id, p.external_id from posts p join"
                                      " threads t on t.id = p.thread_id where p.is_solution"
                                      " and t.solved")) == solved
    assert rows(db, "select platform from sites") == [("discourse",)]

    srv.reset_log()
    again = crawl([srv.url + site.INDEX_PATH], options(db))
    assert again.status == "complete" and again.stats.posts_new == 0
    assert sorted(r.path for r in srv.requests) == ["/latest.json", "/robots.txt"]


def test_a_new_reply_refetches_only_the_last_page_of_its_topic(srv, tmp_path):
    db = tmp_path / "d.db"
    crawl([srv.url + site.INDEX_PATH], options(db))
    c = srv.community
    thread = next(t for t in c.threads() if site.page_count(c, t) == 2 and not t.accepted_uid)
    new = srv.add_reply(thread.uid, "Swapped the bridge and it has stayed online since.")
    srv.reset_log()
    report = crawl([srv.url + site.INDEX_PATH], options(db))
    assert report.stats.posts_new == 1 and report.stats.threads_skipped == len(c.threads()) - 1
    assert topic_requests(srv) == [site.thread_path(c, thread).replace(
        str(thread.uid), f"{thread.uid}.json") + "?page=2"]
    number = site.post_numbers(c, thread)[new]
    assert rows(db, f"select position, body_text from posts where external_id ="
                    f" '{thread.uid}#{number}'") == [
        (number, "Swapped the bridge and it has stayed online since.")]


def test_an_html_run_then_a_json_run_write_each_post_once(srv, tmp_path):
    db = tmp_path / "d.db"
    first = crawl([srv.url + site.INDEX_PATH], options(db, via="html"))
    assert first.status == "complete"
    assert not any(".json" in path for path in topic_requests(srv))
    assert archived_posts(db) == expected_posts(srv)
    srv.reset_log()
    second = crawl([srv.url + site.INDEX_PATH], options(db, via="api"))
    assert second.status == "complete" and topic_requests(srv)  # the topics were read again
    assert all(".json" in path for path in topic_requests(srv))
    assert (second.stats.posts_new, second.stats.posts_changed, second.stats.posts_deleted) == (
        0, 0, 0)
    assert archived_posts(db) == expected_posts(srv)
    assert rows(db, "select count(*) from posts") == [(len(expected_posts(srv)),)]
    assert rows(db, "select count(*) from users") == rows(
        db, "select count(distinct name) from users")


def test_a_refused_json_api_falls_back_to_the_html_saying_so_once(srv, tmp_path):
    db = tmp_path / "d.db"
    srv.script("/latest.json", [403])
    report = crawl([srv.url + site.INDEX_PATH], options(db))
    assert report.status == "complete"
    assert report.stats.messages == [
        f"{srv.url}: its JSON API answered HTTP 403; reading HTML pages instead this run"]
    assert [r.path for r in srv.requests if "latest" in r.path] == ["/latest.json", "/latest"]
    assert topic_requests(srv) and not any(".json" in p for p in topic_requests(srv))
    assert archived_posts(db) == expected_posts(srv)


def test_walls_and_a_removed_topic(srv, tmp_path):
    db = tmp_path / "d.db"
    walled, removed = srv.community.threads()[:2]
    srv.block_thread(walled.uid, "login")
    report = crawl([srv.url + site.INDEX_PATH], options(db))
    assert report.status == "incomplete" and report.stats.blocked == 1
    assert report.stats.messages[0] == (
        f"{srv.url}: its JSON API answered HTTP 403; reading HTML pages instead this run")
    assert rows(db, f"select status, status_reason from threads where external_id ="
                    f" '{walled.uid}'") == [
        ("blocked", "login wall: the site requires a login to read posts: Log In - HomeCue"
                    " Community (page 1)")]
    url = srv.url + site.thread_path(srv.community, removed)
    srv.delete_post(removed.uid)
    gone = crawl([url], options(db))
    assert gone.stats.messages == [f"{url}.json: HTTP 404"]
    assert rows(db, f"select status from threads where external_id = '{removed.uid}'") == [
        ("gone",)]


def test_a_deleted_reply_leaves_a_gap_in_the_numbers(srv, tmp_path):
    db = tmp_path / "d.db"
    crawl([srv.url + site.INDEX_PATH], options(db))
    c = srv.community
    thread = next(t for t in c.threads() if len(t.posts) == 10)
    victim = thread.posts[4]
    srv.delete_post(victim.uid)
    report = crawl([srv.url + site.INDEX_PATH], options(db))
    assert report.stats.posts_deleted == 1
    assert rows(db, f"select position from posts p join threads t on t.id = p.thread_id"
                    f" where t.external_id = '{thread.uid}' and p.deleted_at is null"
                    " order by position") == [(n,) for n in (1, 2, 3, 4, 6, 7, 8, 9, 10)]
    assert rows(db, "select external_id from posts where deleted_at is not null") == [
        (f"{thread.uid}#5",)]


def test_a_stream_listing_posts_no_longer_served_archives_the_rest(srv, tmp_path):
    db = tmp_path / "d.db"
    c = srv.community
    thread = next(t for t in c.threads() if len(t.posts) == 10)
    data = site.topic_json(c, thread, 1)
    dropped = data["post_stream"]["posts"].pop(2)
    path = site.thread_path(c, thread) + ".json"
    srv.script(path, [Response(200, json.dumps(data).encode(), "application/json")])
    report = crawl([srv.url + site.thread_path(c, thread)], options(db))
    assert report.status == "complete"
    assert [p for _, p, _ in archived_posts(db)] == sorted(
        f"{thread.uid}#{n}" for n in range(1, 11) if n != 3)
    conn = archive.open_archive(db)
    page = archive.latest_page(conn, srv.url + path)
    again = platforms.parse(archive.page_body(conn, page["id"]), srv.url + path)
    conn.close()
    gap = (f"gap: post ids {dropped['id']} listed by the topic are not served"
           " (deleted or hidden since)")
    assert again.warnings == [gap]
    assert gap in page["error"]  # recorded with the page
    assert any(m.endswith(gap) for m in report.stats.messages)  # and said in the summary


@pytest.mark.parametrize("via", ["auto", "html"])
def test_discovery_from_the_categories_page(srv, tmp_path, via):
    db = tmp_path / "d.db"
    report = crawl([srv.url + "/categories"], options(db, via=via))
    assert report.status == "complete" and report.stats.messages == []
    assert archived_posts(db) == expected_posts(srv)
    lists = sorted(r.path for r in srv.requests if r.path.startswith("/c"))
    suffix = ".json" if via == "auto" else ""
    # /categories is a shape several platforms have: the page is fetched once to recognise
    # the platform (and read as the listing itself when the crawl reads HTML)
    detect = ["/categories"] if via == "auto" else []
    assert lists == sorted(detect + [f"/categories{suffix}"] + [
        f"/c/{b.slug.lower()}/{n}{suffix}" for n, b in enumerate(srv.community.all_boards(), 1)])
    assert sorted(rows(db, "select external_id, title from boards")) == sorted(
        (str(n), b.title) for n, b in enumerate(srv.community.all_boards(), 1))
