"""The SQLite archive: schema, migrations, thread-page writes, versions, tombstones, raw pages."""

from __future__ import annotations

import hashlib
import sqlite3
import zlib

import pytest
import sqlite_utils

from scraper.archive import (
    WriteStats,
    ensure_site,
    latest_page,
    open_archive,
    page_body,
    record_fetch,
    set_parse_status,
    set_thread_status,
    thread_state,
    write_listing,
    write_thread_page,
)
from scraper.models import (
    Author,
    Board,
    ListingPage,
    PageInfo,
    Post,
    Quote,
    Thread,
    ThreadPage,
)
from scraper.schema import migrate

BASE = "https://forum.example.test"
T0 = "2024-05-01T10:00:00+00:00"
T1 = "2024-05-02T10:00:00+00:00"
T2 = "2024-05-03T10:00:00+00:00"

ANN = Author(name="ann_k", external_id="11", url=f"{BASE}/u/11", rank="Member")
BOB = Author(name="bob_r", external_id="12", url=f"{BASE}/u/12", rank="Guide")


def post(eid: str, position: int, text: str, author: Author = ANN, **extra) -> Post:
    return Post(
        external_id=eid,
        position=position,
        url=f"{BASE}/m/{eid}",
        title=f"Re: Kettle descaling ({eid})",
        author=author,
        posted_at=f"2024-04-0{position}T08:00:00+00:00",
        posted_at_raw=f"0{position}/04/2024",
        body_html=f"<p>{text}</p>",
        body_text=text,
        **extra,
    )


def page(posts: list[Post], number: int = 1, count: int = 2, **thread) -> ThreadPage:
    return ThreadPage(
        platform="testboard",
        url=f"{BASE}/t/500/page/{number}",
        thread=Thread(
            external_id="500",
            title="Kettle descaling",
            url=f"{BASE}/t/500",
            board=Board(external_id="kitchen", title="Kitchen", url=f"{BASE}/b/kitchen"),
            reply_count=3,
            **thread,
        ),
        page=PageInfo(number=number, count=count),
        posts=posts,
    )


def first_page(**thread) -> ThreadPage:
    return page(
        [
            post("1", 1, "My kettle is full of limescale, what now?"),
            post("2", 2, "Boil vinegar and water in it.", BOB),
        ],
        **thread,
    )


def dump(db: sqlite_utils.Database) -> list[str]:
    return list(db.conn.iterdump())


def count(db: sqlite_utils.Database, table: str) -> int:
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.fixture
def db(tmp_path) -> sqlite_utils.Database:
    archive = open_archive(tmp_path / "sub" / "dir" / "forum.db")
    yield archive
    archive.close()


@pytest.fixture
def site(db) -> int:
    return ensure_site(db, BASE + "/", "testboard", "Test Forum")


def test_tables_columns_and_foreign_keys(db):
    tables = set(db.table_names())
    assert {
        "sites",
        "boards",
        "users",
        "threads",
        "posts",
        "post_versions",
        "quotes",
        "pages",
        "crawl_runs",
        "frontier",
        "posts_fts",
        "threads_fts",
    } <= tables
    fks = {(fk.column, fk.other_table, fk.other_column) for fk in db["posts"].foreign_keys}
    assert fks == {
        ("thread_id", "threads", "id"),
        ("author_id", "users", "id"),
        ("reply_to_post_id", "posts", "id"),
        ("first_run_id", "crawl_runs", "id"),
        ("deleted_run_id", "crawl_runs", "id"),
    }
    assert {(fk.column, fk.other_table) for fk in db["post_versions"].foreign_keys} == {
        ("post_id", "posts"), ("page_id", "pages"), ("run_id", "crawl_runs"),
    }
    thread_fks = {(fk.column, fk.other_table) for fk in db["threads"].foreign_keys}
    assert thread_fks == {
        ("site_id", "sites"),
        ("board_id", "boards"),
        ("author_id", "users"),
        ("accepted_post_id", "posts"),
    }
    assert {(fk.column, fk.other_table) for fk in db["boards"].foreign_keys} == {
        ("site_id", "sites"),
        ("parent_id", "boards"),
    }
    assert {(fk.column, fk.other_table) for fk in db["quotes"].foreign_keys} == {
        ("post_id", "posts"),
        ("quoted_user_id", "users"),
        ("quoted_post_id", "posts"),
    }
    assert {(fk.column, fk.other_table) for fk in db["frontier"].foreign_keys} == {
        ("site_id", "sites"), ("run_id", "crawl_runs"),
    }
    assert db["pages"].columns_dict["body"] is bytes
    assert db["posts"].columns_dict["score"] is int
    unique = {tuple(i.columns) for i in db["posts"].indexes if i.unique}
    assert ("thread_id", "external_id") in unique
    assert set(db.view_names()) == {
        "thread_summaries", "solutions", "quote_edges", "post_history", "run_changes"
    }


def test_open_archive_sets_wal_and_foreign_keys(db, tmp_path):
    assert (tmp_path / "sub" / "dir" / "forum.db").exists()
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO boards (site_id, external_id) VALUES (999, 'x')")


def test_migrate_twice_is_a_noop(db, tmp_path):
    before = dump(db)
    migrate(db)
    assert dump(db) == before
    applied = [r["name"] for r in db.query("select name from _sqlite_migrations order by id")]
    assert applied == [
        "0001_initial", "0002_post_labels", "0003_platform_neutral_names", "0004_run_reason",
        "0005_site_zone", "0006_run_changes",
    ]
    db.close()
    reopened = open_archive(tmp_path / "sub" / "dir" / "forum.db")
    assert dump(reopened) == before
    reopened.close()


def test_ensure_site_is_stable(db, site):
    assert ensure_site(db, BASE, "testboard") == site
    assert db["sites"].get(site) == {
        "id": site,
        "base_url": BASE,
        "platform": "testboard",
        "title": "Test Forum",
        "tz": None,
        "tz_source": None,
    }


def test_first_write_fills_thread_posts_users_and_versions(db, site):
    stats = write_thread_page(
        db, site, first_page(solved=True, accepted_post_ids=["2"]), seen_at=T0
    )
    assert stats == WriteStats(posts_new=2)
    thread = thread_state(db, site, "500")
    first, second = (db["posts"].get(i) for i in (1, 2))
    assert first["external_id"] == "1" and second["external_id"] == "2"
    assert {
        k: thread[k]
        for k in (
            "title",
            "reply_count",
            "post_count",
            "solved",
            "accepted_post_id",
            "accepted_post_external_id",
            "author_id",
            "created_at",
            "last_post_at",
            "page_count",
            "status",
            "fetched_at",
            "listing_reply_count",
        )
    } == {
        "title": "Kettle descaling",
        "reply_count": 3,
        "post_count": 2,
        "solved": 1,
        "accepted_post_id": second["id"],
        "accepted_post_external_id": "2",
        "author_id": first["author_id"],
        "created_at": "2024-04-01T08:00:00+00:00",
        "last_post_at": "2024-04-02T08:00:00+00:00",
        "page_count": 2,
        "status": "pending",
        "fetched_at": T0,
        "listing_reply_count": None,
    }
    assert db["boards"].get(thread["board_id"])["title"] == "Kitchen"
    assert [(u["user_key"], u["name"], u["rank"]) for u in db["users"].rows] == [
        ("id:11", "ann_k", "Member"),
        ("id:12", "bob_r", "Guide"),
    ]
    assert second["is_solution"] == 1 and first["is_solution"] == 0
    assert (second["page_number"], second["first_seen_at"], second["last_seen_at"]) == (1, T0, T0)
    assert second["score"] is None and second["deleted_at"] is None
    assert count(db, "post_versions") == 2


def test_identical_write_changes_nothing(db, site):
    def full_page() -> ThreadPage:
        full = first_page(solved=True, accepted_post_ids=["2"])
        full.posts[0].quotes = [Quote(author_name="bob_r", text="earlier")]
        full.posts[1].quotes = [Quote(author_name="ann_k", post_external_id="1", text="kettle")]
        full.posts[1].reply_to = "1"
        return full

    write_thread_page(db, site, full_page(), seen_at=T0)
    before = dump(db)
    assert write_thread_page(db, site, full_page(), seen_at=T0) == WriteStats()
    assert dump(db) == before
    assert count(db, "quotes") == 2


def test_later_identical_write_moves_only_seen_timestamps(db, site):
    write_thread_page(db, site, first_page(), seen_at=T0)
    posts_before = list(db["posts"].rows)
    versions_before = list(db["post_versions"].rows)
    stats = write_thread_page(db, site, first_page(), seen_at=T1)
    assert stats == WriteStats()
    assert list(db["post_versions"].rows) == versions_before
    assert list(db["posts"].rows) == [p | {"last_seen_at": T1} for p in posts_before]
    assert thread_state(db, site, "500")["fetched_at"] == T1


def test_edit_adds_a_version_and_keeps_the_first(db, site):
    write_thread_page(db, site, first_page(), seen_at=T0)
    edited = first_page()
    edited.posts[1] = post("2", 2, "Boil citric acid and water in it.", BOB, score=3)
    stats = write_thread_page(db, site, edited, seen_at=T1)
    assert stats == WriteStats(posts_changed=1)
    row = db["posts"].get(2)
    assert (row["id"], row["score"]) == (2, 3)
    assert row["body_text"] == "Boil citric acid and water in it."
    versions = db.execute(
        "SELECT body_text, seen_at FROM post_versions WHERE post_id = 2 ORDER BY id"
    ).fetchall()
    assert versions == [
        ("Boil vinegar and water in it.", T0),
        ("Boil citric acid and water in it.", T1),
    ]
    assert list(db.query("SELECT post_id, version_count, deleted_at FROM post_history")) == [
        {"post_id": 2, "version_count": 2, "deleted_at": None},
    ]


def test_reverted_edit_reuses_its_version(db, site):
    write_thread_page(db, site, first_page(), seen_at=T0)
    edited = first_page()
    edited.posts[1] = post("2", 2, "Changed my mind.", BOB)
    write_thread_page(db, site, edited, seen_at=T1)
    assert write_thread_page(db, site, first_page(), seen_at=T2) == WriteStats(posts_changed=1)
    assert db["posts"].get(2)["body_text"] == "Boil vinegar and water in it."
    versions = db.execute(
        "SELECT body_text, seen_at FROM post_versions WHERE post_id = 2 ORDER BY id"
    ).fetchall()
    assert versions == [("Boil vinegar and water in it.", T0), ("Changed my mind.", T1)]


def test_score_change_alone_is_not_an_edit(db, site):
    write_thread_page(db, site, first_page(), seen_at=T0)
    liked = first_page()
    liked.posts[0].score = 7
    assert write_thread_page(db, site, liked, seen_at=T0) == WriteStats()
    assert db["posts"].get(1)["score"] == 7
    assert count(db, "post_versions") == 2


def test_missing_post_is_tombstoned_and_cleared_when_seen_again(db, site):
    write_thread_page(db, site, first_page(), seen_at=T0)
    write_thread_page(db, site, page([post("3", 3, "Thanks, that worked.")], number=2), seen_at=T0)
    shrunk = page([post("1", 1, "My kettle is full of limescale, what now?")])
    assert write_thread_page(db, site, shrunk, seen_at=T1) == WriteStats(posts_deleted=1)
    assert db["posts"].get(2)["deleted_at"] == T1
    assert db["posts"].get(3)["deleted_at"] is None  # other page numbers are untouched
    assert thread_state(db, site, "500")["post_count"] == 2
    assert [r["post_id"] for r in db.query("SELECT post_id FROM post_history")] == [2]
    assert count(db, "posts") == 3

    stats = write_thread_page(db, site, first_page(), seen_at=T2)
    assert stats == WriteStats(posts_changed=1)
    row = db["posts"].get(2)
    assert (row["id"], row["deleted_at"], row["last_seen_at"]) == (2, None, T2)
    assert thread_state(db, site, "500")["post_count"] == 3
    assert count(db, "post_versions") == 3


def test_quotes_resolve_users_and_posts(db, site):
    write_thread_page(db, site, first_page(), seen_at=T0)
    quoting = post(
        "3",
        3,
        "Vinegar smells, though.",
        Author(name="cara", external_id="13"),
        quotes=[
            Quote(author_name="bob_r", post_external_id="2", depth=1, text="Boil it."),
            Quote(author_name="ann_k", depth=2, text="limescale"),
            Quote(author_name="nobody_here", depth=1, text="hm"),
        ],
    )
    write_thread_page(db, site, page([quoting], number=2), seen_at=T0)
    edges = list(
        db.query(
            "SELECT quoting_post_id, quoting_user_name, quoted_user_name, quoted_user_id,"
            " quoted_post_id, depth FROM quote_edges ORDER BY quote_id"
        )
    )
    ann_id, bob_id = 1, 2
    assert edges == [
        {
            "quoting_post_id": 3,
            "quoting_user_name": "cara",
            "quoted_user_name": "bob_r",
            "quoted_user_id": bob_id,
            "quoted_post_id": 2,
            "depth": 1,
        },
        {
            "quoting_post_id": 3,
            "quoting_user_name": "cara",
            "quoted_user_name": "ann_k",
            "quoted_user_id": ann_id,
            "quoted_post_id": None,
            "depth": 2,
        },
        {
            "quoting_post_id": 3,
            "quoting_user_name": "cara",
            "quoted_user_name": "nobody_here",
            "quoted_user_id": None,
            "quoted_post_id": None,
            "depth": 1,
        },
    ]
    assert [r["position"] for r in db["quotes"].rows] == [1, 2, 3]
    assert count(db, "users") == 3  # quoted names do not create users


def test_references_to_posts_archived_later_are_resolved(db, site):
    later = page(
        [
            post(
                "3",
                3,
                "As said above.",
                BOB,
                reply_to="1",
                quotes=[Quote(author_name="ann_k", post_external_id="1", text="kettle")],
            )
        ],
        number=2,
    )
    write_thread_page(db, site, later, seen_at=T0)
    reply = db["posts"].get(1)
    assert (reply["external_id"], reply["reply_to_post_id"]) == ("3", None)
    assert db.execute("SELECT quoted_post_id, quoted_user_id FROM quotes").fetchall() == [
        (None, None),
    ]
    write_thread_page(db, site, first_page(), seen_at=T0)
    original_id = db.execute("SELECT id FROM posts WHERE external_id = '1'").fetchone()[0]
    ann_id = db.execute("SELECT id FROM users WHERE name = 'ann_k'").fetchone()[0]
    assert db["posts"].get(1)["reply_to_post_id"] == original_id
    assert db.execute("SELECT quoted_post_id, quoted_user_id FROM quotes").fetchall() == [
        (original_id, ann_id),
    ]


def test_accepted_answer_on_a_later_page_is_linked_when_archived(db, site):
    write_thread_page(db, site, first_page(solved=True, accepted_post_ids=["3"]), seen_at=T0)
    assert thread_state(db, site, "500")["accepted_post_id"] is None
    answer = post("3", 3, "Use a descaling tablet.", BOB, score=5)
    write_thread_page(
        db, site, page([answer], number=2, solved=True, accepted_post_ids=["3"]), seen_at=T0
    )
    assert thread_state(db, site, "500")["accepted_post_id"] == 3
    assert list(db.query("SELECT * FROM solutions")) == [
        {
            "thread_id": 1,
            "thread_title": "Kettle descaling",
            "thread_url": f"{BASE}/t/500",
            "question_post_id": 1,
            "question_author": "ann_k",
            "question_text": "My kettle is full of limescale, what now?",
            "answer_post_id": 3,
            "answer_author": "bob_r",
            "answer_text": "Use a descaling tablet.",
            "answer_score": 5,
        }
    ]
    summary = list(db.query("SELECT * FROM thread_summaries"))
    assert summary == [
        {
            "thread_id": 1,
            "site_id": site,
            "external_id": "500",
            "title": "Kettle descaling",
            "board_title": "Kitchen",
            "url": f"{BASE}/t/500",
            "reply_count": 3,
            "post_count": 3,
            "solved": 1,
            "accepted_post_id": 3,
            "accepted_author": "bob_r",
            "accepted_excerpt": "Use a descaling tablet.",
            "first_post_at": "2024-04-01T08:00:00+00:00",
            "last_post_at": "2024-04-03T08:00:00+00:00",
            "status": "pending",
        }
    ]


def test_accepted_excerpt_is_cut_at_200_characters(db, site):
    long_answer = post("2", 2, "x" * 250, BOB)
    write_thread_page(
        db, site, page([post("1", 1, "q"), long_answer], accepted_post_ids=["2"]), seen_at=T0
    )
    excerpt = db.execute("SELECT accepted_excerpt FROM thread_summaries").fetchone()[0]
    assert excerpt == "x" * 200


def test_full_text_search_finds_posts_and_threads(db, site):
    write_thread_page(db, site, first_page(), seen_at=T0)
    assert [r["external_id"] for r in db["posts"].search("vinegar")] == ["2"]
    assert [r["external_id"] for r in db["threads"].search("descaling")] == ["500"]
    edited = first_page()
    edited.posts[1] = post("2", 2, "Citric acid instead.", BOB)
    write_thread_page(db, site, edited, seen_at=T1)
    assert list(db["posts"].search("vinegar")) == []
    assert [r["external_id"] for r in db["posts"].search("citric")] == ["2"]


def test_anonymous_authors_are_one_user_per_name(db, site):
    guest = Author(name="Guest Walker")
    other = Author(name="Guest Runner")
    anon = page(
        [
            post("1", 1, "a", guest),
            post("2", 2, "b", guest),
            post("3", 3, "c", other),
            post("4", 4, "d", Author()),
        ]
    )
    write_thread_page(db, site, anon, seen_at=T0)
    users = [(u["user_key"], u["external_id"], u["name"]) for u in db["users"].rows]
    assert users == [
        ("name:Guest Walker", None, "Guest Walker"),
        ("name:Guest Runner", None, "Guest Runner"),
    ]
    author_ids = [r[0] for r in db.execute("SELECT author_id FROM posts ORDER BY id")]
    assert author_ids == [1, 1, 2, None]
    assert write_thread_page(db, site, anon, seen_at=T0) == WriteStats()
    assert count(db, "users") == 2


def test_repeated_post_on_a_page_is_written_once(db, site):
    copy = post("2", 2, "Boil vinegar and water in it.", BOB)
    doubled = page([*first_page().posts, copy])
    assert write_thread_page(db, site, doubled, seen_at=T0) == WriteStats(posts_new=2)
    assert count(db, "posts") == 2


def test_outer_transaction_rollback_undoes_the_write(db, site):
    with pytest.raises(RuntimeError), db.atomic():
        write_thread_page(db, site, first_page(), seen_at=T0)
        raise RuntimeError("frontier update failed")
    assert (count(db, "posts"), count(db, "threads"), count(db, "post_versions")) == (0, 0, 0)
    assert list(db["posts"].search("vinegar")) == []


def test_write_listing_links_sub_boards(db, site):
    category = ListingPage(
        platform="testboard",
        url=f"{BASE}/c/home",
        kind="category",
        board=Board(external_id="home", title="Home & Garden", url=f"{BASE}/c/home"),
        boards=[
            Board(external_id="kitchen", title="Kitchen", url=f"{BASE}/b/kitchen"),
            Board(external_id="garden", title="Garden"),
        ],
        categories=[Board(external_id="diy", title="DIY")],
    )
    home = write_listing(db, site, category)
    rows = {b["external_id"]: (b["kind"], b["parent_id"], b["title"]) for b in db["boards"].rows}
    assert rows == {
        "home": ("category", None, "Home & Garden"),
        "kitchen": ("board", home, "Kitchen"),
        "garden": ("board", home, "Garden"),
        "diy": ("category", home, "DIY"),
    }
    write_thread_page(db, site, first_page(), seen_at=T0)  # board seen from a thread page
    assert db.execute(
        "SELECT kind, parent_id FROM boards WHERE external_id = 'kitchen'"
    ).fetchone() == ("board", home)
    assert write_listing(db, site, category) == home
    community = ListingPage(
        platform="testboard",
        url=BASE,
        kind="community",
        categories=[Board(external_id="home", title="Home & Garden")],
    )
    assert write_listing(db, site, community) is None
    assert count(db, "boards") == 4


def test_thread_status_and_change_detection_values(db, site):
    set_thread_status(db, site, "900", "gone", "404 Not Found")
    stub = thread_state(db, site, "900")
    assert (stub["status"], stub["status_reason"], stub["title"]) == ("gone", "404 Not Found", None)
    write_thread_page(db, site, first_page(), seen_at=T0)
    set_thread_status(
        db, site, "500", "complete", listing_reply_count=3, listing_last_post="2024-04-02 bob_r"
    )
    state = thread_state(db, site, "500")
    assert (state["status"], state["listing_reply_count"], state["listing_last_post"]) == (
        "complete",
        3,
        "2024-04-02 bob_r",
    )
    set_thread_status(db, site, "500", "blocked", "login wall")
    state = thread_state(db, site, "500")
    assert (state["status"], state["status_reason"], state["listing_reply_count"]) == (
        "blocked",
        "login wall",
        3,
    )
    write_thread_page(db, site, first_page(), seen_at=T1)
    assert thread_state(db, site, "500")["status"] == "pending"  # being fetched again
    assert thread_state(db, site, "nope") is None


def test_record_fetch_roundtrip_compresses_with_sha256(db):
    body = ("<html><body>" + "kettle " * 500 + "</body></html>").encode()
    page_id = record_fetch(
        db,
        url=f"{BASE}/t/500",
        status_code=200,
        body=body,
        content_type="text/html; charset=utf-8",
        etag='"v1"',
        page_kind="thread",
        fetched_at=T0,
    )
    stored = db["pages"].get(page_id)
    assert zlib.decompress(stored["body"]) == body
    assert len(stored["body"]) < len(body) // 10
    assert stored["size"] == len(body)
    assert stored["sha256"] == hashlib.sha256(body).hexdigest()
    assert page_body(db, page_id) == body
    meta = latest_page(db, f"{BASE}/t/500")
    assert "body" not in meta
    assert (meta["id"], meta["etag"], meta["parse_status"], meta["fetched_at"]) == (
        page_id,
        '"v1"',
        "pending",
        T0,
    )
    assert latest_page(db, f"{BASE}/t/other") is None


def test_identical_refetch_stores_the_body_once(db):
    url = f"{BASE}/t/500"
    body = b"<html>same bytes</html>"
    first = record_fetch(db, url=url, status_code=200, body=body, fetched_at=T0)
    second = record_fetch(db, url=url, status_code=200, body=body, fetched_at=T1)
    third = record_fetch(db, url=url, status_code=200, body=body, fetched_at=T2)
    rows = [db["pages"].get(i) for i in (first, second, third)]
    assert [r["body"] is None for r in rows] == [False, True, True]
    assert [r["same_as_page_id"] for r in rows] == [None, first, first]
    assert page_body(db, third) == body
    changed = record_fetch(db, url=url, status_code=200, body=b"<html>new</html>")
    assert db["pages"].get(changed)["body"] is not None
    assert page_body(db, changed) == b"<html>new</html>"
    other_url = record_fetch(db, url=f"{BASE}/t/501", status_code=200, body=body)
    assert db["pages"].get(other_url)["same_as_page_id"] is None
    assert latest_page(db, url)["id"] == changed


def test_not_modified_and_failed_fetches(db):
    url = f"{BASE}/t/500"
    first = record_fetch(
        db,
        url=url,
        status_code=200,
        body=b"<p>x</p>",
        etag='"e1"',
        last_modified="Wed, 01 May 2024 10:00:00 GMT",
    )
    not_modified = record_fetch(db, url=url, status_code=304, body=None)
    row = db["pages"].get(not_modified)
    assert (row["body"], row["same_as_page_id"], row["etag"], row["last_modified"]) == (
        None,
        first,
        '"e1"',
        "Wed, 01 May 2024 10:00:00 GMT",
    )
    assert page_body(db, not_modified) == b"<p>x</p>"
    failed = record_fetch(
        db, url=url, status_code=None, body=None, parse_status="skipped", error="ReadTimeout"
    )
    row = db["pages"].get(failed)
    assert (row["sha256"], row["same_as_page_id"], row["error"]) == (None, None, "ReadTimeout")
    assert page_body(db, failed) is None


def test_set_parse_status_and_page_link(db, site):
    page_id = record_fetch(db, url=f"{BASE}/t/500/page/2", status_code=200, body=b"<p/>")
    set_parse_status(db, page_id, "error", "no posts found")
    assert (db["pages"].get(page_id)["parse_status"], db["pages"].get(page_id)["error"]) == (
        "error",
        "no posts found",
    )
    write_thread_page(
        db, site, page([post("3", 3, "later")], number=2), page_id=page_id, seen_at=T0
    )
    set_parse_status(db, page_id, "ok")
    row = db["pages"].get(page_id)
    assert (row["parse_status"], row["error"], row["thread_id"], row["page_number"]) == (
        "ok",
        None,
        1,
        2,
    )
    assert db.execute("SELECT page_id FROM post_versions").fetchall() == [(page_id,)]


def test_first_write_is_final_when_an_author_turns_anonymous_under_a_quote(db, site):
    """A quoted author shown anonymously with a registered user's name: one write settles it."""
    write_thread_page(db, site, page([post("1", 1, "Descale monthly.")]), seen_at=T0)
    anonymous_ann = Author(name="ann_k")
    quoting = post("2", 2, "Agreed.", BOB, quotes=[Quote("ann_k", "1", 1, "Descale monthly.")])
    later = page([quoting, post("1", 1, "Descale monthly.", anonymous_ann)])  # quote read first
    write_thread_page(db, site, later, seen_at=T1)
    once = dump(db)
    write_thread_page(db, site, later, seen_at=T1)
    assert dump(db) == once
    quoted = db.execute(
        "SELECT u.user_key FROM quotes q JOIN users u ON u.id = q.quoted_user_id"
    ).fetchall()
    assert quoted == [("name:ann_k",)]  # the quoted post's author as now shown
