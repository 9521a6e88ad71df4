"""The platform interface: what every module of ``scraper/platforms/`` provides.

A platform is a module, not a class: its functions are pure (bytes and URLs in, dataclasses
out; no network, no database). The registry checks each module against :class:`Platform` at
import, so a module that misses a member fails in the tests, not in the middle of a crawl.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from selectolax.lexbor import LexborHTMLParser

from scraper.models import ListingPage, ThreadPage


@runtime_checkable
class Platform(Protocol):
    """One forum platform (a module implementing these names)."""

    NAME: str
    """The platform's name as users type it (``--platform``) and as ``sites.platform`` stores it."""

    def url_kind(self, url: str) -> str | None:
        """What the URL's shape alone says it points at: "thread" (a post permalink too),
        "board", "category" or "community"; None when the shape says nothing.

        A bare root URL (``https://host/``) is "community" for any platform that has one: the
        registry treats a shape several platforms claim as ambiguous.
        """

    def thread_id(self, url: str) -> str | None:
        """The thread id a thread URL carries; None for a post permalink that does not."""

    def post_id(self, url: str) -> str | None:
        """The post id of a post permalink, else None."""

    def thread_page_url(self, thread_url: str, number: int) -> str:
        """The URL of page ``number`` (1-based) of the thread at ``thread_url``."""

    def listing_page_url(self, listing_url: str, number: int) -> str:
        """The URL of page ``number`` (1-based) of a board or category listing."""

    def clean_url(self, url: str) -> str:
        """``url`` without what makes one page look like many: session ids, tracking, fragments."""

    def detect(self, tree: LexborHTMLParser, url: str) -> bool:
        """Whether a parsed page is one of this platform's (walls of its sites included)."""

    def page_kind(self, tree: LexborHTMLParser, url: str) -> str:
        """"thread" or a listing kind, from the page and its URL."""

    def parse_page(
        self, tree: LexborHTMLParser, url: str, *, tz: str | None = None
    ) -> ThreadPage | ListingPage:
        """Parse a page: raise ``BlockedPage`` for a wall, ``NotForumPage`` for a page that is
        none of this platform's, ``ParseError`` for anything else that yields nothing."""


class JsonPlatform(Platform, Protocol):
    """A platform whose sites also serve a read API (JSON) to anonymous readers. These members
    are optional: a module that has ``parse_json`` must have all three."""

    def detect_json(self, data: object, url: str) -> bool:
        """Whether a decoded JSON document is one of this platform's API answers."""

    def parse_json(self, data: object, url: str, *, tz: str | None = None
                   ) -> ThreadPage | ListingPage:
        """Parse a decoded API answer; ``ParseError`` when it is not one this module knows."""

    def api_url(self, url: str) -> str | None:
        """The API URL that serves what the HTML page at ``url`` shows, if there is one."""

    def html_url(self, url: str) -> str | None:
        """The HTML page an API URL stands for (the crawl's fallback); None for other URLs."""


JSON_MEMBERS = ("detect_json", "parse_json", "api_url", "html_url")

# The names a platform module must define (the protocol's annotations and methods).
MEMBERS: tuple[str, ...] = tuple(Platform.__annotations__) + tuple(
    name for name, value in vars(Platform).items() if callable(value) and not name.startswith("_")
)


def missing_members(module: object) -> list[str]:
    """The interface's names ``module`` lacks, or that are not callable where they must be."""
    missing = [name for name in MEMBERS if not hasattr(module, name)]
    missing += [
        name for name in MEMBERS[len(Platform.__annotations__):]
        if hasattr(module, name) and not callable(getattr(module, name))
    ]
    if any(hasattr(module, name) for name in JSON_MEMBERS):
        missing += [name for name in JSON_MEMBERS if not callable(getattr(module, name, None))]
    return missing
