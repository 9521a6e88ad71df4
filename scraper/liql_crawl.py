"""The Khoros API phase of a crawl: what the Community API (LiQL) serves is archived in bulk
before the HTML crawl starts, and only what it cannot serve is left to HTML pages.

``--via auto`` probes ``/api/2.0/search`` once per Khoros site: a site that answers anonymously
is read through the API, any other through HTML. A community or category start URL reads every
board under it, a board its messages (1,000 per request, ``CURSOR`` paging), a thread URL its
topic. A board or thread whose queries fail is read as HTML instead. Without ``--full``, a board
read before asks only for the topics posted to or edited after the last instant the archive
holds for it; ``--full`` reads everything again, which is how deleted messages are found.
Every answer is kept in ``pages`` (``page_kind`` "liql") so ``reparse`` rebuilds offline.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlite_utils import Database

from scraper import archive, liql
from scraper.archive import base_url
from scraper.dates import parse_instant
from scraper.fetch import FetchResult
from scraper.models import Board, ParseError, ThreadPage
from scraper.platforms import khoros
from scraper.platforms.base import Platform

if TYPE_CHECKING:
    from scraper.crawl import Crawler
    from scraper.reparse import ReparseStats

PAGE_KIND = "liql"
_NODE = re.compile(r"/(bd-p|ct-p)/([^/?#]+)")
IN_CHUNK = 100  # topic ids per ``topic.id IN (…)`` query
QUIET = frozenset({401, 403, 404, 410})  # a probe answer that only says "no API here"


class _Fallback(Exception):
    """A start URL or board to read as HTML: its queries failed."""


class Phase:
    """The API phase of one crawl (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db: Database = crawler.db
        self.clients: dict[str, liql.Client | None] = {}
        self.boards: dict[str, list[dict]] = {}  # the boards rows of each site
        self.whole_only: set[str] = set()  # sites that refuse conditions on times
        self.left: list[str] = []  # URLs for the HTML crawl

    @property
    def auto(self) -> bool:
        return self.crawler.options.via == "auto"

    def note(self, text: str, *, error: bool = False) -> None:
        self.crawler.stats.messages.append(text)
        self.crawler.stats.errors += error

    async def fetch(self, url: str) -> FetchResult:
        result = await self.crawler.fetcher.fetch(url)
        if result.status_code is not None and result.status_code not in QUIET:
            self.crawler.stats.pages_fetched += 1  # not the probe of a site without the API
        return result

    def keep(self, result: FetchResult) -> None:
        with self.db.atomic():
            archive.record_fetch(
                self.db, url=result.url, status_code=result.status_code, body=result.body,
                content_type=result.content_type, final_url=result.final_url,
                page_kind=PAGE_KIND, parse_status="parsed",
            )

    async def client(self, base: str) -> liql.Client | None:
        """The site's API client, probed once per run with the query of its boards (which
        every crawl needs); None when the site does not serve the API."""
        if base not in self.clients:
            client: liql.Client | None = liql.Client(base, self.fetch, self.keep)
            try:
                self.boards[base] = await client.rows("boards", liql.BOARD_FIELDS)
            except liql.QueryFailed as exc:
                client = None
                if not self.auto or exc.status not in QUIET | {None}:  # None: no answer
                    how = "reading HTML pages" if self.auto else "nothing read"
                    self.note(f"{base}: the Community API ({liql.SEARCH_PATH}) answered {exc};"
                              f" {how}", error=not self.auto)
            self.clients[base] = client
        return self.clients[base]

    async def run(self, urls: list[str], decided: dict[str, Platform]) -> list[str]:
        """Archive what the API serves; the start URLs (or boards) left for HTML."""
        if self.crawler.options.via == "html":
            return list(urls)
        for url in urls:
            module = decided.get(url)
            if module is None or module.NAME != khoros.NAME or self.crawler.signal is not None:
                self.left.append(url)
                continue
            client = await self.client(base_url(url))
            if client is None:
                if self.auto:
                    self.left.append(url)
                continue
            if khoros.url_kind(url) is None:  # no shape the API can stand for: a page
                self.left.append(url)
                continue
            site_id = self.crawler.site_id(url, module)
            try:
                await self.start(client, site_id, url)
            except (_Fallback, liql.QueryFailed) as exc:
                self.failed(url, str(exc))
            self.report_dropped(client)
        return self.left

    def failed(self, url: str, reason: str) -> None:
        how = "reading it as HTML" if self.auto else "not read"
        self.note(f"{url}: Community API query failed: {reason}; {how}", error=not self.auto)
        if self.auto:
            self.left.append(url)

    def report_dropped(self, client: liql.Client) -> None:
        for name in client.dropped:
            self.note(f"{client.base}: the Community API rejects the field {name}"
                      " (Invalid query syntax); read without it")
        client.dropped.clear()

    async def start(self, client: liql.Client, site_id: int, url: str) -> None:
        kind = khoros.url_kind(url)
        if kind == "thread":
            await self.topic(client, site_id, url)
            return
        node = _NODE.search(url)
        boards = self.boards[client.base]
        if kind == "board" and node:
            wanted = [node.group(2)]
        elif kind == "category" and node:
            categories = await client.rows("categories", liql.CATEGORY_FIELDS)
            wanted = liql.subtree(boards, categories, node.group(2))
        else:
            wanted = liql.subtree(boards, [], None)
        names = liql.boards_by_id(boards)
        for n, board_id in enumerate(wanted):
            if not self.crawler.budget_left() or self.crawler.signal is not None:
                self.crawler.api_unread += len(wanted) - n
                self.note(f"{url}: {len(wanted) - n} of {len(wanted)} boards left for the next"
                          " run (limit reached)")
                return
            try:
                await self.board(client, site_id, board_id, names)
            except liql.QueryFailed as exc:
                board = names.get(board_id)
                self.failed(board.url if board and board.url else url, str(exc))

    async def topic(self, client: liql.Client, site_id: int, url: str) -> None:
        uid = khoros.thread_id(url)
        if uid is None and (post := khoros.post_id(url)):
            rows = await client.rows("messages", ["topic.id"], [f"id = {liql.literal(post)}"])
            uid = liql.text(rows[0], "topic.id") if rows else None
        if uid is None:
            raise _Fallback("no such message")
        rows = await client.messages([f"topic.id = {liql.literal(uid)}"])
        if not rows:
            raise _Fallback(f"no messages in topic {uid}")
        names = liql.boards_by_id(self.boards[client.base])
        self.write(site_id, liql.thread_pages(rows, names, url))

    async def board(self, client: liql.Client, site_id: int, board_id: str,
                    names: dict[str, Board]) -> None:
        where = [f"board.id = {liql.literal(board_id)}"]
        since = None
        if not self.crawler.options.full and client.base not in self.whole_only:
            since = last_instant(self.db, site_id, board_id)
        rows = None
        if since is not None:
            try:
                rows = await self.changes(client, where, since)
            except liql.QueryFailed as exc:
                if exc.status != 400:
                    raise
                self.whole_only.add(client.base)  # no time conditions: whole boards
                self.note(f"{client.base}: the Community API refuses the queries of what"
                          f" changed ({exc}); reading whole boards")
                since = None
        if rows is None:
            rows = await client.messages(where)
        pages = liql.thread_pages(rows, names)
        self.write(site_id, pages)
        if since is None:
            self.gone(site_id, board_id, {p.thread.external_id for p in pages})

    async def changes(self, client: liql.Client, where: list[str], since: str) -> list[dict]:
        """The messages of the topics posted to (``conversation.last_post_time``) or edited
        after ``since``, each topic whole."""
        after = liql.literal(since)
        rows = await client.messages([*where, f"conversation.last_post_time > {after}"])
        edited = await client.rows("messages", ["topic.id"], [*where, f"last_edit_time > {after}"])
        have = {liql.text(r, "topic.id") for r in rows}
        more = sorted({t for r in edited if (t := liql.text(r, "topic.id"))} - have)
        for start in range(0, len(more), IN_CHUNK):
            ids = ", ".join(liql.literal(t) for t in more[start:start + IN_CHUNK])
            rows += await client.messages([f"topic.id IN ({ids})"])
        return rows

    def gone(self, site_id: int, board_id: str, read: set[str]) -> None:
        """After a whole board was read: its archived topics the API no longer returns."""
        for uid in archive.board_thread_ids(self.db, site_id, board_id):
            if uid not in read:
                archive.set_thread_status(self.db, site_id, uid, "gone",
                                          "no longer returned by the Community API")

    def write(self, site_id: int, pages: list[ThreadPage]) -> None:
        """Archive whole topics: each one's messages as one page (number 0: no HTML page)."""
        stats = self.crawler.stats
        for page in pages:
            with self.db.atomic():
                written = archive.write_thread_page(self.db, site_id, page,
                                                    run_id=self.crawler.run_id,
                                                    whole_thread=True)
                archive.set_thread_status(self.db, site_id, page.thread.external_id, "complete")
            stats.posts_new += written.posts_new
            stats.posts_changed += written.posts_changed
            stats.posts_deleted += written.posts_deleted


def last_instant(db: Database, site_id: int, board_id: str) -> str | None:
    """The latest instant a message of the board was posted or edited, as archived."""
    rows = archive.board_post_times(db, site_id, board_id)
    stamps = [w for row in rows for v in row if (w := parse_instant(v))]
    return liql.instant(max(stamps).isoformat()) if stamps else None


async def api_phase(crawler: Crawler, urls: list[str], decided: dict[str, Platform]
                    ) -> list[str]:
    """Archive through the Community API what it serves; the URLs left for the HTML crawl."""
    return await Phase(crawler).run(urls, decided)


def stored_answers(db: Database) -> list[int]:
    """The pages rows holding Community API answers."""
    return archive.stored_page_ids(db, PAGE_KIND)


def reparse(db: Database, page_ids: list[int]) -> ReparseStats:
    """Rebuild the topics of stored API answers. Every message query returns whole topics
    (paged by ``CURSOR``), so each topic is rebuilt from the latest query that returned it,
    and messages missing from that one are marked deleted, as the crawl did."""
    from scraper.reparse import ReparseStats

    stats = ReparseStats()
    latest: dict[str, tuple[int, int, list[dict]]] = {}  # topic: (read, site, rows)
    reads: dict[str, int] = {}  # query text without its cursor: its latest read
    for number, page_id in enumerate(page_ids):
        url = archive.page_meta(db, page_id)["url"]
        try:
            rows = liql.parse_answer(archive.page_body(db, page_id) or b"")
        except ParseError as exc:
            stats.failed += 1
            stats.messages.append(f"{url}: {exc}")
            continue
        stats.pages += 1
        site = archive.site_by_url(db, base_url(url))
        text, paged = liql.query_of(url)
        read = reads[text] = reads.get(text, number) if paged else number
        for row in rows:
            topic = liql.text(row, "topic.id")
            if site is None or topic is None or liql.text(row, "id") is None:
                continue
            if topic not in latest or latest[topic][0] != read:
                if topic in latest and latest[topic][0] > read:
                    continue
                latest[topic] = (read, site["id"], [])
            latest[topic][2].append(row)
    for _, site_id, rows in latest.values():
        for page in liql.thread_pages(rows):
            page.thread.board = _stored_board(db, site_id, page.thread.board)
            written = archive.write_thread_page(db, site_id, page, whole_thread=True)
            stats.thread_pages += 1
            stats.posts_new += written.posts_new
            stats.posts_new_versions += written.posts_changed
            stats.posts_deleted += written.posts_deleted
    return stats


def _stored_board(db: Database, site_id: int, board: Board | None) -> Board | None:
    """The board as archived (title and URL), so a reparse does not blank them."""
    if board is None:
        return None
    row = archive.board_row(db, site_id, board.external_id)
    return Board(board.external_id, row["title"], row["url"]) if row else board
