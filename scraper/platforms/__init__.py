"""Platform adapters: one module per platform, each implementing :class:`base.Platform`.

The registry below checks every module against the interface when it is imported. Nothing
outside this package knows a CSS class or a URL shape.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from scraper.htmltext import decode_html, utf8_body
from scraper.models import ListingPage, NotForumPage, ThreadPage
from scraper.platforms import khoros, phpbb
from scraper.platforms.base import Platform, missing_members


def _registry(*modules: object) -> dict[str, Platform]:
    """Platforms by name; a module that misses a member of the interface fails here."""
    found: dict[str, Platform] = {}
    for module in modules:
        if missing := missing_members(module):
            raise TypeError(f"{module.__name__} is no platform: missing {', '.join(missing)}")
        found[module.NAME] = module
    return found


PLATFORMS: dict[str, Platform] = _registry(khoros, phpbb)


def get(name: str) -> Platform:
    try:
        return PLATFORMS[name]
    except KeyError:
        raise NotForumPage(f"unknown platform {name!r} (known: {', '.join(PLATFORMS)})") from None


def for_url(url: str) -> Platform | None:
    """The platform whose URL shapes match ``url``, if any."""
    for module in PLATFORMS.values():
        if module.url_kind(url):
            return module
    return None


def parse(
    body: bytes | str,
    url: str | None,
    *,
    platform: str | None = None,
    content_type: str | None = None,
    tz: str | None = None,
) -> ThreadPage | ListingPage:
    """Parse one saved page: detect the platform and the page kind, return its dataclasses.

    Without ``url`` the page's own canonical link stands for it.
    """
    markup = _markup(body, content_type)
    if (b"<" if isinstance(markup, bytes) else "<") not in markup:
        text = markup.decode("utf-8") if isinstance(markup, bytes) else markup
        raise NotForumPage(f"not HTML: {describe_text(text)}")
    tree = LexborHTMLParser(markup)
    if not url:
        link = tree.css_first('link[rel="canonical"]') or tree.css_first('meta[property="og:url"]')
        url = link and (link.attributes.get("href") or link.attributes.get("content"))
        if not url:
            raise NotForumPage("no URL given (--url) and the page names no canonical URL")
    if platform:
        module = get(platform)
    else:
        module = next((m for m in PLATFORMS.values() if m.detect(tree, url)), None)
        if module is None:
            raise NotForumPage(f"no known forum platform recognised: {describe_page(tree)}")
    return module.parse_page(tree, url, tz=tz)


def _markup(body: bytes | str, content_type: str | None) -> bytes | str:
    """What Lexbor parses: valid UTF-8 bytes as they are (Lexbor reads bytes as UTF-8, and
    that costs less than decoding them and handing it text), else the decoded text."""
    if isinstance(body, str):
        return body
    utf8 = utf8_body(body)
    return utf8 if utf8 is not None else decode_html(body, content_type)


def describe_text(text: str) -> str:
    snippet = " ".join(text[:60].split())
    return f"{len(text)} characters starting {snippet!r}" if snippet else "an empty document"


def describe_page(tree: LexborHTMLParser) -> str:
    """A short human description of what a page is, for error messages."""
    title = tree.css_first("title")
    name = " ".join(title.text().split()) if title else ""
    return f"page titled {name[:80]!r}" if name else "HTML page without a title"
