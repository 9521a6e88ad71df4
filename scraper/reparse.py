"""Rebuild the parsed tables from the raw pages kept in the archive, with the current parser.

No network. For every URL the latest fetch that brought a page (2xx, or a 304 pointing at the
stored body; never a failed or truncated fetch) is parsed again and written through the archive
writer, in fetch order. The writer upserts, so row ids stay, an unchanged page changes nothing,
a post whose content changed gets a new version next to the old ones, and a post a page no
longer shows is marked deleted, never removed. Thread statuses (complete, partial, blocked,
gone) are facts of the crawl, not of parsing: they are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from scraper import archive, liql_crawl, platforms, zones
from scraper.models import BlockedPage, ParseError, ThreadPage

BATCH = 100  # pages per transaction
# Columns that record when a page was seen rather than what it says.
SEEN_COLUMNS = frozenset({"last_seen_at"})

class ReparseError(Exception):
    """A reparse that cannot start: no archive at the path."""


@dataclass
class ReparseStats:
    pages: int = 0  # pages parsed and written
    thread_pages: int = 0
    listing_pages: int = 0
    failed: int = 0  # pages the parser refused (blocked, not a forum page, ...)
    posts_new: int = 0
    posts_updated: int = 0  # posts (with their quotes) whose stored values changed
    posts_new_versions: int = 0  # of which the content changed: a post_versions row was added
    posts_deleted: int = 0
    messages: list[str] = field(default_factory=list)

    def add(self, other: ReparseStats) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


Progress = Callable[[int, int, ReparseStats], None]


def stored_pages(db: Database) -> list[int]:
    """The pages row ids to parse: the latest usable fetch of each URL, in fetch order."""
    return archive.latest_usable_pages(db)


def recorded_tz(db: Database) -> str | None:
    """The site time zone the latest crawl that named one ran with."""
    for args in archive.run_args(db):
        tz = args.get("tz")
        if tz and tz != "None":
            return tz
    return None


def settle_zones(db: Database, tz: str | None) -> None:
    """Before reparsing: --tz becomes every site's zone; else a site without a zone takes the
    one the latest crawl was given (archives made before zones were stored), and a learned
    zone is learned again from the stored observations."""
    recorded = recorded_tz(db)
    try:
        recorded = zones.normalize(recorded) if recorded else None
    except zones.ZoneError:
        recorded = None
    for site_id, zone, source in archive.site_zones(db):
        if tz or (zone is None and recorded):
            archive.give_zone(db, site_id, tz or recorded)
        elif source in ("learned", "best fit"):
            learned = zones.learn(archive.site_observations(db, site_id))
            if learned is not None:
                archive.set_site_zone(db, site_id, learned.zone, learned.source)


def _snapshot(db: Database, thread_id: int | None, page: ThreadPage) -> dict[str, Any]:
    """The stored rows of the page's posts and their quotes, keyed by external id."""
    if thread_id is None:
        return {}
    snapshot = {}
    for stored, quotes in archive.posts_with_quotes(db, thread_id,
                                                    [p.external_id for p in page.posts]):
        row = {k: v for k, v in stored.items() if k not in SEEN_COLUMNS}
        snapshot[row["external_id"]] = (row, quotes)
    return snapshot


def _thread_page(
    db: Database, site_id: int, page: ThreadPage, page_id: int, seen_at: str
) -> ReparseStats:
    before = archive.thread_state(db, site_id, page.thread.external_id)
    old = _snapshot(db, before and before["id"], page)
    written = archive.write_thread_page(db, site_id, page, page_id=page_id, seen_at=seen_at)
    after = archive.thread_state(db, site_id, page.thread.external_id)
    new = _snapshot(db, after["id"], page)
    if before and (before["status"], before["status_reason"]) != (
        after["status"], after["status_reason"]
    ):
        archive.set_thread_status(
            db, site_id, page.thread.external_id, before["status"], before["status_reason"]
        )
    archive.set_parse_status(
        db, page_id, "parsed", thread_id=after["id"], page_number=page.page.number
    )
    return ReparseStats(
        pages=1, thread_pages=1, posts_new=written.posts_new,
        posts_updated=sum(1 for eid, rows in new.items() if eid in old and old[eid] != rows),
        posts_new_versions=written.posts_changed, posts_deleted=written.posts_deleted,
    )


def reparse_page(db: Database, page_id: int, tz: str | None) -> ReparseStats:
    """Parse one stored fetch again and write what it says; what that changed."""
    meta = archive.page_meta(db, page_id)
    url, final_url = meta["url"], meta["final_url"]
    content_type, fetched_at = meta["content_type"], meta["fetched_at"]
    url = final_url or url
    site = archive.site_by_url(db, url)
    try:
        parsed = platforms.parse(
            archive.page_body(db, page_id), url, platform=site and site["platform"],
            content_type=content_type,
        )  # shown times stay local: the archive applies the site's zone
    except ParseError as exc:
        status = "blocked" if isinstance(exc, BlockedPage) else "parse-failed"
        archive.set_parse_status(db, page_id, status, str(exc))
        return ReparseStats(failed=1, messages=[f"{url}: {exc}"])
    site_id = archive.ensure_site(db, archive.base_url(url), parsed.platform)
    if tz and tz != zones.AUTO:  # a site first met in this reparse
        archive.set_site_zone(db, site_id, tz, "option")
    if isinstance(parsed, ThreadPage):
        return _thread_page(db, site_id, parsed, page_id, fetched_at)
    archive.write_listing(db, site_id, parsed)
    archive.set_parse_status(db, page_id, "parsed")
    return ReparseStats(pages=1, listing_pages=1)


def _guarded(db: Database, page_id: int, tz: str | None) -> ReparseStats:
    """Reparse one page in its own savepoint; a bug on one page never stops the run."""
    try:
        with db.atomic():
            return reparse_page(db, page_id, tz)
    except Exception as exc:  # noqa: BLE001 - reported, and the run goes on
        error = f"page {page_id}: internal error: {type(exc).__name__}: {exc}"
        return ReparseStats(failed=1, messages=[error])


def reparse(
    db_path: Path, *, tz: str | None = None, progress: Progress | None = None
) -> ReparseStats:
    """Reparse every stored page of the archive at ``db_path`` (see the module docstring).

    ``tz`` defaults to the time zone the latest crawl used. Holds the crawl lock, so no crawl
    writes meanwhile; commits every ``BATCH`` pages, so an interrupted run keeps its progress
    and can simply be run again.
    """
    try:
        tz = zones.normalize(tz) if tz else None
    except zones.ZoneError as exc:
        raise ReparseError(str(exc)) from None
    if not db_path.is_file():
        raise ReparseError(f"no archive at {db_path}")
    archive.check_file(db_path)
    try:
        with archive.lock(db_path):
            return _reparse_all(db_path, tz, progress)
    except archive.ArchiveBusy as exc:
        raise ReparseError(str(exc)) from None


def _reparse_all(db_path: Path, tz: str | None, progress: Progress | None) -> ReparseStats:
    stats = ReparseStats()
    db = archive.open_archive(db_path)
    try:
        settle_zones(db, tz)
        page_ids = stored_pages(db)
        api_pages = set(liql_crawl.stored_answers(db))
        page_ids = [i for i in page_ids if i not in api_pages]
        if api_pages:
            with db.atomic():
                stats.add(liql_crawl.reparse(db, sorted(api_pages)))
        for start in range(0, len(page_ids), BATCH):
            with db.atomic():
                for page_id in page_ids[start:start + BATCH]:
                    stats.add(_guarded(db, page_id, tz))
            if progress:
                progress(min(start + BATCH, len(page_ids)), len(page_ids), stats)
    finally:
        db.close()
    return stats
