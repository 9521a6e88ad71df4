"""Plain dataclasses produced by the platform parsers (the `parse` JSON contract, DESIGN §3)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

THREAD_SCHEMA = "forum-scraper/thread-page/2"
LISTING_SCHEMA = "forum-scraper/listing-page/2"


class ParseError(Exception):
    """The page cannot be parsed; the message says what was found instead."""


class NotForumPage(ParseError):
    """The bytes are not a page of the expected platform (or not HTML at all)."""


class GonePage(NotForumPage):
    """The page says that what was asked for does not exist (a deleted topic): many forums
    answer so with HTTP 200; the crawl records it as it records a 404."""


class BlockedPage(ParseError):
    """A thread page that carries no posts: login wall, bot challenge, consent page, error page."""


@dataclass
class Author:
    """``name`` is the user's unique handle where the platform has one (else the name shown,
    uncut); ``display_name`` a separate full name the platform shows beside the handle."""

    name: str | None = None
    external_id: str | None = None
    url: str | None = None
    rank: str | None = None
    display_name: str | None = None


@dataclass
class Board:
    external_id: str | None = None
    title: str | None = None
    url: str | None = None


@dataclass
class Crumb:
    title: str | None = None
    url: str | None = None


@dataclass
class PageInfo:
    number: int = 1
    count: int | None = None
    next_url: str | None = None
    prev_url: str | None = None


@dataclass
class Quote:
    author_name: str | None = None
    post_external_id: str | None = None
    depth: int = 1
    text: str = ""


@dataclass
class TimeAnchor:
    """One observation of a site's time zone: a time as the page shows it (naive local ISO)
    beside the exact instant it stands for (ISO with offset), e.g. a shown date next to its
    ``time[datetime]`` or ``data-timestamp``."""

    local: str
    instant: str


@dataclass
class Post:
    external_id: str
    position: int | None = None
    url: str | None = None
    title: str | None = None
    author: Author = field(default_factory=Author)
    posted_at: str | None = None
    posted_at_raw: str | None = None
    edited_at: str | None = None
    body_html: str = ""
    body_text: str = ""
    signature: str | None = None
    score: int | None = None  # kudos, likes, reactions or votes, as the platform counts them
    is_solution: bool = False
    reply_to: str | None = None
    quotes: list[Quote] = field(default_factory=list)


@dataclass
class Thread:
    external_id: str
    title: str | None = None
    url: str | None = None
    board: Board | None = None
    breadcrumbs: list[Crumb] = field(default_factory=list)
    reply_count: int | None = None
    solved: bool | None = None
    accepted_post_ids: list[str] = field(default_factory=list)


@dataclass
class ThreadPage:
    platform: str
    url: str
    thread: Thread
    canonical_url: str | None = None
    page: PageInfo = field(default_factory=PageInfo)
    posts: list[Post] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # What the page tells of the site's time zone: observations, and a zone it states
    # (an IANA name or a fixed offset such as "+01:00", e.g. "All times are UTC+01:00").
    time_anchors: list[TimeAnchor] = field(default_factory=list)
    zone_hint: str | None = None
    schema: str = THREAD_SCHEMA

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        order = [
            "schema", "platform", "url", "canonical_url", "page", "thread", "posts", "warnings",
        ]
        return {k: d[k] for k in order}


@dataclass
class ListingThread:
    external_id: str  # "" for a message permalink, whose thread only its page names
    title: str | None = None
    url: str | None = None
    reply_count: int | None = None
    last_post_at: str | None = None
    last_post_at_raw: str | None = None
    author: Author | None = None
    score: int | None = None
    views: int | None = None
    solved: bool | None = None


@dataclass
class ListingPage:
    """A board, category or community front page: threads, sub-boards, next page."""

    platform: str
    url: str
    kind: str  # "board" | "category" | "community"
    canonical_url: str | None = None
    board: Board | None = None
    breadcrumbs: list[Crumb] = field(default_factory=list)
    page: PageInfo = field(default_factory=PageInfo)
    threads: list[ListingThread] = field(default_factory=list)
    boards: list[Board] = field(default_factory=list)
    categories: list[Board] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    time_anchors: list[TimeAnchor] = field(default_factory=list)
    zone_hint: str | None = None
    schema: str = LISTING_SCHEMA

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        order = [
            "schema", "platform", "url", "canonical_url", "kind", "page", "board",
            "breadcrumbs", "categories", "boards", "threads", "warnings",
        ]
        return {k: d[k] for k in order}
