"""Vanilla Forums 2.x/3.x and the Higher Logic Vanilla cloud: discussion pages, discussion lists
and category pages in the server-rendered markup, and the read API v2 where it answers guests.

Post identity is the same whichever route read it: a comment is its ``commentID`` (``Comment_<C>``
in HTML), the discussion's opening post is ``d<discussionID>`` (``Discussion_<D>``), since the
two ids are separate sequences. Positions: the opening post is 1, a comment ``n + 1`` where ``n``
is its offset in the discussion (HTML ``a.Permalink[name=Item_<n>]``, API page and index).

Times are exact instants (``time[datetime]``, UTC); a ``time``'s ``title`` is the same moment
in the site's zone, so each pair is a time anchor and sets the offset used for the edit notice
("Edited March 1, 2025 5:00PM by Linc."), which only gives local time.

API route: ``/discussion/<D>/<slug>`` reads ``/api/v2/discussions/<D>`` (the opening post,
archived as page 0), then ``/api/v2/comments?discussionID=<D>&page=N&limit=100`` (page N), and
``/discussions`` reads ``/api/v2/discussions?page=N&limit=100``. Later HTML pages of a
discussion (``/p2``...) and category pages stay HTML (the API wants a numeric category id
their URL does not carry). Page 0 keeps an API run after an HTML run from marking posts deleted:
a comment archived from HTML page N sits in API page N or an earlier one, which the chain reads
first. API bodies are serialised by Lexbor as page bodies are, so neither route sees a change
in the other's posts.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.dates import Clock, parse_instant
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
    canonical,
    links_by_kind,
    page_title,
    wrote_header,
)

NAME = "vanilla"
API_LIMIT = 100  # the largest page the API serves

_DISCUSSION = re.compile(r"^/discussion/(\d+)(?:/(?!p\d+/?$)[^/]*)?(?:/p(?P<page>\d+))?/?$")
_COMMENT = re.compile(r"^/discussion/comment/(\d+)")
_CATEGORY = re.compile(r"^/categories/([^/]+)(?:/p(?P<page>\d+))?/?$")
_DISCUSSIONS = re.compile(r"^/discussions(?:/p(?P<page>\d+))?/?$")
_API_DISCUSSION = re.compile(r"^/api/v2/discussions/(\d+)/?$")
_PROFILE = re.compile(r"^/profile/(?:(\d+)/)?([^/?#]+)")
_ITEM = re.compile(r"Item_(\d+)")
_SHOWN = re.compile(r"([A-Z][a-z]+) (\d{1,2}), (\d{4}) (\d{1,2}):(\d\d)(AM|PM)")
_MONTHS = {name: number for number, name in enumerate(
    ("January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"), 1)}
_EDITED = re.compile(r"^\s*edited\s+(.*?)(?:\s+by\s+.*)?$", re.I)
_BODY_ID = re.compile(r"^(?:vanilla|dashboard|conversations)_\w+")
_ACCEPTED = frozenset({"QnA-Item-Accepted", "ItemComment-Accepted"})
_QUESTION_OPEN = frozenset({"QnA-Question-Answered", "QnA-Question-Unanswered",
                            "QnA-Question-Rejected"})
# A page's items, and each item's parts, in one query each.
_ITEMS = ".ItemDiscussion[id^=Discussion_], .ItemComment[id^=Comment_]"
_PARTS = (
    "a.Username, time[datetime], .DateUpdated, .Message, .Column-Score, .Reactions, .Count,"
    " .ReactionCount, .ThankedBy, .Signature, .Rank, .RoleTitle, a.Permalink"
)
_ROW_PARTS = (
    ".Title a[href], a.Title[href], .CommentCount, .CountComments, .ViewCount, .CountViews,"
    " time[datetime]"
)
_NO_PERMISSION = ("permission problem", "don't have permission", "do not have permission")
_NOT_FOUND = ("not found", "page not found")


# --- URLs ----------------------------------------------------------------------------------------


def _path(url: str) -> str:
    """The route of ``url``: its path, or the ``p`` of ``index.php?p=/...`` (no friendly URLs)."""
    parts = urlsplit(url)
    if parts.path.endswith("/index.php"):
        return dict(parse_qsl(parts.query)).get("p", "/")
    return parts.path


def url_kind(url: str) -> str | None:
    """Discussions and comment permalinks are threads; a category and the discussions list are
    boards; the categories overview is a category listing; the root is the community."""
    path = _path(url)
    if _DISCUSSION.match(path) or _COMMENT.match(path) or _API_DISCUSSION.match(path):
        return "thread"
    if path.rstrip("/") == "/api/v2/comments":
        return "thread"
    if _CATEGORY.match(path) or _DISCUSSIONS.match(path) or path == "/api/v2/discussions":
        return "board"
    if path.rstrip("/") == "/categories":
        return "category"
    return "community" if path.strip("/") == "" else None


def thread_id(url: str) -> str | None:
    path = _path(url)
    if m := _DISCUSSION.match(path) or _API_DISCUSSION.match(path):
        return m.group(1)
    if path.rstrip("/") == "/api/v2/comments":
        return dict(parse_qsl(urlsplit(url).query)).get("discussionID")
    return None


def post_id(url: str) -> str | None:
    """The comment id of ``/discussion/comment/<C>`` (or a ``#Comment_<C>`` fragment)."""
    if m := _COMMENT.match(_path(url)):
        return m.group(1)
    fragment = urlsplit(url).fragment
    return fragment.removeprefix("Comment_") if fragment.startswith("Comment_") else None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _paged(url: str, pattern: re.Pattern[str], number: int) -> str:
    """``url`` without its ``/p<N>`` and fragment, then with ``/p<number>`` past page 1 (in the
    ``p`` parameter of an ``index.php?p=`` URL)."""
    parts = urlsplit(url)
    route = _path(url).rstrip("/")
    m = pattern.match(route)
    if m and m.group("page"):
        route = route[: m.start("page") - 2]
    route += f"/p{number}" if number > 1 else ""
    if parts.path.endswith("/index.php"):
        return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode({"p": route},
                                                                             safe="/"), ""))
    return urlunsplit((parts.scheme, parts.netloc, route, "", ""))


def thread_page_url(thread_url: str, number: int) -> str:
    if not _DISCUSSION.match(_path(thread_url)):
        raise ValueError(f"not a Vanilla discussion URL: {thread_url}")
    return _paged(thread_url, _DISCUSSION, number)


def listing_page_url(listing_url: str, number: int) -> str:
    path = _path(listing_url)
    if path.rstrip("/") in ("", "/categories"):
        return listing_url
    return _paged(listing_url, _CATEGORY if _CATEGORY.match(path) else _DISCUSSIONS, number)


def clean_url(url: str) -> str:
    """Vanilla puts no session in URLs: the fragment goes, and the query except on API URLs and
    ``index.php?p=`` routes; ``/p1`` is the page itself."""
    parts = urlsplit(url)
    if parts.path.startswith("/api/"):
        return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
    query = parts.query if parts.path.endswith("/index.php") else ""
    path = re.sub(r"/p1/?$", "", parts.path) or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


# --- recognising pages ---------------------------------------------------------------------------


def detect(tree: LexborHTMLParser, url: str) -> bool:
    """Vanilla's body id (``vanilla_discussion_index``, ``dashboard_entry_signin``...) or its
    ``gdn.meta`` script."""
    body = tree.body
    if body is not None and _BODY_ID.match(body.attributes.get("id") or ""):
        return True
    return tree.scripts_contain("gdn.meta")


def page_kind(tree: LexborHTMLParser, url: str) -> str:
    kind = url_kind(url)
    if kind == "thread" or tree.css_first(".MessageList .ItemDiscussion, .CommentsWrap"):
        return "thread"
    return kind or "board"


def parse_page(
    tree: LexborHTMLParser, url: str, *, tz: str | None = None
) -> ThreadPage | ListingPage:
    if page_kind(tree, url) == "thread":
        return parse_thread(tree, url, tz=tz)
    return parse_listing(tree, url, tz=tz)


def _refuse(tree: LexborHTMLParser, what: str) -> None:
    """A page without ``what``: say which wall or error page it is."""
    title = page_title(tree)
    heading = tree.css_first("#Content h1, h1")
    message = tree.css_first("#Message, .SplashInfo, .Center")
    said = " ".join(clean_text(n.text()) for n in (heading, message) if n is not None).lower()
    shown = f"{title} ({clean_text(heading.text())})" if heading is not None else title
    body_id = (tree.body.attributes.get("id") or "") if tree.body is not None else ""
    if any(word in said or word in title.lower() for word in _NO_PERMISSION):
        raise BlockedPage(f"no permission: the site refuses guests this {what}: {shown}")
    if "signin" in body_id or tree.css_first("form[action*=signin], #Form_User_SignIn"):
        raise BlockedPage(f"login wall: sign-in page instead of {what}: {shown}")
    if any(word in said or word in title.lower() for word in _NOT_FOUND):
        raise NotForumPage(f"not found: no {what} at this address: {shown}")
    if (reason := blocked_reason(tree, what)) is not None:
        raise BlockedPage(reason)
    if detect(tree, ""):
        raise ParseError(f"no {what} in Vanilla's classic markup: {title} (a newer layout draws"
                         " it in the browser; its API may serve it: --via api)")
    raise NotForumPage(f"no {what} and no Vanilla markup on the page: {title}")


# --- discussion pages ----------------------------------------------------------------------------


def parse_thread(tree: LexborHTMLParser, url: str, *, tz: str | None = None) -> ThreadPage:
    items = tree.css(_ITEMS)
    if not items:
        _refuse(tree, "discussion")
    urls = Urls(url)
    link = canonical(tree)
    thread_url = clean_url(urls.absolute(link)) if link else None
    discussion = next((i for i in items if "ItemDiscussion" in _classes(i)), None)
    tid = discussion.id.removeprefix("Discussion_") if discussion is not None else (
        thread_id(thread_url or url))
    if tid is None:
        raise ParseError(f"comments without their discussion id: {page_title(tree)}")
    thread_url = thread_url or f"{urls.origin}/discussion/{tid}"
    if _DISCUSSION.match(_path(thread_url)):
        thread_url = _paged(thread_url, _DISCUSSION, 1)
    page = _pager(tree, urls, url)
    clock = Clock(tz=tz)
    anchors: list[TimeAnchor] = []
    boxed = {n.id for n in tree.css(".AcceptedAnswers [id^=Comment_]")}
    posts: list[Post] = []
    accepted: list[str] = list(dict.fromkeys(i.removeprefix("Comment_") for i in boxed))
    seen: set[str] = set()
    edits: list[tuple[Post, str]] = []
    for item in items:
        if item.id in boxed and item.id not in seen:  # the accepted answer's copy up top
            seen.add(item.id)
            continue
        seen.add(item.id)
        is_discussion = item is discussion
        if is_discussion and page.number > 1:
            continue
        post, edited = _html_post(item, urls, thread_url, is_discussion, clock, anchors)
        if edited:
            edits.append((post, edited))
        if post.is_solution and post.external_id not in accepted:
            accepted.append(post.external_id)
        posts.append(post)
    if not posts and page.number == 1:
        raise ParseError(f"discussion {tid} shows no post: {page_title(tree)}")
    for post, edited in edits:
        post.edited_at = clock.iso(_shown_time(edited, clock))
    title = tree.css_first(".PageTitle h1, #Content h1, h1")
    title = clean_text(title.text()) if title is not None else None
    if posts and posts[0].external_id == f"d{tid}":
        posts[0].title = title
    crumbs = _crumbs(tree, urls)
    board = next((b for c in reversed(crumbs) if (b := _category(c.url, c.title))), None)
    thread = Thread(
        external_id=tid, title=title, url=thread_url, board=board, breadcrumbs=crumbs,
        reply_count=_reply_count(posts, page),
        solved=_solved(discussion, accepted),
        accepted_post_ids=accepted,
    )
    return ThreadPage(platform=NAME, url=url, thread=thread, canonical_url=thread_url, page=page,
                      posts=posts, warnings=clock.finish(bool(edits)), time_anchors=anchors)


def _category(url: str | None, title: str | None) -> Board | None:
    """The category a ``/categories/<slug>`` URL names (the slug is its id on either route)."""
    m = _CATEGORY.match(_path(url)) if url else None
    return Board(external_id=m.group(1), title=title, url=listing_page_url(url, 1)) if m else None


def _classes(node: LexborNode | None) -> list[str]:
    return (node.attributes.get("class") or "").split() if node is not None else []


def _solved(discussion: LexborNode | None, accepted: list[str]) -> bool | None:
    """Accepted answers, else the QnA state of the question (None for plain discussions)."""
    if accepted or "QnA-Question-Accepted" in _classes(discussion):
        return True
    return False if _QUESTION_OPEN.intersection(_classes(discussion)) else None


def _reply_count(posts: list[Post], page: PageInfo) -> int | None:
    """On the last page, the last comment's offset is the number of comments."""
    if page.count is None or page.number != page.count:
        return None
    positions = [p.position for p in posts if p.position and not p.external_id.startswith("d")]
    return max(positions) - 1 if positions else (0 if page.count == 1 else None)


def _html_post(item: LexborNode, urls: Urls, thread_url: str, is_discussion: bool, clock: Clock,
               anchors: list[TimeAnchor]) -> tuple[Post, str | None]:
    """One item and the local time of its edit notice (read once the page's zone is known).
    Its parts come in document order: the header's time precedes the body, whose own times
    (quote embeds) are not the post's."""
    raw_id = item.id.split("_", 1)[1]
    post = Post(external_id=f"d{raw_id}" if is_discussion else raw_id,
                position=1 if is_discussion else None,
                url=thread_url if is_discussion else comment_url(urls.origin, raw_id),
                is_solution=not is_discussion and bool(_ACCEPTED.intersection(_classes(item))))
    edited = None
    counts: list[int] | None = None  # reaction counts, once a reactions box is seen
    in_body = False
    for node in item.css(_PARTS):
        attrs = node.attributes
        tag = node.tag
        if tag == "time":
            if post.posted_at is None and not in_body:
                _created(post, attrs, clock, anchors)
            continue
        tokens = (attrs.get("class") or "").split()
        if tag == "a":
            if "Username" in tokens and post.author.name is None:
                post.author = _author(node, attrs, urls)
            elif (m := _ITEM.fullmatch(attrs.get("name") or "")) is not None:
                post.position = int(m.group(1)) + 1
        elif "Message" in tokens:
            if not in_body:
                in_body = True
                _fill_body(post, node)
        elif "DateUpdated" in tokens:
            m = _EDITED.match(clean_text(attrs.get("title") or node.text()))
            edited = m.group(1) if m else None
        elif "Column-Score" in tokens:
            post.score = parse_count(node.text()) or 0
        elif "Reactions" in tokens or "ThankedBy" in tokens:
            counts = counts if counts is not None else []
            if "ThankedBy" in tokens:
                counts.append(parse_count(node.text()) or 0)
        elif "Count" in tokens or "ReactionCount" in tokens:
            if counts is not None:
                counts.append(parse_count(node.text()) or 0)
        elif "Signature" in tokens:
            post.signature = html_text(node.inner_html) or None
        elif "Rank" in tokens or "RoleTitle" in tokens:
            post.author.rank = clean_text(attrs.get("title") or node.text()) or None
    if post.score is None and counts is not None:
        post.score = sum(counts)
    return post, edited


def _created(post: Post, attrs: dict, clock: Clock, anchors: list[TimeAnchor]) -> None:
    post.posted_at_raw = attrs.get("datetime")
    post.posted_at = _anchor(attrs, clock, anchors)


def _anchor(attrs: dict, clock: Clock, anchors: list[TimeAnchor]) -> str | None:
    """A ``time``'s instant (ISO, UTC); its ``title`` (the same moment in the site's zone) and
    the instant make a time anchor, and the first one sets the page's offset."""
    instant = parse_instant(attrs.get("datetime"))
    if instant is None:
        return None
    utc = instant.astimezone(UTC).isoformat()
    title = attrs.get("title")
    local = _shown_time(title, clock) if title else None
    if local is not None:
        anchor = TimeAnchor(local=local.isoformat(), instant=utc)
        if not anchors or anchor != anchors[-1]:  # in page order: repeats sit side by side
            anchors.append(anchor)
        if clock.offset is None:
            clock.infer(local, instant)
    return utc


def _shown_time(text: str, clock: Clock) -> datetime | None:
    """A ``time``'s title: "March 4, 2025 7:40PM" (Vanilla's English format) read directly,
    other languages and formats by the shared date reader."""
    m = _SHOWN.fullmatch(text.strip())
    month = _MONTHS.get(m.group(1)) if m else None
    if month is None:
        return clock.parse(text)
    hour = int(m.group(4)) % 12 + (12 if m.group(6) == "PM" else 0)
    try:
        return datetime(int(m.group(3)), month, int(m.group(2)), hour, int(m.group(5)))
    except ValueError:
        return clock.parse(text)


def _author(link: LexborNode, attrs: dict, urls: Urls) -> Author:
    """``a.Username``: the unique username (as in ``/profile/<name>``); the id from
    ``data-userid`` or a ``/profile/<id>/<name>`` URL."""
    url = urls.absolute(attrs.get("href"))
    m = _PROFILE.match(urlsplit(url).path) if url else None
    user_id = attrs.get("data-userid") or (m.group(1) if m else None)
    return Author(name=clean_text(link.text()) or None, external_id=user_id, url=url)


def comment_url(origin: str, comment_id: str | int) -> str:
    """A comment's permalink, as the page links it."""
    return f"{origin}/discussion/comment/{comment_id}/#Comment_{comment_id}"


def _fill_body(post: Post, body: LexborNode) -> None:
    """Body text and quotes: Quotes-plugin and plain block quotes, and Rich quote embeds."""
    post.body_html = html = (body.inner_html or "").strip()
    if "<blockquote" not in html and "data-embedjson" not in html:
        post.body_text = html_text(html)
        return
    post.body_text, texts = html_text_with_quotes(html)
    nodes = body.css("blockquote, .js-embed[data-embedjson]")
    quotes = [node for node in nodes if node.tag == "blockquote"]
    for node, (depth, text) in zip(quotes, texts, strict=False):
        post.quotes.append(_block_quote(node, depth, text))
    for node in nodes:
        if node.tag != "blockquote" and (quote := _embed_quote(node)) is not None:
            post.quotes.append(quote)


def _block_quote(node: LexborNode, depth: int, text: str) -> Quote:
    """``blockquote.Quote.UserQuote``: ``div.QuoteAuthor`` ("<a>X</a> said:") then the text."""
    header = node.css_first(".QuoteAuthor")
    author = quoted = None
    if header is not None:
        link = header.css_first("a[href*='/profile/']")
        author = clean_text(link.text()) if link is not None else wrote_header(
            clean_text(header.text()))
        source = header.css_first("a[href*='/discussion/']")
        quoted = _record_id(source.attributes.get("href")) if source is not None else None
    author = author or node.attributes.get("rel")
    lines = text.split("\n")
    if lines and wrote_header(lines[0]) is not None:
        text = "\n".join(lines[1:]).strip()
    return Quote(author_name=author or None, post_external_id=quoted, depth=depth, text=text)


def _record_id(href: str | None) -> str | None:
    path = _path(href or "")
    if m := _COMMENT.match(path):
        return m.group(1)
    m = _DISCUSSION.match(path)
    return f"d{m.group(1)}" if m else post_id(href or "")


def _embed_quote(node: LexborNode) -> Quote | None:
    """A Rich-editor quote embed: the quoted record in ``data-embedJson``."""
    try:
        data = json.loads(node.attributes.get("data-embedjson") or "")
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("embedType") != "quote":
        return None
    record = data.get("recordID")
    kind = data.get("recordType")
    quoted = None if record is None else (f"d{record}" if kind == "discussion" else str(record))
    user = data.get("insertUser") or {}
    return Quote(author_name=user.get("name"), post_external_id=quoted, depth=1,
                 text=html_text(data.get("body") or ""))


def _crumbs(tree: LexborHTMLParser, urls: Urls) -> list[Crumb]:
    trail = tree.css_first(".Breadcrumbs")
    if trail is None:
        return []
    return [Crumb(title=clean_text(a.text()), url=urls.absolute(a.attributes.get("href")))
            for a in trail.css("a[href]")]


def _pager(tree: LexborHTMLParser, urls: Urls, url: str) -> PageInfo:
    """``div.Pager`` (``a.Pager-p`` numbers, ``.Highlight`` current, ``a.Next``/``a.Previous``);
    an empty ``PagerWrap`` or none is one page."""
    m = re.search(r"/p(\d+)/?$", _path(url))
    info = PageInfo(number=int(m.group(1)) if m else 1)
    pager = tree.css_first(".Pager")
    numbers = [info.number]
    for node in pager.css("a, span") if pager is not None else ():
        tokens = _classes(node)
        text = clean_text(node.text())
        if text.isdigit():
            numbers.append(int(text))
            if "Highlight" in tokens:
                info.number = int(text)
        href = urls.absolute(node.attributes.get("href")) if node.tag == "a" else None
        if href and ("Next" in tokens or node.attributes.get("rel") == "next"):
            info.next_url = clean_url(href)
        elif href and ("Previous" in tokens or node.attributes.get("rel") == "prev"):
            info.prev_url = clean_url(href)
    highest = max(numbers)  # unknown behind a bare "next" link ("More discussions")
    info.count = None if info.next_url and highest <= info.number else highest
    return info


# --- discussion lists and categories -------------------------------------------------------------


def parse_listing(tree: LexborHTMLParser, url: str, *, tz: str | None = None) -> ListingPage:
    urls = Urls(url)
    kind = url_kind(url) or "board"
    content = tree.css_first("#Content, .Content, main") or tree.body or tree.root
    links = links_by_kind(content, urls, url_kind, clean_url)
    own = clean_url(url)
    first = listing_page_url(own, 1)
    boards = [b for u, t in links.get("board", [])
              if u not in (own, first) and (b := _category(u, t)) is not None]
    categories = [Board(external_id="categories", title=t, url=u)
                  for u, t in links.get("category", []) if u != own]
    clock, anchors = Clock(tz=tz), []
    rows = [_row(row, urls, clock, anchors)
            for row in content.css(".ItemDiscussion[id^=Discussion_]")]
    if not rows and not boards and content.css_first(".Empty") is None:
        _refuse(tree, "discussions")
    m = _CATEGORY.match(_path(url))
    heading = tree.css_first("#Content h1, h1")
    title = clean_text(heading.text()) if heading is not None else page_title(tree)
    board = Board(external_id=m.group(1) if m else "discussions", title=title,
                  url=first) if kind == "board" else None
    return ListingPage(platform=NAME, url=url, kind=kind, canonical_url=own, board=board,
                       breadcrumbs=_crumbs(tree, urls), page=_pager(tree, urls, url),
                       threads=rows, boards=boards, categories=categories,
                       warnings=clock.finish(False), time_anchors=anchors)


def _row(row: LexborNode, urls: Urls, clock: Clock, anchors: list[TimeAnchor]) -> ListingThread:
    found = ListingThread(external_id=row.id.removeprefix("Discussion_"))
    for node in row.css(_ROW_PARTS):
        attrs = node.attributes
        tokens = (attrs.get("class") or "").split()
        if node.tag == "a" and found.url is None:
            href = urls.absolute(attrs.get("href"))
            if href and _DISCUSSION.match(_path(href)):
                found.url, found.title = thread_page_url(href, 1), clean_text(node.text())
        elif node.tag == "time":  # the last one shown: the table's "started" date comes first
            found.last_post_at = found.last_post_at_raw = _anchor(attrs, clock, anchors)
        elif "CommentCount" in tokens or "CountComments" in tokens:
            found.reply_count = _count(node)
        elif "ViewCount" in tokens or "CountViews" in tokens:
            found.views = _count(node)
    classes = _classes(row)
    if "QnA-Question-Accepted" in classes:
        found.solved = True
    elif _QUESTION_OPEN.intersection(classes):
        found.solved = False
    return found


def _count(node: LexborNode) -> int | None:
    """"12 comments", or a table cell's ``span.Number[title=12]`` ("1.2K" shown)."""
    number = node.css_first(".Number[title]")
    return parse_count(number.attributes.get("title") if number else node.text())


# --- the API v2 ----------------------------------------------------------------------------------


def api_url(url: str) -> str | None:
    """The API answer for a discussion's first page or the discussions list; None otherwise."""
    path, origin = _path(url), _origin(url)
    if m := _DISCUSSION.match(path):
        if m.group("page") not in (None, "1"):
            return None
        return f"{origin}/api/v2/discussions/{m.group(1)}?expand=insertUser,category"
    if m := _DISCUSSIONS.match(path):
        return _api_list(origin, int(m.group("page") or 1))
    return None


def _api_list(origin: str, page: int) -> str:
    return f"{origin}/api/v2/discussions?page={page}&limit={API_LIMIT}&expand=insertUser"


def _api_comments(origin: str, discussion: str, page: int) -> str:
    query = urlencode({"discussionID": discussion, "page": page, "limit": API_LIMIT,
                       "expand": "insertUser"})
    return f"{origin}/api/v2/comments?{query}"


def html_url(url: str) -> str | None:
    """The HTML page an API URL stands for: the discussion, or the discussions list."""
    path, origin = urlsplit(url).path, _origin(url)
    if not path.startswith("/api/v2/"):
        return None
    if (tid := thread_id(url)) is not None:
        return f"{origin}/discussion/{tid}"
    return f"{origin}/discussions" if path.rstrip("/") == "/api/v2/discussions" else None


def detect_json(data: object, url: str) -> bool:
    """A discussion, a page of comments or discussions (an empty page by its API URL)."""
    if isinstance(data, dict):
        return "discussionID" in data and "dateInserted" in data
    if isinstance(data, list):
        if not data:
            return urlsplit(url).path.startswith("/api/v2/")
        return all(isinstance(d, dict) and "dateInserted" in d
                   and ("commentID" in d or "discussionID" in d) for d in data)
    return False


def parse_json(data: object, url: str, *, tz: str | None = None) -> ThreadPage | ListingPage:
    path = urlsplit(url).path.rstrip("/")
    if isinstance(data, dict) and "discussionID" in data and "commentID" not in data:
        return _json_discussion(data, url)
    if isinstance(data, list) and path.endswith("/api/v2/comments"):
        return _json_comments(data, url)
    if isinstance(data, list) and path.endswith("/api/v2/discussions"):
        return _json_listing(data, url)
    raise ParseError(f"not a Vanilla API answer this archive reads: {describe_json(data)}")


def describe_json(data: object) -> str:
    if isinstance(data, dict):
        return "an object with " + ", ".join(list(data)[:6])
    return f"a {type(data).__name__}"


def _query_int(url: str, name: str, default: int) -> int:
    value = dict(parse_qsl(urlsplit(url).query)).get(name, "")
    return int(value) if value.isdigit() else default


def _json_post(item: dict, origin: str, external_id: str, url: str | None) -> Post:
    user = item.get("insertUser") or {}
    user_id = user.get("userID", item.get("insertUserID"))
    post = Post(
        external_id=external_id, url=url,
        author=Author(name=user.get("name"), url=user.get("url"),
                      external_id=None if user_id is None else str(user_id)),
        posted_at=_utc(item.get("dateInserted")), posted_at_raw=item.get("dateInserted"),
        edited_at=_utc(item.get("dateUpdated")),
        score=item.get("score") if isinstance(item.get("score"), int) else None,
    )
    # Read as a page's body is (Lexbor's serialisation): the same post from either route then
    # has the same HTML, so switching routes records no new version.
    body = LexborHTMLParser(item.get("body") or "").body
    if body is not None:
        _fill_body(post, body)
    return post


def _need(item: object, *keys: str) -> dict:
    if not isinstance(item, dict) or any(key not in item for key in keys):
        raise ParseError(f"a Vanilla API record without {', '.join(keys)}: {describe_json(item)}")
    return item


def _json_discussion(data: dict, url: str) -> ThreadPage:
    """The opening post and the thread; its comments continue at ``page.next_url``."""
    data = _need(data, "discussionID", "name", "body")
    origin, tid = _origin(url), str(data["discussionID"])
    link = data.get("url") or f"{origin}/discussion/{tid}"
    thread_url = thread_page_url(link, 1) if _DISCUSSION.match(urlsplit(link).path) else link
    post = _json_post(data, origin, f"d{tid}", thread_url)
    post.position, post.title = 1, data.get("name")
    question = (data.get("attributes") or {}).get("question") or {}
    accepted = [str(a.get("commentID") if isinstance(a, dict) else a)
                for a in question.get("acceptedAnswers") or []]
    status = question.get("status")
    category = data.get("category") or {}
    board = _category(category.get("url"), category.get("name"))
    count = data.get("countComments")
    thread = Thread(
        external_id=tid, title=data.get("name"), url=thread_url, board=board,
        reply_count=count if isinstance(count, int) else None,
        solved=True if accepted or status == "accepted" else (False if status else None),
        accepted_post_ids=accepted,
    )
    more = _api_comments(origin, tid, 1) if count != 0 else None
    return ThreadPage(platform=NAME, url=url, thread=thread, canonical_url=thread_url,
                      page=PageInfo(number=0, next_url=more), posts=[post])


def _json_comments(data: list, url: str) -> ThreadPage:
    """One page of comments: archive page N (page 0 is the opening post)."""
    origin, tid = _origin(url), thread_id(url)
    if tid is None:
        raise ParseError(f"comments answer without its discussionID in the URL: {url}")
    number = _query_int(url, "page", 1)
    limit = _query_int(url, "limit", 30)
    posts: list[Post] = []
    for index, raw in enumerate(data):
        item = _need(raw, "commentID", "dateInserted")
        post = _json_post(item, origin, str(item["commentID"]),
                          comment_url(origin, item["commentID"]))
        post.position = (number - 1) * limit + index + 2
        answer = (item.get("attributes") or {}).get("answer") or {}
        post.is_solution = answer.get("status") == "accepted"
        posts.append(post)
    more = _api_comments(origin, tid, number + 1) if len(data) >= limit else None
    thread = Thread(external_id=tid,
                    accepted_post_ids=[p.external_id for p in posts if p.is_solution])
    if thread.accepted_post_ids:
        thread.solved = True
    return ThreadPage(platform=NAME, url=url, thread=thread,
                      page=PageInfo(number=number, next_url=more), posts=posts)


def _json_listing(data: list, url: str) -> ListingPage:
    origin = _origin(url)
    number, limit = _query_int(url, "page", 1), _query_int(url, "limit", 30)
    rows = []
    for raw in data:
        item = _need(raw, "discussionID", "name")
        tid = str(item["discussionID"])
        link = item.get("url") or f"{origin}/discussion/{tid}"
        status = ((item.get("attributes") or {}).get("question") or {}).get("status")
        last = _utc(item.get("dateLastComment") or item.get("dateInserted"))
        rows.append(ListingThread(
            external_id=tid, title=item["name"], url=thread_page_url(link, 1),
            reply_count=item.get("countComments"), last_post_at=last, last_post_at_raw=last,
            views=item.get("countViews"), score=item.get("score"),
            solved=None if status is None else status == "accepted",
        ))
    more = _api_list(origin, number + 1) if len(data) >= limit else None
    return ListingPage(platform=NAME, url=url, kind="board",
                       board=Board(external_id="discussions", url=f"{origin}/discussions"),
                       page=PageInfo(number=number, next_url=more), threads=rows)


def _utc(text: str | None) -> str | None:
    """An ISO instant in UTC from ``time[datetime]`` or an API date (the same text either way,
    so listing change detection compares like with like across routes)."""
    instant = parse_instant(text)
    return instant.astimezone(UTC).isoformat() if instant is not None else None
