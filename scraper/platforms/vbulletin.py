"""vBulletin 3.8 (and Internet Brands' 3.9 grid), 4.x and 5.x/6.x: thread pages and listings.

One parser for the three generations: a post root is found by its stable id (``table#post<P>``,
``div.tpost#post<P>``, ``li#post_<P>``, ``li.b-post``), then every part of a post comes from one
CSS query whose matches are told apart by id, class and tag. Dates carry no zone except on
vB5/6 (``time[datetime]``); the footer "All times are GMT -5" states the fixed offset vB3/4
apply to every date they print, and is used as the page's zone.

The Something Awful fork (vBulletin 2.2.9, ``body#something_awful``) is a different dialect
and is refused with a message that says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.dates import Clock, format_offset, infer_order, parse_instant
from scraper.htmltext import clean_text, html_text, parse_count
from scraper.models import (
    Author,
    BlockedPage,
    Board,
    Crumb,
    GonePage,
    ListingPage,
    ListingThread,
    NotForumPage,
    PageInfo,
    ParseError,
    Post,
    Quote,
    Thread,
    ThreadPage,
    TimeAnchor,
)
from scraper.platforms.common import Urls, blocked_reason, links_by_kind, meta, page_title

NAME = "vbulletin"
DATE_ORDER = "MDY"  # vBulletin's default date format is m-d-Y

# --- URLs ----------------------------------------------------------------------------------------

_SCRIPT = re.compile(r"/(showthread|showpost|forumdisplay|index|forum|printthread)\.php(?:/|$)")
_FRIENDLY_ID = re.compile(r"^(\d+)(?:-[^/]*)?$")  # "123-some-title" (vB4 friendly, vB5, vBSEO)
_NODE_PATH = re.compile(r"^(/(?:[^/]+/)*?)(\d+)-[^/]+?(?:\.html)?(?:/page(\d+))?/?$")
_PAGE_SUFFIX = re.compile(r"/page(\d+)/?$")
_SESSION = ("s", "sid", "phpsessid", "sessionhash")
# Paths under /forum/ that are no vB5 channel: members, search, and other platforms' shapes
# (XenForo "threads/title.123", Discourse "t/slug/123").
_FOREIGN_PATH = re.compile(r"^/forum/(?:members?|search|threads|forums|t|c|u|tags)(?:/|$)|\.\d+/?$")


def _script(url: str) -> tuple[str | None, str, dict[str, str]]:
    """(script name, path after the script, query) of a ``…/<name>.php`` URL."""
    parts = urlsplit(url)
    m = _SCRIPT.search(parts.path)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if m is None:
        return None, parts.path, query
    return m.group(1), parts.path[m.end():], query


def _friendly_thread(rest: str, query: dict[str, str]) -> str | None:
    """The id in vB4's ``showthread.php/123-title`` or ``showthread.php?123-title/page2``."""
    for candidate in (rest.strip("/").split("/")[0], *(k for k, v in query.items() if not v)):
        m = _FRIENDLY_ID.match(candidate.split("/")[0]) if candidate else None
        if m:
            return m.group(1)
    return None


def _node_path(url: str) -> re.Match[str] | None:
    """vB5/6 ``/forum/<channel>/<id>-<slug>[/pageN]`` or vBSEO ``/forum/<f>/<id>-<slug>.html``."""
    path = urlsplit(url).path
    if "/forum/" not in path or "/member" in path:
        return None
    return _NODE_PATH.match(path)


def url_kind(url: str) -> str | None:
    """"thread", "board" or "community" from the URL's shape, else None."""
    script, rest, query = _script(url)
    if script in ("showthread", "showpost", "printthread"):
        return "thread"
    if script == "forumdisplay":
        return "board"
    if script in ("index", "forum"):
        return "community" if not set(query) - set(_SESSION) else None
    path = urlsplit(url).path
    if _node_path(url):
        return "thread"
    if path.rstrip("/") == "/forum" or path == "/":
        return "community"
    if path.startswith("/forum/") and not _FOREIGN_PATH.search(path):
        return "board" if "." not in path.rsplit("/", 1)[-1] else None
    return None


def thread_id(url: str) -> str | None:
    """The thread id of ``showthread.php?t=N`` (or ``threadid=``), a friendly or vB5 URL."""
    script, rest, query = _script(url)
    if script in ("showthread", "printthread"):
        tid = query.get("t") or query.get("threadid")
        return tid if tid and tid.isdigit() else _friendly_thread(rest, query)
    if script is None and (m := _node_path(url)):
        return m.group(2)
    return None


def post_id(url: str) -> str | None:
    """The post id of ``showthread.php?p=N``, ``showpost.php?p=N`` or a vB5 ``?p=N`` link."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    pid = query.get("p") or query.get("postid")
    if pid and pid.isdigit():
        return pid
    m = re.fullmatch(r"post_?(\d+)", parts.fragment)
    return m.group(1) if m and url_kind(url) == "thread" and thread_id(url) is None else None


def _with_query(url: str, **params: str | None) -> str:
    parts = urlsplit(clean_url(url))
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for key, value in params.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def thread_page_url(thread_url: str, number: int) -> str:
    """``showthread.php?t=N&page=K`` (vB3/4), ``…/<id>-<slug>/pageK`` (vB5/6, vBSEO)."""
    script, rest, query = _script(thread_url)
    page = str(number) if number > 1 else None
    if script in ("showthread", "printthread"):
        tid = thread_id(thread_url)
        if tid is None:
            raise ValueError(f"not a vBulletin thread URL: {thread_url}")
        if query.get("t") or query.get("threadid") or not rest.strip("/"):
            return _with_query(thread_url, p=None, page=page)
        parts = urlsplit(clean_url(thread_url))  # friendly: showthread.php/123-title/page2
        path = _PAGE_SUFFIX.sub("", parts.path) + (f"/page{number}" if page else "")
        return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    if _node_path(thread_url) is None:
        raise ValueError(f"not a vBulletin thread URL: {thread_url}")
    parts = urlsplit(thread_url)
    path = _PAGE_SUFFIX.sub("", parts.path.rstrip("/"))
    if path.endswith(".html"):  # vBSEO: 123-title-2.html
        path = re.sub(r"-\d+\.html$", ".html", path) if number == 1 else path
        path = path[:-5] + (f"-{number}" if page else "") + ".html"
    else:
        path += f"/page{number}" if page else ""
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def listing_page_url(listing_url: str, number: int) -> str:
    """``forumdisplay.php?f=N&page=K`` (vB3/4), ``/forum/<channel>/pageK`` (vB5/6)."""
    script, _, _ = _script(listing_url)
    if script is not None:
        return _with_query(listing_url, page=str(number) if number > 1 else None)
    parts = urlsplit(clean_url(listing_url))
    path = _PAGE_SUFFIX.sub("", parts.path.rstrip("/")) + (f"/page{number}" if number > 1 else "")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


@lru_cache(maxsize=8192)
def clean_url(url: str) -> str:
    """``url`` without the guest session (``s=<32 hex>``), ``nojs`` and the fragment."""
    parts = urlsplit(url)
    if not parts.query:
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in _SESSION and k != "nojs"]
    # vB4 friendly URLs keep "?123-title" as a bare key: no "=" added to it
    query = "&".join(k if not v and "-" in k else urlencode([(k, v)]) for k, v in pairs)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


# --- recognising pages ---------------------------------------------------------------------------

_MARKERS = (
    "html#vbulletin_html, body#vb-page-body, meta[name=vb_meta_bburl], "
    "[id^=post_message_], li.b-post, script[src*='vbulletin_'], a#vbulletinlink"
)


def detect(tree: LexborHTMLParser, url: str) -> bool:
    """The generator meta, vB4/5 page ids, post message ids or the vB scripts."""
    if _is_fork(tree):
        return False
    generator = meta(tree, "generator") or ""
    if generator.lower().startswith("vbulletin"):
        return True
    return tree.css_first(_MARKERS) is not None or tree.scripts_contain("SESSIONURL")


def _is_fork(tree: LexborHTMLParser) -> bool:
    body = tree.body
    return body is not None and body.id == "something_awful"


_THREAD_ROOTS = "table[id^=post], div.tpost[id^=post], li[id^=post_], li.b-post"
_POST_ID = re.compile(r"^post_?(\d+)$")
_ERROR_TEXTS = (
    "no thread specified", "invalid thread specified", "invalid post specified",
    "invalid forum specified", "no forum specified", "this thread has been deleted",
)
_MESSAGE_BOXES = (
    "div.standard_error .blockhead", "div.standard_error", ".b-notice--error", ".error-message",
    "td.panelsurround div.panel",
)
_WALL_TEXTS = (
    "you are not logged in or you do not have permission",
    "you do not have permission to access this page",
    "this forum requires a password",
)


def page_kind(tree: LexborHTMLParser, url: str) -> str:
    """"thread" when the page holds posts or its URL names a thread, else the listing kind."""
    kind = url_kind(url)
    if kind == "thread" or _post_roots(tree):
        return "thread"
    if tree.css_first("#threads li.threadbit, [id^=threadbits_forum_], tr.topic-item") is not None:
        return "board"
    return kind or "community"


def parse_page(
    tree: LexborHTMLParser, url: str, *, tz: str | None = None
) -> ThreadPage | ListingPage:
    """Parse a page as what ``page_kind`` says it is."""
    if _is_fork(tree):
        raise NotForumPage(
            "a Something Awful page (its vBulletin 2.2.9 fork: table.post, td.postbody): "
            "not a vBulletin 3.8-6 page this parser reads"
        )
    if not detect(tree, url):
        _wall(tree, "posts or threads")
        raise NotForumPage(
            "no vBulletin markers (generator meta, post_message ids, vbulletin_html, "
            f"vb-page-body): {page_title(tree)}"
        )
    kind = page_kind(tree, url)
    if kind == "thread":
        return parse_thread(tree, url, tz=tz)
    return parse_listing(tree, url, kind, tz=tz)


def _message(tree: LexborHTMLParser) -> str:
    """The text of vB's message box (vB4 ``div.standard_error``, vB3 ``td.panelsurround``, vB5
    ``.error-message``), else the page title."""
    for selector in _MESSAGE_BOXES:
        node = tree.css_first(selector)
        if node is not None and (text := clean_text(node.text())):
            return text
    return page_title(tree)


def _wall(tree: LexborHTMLParser, what: str) -> None:
    """Raise the wall a page without ``what`` shows: vB's own login, permission and error
    messages first, then the generic challenge/login/consent tests."""
    text = _message(tree)
    low = f"{text} {page_title(tree)}".lower()
    if any(phrase in low for phrase in _ERROR_TEXTS):
        raise GonePage(f"topic not found: {text}")
    if any(phrase in low for phrase in _WALL_TEXTS):
        form = tree.css_first("input[type=password]") is not None
        kind = "login wall" if form else "no permission"
        raise BlockedPage(f"{kind}: {text}")
    if reason := blocked_reason(tree, what):
        raise BlockedPage(reason)


# --- page-level facts ----------------------------------------------------------------------------

_ZONE = re.compile(r"All times are (?:GMT|UTC)\s*(?:([+-])\s*(\d{1,2})(?:[.:](\d{1,2}))?)?", re.I)
_TWO_DIGIT_YEAR = re.compile(r"\b(\d{1,2})([-/.])(\d{1,2})\2(\d{2})\b(?![-/.]\d)")
_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b")
_ID_IN_HREF = re.compile(r"[?&](?:u|userid)=(\d+)|/members?/(\d+)")


def _stated_zone(tree: LexborHTMLParser) -> timedelta | None:
    """The fixed offset of the footer's "All times are GMT -5." (vB3: a ``div.smallfont``)."""
    nodes = tree.css("#footer_time, #footer-current-datetime, .footer_time, div.smallfont")
    for node in reversed(nodes[-12:] if len(nodes) > 12 else nodes):
        text = node.text()
        if "All times are" not in text:
            continue
        m = _ZONE.search(text)
        if m is None:
            return None
        hours, minutes = int(m.group(2) or 0), int(m.group(3) or 0)
        if m.group(3) and len(m.group(3)) == 1 or (m.group(3) and "." in text[m.start(3) - 1]):
            minutes = round(float("0." + m.group(3)) * 60)  # "GMT +5.5"
        offset = timedelta(hours=hours, minutes=minutes)
        return -offset if m.group(1) == "-" else offset
    return None


def _normal_date(text: str) -> str:
    """A shown date the date parser reads: "30th March" -> "30 March", "11-19-02" -> 2002."""
    text = _ORDINAL.sub(r"\1", text)

    def year(m: re.Match[str]) -> str:
        yy = int(m.group(4))
        full = 2000 + yy if yy < 70 else 1900 + yy
        return f"{m.group(1)}{m.group(2)}{m.group(3)}{m.group(2)}{full}"

    return _TWO_DIGIT_YEAR.sub(year, text).replace(" at ", " ")


@dataclass
class _Page:
    """What every part of one page needs: URLs, the clock, the stated zone."""

    tree: LexborHTMLParser
    url: str
    tz: str | None
    urls: Urls = field(init=False)
    clock: Clock = field(init=False)
    zone: timedelta | None = field(init=False)
    canonical: str | None = field(init=False)
    seen: dict[str | None, str | None] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.urls = Urls(self.url)
        self.clock = Clock(tz=self.tz, order=DATE_ORDER)
        self.zone = _stated_zone(self.tree)
        link = self.tree.css_first("link[rel=canonical]")
        href = link.attrs.get("href") if link is not None else None
        self.canonical = clean_url(self.absolute(href)) if href else None

    def absolute(self, href: str | None) -> str | None:
        """``href`` made absolute, without session id or fragment (once per distinct href)."""
        if href in self.seen:
            return self.seen[href]
        url = self.urls.absolute(href)
        self.seen[href] = found = clean_url(url) if url else None
        return found

    def settle(self, anchors: list[tuple[datetime, datetime]]) -> None:
        """The zone from a shown time beside its exact instant, else the footer's."""
        for shown, instant in anchors:
            self.clock.infer(shown, instant)
            if self.clock.offset is not None or self.clock.tz is not None:
                return
        if self.zone is not None and self.clock.offset is None:
            if self.clock.tz is not None:
                self.clock.warnings.append(
                    f"the page states GMT{format_offset(self.zone)}: configured time zone "
                    f"{self.clock.tz.key} ignored"
                )
                self.clock.tz = None
            self.clock.offset = self.zone

    def local(self, text: str | None) -> datetime | None:
        return self.clock.parse(_normal_date(text)) if text else None

    @property
    def zone_hint(self) -> str | None:
        return format_offset(self.zone) if self.zone is not None else None


_CRUMBS = (
    "#breadcrumb li.navbit, #breadcrumbs li.crumb, span.navbar > a, "
    "[itemtype$=BreadcrumbList] [itemprop=itemListElement] > a[itemprop=item]"
)


def _crumbs(page: _Page) -> list[Crumb]:
    """vB4 ``li.navbit``, vB5 ``li.crumb``, vB3 ``span.navbar`` links, schema.org trails
    (vBSEO skins); icon-only links are skipped."""
    crumbs: list[Crumb] = []
    for node in page.tree.css(_CRUMBS):
        link = node if node.tag == "a" else node.css_first("a[href]")
        title = clean_text((link or node).text())
        url = page.absolute(link.attrs.get("href")) if link is not None else None
        if title and not (url and any(c.url == url for c in crumbs)):
            crumbs.append(Crumb(title=title, url=url))
    return crumbs


def _board_of(crumbs: list[Crumb]) -> Board | None:
    """The last crumb that is a forum (``forumdisplay.php?f=N`` or a vB5 channel)."""
    for crumb in reversed(crumbs):
        if crumb.url and url_kind(crumb.url) == "board":
            return Board(external_id=_board_id(crumb.url), title=crumb.title, url=crumb.url)
    return None


def _board_id(url: str) -> str | None:
    script, rest, query = _script(url)
    if script == "forumdisplay":
        return query.get("f") or query.get("forumid") or _friendly_thread(rest, query)
    path = _PAGE_SUFFIX.sub("", urlsplit(url).path).rstrip("/")
    return path.removeprefix("/forum/") or None


_PAGES_OF = re.compile(r"Page (\d+) of (\d+)", re.I)


_PAGER = (
    ".pagenav td.vbmenu_control, .pagination .popupctrl, .pagetotal, .js-pagenum, "
    "a[rel=next][href], a[rel=prev][href], link[rel=next][href], link[rel=prev][href]"
)


def _pager(page: _Page, url: str) -> PageInfo:
    """Number and count from "Page 2 of 5" (vB3 ``td.vbmenu_control``, vB4 ``.popupctrl``),
    vB5's page input and ``.pagetotal``; next/prev from rel links. One query for all."""
    info = PageInfo(number=_url_page(url) or 1)
    total = current = None
    for node in page.tree.css(_PAGER):
        rel = node.attrs.get("rel")
        if rel in ("next", "prev"):
            name = f"{rel}_url"
            if getattr(info, name) is None:
                setattr(info, name, page.absolute(node.attrs.get("href")))
        elif node.tag == "input":
            current = current or node.attrs.get("value")
        elif "pagetotal" in (node.attrs.get("class") or ""):
            total = total or parse_count(node.text())
        elif info.count is None and (m := _PAGES_OF.search(node.text())):
            info.number, info.count = int(m.group(1)), int(m.group(2))
    if info.count is None and total:
        info.count = total
        info.number = int(current) if current and current.isdigit() else info.number
    if info.count is None and info.next_url is None:
        info.count = info.number
    return info


def _url_page(url: str) -> int | None:
    query = dict(parse_qsl(urlsplit(url).query))
    value = query.get("page") or query.get("pagenumber")
    if value and value.isdigit():
        return int(value)
    m = _PAGE_SUFFIX.search(urlsplit(url).path) or re.search(r"/page(\d+)", urlsplit(url).query)
    if m is None and (m2 := re.search(r"-(\d+)\.html$", urlsplit(url).path)) and _node_path(url):
        return int(m2.group(1)) if urlsplit(url).path.count("-") > 1 else None
    return int(m.group(1)) if m else None


# --- thread pages --------------------------------------------------------------------------------


def _post_roots(tree: LexborHTMLParser) -> list[tuple[str, LexborNode]]:
    """(post id, root) pairs in document order; vB5 ids from ``data-node-id``, the anchor
    ``a#post<N>`` (SANITIZED copies lose data-*) or the ``b-post__count`` link."""
    roots = []
    for node in tree.css(_THREAD_ROOTS):
        if node.tag == "li" and "b-post" in (node.attrs.get("class") or "").split():
            pid = node.attrs.get("data-node-id") or _vb5_id(node)
        else:
            m = _POST_ID.match(node.id or "")
            pid = m.group(1) if m else None
        if pid:
            roots.append((pid, node))
    return roots


def _vb5_id(node: LexborNode) -> str | None:
    link = node.css_first("a.anchor[id^=post], a.b-post__count")
    if link is None:
        return None
    m = re.search(r"post(\d+)", link.id or link.attrs.get("href") or "")
    return m.group(1) if m else None


# Every part of a post in one query per post, told apart below by id, class and tag; the list
# is chosen by the root's generation (fewer selectors, cheaper queries), and a root of none
# of them gets them all.
_PARTS_3 = (
    "[id^=post_message_], a.bigusername, [id^=postmenu_], a[id^=postcount], a[name^=post], "
    "div.signature, .lastedited"
)
_PARTS_4 = (
    "[id^=post_message_], .username, a[id^=postcount], span.date, blockquote.signature, "
    "div.signature, .usertitle, .lastedited, h2.posttitle, h2.title"
)
_PARTS_5 = (
    ".js-post__content-text, div.author, a.b-post__count, time[datetime], .usertitle, "
    ".b-post__edit, h2.b-post__title, div.signature"
)
_PARTS = f"{_PARTS_3}, {_PARTS_4}, {_PARTS_5}"


def _parts_query(root: LexborNode) -> str:
    if root.tag == "li":
        return _PARTS_5 if "b-post" in (root.attrs.get("class") or "") else _PARTS_4
    return _PARTS_3 if root.tag in ("table", "div") else _PARTS


def _part_name(node: LexborNode) -> str | None:
    node_id = node.id or ""
    classes = (node.attrs.get("class") or "").split()
    if node_id.startswith("post_message_") or "js-post__content-text" in classes:
        return "body"
    if node_id.startswith("postmenu_"):
        return "menu"
    if node_id.startswith("postcount") or "b-post__count" in classes:
        return "position"
    if node.tag == "a" and (node.attrs.get("name") or "").startswith("post"):
        return "anchor"
    for token, part in (("bigusername", "author"), ("username", "author"), ("author", "author"),
                        ("date", "date"), ("signature", "signature"), ("usertitle", "rank"),
                        ("lastedited", "edit"), ("b-post__edit", "edit"), ("posttitle", "title"),
                        ("b-post__title", "title")):
        if token in classes:
            return part
    if node.tag == "h2":
        return "title"
    return "date" if node.tag == "time" else None


@dataclass
class _Draft:
    post: Post
    posted: datetime | None = None
    instant: datetime | None = None


def parse_thread(tree: LexborHTMLParser, url: str, *, tz: str | None = None) -> ThreadPage:
    """Parse one thread page of any supported version."""
    roots = _post_roots(tree)
    if not roots:
        _wall(tree, "posts")
        raise ParseError(
            "no vBulletin posts found (table#post<N>, li#post_<N>, li.b-post, "
            f"div#post_message_<N>): {page_title(tree)}"
        )
    page = _Page(tree, url, tz)
    drafts = [_read_post(pid, root, page) for pid, root in roots]
    seen: set[str] = set()
    drafts = [d for d in drafts if not (d.post.external_id in seen or seen.add(d.post.external_id))]
    if not any(d.post.body_html or d.post.body_text for d in drafts):
        raise ParseError(f"vBulletin post containers without message bodies: {page_title(tree)}")
    page.clock.order = infer_order([d.post.posted_at_raw or "" for d in drafts]) or DATE_ORDER
    for draft in drafts:
        draft.posted = page.local(draft.post.posted_at_raw)
    page.settle([(d.posted, d.instant) for d in drafts if d.posted and d.instant])
    anchors = []
    for draft in drafts:
        draft.post.posted_at = (draft.instant.isoformat() if draft.instant
                                else page.clock.iso(draft.posted))
        draft.post.edited_at = draft.post.edited_at and page.clock.iso(page.local(
            draft.post.edited_at))
        if draft.posted and draft.instant:
            anchors.append(TimeAnchor(local=draft.posted.isoformat(),
                                      instant=draft.instant.isoformat()))
    crumbs = _crumbs(page)
    info = _pager(page, page.canonical if _url_page(page.canonical or "") else url)
    tid = _thread_identity(page, url, drafts, info.number)
    thread_url = _thread_url(page, url, tid)
    title = _thread_title(page, crumbs, drafts)
    if title and not (crumbs and crumbs[-1].url is None):
        crumbs.append(Crumb(title=title, url=None))
    used = any(d.posted or d.post.edited_at for d in drafts)
    return ThreadPage(
        platform=NAME,
        url=url,
        thread=Thread(
            external_id=tid,
            title=title,
            url=thread_url,
            board=_board_of(crumbs),
            breadcrumbs=crumbs,
            reply_count=_reply_count(tree, info),
        ),
        canonical_url=page.canonical or (thread_page_url(thread_url, info.number)
                                         if thread_url else None),
        page=info,
        posts=[d.post for d in drafts],
        warnings=page.clock.finish(used and not all(d.instant for d in drafts)),
        time_anchors=anchors,
        zone_hint=page.zone_hint,
    )


def _read_post(pid: str, root: LexborNode, page: _Page) -> _Draft:
    parts: dict[str, LexborNode] = {}
    for node in root.css(_parts_query(root)):
        name = _part_name(node)
        if name is not None and name not in parts:
            parts[name] = node
    post = Post(external_id=pid)
    draft = _Draft(post=post)
    post.author = _author(parts, page)
    if (title := parts.get("title")) is not None:
        post.title = clean_text(title.text()) or None
    post.position, post.url = _position(parts, pid, page)
    _date(parts, draft)
    body = parts.get("body")
    if body is not None:
        _fill_body(post, body, parts.get("signature"))
        if post.title is None and (heading := _vb3_title(body)) is not None:
            post.title = heading
    post.edited_at = _edit_text(root, parts, body)
    return draft


def _author(parts: dict[str, LexborNode], page: _Page) -> Author:
    """Name from the profile link (``a.bigusername``, ``a.username``, vB5 ``div.author``),
    else the guest's plain name in ``div#postmenu_<P>``; the user id from the profile URL."""
    node = parts.get("author")
    if node is not None and node.tag == "div":  # vB5: the name span inside the profile link
        node = node.css_first("[itemprop=name]") or node.css_first("a") or node
    elif node is None and (menu := parts.get("menu")) is not None:
        node = menu
    name = clean_text(node.text()) if node is not None else ""
    link = node
    while link is not None and link.tag != "a" and link is not parts.get("author"):
        link = link.parent
    href = link.attrs.get("href") if link is not None and link.tag == "a" else None
    m = _ID_IN_HREF.search(href or "")
    rank = parts.get("rank")
    if rank is None and (menu := parts.get("menu")) is not None:
        rank = _next_element(menu)
        if rank is not None and "smallfont" not in (rank.attrs.get("class") or ""):
            rank = None
    return Author(
        name=name or None,
        external_id=(m.group(1) or m.group(2)) if m else None,
        url=page.absolute(href) if m else None,
        rank=(clean_text(rank.text()) or None) if rank is not None else None,
    )


def _next_element(node: LexborNode) -> LexborNode | None:
    sibling = node.next
    while sibling is not None and not sibling.is_element_node:
        sibling = sibling.next
    return sibling


def _position(parts: dict[str, LexborNode], pid: str, page: _Page) -> tuple[int | None, str]:
    """Position from ``a#postcount<P>[name]`` or the "#2" text; the post's permalink."""
    node = parts.get("position")
    position = None
    href = None
    if node is not None:
        name = node.attrs.get("name") or ""
        position = int(name) if name.isdigit() else parse_count(node.text())
        href = node.attrs.get("href")
    url = page.absolute(href) if href else None
    if not url or "showpost.php" in url or (post_id(url) != pid and f"post{pid}" not in href):
        base = urlsplit(page.url)[:2] + (_showthread_path(page.url), f"p={pid}")
        return position, urlunsplit((*base, f"post{pid}"))
    return position, url if f"#post{pid}" not in (href or "") else f"{url}#post{pid}"


def _showthread_path(url: str) -> str:
    path = urlsplit(url).path
    m = _SCRIPT.search(path)
    return (path[:m.start()] if m else path.rsplit("/", 1)[0]) + "/showthread.php"


def _date(parts: dict[str, LexborNode], draft: _Draft) -> None:
    """The shown date text (vB5 ``time``, vB4 ``span.date``, vB3 the header cell of the
    ``a[name=post<P>]`` anchor) and the exact instant where the page gives one."""
    node = parts.get("date")
    if node is None and (anchor := parts.get("anchor")) is not None:
        node = anchor.parent
    if node is None:
        return
    draft.post.posted_at_raw = clean_text(node.text()) or None
    if node.tag == "time":
        draft.instant = parse_instant(node.attrs.get("datetime"))


_EDIT = re.compile(r"Last edited by (.+?)(?:;|\s+on)\s+(.+?)(?:\.\s*(?:Reason:.*)?)?$", re.S)


def _edit_text(
    root: LexborNode, parts: dict[str, LexborNode], body: LexborNode | None
) -> str | None:
    """The date text of "Last edited by X; <date> at <time>." (vB4 ``.lastedited``, vB5
    ``.b-post__edit``, vB3 a ``div.smallfont`` after the message)."""
    node = parts.get("edit")
    if node is None and body is not None:
        sibling = _next_element(body)
        for _ in range(4):
            if sibling is None:
                break
            if "Last edited by" in (sibling.text() or ""):
                node = sibling
                break
            sibling = _next_element(sibling)
    if node is None:
        return None
    text = clean_text(node.text())
    m = _EDIT.search(text)
    return m.group(2).strip() if m else None


def _vb3_title(body: LexborNode) -> str | None:
    """vB3's post title: ``div.smallfont > strong`` before the ``hr`` above the message."""
    prev = body.prev
    for _ in range(8):
        if prev is None:
            return None
        if prev.is_element_node and prev.tag == "div":
            strong = prev.css_first("strong")
            return (clean_text(strong.text()) or None) if strong is not None else None
        prev = prev.prev
    return None


_QUOTES = "div.bbcode_quote, td.alt2"
_QUOTE_ID = re.compile(r"(?:[?&]p=|#post)(\d+)")
_POSTED_BY = re.compile(r"Originally Posted by\s+(.+)$", re.I | re.S)
_SIG_LINE = re.compile(r"^\s*_{6,}\s*(?:<br\s*/?>)?", re.I)


def _fill_body(post: Post, body: LexborNode, signature: LexborNode | None) -> None:
    """Body HTML and text without signature, the signature text, the quotes."""
    vb34 = (body.id or "").startswith("post_message_")
    content = body.css_first("blockquote.postcontent") if vb34 else None
    inner = (content or body).inner_html or ""
    sig_html = signature.inner_html if signature is not None else None
    if sig_html is None and vb34 and content is None and (sig := _vb3_signature(body)):
        sig_html = _SIG_LINE.sub("", sig.inner_html or "", count=1)
    outer = (signature.html or "") if signature is not None else None
    if outer is not None and outer in inner:  # a signature inside the body
        inner = inner.replace(outer, "", 1)
    post.body_html = inner.strip()
    post.body_text = html_text(post.body_html)
    post.signature = (html_text(sig_html) or None) if sig_html else None
    if "bbcode_quote" in inner or 'class="alt2"' in inner:
        post.quotes = _quotes(content or body)


def _vb3_signature(body: LexborNode) -> LexborNode | None:
    """vB3 puts the signature in a ``div`` after the message, starting with underscores."""
    sibling = _next_element(body)
    for _ in range(3):
        if sibling is None:
            return None
        if sibling.tag == "div" and (sibling.text() or "").lstrip().startswith("______"):
            return sibling
        sibling = _next_element(sibling)
    return None


def _quotes(body: LexborNode) -> list[Quote]:
    """Quotes in document order: vB4/5 ``div.bbcode_quote``, vB3 ``td.alt2`` boxes; author and
    quoted post from the "Originally Posted by" line; depth from quote ancestors."""
    nodes = body.css(_QUOTES)
    ids = {node.mem_id for node in nodes}
    quotes = []
    for node in nodes:
        depth = 1
        parent = node.parent
        while parent is not None and parent.mem_id != body.mem_id:
            depth += parent.mem_id in ids
            parent = parent.parent
        quotes.append(_quote(node, depth, [n for n in nodes if n.mem_id != node.mem_id]))
    return quotes


def _quote(node: LexborNode, depth: int, others: list[LexborNode]) -> Quote:
    header = node.css_first("div.bbcode_postedby")
    if header is None:
        first_div = node.css_first("div")
        if first_div is not None and "Originally Posted by" in first_div.text():
            header = first_div
    html = node.inner_html or ""
    for other in others:  # nested quotes are their own, with their box and "Quote:" label
        other_html = _quote_box(other).html or ""
        if other_html and other_html in html:
            html = html.replace(other_html, "", 1)
    quote = Quote(depth=depth)
    if header is not None:
        html = html.replace(header.html or "", "", 1)
        strong = header.css_first("strong")
        m = _POSTED_BY.search(clean_text(header.text()))
        quote.author_name = (clean_text(strong.text()) if strong is not None else None) or (
            m.group(1).strip() if m else None)
        link = header.css_first("a[href]")
        ref = _QUOTE_ID.search(link.attrs.get("href") or "") if link is not None else None
        quote.post_external_id = ref.group(1) if ref else None
    quote.text = html_text(html)
    return quote


def _quote_box(node: LexborNode) -> LexborNode:
    """The whole box of a quote: vB4/5 ``div.bbcode_container``, vB3's ``div`` around the
    "Quote:" label and the table."""
    box = node.parent
    for _ in range(4):
        if box is None:
            return node
        if box.tag == "div":
            return box
        box = box.parent
    return node


def _thread_identity(page: _Page, url: str, drafts: list[_Draft], number: int) -> str:
    """The thread id from the URL, the canonical link, the vB4 title link, vB5's starter."""
    for candidate in (url, page.canonical):
        if candidate and (tid := thread_id(candidate)):
            return tid
    link = page.tree.css_first("span.threadtitle a[href], #pagetitle a[href]")
    if link is not None and (tid := thread_id(page.absolute(link.attrs.get("href")) or "")):
        return tid
    for draft in drafts:
        if draft.post.url and (tid := thread_id(draft.post.url)):
            return tid
    raise ParseError(f"vBulletin thread page without a thread id: {page_title(page.tree)}")


def _thread_url(page: _Page, url: str, tid: str) -> str:
    """Page 1 of the thread, in the URL's own shape."""
    for candidate in (page.canonical, url):
        if candidate and thread_id(candidate) == tid and url_kind(candidate) == "thread":
            script, _, _ = _script(candidate)
            if script == "showthread" and "t=" not in candidate and "threadid=" not in candidate:
                return thread_page_url(candidate, 1)
            if script in ("showthread", "printthread"):
                parts = urlsplit(candidate)
                return urlunsplit((parts.scheme, parts.netloc, parts.path.replace(
                    "printthread.php", "showthread.php"), f"t={tid}", ""))
            return thread_page_url(candidate, 1)
    return urlunsplit(urlsplit(url)[:2] + (_showthread_path(url), f"t={tid}", ""))


def _thread_title(page: _Page, crumbs: list[Crumb], drafts: list[_Draft]) -> str | None:
    """vB4 ``span.threadtitle``, vB5 ``h1.main-title``, vB3 the last crumb's ``strong``."""
    for selector in ("span.threadtitle", "h1.main-title, h2.threadtitle, td.navbar strong"):
        node = page.tree.css_first(selector)
        if node is not None and (title := clean_text(node.text())):
            return title
    for draft in drafts:
        if draft.post.position == 1 and draft.post.title:
            return draft.post.title
    og = meta(page.tree, "og:title")
    return og or (crumbs[-1].title if crumbs and crumbs[-1].url is None else None)


_RESULTS = re.compile(r"Results?\s+\d+\s+to\s+\d+\s+of\s+([\d,.]+)", re.I)


def _reply_count(tree: LexborHTMLParser, info: PageInfo) -> int | None:
    """Posts minus one from vB4's "Results 1 to 18 of 18", or from the title "Showing results
    1 to 10 of 23" of vB3's current page number (multi-page threads only); vB5 shows none."""
    node = tree.css_first(
        "#postpagestats_above, .postpagestats, .pagenav span[title^='Showing results']"
    )
    if node is None:
        return None
    m = _RESULTS.search(node.attrs.get("title") or node.text())
    return parse_count(m.group(1)) - 1 if m else None


# --- listing pages -------------------------------------------------------------------------------

_ROWS = (
    "tbody[id^=threadbits_forum_] > tr, ol#threads > li.threadbit, ol#stickies > li.threadbit, "
    "tr.topic-item"
)


def parse_listing(
    tree: LexborHTMLParser, url: str, kind: str | None = None, *, tz: str | None = None
) -> ListingPage:
    """A forum index (forums everywhere on the page), or a forum page (threads, sub-forums)."""
    page = _Page(tree, url, tz)
    kind = kind or page_kind(tree, url)
    rows = [row for row in (_listing_row(node, page) for node in tree.css(_ROWS)) if row]
    here = clean_url(url)
    crumbs = _crumbs(page)
    boards = _forums(page, {_board_id(here)} | {_board_id(c.url) for c in crumbs if c.url})
    if kind == "board" and not rows and not boards:
        _wall(tree, "threads")
        raise ParseError(f"no vBulletin topics or forums found on a forum page: {page_title(tree)}")
    if kind == "community" and not boards:
        _wall(tree, "forums")
        raise ParseError(f"no vBulletin forums found on a forum index: {page_title(tree)}")
    page.clock.order = infer_order([raw for _, raw in rows if raw]) or DATE_ORDER
    page.settle([])
    for thread, raw in rows:
        thread.last_post_at = page.clock.iso(page.local(raw)) if raw else None
    board = None
    if kind == "board":
        title = next((clean_text(node.text()) for node in map(tree.css_first, _FORUM_TITLES)
                      if node is not None), None)
        board = Board(external_id=_board_id(here), url=listing_page_url(here, 1),
                      title=title or (crumbs[-1].title if crumbs else None))
    return ListingPage(
        platform=NAME,
        url=url,
        kind=kind,
        canonical_url=page.canonical,
        board=board,
        breadcrumbs=crumbs,
        page=_pager(page, url),
        threads=[thread for thread, _ in rows],
        boards=boards,
        warnings=page.clock.finish(any(raw for _, raw in rows)),
        zone_hint=page.zone_hint,
    )


_FORUM_TITLES = ("#pagetitle span.forumtitle", "h1.main-title", "td.navbar strong")


def _forums(page: _Page, skip: set[str | None]) -> list[Board]:
    """Every forum linked anywhere on the page (page 1, once), but the page's own and its
    breadcrumb ancestors."""
    boards: dict[str, Board] = {}
    for url, title in links_by_kind(page.tree, page.urls, url_kind, clean_url).get("board", []):
        fid = _board_id(url)
        if fid and fid not in skip and fid not in boards:
            boards[fid] = Board(external_id=fid, title=title, url=listing_page_url(url, 1))
    return list(boards.values())


# "Replies: 5" (vB3/4), "5 replies" (vB5/6)
_REPLIES = (re.compile(r"Replies:\s*([\d,.]+)", re.I),
            re.compile(r"(\d(?:[\d,.]*\d)?)\s+repl(?:y|ies)\b", re.I))
_VIEWS = (re.compile(r"Views:\s*([\d,.]+)", re.I),
          re.compile(r"(\d(?:[\d,.]*\d)?)\s+views?\b", re.I))


def _stat(patterns: tuple[re.Pattern[str], ...], text: str) -> int | None:
    """A count labelled first ("Replies: 5"), else followed by its name ("5 replies")."""
    for pattern in patterns:
        if m := pattern.search(text):
            return parse_count(m.group(1))
    return None


def _listing_row(row: LexborNode, page: _Page) -> tuple[ListingThread, str | None] | None:
    """One topic row: vB3 ``tr`` (``a#thread_title_<T>``, replies in a cell title), vB4
    ``li.threadbit`` (``ul.threadstats``, ``dl.threadlastpost``), vB5 ``tr.topic-item``."""
    link = row.css_first("a[id^=thread_title_], a.topic-title")
    if link is None:
        return None
    href = page.absolute(link.attrs.get("href"))
    tid = (link.id or "").removeprefix("thread_title_") or (thread_id(href) if href else None)
    tid = tid or row.attrs.get("data-node-id")
    if not tid or not href:
        return None
    stats = row.css_first("ul.threadstats, td[title*='Replies'], td.cell-count")
    stats_text = ""
    if stats is not None:
        stats_text = (stats.attrs.get("title") or "") + " " + stats.text()
    last = row.css_first(
        "dl.threadlastpost span.time, td[title*='Replies'] span.time, td.cell-lastpost .post-date"
    )
    if last is not None and "time" in (last.attrs.get("class") or "").split():
        last = last.parent  # vB3/4: the date is the text around span.time
    raw = _last_post_text(last)
    author = row.css_first(
        "a.username, span.username, span[onclick*='member.php'], .topic-info-details a"
    )
    thread = ListingThread(
        external_id=tid,
        title=clean_text(link.text()) or None,
        url=thread_page_url(href, 1) if thread_id(href) else href,
        reply_count=_stat(_REPLIES, stats_text),
        views=_stat(_VIEWS, stats_text),
        last_post_at_raw=raw,
        author=_row_author(author, page),
    )
    return thread, raw


def _row_author(node: LexborNode | None, page: _Page) -> Author | None:
    """A topic starter: a profile link (vB4/5), vB3's ``span`` opening the profile."""
    if node is None or not (name := clean_text(node.text())):
        return None
    href = node.attrs.get("href") or node.attrs.get("onclick") or ""
    m = _ID_IN_HREF.search(href)
    url = page.absolute(href) if node.tag == "a" else None
    return Author(name=name, external_id=(m.group(1) or m.group(2)) if m else None, url=url)


def _last_post_text(node: LexborNode | None) -> str | None:
    """The last-post date as shown ("05-12-2010, 10:12 AM", "Today, 09:41 AM")."""
    if node is None:
        return None
    if node.tag == "time" and (instant := node.attrs.get("datetime")):
        return instant
    text = clean_text(node.text())
    text = re.split(r"\s+by\s+", text)[0]
    return text or None
