"""The archive schema in one place: tables, indexes, full-text search, views and migrations."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlite_utils import Database, Migrations

MIGRATIONS = Migrations("forum-scraper")


@dataclass(frozen=True)
class TableSpec:
    """One table: pinned column types, foreign keys, NOT NULL columns and defaults."""

    columns: dict[str, type]
    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)
    not_null: tuple[str, ...] = ()
    defaults: dict[str, object] = field(default_factory=dict)


RUN_COUNTERS = (
    "pages_fetched", "pages_skipped", "posts_new", "posts_changed", "posts_deleted", "errors",
)

TABLES: dict[str, TableSpec] = {
    "sites": TableSpec(
        {"id": int, "base_url": str, "platform": str, "title": str},
        not_null=("base_url", "platform"),
    ),
    "boards": TableSpec(
        {
            "id": int, "site_id": int, "external_id": str, "title": str, "url": str,
            "parent_id": int, "kind": str,
        },
        [("site_id", "sites", "id"), ("parent_id", "boards", "id")],
        not_null=("site_id", "external_id"),
    ),
    "users": TableSpec(
        {
            "id": int, "site_id": int, "user_key": str, "external_id": str, "name": str,
            "url": str, "rank": str,
        },
        [("site_id", "sites", "id")],
        not_null=("site_id", "user_key"),
    ),
    "threads": TableSpec(
        {
            "id": int, "site_id": int, "board_id": int, "external_id": str, "title": str,
            "url": str, "author_id": int, "created_at": str, "last_post_at": str,
            "reply_count": int, "post_count": int, "solved": int, "accepted_post_id": int,
            "accepted_post_external_id": str, "status": str, "status_reason": str,
            "page_count": int, "listing_reply_count": int, "listing_last_post": str,
            "first_seen_at": str, "fetched_at": str,
        },
        [("site_id", "sites", "id"), ("board_id", "boards", "id"), ("author_id", "users", "id")],
        not_null=("site_id", "external_id"),
    ),
    "posts": TableSpec(
        {
            "id": int, "thread_id": int, "external_id": str, "position": int,
            "page_number": int, "url": str, "author_id": int, "title": str, "posted_at": str,
            "posted_at_raw": str, "edited_at": str, "body_html": str, "body_text": str,
            "signature": str, "score": int, "is_solution": int, "reply_to_external_id": str,
            "reply_to_post_id": int, "deleted_at": str, "content_hash": str,
            "first_seen_at": str, "last_seen_at": str,
        },
        [
            ("thread_id", "threads", "id"), ("author_id", "users", "id"),
            ("reply_to_post_id", "posts", "id"),
        ],
        not_null=("thread_id", "external_id", "content_hash"),
    ),
    "crawl_runs": TableSpec(
        {
            "id": int, "started_at": str, "finished_at": str, "status": str, "args": str,
            **dict.fromkeys(RUN_COUNTERS, int),
        },
        defaults=dict.fromkeys(RUN_COUNTERS, 0),
    ),
    "pages": TableSpec(
        {
            "id": int, "url": str, "fetched_at": str, "status_code": int, "content_type": str,
            "etag": str, "last_modified": str, "final_url": str, "page_kind": str,
            "sha256": str, "size": int, "body": bytes, "same_as_page_id": int,
            "parse_status": str, "error": str, "thread_id": int, "page_number": int,
        },
        [("same_as_page_id", "pages", "id"), ("thread_id", "threads", "id")],
        not_null=("url", "fetched_at"),
    ),
    "post_versions": TableSpec(
        {
            "id": int, "post_id": int, "content_hash": str, "title": str, "body_html": str,
            "body_text": str, "edited_at": str, "seen_at": str, "page_id": int,
        },
        [("post_id", "posts", "id"), ("page_id", "pages", "id")],
        not_null=("post_id", "content_hash"),
    ),
    "quotes": TableSpec(
        {
            "id": int, "post_id": int, "position": int, "depth": int, "quoted_name": str,
            "quoted_user_id": int, "quoted_post_external_id": str, "quoted_post_id": int,
            "text": str,
        },
        [
            ("post_id", "posts", "id"), ("quoted_user_id", "users", "id"),
            ("quoted_post_id", "posts", "id"),
        ],
        not_null=("post_id",),
    ),
    "frontier": TableSpec(
        {
            "id": int, "url": str, "kind": str, "site_id": int, "thread_external_id": str,
            "page_number": int, "state": str, "attempts": int, "depth": int,
            "listing_reply_count": int, "listing_last_post": str, "error": str,
            "updated_at": str, "run_id": int,
        },
        [("site_id", "sites", "id"), ("run_id", "crawl_runs", "id")],
        not_null=("url", "kind", "state"),
        defaults={"state": "pending", "attempts": 0},
    ),
}

# (table, columns, unique)
INDEXES: list[tuple[str, list[str], bool]] = [
    ("sites", ["base_url"], True),
    ("boards", ["site_id", "external_id"], True),
    ("users", ["site_id", "external_id"], True),
    ("users", ["site_id", "user_key"], True),
    ("users", ["site_id", "name"], False),
    ("threads", ["site_id", "external_id"], True),
    ("threads", ["board_id"], False),
    ("threads", ["status"], False),
    ("posts", ["thread_id", "external_id"], True),
    ("posts", ["thread_id", "page_number"], False),
    ("posts", ["external_id"], False),
    ("posts", ["author_id"], False),
    ("posts", ["reply_to_external_id"], False),
    ("post_versions", ["post_id", "content_hash"], True),
    ("quotes", ["post_id", "position"], False),
    ("quotes", ["quoted_name"], False),
    ("quotes", ["quoted_post_external_id"], False),
    ("quotes", ["quoted_user_id"], False),
    ("quotes", ["quoted_post_id"], False),
    ("pages", ["url", "id"], False),
    ("pages", ["thread_id", "page_number"], False),
    ("frontier", ["url"], True),
    ("frontier", ["state", "id"], False),
    ("frontier", ["site_id", "thread_external_id"], False),
]

FTS: dict[str, list[str]] = {"posts": ["title", "body_text"], "threads": ["title"]}

VIEWS: dict[str, str] = {
    "thread_summaries": """
SELECT t.id AS thread_id, t.site_id, t.external_id, t.title, b.title AS board_title, t.url,
  t.reply_count, t.post_count, t.solved, t.accepted_post_id,
  au.name AS accepted_author, substr(ap.body_text, 1, 200) AS accepted_excerpt,
  (SELECT min(p.posted_at) FROM posts p WHERE p.thread_id = t.id AND p.deleted_at IS NULL)
    AS first_post_at,
  (SELECT max(p.posted_at) FROM posts p WHERE p.thread_id = t.id AND p.deleted_at IS NULL)
    AS last_post_at,
  t.status
FROM threads t
LEFT JOIN boards b ON b.id = t.board_id
LEFT JOIN posts ap ON ap.id = t.accepted_post_id
LEFT JOIN users au ON au.id = ap.author_id""",
    "solutions": """
SELECT t.id AS thread_id, t.title AS thread_title, t.url AS thread_url,
  q.id AS question_post_id, qu.name AS question_author, q.body_text AS question_text,
  a.id AS answer_post_id, au.name AS answer_author, a.body_text AS answer_text,
  a.score AS answer_score
FROM posts a
JOIN threads t ON t.id = a.thread_id
LEFT JOIN posts q ON q.id = (
  SELECT f.id FROM posts f WHERE f.thread_id = t.id AND f.deleted_at IS NULL
  ORDER BY f.position IS NULL, f.position, f.id LIMIT 1)
LEFT JOIN users qu ON qu.id = q.author_id
LEFT JOIN users au ON au.id = a.author_id
WHERE a.is_solution = 1 AND a.deleted_at IS NULL""",
    "quote_edges": """
SELECT q.id AS quote_id, p.thread_id, q.post_id AS quoting_post_id,
  p.author_id AS quoting_user_id, pu.name AS quoting_user_name,
  q.quoted_user_id, coalesce(qu.name, q.quoted_name) AS quoted_user_name,
  q.quoted_post_id, q.depth
FROM quotes q
JOIN posts p ON p.id = q.post_id
LEFT JOIN users pu ON pu.id = p.author_id
LEFT JOIN users qu ON qu.id = q.quoted_user_id""",
    "post_history": """
SELECT p.id AS post_id, p.thread_id, t.title AS thread_title, p.external_id, p.url,
  u.name AS author_name, count(v.id) AS version_count, p.edited_at, p.deleted_at,
  p.first_seen_at, p.last_seen_at
FROM posts p
JOIN threads t ON t.id = p.thread_id
LEFT JOIN users u ON u.id = p.author_id
LEFT JOIN post_versions v ON v.post_id = p.id
GROUP BY p.id
HAVING count(v.id) > 1 OR p.deleted_at IS NOT NULL""",
    "run_changes": """
SELECT c.run_id, c.change, c.post_id, p.thread_id, t.title AS thread_title, p.position,
  u.name AS author_name, p.posted_at, c.seen_at, coalesce(p.url, t.url) AS url
FROM (
  SELECT first_run_id AS run_id, 'new' AS change, id AS post_id, first_seen_at AS seen_at
    FROM posts WHERE first_run_id IS NOT NULL
  UNION ALL
  SELECT v.run_id, 'changed', v.post_id, v.seen_at
    FROM post_versions v JOIN posts f ON f.id = v.post_id
    WHERE v.run_id IS NOT NULL AND v.run_id IS NOT f.first_run_id
  UNION ALL
  SELECT deleted_run_id, 'deleted', id, deleted_at FROM posts WHERE deleted_run_id IS NOT NULL
) c
JOIN posts p ON p.id = c.post_id
JOIN threads t ON t.id = p.thread_id
LEFT JOIN users u ON u.id = p.author_id""",
}


@MIGRATIONS(name="0001_initial")
def _initial(db: Database) -> None:
    """Create every table, index and full-text index of the first schema."""
    for name, spec in TABLES.items():
        db[name].create(
            spec.columns, pk="id", foreign_keys=spec.foreign_keys, not_null=spec.not_null,
            defaults=spec.defaults,
        )
        if name == "posts":  # threads and posts point at each other
            db["threads"].add_foreign_key("accepted_post_id", "posts", "id")
    for table, columns, unique in INDEXES:
        db[table].create_index(columns, unique=unique)
    for table, columns in FTS.items():
        db[table].enable_fts(columns, create_triggers=True, replace=True)


def _post_label(row: str, author_name: str) -> str:
    """SQL for a post's label, e.g. "#3 · maria_s · 2025-01-07 09:12" (the time as stored)."""
    parts = (
        f"coalesce('#' || {row}position || ' · ', '')"
        f" || coalesce({author_name} || ' · ', '')"
        f" || coalesce(replace(substr({row}posted_at, 1, 16), 'T', ' '), {row}posted_at_raw, '')"
    )
    return f"coalesce(nullif(trim({parts}, ' ·'), ''), 'post ' || {row}external_id)"


_AUTHOR_OF_NEW = "(SELECT name FROM users WHERE id = new.author_id)"
_AUTHOR_OF_ROW = "(SELECT name FROM users WHERE id = posts.author_id)"
_LABEL_TRIGGERS = {
    "posts_label_ai": f"""AFTER INSERT ON posts BEGIN
  UPDATE posts SET label = {_post_label("new.", _AUTHOR_OF_NEW)} WHERE id = new.id;
END""",
    "posts_label_au": f"""AFTER UPDATE OF position, author_id, posted_at, posted_at_raw, external_id
ON posts BEGIN
  UPDATE posts SET label = {_post_label("new.", _AUTHOR_OF_NEW)} WHERE id = new.id;
END""",
    "users_label_au": f"""AFTER UPDATE OF name ON users BEGIN
  UPDATE posts SET label = {_post_label("posts.", "new.name")} WHERE author_id = new.id;
END""",
}


def _fts_update_trigger(table: str, columns: list[str]) -> str:
    """The sqlite-utils FTS update trigger, fired only when an indexed column changes."""
    cols = ", ".join(f'"{c}"' for c in columns)
    old = ", ".join(f'old."{c}"' for c in columns)
    new = ", ".join(f'new."{c}"' for c in columns)
    return f"""CREATE TRIGGER "{table}_au" AFTER UPDATE OF {cols} ON "{table}" BEGIN
  INSERT INTO "{table}_fts" ("{table}_fts", rowid, {cols}) VALUES('delete', old.rowid, {old});
  INSERT INTO "{table}_fts" (rowid, {cols}) VALUES (new.rowid, {new});
END"""


@MIGRATIONS(name="0002_post_labels")
def _post_labels(db: Database) -> None:
    """Give posts a readable `label` (Datasette shows it for foreign keys to posts), kept by
    triggers; and re-index full text only when an indexed column changes, not on every
    `last_seen_at` update."""
    for table, columns in {"posts": ["title", "body_text"], "threads": ["title"]}.items():
        db.execute(f'DROP TRIGGER IF EXISTS "{table}_au"')
        db.execute(_fts_update_trigger(table, columns))
    if "label" not in db["posts"].columns_dict:
        db["posts"].add_column("label", str)
    db.execute(f"UPDATE posts SET label = {_post_label('posts.', _AUTHOR_OF_ROW)}")
    for name, body in _LABEL_TRIGGERS.items():
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
        db.execute(f"CREATE TRIGGER {name} {body}")


@MIGRATIONS(name="0003_platform_neutral_names")
def _neutral_names(db: Database) -> None:
    """Speak to users of every platform: ``posts.kudos`` becomes ``posts.score`` (kudos, likes,
    reactions or votes), and users get a ``display_name`` beside their handle."""
    for name in VIEWS:  # views naming the old column are recreated after the migrations
        db.execute(f"DROP VIEW IF EXISTS {name}")
    if "kudos" in db["posts"].columns_dict:
        db.execute("ALTER TABLE posts RENAME COLUMN kudos TO score")
    if "display_name" not in db["users"].columns_dict:
        db["users"].add_column("display_name", str)



@MIGRATIONS(name="0004_run_reason")
def _run_reason(db: Database) -> None:
    """Crawl runs say why a run failed (e.g. a start page with nothing to crawl)."""
    if "reason" not in db["crawl_runs"].columns_dict:
        db["crawl_runs"].add_column("reason", str)
@MIGRATIONS(name="0005_site_zone")
def _site_zone(db: Database) -> None:
    """Times in the site's zone: ``sites.tz`` (an IANA name or "+01:00") and ``tz_source``
    (option, page, learned, best fit); the observations it is learned from; and each post's
    shown local times (``posted_at_local``, ``edited_at_local``) so the zone can be re-applied.
    Posts stored without an offset keep that text as their local time."""
    for column in ("tz", "tz_source"):
        if column not in db["sites"].columns_dict:
            db["sites"].add_column(column, str)
    for column in ("posted_at_local", "edited_at_local"):
        if column not in db["posts"].columns_dict:
            db["posts"].add_column(column, str)
    if "zone_observations" not in db.table_names():
        db["zone_observations"].create(
            {"id": int, "site_id": int, "local": str, "offset_minutes": int, "instant": str},
            pk="id", foreign_keys=[("site_id", "sites", "id")],
            not_null=("site_id", "local", "offset_minutes"),
        )
        db["zone_observations"].create_index(["site_id", "local", "offset_minutes"], unique=True)
    db.execute(
        "UPDATE posts SET posted_at_local = posted_at WHERE posted_at IS NOT NULL"
        " AND posted_at NOT LIKE '%+__:__' AND posted_at NOT LIKE '%-__:__'"
        " AND posted_at NOT LIKE '%Z'"
    )
    db.execute(
        "UPDATE posts SET edited_at_local = edited_at WHERE edited_at IS NOT NULL"
        " AND edited_at NOT LIKE '%+__:__' AND edited_at NOT LIKE '%-__:__'"
        " AND edited_at NOT LIKE '%Z'"
    )
@MIGRATIONS(name="0006_run_changes")
def _run_changes(db: Database) -> None:
    """Record which run first saw each post, saw each version and saw each deletion; the pid of
    each run (a "running" run whose process is gone was interrupted); and call threads whose
    pages are still to fetch "pending" instead of "partial" (partial always has a reason)."""
    for table, column, target in (
        ("posts", "first_run_id", "crawl_runs"), ("posts", "deleted_run_id", "crawl_runs"),
        ("post_versions", "run_id", "crawl_runs"), ("crawl_runs", "pid", None),
    ):
        if column not in db[table].columns_dict:  # ALTER keeps the tables' triggers
            references = f" REFERENCES {target}(id)" if target else ""
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER{references}")
    for table, column in (
        ("posts", "first_run_id"), ("posts", "deleted_run_id"), ("post_versions", "run_id")
    ):
        db[table].create_index([column], if_not_exists=True)
    db.execute("UPDATE threads SET status = 'pending' WHERE status = 'partial'"
               " AND status_reason IS NULL")


def create_views(db: Database) -> None:
    """(Re)create the Datasette views; unchanged definitions are left alone."""
    with db.atomic():
        for name, sql in VIEWS.items():
            db.create_view(name, sql.strip(), replace=True)


def migrate(db: Database) -> None:
    """Bring the archive up to the current schema; running it again changes nothing."""
    MIGRATIONS.apply(db)
    create_views(db)
