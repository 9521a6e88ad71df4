"""Plain dataclasses produced by the platform parsers (the `parse` JSON contract, DESIGN §3)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

THREAD_SCHEMA = "forum-scraper/thread-page/1"
LISTING_SCHEMA = "forum-scraper/listing-page/1"


class ParseError(Exception):
    """The page cannot be parsed; the message says what was found instead."""


class NotForumPage(ParseError):
    """The bytes are not a page of the expected platform (or not HTML at all)."""


class BlockedPage(ParseError):
    """A thread page that carries no posts: login wall, bot challenge, consent page, error page."""


@dataclass
class Author:
    name: str | None = None
    external_id: str | None = None
    url: str | None = None
    rank: str | None = None


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
    kudos: int | None = None
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
    schema: str = THREAD_SCHEMA

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        order = [
            "schema", "platform", "url", "canonical_url", "page", "thread", "posts", "warnings",
        ]
        return {k: d[k] for k in order}


@dataclass
class ListingThread:
    external_id: str
    title: str | None = None
    url: str | None = None
    reply_count: int | None = None
    last_post_at: str | None = None
    last_post_at_raw: str | None = None
    author: Author | None = None
    kudos: int | None = None
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
    schema: str = LISTING_SCHEMA

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        order = [
            "schema", "platform", "url", "canonical_url", "kind", "page", "board",
            "breadcrumbs", "categories", "boards", "threads", "warnings",
        ]
        return {k: d[k] for k in order}
