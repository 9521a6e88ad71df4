"""NodeBB forums (v1 to v4; Persona, Harmony and custom themes): topics, categories and the
category index, as HTML pages and as the read API's JSON (``/api/topic/...``).

Every theme keeps NodeBB's ``component="..."`` hooks and ``data-*`` attributes: a post is
``li[component=post]`` with ``data-pid`` (its identity), ``data-index`` (0 = the opening post),
``data-username`` and ``data-timestamp`` (milliseconds since the epoch, UTC). The API serves the
same data (``posts[]`` with ``pid``, ``index``, ``timestamp``), so a post keyed by its pid is one
row whichever route read it. ``author.name`` is the username (unique); ``display_name`` the
display or full name when it differs. Pages: ``?page=N`` (20 posts or topics a page by default).
Sites may live under a path (``https://host/forum/topic/...``): URLs keep that prefix.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import escape, unescape
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.dates import parse_instant
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
from scraper.platforms.common import Urls, blocked_reason, links_by_kind, page_title

NAME = "nodebb"
POSITIONS_KEEP_GAPS = True  # post indexes: deleted posts, hidden from guests, leave gaps

_TOPIC = re.compile(r"^(.*?)/(api/)?topic/(\d+)(?:/([^/]*))?(?:/(\d+))?/?$")
_CATEGORY = re.compile(r"^(.*?)/(api/)?category/(\d+)(?:/([^/]*))?/?$")
_POST = re.compile(r"^(.*?)/(api/)?post/([^/]+)/?$")
_INDEX = re.compile(r"^(.*?)/(api/)?categories/?$")
# What only NodeBB pages carry: the page data script, the component hooks of its templates.
_MARKS = (
    'script#ajaxify-data, [component="topic"][data-tid], li[component="post"][data-pid],'
    ' li[component="category/topic"][data-tid], [component="categories/category"][data-cid],'
    ' script[src*="nodebb.min.js"]'
)
# A topic page's posts and each post's parts, in document order, in one query.
_POST_PARTS = (
    'li[component="post"][data-pid], [component="post/content"], [component="post/signature"],'
    ' [component="post/vote-count"], [component="post/parent"], [component="post/edit-indicator"],'
    ' a[data-username], meta[itemprop="dateModified"]'
)
# A category page's topic rows and each row's parts.
_ROW_PARTS = (
    'li[component="category/topic"][data-tid], [component="topic/header"] a[href],'
    ' .stats-postcount [title], .stats-votes [title], .stats-viewcount [title],'
    ' .stats .human-readable-number[title], .timeago[title]'
)
# "@name said in <a href="/post/123">Title</a>:" right before a blockquote.
_SAID_IN = re.compile(
    r'@(?:<bdi>)?([^<>@][^<>]*?)(?:</bdi>)?(?:</a>)?\s+said in\s+<a\s[^>]*?href="[^"]*?/post/'
    r'([^"/?#]+)[^>]*>(?:(?!</p>).)*?</a>\s*:?\s*</p>\s*$',
    re.S,
)
_HEADER_LINE = re.compile(r"^@?\S.* said in .+:$")
_SAID = re.compile(r"<p[^>]*>((?:(?!<p[\s>]).)*?)\s+(?:said|wrote)\s*:\s*</p>\s*$", re.S)
# Cloudflare's e-mail obfuscation: "[email protected]" with the address XOR-ed in hex.
_CF_EMAIL = re.compile(r'<(a|span)\b[^>]*?\bdata-cfemail="([0-9a-fA-F]+)"[^>]*>.*?</\1>', re.S)
_CF_HREF = re.compile(r'href="/cdn-cgi/l/email-protection#([0-9a-fA-F]+)"')
# The edit indicator's server-rendered time, en-US style: "Edited 4/17/24, 11:13 AM".
_EDITED = re.compile(
    r"Edited (\d{1,2})/(\d{1,2})/(\d{2}|\d{4}), (\d{1,2}):(\d{2})(?::(\d{2}))? ([AP])M")
_QANDA = re.compile(r'(?<![\\\w])"(isQuestion|isSolved|solvedPid)":("[^"\\]*"|\d+|true|false)')
_PLAIN_SLUG = re.compile(r"[\w.@-]+", re.A)


# --- URLs ----------------------------------------------------------------------------------------


def _path(url: str) -> str:
    return urlsplit(url).path


def url_kind(url: str) -> str | None:
    """Topics and post permalinks are threads, categories boards, the index the community."""
    path = _path(url)
    if _TOPIC.match(path) or _POST.match(path):
        return "thread"
    if _CATEGORY.match(path):
        return "board"
    if _INDEX.match(path) or path.strip("/") in ("", "api"):
        return "community"
    return None


def thread_id(url: str) -> str | None:
    m = _TOPIC.match(_path(url))
    return m.group(3) if m else None


def post_id(url: str) -> str | None:
    """The pid of ``/post/<pid>`` (a permalink that redirects into its topic)."""
    m = _POST.match(_path(url))
    return m.group(3) if m else None


def _paged(url: str, regex: re.Pattern[str], kind: str, number: int) -> str:
    parts = urlsplit(url)
    m = regex.match(parts.path)
    if m is None:
        raise ValueError(f"not a NodeBB {kind} URL: {url}")
    path = f"{m.group(1)}/{m.group(2) or ''}{kind}/{m.group(3)}"
    if m.group(4):
        path += f"/{m.group(4)}"
    query = urlencode({"page": number}) if number > 1 else ""
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def thread_page_url(thread_url: str, number: int) -> str:
    """``/topic/<tid>/<slug>`` then ``?page=N`` (a post index in the path is dropped)."""
    return _paged(thread_url, _TOPIC, "topic", number)


def listing_page_url(listing_url: str, number: int) -> str:
    return _paged(listing_url, _CATEGORY, "category", number)


def clean_url(url: str) -> str:
    """No session ids in NodeBB URLs: only ``page`` stays (and not as ``page=1``)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k == "page" and v not in ("", "1")]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query[-1:]), ""))


def api_url(url: str) -> str | None:
    """``/api`` before the route of a topic, category or the index; None for other pages."""
    parts = urlsplit(url)
    path = parts.path
    for regex in (_TOPIC, _CATEGORY, _INDEX):
        m = regex.match(path)
        if m:
            if m.group(2):
                return None
            rest = path[len(m.group(1)):]
            return urlunsplit((parts.scheme, parts.netloc, f"{m.group(1)}/api{rest}",
                               parts.query, ""))
    if path.strip("/") == "":
        return urlunsplit((parts.scheme, parts.netloc, path.rstrip("/") + "/api/categories",
                           "", ""))
    return None


def html_url(url: str) -> str | None:
    """The HTML page of an API URL (``/api/topic/...`` -> ``/topic/...``), else None."""
    parts = urlsplit(url)
    for regex in (_TOPIC, _CATEGORY, _INDEX):
        m = regex.match(parts.path)
        if m and m.group(2):
            path = m.group(1) + parts.path[len(m.group(1)) + 4:]
            return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
    return None


# --- recognising pages ---------------------------------------------------------------------------


def _body_classes(tree: LexborHTMLParser) -> str:
    body = tree.body
    return (body.attributes.get("class") or "") if body is not None else ""


def detect(tree: LexborHTMLParser, url: str) -> bool:
    """The page data script or a component hook of NodeBB's templates."""
    return tree.css_first(_MARKS) is not None


def page_kind(tree: LexborHTMLParser, url: str) -> str:
    classes = _body_classes(tree).split()
    if "template-topic" in classes:
        return "thread"
    if "template-category" in classes:
        return "board"
    if "template-categories" in classes:
        return "community"
    kind = url_kind(url)
    if kind:
        return kind
    return "thread" if tree.css_first('li[component="post"][data-pid]') is not None else "board"


def _wall(tree: LexborHTMLParser, what: str) -> ParseError:
    """What a page without ``what`` is: the login page, "403 Forbidden", "404 Not Found"."""
    classes = _body_classes(tree).split()
    title = page_title(tree)
    if {"template-login", "template-register", "page-status-401"} & set(classes) or \
            tree.css_first('[component="login"]') is not None:
        return BlockedPage(f"login wall: sign-in page instead of {what}: {title}")
    if {"template-403", "page-status-403"} & set(classes):
        return BlockedPage(f"no permission: 403 page instead of {what}: {title}")
    if {"template-404", "page-status-404"} & set(classes):
        return NotForumPage(f"not found: 404 page instead of {what}: {title}")
    if (reason := blocked_reason(tree, what)) is not None:
        return BlockedPage(reason)
    found = "a NodeBB page" if detect(tree, "") else "no NodeBB markup"
    return NotForumPage(f"no {what} on the page ({found}): {title}")


def parse_page(
    tree: LexborHTMLParser, url: str, *, tz: str | None = None
) -> ThreadPage | ListingPage:
    kind = page_kind(tree, url)
    if kind == "thread":
        return _html_thread(tree, url)
    return _html_listing(tree, url, kind)


# --- shared by both routes -----------------------------------------------------------------------


def _ms_iso(value: object) -> str | None:
    """ISO 8601 UTC (whole seconds) of a millisecond timestamp; None for 0 or nothing."""
    try:
        ms = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(ms // 1000, UTC).isoformat() if ms > 0 else None


def _instant_iso(text: str | None) -> str | None:
    when = parse_instant(text)
    return when.astimezone(UTC).replace(microsecond=0).isoformat() if when else None


def _prefix(url: str) -> str:
    """The site's root URL with its path prefix (``https://host/forum``)."""
    parts = urlsplit(url)
    path = parts.path
    for regex in (_TOPIC, _CATEGORY, _POST, _INDEX):
        if m := regex.match(path):
            path = m.group(1)
            break
    else:
        path = path.rstrip("/").removesuffix("/api")
    return f"{parts.scheme}://{parts.netloc}{path}"


def cf_decode(html: str) -> str:
    """``html`` with Cloudflare-obfuscated e-mail addresses (and ``@user@host`` mentions)
    restored: the first byte of the hex is the key the others are XOR-ed with."""
    if "data-cfemail" not in html and "email-protection#" not in html:
        return html

    def address(hexed: str) -> str | None:
        data = bytes.fromhex(hexed) if len(hexed) % 2 == 0 else b""
        return bytes(b ^ data[0] for b in data[1:]).decode("utf-8", "replace") \
            if len(data) > 1 else None

    def text(m: re.Match[str]) -> str:
        found = address(m.group(2))
        return escape(found, quote=False) if found else m.group(0)

    html = _CF_EMAIL.sub(text, html)
    return _CF_HREF.sub(lambda m: f'href="mailto:{escape(address(m.group(1)) or "")}"', html)


def _quotes(content: str, found: list[tuple[int, str]]) -> list[Quote]:
    """Each blockquote (``found``: depth and text) with the author and quoted pid of the
    "@name said in <link to /post/pid>:" paragraph right before it (or "name said:")."""
    if not found:
        return []
    starts = [m.start() for m in re.finditer(r"<blockquote[\s>]", content)]
    quotes = []
    for (depth, text), start in zip(found, starts, strict=False):
        before = content[max(0, start - 800):start]
        author = pid = None
        if m := _SAID_IN.search(before):
            author, pid = clean_text(unescape(m.group(1))), m.group(2)
        elif m := _SAID.search(before):
            author = clean_text(html_text(m.group(1))).lstrip("@") or None
        if depth < max(d for d, _ in found):  # a nested quote's header line is not the text
            text = "\n".join(line for line in text.split("\n") if not _HEADER_LINE.match(line))
        quotes.append(Quote(author_name=author, post_external_id=pid, depth=depth, text=text))
    return quotes


def _post(
    *, pid: str, index: int, urls: Urls, prefix: str, author: Author, stamp: object,
    content: str, edited: str | None, votes: int | None, to_pid: str | None,
    signature: str | None, solved_pid: str | None,
) -> Post:
    content = cf_decode(content)
    text, found = html_text_with_quotes(content)
    return Post(
        external_id=pid, position=index + 1,
        url=f"{prefix}/post/{pid if pid.isdigit() else quote(pid, safe='')}",
        author=author, posted_at=_ms_iso(stamp), posted_at_raw=str(stamp),
        edited_at=edited, body_html=content.strip(), body_text=text,
        signature=html_text(signature) or None, score=votes, is_solution=pid == solved_pid,
        reply_to=to_pid or None, quotes=_quotes(content, found),
    )


def _author(urls: Urls, prefix: str, username: str | None, uid: object, slug: str | None,
            display: str | None) -> Author:
    display = clean_text(display) or None
    return Author(
        name=username or display,
        external_id=str(uid) if uid not in (None, "", 0, "0") else None,  # 0: a guest
        url=f"{prefix}/user/{slug if _PLAIN_SLUG.fullmatch(slug) else quote(slug, safe='@.')}"
        if slug else None,
        display_name=display if display and display != username else None,
    )


def _page_info(url: str, current: int, count: int | None, make) -> PageInfo:
    return PageInfo(
        number=current, count=count,
        next_url=make(url, current + 1) if count and current < count else None,
        prev_url=make(url, current - 1) if current > 1 else None,
    )


def _query_page(url: str) -> int:
    value = dict(parse_qsl(urlsplit(url).query)).get("page", "1")
    return int(value) if value.isdigit() and int(value) > 0 else 1


# --- topic pages (HTML) --------------------------------------------------------------------------


_LANDMARKS = (
    'link[rel="canonical"], link[rel="next"], ol.breadcrumb, [itemprop="breadcrumb"],'
    ' [component="topic"][data-tid], [component="topic/title"],'
    ' [component="topic/post-count"][title], [component="pagination"], script#ajaxify-data'
)


def _landmarks(tree: LexborHTMLParser) -> dict[str, LexborNode]:
    """The page's single parts, found in one pass: the first of each kind."""
    found: dict[str, LexborNode] = {}
    for node in tree.css(_LANDMARKS):
        attrs = node.attributes
        if node.tag == "link":
            key = attrs.get("rel") or ""
        elif node.tag == "script":
            key = "data"
        else:
            key = attrs.get("component") or "breadcrumb"
        found.setdefault(key, node)
    return found


def _page_data(marks: dict[str, LexborNode]) -> dict:
    """The page's own data (``script#ajaxify-data``, the API's JSON) where the markup lacks a
    fact: the Q&A plugin's solved answer. Decoded only on the pages of Q&A topics."""
    script = marks.get("data")
    text = script.text() if script is not None else ""
    if '"isQuestion"' not in text:
        return {}
    # The topic's own fields come first, before its posts and related topics: read the three
    # there without decoding the whole document (most of it is the posts' HTML).
    head = text[:text.find('"posts":[')]
    found = dict(_QANDA.findall(head))
    if "isQuestion" in found:
        return {k: v.strip('"') for k, v in found.items()}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _html_pages(marks: dict[str, LexborNode], url: str, make) -> PageInfo:
    """The pagination block's links (there even when hidden for infinite scroll); a page
    without one (cut short) knows only its ``link[rel=next]``."""
    current = _query_page(url)
    block = marks.get("pagination")
    if block is not None:  # the active item is the page shown (a post index URL has no ?page)
        pages = [_int(a.attributes.get("data-page")) or 0 for a in block.css("a[data-page]")]
        active = block.css_first(".active a[data-page]")
        current = _int(active.attributes.get("data-page")) if active is not None else current
        return _page_info(url, current or 1, max([current or 1, *pages]), make)
    link = marks.get("next")
    next_url = Urls(url).absolute(link.attributes.get("href")) if link is not None else None
    return PageInfo(number=current, next_url=next_url,
                    prev_url=make(url, current - 1) if current > 1 else None)


def _crumbs(marks: dict[str, LexborNode], urls: Urls) -> list[Crumb]:
    crumbs: list[Crumb] = []
    trail = marks.get("breadcrumb")
    for link in trail.css("a[href]") if trail is not None else []:
        href = urls.absolute(link.attributes.get("href"))
        if href and _CATEGORY.match(_path(href)) and all(c.url != href for c in crumbs):
            crumbs.append(Crumb(title=clean_text(link.text()), url=href))
    return crumbs


def _board(crumbs: list[Crumb]) -> Board | None:
    if not crumbs:
        return None
    last = crumbs[-1]
    m = _CATEGORY.match(_path(last.url or ""))
    return Board(external_id=m.group(3) if m else None, title=last.title, url=last.url)


def _html_thread(tree: LexborHTMLParser, url: str) -> ThreadPage:
    urls, prefix = Urls(url), _prefix(url)
    marks = _landmarks(tree)
    data = _page_data(marks)
    solved_pid = str(data["solvedPid"]) if _flag(data.get("solvedPid")) else None
    posts, anchors = [], []
    current: dict[str, LexborNode] | None = None
    drafts: list[dict[str, LexborNode]] = []
    for node in tree.css(_POST_PARTS):
        if node.tag == "li":
            current = {"li": node}
            drafts.append(current)
        elif current is not None:
            name = node.attributes.get("component") or (
                "author" if node.tag == "a" else "modified")
            current.setdefault(name, node)
    for parts in drafts:
        if "deleted" in (parts["li"].attributes.get("class") or "").split():
            continue  # "This post is deleted!": its text is gone, the archived copy stays
        post, anchor = _html_post(parts, urls, prefix, solved_pid)
        posts.append(post)
        if anchor:
            anchors.append(anchor)
    if not drafts:
        raise _wall(tree, "posts")
    topic = marks.get("topic")
    tid = (topic.attributes.get("data-tid") if topic is not None else None) or thread_id(url)
    if not tid:
        raise ParseError(f"a NodeBB topic page without its topic id: {page_title(tree)}")
    title, count = marks.get("topic/title"), marks.get("topic/post-count")
    total = _int(count.attributes.get("title")) if count is not None else None
    crumbs = _crumbs(marks, urls)
    thread = Thread(
        external_id=tid, title=clean_text(title.text()) if title is not None else None,
        url=thread_page_url(url, 1) if _TOPIC.match(_path(url)) else None, board=_board(crumbs),
        breadcrumbs=crumbs,
        reply_count=total - 1 if total else None,
        solved=_flag(data.get("isSolved")) if _flag(data.get("isQuestion")) else None,
        accepted_post_ids=[solved_pid] if solved_pid else [],
    )
    return ThreadPage(
        platform=NAME, url=url, thread=thread, canonical_url=_canonical(marks, urls),
        page=_html_pages(marks, url, thread_page_url) if thread.url else PageInfo(
            number=_query_page(url)),
        posts=posts, time_anchors=anchors,
    )


def _canonical(marks: dict[str, LexborNode], urls: Urls) -> str | None:
    link = marks.get("canonical")
    return urls.absolute(link.attributes.get("href")) if link is not None else None


def _html_post(parts: dict[str, LexborNode], urls: Urls, prefix: str, solved_pid: str | None
               ) -> tuple[Post, TimeAnchor | None]:
    li = parts["li"]
    attrs = li.attributes
    link = parts.get("author")
    author = _author(
        urls, prefix, attrs.get("data-username"), attrs.get("data-uid"),
        attrs.get("data-userslug"), link.text() if link is not None else None,
    )
    edited, anchor = _edited(parts)
    content = parts.get("post/content")
    votes = parts.get("post/vote-count")
    parent = parts.get("post/parent")
    signature = parts.get("post/signature")
    post = _post(
        pid=attrs.get("data-pid") or "", index=int(attrs.get("data-index") or 0), urls=urls,
        prefix=prefix, author=author, stamp=attrs.get("data-timestamp"),
        content=content.inner_html if content is not None else "", edited=edited,
        votes=_int(votes.attributes.get("data-votes")) if votes is not None else None,
        to_pid=(parent.attributes.get("data-parent-pid") or parent.attributes.get("data-topid"))
        if parent is not None else None,
        signature=signature.inner_html if signature is not None else None,
        solved_pid=solved_pid,
    )
    return post, anchor


def _edited(parts: dict[str, LexborNode]) -> tuple[str | None, TimeAnchor | None]:
    """The edit time (``meta[itemprop=dateModified]`` of an edited post) and, when the edit
    indicator shows it as server-local text ("Edited 4/17/24, 11:13 AM"), a time anchor."""
    indicator = parts.get("post/edit-indicator")
    modified = parts.get("modified")
    if indicator is None or "hidden" in (indicator.attributes.get("class") or "").split():
        return None, None
    edited = _instant_iso(modified.attributes.get("content")) if modified is not None else None
    m = _EDITED.search(indicator.attributes.get("title") or "")
    if not (edited and m):
        return edited, None
    month, day, year, hour, minute, second, half = m.groups()
    year = int(year) + (2000 if len(year) == 2 else 0)
    hour = int(hour) % 12 + (12 if half == "P" else 0)
    try:
        shown = datetime(year, int(month), int(day), hour, int(minute), int(second or 0))
    except ValueError:
        return edited, None
    return edited, TimeAnchor(local=shown.isoformat(), instant=edited)


# --- category pages and the index (HTML) ---------------------------------------------------------


def _html_listing(tree: LexborHTMLParser, url: str, kind: str) -> ListingPage:
    urls = Urls(url)
    threads = _html_rows(tree, urls)
    own = _CATEGORY.match(_path(url))
    boards = [Board(external_id=_CATEGORY.match(_path(u)).group(3), title=t or None, url=u)
              for u, t in _category_links(tree, urls)
              if not (own and _CATEGORY.match(_path(u)).group(3) == own.group(3))]
    if not threads and not boards:
        empty = tree.css_first('[component="category"], [component="category/topic"]')
        if empty is None or kind == "community":
            raise _wall(tree, "topics" if kind == "board" else "categories")
    marks = _landmarks(tree)
    return ListingPage(
        platform=NAME, url=url, kind="board" if own else "community",
        canonical_url=_canonical(marks, urls),
        board=Board(external_id=own.group(3), title=_listing_title(tree), url=listing_page_url(
            url, 1)) if own else None,
        breadcrumbs=_crumbs(marks, urls),
        page=_html_pages(marks, url, listing_page_url) if own else PageInfo(),
        threads=threads, boards=boards if own else [],
        categories=[] if own else boards,
    )


def _category_links(tree: LexborHTMLParser, urls: Urls) -> list[tuple[str, str]]:
    """The categories a page lists: the links of its ``categories/category`` blocks (the
    index, sub-categories), else, in a theme without them, every category link of the page."""
    blocks = tree.css('[component="categories/category"]')
    if not blocks:
        return links_by_kind(tree, urls, url_kind, clean_url).get("board", [])
    found: dict[str, str] = {}
    for block in blocks:
        for link in block.css("a[href]"):
            href = urls.absolute(link.attributes.get("href"))
            if href and urls.same_site(href) and _CATEGORY.match(_path(href)):
                href = clean_url(href)
                found[href] = found.get(href) or clean_text(link.text())
    return list(found.items())


def _listing_title(tree: LexborHTMLParser) -> str | None:
    node = tree.css_first('[component="breadcrumb/current"] [itemprop="name"], h1')
    return clean_text(node.text()) if node is not None else None


def _html_rows(tree: LexborHTMLParser, urls: Urls) -> list[ListingThread]:
    rows: list[dict[str, LexborNode | list[LexborNode]]] = []
    for node in tree.css(_ROW_PARTS):
        if node.tag == "li" and node.attributes.get("component") == "category/topic":
            rows.append({"li": node, "times": []})
        elif rows:
            _row_part(rows[-1], node)
    return [row for parts in rows if (row := _html_row(parts, urls)) is not None]


def _row_part(row: dict, node: LexborNode) -> None:
    classes = (node.attributes.get("class") or "").split()
    parent_classes = ((node.parent.attributes.get("class") if node.parent else "") or "").split()
    if node.tag == "a" and "timeago" not in classes:
        row.setdefault("link", node)
    elif "timeago" in classes:
        row["times"].append(node)
    elif "stats-postcount" in parent_classes:
        row["posts"] = node
    elif "stats-votes" in parent_classes or "votes" in parent_classes:
        row.setdefault("votes", node)
    elif "stats-viewcount" in parent_classes:
        row.setdefault("views", node)
    else:  # Persona: posts, then views, in plain ".stats" columns
        row.setdefault("views" if "posts" in row else "posts", node)


def _html_row(parts: dict, urls: Urls) -> ListingThread | None:
    link = parts.get("link")
    href = urls.absolute(link.attributes.get("href")) if link is not None else None
    if not href or not _TOPIC.match(_path(href)):
        return None
    posts = parts.get("posts")
    count = parse_count(posts.attributes.get("title")) if posts is not None else None
    last = parts["times"][-1].attributes.get("title") if parts["times"] else None
    votes, views = parts.get("votes"), parts.get("views")
    return ListingThread(
        external_id=parts["li"].attributes.get("data-tid") or thread_id(href),
        title=clean_text(link.text()), url=thread_page_url(href, 1),
        reply_count=count - 1 if count else None,
        last_post_at=_instant_iso(last), last_post_at_raw=last,
        score=parse_count(votes.attributes.get("title")) if votes is not None else None,
        views=parse_count(views.attributes.get("title")) if views is not None else None,
    )


# --- the read API (JSON) -------------------------------------------------------------------------


def detect_json(data: object, url: str) -> bool:
    """A topic (``tid`` + ``posts``), a category (``cid`` + ``topics``) or the index
    (``categories`` of objects with a ``cid``)."""
    if not isinstance(data, dict):
        return False
    if isinstance(data.get("posts"), list) and "tid" in data and "mainPid" in data:
        return True
    if isinstance(data.get("topics"), list) and "cid" in data:
        return True
    cats = data.get("categories")
    return isinstance(cats, list) and all(isinstance(c, dict) and "cid" in c for c in cats[:3]) \
        and "pagination" not in data and "topics" not in data


def parse_json(data: object, url: str, *, tz: str | None = None) -> ThreadPage | ListingPage:
    if not isinstance(data, dict):
        raise NotForumPage(f"not a NodeBB API answer: a JSON {type(data).__name__}")
    if isinstance(data.get("posts"), list) and "tid" in data:
        return _json_thread(data, url)
    if isinstance(data.get("topics"), list) and "cid" in data:
        return _json_listing(data, url)
    if isinstance(data.get("categories"), list):
        return _json_index(data, url)
    if data.get("loggedIn") is False and "title" in data:
        raise BlockedPage(f"login wall: the API refuses guests this page: {data.get('title')}")
    keys = ", ".join(list(data)[:6])
    raise ParseError(f"a JSON document that is no NodeBB topic or category (keys: {keys})")


def _site_url(prefix: str, path: str) -> str:
    return f"{prefix}/{path.lstrip('/')}"


def _json_crumbs(data: dict, prefix: str) -> list[Crumb]:
    crumbs = []
    for crumb in data.get("breadcrumbs") or []:
        if isinstance(crumb, dict) and crumb.get("cid") and crumb.get("url"):
            href = crumb["url"]
            href = href if href.startswith("http") else _site_url(prefix, href)
            crumbs.append(Crumb(title=clean_text(unescape(str(crumb.get("text")))), url=href))
    return crumbs


def _as_served(content: str) -> str:
    """A post's HTML from the API serialised as Lexbor serialises the same post read from the
    page (``&#x27;`` -> ``'``...), so that both routes give one content hash."""
    if not content:
        return ""
    body = LexborHTMLParser(f"<body>{content}</body>").body
    return body.inner_html if body is not None else content


def _json_thread(data: dict, url: str) -> ThreadPage:
    prefix, urls = _prefix(url), Urls(url)
    solved_pid = str(data["solvedPid"]) if data.get("solvedPid") else None
    posts = []
    for item in data["posts"]:
        if not isinstance(item, dict) or item.get("pid") in (None, ""):
            raise ParseError("a NodeBB topic whose posts lack their pid")
        if _flag(item.get("deleted")):
            continue
        user = item.get("user") if isinstance(item.get("user"), dict) else {}
        author = _author(urls, prefix, user.get("username"), user.get("uid", item.get("uid")),
                         user.get("userslug"), user.get("displayname"))
        posts.append(_post(
            pid=str(item["pid"]), index=int(item.get("index") or 0), urls=urls, prefix=prefix,
            author=author, stamp=item.get("timestamp"),
            content=_as_served(str(item.get("content") or "")),
            edited=_ms_iso(item.get("edited")), votes=_int(item.get("votes")),
            to_pid=str(item["toPid"]) if item.get("toPid") else None,
            signature=user.get("signature") or None, solved_pid=solved_pid,
        ))
        if item.get("isAnswer") and not solved_pid:
            posts[-1].is_solution = True
    if not posts and not data["posts"]:
        raise ParseError(f"NodeBB topic {data.get('tid')} answered with no posts")
    slug = str(data.get("slug") or data["tid"])
    topic_url = _site_url(prefix, f"topic/{slug}")
    crumbs = _json_crumbs(data, prefix)
    pagination = data.get("pagination") if isinstance(data.get("pagination"), dict) else {}
    current = int(pagination.get("currentPage") or _query_page(url))
    count = int(pagination.get("pageCount") or 1)
    accepted = [solved_pid] if solved_pid else [p.external_id for p in posts if p.is_solution]
    thread = Thread(
        external_id=str(data["tid"]), title=clean_text(unescape(str(data.get("title") or ""))),
        url=topic_url, board=_board(crumbs), breadcrumbs=crumbs,
        reply_count=_int(data.get("postcount")) - 1 if _int(data.get("postcount")) else None,
        solved=_flag(data.get("isSolved")) if _flag(data.get("isQuestion")) else None,
        accepted_post_ids=accepted,
    )
    return ThreadPage(
        platform=NAME, url=url, thread=thread, canonical_url=topic_url,
        page=_page_info(topic_url, current, count, thread_page_url), posts=posts,
    )


def _flag(value: object) -> bool:
    """A NodeBB boolean field: 1/0, "1"/"0", true/false."""
    return value not in (None, 0, "0", "", False, "false")


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _json_listing(data: dict, url: str) -> ListingPage:
    prefix = _prefix(url)
    threads = []
    for topic in data["topics"]:
        if not isinstance(topic, dict) or not topic.get("tid"):
            continue
        slug = str(topic.get("slug") or topic["tid"])
        count = _int(topic.get("postcount"))
        last = topic.get("lastposttimeISO") or None
        threads.append(ListingThread(
            external_id=str(topic["tid"]), title=clean_text(unescape(str(topic.get("title")))),
            url=_site_url(prefix, f"topic/{slug}"), reply_count=count - 1 if count else None,
            last_post_at=_instant_iso(last), last_post_at_raw=last,
            score=_int(topic.get("votes")), views=_int(topic.get("viewcount")),
        ))
    pagination = data.get("pagination") if isinstance(data.get("pagination"), dict) else {}
    slug = str(data.get("slug") or data["cid"])
    own = _site_url(prefix, f"category/{slug}")
    current = int(pagination.get("currentPage") or _query_page(url))
    return ListingPage(
        platform=NAME, url=url, kind="board", canonical_url=own,
        board=Board(external_id=str(data["cid"]), title=clean_text(unescape(str(
            data.get("name") or ""))) or None, url=own),
        breadcrumbs=_json_crumbs(data, prefix),
        page=_page_info(own, current, int(pagination.get("pageCount") or 1), listing_page_url),
        threads=threads, boards=_json_children(data.get("children"), prefix),
    )


def _json_children(children: object, prefix: str) -> list[Board]:
    boards = []
    for child in children if isinstance(children, list) else []:
        if isinstance(child, dict) and child.get("cid") and not child.get("link"):
            slug = str(child.get("slug") or child["cid"])
            boards.append(Board(external_id=str(child["cid"]), url=_site_url(
                prefix, f"category/{slug}"), title=clean_text(unescape(str(child.get("name"))))))
    return boards


def _json_index(data: dict, url: str) -> ListingPage:
    prefix = _prefix(url)
    categories = []
    for cat in data["categories"]:
        categories += _json_children([cat], prefix)
        categories += _json_children(cat.get("children") if isinstance(cat, dict) else None,
                                     prefix)
    if not categories:
        raise ParseError("a NodeBB category index with no categories")
    return ListingPage(platform=NAME, url=url, kind="community",
                       canonical_url=_site_url(prefix, "categories"), categories=categories)
