"""History end to end: the demo community edits a post and deletes another, a --full re-crawl
archives both, and Datasette shows them in post_history."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from datasette.app import Datasette
from dbquery import query

from scraper.crawl import CrawlOptions, crawl
from scraper.demo.server import DemoServer
from scraper.serve import load_metadata

TZ = "America/Chicago"
THREAD = 40686  # 11 posts: page 1 holds 10, page 2 the last one
EDITED, DELETED = 40688, 40690
NEW_TEXT = "Update: a firmware reset fixed it."



@pytest.fixture(scope="module")
def history(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("history") / "forum.db"
    with DemoServer() as server:
        options = CrawlOptions(db_path=path, delay=0, concurrency=4, tz=TZ)
        crawl([f"{server.url}/"], options)
        before = {
            "posts": query(path, "SELECT id, external_id, body_text FROM posts ORDER BY id"),
            "thread": query(path, "SELECT id, post_count FROM threads WHERE external_id = ?",
                            (str(THREAD),))[0],
        }
        server.edit_post(EDITED, NEW_TEXT)
        server.delete_post(DELETED)
        options.full = True
        report = crawl([f"{server.url}/"], options)
    return {"path": path, "before": before, "report": report}


def post_row(path: Path, external_id: int) -> tuple:
    return query(path, "SELECT id, body_text, deleted_at FROM posts WHERE external_id = ?",
                 (str(external_id),))[0]


def test_recrawl_counts_one_edit_and_one_deletion(history):
    stats = history["report"].stats
    assert (stats.posts_new, stats.posts_changed, stats.posts_deleted) == (0, 1, 1)


def test_edit_adds_a_version_and_keeps_the_old_text(history):
    path, before = history["path"], history["before"]
    old_id, _, old_text = next(p for p in before["posts"] if p[1] == str(EDITED))
    assert post_row(path, EDITED) == (old_id, NEW_TEXT, None)
    versions = query(path, "SELECT body_text FROM post_versions WHERE post_id = ? ORDER BY id",
                     (old_id,))
    assert versions == [(old_text,), (NEW_TEXT,)]


def test_deleted_post_is_marked_and_kept(history):
    path, before = history["path"], history["before"]
    old_id, _, old_text = next(p for p in before["posts"] if p[1] == str(DELETED))
    post_id, text, deleted_at = post_row(path, DELETED)
    assert (post_id, text) == (old_id, old_text)
    assert deleted_at is not None
    assert len(query(path, "SELECT id FROM posts")) == len(before["posts"])
    thread_id, post_count = before["thread"]
    assert query(path, "SELECT post_count FROM threads WHERE id = ?", (thread_id,)) == [
        (post_count - 1,)
    ]


def test_other_posts_are_untouched(history):
    path, before = history["path"], history["before"]
    unchanged = [p for p in before["posts"] if p[1] not in (str(EDITED), str(DELETED))]
    after = query(path, "SELECT id, external_id, body_text FROM posts"
                        " WHERE external_id NOT IN (?, ?) ORDER BY id", (str(EDITED), str(DELETED)))
    assert after == unchanged
    assert query(path, "SELECT count(*) FROM posts WHERE deleted_at IS NOT NULL") == [(1,)]


def test_datasette_shows_the_edit_and_the_deletion(history):
    path = history["path"]
    edited_id, deleted_id = post_row(path, EDITED)[0], post_row(path, DELETED)[0]
    deleted_at = post_row(path, DELETED)[2]

    async def fetch() -> list[dict]:
        ds = Datasette([str(path)], metadata=load_metadata(path.stem))
        response = await ds.client.get(
            "/forum/post_history.json?_shape=array&_col=post_id&_col=external_id"
            "&_col=version_count&_col=deleted_at&_sort=post_id"
        )
        assert response.status_code == 200
        return response.json()

    assert asyncio.run(fetch()) == sorted(
        [
            {"post_id": edited_id, "external_id": str(EDITED), "version_count": 2,
             "deleted_at": None},
            {"post_id": deleted_id, "external_id": str(DELETED), "version_count": 1,
             "deleted_at": deleted_at},
        ],
        key=lambda r: r["post_id"],
    )
