"""phpBB 3.0 to 3.3: prosilver (and its derivatives) and subsilver2 pages.

Thread pages: posts are ``div.post#p<id>`` (prosilver) or the rows after an ``a[name=p<id>]``
anchor (subsilver2). Dates come from ``time[datetime]`` (3.2+), else from the shown text in the
zone the footer states ("All times are UTC+01:00" / "UTC + 1 hour [ DST ]"). Listings: the
forum index and ``viewforum.php`` topic lists. Guests get ``sid=`` in every link: ``clean_url``
drops it, with ``hilit``, the fragment and the optional ``f=`` of topic URLs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.dates import Clock, infer_order, parse_instant, parse_local, zone
from scraper.htmltext import clean_text, html_text, html_text_with_quotes, parse_count
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
from scraper.platforms.common import (
    Urls,
    blocked_reason,
    canonical,
    first,
    links_by_kind,
    page_title,
    wrote_header,
)

NAME = "phpbb"

DEFAULT_POSTS_PER_PAGE = 10  # phpBB's default; boards change it (learned from their pagers)
DEFAULT_TOPICS_PER_PAGE = 25
_DROP_PARAMS = frozenset({"sid", "hilit", "sk", "sd", "st", "view"})
_POST_ANCHOR = re.compile(r"p(\d+)")
_OFFSET = re.compile(
    r"(?:UTC|GMT)\s*(?:([+\-\u2212])\s*(\d{1,2})(?:[:.](\d{1,2}))?\s*(?:hours?)?)?", re.I
)
_STATED_OFFSET = re.compile(
    r"(?:UTC|GMT)(?:\s*[+\-\u2212]\s*\d{1,2}(?:[:.]\d{1,2})?(?:\s*hours?)?)?"
    r"(?:\s*\[\s*DST\s*\])?"
)
_DAY_DOT = re.compile(r"\b(\d{1,2})\.(?=\s+[^\W\d])")  # "11. Sep 2024" -> "11 Sep 2024"
_SID_FIRST = re.compile(r"\?sid=(?:a:)?[0-9a-f]{32}(?:&amp;|&)")
_SID_LAST = re.compile(r"(?:\?|&amp;|&)sid=(?:a:)?[0-9a-f]{32}")
# The topic starter of a list row: 3.1+ ``div.topic-poster`` (the ``dt`` also holds a
# "Last post by" copy for small screens), subsilver2 ``p.topicauthor``, 3.0 the ``dt``.
_POSTER = ("div.topic-poster a[href*='mode=viewprofile']", "p.topicauthor a",
           "dt a[href*='mode=viewprofile']")
_SID_PARAM = re.compile(r"([?&])sid=[^&#]*(&?)")
_USER_ID = re.compile(r"[?&]u=(\d+)")
# The page's own pager first: a topic row of a list may hold a mini pager of its own.
_PAGERS = ("div.action-bar div.pagination", "div.topic-actions div.pagination", "div.pagination")
_NOT_FOUND = ("does not exist", "no longer exists", "not found")
_NO_PERMISSION = ("not authorised", "not authorized", "permission")

# Pages per site: how many posts / topics one page holds, learned from the pagers seen (phpBB's
# ``start`` is a post offset, so page N of a topic is start=(N-1)*per_page).
_PER_PAGE: dict[tuple[str, str], int] = {}


# --- URLs ----------------------------------------------------------------------------------------


def _script(url: str) -> str:
    """The file name of the URL's path ("viewtopic.php")."""
    return url.partition("#")[0].partition("?")[0].rsplit("/", 1)[-1].lower()


def _pairs(url: str) -> list[tuple[str, str, str]]:
    """The query as (name, value, raw "name=value") triples, as written (phpBB's parameters
    are plain numbers and names: no decoding needed, and the raw form is kept)."""
    query = url.partition("#")[0].partition("?")[2]
    return [(raw.partition("=")[0], raw.partition("=")[2], raw)
            for raw in query.split("&") if raw]


def _params(url: str) -> dict[str, str]:
    return {name: value for name, value, _ in _pairs(url)}


def url_kind(url: str) -> str | None:
    """"thread" for viewtopic.php (topic or post permalink), "board" for viewforum.php,
    "community" for index.php and the site root (any other folder URL is no claim: other
    platforms' URLs end in "/" too)."""
    script, params = _script(url), _params(url)
    if script == "viewtopic.php" and ("t" in params or "p" in params):
        return "thread"
    if script == "viewforum.php" and "f" in params and not params.keys() & {"mark", "hash"}:
        return "board"
    if script == "index.php" and not params.keys() - {"sid"}:
        return "community"
    if urlsplit(url).path.strip("/") == "" and not params:  # the bare root of a board
        return "community"
    return None


def thread_id(url: str) -> str | None:
    """The ``t=`` of a topic URL; None for a post permalink without it."""
    value = _params(url).get("t", "") if _script(url) == "viewtopic.php" else ""
    return value if value.isdigit() else None


def post_id(url: str) -> str | None:
    """The ``p=`` of a post permalink (``viewtopic.php?p=123#p123``)."""
    value = _params(url).get("p", "") if _script(url) == "viewtopic.php" else ""
    return value if value.isdigit() else None


def _per_page(url: str, kind: str) -> int:
    default = DEFAULT_POSTS_PER_PAGE if kind == "t" else DEFAULT_TOPICS_PER_PAGE
    return _PER_PAGE.get((urlsplit(url).netloc.lower(), kind), default)


def _with_query(url: str, pairs: list[tuple[str, str]]) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(pairs), ""))


def thread_page_url(thread_url: str, number: int) -> str:
    """``viewtopic.php?t=T`` for page 1, ``&start=(n-1)*posts_per_page`` after."""
    uid = thread_id(thread_url)
    if uid is None:
        raise ValueError(f"not a phpBB topic URL: {thread_url}")
    start = (number - 1) * _per_page(thread_url, "t")
    return _with_query(thread_url, [("t", uid)] + ([("start", str(start))] if start > 0 else []))


def listing_page_url(listing_url: str, number: int) -> str:
    """``viewforum.php?f=F`` for page 1, ``&start=(n-1)*topics_per_page`` after."""
    forum = _params(listing_url).get("f")
    if _script(listing_url) != "viewforum.php" or not forum:
        return clean_url(listing_url)
    start = (number - 1) * _per_page(listing_url, "f")
    return _with_query(listing_url, [("f", forum)] + ([("start", str(start))] if start > 0 else []))


def clean_url(url: str) -> str:
    """Without ``sid`` (and ``hilit``, sort keys, fragment); a topic URL without its optional
    ``f=`` and a zero ``start``, as phpBB's canonical link writes it."""
    base = url.partition("#")[0].partition("?")[0]
    kept = [(name, raw) for name, value, raw in _pairs(url)
            if name.lower() not in _DROP_PARAMS and not (name == "start" and value in ("", "0"))]
    if _script(base) == "viewtopic.php" and any(name in ("t", "p") for name, _ in kept):
        kept = [(name, raw) for name, raw in kept if name != "f"]
    return base + ("?" + "&".join(raw for _, raw in kept) if kept else "")


# --- recognising pages ---------------------------------------------------------------------------


def detect(tree: LexborHTMLParser, url: str) -> bool:
    """prosilver's ``body#phpbb``; subsilver2's ``#wrapheader`` and ``#wrapcentre``; else a
    phpBB credit link beside links to phpBB's scripts."""
    body = tree.body
    if body is not None and body.attrs.get("id") == "phpbb":
        return True
    if tree.css_first("#wrapheader") is not None and tree.css_first("#wrapcentre") is not None:
        return True
    return (tree.css_first("a[href*='phpbb.com']") is not None
            and tree.css_first("a[href*='viewtopic.php'], a[href*='viewforum.php'], "
                               "form[action*='ucp.php']") is not None)


def _section(tree: LexborHTMLParser) -> str:
    body = tree.body
    classes = (body.attrs.get("class") or "") if body is not None else ""
    for token in classes.split():
        if token in ("section-viewtopic", "section-viewforum", "section-index"):
            return token.removeprefix("section-")
    return ""


def page_kind(tree: LexborHTMLParser, url: str) -> str:
    """"thread", "board" (viewforum) or "community" (the index)."""
    section = _section(tree)
    if section:
        return {"viewtopic": "thread", "viewforum": "board", "index": "community"}[section]
    kind = url_kind(url)
    if kind:
        return kind
    if tree.css_first("div.post[id^=p], a[name^=p]") is not None:
        return "thread"
    return "board" if tree.css_first("a.topictitle") is not None else "community"


def parse_page(
    tree: LexborHTMLParser, url: str, *, tz: str | None = None
) -> ThreadPage | ListingPage:
    if not detect(tree, url):
        reason = blocked_reason(tree, "a phpBB page")
        raise BlockedPage(reason) if reason else NotForumPage(
            f"not a phpBB page (no body#phpbb, no subsilver2 frame): {page_title(tree)}")
    kind = page_kind(tree, url)
    if kind == "thread":
        return parse_thread(tree, url, tz=tz)
    return parse_listing(tree, url, kind, tz=tz)


def _wall(tree: LexborHTMLParser, what: str, looked_for: str) -> ParseError:
    """What a page without its content is: login wall, no permission, not found, else a
    ParseError naming what was looked for."""
    login = tree.css_first("form#login, form[action*='mode=login'] input[type=password]")
    if login is not None:
        form = login
        while form.tag != "form" and form.parent is not None:
            form = form.parent
        heading = form.css_first(".login-title, h2, h3, th")  # subsilver2: the table header
        explain = clean_text(heading.text()) if heading is not None else page_title(tree)
        return BlockedPage(f"login wall: {explain}")
    message = tree.css_first("#message p, #message .content, td.row1 p.gen, td.row1 .gen")
    text = clean_text(message.text()) if message is not None else ""
    lowered = text.lower()
    if any(mark in lowered for mark in _NOT_FOUND):
        return GonePage(f"not found: {text}")
    if any(mark in lowered for mark in _NO_PERMISSION):
        return BlockedPage(f"no permission: {text}")
    if text:
        return BlockedPage(f"board message instead of {what}: {text}")
    reason = blocked_reason(tree, what, login=False)
    if reason:
        return BlockedPage(reason)
    return ParseError(f"no {what} found on a phpBB page ({looked_for}): {page_title(tree)}")


# --- page-level facts ----------------------------------------------------------------------------


@dataclass
class _Page:
    tree: LexborHTMLParser
    url: str
    tz: str | None
    urls: Urls = field(init=False)
    canonical: str | None = field(init=False)
    clock: Clock = field(init=False)
    zone_hint: str | None = field(init=False)
    viewtopic: str = field(init=False)  # the absolute URL of the board's viewtopic.php

    def __post_init__(self) -> None:
        self.urls = Urls(self.url)
        self.viewtopic = self.urls.absolute("viewtopic.php") or "viewtopic.php"
        link = canonical(self.tree)
        self.canonical = clean_url(self.urls.absolute(link)) if link else None
        self.clock = Clock(tz=self.tz)
        self.zone_hint = hint = _zone_hint(self.tree)
        self._settle_zone(hint)

    def _settle_zone(self, hint: str | None) -> None:
        """Shown times are in the zone the board states: by name (it wins over a configured
        zone), else as today's offset (a configured zone wins: it follows DST date by date)."""
        if not hint:
            return
        if hint[0] not in "+-":
            if self.clock.tz is not None and self.clock.tz.key != hint:
                self.clock.warnings.append(f"configured time zone {self.clock.tz.key} differs "
                                           f"from the board's stated {hint}; using the board's")
            self.clock.tz = zone(hint)
        elif self.clock.tz is None:
            sign = -1 if hint[0] == "-" else 1
            hours, minutes = hint[1:].split(":")
            self.clock.offset = sign * timedelta(hours=int(hours), minutes=int(minutes))

    def shown(self, text: str | None) -> datetime | None:
        """The local time a shown date stands for ("11. Sep 2024, 18:36" read too)."""
        return self.clock.parse(_DAY_DOT.sub(r"\1", text)) if text else None

    def local(self, text: str | None) -> datetime | None:
        """Like ``shown``, silently (for a text beside an exact instant, or an edit notice)."""
        return parse_local(_DAY_DOT.sub(r"\1", text), order=self.clock.order) if text else None

    def absolute(self, href: str | None) -> str | None:
        return self.urls.absolute(href)

    def link(self, href: str | None) -> str | None:
        url = self.absolute(href)
        return clean_url(url) if url else None


def _zone_hint(tree: LexborHTMLParser) -> str | None:
    """The board zone the footer states: the IANA name in the span's title (3.1+, "All times
    are <span title="Europe/Paris">UTC+02:00</span>"), else the offset shown; 3.0's
    "UTC + 1 hour [ DST ]" is +02:00."""
    for span in tree.css("#page-footer span[title], li.rightside span[title]"):
        shown = clean_text(span.text())
        if not shown.startswith(("UTC", "GMT")):
            continue
        title = span.attrs.get("title") or ""
        if title and not title.startswith(("UTC+", "UTC-", "GMT")) and zone(title) is not None:
            return title
        return _offset_text(shown)
    for node in tree.css("#page-footer, #wrapfooter, td.gensmall[align=right], p.datetime"):
        text = clean_text(node.text())
        if (m := _STATED_OFFSET.search(text)) is not None:
            return _offset_text(m.group(0))
    return None


def _offset_text(text: str) -> str | None:
    """"+02:00" for "UTC+02:00", "UTC + 1 hour [ DST ]", "UTC"; None without "UTC"/"GMT"."""
    m = _OFFSET.search(text)
    if m is None:
        return None
    minutes = int(m.group(2) or 0) * 60 + int(m.group(3) or 0)
    if m.group(1) in ("-", "\u2212"):
        minutes = -minutes
    if "dst" in text.lower():
        minutes += 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _breadcrumbs(page: _Page) -> list[Crumb]:
    trail = page.tree.css_first("li.breadcrumbs, p.breadcrumbs, ul.navlinks li.icon-home")
    if trail is None:
        return []
    crumbs = []
    for link in trail.css("a[href]"):
        title = clean_text(link.text())
        if title:
            crumbs.append(Crumb(title=title, url=page.link(link.attrs.get("href"))))
    return crumbs


def _board(crumbs: list[Crumb]) -> Board | None:
    for crumb in reversed(crumbs):
        if crumb.url and url_kind(crumb.url) == "board":
            return Board(external_id=_params(crumb.url)["f"], title=crumb.title, url=crumb.url)
    return None


@dataclass
class _Pager:
    info: PageInfo
    total: int | None  # "48 posts" / "92 topics"
    per_page: int | None


def _pager(page: _Page, kind: str) -> _Pager:
    """Number, count, next and previous from the first pager (prosilver ``div.pagination``,
    subsilver2's ``td.nav`` row); a topic row's own mini pager is never the page's."""
    tree = page.tree
    block = next((node for query in _PAGERS if (node := tree.css_first(query)) is not None), None)
    if block is None and (nav := tree.css_first("td.nav")) is not None:
        block = nav.parent
    info = PageInfo()
    if block is None:
        info.count = 1
        return _Pager(info, None, None)
    pages = _page_starts(block, page)
    starts = {n: int(_params(url).get("start") or 0) for n, url in pages.items()}
    strongs = [int(t) for s in block.css("strong") if (t := clean_text(s.text())).isdigit()]
    active = block.css_first("li.active span")
    if len(strongs) >= 2:
        info.number, info.count = strongs[0], strongs[1]
    else:
        shown = clean_text(active.text()) if active is not None else ""
        info.number = int(shown) if shown.isdigit() else (strongs[0] if strongs else 1)
        info.count = max([info.number, *pages])
    next_link = block.css_first("a[rel=next]")
    prev_link = block.css_first("a[rel=prev]")
    info.next_url = (page.link(next_link.attrs.get("href")) if next_link is not None
                     else pages.get(info.number + 1))
    info.prev_url = (page.link(prev_link.attrs.get("href")) if prev_link is not None
                     else pages.get(info.number - 1))
    text = clean_text(block.text())
    m = re.search(r"\[\s*([\d.,\u00a0 ]+)", text)
    total = parse_count(m.group(1)) if m else _leading_count(text)
    per_page = _learn_per_page(page, kind, starts, info.number)
    return _Pager(info, total, per_page)


def _leading_count(text: str) -> int | None:
    """The count a prosilver pager starts with ("48 posts", "1.234 Beiträge")."""
    m = re.match(r"(?:[^\d•]*?•\s*)?(\d[\d.,\u00a0]*)\s+\w", text)
    return parse_count(m.group(1).replace(".", ",")) if m else None


def _learn_per_page(page: _Page, kind: str, starts: dict[int, int], number: int) -> int | None:
    """Posts (or topics) per page from the ``start`` of page links (page n starts at
    (n-1)*per_page), this page's own included; remembered per site."""
    if "start" in (params := _params(page.url)) and params["start"].isdigit():
        starts = {**starts, number: int(params["start"])}
    per_page = next((s // (n - 1) for n, s in sorted(starts.items())
                     if n > 1 and s > 0 and s % (n - 1) == 0), None)
    if per_page:
        _PER_PAGE[(urlsplit(page.url).netloc.lower(), kind)] = per_page
    return per_page


def _page_starts(node: LexborNode, page: _Page) -> dict[int, str]:
    """``{page number: url}`` of the numbered page links inside ``node``."""
    pages = {}
    for link in node.css("a[href]"):
        text = clean_text(link.text())
        if text.isdigit() and (url := page.link(link.attrs.get("href"))):
            pages[int(text)] = url
    return pages


# --- thread pages --------------------------------------------------------------------------------


@dataclass
class _Parts:
    """The nodes one post is read from (prosilver or subsilver2)."""

    uid: str
    subject: LexborNode | None = None
    author: LexborNode | None = None  # the p.author / "Posted:" holder
    profile: LexborNode | None = None  # dl.postprofile or the profile cell
    content: LexborNode | None = None
    signature: LexborNode | None = None
    notices: list[LexborNode] = field(default_factory=list)
    name: LexborNode | None = None  # where the name shows when it is not a profile link
    profile_link: str | None = None
    date_text: str | None = None
    # Found by the one broad query of a prosilver post (None: look them up when needed).
    time: LexborNode | None = None
    rank: LexborNode | None = None
    links: list[LexborNode] | None = None  # profile links in dl.postprofile
    quotes: list[LexborNode] | None = None
    labels: list[LexborNode] | None = None  # "Code: Select all" lines of code boxes


_PROSILVER_PARTS = (
    "h3, p.author, dl.postprofile, div.content, div.signature, div.notice, p.author time, "
    "dd.profile-rank, dl.postprofile a[href*='mode=viewprofile'], blockquote, div.codebox > p"
)


def _prosilver_posts(tree: LexborHTMLParser) -> list[_Parts]:
    found = []
    for element in tree.css("div.post[id^=p]"):
        m = _POST_ANCHOR.fullmatch(element.attrs.get("id") or "")
        if m is None:
            continue
        parts = _Parts(uid=m.group(1), links=[], quotes=[], labels=[])
        for node in element.css(_PROSILVER_PARTS):
            _sort_part(parts, node)
        found.append(parts)
    return found


def _sort_part(parts: _Parts, node: LexborNode) -> None:
    """File one node of a prosilver post under what it is (quotes and code boxes only while in
    the body: a signature may hold its own)."""
    tag = node.tag
    classes = (node.attrs.get("class") or "").split()
    in_body = parts.content is not None and parts.signature is None
    if tag == "h3":
        parts.subject = parts.subject or node
    elif tag == "p":
        if "author" in classes:
            parts.author = parts.author or node
        elif in_body:
            parts.labels.append(node)
    elif tag == "dl":
        parts.profile = parts.profile or node
    elif tag == "time":
        parts.time = parts.time or node
    elif tag == "dd":
        parts.rank = parts.rank or node
    elif tag == "a":
        parts.links.append(node)
    elif tag == "blockquote":
        if in_body:
            parts.quotes.append(node)
    elif "content" in classes:
        parts.content = parts.content or node
    elif "signature" in classes:
        parts.signature = parts.signature or node
    elif "notice" in classes:
        parts.notices.append(node)


def _subsilver_posts(tree: LexborHTMLParser) -> list[_Parts]:
    """Each post is three rows: author and subject/date, profile and body, buttons."""
    found = []
    for anchor in tree.css("a[name^=p]"):
        m = _POST_ANCHOR.fullmatch(anchor.attrs.get("name") or "")
        head = anchor.parent.parent if anchor.parent is not None else None
        if m is None or head is None or head.tag != "tr":
            continue
        body = _next_element(head)
        foot = _next_element(body) if body is not None else None
        parts = _Parts(uid=m.group(1), name=head.css_first("b.postauthor"))
        holder = head.css_first("td.gensmall")
        if holder is not None:
            links = holder.css("a[href]")
            parts.subject = links[0] if links else None
            shown = clean_text(holder.text())
            parts.date_text = _after_label(shown)
        if body is not None:
            cells = body.css("td.profile")
            parts.profile = cells[0] if cells else None
            parts.content = body.css_first("div.postbody")
            sig = body.css_first("span.postbody")
            parts.signature = sig
            parts.notices = body.css("span.gensmall")
        if foot is not None:
            link = foot.css_first("a[href*='mode=viewprofile']")
            parts.profile_link = link.attrs.get("href") if link is not None else None
        found.append(parts)
    return found


def _after_label(shown: str) -> str:
    """The date after subsilver2's "Posted:" label (the subject comes first)."""
    for label in ("Posted:", "Geschrieben:", "Posté:", "Publicado:"):
        if label in shown:
            return shown.split(label, 1)[1].strip()
    return shown.rsplit(": ", 1)[-1].strip()


def _next_element(node: LexborNode) -> LexborNode | None:
    sibling = node.next
    while sibling is not None and not sibling.is_element_node:
        sibling = sibling.next
    return sibling


@dataclass
class _Draft:
    post: Post
    shown: datetime | None = None
    instant: datetime | None = None
    edited: datetime | None = None


def parse_thread(tree: LexborHTMLParser, url: str, *, tz: str | None = None) -> ThreadPage:
    """One topic page (any 3.x prosilver, or subsilver2)."""
    parts_list = _prosilver_posts(tree) or _subsilver_posts(tree)
    if not parts_list:
        raise _wall(tree, "posts", "neither div.post#p<id> nor a[name=p<id>] rows")
    page = _Page(tree, url, tz)
    pager = _pager(page, "t")
    uid, title = _topic(page)
    texts = [p.date_text or _date_text(p) or "" for p in parts_list]
    page.clock.order = infer_order(texts)
    per_page = pager.per_page or _per_page(url, "t")
    before = (pager.info.number - 1) * per_page
    drafts = [_read_post(parts, text, page, before + i + 1)
              for i, (parts, text) in enumerate(zip(parts_list, texts, strict=True))]
    anchors = []
    for draft in drafts:
        post = draft.post
        if draft.instant is not None:
            post.posted_at = draft.instant.isoformat()
            if draft.shown is not None:
                anchors.append(TimeAnchor(local=draft.shown.isoformat(), instant=post.posted_at))
        else:
            post.posted_at = page.clock.iso(draft.shown)
        post.edited_at = page.clock.iso(draft.edited)
    used = any(d.instant is None and d.shown for d in drafts) or any(d.edited for d in drafts)
    crumbs = _breadcrumbs(page)
    thread_url = thread_page_url(page.link(f"viewtopic.php?t={uid}") or url, 1)
    return ThreadPage(
        platform=NAME,
        url=url,
        thread=Thread(
            external_id=uid,
            title=title,
            url=thread_url,
            board=_board(crumbs),
            breadcrumbs=crumbs,
            reply_count=pager.total - 1 if pager.total else None,
        ),
        canonical_url=page.canonical or thread_page_url(thread_url, pager.info.number),
        page=pager.info,
        posts=[d.post for d in drafts],
        warnings=page.clock.finish(used),
        time_anchors=anchors,
        zone_hint=page.zone_hint,
    )


def _topic(page: _Page) -> tuple[str, str | None]:
    """Topic id (canonical, URL, title link, reply button) and title."""
    heading = page.tree.css_first("h2.topic-title a, #page-body h2 a, h2 a[href*='t=']")
    for candidate in (page.canonical, page.url,
                      heading.attrs.get("href") if heading is not None else None):
        uid = thread_id(page.urls.absolute(candidate) or "") if candidate else None
        if uid:
            break
    else:
        reply = page.tree.css_first("a[href*='mode=reply'][href*='t=']")
        value = _params(reply.attrs.get("href") or "").get("t", "") if reply else ""
        if not value.isdigit():
            raise ParseError(f"no topic id on a phpBB topic page: {page_title(page.tree)}")
        uid = value
    title = clean_text(heading.text()) if heading is not None else ""
    return uid, title or None


def _date_text(parts: _Parts) -> str | None:
    """The shown post date: the ``time`` text, else the text after "»" in ``p.author``."""
    holder = parts.author
    if holder is None:
        return None
    time = parts.time
    text = clean_text((time or holder).text())
    if time is None and "»" in text:
        text = text.rsplit("»", 1)[1].strip()
    return text or None


def _read_post(parts: _Parts, date_text: str, page: _Page, position: int) -> _Draft:
    post = Post(external_id=parts.uid, position=position,
                url=thread_url_for_post(page, parts.uid))
    if parts.subject is not None:
        post.title = clean_text(parts.subject.text()) or None
    post.author = _author(parts, page)
    post.posted_at_raw = date_text or None
    draft = _Draft(post=post)
    if parts.time is not None:  # the instant is exact; the shown text (maybe "Today, 10:12")
        draft.instant = parse_instant(parts.time.attrs.get("datetime"))  # only anchors it
    if draft.instant is not None:
        draft.shown = page.local(date_text)
    else:
        draft.shown = page.shown(date_text)
    for notice in parts.notices:
        text = clean_text(notice.text())
        if "post_deleted_msg" in (notice.attrs.get("class") or "") or not text:
            continue
        editor = notice.css_first("a")
        date = text.replace(clean_text(editor.text()), " ", 1) if editor is not None else text
        draft.edited = page.local(date)
        break
    if parts.content is not None:
        _fill_body(post, parts)
    post.signature = _signature(parts.signature)
    return draft


def thread_url_for_post(page: _Page, uid: str) -> str:
    """The post's permalink ``viewtopic.php?p=P#pP``."""
    return f"{page.viewtopic}?p={uid}#p{uid}"


def _without_session(url: str | None) -> str | None:
    """``url`` without ``sid=`` and fragment, cheaply (for links whose other parameters stay)."""
    if not url:
        return None
    url = url.split("#", 1)[0]
    if "sid=" not in url:
        return url
    return _SID_PARAM.sub(lambda m: m.group(1) if m.group(2) else "", url)


def _author(parts: _Parts, page: _Page) -> Author:
    """Name from the profile link (``dl.postprofile dt`` or ``p.author``), else the shown name
    of a guest; id from ``u=``; rank from ``dd.profile-rank`` (3.0: the first plain ``dd``)."""
    link = next((a for a in parts.links or () if clean_text(a.text())), None)
    for holder in (parts.profile if parts.links is None else None, parts.author):
        if link is not None or holder is None:
            continue
        link = next((a for a in holder.css("a[href*='mode=viewprofile']")
                     if clean_text(a.text())), None)
    href = link.attrs.get("href") if link is not None else parts.profile_link
    if link is not None:
        name = clean_text(link.text())
    else:
        shown = parts.name or _guest_name(parts)
        name = clean_text(shown.text()) if shown is not None else ""
    url = _without_session(page.absolute(href)) if href else None
    m = _USER_ID.search(url) if url else None
    uid = m.group(1) if m else None
    return Author(name=name or None, external_id=uid or None, url=url, rank=_rank(parts))


def _guest_name(parts: _Parts) -> LexborNode | None:
    """A guest's (or deleted user's) shown name: ``span.username``, the ``strong`` of
    ``p.author``, else the bare ``dt`` of the profile (3.0)."""
    for holder in (parts.profile, parts.author):
        node = holder.css_first("span.username, span.username-coloured") if holder else None
        if node is not None:
            return node
    node = parts.author.css_first("strong") if parts.author is not None else None
    if node is None and parts.profile is not None:
        node = parts.profile.css_first("dt")
    return node


def _rank(parts: _Parts) -> str | None:
    """``dd.profile-rank`` (3.1+), subsilver2's ``td.postdetails``, 3.0's first plain ``dd``."""
    profile = parts.profile
    if profile is None:
        return None
    node = parts.rank if parts.links is not None else profile.css_first("td.postdetails")
    if node is None:
        node = next((dd for dd in profile.css("dd")
                     if first(dd, ("strong",)) is None and clean_text(dd.text())), None)
    return (clean_text(node.text()) or None) if node is not None else None


def _signature(node: LexborNode | None) -> str | None:
    if node is None:
        return None
    text = html_text(node.inner_html)
    return text.lstrip("_ \n") or None


def _fill_body(post: Post, parts: _Parts) -> None:
    """Body without code-box chrome; quotes with author, depth and the quoted post."""
    content = parts.content
    html = _without_sid((content.inner_html or "").strip())
    labels = parts.labels if parts.labels is not None else content.css("div.codebox > p")
    for label in labels:
        html = html.replace(_without_sid(label.html or ""), "", 1)
    post.body_html = html
    heads = _quote_heads(content, parts.quotes)
    if not heads:
        post.body_text = html_text(html)
        return
    marked = html
    for original, header, _, _ in heads:
        marked = marked.replace(_without_sid(original), header, 1)
    post.body_text, texts = html_text_with_quotes(marked)
    for (_, _, author, quoted), (depth, text) in zip(heads, texts, strict=False):
        quote = Quote(author_name=author, post_external_id=quoted, depth=depth, text=text)
        if author is not None:
            quote.text = text.partition("\n")[2].lstrip()
        post.quotes.append(quote)


def _without_sid(html: str) -> str:
    """Links of the body without the visitor's ``sid`` (it differs on every visit)."""
    if "sid=" not in html:
        return html
    return _SID_LAST.sub("", _SID_FIRST.sub("?", html))


def _quote_heads(
    content: LexborNode, found: list[LexborNode] | None
) -> list[tuple[str, str, str | None, str | None]]:
    """For each quote in document order: the HTML of its header, what replaces it (an "X wrote:"
    line, or for subsilver2 the quote rebuilt as a blockquote), its author and quoted post."""
    heads = []
    if found is not None and not found:
        return heads
    for quote in found or content.css("blockquote, div.quotecontent"):
        if quote.tag == "blockquote":
            cite = next((c for c in quote.css("cite") if _owner_id(c) == quote.mem_id), None)
            if cite is None:
                heads.append(("<blockquote", "<blockquote", None, None))
                continue
            author, quoted = _cite(cite, quote.attrs.get("cite"))
            line = f"<div>{_escape(clean_text(cite.text()).split(' ↑')[0])}</div>"
            heads.append((cite.html or "", line, author, quoted))
        else:
            title = quote.prev
            while title is not None and not title.is_element_node:
                title = title.prev
            label = clean_text(title.text()) if title is not None else ""
            author = wrote_header(label)
            inner = quote.inner_html or ""
            rebuilt = f"<blockquote><div>{_escape(label)}</div>{inner}</blockquote>" if author \
                else f"<blockquote>{inner}</blockquote>"
            original = ((title.html or "") if title is not None else "") + (quote.html or "")
            heads.append((original, rebuilt, author, None))
    return heads


def _owner_id(cite: LexborNode) -> int | None:
    """The ``mem_id`` of the innermost blockquote holding ``cite`` (ids compare cheaply)."""
    node = cite.parent
    while node is not None and node.tag != "blockquote":
        node = node.parent
    return node.mem_id if node is not None else None


def _cite(cite: LexborNode, cite_attr: str | None) -> tuple[str | None, str | None]:
    """Author and quoted post id of a ``cite`` ("X wrote:", 3.2+ with links)."""
    quoted = None
    for link in cite.css("a[href]"):
        quoted = link.attrs.get("data-post-id") or post_id(link.attrs.get("href") or "")
        if quoted:
            break
    if not quoted and cite_attr:
        quoted = post_id(cite_attr)
    name_link = cite.css_first("a[href*='mode=viewprofile']")
    if name_link is not None and clean_text(name_link.text()):
        return clean_text(name_link.text()), quoted
    text = clean_text(cite.text())
    head = text.split(":", 1)[0] + ":" if ":" in text else text
    return wrote_header(head), quoted


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- listing pages -------------------------------------------------------------------------------


def _classify(url: str) -> str | None:
    return "board" if url_kind(url) == "board" else None


def parse_listing(
    tree: LexborHTMLParser, url: str, kind: str | None = None, *, tz: str | None = None
) -> ListingPage:
    """The forum index (categories, forums) or a forum's page (sub-forums, topics, pager)."""
    kind = kind or page_kind(tree, url)
    if kind == "thread":
        raise NotForumPage(f"a topic page, not a listing: {page_title(tree)}")
    page = _Page(tree, url, tz)
    rows = [_topic_row(row, page) for row in _topic_rows(tree)]
    body = tree.css_first("#page-body, #wrapcentre") or tree.body
    forums = links_by_kind(body, page.urls, _classify, clean_url).get("board", []) if body else []
    own = _params(clean_url(url)).get("f")
    categories = [
        Board(external_id=_params(u)["f"], title=t or None, url=u)
        for u, t in _category_links(page)
    ]
    category_urls = {c.url for c in categories}
    crumbs = _breadcrumbs(page)
    crumb_urls = {c.url for c in crumbs}
    boards = [Board(external_id=_params(u)["f"], title=t or None, url=u) for u, t in forums
              if u not in category_urls and u not in crumb_urls and _params(u)["f"] != own]
    warnings = []
    if not rows and not boards and not categories:
        if kind != "board" or tree.css_first("a[href*='mode=post']") is None:
            raise _wall(tree, "topics or forums", "no a.topictitle rows, no viewforum.php links")
        warnings.append("empty forum: no topics and no sub-forums")  # a "New Topic" button
    pager = _pager(page, "f") if kind == "board" else _Pager(PageInfo(count=1), None, None)
    page.clock.order = infer_order([shown or raw for _, raw, _, shown in rows if shown or raw])
    threads, anchors = [], []
    for thread, raw, instant, shown in rows:
        if instant is None:
            thread.last_post_at = page.clock.iso(page.shown(raw))
        else:
            thread.last_post_at = instant.isoformat()
            if (local := page.local(shown)) is not None:
                anchors.append(TimeAnchor(local=local.isoformat(), instant=thread.last_post_at))
        threads.append(thread)
    board = None
    if kind == "board" and own:
        heading = tree.css_first("h2.forum-title a, #page-body h2 a, h2 a")
        title = clean_text(heading.text()) if heading is not None else ""
        board = Board(external_id=own, title=title or (crumbs[-1].title if crumbs else None),
                      url=listing_page_url(clean_url(page.urls.absolute(url) or url), 1))
    return ListingPage(
        platform=NAME,
        url=url,
        kind=kind,
        canonical_url=page.canonical,
        board=board,
        breadcrumbs=crumbs,
        page=pager.info,
        threads=threads,
        boards=boards,
        categories=categories,
        warnings=warnings + page.clock.finish(any(raw and not i for _, raw, i, _ in rows)),
        time_anchors=anchors,
        zone_hint=page.zone_hint,
    )


def _category_links(page: _Page) -> list[tuple[str, str]]:
    """Category headers: prosilver ``li.header`` links, subsilver2 ``td.cat`` links."""
    found: dict[str, str] = {}
    for link in page.tree.css("div.forabg li.header a[href], td.cat a[href], h4 a[href]"):
        url = page.link(link.attrs.get("href"))
        if url and url_kind(url) == "board":
            found.setdefault(url, clean_text(link.text()))
    return list(found.items())


def _topic_rows(tree: LexborHTMLParser) -> list[LexborNode]:
    rows = []
    for link in tree.css("a.topictitle"):
        row = link.parent
        while row is not None and row.tag not in ("li", "tr"):
            row = row.parent
        if row is not None:
            rows.append(row)
    return rows


_Row = tuple[ListingThread, str | None, datetime | None, str | None]


def _topic_row(row: LexborNode, page: _Page) -> _Row:
    """A topic row: the thread, its last-post key (instant or shown text), the instant, and
    the shown text beside the instant."""
    link = row.css_first("a.topictitle")
    url = page.link(link.attrs.get("href"))
    uid = thread_id(url or "") or ""
    replies = row.css_first("dd.posts")
    views = row.css_first("dd.views")
    last = row.css_first("dd.lastpost")
    details = row.css("p.topicdetails") if replies is None else []
    if replies is None and len(details) >= 3:  # subsilver2: replies, views, last post
        replies, views, last = details[0], details[1], details[2]
    time = last.css_first("time[datetime]") if last is not None else None
    shown = None
    if time is not None:
        raw = time.attrs.get("datetime")
        instant = parse_instant(raw)
        shown = clean_text(time.text()) or None
    else:
        raw = _last_post_text(last)
        instant = None
    poster = next((node for query in _POSTER if (node := row.css_first(query)) is not None), None)
    author = None
    if poster is not None and clean_text(poster.text()):
        href = page.link(poster.attrs.get("href"))
        author = Author(name=clean_text(poster.text()), url=href,
                        external_id=_params(href or "").get("u"))
    if uid and (mini := row.css_first("div.pagination, p.gensmall")) is not None:
        starts = {n: int(_params(u).get("start") or 0) for n, u in _page_starts(mini, page).items()}
        _learn_per_page(page, "t", starts, 0)  # the topic's own pager: posts per page
    thread = ListingThread(
        external_id=uid,
        title=clean_text(link.text()) or None,
        url=thread_page_url(url, 1) if uid and url else url,
        reply_count=_number(replies),
        last_post_at_raw=raw,
        author=author,
        views=_number(views),
    )
    return thread, raw, instant, shown


def _number(node: LexborNode | None) -> int | None:
    if node is None:
        return None
    text = node.text(deep=False) if node.css_first("dfn") is not None else node.text()
    return parse_count(text)


def _last_post_text(cell: LexborNode | None) -> str | None:
    """The shown last-post date: the cell's text without its label and author."""
    if cell is None:
        return None
    text = clean_text(cell.text())
    for node in cell.css("dfn, a[href*='mode=viewprofile'], span.username, "
                         "span.username-coloured"):
        text = text.replace(clean_text(node.text()), " ", 1)
    text = clean_text(text)
    for word in ("by ", "von ", "par "):
        text = text.removeprefix(word)
    return text or None
