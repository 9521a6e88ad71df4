"""The archive writer: turns parsed pages and fetches into rows of the SQLite archive.

Besides `schema`, this is the only module that knows the SQL tables. Every write runs in one
transaction (a savepoint when the caller already holds one) and touches a row only when one of
its values differs, so writing the same page twice with the same `seen_at` changes nothing.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sqlite3
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import sqlite_utils

from . import zones
from .models import Author, Board, ListingPage, Post, Quote, ThreadPage, TimeAnchor
from .platforms.common import is_cut, stem
from .schema import TABLES, migrate

Row = dict[str, Any]
Outcome = Literal["new", "changed", "same"]

# Correlated test that the row's post (column given by the placeholder) belongs to a site.
_POST_IN_SITE = (
    "EXISTS (SELECT 1 FROM posts sp JOIN threads st ON st.id = sp.thread_id"
    " WHERE sp.id = {} AND st.site_id = ?)"
)
_THREAD_IN_SITE = "EXISTS (SELECT 1 FROM threads st WHERE st.id = {} AND st.site_id = ?)"
_PAGE_META = ", ".join(c for c in TABLES["pages"].columns if c != "body")
_QUOTE_COLUMNS = (
    "post_id", "position", "depth", "quoted_name", "quoted_user_id",
    "quoted_post_external_id", "quoted_post_id", "text",
)
_USER_COLUMNS = ("external_id", "name", "display_name", "url", "rank")
# `IN` over a list passed as one JSON parameter: one statement text, whatever the list's length.
_IN_LIST = "(SELECT value FROM json_each(?))"
# zlib level of stored bodies: on real forum pages level 3 compresses 2.2x faster than the
# default 6, for bodies about 15% larger.
_BODY_COMPRESSION = 3


@dataclass
class WriteStats:
    """What one thread-page write changed."""

    posts_new: int = 0
    posts_changed: int = 0
    posts_deleted: int = 0


@dataclass(frozen=True)
class _PageContext:
    site_id: int
    thread_id: int
    page_number: int
    accepted: frozenset[str]
    seen_at: str
    page_id: int | None
    run_id: int | None = None
    zone: str | None = None  # the site's zone, applied to shown (local) times


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _present(**values: Any) -> Row:
    """The given values that are known (not None): missing data never erases stored data."""
    return {k: v for k, v in values.items() if v is not None}


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _rows(db: sqlite_utils.Database, sql: str, params: list[Any]) -> list[Row]:
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _row(db: sqlite_utils.Database, sql: str, params: list[Any]) -> Row | None:
    rows = _rows(db, sql, params)
    return rows[0] if rows else None


def _insert(db: sqlite_utils.Database, table: str, values: Row) -> int:
    columns = ", ".join(f'"{c}"' for c in values)
    marks = ", ".join("?" for _ in values)
    cursor = db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values()))
    return cursor.lastrowid


def _update(db: sqlite_utils.Database, table: str, row_id: int, values: Row) -> None:
    if values:
        assignments = ", ".join(f'"{c}" = ?' for c in values)
        db.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", [*values.values(), row_id])


def _in_list(values: Iterable[Any]) -> str:
    return json.dumps(list(values))


def _insert_posts(db: sqlite_utils.Database, rows: list[Row]) -> dict[str, int]:
    """Insert new posts (rows with the same columns) in order, in as few statements as the
    parameter limit allows, so that the full-text index takes them in one pass instead of one
    segment per post; return their ids by external id."""
    width = len(rows[0])
    columns = ", ".join(f'"{c}"' for c in rows[0])
    size = max(1, db.conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width)
    ids: dict[str, int] = {}
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        marks = ", ".join([f"({', '.join('?' * width)})"] * len(chunk))
        cursor = db.execute(
            f"INSERT INTO posts ({columns}) VALUES {marks} RETURNING external_id, id",
            [value for row in chunk for value in row.values()],
        )
        ids.update(cursor.fetchall())
    return ids


def _update_rows(db: sqlite_utils.Database, table: str, changes: list[tuple[int, Row]]) -> None:
    """Update rows by id to their changed values: one statement per distinct change (a re-seen
    page usually moves only `last_seen_at`, the same for all its rows)."""
    groups: dict[tuple[tuple[str, Any], ...], list[int]] = {}
    for row_id, values in changes:
        if values:
            groups.setdefault(tuple(values.items()), []).append(row_id)
    for change, ids in groups.items():
        assignments = ", ".join(f'"{column}" = ?' for column, _ in change)
        db.execute(
            f"UPDATE {table} SET {assignments} WHERE id IN {_IN_LIST}",
            [*(value for _, value in change), _in_list(ids)],
        )


def _changed(old: Row, values: Row) -> Row:
    return {k: v for k, v in values.items() if old[k] != v}


def _sync(db: sqlite_utils.Database, table: str, row_id: int, values: Row) -> None:
    """Update the columns of one row whose stored value differs."""
    columns = ", ".join(f'"{c}"' for c in values)
    old = _row(db, f"SELECT {columns} FROM {table} WHERE id = ?", [row_id])
    if old is None:
        raise KeyError(f"no {table} row with id {row_id}")
    _update(db, table, row_id, _changed(old, values))


def _upsert(
    db: sqlite_utils.Database, table: str, key: Row, values: Row, insert_only: Row | None = None
) -> tuple[int, Row | None]:
    """Find a row by its unique key; insert it or update its differing values.

    Returns the row id and the row as it was before (None when inserted).
    """
    where = " AND ".join(f'"{c}" = ?' for c in key)
    old = _row(db, f"SELECT * FROM {table} WHERE {where}", list(key.values()))
    if old is None:
        return _insert(db, table, {**key, **(insert_only or {}), **values}), None
    _update(db, table, old["id"], _changed(old, values))
    return old["id"], old


class ArchiveBusy(Exception):
    """Another process (a crawl or a reparse) is writing the archive."""


@contextmanager
def lock(db_path: Path) -> Iterator[None]:
    """Hold the archive's exclusive writer lock (a file beside it) for a crawl or a reparse;
    the OS releases it even on ``kill -9``. ``ArchiveBusy`` when another process holds it."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = db_path.with_name(db_path.name + ".lock")
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ArchiveBusy(f"another crawl is already running on {db_path}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield


def base_url(url: str) -> str:
    """The scheme and host of ``url``: what identifies its site."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
class ArchiveError(Exception):
    """An archive file that cannot be used: not SQLite, read-only for a write, locked."""


SQLITE_HEADER = b"SQLite format 3\x00"
# How long a command waits for another process's write lock before giving up.
LOCK_TIMEOUT = 5.0


def is_sqlite(path: Path) -> bool:
    """Whether ``path`` is a file that starts with the SQLite header."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def check_file(path: str | Path, *, write: bool = True) -> Path:
    """Refuse, with one line naming the file, an archive path that cannot serve the command:
    a directory, a file that is not SQLite, a read-only file (or folder) for a command that
    writes. A missing file is fine for a writing command (it is created)."""
    path = Path(path)
    if path.is_dir():
        raise ArchiveError(f"{path}: is a directory, not an archive file")
    if not path.exists():
        if not write:
            raise ArchiveError(f"no archive at {path}")
        folder = _existing_parent(path)
        if not os.access(folder, os.W_OK):
            raise ArchiveError(f"{path}: cannot create the archive: {folder} is read-only")
        return path
    if path.stat().st_size and not is_sqlite(path):
        raise ArchiveError(f"{path}: not an SQLite database (its first bytes are no SQLite header)")
    if write and (not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222):
        raise ArchiveError(f"{path}: the file is read-only; this command writes to the archive")
    if write and not os.access(path.parent, os.W_OK):
        raise ArchiveError(f"{path}: its folder is read-only (SQLite needs it for its journal)")
    return path


def _existing_parent(path: Path) -> Path:
    folder = path.absolute().parent
    while not folder.exists():
        folder = folder.parent
    return folder


def sqlite_problem(path: Path, exc: sqlite3.Error) -> ArchiveError:
    """The one-line ArchiveError for an SQLite error met while opening ``path``."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return ArchiveError(f"{path}: the archive is locked by another process; try again later")
    if "readonly" in text or "read-only" in text:
        return ArchiveError(f"{path}: the archive is read-only; this command writes to it")
    if "not a database" in text or "malformed" in text:
        return ArchiveError(f"{path}: not a usable SQLite database ({text})")
    return ArchiveError(f"{path}: cannot open the archive ({text})")


def open_read_only(path: str | Path) -> sqlite3.Connection:
    """Open an existing archive read-only (URI ``mode=ro``: never creates a file); nothing done
    through the connection can change it, and ATTACH is refused."""
    path = check_file(path, write=False)
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=LOCK_TIMEOUT)
    try:
        conn.execute("PRAGMA query_only = ON")
        conn.execute("PRAGMA schema_version").fetchone()
    except sqlite3.Error as exc:
        conn.close()
        raise sqlite_problem(path, exc) from None
    conn.set_authorizer(_no_attach)
    return conn


def _no_attach(action: int, *_: object) -> int:
    """SQLite authorizer: refuse ATTACH and DETACH (an ATTACH could create a file)."""
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def open_archive(path: str | Path) -> sqlite_utils.Database:
    """Open (creating and migrating as needed) the archive at `path`, in WAL mode with FKs on.

    Commits are not synced to disk one by one (``synchronous = NORMAL``): a killed process
    loses nothing, a power cut may lose the last commits, never the archive's consistency.
    A file that is not SQLite, read-only or locked raises ArchiveError and is left untouched.
    """
    path = check_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=LOCK_TIMEOUT)
    db = sqlite_utils.Database(conn)
    try:
        db.execute("PRAGMA schema_version").fetchone()  # reads the header: fails if not SQLite
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("BEGIN IMMEDIATE")  # another process's write lock shows now, not mid-crawl
        db.execute("ROLLBACK")
        migrate(db)
        db.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        conn.close()
        raise sqlite_problem(path, exc) from None
    return db


def ensure_site(
    db: sqlite_utils.Database, base_url: str, platform: str, title: str | None = None
) -> int:
    """The id of the site at `base_url` (trailing slash ignored), created or updated."""
    with db.atomic():
        site_id, _ = _upsert(
            db, "sites", {"base_url": base_url.rstrip("/")},
            _present(platform=platform, title=title),
        )
    return site_id


def site_by_url(db: sqlite_utils.Database, url: str) -> Row | None:
    """The stored site of ``url`` (by scheme and host), if any."""
    return _row(db, "SELECT * FROM sites WHERE base_url = ?", [base_url(url)])


def site_platform(db: sqlite_utils.Database, site_id: int) -> str:
    """The platform stored for a site."""
    row = _row(db, "SELECT platform FROM sites WHERE id = ?", [site_id])
    if row is None:
        raise KeyError(f"no site {site_id}")
    return row["platform"]


def record_fetch(
    db: sqlite_utils.Database,
    *,
    url: str,
    status_code: int | None,
    body: bytes | None,
    content_type: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    final_url: str | None = None,
    page_kind: str | None = None,
    parse_status: str = "pending",
    error: str | None = None,
    fetched_at: str | None = None,
) -> int:
    """Record one fetch and return its pages.id.

    The body is stored zlib-compressed with the sha256 of the raw bytes. A body identical to the
    previous fetch of the URL is not stored again: `same_as_page_id` points at the row holding it.
    A 304 without a body refers to the previous body the same way and keeps its validators.
    """
    row: Row = {
        "url": url, "fetched_at": fetched_at or _now(), "status_code": status_code,
        "content_type": content_type, "etag": etag, "last_modified": last_modified,
        "final_url": final_url, "page_kind": page_kind, "parse_status": parse_status,
        "error": error,
    }
    with db.atomic():
        previous = _row(
            db,
            "SELECT id, sha256, size, same_as_page_id, etag, last_modified FROM pages"
            " WHERE url = ? AND sha256 IS NOT NULL ORDER BY id DESC LIMIT 1",
            [url],
        )
        same_as = previous and (previous["same_as_page_id"] or previous["id"])
        if body is not None:
            digest = hashlib.sha256(body).hexdigest()
            row.update(sha256=digest, size=len(body))
            if previous and previous["sha256"] == digest:
                row["same_as_page_id"] = same_as
            else:
                row["body"] = zlib.compress(body, _BODY_COMPRESSION)
        elif status_code == 304 and previous:
            row.update(
                sha256=previous["sha256"], size=previous["size"], same_as_page_id=same_as,
                etag=etag or previous["etag"],
                last_modified=last_modified or previous["last_modified"],
            )
        return _insert(db, "pages", row)


def set_parse_status(
    db: sqlite_utils.Database,
    page_id: int,
    parse_status: str,
    error: str | None = None,
    *,
    thread_id: int | None = None,
    page_number: int | None = None,
) -> None:
    """Set the parse outcome of a fetched page, and the thread page it holds when known."""
    values = {"parse_status": parse_status, "error": error}
    with db.atomic():
        _sync(db, "pages", page_id, values | _present(thread_id=thread_id, page_number=page_number))


def latest_page(db: sqlite_utils.Database, url: str) -> Row | None:
    """The most recent pages row of a URL, without its body."""
    return _row(db, f"SELECT {_PAGE_META} FROM pages WHERE url = ? ORDER BY id DESC LIMIT 1", [url])


def page_body(db: sqlite_utils.Database, page_id: int) -> bytes | None:
    """The raw body of a fetch (following `same_as_page_id`), or None if it has none."""
    row = _row(
        db,
        "SELECT coalesce(p.body, s.body) AS body FROM pages p"
        " LEFT JOIN pages s ON s.id = p.same_as_page_id WHERE p.id = ?",
        [page_id],
    )
    return zlib.decompress(row["body"]) if row and row["body"] is not None else None


def _board(
    db: sqlite_utils.Database,
    site_id: int,
    board: Board | None,
    *,
    kind: str | None = None,
    parent_id: int | None = None,
) -> int | None:
    """Upsert a board or category by its external id; a board without one is not stored."""
    if board is None or not board.external_id:
        return None
    board_id, _ = _upsert(
        db, "boards", {"site_id": site_id, "external_id": board.external_id},
        _present(title=board.title, url=board.url, kind=kind, parent_id=parent_id),
        insert_only={"kind": "board"},
    )
    return board_id


def write_listing(db: sqlite_utils.Database, site_id: int, listing: ListingPage) -> int | None:
    """Upsert the board or category a listing shows, its sub-boards and the users it names (a
    name cut short never replaces a fuller one); return its board id."""
    with db.atomic():
        note_zone(db, site_id, listing.time_anchors, listing.zone_hint)
        own_kind = listing.kind if listing.kind in ("board", "category") else None
        board_id = _board(db, site_id, listing.board, kind=own_kind) if own_kind else None
        for child in listing.boards:
            _board(db, site_id, child, kind="board", parent_id=board_id)
        for child in listing.categories:
            _board(db, site_id, child, kind="category", parent_id=board_id)
        authors = [row.author for row in listing.threads if row.author is not None]
        users = _page_users(db, site_id, authors)
        for author in authors:
            _user(db, site_id, author, users)
    return board_id


def site_zone(db: sqlite_utils.Database, site_id: int) -> tuple[str | None, str | None]:
    """The site's zone and where it comes from (option, page, learned, best fit)."""
    row = _row(db, "SELECT tz, tz_source FROM sites WHERE id = ?", [site_id])
    return (row["tz"], row["tz_source"]) if row else (None, None)


def give_zone(db: sqlite_utils.Database, site_id: int, tz: str) -> None:
    """Apply --tz to a site: a zone (kept, source "option"), or ``auto``: back to the zone the
    stored observations give (times stay local when there are none)."""
    if tz != zones.AUTO:
        set_site_zone(db, site_id, tz, "option")
        return
    learned = zones.learn(site_observations(db, site_id))
    set_site_zone(db, site_id, learned and learned.zone, learned and learned.source)


def set_site_zone(db: sqlite_utils.Database, site_id: int, zone: str | None,
                  source: str | None) -> None:
    """Give the site a zone (normalized); a new zone is re-applied to every shown time stored."""
    old = site_zone(db, site_id)
    if old == (zone, source):
        return
    with db.atomic():
        db.execute("UPDATE sites SET tz = ?, tz_source = ? WHERE id = ?", [zone, source, site_id])
        if old[0] != zone:
            _reapply_zone(db, site_id, zone)


def note_zone(db: sqlite_utils.Database, site_id: int, anchors: list[TimeAnchor],
              hint: str | None) -> str | None:
    """Record what a page tells of the site's zone; the site's zone afterwards.

    A zone the page states wins over observations; a zone given with --tz wins over both.
    New observations the current zone does not explain make the zone be learned again.
    """
    zone, source = site_zone(db, site_id)
    if hint and source != "option":
        try:
            set_site_zone(db, site_id, zones.normalize(hint), "page")
            zone, source = site_zone(db, site_id)
        except zones.ZoneError:
            pass
    pairs = [(o, a.instant) for a in anchors
             if (o := zones.observation(a.local, a.instant)) is not None]
    added = [
        o for o, instant in pairs
        if db.execute(
            "INSERT INTO zone_observations (site_id, local, offset_minutes, instant)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [site_id, o.local.isoformat(), int(o.offset.total_seconds()) // 60, instant],
        ).rowcount
    ]
    if not added or source in ("option", "page"):
        return zone
    if zone is None or source != "learned" or not all(zones.explains(zone, o) for o in added):
        learned = zones.learn(site_observations(db, site_id))
        if learned is not None:
            set_site_zone(db, site_id, learned.zone, learned.source)
            zone = learned.zone
    return zone


def site_observations(db: sqlite_utils.Database, site_id: int) -> list[zones.Observation]:
    """Every zone observation recorded for a site."""
    return [
        zones.Observation(datetime.fromisoformat(local), timedelta(minutes=minutes))
        for local, minutes in db.execute(
            "SELECT local, offset_minutes FROM zone_observations WHERE site_id = ? ORDER BY id",
            [site_id],
        )
    ]


def _reapply_zone(db: sqlite_utils.Database, site_id: int, zone: str | None) -> None:
    """Turn every stored shown time of the site into an instant in ``zone``."""
    rows = db.execute(
        "SELECT p.id, p.thread_id, p.posted_at, p.posted_at_local, p.edited_at, p.edited_at_local"
        " FROM posts p JOIN threads t ON t.id = p.thread_id WHERE t.site_id = ?"
        " AND (p.posted_at_local IS NOT NULL OR p.edited_at_local IS NOT NULL)",
        [site_id],
    ).fetchall()
    changes, threads = [], set()
    for post_id, thread_id, posted, posted_local, edited, edited_local in rows:
        values = {
            "posted_at": zones.apply(zone, posted_local) if posted_local else posted,
            "edited_at": zones.apply(zone, edited_local) if edited_local else edited,
        }
        if (values["posted_at"], values["edited_at"]) != (posted, edited):
            changes.append((post_id, values))
            threads.add(thread_id)
    _update_rows(db, "posts", changes)
    for thread_id in sorted(threads):
        _refresh_thread(db, thread_id)
    versions = db.execute(
        "SELECT v.id, v.edited_at FROM post_versions v JOIN posts p ON p.id = v.post_id"
        " JOIN threads t ON t.id = p.thread_id WHERE t.site_id = ? AND v.edited_at IS NOT NULL",
        [site_id],
    ).fetchall()
    _update_rows(db, "post_versions", [  # stored local while the zone was unknown
        (version_id, {"edited_at": zones.apply(zone, edited)})
        for version_id, edited in versions if zone and zones.is_local(edited)
    ])


def zone_notes(db: sqlite_utils.Database, *, unsettled: bool = False) -> list[str]:
    """One line per site on its times, for ``status``; with ``unsettled``, only the sites with
    shown times stored local or in a best-fit zone (for the crawl summary)."""
    lines: list[str] = []
    if "tz" not in db["sites"].columns_dict:  # an archive not upgraded (opened read-only)
        return lines
    where = (
        " WHERE (tz IS NULL OR tz_source = 'best fit') AND EXISTS (SELECT 1 FROM posts p"
        " JOIN threads t ON t.id = p.thread_id WHERE t.site_id = sites.id"
        " AND p.posted_at_local IS NOT NULL)"
    ) if unsettled else ""
    for site_id, base, zone, source in db.execute(
        f"SELECT id, base_url, tz, tz_source FROM sites{where} ORDER BY id"
    ).fetchall():
        obs = site_observations(db, site_id)
        explained = sum(zones.explains(zone, o) for o in obs) if zone else 0
        lines.append(f"{base}: {zones.describe(zone, source, explained, len(obs))}")
    return lines


def _user_key(author: Author) -> str | None:
    """Users are keyed by external id, or by name for anonymous authors."""
    if author.external_id:
        return f"id:{author.external_id}"
    if author.name:
        return f"name:{author.name}"
    return None


def _page_users(
    db: sqlite_utils.Database, site_id: int, authors: Iterable[Author]
) -> dict[str, Row]:
    """The stored users of the authors a page shows, by user key, in one query."""
    keys = {key for author in authors if (key := _user_key(author))}
    if not keys:
        return {}
    rows = _rows(
        db, f"SELECT * FROM users WHERE site_id = ? AND user_key IN {_IN_LIST}",
        [site_id, _in_list(keys)],
    )
    return {row["user_key"]: row for row in rows}


def _user(db: sqlite_utils.Database, site_id: int, author: Author, users: dict[str, Row]
          ) -> int | None:
    """Upsert the user of an author; `users` holds the page's users as stored so far."""
    key = _user_key(author)
    if key is None:
        return None
    values = _present(external_id=author.external_id, name=author.name,
                      display_name=author.display_name, url=author.url, rank=author.rank)
    old = users.get(key)
    if old is not None:
        changes = {k: v for k, v in _changed(old, values).items() if not _less(old[k], v)}
        _update(db, "users", old["id"], changes)
        old.update(changes)
        return old["id"]
    user_id = _insert(db, "users", {"site_id": site_id, "user_key": key, **values})
    users[key] = {"id": user_id, **dict.fromkeys(_USER_COLUMNS), **values}
    if author.name:
        db.execute(
            "UPDATE quotes SET quoted_user_id = ? WHERE quoted_user_id IS NULL"
            f" AND quoted_name = ? AND {_POST_IN_SITE.format('quotes.post_id')}",
            [user_id, author.name, site_id],
        )
    return user_id


def _less(old: Any, new: Any) -> bool:
    """Whether a shown value is less than the stored one: the stored text cut short ("amélie_ok…"
    beside "amélie_okafor"), or a shorter cut of it. Values only get better: a fuller one
    replaces a cut one, a missing one never replaces anything."""
    if not isinstance(new, str) or not isinstance(old, str) or not is_cut(new):
        return False
    return old.startswith(stem(new))


def _users_by_name(db: sqlite_utils.Database, site_id: int, names: set[str]) -> dict[str, int]:
    """The user each name stands for: the one with an external id first, then the oldest."""
    found: dict[str, int] = {}
    if names:
        for name, user_id in db.execute(
            f"SELECT name, id FROM users WHERE site_id = ? AND name IN {_IN_LIST}"
            " ORDER BY external_id IS NULL, id",
            [site_id, _in_list(names)],
        ):
            found.setdefault(name, user_id)
    return found


def _content_hash(post: Post) -> str:
    return hashlib.sha256(f"{post.title or ''}\x00{post.body_html}".encode()).hexdigest()


@dataclass
class _Written:
    """A post of the page being written: its values, its row before (None if new), its id
    (set once a new post is inserted)."""

    post: Post
    values: Row
    old: Row | None
    id: int = 0

    @property
    def new_content(self) -> bool:
        return self.old is None or self.old["content_hash"] != self.values["content_hash"]

    @property
    def outcome(self) -> Outcome:
        if self.old is None:
            return "new"
        return "changed" if self.new_content or self.old["deleted_at"] else "same"


class _Sources:
    """The posts of the site that a page refers to (replied to, quoted) by external id: the
    first archived post (lowest id) with that id, loaded in one query and kept up to date with
    the page's own writes."""

    def __init__(self, db: sqlite_utils.Database, site_id: int, posts: list[Post]) -> None:
        self.wanted = {post.reply_to for post in posts if post.reply_to} | {
            quote.post_external_id for post in posts for quote in post.quotes
            if quote.post_external_id
        }
        self.rows: dict[str, Row] = {}
        if self.wanted:
            for row in _rows(
                db,
                "SELECT external_id, id, author_id FROM posts"
                f" WHERE external_id IN {_IN_LIST}"
                f" AND {_THREAD_IN_SITE.format('posts.thread_id')} ORDER BY id",
                [_in_list(self.wanted), site_id],
            ):
                self.rows.setdefault(row["external_id"], row)

    def get(self, external_id: str | None) -> Row | None:
        return self.rows.get(external_id) if external_id else None

    def note(self, written: _Written) -> None:
        """Account for a post the page wrote (new, or with another author)."""
        if written.post.external_id in self.wanted:
            row = self.rows.setdefault(written.post.external_id, {"id": written.id})
            if row["id"] == written.id:
                row["author_id"] = written.values["author_id"]


def _distinct(posts: list[Post]) -> list[Post]:
    """A page shows each post once: later repeats of an external id are ignored."""
    first: dict[str, Post] = {}
    for post in posts:
        first.setdefault(post.external_id, post)
    return list(first.values())


def _post_values(ctx: _PageContext, post: Post, author_id: int | None, sources: _Sources
                 ) -> Row:
    reply = sources.get(post.reply_to)
    return {
        "position": post.position, "page_number": ctx.page_number, "url": post.url,
        "author_id": author_id, "title": post.title,
        "posted_at": zones.apply(ctx.zone, post.posted_at), "posted_at_raw": post.posted_at_raw,
        "posted_at_local": post.posted_at if zones.is_local(post.posted_at) else None,
        "edited_at": zones.apply(ctx.zone, post.edited_at),
        "edited_at_local": post.edited_at if zones.is_local(post.edited_at) else None,
        "body_html": post.body_html, "body_text": post.body_text,
        "signature": post.signature, "score": post.score,
        "is_solution": int(post.is_solution or post.external_id in ctx.accepted),
        "reply_to_external_id": post.reply_to, "reply_to_post_id": reply and reply["id"],
        "content_hash": _content_hash(post), "deleted_at": None, "deleted_run_id": None,
        "last_seen_at": ctx.seen_at,
    }


def _write_posts(db: sqlite_utils.Database, ctx: _PageContext, posts: list[Post],
                 sources: _Sources) -> list[_Written]:
    """Upsert a page's posts and their authors, adding a post_versions row for new content.

    New posts go in as one statement, so the full-text index takes them in one pass. A reply
    to a post that is new on this page is linked afterwards by `_resolve_references`.
    """
    users = _page_users(db, ctx.site_id, [post.author for post in posts])
    stored = {
        row["external_id"]: row
        for row in _rows(
            db, f"SELECT * FROM posts WHERE thread_id = ? AND external_id IN {_IN_LIST}",
            [ctx.thread_id, _in_list(post.external_id for post in posts)],
        )
    }
    written = []
    for post in posts:
        author_id = _user(db, ctx.site_id, post.author, users)
        old = stored.get(post.external_id)
        values = _post_values(ctx, post, author_id, sources)
        written.append(_Written(post, values, old, old["id"] if old else 0))
    new = [w for w in written if w.old is None]
    if new:
        ids = _insert_posts(db, [
            {"thread_id": ctx.thread_id, "external_id": w.post.external_id,
             "first_seen_at": ctx.seen_at, "first_run_id": ctx.run_id, **w.values}
            for w in new
        ])
        for w in new:
            w.id = ids[w.post.external_id]
    _update_rows(db, "posts", [(w.id, _changed(w.old, w.values)) for w in written if w.old])
    db.conn.executemany(
        "INSERT INTO post_versions (post_id, content_hash, title, body_html, body_text,"
        " edited_at, seen_at, page_id, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (post_id, content_hash) DO NOTHING",
        [
            [w.id, w.values["content_hash"], w.post.title, w.post.body_html, w.post.body_text,
             w.values["edited_at"], ctx.seen_at, ctx.page_id, ctx.run_id]
            for w in written if w.new_content
        ],
    )
    for w in written:
        sources.note(w)
    return written


def _resolve_references(db: sqlite_utils.Database, ctx: _PageContext, new: list[str]) -> None:
    """Point the replies and quotes archived so far that name the page's new posts (given by
    external id) at their rows. (`+` keeps SQLite from scanning every unresolved row through
    the index on the NULL column.)"""
    if not new:
        return
    params = [ctx.thread_id, _in_list(new), ctx.site_id]
    db.execute(
        "UPDATE posts SET reply_to_post_id = (SELECT n.id FROM posts n WHERE n.thread_id = ?"
        " AND n.external_id = posts.reply_to_external_id)"
        f" WHERE +reply_to_post_id IS NULL AND reply_to_external_id IN {_IN_LIST}"
        f" AND {_THREAD_IN_SITE.format('posts.thread_id')}",
        params,
    )
    db.execute(
        "UPDATE quotes SET (quoted_post_id, quoted_user_id) = (SELECT n.id,"
        " coalesce(n.author_id, quotes.quoted_user_id) FROM posts n WHERE n.thread_id = ?"
        " AND n.external_id = quotes.quoted_post_external_id)"
        f" WHERE +quoted_post_id IS NULL AND quoted_post_external_id IN {_IN_LIST}"
        f" AND {_POST_IN_SITE.format('quotes.post_id')}",
        params,
    )


def _quote_row(post_id: int, position: int, quote: Quote, sources: _Sources,
               by_name: dict[str, int]) -> Row:
    source = sources.get(quote.post_external_id)
    user_id = source and source["author_id"]
    if user_id is None and quote.author_name:
        user_id = by_name.get(quote.author_name)
    return {
        "post_id": post_id, "position": position, "depth": quote.depth,
        "quoted_name": quote.author_name, "quoted_user_id": user_id,
        "quoted_post_external_id": quote.post_external_id,
        "quoted_post_id": source and source["id"], "text": quote.text,
    }


def _stored_quotes(db: sqlite_utils.Database, post_ids: list[int]) -> dict[int, list[Row]]:
    stored: dict[int, list[Row]] = {}
    if post_ids:
        for row in _rows(
            db, f"SELECT {', '.join(_QUOTE_COLUMNS)} FROM quotes WHERE post_id IN {_IN_LIST}"
            " ORDER BY post_id, position, id", [_in_list(post_ids)],
        ):
            stored.setdefault(row["post_id"], []).append(row)
    return stored


def _write_quotes(db: sqlite_utils.Database, ctx: _PageContext, written: list[_Written],
                  sources: _Sources) -> None:
    """Write the quotes of a page's posts; a post's stored quotes are replaced only when they
    differ from the page's."""
    names = {q.author_name for w in written for q in w.post.quotes if q.author_name}
    by_name = _users_by_name(db, ctx.site_id, names)
    stored = _stored_quotes(db, [w.id for w in written if w.old is not None])
    columns, marks = ", ".join(_QUOTE_COLUMNS), ", ".join("?" * len(_QUOTE_COLUMNS))
    for w in written:
        rows = [_quote_row(w.id, i, q, sources, by_name) for i, q in enumerate(w.post.quotes, 1)]
        before = stored.get(w.id, [])
        if rows == before:
            continue
        if before:
            db.execute("DELETE FROM quotes WHERE post_id = ?", [w.id])
        db.conn.executemany(
            f"INSERT INTO quotes ({columns}) VALUES ({marks})", [list(row.values()) for row in rows]
        )


def _upsert_thread(
    db: sqlite_utils.Database, site_id: int, page: ThreadPage, board_id: int | None, seen: str
) -> int:
    thread = page.thread
    values = _present(
        title=thread.title, url=thread.url, board_id=board_id, reply_count=thread.reply_count,
        solved=_flag(thread.solved), page_count=page.page.count, fetched_at=seen,
    )
    if thread.accepted_post_ids:
        values["accepted_post_external_id"] = thread.accepted_post_ids[0]
    elif thread.solved is False:
        values["accepted_post_external_id"] = None
    thread_id, old = _upsert(
        db, "threads", {"site_id": site_id, "external_id": thread.external_id}, values,
        insert_only={"status": "pending", "first_seen_at": seen},
    )
    if old is not None and old["status"] in ("blocked", "gone"):
        _update(db, "threads", thread_id, {"status": "pending", "status_reason": None})
    return thread_id


def _tombstone(db: sqlite_utils.Database, ctx: _PageContext, kept: list[int],
               whole: bool = False) -> int:
    """Mark deleted the posts last seen on this page that the page no longer shows (any post
    of the thread it does not show, when the page holds the ``whole`` thread)."""
    where = "" if whole else " AND page_number = ?"
    return db.execute(
        f"UPDATE posts SET deleted_at = ?, deleted_run_id = ? WHERE thread_id = ?{where}"
        f" AND deleted_at IS NULL AND id NOT IN {_IN_LIST}",
        [ctx.seen_at, ctx.run_id, ctx.thread_id, *([] if whole else [ctx.page_number]),
         _in_list(kept)],
    ).rowcount


def _refresh_thread(db: sqlite_utils.Database, thread_id: int) -> None:
    """Recompute the thread columns derived from its archived posts; the first post gives the
    author and creation time when it has them."""
    derived = _row(
        db,
        "SELECT"
        " (SELECT count(*) FROM posts WHERE thread_id = t.id AND deleted_at IS NULL)"
        "   AS post_count,"
        " (SELECT max(posted_at) FROM posts WHERE thread_id = t.id) AS last_post_at,"
        " (SELECT id FROM posts WHERE thread_id = t.id"
        "   AND external_id = t.accepted_post_external_id) AS accepted_post_id,"
        " coalesce(f.author_id, t.author_id) AS author_id,"
        " coalesce(f.posted_at, t.created_at) AS created_at"
        " FROM threads t LEFT JOIN posts f ON f.id = (SELECT id FROM posts"
        "   WHERE thread_id = t.id AND position = 1 ORDER BY deleted_at IS NOT NULL, id LIMIT 1)"
        " WHERE t.id = ?",
        [thread_id],
    )
    _sync(db, "threads", thread_id, derived or {})


def write_thread_page(
    db: sqlite_utils.Database,
    site_id: int,
    page: ThreadPage,
    *,
    page_id: int | None = None,
    seen_at: str | None = None,
    run_id: int | None = None,
    whole_thread: bool = False,
) -> WriteStats:
    """Archive one parsed thread page in a single transaction.

    Posts are upserted by (thread, external id); a post whose title or body changed gets a new
    post_versions row (old ones are kept); posts last seen on this page number that it no longer
    shows are marked deleted, and cleared when seen again. A page without posts marks nothing.
    ``run_id`` (the crawl run writing) is recorded on new posts, new versions and deletions.
    ``whole_thread``: the page holds every post of the thread (an API read), so any other post
    of the thread is marked deleted, whatever page it was last seen on.
    The page's rows are read and written in batches: the statements per page do not grow with
    its posts, except for new users and changed quotes.
    """
    stats = WriteStats()
    seen = seen_at or _now()
    with db.atomic():
        zone = note_zone(db, site_id, page.time_anchors, page.zone_hint)
        board_id = _board(db, site_id, page.thread.board)
        thread_id = _upsert_thread(db, site_id, page, board_id, seen)
        ctx = _PageContext(
            site_id, thread_id, page.page.number, frozenset(page.thread.accepted_post_ids),
            seen, page_id, run_id, zone,
        )
        posts = _distinct(page.posts)
        if posts:
            sources = _Sources(db, site_id, posts)
            written = _write_posts(db, ctx, posts, sources)
            _resolve_references(db, ctx, [w.post.external_id for w in written if w.old is None])
            _write_quotes(db, ctx, written, sources)
            outcomes = Counter(w.outcome for w in written)
            stats.posts_new, stats.posts_changed = outcomes["new"], outcomes["changed"]
            stats.posts_deleted = _tombstone(db, ctx, [w.id for w in written], whole_thread)
        _refresh_thread(db, thread_id)
        if page_id is not None:
            db.execute(
                "UPDATE pages SET thread_id = ?, page_number = ? WHERE id = ?"
                " AND (thread_id, page_number) IS NOT (?, ?)",
                [thread_id, ctx.page_number, page_id, thread_id, ctx.page_number],
            )
    return stats


def set_thread_status(
    db: sqlite_utils.Database,
    site_id: int,
    external_id: str,
    status: str,
    reason: str | None = None,
    *,
    listing_reply_count: int | None = None,
    listing_last_post: str | None = None,
) -> None:
    """Set a thread's status (complete, partial, blocked, gone; pending until its pages are
    all fetched), creating a stub row if needed.

    The listing values, when given, record what the listing showed at this (complete) archive.
    """
    values = {"status": status, "status_reason": reason} | _present(
        listing_reply_count=listing_reply_count, listing_last_post=listing_last_post
    )
    with db.atomic():
        _upsert(
            db, "threads", {"site_id": site_id, "external_id": external_id}, values,
            insert_only={"first_seen_at": _now()},
        )


def has_post(db: sqlite_utils.Database, site_id: int, external_id: str | None) -> bool:
    """Whether the archive holds the post of this external id on this site."""
    return external_id is not None and _row(
        db, "SELECT p.id FROM posts p JOIN threads t ON t.id = p.thread_id"
        " WHERE t.site_id = ? AND p.external_id = ? LIMIT 1", [site_id, external_id],
    ) is not None


def thread_state(db: sqlite_utils.Database, site_id: int, external_id: str) -> Row | None:
    """The threads row of a thread, or None if it was never archived."""
    return _row(
        db, "SELECT * FROM threads WHERE site_id = ? AND external_id = ?", [site_id, external_id]
    )


def summary(db: sqlite_utils.Database, *, runs: int = 5, problems: int = 20) -> dict[str, Any]:
    """What ``status`` shows: totals, the latest crawl runs, and threads that need attention."""
    totals = {
        name: db.execute(sql).fetchone()[0]
        for name, sql in {
            "sites": "SELECT count(*) FROM sites",
            "boards": "SELECT count(*) FROM boards",
            "threads": "SELECT count(*) FROM threads",
            "posts": "SELECT count(*) FROM posts WHERE deleted_at IS NULL",
            "deleted posts": "SELECT count(*) FROM posts WHERE deleted_at IS NOT NULL",
            "post versions": "SELECT count(*) FROM post_versions",
            "users": "SELECT count(*) FROM users",
            "pages fetched": "SELECT count(*) FROM pages",
            "pending pages": "SELECT count(*) FROM frontier WHERE state = 'pending'",
        }.items()
    }
    by_status = dict(db.execute("SELECT status, count(*) FROM threads GROUP BY status").fetchall())
    return {
        "totals": totals,
        "threads_by_status": by_status,
        "sites": _rows(db, "SELECT base_url, platform FROM sites ORDER BY id", []),
        "runs": _rows(db, "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT ?", [runs]),
        "problems": _rows(
            db,
            "SELECT status, status_reason, title, url, external_id FROM threads"
            " WHERE status IN ('partial', 'blocked', 'gone') ORDER BY status, id LIMIT ?",
            [problems],
        ),
    }


# --- crawl runs ----------------------------------------------------------------------------------


def start_run(db: sqlite_utils.Database, args: dict[str, Any]) -> int:
    """Record a new crawl run by this process, and close the runs a killed process left
    "running" (the caller holds the writer lock, so none of them is alive)."""
    with db.atomic():
        db.execute(
            "UPDATE crawl_runs SET status = 'interrupted', finished_at = coalesce(finished_at, ?)"
            " WHERE status = 'running'",
            [_now()],
        )
        return _insert(db, "crawl_runs", {
            "started_at": _now(), "status": "running", "args": json.dumps(args),
            "pid": os.getpid(),
        })


def finish_run(db: sqlite_utils.Database, run_id: int, status: str, counters: Row) -> None:
    """Close a run with its outcome and counters."""
    _update(db, "crawl_runs", run_id, {"finished_at": _now(), "status": status, **counters})


def crawl_run(db: sqlite_utils.Database, run_id: int) -> Row | None:
    return _row(db, "SELECT * FROM crawl_runs WHERE id = ?", [run_id])


def run_args(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """The arguments of every run, newest first."""
    return [json.loads(args or "{}")
            for (args,) in db.execute("SELECT args FROM crawl_runs ORDER BY id DESC")]


def run_changes(db: sqlite_utils.Database, run_id: int) -> list[Row]:
    """The posts a run added, changed (new content) and deleted, in that order, each with its
    thread, author and address (the ``run_changes`` view)."""
    return _rows(
        db,
        "SELECT * FROM run_changes WHERE run_id = ?"
        " ORDER BY change = 'deleted', change = 'changed', thread_id, position, post_id",
        [run_id],
    )


# --- what the Community API phase reads back ------------------------------------------------------


def board_thread_ids(db: sqlite_utils.Database, site_id: int, board_id: str) -> list[str]:
    """External ids of a board's archived threads that are not gone."""
    return [row["external_id"] for row in _rows(
        db, "SELECT t.external_id FROM threads t JOIN boards b ON b.id = t.board_id"
        " WHERE t.site_id = ? AND b.external_id = ? AND t.status != 'gone'", [site_id, board_id])]


def board_post_times(db: sqlite_utils.Database, site_id: int, board_id: str
                     ) -> list[tuple[str | None, str | None]]:
    """(posted_at, edited_at) of every archived post of a board."""
    return [(row["posted_at"], row["edited_at"]) for row in _rows(
        db, "SELECT p.posted_at, p.edited_at FROM posts p"
        " JOIN threads t ON t.id = p.thread_id JOIN boards b ON b.id = t.board_id"
        " WHERE t.site_id = ? AND b.external_id = ?", [site_id, board_id])]


def board_row(db: sqlite_utils.Database, site_id: int, external_id: str | None) -> Row | None:
    return _row(db, "SELECT * FROM boards WHERE site_id = ? AND external_id = ?",
                [site_id, external_id])


def stored_page_ids(db: sqlite_utils.Database, page_kind: str) -> list[int]:
    """The pages rows of one kind that hold a body, in fetch order."""
    return [row["id"] for row in _rows(
        db, "SELECT id FROM pages WHERE page_kind = ? AND sha256 IS NOT NULL ORDER BY id",
        [page_kind])]


def page_meta(db: sqlite_utils.Database, page_id: int) -> Row:
    """A stored fetch without its body."""
    return _row(db, f"SELECT {_PAGE_META} FROM pages WHERE id = ?", [page_id])


# --- what reparse reads back ----------------------------------------------------------------------


def latest_usable_pages(db: sqlite_utils.Database) -> list[int]:
    """The pages row ids to parse again: the latest usable fetch of each URL (2xx, or a 304
    pointing at the stored body; never a failed fetch), in fetch order."""
    return [row["id"] for row in _rows(
        db, "SELECT max(id) AS id FROM pages"
        " WHERE sha256 IS NOT NULL AND coalesce(parse_status, '') != 'fetch-failed'"
        " AND (status_code BETWEEN 200 AND 299 OR status_code = 304)"
        " GROUP BY url ORDER BY max(id)", [])]


def site_zones(db: sqlite_utils.Database) -> list[tuple[int, str | None, str | None]]:
    """(site id, zone, where the zone comes from) of every site."""
    return [(r["id"], r["tz"], r["tz_source"])
            for r in _rows(db, "SELECT id, tz, tz_source FROM sites", [])]


def posts_with_quotes(db: sqlite_utils.Database, thread_id: int, external_ids: list[str]
                      ) -> list[tuple[Row, list[tuple]]]:
    """The stored rows of these posts of a thread, each with its quote rows in order."""
    posts = _rows(db, "SELECT * FROM posts WHERE thread_id = ?"
                      f" AND external_id IN {_IN_LIST}", [thread_id, _in_list(external_ids)])
    return [(row, db.execute("SELECT * FROM quotes WHERE post_id = ? ORDER BY position, id",
                             [row["id"]]).fetchall()) for row in posts]
