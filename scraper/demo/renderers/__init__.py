"""Demo renderers for platforms other than Khoros (whose pages come from ``demo.render``).

Each module ``scraper/demo/renderers/<platform>.py`` renders the same invented community
(``demo.content``) in that platform's real markup and URL shapes, and provides:

- ``NAME``: the platform name (as in ``scraper.platforms``);
- ``ROBOTS``: the robots.txt text its demo site serves;
- ``INDEX_PATH``: the path of the forum index (where a crawl of the whole forum starts);
- ``page(community, route, query, base, blocked) -> Page``: the answer for a GET of ``route``
  (the URL path) with ``query`` (the raw query string) on a server at ``base``; ``blocked``
  maps thread uids to "login" or "challenge" (serve a wall with HTTP 200 at every page of
  those threads). Unknown paths answer 404 in the platform's own not-found markup.
- ``thread_path(community, thread, page) -> str`` and ``board_path(board, page) -> str``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

HTML_TYPE = "text/html;charset=UTF-8"


@dataclass
class Page:
    """One answer of a demo renderer."""

    status: int = 200
    html: str = ""
    modified: datetime | None = None
    location: str | None = None  # a redirect target (with a 301/302 status)
    content_type: str = HTML_TYPE
    headers: dict[str, str] = field(default_factory=dict)


def available(platform: str) -> bool:
    """Whether the demo site can speak ``platform`` (Khoros is the demo's own)."""
    return platform == "khoros" or find_spec(f"scraper.demo.renderers.{platform}") is not None


def renderer(platform: str) -> ModuleType:
    """The demo renderer of ``platform``; ValueError when there is none."""
    try:
        return import_module(f"scraper.demo.renderers.{platform}")
    except ModuleNotFoundError:
        raise ValueError(f"no demo site for platform {platform!r}") from None
