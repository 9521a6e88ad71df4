"""Platform adapters: one module per platform, each implementing :class:`base.Platform`.

The registry below checks every module against the interface when it is imported. Nothing
outside this package knows a CSS class or a URL shape.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from scraper.htmltext import decode_html, utf8_body
from scraper.models import ListingPage, NotForumPage, ParseError, ThreadPage
from scraper.platforms import (
    discourse,
    invision,
    khoros,
    mybb,
    nodebb,
    phpbb,
    smf,
    stackexchange,
    vanilla,
    vbulletin,
    xenforo,
)
from scraper.platforms.base import Platform, missing_members


def _registry(*modules: object) -> dict[str, Platform]:
    """Platforms by name; a module that misses a member of the interface fails here."""
    found: dict[str, Platform] = {}
    for module in modules:
        if missing := missing_members(module):
            raise TypeError(f"{module.__name__} is no platform: missing {', '.join(missing)}")
        found[module.NAME] = module
    return found


PLATFORMS: dict[str, Platform] = _registry(
    khoros,
    discourse,
    invision,
    mybb,
    nodebb,
    phpbb,
    smf,
    stackexchange,
    vanilla,
    vbulletin,
    xenforo,
)


def get(name: str) -> Platform:
    try:
        return PLATFORMS[name]
    except KeyError:
        raise NotForumPage(f"unknown platform {name!r} (known: {', '.join(PLATFORMS)})") from None


def supported() -> str:
    """The supported platforms, for messages."""
    return ", ".join(PLATFORMS)


def for_url(url: str) -> Platform | None:
    """The platform whose URL shapes claim ``url`` when exactly one does. A bare root URL
    (``https://host/``) could be any forum's index, so it never decides alone."""
    if urlsplit(url).path.strip("/") == "":
        return None
    claims = [module for module in PLATFORMS.values() if module.url_kind(url)]
    return claims[0] if len(claims) == 1 else None


def detect(tree: LexborHTMLParser, url: str) -> Platform | None:
    """The first platform that recognises a parsed page as its own."""
    return next((m for m in PLATFORMS.values() if m.detect(tree, url)), None)


def detect_page(body: bytes, url: str, content_type: str | None = None) -> Platform:
    """The platform of a fetched page; ``NotForumPage`` naming what the page is and the
    supported platforms when none recognises it."""
    markup = _markup(body, content_type)
    if (b"<" if isinstance(markup, bytes) else "<") not in markup:
        text = markup.decode("utf-8") if isinstance(markup, bytes) else markup
        raise NotForumPage(f"not HTML: {describe_text(text)}; supported platforms: {supported()}")
    tree = LexborHTMLParser(markup)
    module = detect(tree, url)
    if module is None:
        raise NotForumPage(
            f"no supported forum platform recognised: {describe_page(tree)}"
            f" (supported: {supported()})"
        )
    return module


def parse(
    body: bytes | str,
    url: str | None,
    *,
    platform: str | None = None,
    content_type: str | None = None,
    tz: str | None = None,
) -> ThreadPage | ListingPage:
    """Parse one saved page: detect the platform and the page kind, return its dataclasses.

    Without ``url`` the page's own canonical link stands for it. A JSON document (a platform's
    read API: a Discourse topic, a LiQL answer...) goes to the ``parse_json`` of the platform
    that recognises it.
    """
    if is_json(body, content_type):
        return parse_json_document(body, url, platform=platform, tz=tz)
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
        module = detect(tree, url)
        if module is None:
            raise NotForumPage(
                f"no supported forum platform recognised: {describe_page(tree)}"
                f" (supported: {supported()})"
            )
    return module.parse_page(tree, url, tz=tz)


def is_json(body: bytes | str, content_type: str | None = None) -> bool:
    """Whether a document is JSON: by its declared type, else by its first character."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return True
    head = body[:64]
    if isinstance(head, bytes):
        head = head.removeprefix(b"\xef\xbb\xbf").decode("latin-1")
    return head.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")


def parse_json_document(
    body: bytes | str, url: str | None, *, platform: str | None = None, tz: str | None = None
) -> ThreadPage | ListingPage:
    """Parse a JSON document with the ``parse_json`` of its platform (named, else detected by
    ``detect_json``). Invalid or truncated JSON is a ``ParseError`` naming where it breaks."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ParseError(f"invalid JSON: {exc}") from None
    if platform:
        module = get(platform)
        if not hasattr(module, "parse_json"):
            raise NotForumPage(f"{module.NAME} pages are HTML; this is a JSON document")
    else:
        module = next(
            (m for m in PLATFORMS.values()
             if hasattr(m, "detect_json") and m.detect_json(data, url or "")),
            None,
        )
        if module is None:
            keys = ", ".join(list(data)[:6]) if isinstance(data, dict) else type(data).__name__
            raise NotForumPage(
                f"a JSON document no supported platform recognises (keys: {keys});"
                f" supported: {supported()}"
            )
    if not url:
        raise NotForumPage("no URL given (--url): a JSON document names none")
    return module.parse_json(data, url, tz=tz)


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
