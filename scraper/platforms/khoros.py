"""Khoros Community (formerly Lithium): thread pages (classic and current layouts) and listings.

A page is read with few broad CSS queries: one for the messages, one per message for all its
parts (told apart by class), a few small ones inside a message body, and a handful for the page
(canonical link, breadcrumbs, pager, page JSON). Text comes from the serialised body, not from a
walk over its nodes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from itertools import repeat
from urllib.parse import urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.dates import Clock, infer_order, parse_instant, pattern_order
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
)
from scraper.platforms.common import (
    Urls,
    blocked_reason,
    first,
    is_cut,
    links_by_kind,
    meta,
    page_title,
    stem,
    strip_params,
    wrote_header,
)

NAME = "khoros"
DATE_ORDER = "MDY"  # Khoros's default date pattern is MM-dd-yyyy

_THREAD_PATH = re.compile(r"^(.*?)/(?:td-p|m-p)/(\d+)")
_PAGE_IN_PATH = re.compile(r"/page/(\d+)")
_USER_ID = re.compile(r"/user-id/(\d+)")
_MESSAGE_UID = re.compile(r"/m-p/(\d+)")
_UID_CLASS = re.compile(r"(?:message-uid-|lia-js-data-messageUid-)(\d+)")
_PAGE_NUM_CLASS = re.compile(r"lia-js-data-pageNum-(\d+)")
_NODE_ID = re.compile(r"/(bd-p|ct-p)/([^/?#]+)")
_NUMBER = re.compile(r"\d[\d,.\u00a0\u202f]*\d|\d")
_NON_DIGITS = re.compile(r"\D")
_HTML_SPACE = re.compile(r"[ \t\n\f\r]+")
_THREAD_PAGE_NAMES = ("ForumTopicPage", "MessagePage", "QandaTopicPage", "TkbArticlePage")
_LISTING_PAGE_NAMES = {
    "ForumPage": "board", "CategoryPage": "category", "CommunityPage": "community"
}

# Message roots: classic layout, current layout; any element with a uid as the last resort.
_MESSAGES = ("div.lia-message-view", "div.lia-message-view-wrapper[data-lia-message-uid]",
             "div[data-lia-message-uid]")
# The parts of one message, found with one query per message and told apart by class token.
_PART_CLASSES = {
    "lia-user-name-link": "author",
    "lia-message-post-date": "dates",
    "lia-message-subject": "subject",
    "MessagesPositionInThread": "position",
    "MessageKudosCount": "kudos",
    "lia-message-body-content": "body",
}
_PARTS_QUERY = (
    "a.lia-user-name-link, .lia-message-post-date, div.lia-message-subject, "
    "span.MessagesPositionInThread, span.MessageKudosCount, div.lia-message-body-content"
)
# A copy of the accepted solution shown under the question is never a post: a root marked as a
# copy or inside the question's list of accepted solutions, or one that links to itself with
# "View solution in original post".
# The accepted mark counts wherever it sits on the message's own wrappers (not inside its body).
# One page query finds copy zones, "View solution" links and accepted marks together.
_ACCEPTED = ("lia-accepted-solution", "lia-panel-message-accepted-solution")
_NOT_OWN_WRAPPER = ("lia-message-body", "lia-component-accepted-solutions", "solution-copy")
_MARK_CLASSES = frozenset((
    "lia-message-view-solution-copy", "lia-message-body-solution-copy",
    "lia-component-accepted-solutions", "lia-accepted-solution",
    "lia-panel-message-accepted-solution", "lia-message-view-solution-link",
    "lia-view-solution-link", "lia-message-solution-link",
))
# Every mark class holds "solution": one substring test per element costs a third of the
# eight class selectors it stands for; the few elements it finds are told apart by class token.
_MARK_CANDIDATES = "[class*=solution i]"
_VIEW_SOLUTION = "a[href]:lexbor-contains('View solution in original post' i)"
_SOLUTION_LINKS = ("lia-message-view-solution-link", "lia-view-solution-link",
                   "lia-message-solution-link")


# --- URLs ----------------------------------------------------------------------------------------


def url_kind(url: str) -> str | None:
    """"thread", "board", "category" or "community" from the URL's shape, else None."""
    path = urlsplit(url).path
    if _THREAD_PATH.search(path):
        return "thread"
    if "/bd-p/" in path:
        return "board"
    if "/ct-p/" in path:
        return "category"
    if path.rstrip("/") in ("", "/t5"):
        return "community"
    return None


def thread_id(url: str) -> str | None:
    """The thread uid of a ``td-p/<uid>`` URL; None for a message permalink (``m-p/<uid>``),
    whose uid is the message's: its thread is known only from the page it leads to."""
    m = _THREAD_PATH.search(urlsplit(url).path)
    return m.group(2) if m and m.group(0).endswith(f"/td-p/{m.group(2)}") else None


def thread_page_url(thread_url: str, number: int) -> str:
    """``…/td-p/<uid>`` for page 1, ``…/td-p/<uid>/page/<n>`` otherwise (no query, no fragment)."""
    parts = urlsplit(thread_url)
    m = _THREAD_PATH.search(parts.path)
    if m is None:
        raise ValueError(f"not a Khoros thread URL: {thread_url}")
    path = f"{m.group(1)}/td-p/{m.group(2)}" + (f"/page/{number}" if number > 1 else "")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def post_id(url: str) -> str | None:
    """The message uid of an ``m-p/<uid>`` permalink."""
    m = _MESSAGE_UID.search(urlsplit(url).path)
    return m.group(1) if m else None


def listing_page_url(listing_url: str, number: int) -> str:
    """``…/bd-p/<id>`` for page 1, ``…/bd-p/<id>/page/<n>`` otherwise."""
    parts = urlsplit(listing_url)
    path = _PAGE_IN_PATH.sub("", parts.path).rstrip("/")
    path += f"/page/{number}" if number > 1 else ""
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def clean_url(url: str) -> str:
    """Khoros URLs carry no session ids; only tracking parameters and the fragment go."""
    return strip_params(url, ("profile.language", "nobounce", "sid"))


# --- recognising pages ---------------------------------------------------------------------------


def detect(tree: LexborHTMLParser, url: str) -> bool:
    """Khoros markers: ``lia-`` classes, the LITHIUM script object, or a /t5/ canonical URL."""
    if tree.css_first("[class^='lia-'], [class*=' lia-']") is not None:
        return True
    if tree.scripts_contain("LITHIUM."):
        return True
    canonical = tree.css_first("link[rel=canonical]")
    return canonical is not None and "/t5/" in (canonical.attributes.get("href") or "")


def page_kind(tree: LexborHTMLParser, url: str) -> str:
    """"thread" for topic pages (also a login wall at a thread URL), else the listing kind."""
    kind = url_kind(url)
    return "thread" if kind == "thread" else _kind(tree, kind, _community_json(tree))


def parse_page(
    tree: LexborHTMLParser, url: str, *, tz: str | None = None
) -> ThreadPage | ListingPage:
    """Parse a page as what ``page_kind`` says it is; the page JSON that tells a listing's kind
    is read once, not again by the listing's parse."""
    kind = url_kind(url)
    if kind == "thread":
        return parse_thread(tree, url, tz=tz)
    data = _community_json(tree)
    kind = _kind(tree, kind, data)
    if kind == "thread":
        return parse_thread(tree, url, tz=tz)
    _require_khoros(tree, url, "threads")
    return _listing_page(_Page(tree, url, tz, data), kind)


def _kind(tree: LexborHTMLParser, kind: str | None, data: dict) -> str:
    """The page kind from the page JSON's page name, the messages, the URL, the rows."""
    name = str((data.get("Page") or {}).get("name") or "")
    if name in _THREAD_PAGE_NAMES:
        return "thread"
    if name in _LISTING_PAGE_NAMES:  # the page says what it is
        return _LISTING_PAGE_NAMES[name]
    if tree.css_first(", ".join(_MESSAGES)) is not None:
        return "thread"
    if kind:
        return kind
    return "board" if tree.css_first("tr.lia-list-row") is not None else "community"


def _require_khoros(tree: LexborHTMLParser, url: str, what: str) -> None:
    """Refuse a page that is not Khoros's; a wall put in front of it is a blocked page."""
    if not detect(tree, url):
        reason = blocked_reason(tree, what)
        if reason:
            raise BlockedPage(reason)
        raise NotForumPage(f"not a Khoros page: {page_title(tree)}")


# --- page-level facts ----------------------------------------------------------------------------


def _community_json(tree: LexborHTMLParser) -> dict:
    """The inline ``LITHIUM.CommunityJsonObject`` (page name, nodes, user settings), or {}."""
    head = tree.head
    scripts = head.css("script:not([src])") if head is not None else []
    for script in scripts or tree.css("script:not([src])"):
        text = script.text()
        start = text.find("LITHIUM.CommunityJsonObject")
        if start < 0:
            continue
        try:
            value, _ = json.JSONDecoder().raw_decode(text, text.index("{", start))
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}
    return {}


@dataclass
class _Marks:
    """Solution copies and accepted marks of a thread page, by message root (``mem_id``)."""

    copies: set[int] = field(default_factory=set)  # roots that are copies of a solution
    solutions: set[int] = field(default_factory=set)  # roots with the accepted mark
    copy_parts: set[int] = field(default_factory=set)  # parts inside copies: nobody's own


@dataclass
class _Page:
    """What every part of one page needs: its URL, canonical URL, page JSON and clock."""

    tree: LexborHTMLParser
    url: str
    tz: str | None
    known_data: dict | None = field(default=None, repr=False)  # the page JSON if already read
    marks: _Marks = field(default_factory=lambda: _Marks(), repr=False)  # of a thread page
    canonical: str | None = field(init=False)
    clock: Clock = field(init=False)
    _origin: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        self._origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
        link = self.tree.css_first("link[rel=canonical]")
        self.canonical = self.absolute(link.attributes.get("href") if link is not None else None)
        self.clock = Clock(tz=self.tz)

    @cached_property
    def data(self) -> dict:
        return self.known_data if self.known_data is not None else _community_json(self.tree)

    def absolute(self, href: str | None) -> str | None:
        """``href`` made absolute against the page URL (None for none or a script link)."""
        if not href or href.startswith("javascript:"):
            return None
        if href.startswith(("https://", "http://")):
            return href
        if href.startswith("/") and not href.startswith("//") and self._origin:
            return self._origin + href
        return urljoin(self.url, href)

    def node(self, key: str) -> dict:
        value = self.data.get(key)
        return value if isinstance(value, dict) else {}

    def settle_order(self, texts: list[str]) -> None:
        """Day or month first: what the dates themselves show, else the page's date pattern,
        else Khoros's own default (``MM-dd-yyyy``)."""
        order = infer_order(texts)
        if order is None:
            settings = self.node("User").get("settings") or {}
            if isinstance(settings, dict):
                order = pattern_order(settings.get("layout.format_pattern_date"))
        self.clock.order = order or DATE_ORDER


def _breadcrumbs(page: _Page) -> list[Crumb]:
    trail = page.tree.css_first(".lia-breadcrumb")
    if trail is None:
        return []
    crumbs = []
    for item in trail.css("li.lia-breadcrumb-node"):
        title = clean_text(item.text())
        if title:
            link = first(item, ("a",), "href")
            href = link.attributes.get("href") if link is not None else None
            crumbs.append(Crumb(title=title, url=page.absolute(href)))
    return crumbs


def _node_board(page: _Page) -> Board | None:
    """The board node of the page JSON, if the page belongs to a board."""
    core = page.node("CoreNode")
    if core.get("nodeType") != "Board" or not core.get("id"):
        return None
    return Board(
        external_id=str(core["id"]),
        title=clean_text(core.get("title")) or None,
        url=page.absolute(core.get("viewHref")),
    )


def _crumb_board(crumbs: list[Crumb]) -> Board | None:
    for crumb in reversed(crumbs):
        m = _NODE_ID.search(urlsplit(crumb.url or "").path)
        if m and m.group(1) == "bd-p":
            return Board(external_id=m.group(2), title=crumb.title, url=crumb.url)
    return None


def _pager(page: _Page, number: int | None) -> PageInfo:
    """Number, count, next and previous from the page's own pager (never the topic navigator)."""
    info = PageInfo(number=number or 1)
    pager = page.tree.css_first(".lia-paging-pager")
    if pager is None:
        info.count = 1 if info.number == 1 else None
        return info
    numbers = []
    for item in pager.css(".lia-paging-full-pages li"):
        classes = item.attributes.get("class") or ""
        m = _PAGE_NUM_CLASS.search(classes)
        if m is None or "lia-paging-page-ellipsis" in classes:
            continue
        numbers.append(int(m.group(1)))
        if "lia-paging-page-active" in classes or first(item, ("a",), "href") is None:
            info.number = int(m.group(1))
    next_link = pager.css_first("a[rel=next][href]")
    prev_link = pager.css_first("a[rel=prev][href]")
    info.next_url = page.absolute(next_link.attributes.get("href")) if next_link else None
    info.prev_url = page.absolute(prev_link.attributes.get("href")) if prev_link else None
    if numbers:
        info.count = max(numbers)
    elif info.next_url is None:
        info.count = info.number  # a pager without page numbers and nothing after this page
    return info


def _page_number(url: str | None) -> int | None:
    m = _PAGE_IN_PATH.search(urlsplit(url or "").path)
    return int(m.group(1)) if m else None


# --- thread pages --------------------------------------------------------------------------------


@dataclass
class _Draft:
    """A post being built; its dates wait until the page's zone is known."""

    post: Post
    element: LexborNode
    index: int  # document order of the element read
    full: bool = False  # read with its body (a bodiless copy of the same uid loses)
    posted_raw: str | None = None
    edited_raw: str | None = None
    posted: datetime | None = None
    edited: datetime | None = None
    total: int | None = None  # M of "Message N of M"


def parse_thread(tree: LexborHTMLParser, url: str, *, tz: str | None = None) -> ThreadPage:
    """Parse one thread page (classic or current layout) into a ``ThreadPage``."""
    _require_khoros(tree, url, "posts")
    elements, marks = _message_elements(tree)
    if not elements:
        reason = blocked_reason(tree, "posts")
        raise BlockedPage(reason or f"no posts found on a thread page: {page_title(tree)}")
    page = _Page(tree, url, tz, marks=marks)
    thread_url, uid = _thread_identity(page)
    drafts = _drafts(elements, page, thread_url)
    opening = next((d for d in drafts if d.post.external_id == uid), None)
    if opening is not None:
        page.clock.infer(opening.posted, parse_instant(meta(tree, "article:published_time")))
        if opening.post.position is None:
            opening.post.position = 1
    for draft in drafts:
        draft.post.posted_at = page.clock.iso(draft.posted)
        draft.post.edited_at = page.clock.iso(draft.edited)
    posts = [d.post for d in drafts]
    accepted = [p.external_id for p in posts if p.is_solution]
    crumbs = _breadcrumbs(page)
    info = _pager(page, _page_number(page.canonical) or _page_number(url))
    thread = Thread(
        external_id=uid,
        title=_thread_title(page, opening),
        url=thread_url,
        board=_crumb_board(crumbs) or _node_board(page),
        breadcrumbs=crumbs,
        reply_count=_reply_count(page, drafts),
        solved=_solved(accepted, opening),
        accepted_post_ids=accepted,
    )
    return ThreadPage(
        platform=NAME,
        url=url,
        thread=thread,
        canonical_url=page.canonical or thread_page_url(thread_url, info.number),
        page=info,
        posts=posts,
        warnings=page.clock.finish(any(d.posted or d.edited for d in drafts)),
        time_anchors=page.clock.anchors,
    )


def _message_elements(tree: LexborHTMLParser) -> tuple[list[LexborNode], _Marks]:
    """The message roots, without the copies of the accepted solution shown under the question,
    and the page's marks. One rule on every path: a copy is a root marked as one or inside the
    question's list of accepted solutions, or one holding a "View solution in original post"
    link to itself."""
    elements: list[LexborNode] = []
    for selector in _MESSAGES:
        if elements := tree.css(selector):
            break
    roots = {e.mem_id: e for e in elements}
    nested = selector == _MESSAGES[-1]  # uid elements: a message's panel may be one too
    marks = _Marks()
    for node in _mark_nodes(tree) if elements else ():
        if node.tag == "a" or _has_class(node, _SOLUTION_LINKS):
            link = node if node.tag == "a" else first(node, ("a",), "href")
            href = link.attributes.get("href") if link is not None else None
            if target := _MESSAGE_UID.search(href or ""):
                _mark_roots(node, roots, marks.copies, target=target, nested=nested)
        elif _has_class(node, _ACCEPTED):
            _mark_roots(node, roots, marks.solutions, nested=nested)
        else:  # a copy zone: the roots in it (or itself) are copies, their parts nobody's
            marks.copies.update(e.mem_id for e in (node, *node.css(selector)) if e.mem_id in roots)
            marks.copy_parts.update(part.mem_id for part in node.css(_PARTS_QUERY))
    for copy in marks.copies:  # a copy nested in the question lends it none of its parts
        marks.copy_parts.update(part.mem_id for part in roots[copy].css(_PARTS_QUERY))
    return [e for e in elements if e.mem_id not in marks.copies], marks


def _mark_nodes(tree: LexborHTMLParser) -> list[LexborNode]:
    """The copy zones, "View solution" links and accepted marks of a page, each once."""
    found = {node.mem_id: node for node in tree.css(_VIEW_SOLUTION)}
    for node in tree.css(_MARK_CANDIDATES):
        if node.mem_id not in found and _is_mark(node):
            found[node.mem_id] = node
    return list(found.values())


def _is_mark(node: LexborNode) -> bool:
    """Whether a class selector of a mark matches ``node`` (a class token equal to a mark's, or
    equal but for case: Lexbor decides, as quirks mode compares classes without case)."""
    tokens = _HTML_SPACE.split(node.attributes.get("class") or "")
    if not _MARK_CLASSES.isdisjoint(tokens):
        return True
    for name in {token.lower() for token in tokens} & _MARK_CLASSES:
        hit = node.css_first(f".{name}")
        if hit is not None and hit.mem_id == node.mem_id:
            return True
    return False


def _mark_roots(
    node: LexborNode, roots: dict[int, LexborNode], found: set[int], *, target=None,
    nested: bool = False,
) -> None:
    """Add the innermost message root around ``node`` (with ``nested`` roots, its wrappers of
    the same uid too) to ``found``; nothing when ``node`` sits in a body or a copy before any
    root, or when a link's ``target`` uid is not the root's own (the question's link to its
    solution)."""
    uid = None
    parent: LexborNode | None = node
    while parent is not None and parent.tag != "body":
        if parent.mem_id in roots:
            own = _element_uid(parent)
            if (uid is None and target is not None and own != target.group(1)) or (
                uid is not None and own != uid
            ):
                return
            uid = own
            found.add(parent.mem_id)
            if not nested:
                return
        elif uid is None and target is None:
            classes = parent.attributes.get("class")
            if classes and any(wrapper in classes for wrapper in _NOT_OWN_WRAPPER):
                return  # a mark inside a body, a copy or the list of accepted solutions
        parent = parent.parent


def _thread_identity(page: _Page) -> tuple[str, str]:
    """The page-1 thread URL and the thread uid: canonical link, page JSON, else a ``td-p`` URL."""
    obj = page.node("Page").get("object") or {}
    view = page.absolute(obj.get("viewHref")) if isinstance(obj, dict) else None
    for candidate in (page.canonical, view, page.url):
        if candidate and (uid := thread_id(candidate)):
            return thread_page_url(candidate, 1), uid
    raise NotForumPage(f"no thread id on a Khoros thread page: {page_title(page.tree)}")


def _thread_title(page: _Page, opening: _Draft | None) -> str | None:
    """The topic subject: the opening post's, og:title, the page JSON's, the current banner."""
    if opening is not None and opening.post.title:
        return opening.post.title
    subject = meta(page.tree, "og:title")
    if not subject:
        obj = page.node("Page").get("object") or {}
        subject = obj.get("subject") if isinstance(obj, dict) else None
    if not subject:
        banner = page.tree.css_first("h1.lia-message-subject-banner-topic")
        subject = banner.text() if banner is not None else None
    return clean_text(subject) or None


def _reply_count(page: _Page, drafts: list[_Draft]) -> int | None:
    """M-1 from "Message N of M" (classic layout), else "9 REPLIES" (current layout)."""
    total = next((d.total for d in drafts if d.total), None)
    if total:
        return total - 1
    shown = page.tree.css_first(".lia-forum-topic-page-reply-count")
    return parse_count(shown.text()) if shown is not None else None


def _solved(accepted: list[str], opening: _Draft | None) -> bool | None:
    """Solved when a reply is accepted or the question says so; not solved when the question is
    on the page without the mark; unknown on later pages that do not show the question."""
    if accepted or _marked_solved(opening):
        return True
    return False if opening is not None else None


def _marked_solved(opening: _Draft | None) -> bool:
    """The question's "Solved!" mark (the question carries it on every page that shows it)."""
    return opening is not None and opening.element.css_first(
        "a.lia-message-go-to-solution, .lia-message-solved-banner, .lia-component-solution-info"
    ) is not None


def _drafts(elements: list[LexborNode], page: _Page, thread_url: str) -> list[_Draft]:
    """One draft per uid in page order; of a repeated uid the copy with a body wins."""
    found: dict[str, _Draft] = {}
    for index, element in enumerate(elements):
        uid = _element_uid(element)
        previous = found.get(uid or "")
        if not uid or (previous is not None and previous.full):
            continue  # the inner panel of a message already read, or a repeat
        draft = _read_post(element, uid, index, page, thread_url)
        if previous is None or draft.full:
            found[uid] = draft
    drafts = sorted(found.values(), key=lambda d: d.index)
    page.settle_order([d.posted_raw or "" for d in drafts])
    for draft in drafts:
        draft.posted = page.clock.parse(draft.posted_raw)
        draft.edited = page.clock.parse(draft.edited_raw)
    return drafts


def _element_uid(element: LexborNode) -> str | None:
    uid = element.attributes.get("data-lia-message-uid")
    if uid and uid.strip():
        return uid.strip()
    m = _UID_CLASS.search(element.attributes.get("class") or "")
    return m.group(1) if m else None


def _parts(element: LexborNode, skip: set[int]) -> dict[str, LexborNode]:
    """The first node of each part of one message.

    The author's link comes before the subject, dates and body; user links after them name an
    editor or whoever accepted a solution, not the author.
    """
    found: dict[str, LexborNode] = {}
    for node in element.css(_PARTS_QUERY):
        if skip and node.mem_id in skip:
            continue  # a part of a solution copy shown inside this message
        for token in (node.attributes.get("class") or "").split():
            part = _PART_CLASSES.get(token)
            if part is not None:
                if part != "author" or found.keys().isdisjoint(("dates", "subject", "body")):
                    found.setdefault(part, node)
                break
    return found


def _read_post(
    element: LexborNode, uid: str, index: int, page: _Page, thread_url: str
) -> _Draft:
    parts = _parts(element, page.marks.copy_parts)
    post = Post(external_id=uid, author=_author(element, parts, page))
    draft = _Draft(post=post, element=element, index=index)
    if (subject := parts.get("subject")) is not None:
        heading = first(subject, ("h1", "h2")) or subject
        post.title = clean_text(heading.text()) or None
    if (position := parts.get("position")) is not None:
        numbers = [int(_NON_DIGITS.sub("", n)) for n in _NUMBER.findall(position.text())]
        post.position = numbers[0] if numbers else None
        draft.total = numbers[-1] if len(numbers) > 1 else None
    post.url = _post_url(element, parts, uid, page, thread_url)
    draft.posted_raw, draft.edited_raw = _dates(element, parts.get("dates"))
    post.posted_at_raw = draft.posted_raw
    if (kudos := parts.get("kudos")) is not None:
        post.score = parse_count(kudos.attributes.get("content") or kudos.text())
    if (body := parts.get("body")) is not None:
        _fill_body(post, body)
        draft.full = True
    post.is_solution = element.mem_id in page.marks.solutions
    return draft


def _has_class(node: LexborNode, names: tuple[str, ...], *, partial: bool = False) -> bool:
    """Whether one of the node's class tokens is one of ``names`` (or contains one)."""
    for token in (node.attributes.get("class") or "").split():
        if token in names or (partial and any(name in token for name in names)):
            return True
    return False


def _author(element: LexborNode, parts: dict[str, LexborNode], page: _Page) -> Author:
    """Name (full where the link text is cut short), id, profile URL and rank."""
    link = parts.get("author")
    shown = link if link is not None else element.css_first(".UserName")
    name = clean_text(shown.text()) if shown is not None else ""
    if is_cut(name):
        name = _full_name(element, link, name)
    href = link.attributes.get("href") if link is not None else None
    m = _USER_ID.search(href or "") if href else None
    holder = shown.parent if shown is not None and shown.tag == "a" else shown
    return Author(
        name=name or None,
        external_id=m.group(1) if m else None,
        url=page.absolute(href),
        rank=_rank_text(holder) or _rank_class(holder),
    )


def _rank_text(holder: LexborNode | None) -> str | None:
    """The ``lia-message-author-rank`` block that follows the name's block, if any."""
    block = holder.parent if holder is not None else None
    sibling = block.next if block is not None else None
    for _ in range(4):  # whitespace and at most one element in between
        if sibling is None:
            return None
        if sibling.is_element_node and "lia-message-author-rank" in (
            sibling.attributes.get("class") or ""
        ):
            return clean_text(sibling.text()) or None
        sibling = sibling.next
    return None


def _full_name(element: LexborNode, link: LexborNode | None, shown: str) -> str:
    """The uncut name behind "jane_d…": the link's aria-label, else the avatar's title/alt."""
    cut = stem(shown)
    label = (link.attributes.get("aria-label") or "") if link is not None else ""
    candidates = [label.removeprefix("View Profile of ")]
    avatar = element.css_first("img.lia-user-avatar-message")
    if avatar is not None:
        candidates += [avatar.attributes.get("title") or "", avatar.attributes.get("alt") or ""]
    return next((c.strip() for c in candidates if c.strip().startswith(cut)), shown)


def _rank_class(holder: LexborNode | None) -> str | None:
    """The rank named by a ``lia-user-rank-<Name>`` class ("lia-user-rank-Super-User")."""
    for token in (holder.attributes.get("class") or "").split() if holder is not None else ():
        if token.startswith("lia-user-rank-") and token != "lia-user-rank-icon":
            return token.removeprefix("lia-user-rank-").replace("-", " ") or None
    return None


def _post_url(
    element: LexborNode, parts: dict[str, LexborNode], uid: str, page: _Page, thread_url: str
) -> str:
    """The ``m-p/<uid>#M<n>`` permalink: the page's own link, else built from the thread URL."""
    for name in ("position", "subject"):
        node = parts.get(name)
        link = first(node, ("a",), "href") if node is not None else None
        href = link.attributes.get("href") or "" if link is not None else ""
        if f"/m-p/{uid}" in href:
            return page.absolute(href) or ""
    anchor = element.css_first("a[name^=M], span[id^=M]")
    number = ((anchor.attributes.get("name") or anchor.id or "")[1:]) if anchor is not None else ""
    base = thread_url.split("/td-p/")[0]
    return f"{base}/m-p/{uid}" + (f"#M{number}" if number.isdigit() else "")


def _dates(element: LexborNode, dates: LexborNode | None) -> tuple[str | None, str | None]:
    """Posted and last-edited date texts of a message (the edited one follows the posted one)."""
    if dates is None:
        dates = element.css_first(".lia-message-posted-on")
        if dates is None:
            return None, None
    if dates.css_first(".lia-message-edited-on, .local-friendly-date") is None:
        return clean_text(dates.text()) or None, None  # "<date> <time>", nothing else
    posted: list[LexborNode] = []
    edited: list[LexborNode] = []
    pieces = posted
    for node in dates.css(".lia-message-edited-on, .local-friendly-date, .local-date, .local-time"):
        if "lia-message-edited-on" in (node.attributes.get("class") or "").split():
            pieces = edited
        else:
            pieces.append(node)
    return _date_text(posted, dates if not edited else None), _date_text(edited, None)


def _date_text(pieces: list[LexborNode], whole: LexborNode | None) -> str | None:
    """A shown date cleaned: the exact date behind a relative one, else date and time joined."""
    shown = []
    for piece in pieces:
        friendly = "local-friendly-date" in (piece.attributes.get("class") or "")
        if friendly and (title := clean_text(piece.attributes.get("title"))):
            return title
        shown.append(clean_text(piece.text()))
    if not shown and whole is not None:
        shown.append(clean_text(whole.text()))
    return " ".join(s for s in shown if s) or None


def _fill_body(post: Post, body: LexborNode) -> None:
    """Body HTML and text without signature and chrome, the signature text, the quotes."""
    cut = (body.parent or body).css("div.UserSignature")  # in the body or next to it
    html = body.inner_html or ""
    for node in cut:
        html = html.replace(node.html or "", "", 1)
    post.signature = (html_text(cut[0].inner_html) or None) if cut else None
    fill_body(post, html)


def fill_body(post: Post, html: str) -> None:
    """Body HTML (as Lexbor serialises it), text and quotes of a message, from a thread page's
    body or from the Community API's ``body`` field."""
    post.body_html = html = _without_trailing_empty_divs(html)
    if "<blockquote" not in html:
        post.body_text = html_text(html)
        return
    post.body_text, texts = html_text_with_quotes(html)
    start = 0
    for depth, text in texts:
        start = html.find("<blockquote", start) + 1
        head, _, rest = text.partition("\n")
        author = wrote_header(head)
        quote = Quote(depth=depth, text=text)
        if author is not None:
            quote.author_name = author
            quote.post_external_id = _quoted_post(html, start)
            quote.text = rest.lstrip()
        post.quotes.append(quote)


def _quoted_post(html: str, start: int) -> str | None:
    """The uid of an ``m-p/<uid>`` link in the header ("X wrote:" up to its ``<br>`` or the end
    of its block) of the quote starting at ``start``."""
    ends = [i for i in (html.find("<br", start), html.find("</div>", start)) if i >= 0]
    m = _MESSAGE_UID.search(html, start, min(ends, default=min(len(html), start + 500)))
    return m.group(1) if m else None


def _without_trailing_empty_divs(html: str) -> str:
    """The body HTML trimmed, without the empty ``<div>`` placeholders some skins end it with."""
    html = html.strip()
    while html.endswith("</div>"):
        begin = html.rfind("<div>")
        if begin < 0 or html[begin + 5 : -6].strip():
            break
        html = html[:begin].rstrip()
    return html


# --- listing pages -------------------------------------------------------------------------------

_ROWS = "table.lia-list-wide tr.lia-list-row"
_COLUMNS = {
    "threadSubjectColumn": "subject",
    "repliesCountColumn": "replies",
    "messageAuthorColumn": "author",
    "kudosCountColumn": "kudos",
    "viewsCountColumn": "views",
    "latestPostDateColumn": "latest",
    "messageStatusIconColumn": "status",
}
_LINK_MARKS = ("/ct-p/", "/bd-p/", "/td-p/", "/m-p/")
_LEADING_MARKS = re.compile(r"^[\s\-–—•·»>]+")
_NODE_LIST_LINKS = ".lia-node-list a.lia-node-title, .lia-node-list .lia-node-title a"


def parse_listing(tree: LexborHTMLParser, url: str, *, tz: str | None = None) -> ListingPage:
    """Parse a board page (threads, pager) or a category/community page (sub-nodes)."""
    _require_khoros(tree, url, "threads")
    page = _Page(tree, url, tz)
    return _listing_page(page, _kind(tree, url_kind(url), page.data))


def _listing_page(page: _Page, kind: str) -> ListingPage:
    """The listing of a Khoros page of a known kind."""
    tree, url = page.tree, page.url
    if kind == "thread":
        raise NotForumPage(f"a thread page, not a listing: {page_title(tree)}")
    rows = [row for row in map(_listing_row, tree.css(_ROWS), repeat(page)) if row[0].external_id]
    if kind == "board" and not rows and (reason := blocked_reason(tree, "threads")):
        raise BlockedPage(reason)
    page.settle_order([raw for _, raw in rows if raw])
    for thread, raw in rows:
        thread.last_post_at = page.clock.iso(page.clock.parse(raw))
    crumbs = _breadcrumbs(page)
    categories, boards, linked = _sub_nodes(page) if kind != "board" else ([], [], [])
    if kind != "board" and not (categories or boards or linked):
        raise ParseError(_nothing_found(page, kind))
    return ListingPage(
        platform=NAME,
        url=url,
        kind=kind,
        canonical_url=page.canonical,
        board=_listing_board(page, crumbs) if kind == "board" else None,
        breadcrumbs=crumbs,
        page=_pager(page, _page_number(page.canonical) or _page_number(url)),
        threads=[thread for thread, _ in rows] + linked,
        boards=boards,
        categories=categories,
        warnings=page.clock.finish(any(raw for _, raw in rows)),
    )


def _nothing_found(page: _Page, kind: str) -> str:
    """Why a community or category page gives nothing to crawl, with what it holds."""
    urls = Urls(page.url)
    links = [urls.absolute(a.attributes.get("href")) for a in page.tree.css("a[href]")]
    same = [u for u in links if u and urls.same_site(u)]
    return (
        f"nothing to crawl on the {kind} page {page.url} ({page_title(page.tree)}): no category"
        f" (/ct-p/), board (/bd-p/) or thread link among its {len(links)} links"
        f" ({len(same)} to this site)"
    )


def _listing_board(page: _Page, crumbs: list[Crumb]) -> Board | None:
    """The board a board page lists: the page JSON's board node, else its URL and last crumb."""
    if (board := _node_board(page)) is not None:
        return board
    for candidate in (page.canonical, page.url):
        m = _NODE_ID.search(urlsplit(candidate or "").path)
        if candidate and m and m.group(1) == "bd-p":
            board_url = candidate.split("/bd-p/")[0] + f"/bd-p/{m.group(2)}"
            return Board(
                external_id=m.group(2), title=crumbs[-1].title if crumbs else None, url=board_url
            )
    return None


def _listing_row(row: LexborNode, page: _Page) -> tuple[ListingThread, str | None]:
    """One thread row of a board table, with its last-post date text still to be resolved."""
    cells: dict[str, LexborNode] = {}
    for cell in row.iter():
        for token in (cell.attributes.get("class") or "").split():
            if token in _COLUMNS:
                cells[_COLUMNS[token]] = cell
                break
    subject = cells.get("subject")
    link = subject.css_first("a.page-link, .message-subject a") if subject is not None else None
    href = page.absolute(link.attributes.get("href")) if link is not None else None
    m = _UID_CLASS.search(row.attributes.get("class") or "")
    raw = _last_post_date(cells.get("latest"))
    uid = thread_id(href) if href else None
    thread = ListingThread(
        external_id=m.group(1) if m else (uid or ""),
        title=(clean_text(link.text()) or None) if link is not None else None,
        url=thread_page_url(href, 1) if href and uid else href,
        reply_count=_cell_count(cells.get("replies")),
        last_post_at_raw=raw,
        author=_listing_author(cells.get("author"), page),
        score=_cell_count(cells.get("kudos")),
        views=_cell_count(cells.get("views")),
        solved=True if _row_solved(row, cells.get("status")) else None,
    )
    return thread, raw


def _last_post_date(cell: LexborNode | None) -> str | None:
    date = cell.css_first(".DateTime") if cell is not None else None
    if date is None:
        return None
    return _date_text(date.css(".local-friendly-date, .local-date, .local-time"), date)


def _cell_count(cell: LexborNode | None) -> int | None:
    return parse_count(cell.text()) if cell is not None else None


def _listing_author(cell: LexborNode | None, page: _Page) -> Author | None:
    if cell is None:
        return None
    link = cell.css_first("a.lia-user-name-link")
    shown = link if link is not None else cell.css_first(".UserName, .lia-user-name")
    name = clean_text(shown.text()) if shown is not None else ""
    if not name:
        return None
    href = link.attributes.get("href") if link is not None else None
    m = _USER_ID.search(href or "")
    icon = cell.css_first("img.lia-user-rank-icon")
    rank = clean_text(icon.attributes.get("title")) if icon is not None else ""
    holder = shown.parent if shown is not None and shown.tag == "a" else shown
    return Author(
        name=name,
        external_id=m.group(1) if m else None,
        url=page.absolute(href),
        rank=rank or _rank_class(holder),
    )


def _row_solved(row: LexborNode, status: LexborNode | None) -> bool:
    if "lia-list-row-thread-solved" in (row.attributes.get("class") or ""):
        return True
    icon = first(status, ("img",)) if status is not None else None
    return icon is not None and "solved" in (icon.attributes.get("class") or "")


def _sub_nodes(page: _Page) -> tuple[list[Board], list[Board], list[ListingThread]]:
    """Categories, boards and threads a community or category page links to, wherever the links
    sit (node lists, tiles, custom components, menus): the node list's first, in its order and
    with its titles, then every other same-site ``/ct-p/``, ``/bd-p/`` and thread link."""
    nodes: dict[tuple[str, str], Board] = {}
    for link in page.tree.css(_NODE_LIST_LINKS):
        _add_node(nodes, page.absolute(link.attributes.get("href")), clean_text(link.text()))
    found = links_by_kind(page.tree, Urls(page.url), _link_kind, _clean_link)
    for url, title in [*found.get("category", ()), *found.get("board", ())]:
        _add_node(nodes, url, _LEADING_MARKS.sub("", title))
    own = {page.url, page.canonical}
    categories = [b for (kind, _), b in nodes.items() if kind == "ct-p" and b.url not in own]
    boards = [b for (kind, _), b in nodes.items() if kind == "bd-p" and b.url not in own]
    threads = [
        ListingThread(external_id=thread_id(url) or "", title=title or None, url=url)
        for url, title in found.get("thread", ())
    ]
    return categories, boards, threads


def _add_node(nodes: dict[tuple[str, str], Board], url: str | None, title: str) -> None:
    m = _NODE_ID.search(urlsplit(url or "").path)
    if m is not None and title and (m.group(1), m.group(2)) not in nodes:
        nodes[m.group(1), m.group(2)] = Board(external_id=m.group(2), title=title, url=url)


def _link_kind(url: str) -> str | None:
    if not any(mark in url for mark in _LINK_MARKS):
        return None  # most links of a page: cheaper than parsing the URL
    kind = url_kind(url)
    return kind if kind in ("category", "board", "thread") else None


def _clean_link(url: str) -> str:
    """A thread link as its page-1 URL; a message permalink or node link without noise."""
    if "?" in url or "#" in url:
        url = clean_url(url)
    return thread_page_url(url, 1) if "/td-p/" in url and thread_id(url) else url
