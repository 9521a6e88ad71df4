"""The archive in a real Datasette: bundled metadata, full-text search, canned queries, CSV,
foreign-key labels, escaped HTML; and the `serve` command."""

from __future__ import annotations

import asyncio
import csv
import importlib.metadata
import io
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import markupsafe
import pytest
from click.testing import CliRunner
from datasette.app import Datasette
from dbquery import query

from scraper import serve
from scraper.cli import cli
from scraper.crawl import CrawlOptions, crawl
from scraper.demo.content import Community, build_community
from scraper.demo.server import DemoServer

TZ = "America/Chicago"


@pytest.fixture(scope="module")
def community() -> Community:
    return build_community()


@pytest.fixture(scope="module")
def db_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("datasette") / "demo.db"
    with DemoServer() as server:
        crawl([f"{server.url}/"], CrawlOptions(db_path=path, delay=0, concurrency=4, tz=TZ))
    return path


def get(db_path: Path, *paths: str) -> list[httpx.Response]:
    """GET each path from one in-process Datasette serving the archive with its metadata."""

    async def fetch() -> list[httpx.Response]:
        ds = Datasette([str(db_path)], metadata=serve.load_metadata(db_path.stem))
        return [await ds.client.get(path) for path in paths]

    responses = asyncio.run(fetch())
    assert [r.status_code for r in responses] == [200] * len(paths)
    return responses



def test_metadata_titles_and_descriptions(db_path):
    metadata, threads = get(db_path, "/-/metadata.json", "/demo/threads")
    assert metadata.json()["title"] == "Forum archive"
    assert "queries" in metadata.json()["databases"]["demo"]
    assert "One row per thread (topic)." in threads.text


def test_full_text_search_of_posts_and_threads(db_path):
    posts, threads, summaries = get(
        db_path,
        "/demo/posts.json?_search=router&_shape=array&_col=id&_size=max",
        "/demo/threads.json?_search=amber&_shape=array&_col=title&_size=max",
        "/demo/thread_summaries.json?_search=amber&_shape=array&_col=title&_size=max",
    )
    expected = query(db_path, "SELECT id FROM posts WHERE body_text LIKE '%router%'"
                              " OR title LIKE '%router%' ORDER BY id")
    assert sorted(r["id"] for r in posts.json()) == [r[0] for r in expected]
    assert len(expected) > 5
    titles = {t for (t,) in query(db_path, "SELECT title FROM threads") if "amber" in t.lower()}
    assert {r["title"] for r in threads.json()} == titles
    assert {r["title"] for r in summaries.json()} == titles
    assert len(titles) > 1


def test_search_posts_canned_query(db_path):
    found, empty = get(db_path, "/demo/search_posts.json?q=router&_shape=array",
                       "/demo/search_posts.json?q=&_shape=array")
    rows = found.json()
    assert {r["post_id"] for r in rows} == {
        i for (i,) in query(db_path, "SELECT id FROM posts WHERE body_text LIKE '%router%'")
    }
    assert all("[router]" in r["excerpt"].lower() for r in rows)
    first = rows[0]
    assert (first["thread"], first["author"]) == query(
        db_path, "SELECT t.title, u.name FROM posts p JOIN threads t ON t.id = p.thread_id"
                 " JOIN users u ON u.id = p.author_id WHERE p.id = ?", (first["post_id"],))[0]
    assert empty.json() == []


def test_unanswered_threads_and_top_solutions(db_path, community):
    unanswered, top = get(db_path, "/demo/unanswered_threads.json?_shape=array",
                          "/demo/top_solutions.json?_shape=array")
    assert sorted(r["title"] for r in unanswered.json()) == sorted(
        t.subject for t in community.threads() if len(t.posts) == 1
    )
    accepted = sorted(
        ((p.kudos, t.subject, p.author.login) for t in community.threads() if t.accepted_uid
         for p in t.posts if p.uid == t.accepted_uid),
        reverse=True,
    )
    assert [(r["score"], r["thread_title"], r["answer_author"]) for r in top.json()][:3] == (
        accepted[:3]
    )
    assert len(top.json()) == len(accepted)


def test_who_quotes_whom(db_path, community):
    (response,) = get(db_path, "/demo/who_quotes_whom.json?_shape=array&_size=max")
    expected = Counter(
        (p.author.login, q.author) for t in community.threads() for p in t.posts for q in p.quotes
    )
    assert {(r["quoting"], r["quoted"]): r["quotes"] for r in response.json()} == expected


def test_csv_export_with_labels(db_path, community):
    (response,) = get(db_path, "/demo/threads.csv?_stream=on&_labels=on&_size=max")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(r["title"] for r in rows) == sorted(t.subject for t in community.threads())
    boards = {b.id: b.title for b in community.all_boards()}
    for row in rows:
        thread = community.thread(int(row["external_id"]))
        assert row["title"] == thread.subject
        assert row["board_id_label"] == boards[thread.board_id]
        assert row["author_id_label"] == thread.posts[0].author.login


def test_foreign_keys_to_posts_show_the_post_label(db_path):
    (response,) = get(
        db_path, "/demo/threads.json?_labels=on&_shape=array&_col=accepted_post_id"
                 "&accepted_post_id__notblank=1&_size=max",
    )
    rows = response.json()
    assert rows
    for row in rows:
        post_id = row["accepted_post_id"]["value"]
        position, name, posted_at = query(
            db_path, "SELECT p.position, u.name, p.posted_at FROM posts p"
                     " JOIN users u ON u.id = p.author_id WHERE p.id = ?", (post_id,))[0]
        label = f"#{position} · {name} · {posted_at[:10]} {posted_at[11:16]}"
        assert row["accepted_post_id"]["label"] == label


def test_facets_follow_the_metadata(db_path):
    (response,) = get(db_path, "/demo/threads.json?_size=0")
    assert sorted(response.json()["facet_results"]) == ["board_id", "solved", "status"]
    status = response.json()["facet_results"]["status"]["results"]
    assert [(s["value"], s["count"]) for s in status] == [("complete", 40)]


def test_post_bodies_are_shown_as_escaped_text(db_path):
    post_id, body_html = query(db_path, "SELECT id, body_html FROM posts"
                                        " WHERE body_html LIKE '<p>%' LIMIT 1")[0]
    row_page, table_page = get(db_path, f"/demo/posts/{post_id}", "/demo/posts?_size=5")
    first_paragraph = body_html.split("</p>")[0]
    assert str(markupsafe.escape(first_paragraph)) in row_page.text
    assert first_paragraph not in row_page.text
    assert "&lt;p&gt;" in table_page.text


def test_split_config_for_datasette_1():
    metadata = {
        "title": "T",
        "databases": {"d": {
            "description": "D",
            "queries": {"q": {"sql": "select 1"}},
            "tables": {"t": {"description": "x", "facets": ["a"], "label_column": "name",
                             "columns": {"a": "A"}}, "u": {"description": "y"}},
        }},
    }
    assert serve.split_config(metadata) == (
        {"title": "T", "databases": {"d": {
            "description": "D",
            "tables": {"t": {"description": "x", "columns": {"a": "A"}}, "u": {"description": "y"}},
        }}},
        {"databases": {"d": {
            "queries": {"q": {"sql": "select 1"}},
            "tables": {"t": {"facets": ["a"], "label_column": "name"}},
        }}},
    )
    descriptive, config = serve.split_config(serve.load_metadata("demo"))
    assert sorted(config["databases"]["demo"]["queries"]) == [
        "search_posts", "top_solutions", "unanswered_threads", "who_quotes_whom",
    ]
    for table in descriptive["databases"]["demo"]["tables"].values():
        assert not set(table) & set(serve.CONFIG_TABLE_KEYS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_runs_datasette_until_terminated(db_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "scraper", "serve", "--db", str(db_path), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        response = None
        for _ in range(200):
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/demo/unanswered_threads.json")
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert response is not None and response.status_code == 200
        assert len(response.json()["rows"]) == 3
        process.send_signal(signal.SIGTERM)  # to serve only: it stops Datasette too
        assert process.wait(timeout=10) in (0, 128 + signal.SIGTERM)  # uvicorn >= 0.29 re-raises
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/")
    finally:
        process.kill()
        process.wait()


def test_serve_errors(tmp_path, monkeypatch):
    missing = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "none.db")])
    assert (missing.exit_code, missing.stderr) == (
        2, f"Error: no archive at {tmp_path / 'none.db'}\n"
    )

    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(serve.importlib.metadata, "version", not_installed)
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "none.db")])
    assert (result.exit_code, result.stderr) == (
        2, "Error: Datasette is not installed: pip install 'forum-scraper[datasette]'\n"
    )


def test_run_changes_view_lists_what_the_crawl_added(db_path):
    (response,) = get(db_path, "/demo/run_changes.json?_shape=array&_size=max&run_id=1")
    changes = response.json()
    posts = query(db_path, "SELECT count(*) FROM posts")[0][0]
    assert Counter(row["change"] for row in changes) == {"new": posts}
    assert {row["post_id"] for row in changes} == {
        r[0] for r in query(db_path, "SELECT id FROM posts")
    }
