"""The crawl frontier, kept in the archive so that a killed crawl resumes where it stopped.

The frontier holds the work of the current run: one row per URL to fetch. A run that finds
pending rows resumes them; otherwise it clears the frontier and seeds it afresh. Callers update
a row in the same transaction as the rows its page produced.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime

from sqlite_utils import Database

PENDING, DONE, FAILED, SKIPPED = "pending", "done", "failed", "skipped"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def has_pending(db: Database) -> bool:
    return bool(db.execute("select 1 from frontier where state = ? limit 1", [PENDING]).fetchone())


def reset(db: Database) -> None:
    db.execute("delete from frontier")


def add(
    db: Database,
    url: str,
    kind: str,
    *,
    site_id: int | None = None,
    thread_external_id: str | None = None,
    page_number: int | None = None,
    depth: int = 0,
    listing_reply_count: int | None = None,
    listing_last_post: str | None = None,
    run_id: int | None = None,
) -> bool:
    """Queue ``url`` unless it is already in the frontier; return whether it was added."""
    cursor = db.execute(
        "insert or ignore into frontier (url, kind, site_id, thread_external_id, page_number,"
        " state, attempts, depth, listing_reply_count, listing_last_post, updated_at, run_id)"
        " values (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)",
        [
            url, kind, site_id, thread_external_id, page_number, PENDING, depth,
            listing_reply_count, listing_last_post, now(), run_id,
        ],
    )
    return cursor.rowcount == 1


def claim_linked(
    db: Database,
    url: str,
    *,
    thread_external_id: str | None = None,
    page_number: int | None = None,
    listing_reply_count: int | None = None,
    listing_last_post: str | None = None,
) -> bool:
    """Make a pending "linked" row of ``url`` a thread page with these fields (a board listing
    met the thread after a link to it had been queued); return whether there was one."""
    cursor = db.execute(
        "update frontier set kind = 'thread', thread_external_id = ?, page_number = ?,"
        " listing_reply_count = ?, listing_last_post = ?, updated_at = ?"
        " where url = ? and kind = 'linked' and state = ?",
        [thread_external_id, page_number, listing_reply_count, listing_last_post, now(), url,
         PENDING],
    )
    return cursor.rowcount == 1


def next_items(
    db: Database, limit: int, exclude: Collection[int] = (), skip_sites: Collection[int] = ()
) -> list[dict]:
    """Pending rows to work on next: thread pages before listings, oldest first; links to
    threads seen beside the boards (kind "linked") last, once the boards had their say; not
    the rows ``exclude`` names, nor those of the sites in ``skip_sites``."""
    return list(
        db.query(
            "select * from frontier where state = ?"
            " and id not in (select value from json_each(?))"
            " and coalesce(site_id, 0) not in (select value from json_each(?))"
            " order by (kind = 'thread') desc, (kind = 'linked'), id limit ?",
            [PENDING, json.dumps(list(exclude)), json.dumps(list(skip_sites)), limit],
        )
    )


def finish(db: Database, item_id: int, state: str, error: str | None = None) -> None:
    db.execute(
        "update frontier set state = ?, error = ?, attempts = attempts + 1, updated_at = ?"
        " where id = ?",
        [state, error, now(), item_id],
    )


def thread_items(db: Database, site_id: int, thread_external_id: str) -> dict[str, int]:
    """How many frontier rows of one thread are in each state."""
    rows = db.execute(
        "select state, count(*) from frontier where site_id = ? and thread_external_id = ?"
        " group by state",
        [site_id, thread_external_id],
    ).fetchall()
    return dict(rows)


def counts(db: Database) -> dict[str, int]:
    return dict(db.execute("select state, count(*) from frontier group by state").fetchall())


def failed_thread_items(db: Database, site_id: int, thread_external_id: str) -> list[dict]:
    """The failed rows of one thread (url, page number, error), in page order."""
    return list(db.query(
        "select url, page_number, error from frontier"
        " where site_id = ? and thread_external_id = ? and state = ? order by page_number, id",
        [site_id, thread_external_id, FAILED],
    ))


def set_kind(db: Database, item_id: int, kind: str) -> None:
    db.execute("update frontier set kind = ?, updated_at = ? where id = ?", [kind, now(), item_id])
