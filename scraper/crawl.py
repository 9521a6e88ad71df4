"""The crawl loop: frontier in, fetches out, parsed pages into the archive.

It owns politeness (through the fetcher), resume (through the frontier) and change detection
(listing rows against what the archive holds). Every page's rows and its frontier update commit
in one transaction, so a crawl killed at any moment continues cleanly with the next run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlsplit

from sqlite_utils import Database

from scraper import archive, frontier, liql_crawl, platforms, runlog, session, zones
from scraper.archive import base_url
from scraper.fetch import DEFAULT_USER_AGENT, ROBOTS_REFUSAL, Fetcher, FetchResult, host_key
from scraper.models import (
    BlockedPage,
    GonePage,
    ListingPage,
    ListingThread,
    NotForumPage,
    ParseError,
    ThreadPage,
)
from scraper.platforms.base import Platform
from scraper.robots import sitemap_locations

DEFAULT_DB = Path("data/forum.db")
MAX_SITEMAPS = 200
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


class CrawlError(Exception):
    """A crawl that cannot start: bad URL, archive locked, unknown platform (exit code 2), or
    a start page that cannot be fetched to recognise its platform (exit code 1)."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class CrawlOptions:
    db_path: Path = DEFAULT_DB
    max_pages: int | None = None
    max_time: float | None = None
    concurrency: int = 2
    delay: float = 1.0
    full: bool = False
    user_agent: str = DEFAULT_USER_AGENT
    obey_robots: bool = True
    tz: str | None = None
    platform: str | None = None
    via: str = "auto"  # auto | api | html: read a platform's JSON API where the site serves it
    timeout: float = 60.0  # the whole response; each read may take half of it
    max_bytes: int = 20 * 2**20
    max_attempts: int = 5
    backoff: float = 1.0
    headers: tuple[tuple[str, str], ...] = ()  # extra request headers (name, value)
    cookies: Path | None = None  # a Netscape cookies.txt file


@dataclass
class CrawlStats:
    pages_fetched: int = 0
    not_modified: int = 0
    threads_skipped: int = 0
    posts_new: int = 0
    posts_changed: int = 0
    posts_deleted: int = 0
    errors: int = 0
    blocked: int = 0
    robots_skipped: int = 0
    started: float = field(default_factory=time.monotonic)
    messages: list[str] = field(default_factory=list)
    sites_down: list[str] = field(default_factory=list)  # one line per site not crawled

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.pages_fetched / elapsed if elapsed > 0 else 0.0


@dataclass
class CrawlReport:
    run_id: int
    status: str  # complete | incomplete | stopped | interrupted | failed
    stats: CrawlStats
    pending: int
    signal: int | None = None  # the signal that interrupted the run
    reason: str | None = None  # why a failed crawl found nothing to archive
    failure_code: int = 1  # exit code of a failed crawl: 2 when a start page is no forum page

    @property
    def exit_code(self) -> int:
        if self.signal is not None:
            return runlog.exit_code_for(self.signal)
        if self.status == "failed":
            return self.failure_code
        return 0 if self.status == "complete" else 1


@dataclass
class StartFailure:
    """A start page that gives the crawl nothing: no forum page, or nothing to follow on it."""

    message: str
    code: int


@contextmanager
def crawl_lock(db_path: Path) -> Iterator[None]:
    """The archive's writer lock (see ``archive.lock``), as a crawl error when it is taken."""
    try:
        with archive.lock(db_path):
            yield
    except archive.ArchiveBusy as exc:
        raise CrawlError(str(exc)) from None


def looks_empty(body: bytes, result: FetchResult) -> str | None:
    """An empty answer is retried. A page cut short in transit is told by the transfer (see
    ``fetch``), not by its markup: a complete page may well lack its closing tags."""
    return None if body.strip() else "empty page: the answer has no body"


def missing_posts(page: ThreadPage, module: Platform | None = None) -> str | None:
    """Why a thread page holds fewer posts than its own counters imply (positions with gaps,
    a last page that ends before the thread's post count), else None. Platforms whose positions
    are numbers that deleted posts leave unused (``POSITIONS_KEEP_GAPS``: Discourse, NodeBB) are
    not judged so: their gaps are normal, and their parsers say themselves ("gap: …") when a
    source lists posts it no longer serves."""
    if getattr(module, "POSITIONS_KEEP_GAPS", False):
        return None
    positions = [p.position for p in page.posts if p.position]
    total = page.thread.reply_count + 1 if page.thread.reply_count is not None else None
    last_page = page.page.count in (None, page.page.number) and not page.page.next_url
    if positions and len(positions) == len(page.posts):
        low, high = min(positions), max(positions)
        if high - low + 1 > len(set(positions)):
            return (f"fewer posts than the page's counters imply: {len(set(positions))} posts"
                    f" for positions {low} to {high}")
        if last_page and total is not None and high < total:
            return (f"fewer posts than the thread's counters imply: the last page ends at post"
                    f" {high} of {total}")
    elif last_page and page.page.number == 1 and total is not None and len(page.posts) < total:
        return (f"fewer posts than the thread's counters imply: {len(page.posts)} posts"
                f" for {total} messages")
    return None


def not_html(content_type: str | None) -> str | None:
    """Why a declared content type cannot be a forum page (JSON, an image...), else None."""
    media = (content_type or "").split(";")[0].strip().lower()
    if not media or media in HTML_TYPES:
        return None
    return f"not an HTML page: content type {media}"


class Crawler:
    def __init__(
        self,
        db: Database,
        options: CrawlOptions,
        fetcher: Fetcher,
        progress: Callable[[CrawlStats], None] | None = None,
    ) -> None:
        self.db = db
        self.options = options
        self.fetcher = fetcher
        self.progress = progress or (lambda stats: None)
        self.stats = CrawlStats()
        self.sites: dict[str, int] = {}
        self.site_platforms: dict[int, Platform] = {}
        self.prefetched: dict[str, FetchResult] = {}  # start pages fetched to detect platforms
        self.api_refused: set[int] = set()  # sites whose JSON API refused us this run
        self.api_unread = 0  # boards the Khoros API phase left for the next run (budget)
        self.run_id = 0
        self.down_sites: set[int] = set()  # sites whose host is unreachable this run
        self.tasks: dict[int, asyncio.Task] = {}
        self.signal: int | None = None
        self.seeds = 0
        self.discovered = 0  # pages queued from sitemaps
        self.start_failures: list[StartFailure] = []

    def interrupt(self, signum: int) -> None:
        """Stop at once: pages in flight are dropped whole (their rows and frontier updates
        commit together or not at all) and stay pending for the next run."""
        self.signal = signum
        for task in self.tasks.values():
            task.cancel()

    # -- seeding ---------------------------------------------------------------------------

    def site_id(self, url: str, module: Platform) -> int:
        base = base_url(url)
        if base not in self.sites:
            self.sites[base] = archive.ensure_site(self.db, base, module.NAME)
            self.site_platforms[self.sites[base]] = module
            if self.options.tz:  # --tz overrides what pages tell; validated by crawl_async
                archive.give_zone(self.db, self.sites[base], self.options.tz)
        return self.sites[base]

    def platform(self, site_id: int) -> Platform:
        """The platform of a site, as decided once and stored in ``sites.platform``."""
        if site_id not in self.site_platforms:
            self.site_platforms[site_id] = platforms.get(archive.site_platform(self.db, site_id))
        return self.site_platforms[site_id]

    async def decide_platforms(self, urls: list[str]) -> dict[str, Platform]:
        """The platform of each start URL's site, decided once per site: ``--platform``, else
        the one stored for the site, else the URL's shape when it is unambiguous, else the
        platform that recognises the fetched start page (kept, so it is not fetched twice)."""
        decided: dict[str, Platform] = {}
        for url in urls:
            base = base_url(url)
            if base in decided:
                decided[url] = decided[base]
                continue
            stored = None if self.options.platform else archive.site_by_url(self.db, base)
            if self.options.platform:
                module = site_platform(url, self.options.platform)
            elif stored is not None:
                module = platforms.get(stored["platform"])
            else:
                module = platforms.for_url(url) or await self.detect(url)
            decided[url] = decided[base] = module
        return decided

    async def detect(self, url: str) -> Platform:
        """Fetch a start page and find its platform; the page is kept for the crawl."""
        result = await self.fetcher.fetch(url, validate=looks_empty)
        if result.error:
            raise CrawlError(
                f"cannot recognise the forum at {url}: {result.error}", exit_code=1
            )
        try:
            module = platforms.detect_page(result.body, result.final_url or url,
                                           result.content_type)
        except ParseError as exc:
            raise CrawlError(f"{url}: {exc}") from None
        self.prefetched[url] = result
        return module

    def seed(self, urls: list[str], decided: dict[str, Platform] | None = None) -> None:
        """Queue the start URLs, unless an interrupted run left work to resume."""
        resuming = frontier.has_pending(self.db)
        if resuming:
            self.stats.messages.append("resuming the interrupted crawl")
        with self.db.atomic():
            if not resuming:
                frontier.reset(self.db)
                self.seeds = len(urls)
            for url in urls:
                module = (decided or {}).get(url) or site_platform(url, self.options.platform)
                kind = module.url_kind(url) or "community"
                site_id = self.site_id(url, module)
                uid = module.thread_id(url) if kind == "thread" else None
                if uid:
                    frontier.add(
                        self.db, self.route(site_id, module.thread_page_url(url, 1)), "thread",
                        site_id=site_id, thread_external_id=uid, page_number=1,
                        run_id=self.run_id,
                    )
                elif kind == "thread":  # a message permalink: its page names the thread
                    frontier.add(
                        self.db, self.route(site_id, url.split("#")[0]), "thread",
                        site_id=site_id, run_id=self.run_id,
                    )
                else:
                    frontier.add(self.db, self.route(site_id, url), kind, site_id=site_id,
                                 run_id=self.run_id)

    # -- JSON APIs ---------------------------------------------------------------------------

    def route(self, site_id: int, url: str) -> str:
        """The URL to fetch for the page at ``url``: its API equivalent while the site's
        platform has a read API and the site has not refused it, else ``url`` itself."""
        module = self.platform(site_id)
        if self.options.via == "html" or site_id in self.api_refused:
            return url
        api_url = getattr(module, "api_url", None)
        return (api_url(url) if api_url else None) or url

    def html_of(self, item: dict) -> str | None:
        """The HTML page an API URL of the frontier stands for; None for an HTML URL."""
        html_url = getattr(self.platform(item["site_id"]), "html_url", None)
        return html_url(item["url"]) if html_url else None

    def api_refusal(self, result: FetchResult) -> str | None:
        """Why an API answer means the site does not serve its API to us, else None."""
        if result.not_modified:  # 304 to a conditional request: the archived answer stands
            return None
        if result.status_code in (401, 403, 405, 406, 429) or (result.status_code or 0) >= 500:
            return f"HTTP {result.status_code}"
        if result.error and result.status_code is None:
            return None  # the network failed, not the API: the HTML page would fail alike
        if not result.error and not platforms.is_json(result.body, result.content_type):
            media = (result.content_type or "no content type").split(";")[0]
            return f"{media} instead of JSON"
        return None

    def fall_back_to_html(self, item: dict, html_url: str, reason: str | None) -> None:
        """Read the HTML page instead of the API answer; say once per site why."""
        if reason and item["site_id"] not in self.api_refused:
            self.api_refused.add(item["site_id"])
            self.stats.messages.append(
                f"{base_url(html_url)}: its JSON API answered {reason}; reading HTML pages"
                " instead this run"
            )
        with self.db.atomic():
            self.enqueue(
                html_url, item["kind"], {**item, "depth": item["depth"] - 1},
                thread_external_id=item["thread_external_id"], page_number=item["page_number"],
                listing_reply_count=item["listing_reply_count"],
                listing_last_post=item["listing_last_post"],
            )
            frontier.finish(self.db, item["id"], frontier.SKIPPED, "read as HTML")

    async def discover(self, urls: list[str]) -> None:
        """Queue the categories, boards and threads that the sitemaps named in robots.txt list
        (index files and gzip included), for a crawl started at a community's front page."""
        if not self.seeds:
            return  # resuming: the frontier already holds what the sitemaps gave
        for url in urls:
            site_id = self.sites.get(base_url(url))
            module = self.platform(site_id) if site_id is not None else None
            if module is None or (module.url_kind(url) or "community") != "community":
                continue
            item = {"site_id": site_id, "depth": 0}
            rules = await self.fetcher.robots(url)
            for loc in await self.read_sitemaps(rules.sitemaps):
                kind = module.url_kind(loc)
                if kind == "thread":
                    self.linked_thread(item, module, ListingThread(external_id="", url=loc))
                elif kind in ("board", "category"):
                    self.enqueue(loc, kind, item)
                else:
                    continue
                self.discovered += 1

    async def read_sitemaps(self, urls: list[str]) -> list[str]:
        """The page URLs of these sitemaps and of the sitemaps they index (at most
        ``MAX_SITEMAPS`` files); a sitemap that fails is noted and skipped."""
        queue, seen, pages = list(urls), set(urls), []
        while queue and len(seen) - len(queue) < MAX_SITEMAPS:
            url = queue.pop(0)
            result = await self.fetcher.fetch(url)
            try:
                children, locs = sitemap_locations(result.body) if not result.error else ([], [])
            except ValueError as exc:
                result.error = str(exc)
            if result.error:
                self.stats.messages.append(f"sitemap {url}: {result.error}; skipped")
                continue
            pages += locs
            queue += [c for c in children if c not in seen]
            seen.update(children)
        return pages

    # -- the loop --------------------------------------------------------------------------

    def budget_left(self) -> bool:
        o = self.options
        if o.max_pages is not None and self.stats.pages_fetched >= o.max_pages:
            return False
        return self.time_left() != 0.0

    def time_left(self) -> float | None:
        """Seconds left of ``max_time`` (0.0 when spent), None without a time limit."""
        if self.options.max_time is None:
            return None
        return max(0.0, self.options.max_time - (time.monotonic() - self.stats.started))

    async def run(self) -> None:
        tasks = self.tasks
        linked: set[int] = set()  # the tasks of "linked" items
        window = max(2, self.options.concurrency * 2)
        while self.signal is None:
            if self.budget_left():
                room = window - len(tasks)
                if self.options.max_pages is not None:
                    room = min(room, self.options.max_pages - self.stats.pages_fetched - len(tasks))
                if room > 0:
                    for item in frontier.next_items(
                        self.db, room, exclude=tasks.keys(), skip_sites=self.down_sites
                    ):
                        if item["kind"] == "linked" and len(linked) < len(tasks):
                            break  # links wait until the listings in flight are done
                        if item["kind"] == "linked":
                            linked.add(item["id"])
                        tasks[item["id"]] = asyncio.create_task(self.work(item))
            if not tasks:
                break
            done, _ = await asyncio.wait(
                tasks.values(), timeout=self.time_left(), return_when=asyncio.FIRST_COMPLETED
            )
            if not done and self.time_left() == 0.0:
                await self.abandon(tasks)  # --max-time even while a response drips in
            for item_id in [i for i, t in tasks.items() if t in done]:
                tasks.pop(item_id)
                linked.discard(item_id)
            self.progress(self.stats)
        if tasks:  # interrupted: wait for the cancelled pages to unwind
            await asyncio.gather(*tasks.values(), return_exceptions=True)
            tasks.clear()

    async def abandon(self, tasks: dict[int, asyncio.Task]) -> None:
        """Cancel the requests in flight: their pages stay pending for the next run."""
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        tasks.clear()

    async def work(self, item: dict) -> None:
        """Fetch, parse and archive one frontier item; a bug in one page never stops the crawl."""
        try:
            await self.process(item)
        except Exception as exc:  # noqa: BLE001 - recorded, reported, and the crawl goes on
            error = f"internal error: {type(exc).__name__}: {exc}"
            self.stats.errors += 1
            self.stats.messages.append(f"{item['url']}: {error}")
            frontier.finish(self.db, item["id"], frontier.FAILED, error)

    async def process(self, item: dict) -> None:
        url = item["url"]
        module = self.platform(item["site_id"])
        html_url = self.html_of(item)
        if html_url and item["site_id"] in self.api_refused:
            self.fall_back_to_html(item, html_url, None)
            return
        if item["kind"] == "linked":
            with self.db.atomic():
                if self.archived(item, module):
                    frontier.finish(self.db, item["id"], frontier.SKIPPED, "already archived")
                    return
                frontier.set_kind(self.db, item["id"], "thread")
            item["kind"] = "thread"
        previous = None if self.options.full else archive.latest_page(self.db, url)
        conditional = previous if previous and previous.get("sha256") else None
        result = self.prefetched.pop(url, None) or await self.fetcher.fetch(
            url,
            etag=conditional and conditional.get("etag"),
            last_modified=conditional and conditional.get("last_modified"),
            validate=looks_empty,
        )
        if result.host_down:
            self.site_down(item, result)
            return
        if result.status_code is not None or result.attempts:
            self.stats.pages_fetched += 1
        if html_url and self.options.via == "auto" and (reason := self.api_refusal(result)):
            self.fall_back_to_html(item, html_url, reason)
            return
        if result.not_modified and conditional:
            self.stats.not_modified += 1
            body, page_id = archive.page_body(self.db, conditional["id"]), None
            content_type = conditional.get("content_type")
        elif result.error == ROBOTS_REFUSAL:
            self.stats.robots_skipped += 1
            with self.db.atomic():
                frontier.finish(self.db, item["id"], frontier.SKIPPED, result.error)
            return
        elif result.error:
            self.fetch_failed(item, result)
            return
        else:
            body, page_id, content_type = result.body, None, result.content_type
        final_url = result.final_url or url
        api = hasattr(module, "parse_json") and platforms.is_json(body, content_type)
        if not api and (error := not_html(content_type)):
            self.parse_failed(item, result, error)
            return
        try:
            parsed = platforms.parse(
                body, final_url, platform=module.NAME, content_type=content_type
            )  # shown times stay local: the archive applies the site's zone
        except BlockedPage as exc:
            self.parse_failed(item, result, str(exc), blocked=True)
            return
        except GonePage as exc:
            self.parse_failed(item, result, str(exc), gone=True)
            return
        except ParseError as exc:
            self.parse_failed(item, result, str(exc))
            if item["depth"] == 0:
                code = 2 if isinstance(exc, NotForumPage) else 1
                self.start_failures.append(StartFailure(f"{url}: {exc}", code))
            return
        warning = missing_posts(parsed, module) if isinstance(parsed, ThreadPage) else None
        gaps = [w for w in parsed.warnings if w.startswith("gap:")]  # posts a source lists
        warning = "; ".join(filter(None, [warning, *gaps])) or None  # but no longer serves
        if warning:
            self.stats.messages.append(f"{url}: {warning}")
        with self.db.atomic():
            if not result.not_modified:
                page_id = self.record(result, parsed, warning)
            if isinstance(parsed, ThreadPage):
                self.thread_page(item, module, parsed, page_id)
            else:
                self.listing_page(item, module, parsed)
            frontier.finish(self.db, item["id"], frontier.DONE)
            if isinstance(parsed, ThreadPage):
                self.maybe_finish_thread(item, parsed.thread.external_id)

    def record(
        self, result: FetchResult, parsed: ThreadPage | ListingPage, warning: str | None = None
    ) -> int:
        kind = "thread" if isinstance(parsed, ThreadPage) else parsed.kind
        return archive.record_fetch(
            self.db, url=result.url, status_code=result.status_code, body=result.body,
            content_type=result.content_type, etag=result.etag,
            last_modified=result.last_modified, final_url=result.final_url, page_kind=kind,
            parse_status="parsed", error=warning,
        )

    def thread_page(
        self, item: dict, module: Platform, page: ThreadPage, page_id: int | None
    ) -> None:
        site_id = item["site_id"]
        if page_id is not None:  # recorded as parsed; the write links it to its thread page
            stats = archive.write_thread_page(
                self.db, site_id, page, page_id=page_id, run_id=self.run_id
            )
            self.stats.posts_new += stats.posts_new
            self.stats.posts_changed += stats.posts_changed
            self.stats.posts_deleted += stats.posts_deleted
        thread_url = page.thread.url or item["url"]
        number, count = page.page.number, page.page.count
        if count:  # a page reached through a message permalink (no number queued) needs all
            first = 1 if item["page_number"] is None else number + 1
            pages = [(n, module.thread_page_url(thread_url, n)) for n in range(first, count + 1)]
        else:
            pages = [(number + 1, page.page.next_url)] if page.page.next_url else []
        for n, url in pages:
            if n != number:
                self.enqueue(
                    url, "thread", item, thread_external_id=page.thread.external_id,
                    page_number=n, listing_reply_count=item["listing_reply_count"],
                    listing_last_post=item["listing_last_post"],
                )

    def listing_page(self, item: dict, module: Platform, listing: ListingPage) -> None:
        site_id = item["site_id"]
        archive.write_listing(self.db, site_id, listing)
        for node in [*listing.categories, *listing.boards]:
            if node.url:
                self.enqueue(node.url, module.url_kind(node.url) or "board", item)
        if listing.page.next_url:
            self.enqueue(listing.page.next_url, item["kind"], item)
        for row in listing.threads:
            if row.reply_count is None and row.last_post_at_raw is None:
                # a bare link (beside the boards, in a tile or a menu): nothing to compare, so
                # only what the archive lacks
                self.linked_thread(item, module, row)
                continue
            start = self.first_page_to_fetch(site_id, row)
            if start is None:
                self.stats.threads_skipped += 1
                continue
            self.enqueue(
                module.thread_page_url(row.url, start), "thread", item,
                thread_external_id=row.external_id, page_number=start,
                listing_reply_count=row.reply_count, listing_last_post=row.last_post_at_raw,
            )

    def linked_thread(self, item: dict, module: Platform, row) -> None:
        """Queue a thread linked from a community or category page (or a sitemap) as "linked":
        worked on after the listings, and only when the archive lacks it by then (its board's
        listing, with the counts change detection needs, keeps it up to date)."""
        if uid := row.external_id or module.thread_id(row.url):
            self.enqueue(module.thread_page_url(row.url, 1), "linked", item,
                         thread_external_id=uid, page_number=1)
        else:  # a message permalink: its page names the thread
            self.enqueue(row.url.split("#")[0], "linked", item)

    def archived(self, item: dict, module: Platform) -> bool:
        """Whether the archive holds the thread (or the message) of a "linked" item."""
        if uid := item["thread_external_id"]:
            return archive.thread_state(self.db, item["site_id"], uid) is not None
        return archive.has_post(self.db, item["site_id"], module.post_id(item["url"]))

    def first_page_to_fetch(self, site_id: int, row) -> int | None:
        """Change detection: None when the listing row shows nothing new since the archive.

        A thread that only gained replies is fetched from its last archived page on, since
        earlier pages cannot have changed by a reply; anything else is fetched from page 1.
        """
        state = archive.thread_state(self.db, site_id, row.external_id)
        if self.options.full or not state or state["status"] != "complete":
            return 1
        old_count, old_last = state["listing_reply_count"], state["listing_last_post"]
        if old_count is None or row.reply_count is None:
            return 1
        if old_count == row.reply_count and old_last == row.last_post_at_raw:
            return None
        if row.reply_count > old_count:
            return max(1, state["page_count"] or 1)
        return 1

    def enqueue(self, url: str, kind: str, parent: dict, **fields) -> None:
        if host_key(url) not in self.fetcher.allowed_hosts:
            return
        url = self.platform(parent["site_id"]).clean_url(url)  # one URL per page: no session ids
        url = self.route(parent["site_id"], url)
        added = frontier.add(
            self.db, url, kind, site_id=parent["site_id"], depth=parent["depth"] + 1,
            run_id=self.run_id, **fields,
        )
        if not added and kind == "thread" and fields:
            frontier.claim_linked(self.db, url, **fields)

    def maybe_finish_thread(self, item: dict, external_id: str | None) -> None:
        """Set the thread's status once none of its pages is pending any more: complete, or
        blocked (a page was a login wall or challenge) or partial, with the first failure."""
        external_id = external_id or item["thread_external_id"]
        if not external_id:
            return
        states = frontier.thread_items(self.db, item["site_id"], external_id)
        if states.get(frontier.PENDING):
            return
        failed = self.failed_pages(item["site_id"], external_id) if states.get(
            frontier.FAILED) else []
        if not failed:
            archive.set_thread_status(
                self.db, item["site_id"], external_id, "complete",
                listing_reply_count=item["listing_reply_count"],
                listing_last_post=item["listing_last_post"],
            )
            return
        blocked = [row for row in failed if row["blocked"]]
        first = (blocked or failed)[0]
        more = f", and {len(failed) - 1} more failed" if len(failed) > 1 else ""
        archive.set_thread_status(
            self.db, item["site_id"], external_id, "blocked" if blocked else "partial",
            f"{first['error']} (page {first['page_number'] or '?'}{more})",
        )

    def failed_pages(self, site_id: int, external_id: str) -> list[dict]:
        """The thread's failed frontier rows in page order, each marked when it was blocked."""
        rows = frontier.failed_thread_items(self.db, site_id, external_id)
        for row in rows:
            latest = archive.latest_page(self.db, row["url"])
            row["blocked"] = bool(latest) and latest["parse_status"] == "blocked"
        return rows

    # -- failures --------------------------------------------------------------------------

    def site_down(self, item: dict, result: FetchResult) -> None:
        """The site's host is unreachable: its pages stay pending for the next run, nothing
        is recorded for them, and no more of them are scheduled this run."""
        if item["site_id"] in self.down_sites:
            return
        self.down_sites.add(item["site_id"])
        self.stats.errors += 1
        self.stats.sites_down.append(result.error or "host unreachable")

    def fetch_failed(self, item: dict, result: FetchResult) -> None:
        self.stats.errors += 1
        self.stats.messages.append(f"{item['url']}: {result.error}")
        with self.db.atomic():
            if result.status_code is not None or result.attempts:
                archive.record_fetch(
                    self.db, url=result.url, status_code=result.status_code,
                    body=result.body or None, content_type=result.content_type,
                    final_url=result.final_url,
                    page_kind=item["kind"], parse_status="fetch-failed", error=result.error,
                )
            frontier.finish(self.db, item["id"], frontier.FAILED, result.error)
            if item["kind"] != "thread":
                return
            uid = item["thread_external_id"]
            if result.status_code in (404, 410) and item["page_number"] == 1:
                archive.set_thread_status(self.db, item["site_id"], uid, "gone", result.error)
            else:
                self.maybe_finish_thread(item, uid)

    def parse_failed(
        self, item: dict, result: FetchResult, error: str, *, blocked: bool = False,
        gone: bool = False,
    ) -> None:
        """Record a page that yields nothing; a thread whose first page says it does not exist
        (a soft 404, ``gone``) is gone, as with a 404."""
        self.stats.errors += 1
        self.stats.blocked += blocked
        self.stats.messages.append(f"{item['url']}: {error}")
        with self.db.atomic():
            if not result.not_modified:
                archive.record_fetch(
                    self.db, url=result.url, status_code=result.status_code, body=result.body,
                    content_type=result.content_type, final_url=result.final_url,
                    page_kind=item["kind"], parse_status="blocked" if blocked else "parse-failed",
                    error=error,
                )
            frontier.finish(self.db, item["id"], frontier.FAILED, error)
            uid = item["thread_external_id"]
            if item["kind"] == "thread" and gone and uid and item["page_number"] == 1:
                archive.set_thread_status(self.db, item["site_id"], uid, "gone", error)
            elif item["kind"] == "thread":
                self.maybe_finish_thread(item, uid)


def start_failure(crawler: Crawler) -> StartFailure | None:
    """The failure of a crawl whose every start page gave nothing to follow, else None."""
    failures = crawler.start_failures
    if not failures or len(failures) < crawler.seeds or crawler.discovered:
        return None
    return StartFailure("; ".join(f.message for f in failures), max(f.code for f in failures))


def start_run(db: Database, urls: list[str], options: CrawlOptions) -> int:
    """Record a new run; header values are not recorded, only their names."""
    args = {"urls": urls, **{k: str(v) for k, v in asdict(options).items()}}
    args["headers"] = ", ".join(name for name, _ in options.headers)
    return archive.start_run(db, args)


def finish_run(
    db: Database, run_id: int, status: str, stats: CrawlStats, reason: str | None = None
) -> None:
    archive.finish_run(db, run_id, status, {
        "reason": reason, "pages_fetched": stats.pages_fetched,
        "pages_skipped": stats.threads_skipped,
        "posts_new": stats.posts_new, "posts_changed": stats.posts_changed,
        "posts_deleted": stats.posts_deleted, "errors": stats.errors,
    })


def checked_zone(tz: str | None) -> str | None:
    """The --tz zone normalized; CrawlError (exit 2, nothing written) when it does not exist."""
    try:
        return zones.normalize(tz) if tz else None
    except zones.ZoneError as exc:
        raise CrawlError(str(exc)) from None


def check_urls(urls: list[str], platform: str | None = None) -> None:
    for url in urls:
        parts = urlsplit(url)
        if parts.username is not None or parts.password is not None:
            bare = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
            raise CrawlError(
                f"refusing a URL with a user name or password: {bare} (credentials are never"
                " sent nor stored; give the URL without them)"
            )
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CrawlError(f"not an http(s) URL: {url!r}")
        if platform:
            site_platform(url, platform)


def site_platform(url: str, platform: str | None) -> Platform:
    """The platform of the site of ``url``: the one named, else the one its shape names."""
    if platform:
        try:
            return platforms.get(platform)
        except ParseError as exc:
            raise CrawlError(str(exc)) from None
    module = platforms.for_url(url)
    if module is None:
        raise CrawlError(f"{url}: the platform is not known yet (give --platform)")
    return module


def run_status(crawler: Crawler, pending: int) -> str:
    if crawler.signal is not None:
        return "interrupted"
    if crawler.down_sites or (crawler.stats.errors and not pending):
        return "incomplete"
    return "stopped" if pending or crawler.api_unread else "complete"


def load_cookies(options: CrawlOptions) -> CookieJar | None:
    try:
        return session.load_cookies(options.cookies) if options.cookies else None
    except session.SessionError as exc:
        raise CrawlError(str(exc)) from None


def make_fetcher(
    urls: list[str], options: CrawlOptions, cookies: CookieJar | None, transport=None,
    on_request=None,
) -> Fetcher:
    """The fetcher of a crawl: the start URLs' hosts, the session (headers, cookies), and no
    proxy when every host is this machine (the demo)."""
    return Fetcher(
        {host_key(u) for u in urls}, user_agent=options.user_agent,
        concurrency=options.concurrency, delay=options.delay, timeout=options.timeout / 2,
        deadline=options.timeout,
        max_bytes=options.max_bytes, max_attempts=options.max_attempts,
        backoff=options.backoff, obey_robots=options.obey_robots, transport=transport,
        headers=dict(options.headers), cookies=cookies,
        trust_env=not all(session.is_loopback(u) for u in urls), on_request=on_request,
    )


async def crawl_async(
    urls: list[str],
    options: CrawlOptions,
    progress: Callable[[CrawlStats], None] | None = None,
    *,
    transport=None,
    on_request: Callable[[runlog.RequestEvent], None] | None = None,
) -> CrawlReport:
    """Crawl ``urls`` (see :func:`crawl`). SIGINT and SIGTERM stop the run cleanly: it is
    recorded as interrupted and the report's exit code is 130 or 143."""
    check_urls(urls, options.platform)
    options.tz = checked_zone(options.tz)
    archive.check_file(options.db_path)
    cookies = load_cookies(options)
    with crawl_lock(Path(options.db_path)):
        db = archive.open_archive(options.db_path)
        fetcher = make_fetcher(urls, options, cookies, transport, on_request)
        crawler = Crawler(db, options, fetcher, progress)
        if cookies is not None:
            for host in session.cookieless_hosts(cookies, urls):
                crawler.stats.messages.append(f"{options.cookies} has no cookie for {host}")
        crawler.run_id = start_run(db, urls, options)
        status, pending, failure = "interrupted", 0, None
        try:
            with runlog.on_stop_signals(crawler.interrupt):
                decided = await crawler.decide_platforms(urls)
                left = await liql_crawl.api_phase(crawler, urls, decided)  # Khoros API first
                crawler.seed(left, decided)
                await crawler.discover(left)
                await crawler.run()
            pending = frontier.counts(db).get(frontier.PENDING, 0)
            failure = None if crawler.signal is not None else start_failure(crawler)
            status = "failed" if failure else run_status(crawler, pending)
        finally:
            await fetcher.aclose()
            finish_run(db, crawler.run_id, status, crawler.stats,
                       failure.message if failure else None)
            db.close()
        return CrawlReport(crawler.run_id, status, crawler.stats, pending, crawler.signal,
                           failure.message if failure else None, failure.code if failure else 1)


def crawl(
    urls: list[str],
    options: CrawlOptions,
    progress: Callable[[CrawlStats], None] | None = None,
    *,
    on_request: Callable[[runlog.RequestEvent], None] | None = None,
) -> CrawlReport:
    """Crawl ``urls`` into the archive at ``options.db_path``; see :class:`CrawlReport`.
    ``on_request`` hears of every HTTP request (the ``--log`` of the command line)."""
    return asyncio.run(crawl_async(urls, options, progress, on_request=on_request))
