"""MyBB 1.8 (default theme, classic postbit, themed variants; table postbits of 1.6-style themes):
thread pages, forum index, sub-forums and thread lists, walls.

Stock URLs (``showthread.php?tid=T&page=N``, ``forumdisplay.php?fid=F``), the built-in SEO
URLs (``thread-T-page-N.html``, ``forum-F.html``) and "Google SEO" URLs (``Thread-Slug?page=N``,
``Forum-Slug``) are all understood. A thread page is read with one query for the posts and
their parts together (class-only selectors), told apart by class. MyBB pages state no time
zone: shown dates are
local (naive ISO plus a warning unless a zone is configured); relative dates are resolved from
the exact date MyBB puts in a ``title`` or, for "Today"/"Yesterday", from the footer's
"Current time".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.dates import Clock, infer_order, parse_local
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
)
from scraper.platforms.common import (
    SESSION_PARAMS,
    Urls,
    blocked_reason,
    first,
    links_by_kind,
    page_title,
    strip_params,
    within,
    wrote_header,
)

NAME = "mybb"
DATE_ORDER = "MDY"  # MyBB's default date format is m-d-Y

_SEO_THREAD = re.compile(r"/thread-(\d+)(?:-page-(\d+)|-post-(\d+)|-(?:lastpost|newpost))?\.html$")
_SEO_POST = re.compile(r"/post-(\d+)\.html$")
_SEO_FORUM = re.compile(r"/forum-(\d+)(?:-page-(\d+))?\.html$")
_GOOGLE_THREAD = re.compile(r"/Thread-[^/]+$")
_GOOGLE_FORUM = re.compile(r"/Forum-[^/]+$")
_USER_ID = re.compile(r"(?:[?&]uid=|/user-)(\d+)")
_POST_ROOT_ID = re.compile(r"post_(\d+)$")
_PID = re.compile(r"(?:[?&#]pid=?|/post-|-post-)(\d+)")
_POSITION = re.compile(r"#\s*(\d+)")
_EDITED = re.compile(r"last modified:\s*(.+?)\s+by\b", re.I | re.S)
_PAGES = re.compile(r"\((\d+)\)")
_SESSION = SESSION_PARAMS | {"my_post_key"}

_POSTS = "div.post[id^='post_'], table[id^='post_']"
# The parts of a post, by class alone (what costs least to match), found with the post roots in
# one query: div.post roots first, table roots (1.6-style themes) when there are none.
_PARTS = ".largetext, .post_date, .post_body, .signature, .edited_post, .post_head, " \
    ".author_statistics"
# Table postbits (1.6-style themes) keep the date and the "#N" link in the post's ``td.tcat``
# and the edit note in ``div#edited_by_N``.
_POSTS_AND_PARTS = (f".post, {_PARTS}",
                    f"table[id^='post_'], {_PARTS}, .tcat, div[id^='edited_by_']")
_FORUM_SCRIPT = "forumdisplay.php"
_ERROR_BOX = "table.tborder td.trow1, div.error"
# How MyBB's error and no-permission boxes begin (English language pack): a forum description
# that mentions permissions does not begin so.
_NOT_FOUND = ("the specified thread does not exist", "the specified forum does not exist",
              "invalid thread", "invalid forum", "the specified post does not exist")
_NO_PERMISSION = ("you do not have permission", "you are not logged in",
                  "you are either not logged in", "the maximum server load limit",
                  "you have been banned", "your account has been banned")


# --- URLs ----------------------------------------------------------------------------------------


def _script(path: str) -> str:
    return path.rsplit("/", 1)[-1].lower()


def url_kind(url: str) -> str | None:
    """"thread", "board" or "community" from the URL's shape (forum categories look like
    forums: the page tells them apart), else None."""
    parts = urlsplit(url)
    path, query = parts.path, dict(parse_qsl(parts.query))
    script = _script(path)
    if script == "showthread.php" and ("tid" in query or "pid" in query):
        return "thread"
    if _SEO_THREAD.search(path) or _SEO_POST.search(path) or _GOOGLE_THREAD.search(path):
        return "thread"
    if script == _FORUM_SCRIPT and "fid" in query:
        return "board"
    if _SEO_FORUM.search(path) or _GOOGLE_FORUM.search(path):
        return "board"
    if (script == "index.php" and "/archive/" not in path) or path in ("", "/"):
        return "community"
    return None


def thread_id(url: str) -> str | None:
    """The ``tid`` of a stock or ``thread-T`` URL; None for a post permalink or a slug URL
    (``Thread-Slug``), whose numeric id only the page names."""
    parts = urlsplit(url)
    if _script(parts.path) == "showthread.php":
        tid = dict(parse_qsl(parts.query)).get("tid")
        return tid if tid and tid.isdigit() else None
    m = _SEO_THREAD.search(parts.path)
    return m.group(1) if m else None


def post_id(url: str) -> str | None:
    """The ``pid`` of a post link (``?pid=P``, ``thread-T-post-P.html``, ``post-P.html``)."""
    parts = urlsplit(url)
    pid = dict(parse_qsl(parts.query)).get("pid")
    if pid and pid.isdigit():
        return pid
    m = _SEO_THREAD.search(parts.path)
    if m and m.group(3):
        return m.group(3)
    m = _SEO_POST.search(parts.path)
    return m.group(1) if m else None


def _with_page(url: str, number: int, key: str, seo: re.Pattern[str], stem: str) -> str:
    """``url`` at page ``number``: a ``page`` query parameter, or the SEO ``-page-N`` form."""
    parts = urlsplit(url)
    m = seo.search(parts.path)
    if m:
        head = parts.path[: m.start()]
        path = f"{head}/{stem}-{m.group(1)}" + (f"-page-{number}" if number > 1 else "") + ".html"
        return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    pairs = [(k, v) for k, v in parse_qsl(parts.query) if k == key]
    if number > 1:
        pairs.append(("page", str(number)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(pairs), ""))


def thread_page_url(thread_url: str, number: int) -> str:
    """``showthread.php?tid=T&page=N``, ``thread-T-page-N.html`` or ``Thread-Slug?page=N``."""
    return _with_page(thread_url, number, "tid", _SEO_THREAD, "thread")


def listing_page_url(listing_url: str, number: int) -> str:
    """``forumdisplay.php?fid=F&page=N``, ``forum-F-page-N.html`` or ``Forum-Slug?page=N``."""
    return _with_page(listing_url, number, "fid", _SEO_FORUM, "forum")


def clean_url(url: str) -> str:
    """Without session ids (``sid``, ``s``), the post key and the fragment."""
    return strip_params(url, _SESSION)


# --- recognising pages ---------------------------------------------------------------------------

_MARKERS = (
    "script[src*='jscripts/general.js'], div.post_body[id^='pid_'], "
    "#copyright a[href*='mybb.com'], #breadcrumb_multipage_popup, span[id^='tid_']"
)


def detect(tree: LexborHTMLParser, url: str) -> bool:
    """MyBB markers: its ``jscripts/general.js``, post bodies ``#pid_N``, thread spans
    ``#tid_N``, the breadcrumb pager, the "Powered By MyBB" footer link."""
    return tree.css_first(_MARKERS) is not None


def page_kind(tree: LexborHTMLParser, url: str) -> str:
    """"thread" for a page with posts (or a wall at a thread URL), else the listing kind."""
    if url_kind(url) == "thread" or tree.css_first(_POSTS) is not None:
        return "thread"
    return _listing_kind(tree, url)


def parse_page(
    tree: LexborHTMLParser, url: str, *, tz: str | None = None
) -> ThreadPage | ListingPage:
    """A thread page or a listing; walls raise ``BlockedPage``, missing topics ``NotForumPage``."""
    if url_kind(url) == "thread" or tree.css_first(_POSTS) is not None:
        return parse_thread(tree, url, tz=tz)
    return parse_listing(tree, url, tz=tz)


def _require_mybb(tree: LexborHTMLParser, url: str, what: str) -> None:
    if "/archive/index.php" in urlsplit(url).path:
        raise NotForumPage(f"a MyBB archive (lite) page carries no post ids; use the full "
                           f"version (showthread.php / forumdisplay.php): {page_title(tree)}")
    if not detect(tree, url):
        if reason := blocked_reason(tree, what):
            raise BlockedPage(reason)
        raise NotForumPage(f"not a MyBB page (no general.js, #pid_N bodies or MyBB footer): "
                           f"{page_title(tree)}")


def _error_message(tree: LexborHTMLParser) -> str | None:
    """The text of MyBB's error box (``error`` / ``error_nopermission`` templates), if any."""
    for node in tree.css(_ERROR_BOX):
        text = " ".join(html_text(node.html).split())
        if text.lower().startswith(_NOT_FOUND + _NO_PERMISSION):
            return text[:300]
    return None


def _wall(tree: LexborHTMLParser, what: str, where: str) -> ParseError:
    """The error for a page without the ``what`` its kind should have."""
    message = _error_message(tree)
    if message is not None:
        if message.lower().startswith(_NOT_FOUND):
            return GonePage(f"not found: {message}")
        if tree.css_first("form[action*='member.php'] input[name='password']") is not None:
            return BlockedPage(f"login wall: no permission as a guest: {message}")
        return BlockedPage(f"no permission: {message}")
    if reason := blocked_reason(tree, what, login=False):
        return BlockedPage(reason)
    return ParseError(f"no {what} found on a MyBB {where} (looked for {_what_markup(what)}): "
                      f"{page_title(tree)}")


def _require_footer(tree: LexborHTMLParser, what: str) -> None:
    """Refuse a page cut short: every MyBB page ends with its footer (``#footer`` in 1.8
    themes, ``#copyright`` in 1.6 ones); without it the page may lack some of its ``what``."""
    if tree.css_first("#footer, #copyright") is None:
        raise ParseError(f"truncated MyBB page: no footer (#footer, #copyright) after the "
                         f"{what}: {page_title(tree)}")


def _what_markup(what: str) -> str:
    if what == "posts":
        return "div.post#post_N, table#post_N with div.post_body#pid_N"
    return "span#tid_N thread rows and forumdisplay links"


# --- page-level facts ----------------------------------------------------------------------------


@dataclass
class _Page:
    tree: LexborHTMLParser
    url: str
    tz: str | None
    urls: Urls = field(init=False)
    clock: Clock = field(init=False)

    def __post_init__(self) -> None:
        self.urls = Urls(self.url)
        self.clock = Clock(tz=self.tz, order=DATE_ORDER)

    def absolute(self, href: str | None) -> str | None:
        return self.urls.absolute(href)

    def settle(self, raws: list[str]) -> None:
        """Day or month first, from the dates shown."""
        self.clock.order = infer_order(raws) or DATE_ORDER

    @cached_property
    def now(self) -> datetime | None:
        """The footer's "Current time: <date>" (``#current_time`` in 1.8, text of
        ``#copyright`` in 1.6), read once a relative date needs it, in the settled order."""
        node = self.tree.css_first("#current_time") or self.tree.css_first("#copyright")
        _, found, shown = clean_text(node.text() if node else "").partition("Current time:")
        return parse_local(shown, order=self.clock.order) if found else None

    def local(self, raw: str | None) -> datetime | None:
        """A shown date as naive local time; "Today"/"Yesterday" against the current time."""
        if not raw:
            return None
        low = raw.lower()
        if low.startswith(("today", "yesterday")) and self.now is not None:
            day = self.now - timedelta(days=1 if low.startswith("yesterday") else 0)
            raw = day.strftime("%Y-%m-%d") + raw.split(",", 1)[-1] if "," in raw else raw
        return self.clock.parse(raw)


def _date_text(node: LexborNode) -> str | None:
    """The date a ``span.post_date`` / ``span.lastpost`` shows: its leading text, with the
    exact date MyBB keeps in the ``title`` of a relative date; the edit note and what follows a
    line break or a link are left out."""
    pieces: list[str] = []
    child = node.child
    while child is not None:
        if child.tag == "-text":
            pieces.append(child.text_content or "")
        elif child.tag == "span" and (title := clean_text(child.attrs.get("title"))):
            if re.search(r"\d:\d", title):  # "N hours ago": the title holds date and time
                return title
            pieces.append(title)  # "Today": the title holds the date, the time follows
        elif child.tag in ("br", "a") or "post_edit" in (child.attrs.get("class") or ""):
            break
        elif child.tag == "span":
            pieces.append(child.text())
        child = child.next
    text = clean_text("".join(pieces)).strip(" ,")
    return text or None


def _exact_text(node: LexborNode) -> str:
    """A node's text with each relative date ("25 minutes ago", "Today") replaced by the exact
    date its ``title`` holds."""
    text = clean_text(node.text())
    for span in node.css("span[title]"):
        title = clean_text(span.attrs.get("title"))
        if title:
            text = text.replace(clean_text(span.text()), title, 1)
    return text


def _breadcrumbs(page: _Page) -> list[Crumb]:
    tree = page.tree
    nav = tree.css_first("div.navigation") or tree.css_first("#navigation") or tree.css_first(
        "div.breadcrumb")
    if nav is None:
        return []
    popup = nav.css_first("#breadcrumb_multipage_popup")
    hidden = {link.mem_id for link in popup.css("a")} if popup is not None else set()
    crumbs: list[Crumb] = []
    for node in nav.css("a[href], span.active"):
        if node.mem_id in hidden:  # the parent forum's pager, hidden in the breadcrumb
            continue
        title = clean_text(node.text())
        if title:
            href = node.attrs.get("href") if node.tag == "a" else None
            crumbs.append(Crumb(title=title, url=page.absolute(href)))
    return crumbs


def _forum_board(crumbs: list[Crumb]) -> Board | None:
    """The forum a page belongs to: the last breadcrumb that links a forum."""
    for crumb in reversed(crumbs):
        if crumb.url and url_kind(crumb.url) == "board":
            url = listing_page_url(clean_url(crumb.url), 1)
            return Board(external_id=_forum_id(url), title=crumb.title, url=url)
    return None


def _forum_id(url: str) -> str:
    """``fid`` of a forum URL; the ``Forum-Slug`` itself for Google SEO URLs."""
    parts = urlsplit(url)
    fid = dict(parse_qsl(parts.query)).get("fid")
    if fid:
        return fid
    m = _SEO_FORUM.search(parts.path)
    return m.group(1) if m else parts.path.rsplit("/", 1)[-1]


def _page_number(url: str) -> int | None:
    parts = urlsplit(url)
    page = dict(parse_qsl(parts.query)).get("page")
    if page and page.isdigit():
        return int(page)
    m = _SEO_THREAD.search(parts.path) or _SEO_FORUM.search(parts.path)
    return int(m.group(2)) if m and m.group(2) else None


def _pager(page: _Page) -> PageInfo:
    """From the page's own pager (never the forum pager of the breadcrumb popup)."""
    info = PageInfo(number=_page_number(page.url) or 1)
    pager = next((p for p in page.tree.css("div.pagination")
                  if p.attrs.get("id") != "breadcrumb_multipage_popup"
                  and "pagination_breadcrumb" not in (p.attrs.get("class") or "")), None)
    if pager is None:
        info.count = 1 if info.number == 1 else None
        return info
    numbers: list[int] = []
    for node in pager.css("span.pages, span.pagination_current, a[href]"):
        classes = node.attrs.get("class") or ""
        text = clean_text(node.text())
        if "pages" in classes.split() and (m := _PAGES.search(text)):
            numbers.append(int(m.group(1)))
        elif "pagination_current" in classes and text.isdigit():
            info.number = int(text)
            numbers.append(info.number)
        elif "pagination_next" in classes:
            info.next_url = page.absolute(node.attrs.get("href"))
        elif "pagination_previous" in classes:
            info.prev_url = page.absolute(node.attrs.get("href"))
        elif text.isdigit():
            numbers.append(int(text))
    info.count = max(numbers) if numbers else (info.number if info.next_url is None else None)
    return info


# --- thread pages --------------------------------------------------------------------------------


def _posts(tree: LexborHTMLParser) -> list[tuple[str, LexborNode, list[LexborNode]]]:
    """(pid, element, parts) of every post in page order, each pid once: one query for the
    post roots and their parts together, each part going to the root before it (a part after
    the last post's end is dropped)."""
    found: list[tuple[str, LexborNode, list[LexborNode]]] = []
    seen: set[str] = set()
    parts: list[LexborNode] | None = None
    nodes = tree.css(_POSTS_AND_PARTS[0])
    if not any((n.id or "").startswith("post_") for n in nodes):
        nodes = tree.css(_POSTS_AND_PARTS[1])
    for node in nodes:
        ident = node.id
        if ident and ident.startswith("post_") and (m := _POST_ROOT_ID.fullmatch(ident)):
            parts = None
            if m.group(1) not in seen:
                seen.add(m.group(1))
                parts = []
                found.append((m.group(1), node, parts))
        elif parts is not None:
            parts.append(node)
    if found:
        last = found[-1]
        last[2][:] = [n for n in last[2] if within(n, last[1])]
    return found


@dataclass
class _Draft:
    post: Post
    posted_raw: str | None = None
    edited_raw: str | None = None


def parse_thread(tree: LexborHTMLParser, url: str, *, tz: str | None = None) -> ThreadPage:
    """One thread page: posts, thread, breadcrumbs, pager."""
    _require_mybb(tree, url, "posts")
    roots = _posts(tree)
    if not roots:
        raise _wall(tree, "posts", "thread page")
    _require_footer(tree, "posts")
    page = _Page(tree, url, tz)
    drafts = [_read_post(pid, parts, page) for pid, _, parts in roots]
    page.settle([d.posted_raw for d in drafts if d.posted_raw])
    for draft in drafts:
        draft.post.posted_at = page.clock.iso(page.local(draft.posted_raw))
        draft.post.edited_at = page.clock.iso(page.local(draft.edited_raw))
    if not any(d.post.body_html for d in drafts):
        raise ParseError(f"posts without bodies (no div.post_body#pid_N) on a MyBB thread page: "
                         f"{page_title(tree)}")
    tid = _thread_number(page, drafts)
    crumbs = _breadcrumbs(page)
    info = _pager(page)
    thread_url = _thread_url(url, tid)
    active = crumbs[-1].title if crumbs and crumbs[-1].url is None else None
    thread = Thread(
        external_id=tid,
        title=active or _thead_title(tree) or page_title(tree),
        url=thread_url,
        board=_forum_board(crumbs),
        breadcrumbs=crumbs,
    )
    used = any(d.posted_raw or d.edited_raw for d in drafts)
    return ThreadPage(
        platform=NAME,
        url=url,
        thread=thread,
        canonical_url=thread_page_url(thread_url, info.number),
        page=info,
        posts=[d.post for d in drafts],
        warnings=page.clock.finish(used),
    )


_TID = re.compile(r"(?:newreply|printthread|sendthread)\.php\?tid=(\d+)")


def _thread_number(page: _Page, drafts: list[_Draft]) -> str:
    """The numeric ``tid``: from the URL, else the page's reply/print links or form."""
    if tid := thread_id(page.url):
        return tid
    for node in page.tree.css("a[href*='tid=']"):
        if m := _TID.search(node.attrs.get("href") or ""):
            return m.group(1)
    for draft in drafts:
        if draft.post.url and (tid := thread_id(draft.post.url)):
            return tid
    raise ParseError(f"no thread id (tid) on a MyBB thread page: {page_title(page.tree)}")


def _thread_url(url: str, tid: str) -> str:
    """Page 1 of the thread, in the URL's own style."""
    parts = urlsplit(url)
    if thread_id(url) == tid or _GOOGLE_THREAD.search(parts.path):
        return thread_page_url(url, 1)
    return urljoin(url, f"showthread.php?tid={tid}")


def _thead_title(tree: LexborHTMLParser) -> str | None:
    head = tree.css_first("td.thead > div > strong, td.thead > strong")
    return (clean_text(head.text()) or None) if head is not None else None


def _read_post(pid: str, parts: list[LexborNode], page: _Page) -> _Draft:
    post = Post(external_id=pid)
    draft = _Draft(post=post)
    body: LexborNode | None = None
    author_link: LexborNode | None = None
    name_node: LexborNode | None = None
    stats: LexborNode | None = None
    for node in parts:
        classes = (node.attrs.get("class") or "").split()
        if ("post_head" in classes or "tcat" in classes) and post.position is None:
            _position(post, node, page)
            if "tcat" in classes and draft.posted_raw is None:
                shown = first(node, ("div", "span"), "class")
                draft.posted_raw = _date_text(shown) if shown is not None else None
        elif "author_statistics" in classes and stats is None:
            stats = node
        elif "largetext" in classes and name_node is None:
            name_node = node
            author_link = first(node, ("a",), "href")
        elif "post_date" in classes and draft.posted_raw is None:
            draft.posted_raw = _date_text(node)
        elif "edited_post" in classes or (node.id or "").startswith("edited_by_"):
            m = _EDITED.search(_exact_text(node))
            draft.edited_raw = (m.group(1) if m else None) or draft.edited_raw
        elif "post_body" in classes and node.id == f"pid_{pid}":
            body = node
        elif "signature" in classes and body is not None and post.signature is None:
            post.signature = _signature(node)
    post.posted_at_raw = draft.posted_raw
    post.author = _author(name_node, author_link, stats, page)
    if body is not None:
        _fill_body(post, body)
        if post.signature is None and body.parent is not None and body.parent.tag == "td":
            post.signature = _ruled_signature(body)
    return draft


def _position(post: Post, head: LexborNode, page: _Page) -> None:
    """Position, permalink and subject from the "#N" link of the post head."""
    for link in head.traverse():
        if link.tag == "a" and (m := _POSITION.fullmatch(clean_text(link.text()))):
            post.position = int(m.group(1))
            post.url = page.absolute(link.attrs.get("href"))
            post.title = clean_text(link.attrs.get("title")) or None
            return


def _author(
    name_node: LexborNode | None, link: LexborNode | None, stats: LexborNode | None, page: _Page
) -> Author:
    """Name (link text, uncut), id (profile URL, else a ``uid=`` link of the author's
    statistics, as "User-Name" profile URLs carry none), rank."""
    shown = link if link is not None else name_node
    name = clean_text(shown.text()) if shown is not None else ""
    href = link.attrs.get("href") if link is not None else None
    m = _USER_ID.search(href or "")
    if m is None and link is not None and stats is not None:
        m = next((m for a in stats.traverse() if a.tag == "a"
                  if (m := _USER_ID.search(a.attrs.get("href") or ""))), None)
    return Author(
        name=name or None,
        external_id=m.group(1) if m else None,
        url=page.absolute(href),
        rank=_rank(name_node),
    )


def _rank(name_node: LexborNode | None) -> str | None:
    """The user title: the first line of the ``span.smalltext`` that follows the name (and its
    ``strong`` wrapper), a few siblings on at most."""
    holder = name_node.parent if name_node is not None else None
    node = holder.next if holder is not None and holder.tag == "strong" else (
        name_node.next if name_node is not None else None)
    elements = 0
    while node is not None and elements < 6:
        if node.is_element_node:
            if node.tag == "span" and "smalltext" in (node.attrs.get("class") or ""):
                return _first_line(node)
            elements += 1
        node = node.next
    return None


def _ruled_signature(body: LexborNode) -> str | None:
    """A table postbit's signature: what follows the ``<hr>`` after the body, up to the post's
    meta block."""
    node, pieces, ruled = body.next, [], False
    while node is not None and not (node.id or "").startswith("post_meta_"):
        if node.tag == "hr":
            ruled = True
        elif ruled:
            pieces.append(node.html or "")
        node = node.next
    return (html_text("".join(pieces)) or None) if ruled else None


def _first_line(node: LexborNode) -> str | None:
    """The first non-blank text of ``node`` up to a line break."""
    for child in node.traverse(include_text=True):
        if child.tag == "br" and child is not node:
            return None
        if child.tag == "-text" and (text := clean_text(child.text_content)):
            return text
    return None


def _signature(node: LexborNode) -> str | None:
    """The signature's text; themes that leave ``div.signature`` empty as a separator hold it in
    the next element."""
    text = html_text(node.inner_html)
    if not text:
        sibling = node.next
        while sibling is not None and not sibling.is_element_node:
            sibling = sibling.next
        if sibling is not None and sibling.tag == "div":
            text = html_text(sibling.inner_html)
    return text or None


_EMPTY_FLOAT = re.compile(r"^\s*<div class=\"float_right\">\s*</div>")


def _fill_body(post: Post, body: LexborNode) -> None:
    """Body HTML and text (the signature is outside ``div.post_body``), quotes with author,
    depth and quoted post."""
    html = _EMPTY_FLOAT.sub("", body.inner_html or "").strip()
    post.body_html = html
    if "<blockquote" not in html:
        post.body_text = html_text(html)
        return
    post.body_text, texts = html_text_with_quotes(html)
    for quote_node, (depth, text) in zip(body.css("blockquote"), texts, strict=False):
        post.quotes.append(_quote(quote_node, depth, text))


def _quote(node: LexborNode, depth: int, text: str) -> Quote:
    """A ``blockquote.mycode_quote``: its ``cite`` holds " (date)" in a span, "X Wrote:" and a
    link to the quoted post; an unattributed quote's ``cite`` says "Quote:"."""
    quote = Quote(depth=depth, text=text)
    cite = node.child
    while cite is not None and cite.tag == "-text":
        cite = cite.next
    if cite is None or cite.tag != "cite":
        return quote
    own, date, href = [], "", ""
    for child in cite.iter(include_text=True):
        if child.tag == "span" and not date:
            date = child.text()
        elif child.tag == "a":
            href = child.attrs.get("href") or ""
        else:
            own.append(child.text())
    shown = clean_text(date + "".join(own))
    quote.text = text.removeprefix(shown).strip() if text.startswith(shown) else text
    quote.author_name = wrote_header(clean_text("".join(own)))
    m = _PID.search(href) if href else None
    quote.post_external_id = m.group(1) if m else None
    return quote


# --- listing pages -------------------------------------------------------------------------------


def _listing_kind(tree: LexborHTMLParser, url: str) -> str:
    kind = url_kind(url)
    if kind == "board" and tree.css_first("span[id^='tid_']") is None and tree.css_first(
        "a[href*='forumdisplay.php?fid='], a[href*='forum-'], a[href*='Forum-']"
    ) is not None and tree.css_first("td.forumdisplay_regular, td.forumdisplay_sticky") is None:
        return "category"
    return kind or "community"


def _forum_kind(url: str) -> str | None:
    return "board" if url_kind(url) == "board" else None


def parse_listing(tree: LexborHTMLParser, url: str, *, tz: str | None = None) -> ListingPage:
    """The forum index, a category, or a forum's thread list (with its sub-forums)."""
    _require_mybb(tree, url, "threads")
    page = _Page(tree, url, tz)
    kind = _listing_kind(tree, url)
    rows = [_row(span, page) for span in tree.css("span[id^='tid_']")]
    rows = [r for r in rows if r[0].external_id]
    categories, forums = _forums(page, kind)
    if not rows and (not (forums or categories) or _error_message(tree)):
        raise _wall(tree, "threads", "forum page")
    _require_footer(tree, "threads")
    page.settle([raw for _, raw in rows if raw])
    for thread, raw in rows:
        thread.last_post_at = page.clock.iso(page.local(raw))
    crumbs = _breadcrumbs(page)
    own = _own_board(page, crumbs) if kind != "community" else None
    info = _pager(page)
    return ListingPage(
        platform=NAME,
        url=url,
        kind=kind,
        canonical_url=listing_page_url(own.url, info.number) if own else None,
        board=own,
        breadcrumbs=crumbs,
        page=info,
        threads=[t for t, _ in rows],
        boards=forums,
        categories=categories,
        warnings=page.clock.finish(any(raw for _, raw in rows)),
    )


def _own_board(page: _Page, crumbs: list[Crumb]) -> Board:
    url = listing_page_url(clean_url(page.url), 1)
    title = crumbs[-1].title if crumbs else page_title(page.tree)
    return Board(external_id=_forum_id(url), title=title, url=url)


def _forums(page: _Page, kind: str) -> tuple[list[Board], list[Board]]:
    """Categories (the forums named in a table head, as the index shows them) and forums:
    every forum linked anywhere on the page (forum rows, sub-forum lists, breadcrumbs), but
    not the page's own forum at another page number."""
    found = links_by_kind(page.tree, page.urls, _forum_kind, clean_url).get("board", [])
    heads = {_forum_id(page.absolute(a.attrs.get("href")) or "")
             for a in page.tree.css("td.thead a[href]")}
    categories: list[Board] = []
    boards: list[Board] = []
    seen: set[str] = set()
    own = _forum_id(page.url) if kind != "community" else None
    for url, title in found:
        fid = _forum_id(url)
        if fid in seen or fid == own or not title:
            continue
        seen.add(fid)
        node = Board(external_id=fid, title=title, url=listing_page_url(url, 1))
        (categories if fid in heads else boards).append(node)
    return categories, boards


def _row(span: LexborNode, page: _Page) -> tuple[ListingThread, str | None]:
    """One thread row (the ``tr`` around ``span#tid_T``), with its last-post date text."""
    tid = (span.attrs.get("id") or "").removeprefix("tid_")
    link = first(span, ("a",), "href")
    href = page.absolute(link.attrs.get("href")) if link is not None else None
    row = span.parent
    while row is not None and row.tag not in ("tr", "body"):
        row = row.parent
    thread = ListingThread(
        external_id=tid if tid.isdigit() else "",
        title=(clean_text(link.text()) or None) if link is not None else None,
        url=thread_page_url(clean_url(href), 1) if href else None,
    )
    raw = None
    if row is not None and row.tag == "tr":
        raw = _row_cells(row, thread, page)
    thread.last_post_at_raw = raw
    return thread, raw


_ROW_PARTS = "a[href*='whoposted'], a[href*='whoPosted'], span.lastpost, .author a[href]"


def _row_cells(row: LexborNode, thread: ListingThread, page: _Page) -> str | None:
    """Replies (the "who posted" link), views (the next cell), starter, last-post date."""
    raw = None
    for node in row.css(_ROW_PARTS):
        classes = node.attrs.get("class") or ""
        if "lastpost" in classes:
            raw = _date_text(node)
        elif "whoposted" in (node.attrs.get("href") or "").lower():
            thread.reply_count = parse_count(node.text())
            views = _next_cell(node)
            thread.views = parse_count(views.text()) if views is not None else None
        elif thread.author is None:
            href = node.attrs.get("href")
            m = _USER_ID.search(href or "")
            thread.author = Author(name=clean_text(node.text()) or None,
                                   external_id=m.group(1) if m else None,
                                   url=page.absolute(href))
    return raw


def _next_cell(node: LexborNode) -> LexborNode | None:
    """The table cell after the one holding ``node``."""
    cell = node.parent
    while cell is not None and cell.tag != "td":
        cell = cell.parent
    cell = cell.next if cell is not None else None
    while cell is not None and cell.tag != "td":
        cell = cell.next
    return cell
