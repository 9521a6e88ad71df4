"""The crawl reads a platform's JSON API where the site serves it and falls back to HTML pages,
once per site, where it does not: over real HTTP with a toy platform."""

from __future__ import annotations

import json
import re
import sqlite3
import types
from pathlib import Path

import pytest
from httpserver import ScriptedServer

from scraper import platforms
from scraper.crawl import CrawlOptions, crawl
from scraper.models import Author, PageInfo, Post, Thread, ThreadPage

HTML = {"content-type": "text/html; charset=utf-8"}
JSON = {"content-type": "application/json"}


def _thread_page(url: str, tid: str, texts: list[str]) -> ThreadPage:
    posts = [Post(external_id=f"{tid}-{i}", position=i, body_text=t, body_html=f"<p>{t}</p>",
                  author=Author(name="ana")) for i, t in enumerate(texts, 1)]
    return ThreadPage(platform="toyjson", url=url, thread=Thread(external_id=tid, url=url),
                      page=PageInfo(number=1, count=1), posts=posts)


def _toy() -> types.ModuleType:
    """A platform whose threads are ``/t/<id>`` in HTML and ``/t/<id>.json`` in its API."""
    toy = types.ModuleType("toyjson")
    toy.NAME = "toyjson"
    toy.url_kind = lambda url: "thread" if "/t/" in url else None
    toy.thread_id = lambda url: re.search(r"/t/(\d+)", url).group(1)
    toy.post_id = lambda url: None
    toy.thread_page_url = lambda url, n: url
    toy.listing_page_url = lambda url, n: url
    toy.clean_url = lambda url: url
    toy.detect = lambda tree, url: tree.css_first("body.toy") is not None
    toy.page_kind = lambda tree, url: "thread"

    def parse_page(tree, url, tz=None):
        texts = [p.text() for p in tree.css("p.post")]
        return _thread_page(url, toy.thread_id(url), texts)

    toy.parse_page = parse_page
    toy.detect_json = lambda data, url: isinstance(data, dict) and "toy_posts" in data
    toy.parse_json = lambda data, url, tz=None: _thread_page(
        url, toy.thread_id(url), data["toy_posts"])
    toy.api_url = lambda url: None if url.endswith(".json") else url + ".json"
    toy.html_url = lambda url: url.removesuffix(".json") if url.endswith(".json") else None
    return toy


@pytest.fixture
def toy(monkeypatch):
    module = _toy()
    monkeypatch.setitem(platforms.PLATFORMS, module.NAME, module)
    return module


def html_page(*texts: str) -> bytes:
    posts = "".join(f"<p class=post>{t}</p>" for t in texts)
    return f"<html><body class=toy>{posts}</body></html>".encode()


def options(db: Path, **kw) -> CrawlOptions:
    return CrawlOptions(db_path=db, delay=0, backoff=0.01, max_attempts=1, platform="toyjson",
                        **kw)


def posts(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    return conn.execute("select external_id, body_text from posts order by id").fetchall()


def serve(server: ScriptedServer, api_answer) -> None:
    server.route("/robots.txt", (404, {}, b""))
    server.route("/t/7", (200, HTML, html_page("from html", "second")))
    server.route("/t/7.json", api_answer)


def test_the_api_is_read_when_it_answers(toy, tmp_path):
    with ScriptedServer() as server:
        serve(server, (200, JSON, json.dumps({"toy_posts": ["from json"]}).encode()))
        report = crawl([server.url("/t/7")], options(tmp_path / "a.db"))
        assert [r.path for r in server.requests if r.path.startswith("/t/")] == ["/t/7.json"]
    assert report.status == "complete" and report.stats.messages == []
    assert posts(tmp_path / "a.db") == [("7-1", "from json")]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ((403, JSON, b'{"error": "forbidden"}'), "HTTP 403"),
        ((200, HTML, b"<html><body>Please log in</body></html>"), "text/html instead of JSON"),
    ],
)
def test_a_refused_api_falls_back_to_html_saying_so_once(toy, tmp_path, answer, reason):
    with ScriptedServer() as server:
        serve(server, answer)
        report = crawl([server.url("/t/7")], options(tmp_path / "a.db"))
        assert [r.path for r in server.requests if r.path.startswith("/t/")] == [
            "/t/7.json", "/t/7"]
    assert report.status == "complete"
    assert report.stats.messages == [
        f"{server.url('')}: its JSON API answered {reason}; reading HTML pages instead this run"
    ]
    assert posts(tmp_path / "a.db") == [("7-1", "from html"), ("7-2", "second")]


def test_via_html_and_via_api(toy, tmp_path):
    with ScriptedServer() as server:
        serve(server, (403, JSON, b"{}"))
        crawl([server.url("/t/7")], options(tmp_path / "h.db", via="html"))
        assert [r.path for r in server.requests if r.path.startswith("/t/")] == ["/t/7"]
        report = crawl([server.url("/t/7")], options(tmp_path / "j.db", via="api"))
    assert report.status == "incomplete"  # no fallback: the refused API is a failed page
    assert posts(tmp_path / "j.db") == []


def test_invalid_json_is_a_failed_page_not_partial_rows(toy, tmp_path):
    with ScriptedServer() as server:
        serve(server, (200, JSON, b'{"toy_posts": ["cut sho'))
        report = crawl([server.url("/t/7")], options(tmp_path / "a.db"))
    assert (report.status, report.exit_code) == ("failed", 1)  # the start page gave nothing
    assert report.reason.startswith(f"{server.url('/t/7.json')}: invalid JSON: ")
    assert report.stats.messages[0].startswith(
        f"{server.url('/t/7.json')}: invalid JSON: Unterminated string")
    assert posts(tmp_path / "a.db") == []


def test_a_not_modified_api_answer_is_no_refusal(toy, tmp_path):
    """A re-crawl's conditional request answered 304 keeps reading the API (no HTML)."""
    answer = (200, {**JSON, "etag": '"v1"'}, json.dumps({"toy_posts": ["from json"]}).encode())
    with ScriptedServer() as server:
        serve(server, answer)
        server.route("/t/7.json", answer, (304, {"etag": '"v1"'}, b""))
        crawl([server.url("/t/7")], options(tmp_path / "a.db"))
        again = crawl([server.url("/t/7")], options(tmp_path / "a.db"))
        assert [r.path for r in server.requests if r.path.startswith("/t/")] == [
            "/t/7.json", "/t/7.json"]
    assert again.status == "complete" and again.stats.messages == []
    assert again.stats.not_modified == 1
    assert posts(tmp_path / "a.db") == [("7-1", "from json")]
