"""Invision Community 4 and 5 (and legacy IP.Board 1.x-3.x): topics, forum lists, walls.

IC4/5 pages are ``body.ipsApp`` (IC5 also ``data-ips-hook`` everywhere). A post is
``article#elComment_<C>``; its comment wrap carries ``data-commentid`` and ``data-quotedata``
(JSON: ``userid``, ``username``, ``timestamp``), the most stable facts of the page, read first.
Times are ``time[datetime]`` (UTC) whose ``title`` is the local time shown: each pair is a time
anchor. IP.Board 3 posts are ``div.post_block#post_id_<P>`` (times ``abbr.published[title]``);
IP.Board 1.x/2.x posts are tables after ``a[name=entry<P>]`` with local times only.

Each post is read with one CSS query whose matches are told apart by attribute and class.
Invision has no separate handle: ``author.name`` is the member's display name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.dates import Clock, infer_offset, infer_order, parse_instant, parse_local
from scraper.htmltext import clean_text, html_text, html_text_with_quotes, parse_count
from scraper.models import (
    Author,
    BlockedPage,
    Board,
    Crumb,
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
from scraper.platforms.common import (
    Urls,
    blocked_reason,
    first,
    links_by_kind,
    page_title,
    wrote_header,
)

NAME = "invision"

# Posts per page where a page does not say (IP.Board's default); IC pages say it.
DEFAULT_PER_PAGE = 20

_TOPIC = re.compile(r"^(.*?)/topic/(\d+)-([^/?#]*)")
_FORUM = re.compile(r"^(.*?)/forum/(\d+)-([^/?#]*)")
_PROFILE = re.compile(r"/(?:profile|user)/(\d+)-")
_SHOWUSER = re.compile(r"[?&](?:showuser|MID)=(\d+)")
_SEO_PAGE = re.compile(r"/page/(\d+)/?$")
_IPB3_ST = re.compile(r"/page__st__(\d+)")
_COMMENT_ID = re.compile(r"(?:elComment_|post_id_|entry)(\d+)$")
_ERROR_CODE = re.compile(r"\b[0-9][A-Z][0-9]{1,4}/[0-9A-Z]+\b")
_QUOTE_HEAD = re.compile(r"^\s*(?:quote|цитата)\s*\(([^@)]+?)\s*(?:@[^)]*)?\)", re.I)
_SESSION = ("s", "csrfkey", "sid", "phpsessid")
_SOLVED_CLASSES = frozenset({"ipsComment_solved", "cPost_solved", "ipsEntry--solved"})
_SOLVED_BADGES = ("solution", "best answer")
_NOT_FOUND = ("could not find", "not found", "doesn't exist", "does not exist")
_NO_PERMISSION = ("don't have permission", "do not have permission", "no permission",
                  "not permitted")
_SIGN_IN = ("sign in", "log in", "login", "must be signed in", "must be logged in")

# The parts of one IC4/5 post, told apart in ``_ic_parts`` (few selectors, no combinators: a
# query costs by its selectors, and it runs once per post).
_IC_PARTS = (
    "[data-commentid], .cAuthorPane_author, .ipsEntry__username, time[datetime], [data-role], "
    "[data-excludequote], [class*=ipsReact], .ipsBadge, .ipsEntry__group"
)
_IC_ROLES = {"commentContent": "body", "memberSignature": "signature", "group": "rank",
             "voteCount": "votes"}
# The parts of one IP.Board 3 post.
_IPB3_PARTS = (
    ".author a[href], .author, abbr.published, div.entry-content, div.signature, p.edit, "
    ".rep_show, .group_title"
)
_HEAD = "link[rel=canonical], link[rel=next], link[rel=prev], meta[property='og:url']"
_LANDMARKS = (
    "h1, nav.ipsBreadcrumb [data-role=breadcrumbList], nav.ipsBreadcrumb ol, ol.breadcrumb, "
    "#navstrip, .ipsPagination, #elError, #elErrorMessage, .errorwrap, p.message.error"
)


# --- URLs ----------------------------------------------------------------------------------------


def _route(url: str) -> str:
    """The route of a URL: its path, or the ``index.php?/topic/…`` query without friendly
    URLs (IC4 and IP.Board 3)."""
    parts = urlsplit(url)
    path = parts.path
    if parts.query.startswith("/") and path.endswith("index.php"):
        return path.removesuffix("index.php").rstrip("/") + parts.query.split("&", 1)[0]
    return path


def _query(url: str) -> dict[str, str]:
    return {k.lower(): v for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)}


def url_kind(url: str) -> str | None:
    """"thread", "board", "category" or "community" from the URL's shape, else None."""
    route, query = _route(url), _query(url)
    if _TOPIC.search(route) or query.get("showtopic", "").isdigit():
        return "thread"
    if query.get("act", "").upper() == "ST" and query.get("t", "").isdigit():
        return "thread"
    if query.get("view") == "findpost" or "content_commentid" in query:
        return "thread"
    if _FORUM.search(route) or query.get("showforum", "").isdigit():
        return "board"
    if query.get("act", "").upper() == "SC" and query.get("c", "").isdigit():
        return "category"
    if query.get("act", "").lower() == "idx" and route.endswith("index.php"):
        return "community"
    return "community" if route.rstrip("/") in ("", "/index.php") and not query else None


def thread_id(url: str) -> str | None:
    """The topic id of ``/topic/<T>-<slug>/`` or ``index.php?showtopic=<T>``."""
    if m := _TOPIC.search(_route(url)):
        return m.group(2)
    query = _query(url)
    for key in ("showtopic", "t"):
        value = query.get(key, "")
        if value.isdigit() and (key != "t" or query.get("act", "").upper() == "ST"):
            return value
    return None  # a quote's source link (content_commentid) names its topic once followed


def post_id(url: str) -> str | None:
    """The post id of ``?do=findComment&comment=<C>``, a quote's source link
    (``content_commentid=<C>``), ``view=findpost&p=<P>``, ``page__view__findpost__p__<P>``."""
    query = _query(url)
    for key in ("comment", "content_commentid"):
        if query.get(key, "").isdigit():
            return query[key]
    if query.get("view") == "findpost" and query.get("p", "").isdigit():
        return query["p"]
    m = re.search(r"findpost__p__(\d+)", url)
    return m.group(1) if m else None


def _per_page_offset(number: int) -> int:
    return (number - 1) * DEFAULT_PER_PAGE


def thread_page_url(thread_url: str, number: int) -> str:
    """``…/topic/<T>-<slug>/`` for page 1, ``…/topic/<T>-<slug>/page/<n>/`` otherwise (the
    ``?page=<n>`` form where the URL uses it); ``index.php?showtopic=<T>&st=<offset>`` on
    IP.Board 1.x/2.x and ``…/page__st__<offset>`` on IP.Board 3 (20 posts a page)."""
    return _paged(thread_url, number, _TOPIC, "topic", "showtopic")


def listing_page_url(listing_url: str, number: int) -> str:
    """``…/forum/<F>-<slug>/`` for page 1, ``…/forum/<F>-<slug>/page/<n>/`` otherwise."""
    if url_kind(listing_url) != "board":
        return clean_url(listing_url)  # a forum index has one page
    return _paged(listing_url, number, _FORUM, "forum", "showforum")


def _paged(url: str, number: int, regex: re.Pattern[str], segment: str, legacy: str) -> str:
    parts = urlsplit(url)
    query = _query(url)
    route = _route(url)
    m = regex.search(route)
    value = query.get(legacy, "")
    if m is None and not value.isdigit() and segment == "topic":
        value = thread_id(url) or ""  # index.php?act=ST&t=<T> (IP.Board 1.x)
    if m is None and value.isdigit():
        tail = f"&st={_per_page_offset(number)}" if number > 1 else ""
        return urlunsplit((parts.scheme, parts.netloc, parts.path, f"{legacy}={value}{tail}", ""))
    if m is None:
        raise ValueError(f"not an Invision {segment} URL: {url}")
    base = f"{m.group(1)}/{segment}/{m.group(2)}-{m.group(3)}/"
    if _IPB3_ST.search(route):
        base += f"page__st__{_per_page_offset(number)}" if number > 1 else ""
    elif "page" in query and number > 1:
        return urlunsplit((parts.scheme, parts.netloc, parts.path.split("/page/")[0],
                           f"page={number}", ""))
    elif number > 1:
        base += f"page/{number}/"
    if parts.path != route:  # index.php?/topic/… (no friendly URLs)
        return urlunsplit((parts.scheme, parts.netloc, parts.path, base, ""))
    return urlunsplit((parts.scheme, parts.netloc, base, "", ""))


def clean_url(url: str) -> str:
    """Without session ids (``s=`` on IP.Board), CSRF keys and the fragment; the rest of the
    query stays as written (``index.php?/topic/…`` routes included)."""
    parts = urlsplit(url)
    pieces = [p for p in parts.query.split("&")
              if p and p.split("=", 1)[0].lower() not in _SESSION]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(pieces), ""))


# --- recognising pages ---------------------------------------------------------------------------


def detect(tree: LexborHTMLParser, url: str) -> bool:
    """``body.ipsApp`` (IC4/5) or ``html[data-ips-path]`` (IC5); ``body#ipboard_body`` (IP.Board
    3) or ``div#ipbwrapper`` (IP.Board 1.x-3.x)."""
    body = tree.body
    if body is not None and (
        "ipsApp" in (body.attributes.get("class") or "").split() or body.id == "ipboard_body"
    ):
        return True
    root = tree.root
    if root is not None and "data-ips-path" in root.attributes:
        return True
    return tree.css_first("div#ipbwrapper") is not None


def _controller(tree: LexborHTMLParser) -> str:
    """IC's ``body[data-pagecontroller]`` ("topic", "forums", "index", "login"...)."""
    body = tree.body
    return ((body.attributes.get("data-pagecontroller") or "") if body is not None else "").lower()


def page_kind(tree: LexborHTMLParser, url: str) -> str:
    """"thread" for topic pages (a wall at a topic URL too), else the listing kind."""
    controller = _controller(tree)
    if controller == "topic":
        return "thread"
    if tree.css_first("article[id^=elComment_], div.post_block[id^=post_id_], a[name^=entry]"):
        return "thread"
    kind = url_kind(url)
    if kind is not None:
        return kind
    if controller == "forums":
        return "board"
    return "community"


def parse_page(tree: LexborHTMLParser, url: str, *, tz: str | None = None
               ) -> ThreadPage | ListingPage:
    """A topic page or a forum list; walls raise ``BlockedPage``, missing topics and forums
    ``NotForumPage``."""
    if not detect(tree, url):
        if reason := blocked_reason(tree, "posts"):
            raise BlockedPage(reason)
        raise NotForumPage(f"not an Invision page (no body.ipsApp or #ipbwrapper): "
                           f"{page_title(tree)}")
    page = _Page(tree, url, tz)
    kind = page_kind(tree, url)
    if kind == "thread":
        return _thread_page(page)
    return _listing_page(page, kind)


# --- page-level facts ----------------------------------------------------------------------------


@dataclass
class _When:
    """A shown time: its exact instant where the page gives one, else its shown local time."""

    raw: str | None = None
    instant: datetime | None = None
    local: datetime | None = None


@dataclass
class _Page:
    """What every part of one page needs: URLs, head links, landmarks, the clock, anchors."""

    tree: LexborHTMLParser
    url: str
    tz: str | None
    urls: Urls = field(init=False)
    rel: dict[str, str] = field(init=False)
    canonical: str | None = field(init=False)
    landmarks: dict[str, LexborNode] = field(init=False)
    clock: Clock = field(init=False)
    anchors: list[TimeAnchor] = field(default_factory=list)
    seen: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.urls = Urls(self.url)
        self.rel = {}
        head = self.tree.head
        for node in head.css(_HEAD) if head is not None else ():
            attrs = node.attributes
            key = attrs.get("rel") or attrs.get("property")
            value = attrs.get("href") or attrs.get("content")
            if key and value:
                self.rel.setdefault(key, value)
        self.canonical = self.urls.absolute(self.rel.get("canonical") or self.rel.get("og:url"))
        self.landmarks = {}
        for node in self.tree.css(_LANDMARKS):
            self.landmarks.setdefault(_landmark(node), node)
        self.clock = Clock(tz=self.tz)

    def absolute(self, href: str | None) -> str | None:
        return self.urls.absolute(href)

    def when(self, node: LexborNode | None) -> _When:
        """``time[datetime]`` (IC) or ``abbr.published[title]`` (IPB3): the instant, and the
        local time the ``title`` or text shows, kept as an anchor; else the shown local time."""
        if node is None:
            return _When()
        attrs = node.attributes
        if node.tag == "time":
            raw = (attrs.get("datetime") or "").strip()
            shown = attrs.get("title") or ""
        elif node.tag == "abbr":
            raw = (attrs.get("title") or "").strip()
            shown = node.text()
        else:
            raw, shown = "", node.text()
        instant = parse_instant(raw)
        if instant is None:
            shown = clean_text(shown)
            return _When(raw=shown or None, local=self.clock.parse(shown) if shown else None)
        instant = instant.astimezone(UTC)
        local = parse_local(clean_text(shown), order=self.clock.order) if shown else None
        if local is not None and infer_offset(local, instant) is not None:
            anchor = TimeAnchor(local=local.isoformat(), instant=instant.isoformat())
            if (anchor.local, anchor.instant) not in self.seen:
                self.seen.add((anchor.local, anchor.instant))
                self.anchors.append(anchor)
            if self.clock.offset is None:
                self.clock.infer(local, instant)
        return _When(raw=raw, instant=instant, local=local)

    def iso(self, when: _When) -> str | None:
        if when.instant is not None:
            return when.instant.isoformat()
        return self.clock.iso(when.local)


def _landmark(node: LexborNode) -> str:
    tag = node.tag
    if tag == "h1":
        return "title"
    node_id = node.id or ""
    classes = node.attributes.get("class") or ""
    if node_id == "elErrorMessage":
        return "error_message"
    if node_id == "elError" or "error" in classes:
        return "error"
    if "ipsPagination" in classes:
        return "pager"
    return "crumbs"


def _wall(page: _Page, what: str) -> ParseError:
    """Why a page shows no ``what``: Invision's error page (no permission, not found, with its
    error code), the sign-in page, a challenge or consent page, else what was not found."""
    tree = page.tree
    error = page.landmarks.get("error")
    heading = page.landmarks.get("title")
    detail = page.landmarks.get("error_message") or error
    parts = [clean_text(n.text()) for n in (heading, detail) if n is not None]
    message = " ".join(dict.fromkeys(p for p in parts if p))[:240]
    lowered = (message + " " + page_title(tree)).lower()
    code = _ERROR_CODE.search(clean_text(error.text()) if error is not None else "")
    suffix = f" (error {code.group(0)})" if code else ""
    if any(p in lowered for p in _NO_PERMISSION):
        return BlockedPage(f"no permission to view {what}: {message}{suffix}")
    if any(p in lowered for p in _NOT_FOUND):
        return NotForumPage(f"not found: {message}{suffix}")
    controller = _controller(tree)
    if controller in ("login", "register") or (
        error is None and heading is not None and clean_text(heading.text()).lower() in _SIGN_IN
    ):
        return BlockedPage(f"login wall instead of {what}: {message or page_title(tree)}")
    if reason := blocked_reason(tree, what, login=False):
        return BlockedPage(reason)
    if error is not None and message:
        return BlockedPage(f"error page instead of {what}: {message}{suffix}")
    found = "article#elComment_…, div.post_block, a[name=entry…]" if what == "posts" else (
        "topic rows or forums")
    return ParseError(f"Invision page without {what}: no {found} found "
                      f"(controller {controller or 'unknown'!r}, {page_title(tree)!r})")


def _breadcrumbs(page: _Page) -> list[Crumb]:
    trail = page.landmarks.get("crumbs")
    if trail is None:
        return []
    crumbs = []
    for link in trail.css("a[href]"):
        title = clean_text(link.text()) or clean_text(link.attributes.get("title"))
        url = page.absolute(link.attributes.get("href"))
        if title and url:
            crumbs.append(Crumb(title=title, url=clean_url(url)))
    return crumbs


def _board_of(url: str | None, title: str | None) -> Board | None:
    if not url:
        return None
    if m := _FORUM.search(_route(url)):
        return Board(external_id=m.group(2), title=title, url=listing_page_url(url, 1))
    value = _query(url).get("showforum", "")
    return Board(external_id=value, title=title, url=url) if value.isdigit() else None


def _crumb_board(crumbs: list[Crumb]) -> Board | None:
    for crumb in reversed(crumbs):
        if board := _board_of(crumb.url, crumb.title):
            return board
    return None


def _offset(url: str | None) -> int | None:
    """The first post's offset a URL asks for (``st=`` or ``page__st__``), None if it names none."""
    if not url:
        return None
    value = _query(url).get("st", "")
    if value.isdigit():
        return int(value)
    m = _IPB3_ST.search(_route(url))
    return int(m.group(1)) if m else None


def _seo_number(url: str | None) -> int | None:
    if not url:
        return None
    if m := _SEO_PAGE.search(_route(url)):
        return int(m.group(1))
    value = _query(url).get("page", "")
    return int(value) if value.isdigit() else None


def _pager(page: _Page, uid: str | None) -> tuple[PageInfo, int | None]:
    """Number, count, next and previous, and the posts (or topics) per page where known:
    IC's ``ul.ipsPagination[data-pages][data-ipspagination-perpage]`` and head links; on
    IP.Board pages (``uid`` given: the topic) the ``st`` offsets of the links to that topic."""
    pager = page.landmarks.get("pager")
    attrs = pager.attributes if pager is not None else {}
    per_page = parse_count(attrs.get("data-ipspagination-perpage"))
    info = PageInfo(number=_seo_number(page.canonical) or _seo_number(page.url) or 1)
    if pager is not None:
        active = pager.css_first(".ipsPagination_active a, .ipsPagination__active a")
        if active is not None and (n := parse_count(active.attributes.get("data-page"))):
            info.number = n
        pages = parse_count(attrs.get("data-pages"))
        info.count = max(pages, info.number) if pages else None
    for rel in ("next", "prev"):
        href = page.rel.get(rel)
        if href is None and pager is not None:
            link = pager.css_first(f".ipsPagination_{rel}:not(.ipsPagination_inactive) a, "
                                   f".ipsPagination__{rel}:not(.ipsPagination__inactive) a")
            href = link.attributes.get("href") if link is not None else None
        setattr(info, f"{rel}_url", clean_url(page.absolute(href)) if href else None)
    if pager is None and uid is not None and (step := _offset_pager(page, uid, info)):
        return info, step
    if info.count is None and info.next_url is None and pager is None:
        info.count = info.number
    return info, per_page


def _offset_pager(page: _Page, uid: str, info: PageInfo) -> int | None:
    """IP.Board pages: number, next and previous from the ``st`` offsets of the links to the
    same topic; the page size is the smallest step between offsets."""
    here = _offset(page.url) or 0
    offsets: dict[int, str] = {}
    for link in page.tree.css("a[href*='st='], a[href*='page__st__']"):
        url = page.absolute(link.attributes.get("href"))
        if url and thread_id(url) == uid and (st := _offset(url)) is not None:
            offsets.setdefault(st, clean_url(url))
    steps = sorted({abs(st - other) for st in [*offsets, here] for other in [*offsets, here]} - {0})
    if not steps:
        return None
    per_page = steps[0]
    info.number = here // per_page + 1
    later = [st for st in offsets if st > here]
    earlier = [st for st in offsets if st < here]
    info.next_url = offsets[min(later)] if later else None
    info.prev_url = offsets[max(earlier)] if earlier else None
    # A count makes the crawl build page URLs with ``thread_page_url``, which knows only
    # ``showtopic`` offsets of the default size: elsewhere the next links lead.
    exact = per_page == DEFAULT_PER_PAGE and not any(map(_IPB3_ST.search, offsets.values()))
    info.count = info.number if exact and not later else None
    return per_page


# --- thread pages --------------------------------------------------------------------------------


@dataclass
class _Draft:
    post: Post
    posted: _When
    edited: _When


def _thread_page(page: _Page) -> ThreadPage:
    tree = page.tree
    elements = _post_elements(tree)
    if not elements:
        raise _wall(page, "posts")
    uid = _thread_uid(page)
    if uid is None:
        raise ParseError(f"Invision topic page without a topic id in its URL: {page.url}")
    if elements[0][1].tag == "a":
        page.clock.order = _legacy_order([_legacy_date(e) for _, e in elements])
    legacy = elements[0][1].tag != "article"  # IP.Board pages: offsets in the links
    info, per_page = _pager(page, uid if legacy else None)
    first = (info.number - 1) * per_page + 1 if per_page else (1 if info.number == 1 else None)
    drafts = [_read_post(element, pid, page) for pid, element in elements]
    thread_url = _thread_url(page, uid)
    for index, draft in enumerate(drafts):
        draft.post.position = first + index if first is not None else None
        draft.post.posted_at = page.iso(draft.posted)
        draft.post.edited_at = page.iso(draft.edited)
        draft.post.url = _post_url(thread_url, draft.post.external_id, elements[0][1].tag)
    crumbs = _breadcrumbs(page)
    accepted = [d.post.external_id for d in drafts if d.post.is_solution]
    title, solved = _thread_title(page)
    warnings = page.clock.finish(
        any(d.posted.instant is None and d.posted.local is not None for d in drafts))
    if undated := [d.post.external_id for d in drafts if d.post.posted_at is None]:
        warnings.append("posts without a date: " + ", ".join(undated))
    return ThreadPage(
        platform=NAME,
        url=page.url,
        thread=Thread(
            external_id=uid,
            title=title,
            url=thread_url,
            board=_crumb_board(crumbs),
            breadcrumbs=crumbs,
            solved=True if accepted or solved else None,
            accepted_post_ids=accepted,
        ),
        canonical_url=page.canonical,
        page=info,
        posts=[d.post for d in drafts],
        warnings=warnings,
        time_anchors=page.anchors,
    )


def _post_elements(tree: LexborHTMLParser) -> list[tuple[str, LexborNode]]:
    """(post id, root) in page order, once per id: IC articles (not the copies in the
    "Recommended Posts" box above the topic), IPB3 post blocks, else the ``a[name=entry…]``
    anchors of IP.Board 1.x/2.x."""
    found: dict[str, LexborNode] = {}
    boxes: set[int] = set()
    for element in tree.css("[data-role=recommendedComments], article[id^=elComment_], "
                            "div.post_block[id^=post_id_]"):
        if element.attributes.get("data-role") == "recommendedComments":
            boxes.add(element.mem_id)
        elif (m := _COMMENT_ID.search(element.id or "")) and not _within(element, boxes):
            found.setdefault(m.group(1), element)
    if not found:
        for anchor in tree.css("a[name^=entry]"):
            if m := _COMMENT_ID.search(anchor.attributes.get("name") or ""):
                found.setdefault(m.group(1), anchor)
    return list(found.items())


def _within(node: LexborNode, ancestors: set[int], depth: int = 12) -> bool:
    """Whether one of the nodes ``ancestors`` (by ``mem_id``) holds ``node``."""
    parent = node.parent if ancestors else None
    while parent is not None and depth:
        if parent.mem_id in ancestors:
            return True
        parent, depth = parent.parent, depth - 1
    return False


def _thread_uid(page: _Page) -> str | None:
    """IC's ``body[data-pageid]`` (4.x) or ``[data-id]`` (5.x) on a topic, else the topic id of
    the canonical link or of the URL."""
    body = page.tree.body
    if body is not None and _controller(page.tree) == "topic":
        for key in ("data-pageid", "data-id"):
            value = body.attributes.get(key) or ""
            if value.isdigit():
                return value
    for candidate in (page.canonical, page.url):
        if candidate and (uid := thread_id(candidate)):
            return uid
    return None


def _thread_url(page: _Page, uid: str) -> str:
    """Page 1 of the topic, from the canonical link or the URL that carries its id."""
    own = next((u for u in (page.canonical, page.url) if u and thread_id(u) == uid), None)
    return thread_page_url(own, 1) if own else f"{page.urls.origin}/topic/{uid}-/"


def _post_url(thread_url: str, pid: str, tag: str | None) -> str:
    """The post's permalink: IC's ``?do=findComment&comment=<C>``, IP.Board's findpost."""
    if tag == "article":
        return f"{thread_url}?do=findComment&comment={pid}"
    if "showtopic=" in thread_url:
        return f"{thread_url}&view=findpost&p={pid}"
    return f"{thread_url}page__view__findpost__p__{pid}"


def _thread_title(page: _Page) -> tuple[str | None, bool]:
    """The ``h1`` without its badges, and whether one of them marks the topic solved (IC shows
    it on every page of a solved topic, not only where the solution is)."""
    heading = page.landmarks.get("title")
    solved = False
    if heading is not None:
        for badge in heading.css(".ipsBadge, .ipsType_hidden, .ipsHide"):
            label = clean_text(badge.attributes.get("title") or badge.text()).lower()
            solved = solved or label == "solved"
            badge.decompose()
        if text := clean_text(heading.text()):
            return text, solved
    legacy = page.tree.css_first("div.maintitle b, h2.maintitle")
    if legacy is not None and (text := clean_text(legacy.text())):
        return text, solved
    return clean_text(page_title(page.tree).split(" - ")[0].split(" -> ")[-1]) or None, solved


def _read_post(element: LexborNode, pid: str, page: _Page) -> _Draft:
    if element.tag == "article":
        return _read_ic_post(element, pid, page)
    if element.tag == "div":
        return _read_ipb3_post(element, pid, page)
    return _read_legacy_post(element, pid, page)


# --- IC4 and IC5 posts ---------------------------------------------------------------------------


def _ic_parts(element: LexborNode) -> tuple[dict[str, LexborNode], list[int], list[str]]:
    """The first node of each part of a post, the reaction counts and the badge texts. Times
    before the body are the post's; the first time after the edit notice is the edit's."""
    found: dict[str, LexborNode] = {}
    counts: list[int] = []
    badges: list[str] = []
    for node in element.css(_IC_PARTS):
        attrs = node.attrs  # one attribute at a time: cheaper than building the whole dict
        if node.tag == "time":
            if "edit" in found:
                found.setdefault("edited", node)
            elif "body" not in found:
                found.setdefault("posted", node)
            continue
        if attrs.get("data-commentid") is not None:
            found.setdefault("wrap", node)
            continue
        if (part := _IC_ROLES.get(attrs.get("data-role") or "")) is not None:
            found.setdefault(part, node)
            continue
        if "data-excludequote" in attrs:  # a bare attribute: get() gives None
            found.setdefault("edit", node)
            continue
        classes = attrs.get("class") or ""
        if "ipsReact_reactCountOnly" in classes:
            found.setdefault("total", node)
        elif "ipsReact_reactCount" in classes:
            counts.append(parse_count(node.text()) or 0)
        elif "ipsBadge" in classes:
            badges.append(clean_text(node.text()).lower())
        elif "ipsReact" in classes.split():
            found.setdefault("reactions", node)
        elif "ipsEntry__group" in classes:
            found.setdefault("rank", node)
        elif "cAuthorPane_author" in classes or "ipsEntry__username" in classes:
            found.setdefault("name", node)
    return found, counts, badges


def _read_ic_post(element: LexborNode, pid: str, page: _Page) -> _Draft:
    parts, counts, badges = _ic_parts(element)
    wrap = parts.get("wrap")
    quoted = _quotedata(wrap)
    post = Post(external_id=(wrap.attributes.get("data-commentid") if wrap else None) or pid)
    post.author = _ic_author(parts, quoted, page)
    posted = page.when(parts.get("posted"))
    if posted.raw is None and str(quoted.get("timestamp", "")).isdigit():
        instant = datetime.fromtimestamp(int(quoted["timestamp"]), UTC)
        posted = _When(raw=str(quoted["timestamp"]), instant=instant)
    post.posted_at_raw = posted.raw
    edited = page.when(parts.get("edited")) if "edit" in parts else _When()
    if (body := parts.get("body")) is not None:
        html = body.inner_html or ""
        if (edit := parts.get("edit")) is not None and edit.html:
            html = html.replace(edit.html, "", 1)
        _fill_body(post, html.strip(), body)
    if (signature := parts.get("signature")) is not None:
        post.signature = html_text(signature.inner_html) or None
    post.score = _score(parts, counts)
    classes = set((element.attributes.get("class") or "").split())
    post.is_solution = bool(classes & _SOLVED_CLASSES) or any(
        b in _SOLVED_BADGES for b in badges)
    return _Draft(post=post, posted=posted, edited=edited)


def _score(parts: dict[str, LexborNode], counts: list[int]) -> int | None:
    """A Q&A post's votes (``[data-role=voteCount]``), else the total of a reputation-only
    block (``.ipsReact_reactCountOnly``), else the sum of the reaction counts; 0 for an empty
    reaction block, None where the post shows none."""
    if (votes := parts.get("votes")) is not None:
        value = (votes.attributes.get("data-votecount") or clean_text(votes.text())).strip()
        if value.lstrip("-").isdigit():
            return int(value)
    node = parts.get("total")
    if node is not None and (total := parse_count(node.text())) is not None:
        return total
    return sum(counts) if counts or "reactions" in parts else None


def _quotedata(wrap: LexborNode | None) -> dict:
    """The comment's ``data-quotedata`` JSON (``userid``, ``username``, ``timestamp``)."""
    raw = wrap.attributes.get("data-quotedata") if wrap is not None else None
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _ic_author(parts: dict[str, LexborNode], quoted: dict, page: _Page) -> Author:
    """Name and id from the quote data, else the author pane's link (or a guest's bare name)."""
    holder = parts.get("name")
    link = first(holder, ("a",), "href") if holder is not None else None
    shown = clean_text(link.text()) if link is not None else (
        clean_text(holder.text()) if holder is not None else "")
    name = clean_text(str(quoted.get("username") or "")) or shown
    url = page.absolute(link.attributes.get("href")) if link is not None else None
    url = clean_url(url) if url else None
    user_id = str(quoted.get("userid") or "")
    if not user_id.isdigit() or user_id == "0":
        m = _PROFILE.search(url or "")
        user_id = m.group(1) if m else ""
    rank = parts.get("rank")
    return Author(
        name=name or None,
        external_id=user_id or None,
        url=url,
        rank=(clean_text(rank.text()) or None) if rank is not None else None,
    )


def _fill_body(post: Post, html: str, body: LexborNode) -> None:
    """Body HTML and text; each ``blockquote`` becomes a quote (citation line left out)."""
    post.body_html = html
    if "<blockquote" not in html:
        post.body_text = html_text(html)
        return
    post.body_text, texts = html_text_with_quotes(html)
    for (depth, text), node in zip(texts, body.css("blockquote"), strict=False):
        post.quotes.append(_quote(node, depth, text))


def _quote(node: LexborNode, depth: int, text: str) -> Quote:
    """Author and quoted post: IC's ``data-ipsquote-username``/``-contentcommentid``, IPB3's
    ``data-author``/``data-cid``, else the citation's "X said:"."""
    attrs = node.attributes
    citation = None
    for child in node.iter():
        classes = child.attributes.get("class") or ""
        if "ipsQuote_citation" in classes or "citation" in classes.split():
            citation = child
        break
    if citation is None:
        prev = node.prev
        while prev is not None and prev.tag == "-text":
            prev = prev.prev
        if prev is not None and "citation" in (prev.attributes.get("class") or "").split():
            citation = prev
    head = clean_text(citation.text()) if citation is not None else ""
    lines = text.split("\n")
    if head and lines and clean_text(lines[0]) == head:
        text = "\n".join(lines[1:]).strip()
    name = clean_text(attrs.get("data-ipsquote-username") or attrs.get("data-author"))
    if not name and head:
        name = _citation_name(head)
    source = attrs.get("data-ipsquote-contentcommentid") or attrs.get("data-cid") or ""
    return Quote(author_name=name or None,
                 post_external_id=source if source.isdigit() else None,
                 depth=depth, text=text)


def _citation_name(head: str) -> str:
    """The author in a quote's citation: "NAME, on <date>, said:" (IP.Board 3), "On <date>,
    NAME said:" or "<n> minutes ago, NAME said:" (IC)."""
    if ", on " in head:
        return head.split(", on ")[0].strip()
    return wrote_header(head.rsplit(", ", 1)[-1]) or ""


# --- IP.Board 3 posts ----------------------------------------------------------------------------


def _read_ipb3_post(element: LexborNode, pid: str, page: _Page) -> _Draft:
    found: dict[str, LexborNode] = {}
    for node in element.css(_IPB3_PARTS):
        classes = (node.attributes.get("class") or "").split()
        if node.tag == "a":
            found.setdefault("link", node)
        elif node.tag == "abbr":
            found.setdefault("posted", node)
        elif "entry-content" in classes:
            found.setdefault("body", node)
        else:
            key = next((k for k in ("author", "signature", "edit", "rep_show", "group_title")
                        if k in classes), None)
            if key:
                found.setdefault(key, node)
    post = Post(external_id=pid)
    link = found.get("link")
    url = page.absolute(link.attributes.get("href")) if link is not None else None
    name = clean_text((link or found.get("author")).text()) if (
        link or found.get("author")) is not None else ""
    m = _PROFILE.search(url or "") or _SHOWUSER.search(url or "")
    rank = found.get("group_title")
    post.author = Author(name=name or None, external_id=m.group(1) if m else None,
                         url=clean_url(url) if url else None,
                         rank=clean_text(rank.text()) or None if rank is not None else None)
    posted = page.when(found.get("posted"))
    post.posted_at_raw = posted.raw
    edited = _When()
    if (edit := found.get("edit")) is not None:
        text = clean_text(edit.text())
        shown = text.split(": ", 1)[1] if ": " in text else text  # "edited by X: <date>"
        edited = _When(raw=shown, local=page.clock.parse(shown))
    if (body := found.get("body")) is not None:
        _fill_body(post, (body.inner_html or "").strip(), body)
    if (signature := found.get("signature")) is not None:
        post.signature = html_text(signature.inner_html) or None
    if (rep := found.get("rep_show")) is not None:
        value = clean_text(rep.text()).replace("+", "")
        post.score = int(value) if value.lstrip("-").isdigit() else None
    return _Draft(post=post, posted=posted, edited=edited)


# --- IP.Board 1.x and 2.x posts ------------------------------------------------------------------


def _legacy_table(anchor: LexborNode) -> LexborNode:
    node = anchor.parent
    while node is not None and node.tag != "table":
        node = node.parent
    return node or anchor


def _legacy_date(anchor: LexborNode) -> str:
    table = _legacy_table(anchor)
    details = table.css_first("span.postdetails")
    return clean_text(details.text()) if details is not None else ""


def _legacy_order(texts: list[str]) -> str | None:
    """Numeric dates in IP.Board's "dd.mm.yyyy" (dots) read day first unless the texts say."""
    if order := infer_order(texts):
        return order
    return "DMY" if any(re.search(r"\d{1,2}\.\d{1,2}\.\d{4}", t) for t in texts) else None


def _read_legacy_post(anchor: LexborNode, pid: str, page: _Page) -> _Draft:
    table = _legacy_table(anchor)
    found: dict[str, LexborNode] = {}
    for node in table.css("span.normalname, span.postdetails, div.postcolor, div.signature, "
                          "a[href*='showuser='], span.edit, div.quotetop"):
        classes = node.attributes.get("class") or ""
        key = "profile" if node.tag == "a" else classes.split()[0] if classes else node.tag
        found.setdefault(key, node)
    post = Post(external_id=pid)
    name = found.get("normalname")
    profile = found.get("profile")
    url = page.absolute(profile.attributes.get("href")) if profile is not None else None
    m = _SHOWUSER.search(url or "")
    post.author = Author(name=clean_text(name.text()) or None if name is not None else None,
                         external_id=m.group(1) if m else None,
                         url=clean_url(url) if url else None)
    posted = _legacy_when(found.get("postdetails"), page)
    post.posted_at_raw = posted.raw
    edited = _legacy_when(found.get("edit"), page)
    if (body := found.get("postcolor")) is not None:
        html = (body.inner_html or "").strip()
        post.body_html = html
        post.body_text = html_text(html)
        post.quotes = _legacy_quotes(body)
    if (signature := found.get("signature")) is not None:
        post.signature = html_text(signature.inner_html) or None
    return _Draft(post=post, posted=posted, edited=edited)


def _legacy_when(node: LexborNode | None, page: _Page) -> _When:
    """A shown local time, the first line of ``node`` ("Jan 14 2006, 09:14 PM", "Дата
    11.05.2015 - 13:01", "Dec 22 2005, 11:59 PM<br>Last post by: …")."""
    text = html_text(node.inner_html).split("\n", 1)[0] if node is not None else ""
    return _When(raw=text, local=page.clock.parse(text)) if text else _When()


def _legacy_quotes(body: LexborNode) -> list[Quote]:
    """IP.Board 1.x/2.x quotes: ``div.quotetop`` ("QUOTE(name @ date)") then
    ``div.quotemain``; nested quotes sit inside an outer ``quotemain``."""
    quotes = []
    for top in body.css("div.quotetop"):
        m = _QUOTE_HEAD.search(clean_text(top.text()))
        main = top.next
        while main is not None and main.tag == "-text":
            main = main.next
        depth = 1
        parent = top.parent
        while parent is not None and parent is not body and parent.mem_id != body.mem_id:
            if "quotemain" in (parent.attributes.get("class") or ""):
                depth += 1
            parent = parent.parent
        text = html_text(main.inner_html) if main is not None else ""
        quotes.append(Quote(author_name=m.group(1).strip() if m else None, depth=depth,
                            text=text))
    return quotes


# --- listing pages -------------------------------------------------------------------------------

_ROWS = "li[data-rowid], [data-forumid], [data-categoryid]"


def _listing_page(page: _Page, kind: str) -> ListingPage:
    tree = page.tree
    threads: list[tuple[ListingThread, _When]] = []
    boards: dict[str, Board] = {}
    categories: dict[str, Board] = {}
    table = False
    for row in tree.css(_ROWS):
        attrs = row.attributes
        if "data-rowid" in attrs:
            table = True
            if (found := _topic_row(row, page)) is not None:
                threads.append(found)
        elif (board := _node_link(row, page)) is not None:
            into = categories if "data-categoryid" in attrs else boards
            into.setdefault(board.url or "", board)
    table = table or tree.css_first("[data-role=tableRows]") is not None
    if not threads and not boards and not categories and not table:
        _links_listing(page, boards, threads)
    crumbs = _breadcrumbs(page)
    own = _listing_board(page, crumbs) if kind in ("board", "category") else None
    if own is not None:
        for found in (boards, categories):
            found.pop(own.url or "", None)
        boards = {u: b for u, b in boards.items() if b.external_id != own.external_id}
        crumb_urls = {c.url for c in crumbs}
        boards = {u: b for u, b in boards.items() if u not in crumb_urls}
    if not threads and not boards and not categories and not table:
        raise _wall(page, "topics" if kind == "board" else "forums")
    for thread, when in threads:
        thread.last_post_at = page.iso(when)
    if kind == "board" and not table and boards:
        kind = "category"
    info, _ = _pager(page, None)
    return ListingPage(
        platform=NAME,
        url=page.url,
        kind=kind,
        canonical_url=page.canonical,
        board=own,
        breadcrumbs=crumbs,
        page=info,
        threads=[t for t, _ in threads],
        boards=list(boards.values()),
        categories=list(categories.values()),
        warnings=page.clock.finish(any(w.instant is None and w.local for _, w in threads)),
        time_anchors=page.anchors,
    )


def _links_listing(page: _Page, boards: dict[str, Board],
                   threads: list[tuple[ListingThread, _When]]) -> None:
    """A listing without IC rows (IP.Board 1.x-3.x, custom themes): every forum and topic link
    of the page, each topic once; IP.Board 1.x/2.x rows add their reply count (the
    ``who_posted(<T>)`` link) and last post time (``span.lastaction``)."""
    links = links_by_kind(page.tree, page.urls, url_kind, clean_url)
    for url, title in links.get("board", []):
        if title and (board := _board_of(url, title)) is not None:
            boards.setdefault(url, board)
    rows = _legacy_rows(page)
    seen: set[str] = set()
    for url, title in links.get("thread", []):
        uid = thread_id(url)
        if not title or not uid or uid in seen or post_id(url) or _offset(url):
            continue
        seen.add(uid)
        replies, last = rows.get(uid, (None, _When()))
        threads.append((ListingThread(external_id=uid, title=title, url=thread_page_url(url, 1),
                                      reply_count=replies, last_post_at_raw=last.raw), last))


def _legacy_rows(page: _Page) -> dict[str, tuple[int | None, _When]]:
    """IP.Board 1.x/2.x topic rows by topic id: the reply count and the last post's time."""
    found: dict[str, tuple[int | None, LexborNode | None]] = {}
    for link in page.tree.css("a[href^='javascript:who_posted']"):
        m = re.search(r"who_posted\((\d+)\)", link.attributes.get("href") or "")
        row = link.parent
        while row is not None and row.tag != "tr":
            row = row.parent
        if m:
            last = row.css_first("span.lastaction") if row is not None else None
            found.setdefault(m.group(1), (parse_count(link.text()), last))
    if found:
        page.clock.order = _legacy_order([clean_text(n.text()) for _, n in found.values() if n])
    return {uid: (count, _legacy_when(node, page)) for uid, (count, node) in found.items()}


def _node_link(row: LexborNode, page: _Page) -> Board | None:
    """A forum row's (or category header's) own link: the first forum link in its title."""
    for link in row.css("h2 a[href], h3 a[href], h4 a[href], .ipsDataItem_title a[href]"):
        url = page.absolute(link.attributes.get("href"))
        title = clean_text(link.text())
        if url and title and url_kind(url) == "board":
            return _board_of(clean_url(url), title)
    return None


def _listing_board(page: _Page, crumbs: list[Crumb]) -> Board | None:
    """The forum a listing shows: its id from the URL, its title from the ``h1`` (else from
    the breadcrumb trail that ends with it on IP.Board 1.x/2.x)."""
    heading = page.landmarks.get("title")
    title = clean_text(heading.text()) if heading is not None else None
    own = _crumb_board(crumbs)
    for candidate in (page.canonical, page.url):
        if candidate and (board := _board_of(clean_url(candidate), title or None)):
            board.url = listing_page_url(board.url or candidate, 1)
            if board.title is None and own is not None and own.external_id == board.external_id:
                board.title = own.title
            return board
    return own


def _topic_row(row: LexborNode, page: _Page) -> tuple[ListingThread, _When] | None:
    """One topic row: id (``data-rowid``), title link, starter, replies and views
    (``[data-stattype]``), the last post's time (the row's last ``time[datetime]``)."""
    uid = row.attributes.get("data-rowid") or ""
    title_link = author = latest = None
    replies = views = None
    for node in row.css("a[href], [data-stattype], time[datetime]"):
        if node.tag == "time":
            latest = node
            continue
        stat = (node.attributes.get("data-stattype") or "").lower()
        if stat:
            value = parse_count(node.text())
            if "comments" in stat or "repl" in stat:
                replies = value
            elif "view" in stat:
                views = value
            continue
        href = page.absolute(node.attributes.get("href")) or ""
        if title_link is None and thread_id(href) == uid and clean_text(node.text()):
            title_link = node
        elif author is None and _PROFILE.search(href) and clean_text(node.text()):
            author = node
    if not uid.isdigit() or title_link is None:
        return None
    url = page.absolute(title_link.attributes.get("href")) or ""
    author_url = page.absolute(author.attributes.get("href")) if author is not None else None
    m = _PROFILE.search(author_url or "")
    when = page.when(latest)
    solved = row.css_first(".ipsBadge_positive [class*=fa-check], .cTopicSolved, "
                           "[data-ipstooltip][title=Solved]")
    return ListingThread(
        external_id=uid,
        title=clean_text(title_link.text()) or None,
        url=thread_page_url(url, 1),
        reply_count=replies,
        views=views,
        last_post_at_raw=when.raw,
        author=Author(name=clean_text(author.text()), url=clean_url(author_url or ""),
                      external_id=m.group(1) if m else None) if author is not None else None,
        solved=True if solved is not None else None,
    ), when
