"""An archive made by schema version 1 (fixtures/archive-v1.db, written by
tests/make_old_archive.py) opens, upgrades in place, keeps its data and gains post labels."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from dbquery import query

from scraper.archive import ensure_site, open_archive, write_thread_page
from scraper.models import Author, PageInfo, Post, Thread, ThreadPage
from scraper.schema import migrate

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "archive-v1.db"
POST_COLUMNS = (
    "id, thread_id, external_id, position, page_number, url, author_id, title, posted_at,"
    " posted_at_raw, edited_at, body_html, body_text, signature, {score}, is_solution,"
    " reply_to_external_id, reply_to_post_id, deleted_at, content_hash, first_seen_at,"
    " last_seen_at"
)
DATA_QUERIES = {
    "posts": f"SELECT {POST_COLUMNS} FROM posts ORDER BY id",
    "threads": "SELECT * FROM threads ORDER BY id",
    "users": "SELECT id, site_id, user_key, external_id, name, url, rank FROM users ORDER BY id",
    "post_versions": "SELECT id, post_id, content_hash, title, body_html, body_text, edited_at,"
                     " seen_at, page_id FROM post_versions ORDER BY id",
    "quotes": "SELECT * FROM quotes ORDER BY id",
    "pages": "SELECT * FROM pages ORDER BY id",
    "post_history": "SELECT * FROM post_history ORDER BY post_id",
}



def snapshot(path: Path, score: str = "score") -> dict[str, list[tuple]]:
    """The archive's data; ``score`` names the reaction count column (``kudos`` in v1)."""
    return {name: query(path, sql.replace("{score}", score)) for name, sql in DATA_QUERIES.items()}


def schema(path: Path) -> list[tuple]:
    return query(path, "SELECT type, name, sql FROM sqlite_master"
                      " WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")


@pytest.fixture
def old(tmp_path) -> Path:
    target = tmp_path / "old.db"
    shutil.copy(FIXTURE, target)
    return target


def test_fixture_is_a_version_1_archive_with_history():
    assert query(FIXTURE, "SELECT name FROM _sqlite_migrations") == [("0001_initial",)]
    assert "label" not in [row[1] for row in query(FIXTURE, "PRAGMA table_info(posts)")]
    assert query(FIXTURE, "SELECT count(*), count(deleted_at) FROM posts") == [(16, 1)]
    assert query(FIXTURE, "SELECT count(*) FROM post_versions") == [(17,)]
    assert FIXTURE.stat().st_size < 200_000


def test_old_archive_upgrades_in_place_and_keeps_its_data(old):
    before = snapshot(old, score="kudos")
    open_archive(old).close()
    assert query(old, "SELECT name FROM _sqlite_migrations ORDER BY rowid") == [
        ("0001_initial",), ("0002_post_labels",), ("0003_platform_neutral_names",),
        ("0004_run_reason",),
        ("0005_site_zone",),
        ("0006_run_changes",),
    ]
    assert snapshot(old) == before
    assert query(old, "SELECT count(*), count(display_name) FROM users") == [(9, 0)]


def test_upgraded_archive_has_the_schema_of_a_new_one(old, tmp_path):
    open_archive(old).close()
    open_archive(tmp_path / "new.db").close()
    assert schema(old) == schema(tmp_path / "new.db")


def test_upgrading_twice_changes_nothing(old):
    db = open_archive(old)
    before = list(db.conn.iterdump())
    migrate(db)
    assert list(db.conn.iterdump()) == before
    db.close()


def test_upgrade_labels_every_post(old):
    open_archive(old).close()
    labels = query(old, "SELECT p.id, p.label, p.position, u.name, p.posted_at FROM posts p"
                       " JOIN users u ON u.id = p.author_id ORDER BY p.id")
    assert len(labels) == 16
    for _, label, position, name, posted_at in labels:
        assert label == f"#{position} · {name} · {posted_at[:10]} {posted_at[11:16]}"


def test_labels_follow_new_posts_and_renamed_users(old):
    db = open_archive(old)
    site = ensure_site(db, "https://forum.example.test", "testboard")
    page = ThreadPage(
        platform="testboard", url="https://forum.example.test/t/9",
        thread=Thread(external_id="9", title="Kettle"), page=PageInfo(number=1),
        posts=[
            Post(external_id="91", position=1, author=Author(name="ann_k", external_id="5"),
                 posted_at="2024-04-01T08:00:00+00:00", body_html="<p>Hi</p>", body_text="Hi"),
            Post(external_id="92", author=Author(name="bob_r"), posted_at_raw="yesterday",
                 body_html="<p>Yo</p>", body_text="Yo"),
            Post(external_id="93", body_html="<p>?</p>", body_text="?"),
        ],
    )
    write_thread_page(db, site, page)
    labels = "SELECT external_id, label FROM posts WHERE external_id IN ('91', '92', '93')"
    assert query(old, labels) == [
        ("91", "#1 · ann_k · 2024-04-01 08:00"), ("92", "bob_r · yesterday"), ("93", "post 93"),
    ]
    db.execute("UPDATE users SET name = 'ann_kowalski' WHERE external_id = '5'")
    db.conn.commit()
    assert query(old, labels)[0] == ("91", "#1 · ann_kowalski · 2024-04-01 08:00")
    db.close()


def test_full_text_index_follows_updates_and_deletes(old):
    db = open_archive(old)
    with db.conn:
        db.execute("UPDATE posts SET body_text = 'zeppelin' WHERE id = 1")
        db.execute("UPDATE posts SET last_seen_at = '2030-01-01T00:00:00+00:00'")
        db.execute("UPDATE threads SET title = 'Airship thread' WHERE id = 2")
        db.execute("DELETE FROM quotes WHERE post_id = 3")
        db.execute("UPDATE posts SET reply_to_post_id = NULL WHERE reply_to_post_id = 3")
        db.execute("UPDATE threads SET accepted_post_id = NULL WHERE accepted_post_id = 3")
        db.execute("DELETE FROM post_versions WHERE post_id = 3")
        db.execute("DELETE FROM posts WHERE id = 3")
    assert [r["id"] for r in db["posts"].search("zeppelin")] == [1]
    assert [r["id"] for r in db["threads"].search("airship")] == [2]
    for table in ("posts_fts", "threads_fts"):
        db.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")
    fts_rows = db.execute("SELECT count(*) FROM posts_fts").fetchone()[0]
    assert fts_rows == db.execute("SELECT count(*) FROM posts").fetchone()[0] == 15
    db.close()


def test_upgrade_keeps_local_times_as_the_shown_local_time(old):
    with sqlite3.connect(old) as conn:
        conn.execute("UPDATE posts SET posted_at = '2025-09-19T10:21:00',"
                     " edited_at = '2025-09-19T11:00:00' WHERE id = 1")
        conn.execute("UPDATE posts SET posted_at = '2025-09-19T10:21:00-05:00' WHERE id = 2")
    conn.close()
    open_archive(old).close()
    assert query(old, "SELECT id, posted_at_local, edited_at_local FROM posts WHERE id <= 3"
                      " ORDER BY id") == [
        (1, "2025-09-19T10:21:00", "2025-09-19T11:00:00"), (2, None, None), (3, None, None),
    ]
    assert query(old, "SELECT tz, tz_source FROM sites") == [(None, None)]
