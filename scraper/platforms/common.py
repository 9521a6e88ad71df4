"""What several platforms share: walls and challenges, titles and meta tags, links, "X wrote:"
quote headers, cut names and session ids. Nothing here knows one platform's classes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cached_property
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.htmltext import clean_text

# "X wrote:", in the languages forums are most often in.
WROTE_WORDS = ("wrote", "said", "a écrit", "schrieb", "escribió", "escreveu", "scrisse",
               "schreef", "napisał", "написал")
WROTE = re.compile(rf"(.+?)\s+(?:{'|'.join(WROTE_WORDS)})\s*:?", re.I)
# A display name cut short: "jane_d…", "jane_d...", "jane_d&#133;" (U+2026 or its cp1252 byte).
ELLIPSES = ("…", "...", "\x85")
# Query parameters that carry a guest's session: the same page under many URLs.
SESSION_PARAMS = frozenset({"sid", "s", "phpsessid", "sessionid", "jsessionid", "session"})


def page_title(tree: LexborHTMLParser) -> str:
    """The page's ``<title>`` text, or "(untitled)"."""
    title = tree.css_first("title")
    return (clean_text(title.text()) if title else "") or "(untitled)"


def meta(tree: LexborHTMLParser, prop: str) -> str | None:
    """The content of ``<meta property=prop>`` or ``<meta name=prop>``, if not blank."""
    node = tree.css_first(f"meta[property='{prop}'], meta[name='{prop}']")
    value = node.attrs.get("content") if node is not None else None
    return value.strip() if value and value.strip() else None


def canonical(tree: LexborHTMLParser) -> str | None:
    """The ``link[rel=canonical]`` href (else ``og:url``), as written."""
    link = tree.css_first("link[rel=canonical]")
    href = link.attrs.get("href") if link is not None else None
    return href or meta(tree, "og:url")


def first(
    node: LexborNode, tags: tuple[str, ...], attribute: str | None = None
) -> LexborNode | None:
    """The first element of ``node``'s subtree (``node`` included) with one of ``tags`` (and
    ``attribute``). A walk in Python: for the few nodes of a small part it costs less than a
    CSS query, which parses its selector on every call."""
    for element in node.traverse():
        if element.tag in tags and (attribute is None or attribute in element.attrs):
            return element
    return None


def within(node: LexborNode, ancestor: LexborNode | None, levels: int | None = None) -> bool:
    """Whether ``ancestor`` holds ``node`` (within ``levels`` parents when given). Nodes are
    compared by ``mem_id``: ``LexborNode ==`` serializes both subtrees."""
    if ancestor is None:
        return False
    target = ancestor.mem_id
    parent = node.parent
    while parent is not None and levels != 0:
        if parent.mem_id == target:
            return True
        parent = parent.parent
        levels = levels - 1 if levels is not None else None
    return False


_CHALLENGE = (
    "#challenge-form, #challenge-running, #cf-wrapper, .cf-browser-verification, "
    ".g-recaptcha, .h-captcha, [id*=captcha], [class*=captcha], form[action*=challenge]"
)
_LOGIN = (
    "input[type=password], form[action*=login], form[action*=signin], form[id*=login], "
    "form[name*=login], form[class*=login]"
)
_CONSENT = "form[action*=consent], [id*=consent] form, [class*=consent] form, .fc-consent-root"


def blocked_reason(tree: LexborHTMLParser, what: str, *, login: bool = True) -> str | None:
    """Why a page shows none of ``what`` (posts, threads): a bot challenge, a login wall or a
    consent page; None when it shows none of them. Call it only for a page that lacks the
    content its kind should have: many forums show a login form beside their content.
    ``login=False`` skips the sign-in form test (for platforms that put one on every page)."""
    title = page_title(tree)
    if tree.css_first(_CHALLENGE) is not None or title.lower().startswith(
        ("just a moment", "attention required")
    ):
        return f"bot challenge instead of {what}: {title}"
    if login and tree.css_first(_LOGIN) is not None:
        return f"login wall: sign-in form instead of {what}: {title}"
    if tree.css_first(_CONSENT) is not None:
        return f"consent page instead of {what}: {title}"
    return None


def is_cut(name: str | None) -> bool:
    """Whether a shown name ends in an ellipsis (cut short by the page)."""
    return bool(name) and name.rstrip(" \t\n").endswith(ELLIPSES)


def stem(name: str) -> str:
    """A cut name without its ellipsis: "jane_d…" -> "jane_d"."""
    name = name.rstrip(" \t\n")  # not str.rstrip(): U+0085 is whitespace to Python
    for mark in ELLIPSES:
        name = name.removesuffix(mark)
    return name.rstrip(" \t\n")


def wrote_header(line: str) -> str | None:
    """The author of an "X wrote:" quote header line, else None."""
    if not line.rstrip(" :").lower().endswith(WROTE_WORDS):
        return None
    m = WROTE.fullmatch(line.strip())
    return m.group(1).strip() if m else None


def _folder_relative(href: str) -> int | None:
    """Where the part of ``href`` that ``urljoin`` only appends to the page's folder starts (0,
    or 2 after "./"), for a plain relative link: "showthread.php?t=5", "./viewtopic.php?p=7",
    "Thread-name". None for anything else (a scheme, a dot or empty segment, ";params", an empty
    "?" or "#", spaces or controls that ``urlsplit`` strips): ``urljoin`` settles those."""
    if not (href.isascii() and href.isprintable()) or " " in href:
        return None
    rest, hash_mark, fragment = href.partition("#")
    path, question_mark, query = rest.partition("?")
    if hash_mark and not fragment or question_mark and not query:
        return None
    start = 2 if path.startswith("./") else 0
    path = path[start:]
    if not path or path[0] in "./" or ":" in path or ";" in path or "//" in path or "/." in path:
        return None
    return start


class Urls:
    """Absolute URLs against one page URL, cheaply (most hrefs are root-relative, or relative
    to the page's folder: both are joined without ``urljoin``, to the same result)."""

    def __init__(self, url: str) -> None:
        self.url = url
        parts = urlsplit(url)
        self.origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
        self.netloc = parts.netloc.lower()
        self._plain = parts.scheme in ("http", "https") and bool(parts.netloc)

    @cached_property
    def folder(self) -> str:
        """The page's folder as ``urljoin`` resolves it ("" when it is not an http(s) URL)."""
        return urljoin(self.url, "x")[:-1] if self._plain else ""

    def absolute(self, href: str | None) -> str | None:
        """``href`` made absolute (None for none, a fragment-only or a script link)."""
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            return None
        if href.startswith(("https://", "http://")):
            return href
        if href.startswith("/") and not href.startswith("//") and self.origin:
            return self.origin + href
        if (start := _folder_relative(href)) is not None and self.folder:
            return self.folder + href[start:]
        return urljoin(self.url, href)

    def same_site(self, url: str) -> bool:
        origin = self.origin
        if origin and url.startswith(origin) and url[len(origin):len(origin) + 1] in "/?#":
            return True  # the common case, without parsing the URL
        return urlsplit(url).netloc.lower() == self.netloc


def strip_params(url: str, names: Iterable[str] = SESSION_PARAMS, *, fragment: bool = True) -> str:
    """``url`` without the query parameters ``names`` (case-insensitive) and its fragment."""
    parts = urlsplit(url)
    names = {n.lower() for n in names}
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if k.lower() not in names]
        query = urlencode(kept)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query,
                       "" if fragment else parts.fragment))


def links_by_kind(
    tree: LexborHTMLParser | LexborNode,
    urls: Urls,
    classify: Callable[[str], str | None],
    clean: Callable[[str], str] = lambda u: u,
) -> dict[str, list[tuple[str, str]]]:
    """Every same-site link of the page (or node), wherever it sits, grouped by the kind
    ``classify`` gives its URL: ``{kind: [(clean url, link text), ...]}`` in document order,
    each URL once (the first non-empty text wins)."""
    found: dict[str, dict[str, str]] = {}
    for link in tree.css("a[href]"):
        url = urls.absolute(link.attrs.get("href"))
        if not url or not urls.same_site(url):
            continue
        kind = classify(url)
        if kind is None:
            continue
        url = clean(url)
        texts = found.setdefault(kind, {})
        if not texts.get(url):
            texts[url] = clean_text(link.text()) or clean_text(link.attrs.get("title"))
    return {kind: list(texts.items()) for kind, texts in found.items()}
