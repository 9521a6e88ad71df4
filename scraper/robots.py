"""robots.txt rules for one host, read with ``urllib.robotparser``."""

from __future__ import annotations

import math
import re
import zlib
from urllib.robotparser import RobotFileParser
from xml.etree import ElementTree

MAX_SITEMAP_BYTES = 50 * 2**20  # the sitemaps protocol's own limit, uncompressed

_FRACTIONAL_DELAY = re.compile(r"^(\s*crawl-delay\s*:\s*)(\d*\.\d+)", re.IGNORECASE)


class RobotsRules:
    """What one host's robots.txt allows our user agent.

    ``text=None`` means "no usable robots.txt": everything is allowed. ``note`` says why when
    that was not a plain "there is none" (e.g. the file answered 503).
    """

    def __init__(self, text: str | None, user_agent: str, note: str | None = None) -> None:
        self.user_agent = user_agent
        self.note = note
        self._parser: RobotFileParser | None = None
        if text is not None:
            self._parser = RobotFileParser()
            self._parser.parse(_round_up_delays(text.splitlines()))

    def can_fetch(self, url: str) -> bool:
        return self._parser is None or self._parser.can_fetch(self.user_agent, url)

    @property
    def sitemaps(self) -> list[str]:
        """The sitemap URLs robots.txt names (``Sitemap:`` lines), in order."""
        return list(self._parser.site_maps() or []) if self._parser is not None else []

    @property
    def crawl_delay(self) -> float | None:
        """The ``Crawl-delay`` of the group that applies to us, in seconds."""
        if self._parser is None:
            return None
        delay = self._parser.crawl_delay(self.user_agent)
        return None if delay is None else float(delay)


def _round_up_delays(lines: list[str]) -> list[str]:
    """robotparser only reads whole seconds: round a fractional ``Crawl-delay`` up."""
    return [
        _FRACTIONAL_DELAY.sub(lambda m: f"{m[1]}{math.ceil(float(m[2]))}", line) for line in lines
    ]


def sitemap_locations(body: bytes) -> tuple[list[str], list[str]]:
    """The ``<loc>`` URLs of a sitemap (gzip or not): ``(sitemaps, pages)``, the first from a
    sitemap index, the second from a URL set. ValueError for what is no sitemap."""
    if body[:2] == b"\x1f\x8b":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = inflater.decompress(body, MAX_SITEMAP_BYTES)
        except zlib.error as exc:
            raise ValueError(f"undecodable gzip sitemap: {exc}") from None
        if inflater.unconsumed_tail:
            raise ValueError("sitemap larger than 50 MB")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise ValueError(f"not a sitemap: {exc}") from None
    kind = root.tag.rpartition("}")[2]
    if kind not in ("sitemapindex", "urlset"):
        raise ValueError(f"not a sitemap: root element <{kind}>")
    locs = [(e.text or "").strip() for e in root.iter() if e.tag.rpartition("}")[2] == "loc"]
    locs = [loc for loc in locs if loc]
    return (locs, []) if kind == "sitemapindex" else ([], locs)
