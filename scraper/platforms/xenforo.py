"""XenForo 1.x and 2.0-2.3: thread pages, forum lists, thread lists and their walls.

XF2 pages are ``html#XF`` (posts ``article.message--post``, times ``time.u-dt[datetime]``); XF1
pages are ``html#XenForo`` (posts ``li.message#post-N``, times ``abbr.DateTime[data-time]`` or
``span.DateTime[title]``). Each post is read with one CSS query whose matches are told apart by
class; the page with a handful more (title, breadcrumbs, pager). Pages that lost their
``data-*`` attributes fall back to ids, link texts and hrefs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from urllib.parse import urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.dates import Clock, parse_instant
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
    first,
    links_by_kind,
    page_title,
    strip_params,
    within,
    wrote_header,
)

NAME = "xenforo"

_THREAD = re.compile(r"^(.*?)/threads/((?:[^/?#]*\.)?(\d+))(?:/|$)")
_POST_IN_THREAD = re.compile(r"/threads/[^/?#]*/post-(\d+)")
_POST = re.compile(r"/posts/(\d+)(?:/|$)")
_GOTO = re.compile(r"goto/post\?(?:[^#]*&)?id=(\d+)")
_FORUM = re.compile(r"^(.*?)/forums/((?:[^/?#]*\.)?(\d+))(?:/|$)")
_CATEGORY = re.compile(r"/categories/(?:[^/?#]*\.)?(\d+)(?:/|$)")
_MEMBER = re.compile(r"/members/(?:[^/?#]*\.)?(\d+)(?:/|$)")
_PAGE = re.compile(r"/page-(\d+)/?$")
_NUMBER_SIGN = re.compile(r"#\s*(\d[\d,.]*)")
_OF = re.compile(r"(\d+)\s+(?:of|von|de|di|из)\s+(\d+)", re.I)
_OTHERS = re.compile(r"(\d[\d,.]*)\s+(?:others?|other people|more)", re.I)
_POST_ID = re.compile(r"(?:^|-)post-(\d+)$")
_THREAD_ITEM = re.compile(r"js-threadListItem-(\d+)")

# Post roots: XF2 articles, XF1 list items.
_POSTS = "article.message--post, li.message[id^='post-']"
# Every part of one post (XF2, XF1), told apart by class (first match of each kind wins).
_PARTS = {
    "article": (
        "a.username, span.username, .userTitle, time.u-dt, .message-attribution-opposite, "
        "article.message-body, aside.message-signature, .message-lastEdit, .reactionsBar, "
        "meta[itemprop=userInteractionCount]"
    ),
    "li": (
        "a.username, span.username, .userTitle, .DateTime, a.postNumber, blockquote.messageText, "
        "div.signature, .editDate, .LikeText, [id^=likes-post-]"
    ),
}
_PART_CLASSES = {
    "username": "author",
    "userTitle": "rank",
    "u-dt": "time",
    "DateTime": "time",
    "message-attribution-opposite": "position",
    "postNumber": "position",
    "message-body": "body",
    "messageText": "body",
    "message-signature": "signature",
    "signature": "signature",
    "message-lastEdit": "edit",
    "editDate": "edit",
    "reactionsBar": "likes",
    "LikeText": "likes",
}
_WALL_TEXT = (".blockMessage", ".errorOverlay .baseHtml", ".errorPanel", ".p-body-pageContent",
              "#content")
_HEAD = "base[href], link[rel=canonical], link[rel=next], link[rel=prev], meta[property='og:url']"
# The first title, breadcrumb trail and pager: each its own query, which stops at its first
# match near the top of the page (one query for all three would read the whole page).
_LANDMARKS = {
    "title": "h1.p-title-value, .titleBar h1",
    "crumbs": "ul.p-breadcrumbs, fieldset.breadcrumb, nav.pageNavWrapper[class*=crumbs], "
              "div.PageNav[class*=crumbs]",
    "pager": "nav.pageNavWrapper:not([class*=crumbs]), div.PageNav:not([class*=crumbs])",
}
_CHROME_HTML = re.compile(
    r'<div class="(?:bbCodeBlock-expandLink|quoteExpand)[^"]*">.*?</div>'
    r'|<div class="messageTextEndMarker">.*?</div>'
    r'|<a [^>]*class="AttributionLink"[^>]*>.*?</a>',
    re.S,
)
_NOT_FOUND = ("could not be found", "not found")
_NO_PERMISSION = ("do not have permission", "not have permission", "no permission")
_LOGIN = ("must be logged-in", "must be logged in", "log in or register")
_TEMPLATES = {
    "thread_view": "thread", "forum_view": "board", "forum_list": "community",
    "category_view": "category", "forum_view_type_question": "board",
}


# --- URLs ----------------------------------------------------------------------------------------


def _route(url: str) -> str:
    """The route of a URL: its path, or the ``index.php?threads/…`` query of unfriendly URLs."""
    parts = urlsplit(url)
    path = parts.path
    if parts.query and path.endswith("index.php"):
        first_param = parts.query.split("&", 1)[0]
        if "=" not in first_param:
            return path.removesuffix("index.php") + first_param
    return path


def url_kind(url: str) -> str | None:
    """"thread", "board", "category" or "community" from the URL's shape, else None."""
    route = _route(url)
    if _THREAD.search(route) or _POST.search(route) or _GOTO.search(url):
        return "thread"
    if _FORUM.search(route):
        return "board"
    if _CATEGORY.search(route):
        return "category"
    return "community" if route.rstrip("/") in ("", "/index.php") else None


def thread_id(url: str) -> str | None:
    """The thread id of ``/threads/<slug>.<id>/``; None for a post permalink."""
    m = _THREAD.search(_route(url))
    return m.group(3) if m else None


def post_id(url: str) -> str | None:
    """The post id of ``/posts/<id>/``, ``goto/post?id=<id>`` or ``/threads/…/post-<id>``."""
    route = _route(url)
    for regex, text in ((_POST, route), (_POST_IN_THREAD, route), (_GOTO, url)):
        if m := regex.search(text):
            return m.group(1)
    return None


def _paged(url: str, regex: re.Pattern[str], number: int, segment: str) -> str:
    parts = urlsplit(url)
    route = _route(url)
    m = regex.search(route)
    if m is None:
        raise ValueError(f"not a XenForo {segment} URL: {url}")
    route = f"{m.group(1)}/{segment}/{m.group(2)}/"
    route += f"page-{number}" if number > 1 else ""
    if parts.path != _route(url):  # index.php?threads/… (no friendly URLs)
        prefix = parts.path
        return urlunsplit((parts.scheme, parts.netloc, prefix, route.lstrip("/"), ""))
    return urlunsplit((parts.scheme, parts.netloc, route, "", ""))


def thread_page_url(thread_url: str, number: int) -> str:
    """``…/threads/<slug>.<id>/`` for page 1, ``…/threads/<slug>.<id>/page-<n>`` otherwise."""
    return _paged(thread_url, _THREAD, number, "threads")


def listing_page_url(listing_url: str, number: int) -> str:
    """``…/forums/<slug>.<id>/`` for page 1, ``…/forums/<slug>.<id>/page-<n>`` otherwise."""
    if _FORUM.search(_route(listing_url)) is None:
        return strip_params(listing_url)  # a forum list has one page
    return _paged(listing_url, _FORUM, number, "forums")


def clean_url(url: str) -> str:
    """XenForo keeps sessions in cookies: only session-like parameters and fragments go."""
    return strip_params(url)


# --- recognising pages ---------------------------------------------------------------------------


def detect(tree: LexborHTMLParser, url: str) -> bool:
    """``html#XF`` (XF2) or ``html#XenForo`` (XF1); else XF2's ``data-xf-init`` hooks."""
    root = tree.root
    if root is not None and root.tag == "html" and root.id in ("XF", "XenForo"):
        return True
    return tree.css_first("[data-xf-init]") is not None


def _template(tree: LexborHTMLParser) -> str:
    """The page template: ``html[data-template]`` (XF2), else the XF1 content class."""
    root = tree.root
    name = root.attrs.get("data-template") if root is not None else None
    if name:
        return name
    content = tree.css_first("div#content")
    classes = (content.attrs.get("class") or "").split() if content is not None else []
    if classes:
        return classes[0]
    for token in (root.attrs.get("class") or "").split() if root is not None else ():
        if token.startswith("template-"):
            return token.removeprefix("template-")
    return ""


def page_kind(tree: LexborHTMLParser, url: str) -> str:
    """"thread" for thread pages (a wall at a thread URL too), else the listing kind."""
    kind = url_kind(url)
    template = _TEMPLATES.get(_template(tree))
    if kind == "thread" or template == "thread" or tree.css_first(_POSTS) is not None:
        return "thread"
    return template or kind or "community"


def parse_page(
    tree: LexborHTMLParser, url: str, *, tz: str | None = None
) -> ThreadPage | ListingPage:
    """Parse a page as what ``page_kind`` says it is."""
    if not detect(tree, url):
        reason = blocked_reason(tree, "XenForo content")
        if reason:
            raise BlockedPage(reason)
        raise NotForumPage(f"not a XenForo page (no html#XF or html#XenForo): {page_title(tree)}")
    kind = page_kind(tree, url)
    page = _Page(tree, url, tz)
    if kind == "thread":
        return _thread_page(page)
    return _listing_page(page, kind)


# --- page-level facts ----------------------------------------------------------------------------


@dataclass
class _Page:
    """What every part of one page needs: URLs (against ``<base href>`` on XF1), the clock."""

    tree: LexborHTMLParser
    url: str
    tz: str | None
    urls: Urls = field(init=False)
    canonical: str | None = field(init=False)
    rel: dict[str, str] = field(init=False)  # the head's base, canonical, next and prev hrefs
    clock: Clock = field(init=False)
    anchors: list[TimeAnchor] = field(default_factory=list)
    seen: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.rel = {}
        head = self.tree.head
        for node in head.css(_HEAD) if head is not None else ():
            attrs = node.attributes
            key = "base" if node.tag == "base" else attrs.get("rel") or attrs.get("property")
            if key and attrs.get("href") or attrs.get("content"):
                self.rel.setdefault(key, attrs.get("href") or attrs.get("content") or "")
        base_url = Urls(self.url).absolute(self.rel.get("base"))
        self.urls = Urls(base_url or self.url)
        self.canonical = self.urls.absolute(self.rel.get("canonical") or self.rel.get("og:url"))
        self.clock = Clock(tz=self.tz)

    @cached_property
    def landmarks(self) -> dict[str, LexborNode]:
        """The first title, breadcrumb trail and pager of the page."""
        found = {kind: self.tree.css_first(query) for kind, query in _LANDMARKS.items()}
        return {kind: node for kind, node in found.items() if node is not None}

    def absolute(self, href: str | None) -> str | None:
        return self.urls.absolute(href)


def _wall(page: _Page, what: str) -> ParseError:
    """Why a page shows no ``what``: XenForo's own message (login, no permission, not found),
    a challenge or consent page, else what was and was not found."""
    tree = page.tree
    node = next(filter(None, map(tree.css_first, _WALL_TEXT)), None)
    message = clean_text(node.text())[:200] if node is not None else ""
    lowered = message.lower()
    template = _template(tree)
    if any(p in lowered for p in _NO_PERMISSION):
        return BlockedPage(f"no permission to view {what}: {message}")
    if any(p in lowered for p in _LOGIN) or template in ("login", "error_with_login"):
        return BlockedPage(f"login wall instead of {what}: {message or page_title(tree)}")
    if any(p in lowered for p in _NOT_FOUND):
        return GonePage(f"not found: {message}")
    if reason := blocked_reason(tree, what):
        return BlockedPage(reason)
    if template == "error" and message:
        return BlockedPage(f"error page instead of {what}: {message}")
    return ParseError(
        f"XenForo page without {what}: no {_POSTS if what == 'posts' else 'thread rows'} "
        f"found (template {template or 'unknown'!r}, {page_title(tree)!r})"
    )


def _breadcrumbs(page: _Page) -> list[Crumb]:
    """The first breadcrumb trail: XF2 ``ul.p-breadcrumbs``, XF1 ``.breadBoxTop .crumbs``."""
    trail = page.landmarks.get("crumbs")
    if trail is None:
        return []
    crumbs = []
    for link in trail.css("a[href]"):
        title = clean_text(link.text())
        if title:
            crumbs.append(Crumb(title=title, url=page.absolute(link.attrs.get("href"))))
    return crumbs


def _crumb_board(crumbs: list[Crumb]) -> Board | None:
    for crumb in reversed(crumbs):
        m = _FORUM.search(_route(crumb.url or ""))
        if m:
            return Board(external_id=m.group(3), title=crumb.title, url=crumb.url)
    return None


def _page_number(url: str | None) -> int | None:
    m = _PAGE.search(_route(url or ""))
    return int(m.group(1)) if m else None


def _pager(page: _Page) -> PageInfo:
    """Number, count, next and previous: the page's pager (XF2 ``pageNav``, XF1 ``PageNav``),
    the head's ``link[rel=next|prev]``, the URL."""
    info = PageInfo(number=_page_number(page.canonical) or _page_number(page.url) or 1)
    numbers: list[int] = []
    pager = page.landmarks.get("pager")
    if pager is not None:
        last = pager.attrs.get("data-last") or ""  # XF1
        if last.isdigit():
            numbers.append(int(last))
        for link in pager.css(".pageNav-page, .pageNavSimple-el--current, nav > a, .pageNavHeader"):
            text = clean_text(link.text())
            classes = link.attrs.get("class") or ""
            if m := _OF.search(text):
                numbers.append(int(m.group(2)))
            elif text.isdigit():
                numbers.append(int(text))
                if "current" in classes.lower():
                    info.number = int(text)
    for rel in ("next", "prev"):
        href = page.rel.get(rel)
        if href is None and pager is not None:
            link = pager.css_first(f"a.pageNav-jump--{rel}")
            href = link.attrs.get("href") if link is not None else None
        setattr(info, f"{rel}_url", page.absolute(href))
    if pager is not None and pager.tag == "div":  # XF1: "< Prev" and "Next >" are a.text
        for link in pager.css("a.text[href]"):
            href = page.absolute(link.attrs.get("href"))
            number = _page_number(href) or 1
            if number > info.number and info.next_url is None:
                info.next_url = href
            elif number < info.number and info.prev_url is None:
                info.prev_url = href
    if numbers:
        info.count = max(max(numbers), info.number)
    elif info.next_url is None:
        info.count = info.number
    return info


# --- times ---------------------------------------------------------------------------------------


@dataclass
class _When:
    """A shown time: its exact instant where the page gives one, else its shown local time."""

    raw: str | None = None
    instant: datetime | None = None
    local: datetime | None = None


def _unix(value: str | None) -> datetime | None:
    if value and value.isdigit():
        return datetime.fromtimestamp(int(value), UTC)
    return None


def _when(node: LexborNode | None, page: _Page) -> _When:
    """XF2 ``time[datetime]`` (``data-time`` is Unix time before 2.3, ``data-timestamp`` from
    2.3); XF1 ``abbr.DateTime[data-time]`` or ``span.DateTime[title]``. Anchors are recorded."""
    if node is None:
        return _When()
    attrs = node.attrs
    shown = clean_text(attrs.get("title")) or clean_text(node.text())
    instant = parse_instant((attrs.get("datetime") or "").strip())
    if instant is not None:
        local = instant.replace(tzinfo=None)
        instant = instant.astimezone(UTC)
    else:
        instant = _unix(attrs.get("data-timestamp")) or _unix(attrs.get("data-time"))
        pieces = (attrs.get("data-datestring"), attrs.get("data-timestring"))
        local = page.clock.parse(" ".join(p for p in pieces if p)) if all(pieces) else None
        if instant is None:
            local = page.clock.parse(shown)
    if instant is not None and local is not None:
        anchor = TimeAnchor(local=local.isoformat(), instant=instant.isoformat())
        if (anchor.local, anchor.instant) not in page.seen:
            page.seen.add((anchor.local, anchor.instant))
            page.anchors.append(anchor)
        if page.clock.offset is None:
            page.clock.infer(local, instant)
    raw = attrs.get("datetime") or attrs.get("data-timestamp") or attrs.get("data-time")
    return _When(raw=(raw or shown or None), instant=instant, local=local)


def _iso(when: _When, page: _Page) -> str | None:
    if when.instant is not None:
        return when.instant.isoformat()
    return page.clock.iso(when.local)


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
        raise ParseError(f"XenForo thread page without a thread id in its URL: {page.url}")
    prefix = _prefix(page.canonical or page.url) or page.urls.origin
    drafts = [_read_post(element, pid, page, prefix) for pid, element in elements]
    for draft in drafts:
        draft.post.posted_at = _iso(draft.posted, page)
        draft.post.edited_at = _iso(draft.edited, page)
    crumbs = _breadcrumbs(page)
    info = _pager(page)
    accepted = [d.post.external_id for d in drafts if d.post.is_solution]
    own = next((u for u in (page.canonical, page.url) if u and thread_id(u) == uid), None)
    thread_url = thread_page_url(own, 1) if own else f"{prefix}/threads/{uid}/"
    warnings = page.clock.finish(
        any(d.posted.instant is None and d.posted.local is not None for d in drafts)
    )
    if any(d.post.posted_at is None for d in drafts):
        warnings.append("posts without a date: " + ", ".join(
            d.post.external_id for d in drafts if d.post.posted_at is None))
    return ThreadPage(
        platform=NAME,
        url=page.url,
        thread=Thread(
            external_id=uid,
            title=_thread_title(page),
            url=thread_url,
            board=_crumb_board(crumbs),
            breadcrumbs=crumbs,
            solved=True if accepted else None,
            accepted_post_ids=accepted,
        ),
        canonical_url=page.canonical or thread_page_url(thread_url, info.number),
        page=info,
        posts=[d.post for d in drafts],
        warnings=warnings,
        time_anchors=page.anchors,
    )


def _post_elements(tree: LexborHTMLParser) -> list[tuple[str, LexborNode]]:
    """(post id, root) in page order, once per id (the solution copy of 2.2+ is not a post)."""
    found: dict[str, LexborNode] = {}
    for element in tree.css(_POSTS):
        if _is_highlight_copy(element):
            continue
        attrs = element.attributes
        m = _POST_ID.search(attrs.get("data-content") or "") or _POST_ID.search(element.id or "")
        if m and m.group(1) not in found:
            found[m.group(1)] = element
    return list(found.items())


def _is_highlight_copy(element: LexborNode) -> bool:
    """Whether a post sits in the copy of the accepted answer shown above the thread (2.2+)."""
    parent = element.parent
    for _ in range(6):
        if parent is None:
            return False
        if "solutionHighlight" in (parent.id or ""):
            return True
        parent = parent.parent
    return False


def _thread_uid(page: _Page) -> str | None:
    """``html[data-content-key=thread-T]`` (XF2), else the thread id of the canonical or URL."""
    root = page.tree.root
    key = (root.attrs.get("data-content-key") or "") if root is not None else ""
    if key.startswith("thread-") and key[7:].isdigit():
        return key[7:]
    for candidate in (page.canonical, page.url):
        if candidate and (uid := thread_id(candidate)):
            return uid
    link = page.tree.css_first("#pageDescription a[href*='threads/']")
    return thread_id(page.absolute(link.attrs.get("href")) or "") if link else None


def _prefix(url: str) -> str | None:
    """Scheme, host and the install's path prefix ("https://host/community")."""
    parts = urlsplit(url)
    route = _route(url)
    for marker in ("/threads/", "/forums/", "/posts/", "/categories/"):
        if marker in route:
            base = route.split(marker)[0]
            return f"{parts.scheme}://{parts.netloc}{base}"
    return None


def _thread_title(page: _Page) -> str | None:
    """The ``h1`` without its prefix labels ("Solved", "Question")."""
    heading = page.landmarks.get("title")
    if heading is None:
        return clean_text(page_title(page.tree).split(" | ")[0]) or None
    text = clean_text(heading.text())
    for label in heading.css(".label, .labelLink, .prefix"):
        text = text.removeprefix(clean_text(label.text())).strip()
    return text or None


def _parts(element: LexborNode) -> dict[str, LexborNode]:
    """The first node of each part of a post (times inside an edit notice are the edit's)."""
    found: dict[str, LexborNode] = {}
    for node in element.css(_PARTS.get(element.tag or "", _PARTS["article"])):
        if node.tag == "meta":
            found.setdefault("count", node)
            continue
        if (node.id or "").startswith("likes-post-"):
            found.setdefault("likes_box", node)
            continue
        for token in (node.attrs.get("class") or "").split():
            part = _PART_CLASSES.get(token)
            if part is None:
                continue
            if part == "time" and within(node, found.get("edit"), levels=4):
                break
            if part == "author" and "body" in found:
                break  # a mention inside the body
            found.setdefault(part, node)
            break
    return found


def _read_post(element: LexborNode, pid: str, page: _Page, prefix: str) -> _Draft:
    parts = _parts(element)
    post = Post(external_id=pid, url=f"{prefix}/posts/{pid}/")
    post.author = _author(element, parts, page)
    if (position := parts.get("position")) is not None:
        m = _NUMBER_SIGN.search(position.text())
        post.position = parse_count(m.group(1)) if m else None
    posted = _when(parts.get("time"), page)
    post.posted_at_raw = posted.raw
    edit = parts.get("edit")
    edited = _when(first(edit, ("time", "abbr", "span"), None) if edit else None, page)
    if edit is not None and edited.raw is None:
        edited = _When()
    if (body := parts.get("body")) is not None:
        _fill_body(post, body, parts.get("signature"))
    post.score = _score(parts)
    post.is_solution = "message--solution" in (element.attrs.get("class") or "").split()
    return _Draft(post=post, posted=posted, edited=edited)


def _author(element: LexborNode, parts: dict[str, LexborNode], page: _Page) -> Author:
    """Name (``data-author``, else the name link's whole text), member id, URL and title."""
    link = parts.get("author")
    shown = clean_text(link.text()) if link is not None else ""
    name = clean_text(element.attrs.get("data-author")) or shown
    href = link.attrs.get("href") if link is not None and link.tag == "a" else None
    url = page.absolute(href)
    m = _MEMBER.search(url or "")
    user_id = (link.attrs.get("data-user-id") if link is not None else None) or (
        m.group(1) if m else None
    )
    rank = parts.get("rank")
    return Author(
        name=name or None,
        external_id=user_id if user_id and user_id != "0" else None,
        url=url,
        rank=(clean_text(rank.text()) or None) if rank is not None else None,
    )


def _score(parts: dict[str, LexborNode]) -> int | None:
    """The reaction or like count: XF2's microdata count, else the names shown plus "and N
    others"; 0 for an empty bar; None where the page shows none."""
    if (count := parts.get("count")) is not None:
        value = count.attrs.get("content") or ""
        if value.isdigit():
            return int(value)
    bar = parts.get("likes") or parts.get("likes_box")
    if bar is None:
        return None
    names = bar.css("bdi, a.username")
    text = clean_text(bar.text())
    m = _OTHERS.search(text)
    others = (parse_count(m.group(1)) or 0) if m else 0
    if not names and text:
        shown = _OTHERS.sub("", text).replace(" and ", ",")
        return len([n for n in shown.split(",") if n.strip()]) + others if shown.strip() else None
    return len(names) + others


def _fill_body(post: Post, body: LexborNode, signature: LexborNode | None) -> None:
    """Body HTML and text without chrome and signature, the signature's text, the quotes."""
    inner = _wrapper(body) if body.tag == "article" else None
    html = (inner or body).inner_html or ""
    if "Expand" in html or "expand" in html or "EndMarker" in html or "AttributionLink" in html:
        html = _CHROME_HTML.sub("", html)
    signature_html = signature.html if signature is not None else None
    if signature_html and signature_html in html:
        html = html.replace(signature_html, "", 1)
    post.body_html = html = html.strip()
    if signature is not None:
        post.signature = html_text(signature.inner_html) or None
    if "<blockquote" not in html:
        post.body_text = html_text(html)
        return
    post.body_text, texts = html_text_with_quotes(html)
    sources = (inner or body).css("blockquote")
    for (depth, text), node in zip(texts, sources, strict=False):
        post.quotes.append(_quote(node, depth, text))


def _wrapper(body: LexborNode) -> LexborNode | None:
    """XF2's ``div.bbWrapper`` at the top of a message body (a few nodes down)."""
    for count, node in enumerate(body.traverse()):
        if node.tag == "div" and "bbWrapper" in (node.attrs.get("class") or ""):
            return node
        if count > 12:
            break
    return body.css_first("div.bbWrapper")


def _quote(node: LexborNode, depth: int, text: str) -> Quote:
    """Author and quoted post of a quote: ``data-quote``/``data-source`` (XF2) or
    ``data-author`` and the attribution link (XF1), else the "X said:" line."""
    attrs = node.attributes
    holder = node
    if "quoteContainer" in (attrs.get("class") or ""):  # XF1: div.bbCodeQuote > aside > here
        aside = node.parent
        holder = aside.parent if aside is not None and aside.parent is not None else node
    title = holder.css_first(".bbCodeBlock-title, .attribution")
    head = ""
    if title is not None:
        head = clean_text(title.text())
        for link in title.css("a.AttributionLink"):
            head = head.replace(clean_text(link.text()), "").strip()
    lines = text.split("\n")
    if lines and head and clean_text(lines[0]) == clean_text(title.text() if title else ""):
        text = "\n".join(lines[1:]).lstrip()
    name = clean_text(holder.attrs.get("data-quote") or holder.attrs.get("data-author"))
    name = name or (wrote_header(head) if head else None) or ""
    source = holder.attrs.get("data-source") or ""
    pid = source.split(":")[-1].strip() if source.startswith("post") else ""
    if not pid.isdigit() and title is not None:
        link = title.css_first("a[href]")
        m = _GOTO.search(link.attrs.get("href") or "") if link is not None else None
        pid = m.group(1) if m else ""
    return Quote(
        author_name=name or None,
        post_external_id=pid if pid.isdigit() else None,
        depth=depth,
        text=text,
    )


# --- listing pages -------------------------------------------------------------------------------

_ROWS = "div.structItem--thread, li.discussionListItem"
_ROW_PARTS = (
    ".structItem-title a[href], h3.title a[href], .structItem-cell--meta dd, .stats dd, "
    ".structItem-latestDate, .lastPost .DateTime, .lastPostInfo .DateTime, a.username"
)
_NODE_LINKS = ".node-title a[href], .nodeTitle a[href]"


def _listing_page(page: _Page, kind: str) -> ListingPage:
    tree = page.tree
    found = [row for element in tree.css(_ROWS) if (row := _row(element, page)) is not None]
    for thread, when in found:  # once every anchor of the page is known
        thread.last_post_at = _iso(when, page)
    rows = [thread for thread, _ in found]
    crumbs = _breadcrumbs(page)
    categories: list[Board] = []
    boards: list[Board] = []
    if kind == "board":
        boards = _nodes(page, tree.css(_NODE_LINKS))
    else:
        links = links_by_kind(tree, page.urls, url_kind, clean_url)
        boards = [_board(url, title) for url, title in links.get("board", []) if title]
        categories = [_board(url, title) for url, title in links.get("category", []) if title]
    if not rows and not boards and not categories and not _empty_thread_list(tree, kind):
        raise _wall(page, "threads" if kind == "board" else "forums")
    board = None
    if kind == "board":
        board = _listing_board(page, crumbs)
    return ListingPage(
        platform=NAME,
        url=page.url,
        kind=kind,
        canonical_url=page.canonical,
        board=board,
        breadcrumbs=crumbs,
        page=_pager(page),
        threads=rows,
        boards=[b for b in boards if board is None or b.external_id != board.external_id],
        categories=categories,
        warnings=page.clock.finish(any(w.instant is None and w.local for _, w in found)),
        time_anchors=page.anchors,
    )


def _empty_thread_list(tree: LexborHTMLParser, kind: str) -> bool:
    """A forum's thread list that is there but empty ("There are no threads in this forum.")."""
    lists = ".structItemContainer, ol.discussionListItems"
    return kind == "board" and tree.css_first(lists) is not None


def _board(url: str, title: str) -> Board:
    m = _FORUM.search(_route(url))
    uid = m.group(3) if m else None
    if uid is None and (m := _CATEGORY.search(_route(url))):
        uid = m.group(1)
    return Board(external_id=uid, title=title, url=url)


def _nodes(page: _Page, links: list[LexborNode]) -> list[Board]:
    found: dict[str, Board] = {}
    for link in links:
        url = page.absolute(link.attrs.get("href"))
        title = clean_text(link.text())
        if url and title and url_kind(url) == "board" and url not in found:
            found[clean_url(url)] = _board(clean_url(url), title)
    return list(found.values())


def _listing_board(page: _Page, crumbs: list[Crumb]) -> Board | None:
    for candidate in (page.canonical, page.url):
        m = _FORUM.search(_route(candidate or ""))
        if candidate and m:
            heading = page.landmarks.get("title")
            title = clean_text(heading.text()) if heading is not None else None
            return Board(external_id=m.group(3), title=title or None,
                         url=listing_page_url(candidate, 1))
    return _crumb_board(crumbs)


def _row(element: LexborNode, page: _Page) -> tuple[ListingThread, _When] | None:
    """One thread row (id, title, URL, author, replies, views) and its last post time."""
    classes = element.attrs.get("class") or ""
    m = _THREAD_ITEM.search(classes) or re.match(r"thread-(\d+)$", element.id or "")
    title_link = None
    counts: list[int | None] = []
    latest = None
    author = None
    for node in element.css(_ROW_PARTS):
        tag = node.tag
        if tag == "a" and "username" in (node.attrs.get("class") or ""):
            author = author or node
        elif tag == "a":
            href = node.attrs.get("href") or ""
            if "/threads/" in href or href.startswith("threads/"):
                title_link = node  # the last link of the title: prefix labels come first
        elif tag == "dd":
            counts.append(parse_count(node.text()))
        elif latest is None:
            latest = node
    url = page.absolute(title_link.attrs.get("href")) if title_link is not None else None
    uid = m.group(1) if m else (thread_id(url) if url else None)
    if not uid:
        return None
    when = _when(latest, page)
    name = clean_text(element.attrs.get("data-author")) or (
        clean_text(author.text()) if author is not None else "")
    author_url = page.absolute(author.attrs.get("href")) if author is not None else None
    am = _MEMBER.search(author_url or "")
    return ListingThread(
        external_id=uid,
        title=clean_text(title_link.text()) or None if title_link is not None else None,
        url=thread_page_url(url, 1) if url and thread_id(url) else url,
        reply_count=counts[0] if counts else None,
        views=counts[1] if len(counts) > 1 else None,
        last_post_at_raw=when.raw,
        author=Author(name=name, url=author_url, external_id=am.group(1) if am else None)
        if name else None,
    ), when
