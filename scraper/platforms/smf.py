"""Simple Machines Forum 1.1, 2.0 (Curve and core themes) and 2.1: topic pages and listings.

A topic page is read with one broad CSS query whose matches come in document order: message
markers (``a[name=msgM]``, ``a#msgM``, ``div#msgM``) and ids (``subject_M``, ``msg_M``,
``modified_M``) say which message the parts that follow belong to, whatever the layout (tables
in 1.1, ``div.post_wrapper`` in 2.0, ``div.windowbg#msgM`` in 2.1). A message counts only when
the page gives it a ``subject_M`` or ``msg_M`` id and a body (custom themes repeat templated
blocks with a placeholder id and no subject id). Dates are text only: the board's zone is never
printed, so times stay naive unless a zone is configured.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.dates import Clock, parse_local
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
    Urls,
    blocked_reason,
    canonical,
    first,
    links_by_kind,
    page_title,
    within,
)

NAME = "smf"
PER_PAGE = 15  # SMF's default messages a topic page (defaultMaxMessages)

# "topic=12.30", "topic=12.msg45", "topic,12.30.html", "board=4.0", "board,4.20.html".
_TOPIC = re.compile(r"(?:[?;&]|/)topic[=,](\d+)(?:\.(msg\d+|new|from\d+|\d+))?")
_BOARD = re.compile(r"(?:[?;&]|/)board[=,](\d+)(?:\.(\d+))?")
_MSG = re.compile(r"msg(\d+)")
_SHORT_MSG = re.compile(r"[?;&]msg=(\d+)")
_USER = re.compile(r"[?;&]u[=,](\d+)")
_MARKER = re.compile(r"^(?:msg_?|subject_|modified_)(\d+)$")
_NUMBER_SIGN = re.compile(r"#\s*(\d+)")
_BRACKETED = re.compile(r"\[(\d+)\]")
_SESSION = re.compile(r"(?i)(?:^|[;&?])PHPSESSID=[^;&#/]*")
_TODAY = re.compile(r"^\s*(today|yesterday)\b\s*(?:at|,)?\s*(.*)$", re.I)
_QUOTE_DATE_WORDS = ("on", "am", "le", "el", "il", "op", "em", "от", "dnia")
_QUOTE_AUTHOR = re.compile(
    rf"^(.+?)(?:\s+(?:{'|'.join(_QUOTE_DATE_WORDS)})\s+(?=\S*.*\d).*)?$", re.I | re.S
)

# Month names of the language packs met most often after English (Russian, by stem).
_MONTH_STEMS = {"январ": "Jan", "феврал": "Feb", "март": "Mar", "апрел": "Apr", "мая": "May",
                "май": "May", "июн": "Jun", "июл": "Jul", "август": "Aug", "сентябр": "Sep",
                "октябр": "Oct", "ноябр": "Nov", "декабр": "Dec"}
_LOCAL_MONTH = re.compile(rf"(?i)\b(?:{'|'.join(_MONTH_STEMS)})[а-я]*")


def _english_month(m: re.Match[str]) -> str:
    word = m.group(0).lower()
    return next(v for k, v in _MONTH_STEMS.items() if word.startswith(k))


# The parts of a topic page, in document order (one query for the whole page).
# (``[id]`` stands for the id prefixes: Lexbor matches it far faster than a list of them.)
_PARTS = (
    "a[name^=msg], [id], "
    "[id^=subject_] + div.smalltext, div.postinfo > a.smalltext, div.post, div.inner, "
    "div.signature, div.poster h4, td[rowspan='2'] > b, ul[id$='_extra_info'], ul.user_info, "
    "td[rowspan='2'] > div.smalltext, span.page_number, a.message_number, li.like_count"
)
_GONE = "this topic doesn't exist on this board"
_WALL_TEXTS = (
    "appears to be either missing or off limits to you",
    "only registered members are allowed",
    _GONE,
    "you are not allowed to access this section",
)


# --- URLs ----------------------------------------------------------------------------------------


def _query_part(url: str) -> str:
    """The part of the URL that carries SMF's parameters: the query, or a queryless path."""
    parts = urlsplit(url)
    return "?" + parts.query + ("/" + parts.path if "," in parts.path else "")


def url_kind(url: str) -> str | None:
    """"thread" for topics and message permalinks, "board" for boards, "community" for the
    board index (``index.php`` alone); None for anything else (profiles, actions)."""
    parts = urlsplit(url)
    where = _query_part(url)
    if (_TOPIC.search(where) or _SHORT_MSG.search(where)) and "action=" not in parts.query:
        return "thread"
    if _BOARD.search(where) and "action=" not in parts.query:
        return "board"
    query = _SESSION.sub("", parts.query).strip(";&")
    if not query and (parts.path in ("", "/") or parts.path.endswith("/index.php")):
        return "community"
    return None


def thread_id(url: str) -> str | None:
    m = _TOPIC.search(_query_part(url))
    return m.group(1) if m else None


def post_id(url: str) -> str | None:
    """The message id of a ``topic=T.msgM`` permalink or a ``#msgM`` anchor."""
    parts = urlsplit(url)
    m = _TOPIC.search(_query_part(url))
    if m and m.group(2) and m.group(2).startswith("msg"):
        return m.group(2)[3:]
    if short := _SHORT_MSG.search(_query_part(url)):  # 2.1: index.php?msg=M
        return short.group(1)
    f = re.fullmatch(r"msg(\d+)", parts.fragment)
    return f.group(1) if f else None


def _base(url: str) -> str:
    """The ``index.php`` URL of the forum (scheme, host and script path)."""
    parts = urlsplit(url)
    path = parts.path
    if "/index.php" in path:
        path = path[: path.index("/index.php") + len("/index.php")]
    elif "," in path:
        path = path.rsplit("/", 1)[0] + "/index.php"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def thread_page_url(thread_url: str, number: int, per_page: int | None = None) -> str:
    """``index.php?topic=T.<start>`` with start = (number - 1) * per_page (15 by default)."""
    uid = thread_id(thread_url)
    if uid is None:
        raise ValueError(f"not an SMF topic URL: {thread_url}")
    return f"{_base(thread_url)}?topic={uid}.{(number - 1) * (per_page or PER_PAGE)}"


def listing_page_url(listing_url: str, number: int, per_page: int = 20) -> str:
    """``index.php?board=B.<start>`` (20 topics a page by default); the index has one page."""
    m = _BOARD.search(_query_part(listing_url))
    if m is None:
        return clean_url(listing_url)
    return f"{_base(listing_url)}?board={m.group(1)}.{(number - 1) * per_page}"


def clean_url(url: str) -> str:
    """``url`` without ``PHPSESSID`` (in the query, after ``;`` or in a queryless path) and
    without its fragment."""
    if "#" not in url and "phpsessid" not in url.lower():
        return url
    parts = urlsplit(url)
    query = _SESSION.sub("", parts.query).strip(";&")
    query = query.replace(";;", ";").replace("&&", "&")
    path = re.sub(r"(?i)/?PHPSESSID,[^/]*", "", parts.path)
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


# --- recognising pages ---------------------------------------------------------------------------


def detect(tree: LexborHTMLParser, url: str) -> bool:
    """SMF's inline globals (``smf_scripturl``...) or its footer credit."""
    head = tree.head
    scripts = [n for n in head.iter() if n.tag == "script"] if head is not None else []
    if any("smf_scripturl" in (n.text() or "") for n in scripts):
        return True
    if tree.scripts_contain("smf_scripturl"):  # themes that set it in the body
        return True
    return tree.css_first("a[href*='simplemachines.org'], a[title='Simple Machines']") is not None


def page_kind(tree: LexborHTMLParser, url: str) -> str:
    kind = url_kind(url)
    if kind == "thread" or tree.css_first("[id^=subject_], div.inner[id^=msg_]") is not None:
        return "thread"
    return kind or "community"


def parse_page(
    tree: LexborHTMLParser, url: str, *, tz: str | None = None
) -> ThreadPage | ListingPage:
    if not detect(tree, url):
        raise NotForumPage(
            f"not an SMF page (no smf_scripturl script, no Simple Machines credit): "
            f"{page_title(tree)}"
        )
    kind = page_kind(tree, url)
    if kind == "thread":
        return parse_thread(tree, url, tz=tz)
    return parse_listing(tree, url, kind, tz=tz)


def _wall(tree: LexborHTMLParser, what: str) -> BlockedPage | GonePage:
    """Why a page lacks its content: SMF's own error or login message (quoted), else a
    challenge or consent page, else a page that shows none of ``what``."""
    for node in filter(None, (tree.css_first("#fatal_error, .errorbox"),
                              tree.css_first("#bodyarea, #content_section, body"))):
        text = clean_text(node.text())
        low = text.lower()
        for wall in _WALL_TEXTS:
            if wall in low:
                at = low.index(wall)
                start = max(text.rfind(mark, 0, at) for mark in ".!?") + 1
                end = text.find(".", at + len(wall))
                message = f"SMF wall: {text[start: end + 1 if end > 0 else None].strip()}"
                return GonePage(message) if wall == _GONE else BlockedPage(message)
    reason = blocked_reason(tree, what, login=False)
    hint = {"posts": "no subject_M or msg_M ids", "topics": "no span#msg_M topic rows",
            "boards": "no board=B links"}[what]
    return BlockedPage(reason or f"no SMF {what} found ({hint}): {page_title(tree)}")


# --- shared page facts ---------------------------------------------------------------------------


@dataclass
class _Page:
    tree: LexborHTMLParser
    url: str
    tz: str | None
    urls: Urls = field(init=False)
    clock: Clock = field(init=False)
    now: datetime | None = None

    def __post_init__(self) -> None:
        self.urls = Urls(self.url)
        self.clock = Clock(tz=self.tz)

    def absolute(self, href: str | None) -> str | None:
        url = self.urls.absolute(href)
        return clean_url(url) if url else None

    def parse_date(self, text: str | None) -> datetime | None:
        """A shown date; "Today at ..." / "Yesterday at ..." against the page's own clock."""
        if not text:
            return None
        if not text.isascii():
            text = _LOCAL_MONTH.sub(_english_month, text)
        m = _TODAY.match(text)
        if m and self.now is not None:
            day = self.now.date() - timedelta(days=m.group(1).lower() == "yesterday")
            text = f"{day.isoformat()} {m.group(2)}"
        return self.clock.parse(text)


def _page_now(tree: LexborHTMLParser) -> datetime | None:
    """The forum's current time as its header shows it (1.1 default theme; later themes
    show it to members only)."""
    for node in tree.css("td.titlebg2 > span.smalltext"):
        value = parse_local(node.text())
        if value is not None:
            return value
    return None


def _breadcrumbs(page: _Page) -> list[Crumb]:
    """The link tree (2.x ``navigate_section``/``linktree``, 1.1 ``div.nav``), read once."""
    trail = page.tree.css_first(".navigate_section, ul.linktree, #linktree, div.nav")
    crumbs: list[Crumb] = []
    for link in trail.css("li a, a.nav") if trail is not None else ():
        title = clean_text(link.text())
        if title:
            crumbs.append(Crumb(title=title, url=page.absolute(link.attrs.get("href"))))
    return crumbs


def _pager(page: _Page, url_start: int | None) -> tuple[PageInfo, int | None]:
    """The page's number, count, next and previous, from its first page index, and the
    number of items a page holds when the links tell it."""
    links = [a for a in page.tree.css("a.navPages, a.nav_page")
             if a.parent is not None and a.parent.tag != "small"
             and "topic_pages" not in (a.parent.attrs.get("class") or "")]
    info = PageInfo(number=1)
    if not links:
        info.count = 1
        return info, None
    holder = links[0].parent
    assert holder is not None
    numbered: dict[int, str | None] = {}
    starts: list[int] = []
    for link in links:
        if link.parent is None or link.parent.mem_id != holder.mem_id:
            continue
        number = parse_count(link.text())
        href = page.absolute(link.attrs.get("href"))
        if number is not None and clean_text(link.text()).isdigit():
            numbered[number] = href
            start = _start(href)
            if start is not None and number > 1:
                starts.append(start // (number - 1))
    current = holder.css_first("span.current_page, strong, b")
    shown = _BRACKETED.search(clean_text(holder.text()))
    if current is not None and clean_text(current.text()).isdigit():
        info.number = int(clean_text(current.text()))
    elif shown:
        info.number = int(shown.group(1))
    per_page = starts[0] if starts else None
    if per_page is None and url_start and info.number > 1:
        per_page = url_start // (info.number - 1)
    if per_page and url_start is not None and not shown and current is None:
        info.number = url_start // per_page + 1
    info.count = max([info.number, *numbered])
    info.next_url = numbered.get(info.number + 1)
    info.prev_url = numbered.get(info.number - 1)
    return info, per_page


def _start(url: str | None) -> int | None:
    m = _TOPIC.search(_query_part(url or "")) or _BOARD.search(_query_part(url or ""))
    return int(m.group(2)) if m and m.group(2) and m.group(2).isdigit() else None


# --- topic pages ---------------------------------------------------------------------------------


@dataclass
class _Draft:
    uid: str
    author: LexborNode | None = None
    rank: LexborNode | None = None
    subject: LexborNode | None = None
    date: LexborNode | None = None
    body: LexborNode | None = None
    inner: LexborNode | None = None
    modified: LexborNode | None = None
    signature: LexborNode | None = None
    number: LexborNode | None = None
    likes: LexborNode | None = None
    identified: bool = False  # the page gives it a subject_M or msg_M id


def _drafts(tree: LexborHTMLParser) -> list[_Draft]:
    """Every message of the page, its parts gathered from the one document-order query."""
    drafts: dict[str, _Draft] = {}
    current: _Draft | None = None
    for node in tree.css(_PARTS):
        ident = node.id or (node.attrs.get("name") if node.tag == "a" else None) or ""
        m = _MARKER.match(ident)
        if m:
            current = drafts.setdefault(m.group(1), _Draft(uid=m.group(1)))
            # subject_M, msg_M (the body) and 2.1's div#msgM name a message; a bare anchor
            # (a[name=msgM]) or modified_M alone does not.
            current.identified |= ident.startswith(("subject_", "msg_")) or (
                ident.startswith("msg") and node.tag != "a"
            )
        if current is None:
            continue
        _assign(current, node, ident)
    return [d for d in drafts.values() if d.identified and (d.inner or d.body) is not None]


def _assign(draft: _Draft, node: LexborNode, ident: str) -> None:
    tag = node.tag
    classes = (node.attrs.get("class") or "").split()
    if ident.startswith("subject_"):
        draft.subject = draft.subject or node
    elif ident.startswith("modified_"):
        draft.modified = node
    elif "inner" in classes and tag == "div":
        draft.inner = draft.inner or node
    elif "post" in classes and tag == "div":
        draft.body = draft.body or node
    elif "signature" in classes:
        draft.signature = draft.signature or node
    elif tag in ("h4", "b") and draft.author is None and draft.subject is None:
        draft.author = node
    elif (tag == "ul" and ("user_info" in classes or ident.endswith("_extra_info"))) or (
        tag == "div" and "smalltext" in classes and draft.subject is None
    ):
        draft.rank = draft.rank or node
    elif "page_number" in classes or "message_number" in classes:
        draft.number = draft.number or node
    elif "like_count" in classes:
        draft.likes = node
    elif "smalltext" in classes:
        draft.date = draft.date or node


def parse_thread(tree: LexborHTMLParser, url: str, *, tz: str | None = None) -> ThreadPage:
    drafts = _drafts(tree)
    if not drafts:
        raise _wall(tree, "posts")
    page = _Page(tree, url, tz, now=_page_now(tree))
    crumbs = _breadcrumbs(page)
    uid = thread_id(url) or next(
        (thread_id(c.url or "") for c in reversed(crumbs) if thread_id(c.url or "")), None
    )
    if uid is None:
        raise ParseError(f"no topic id in the URL or the breadcrumbs: {url}")
    info, per_page = _pager(page, _start(url))
    base = _base(url)
    posts = [_post(d, page, base, uid) for d in drafts]
    if posts[0].position is None and info.number == 1:
        posts[0].position = 1
    board = next((Board(external_id=_board_id(c.url), title=c.title, url=c.url)
                  for c in reversed(crumbs) if _board_id(c.url)), None)
    topic_crumb = next((c for c in reversed(crumbs) if thread_id(c.url or "") == uid), None)
    last = posts[-1].position
    thread = Thread(
        external_id=uid,
        title=topic_crumb.title if topic_crumb else posts[0].title,
        url=f"{base}?topic={uid}.0",
        board=board,
        breadcrumbs=[c for c in crumbs if c is not topic_crumb],
        reply_count=last - 1 if last and info.count == info.number else None,
    )
    warnings = []
    if per_page and per_page != PER_PAGE and info.count != 1:
        # thread_page_url() builds offsets of 15: let the crawl follow the next links instead.
        warnings.append(f"{per_page} messages a page, not SMF's default {PER_PAGE}: page count "
                        f"{info.count} left out, pages follow their next links")
        info.count = None
    link = canonical(tree)
    return ThreadPage(
        platform=NAME,
        url=url,
        thread=thread,
        canonical_url=page.absolute(link) if link else
        thread_page_url(thread.url or url, info.number, per_page or PER_PAGE),
        page=info,
        posts=posts,
        warnings=warnings + page.clock.finish(any(p.posted_at for p in posts)),
    )


def _board_id(url: str | None) -> str | None:
    m = _BOARD.search(_query_part(url or ""))
    return m.group(1) if m else None


def _post(draft: _Draft, page: _Page, base: str, topic: str) -> Post:
    post = Post(external_id=draft.uid, author=_author(draft, page))
    if draft.subject is not None:
        post.title = clean_text(draft.subject.text()) or None
    post.url = f"{base}?topic={topic}.msg{draft.uid}#msg{draft.uid}"  # one shape, any theme
    raw, number = _date_text(draft.date)
    post.posted_at_raw = raw
    post.posted_at = page.clock.iso(page.parse_date(raw))
    if draft.number is not None and (m := _NUMBER_SIGN.search(draft.number.text())):
        number = int(m.group(1))
        post.position = number if "message_number" in (draft.number.attrs.get("class") or "") \
            else number + 1
    elif number is not None:
        post.position = number + 1
    if draft.modified is not None:
        post.edited_at = page.clock.iso(page.parse_date(_edit_text(draft.modified)))
    if draft.likes is not None:
        post.score = parse_count(draft.likes.text())
    body = draft.inner or draft.body
    assert body is not None
    _fill_body(post, body, page)
    if draft.signature is not None:
        post.signature = html_text(draft.signature.inner_html) or None
    return post


def _author(draft: _Draft, page: _Page) -> Author:
    holder = draft.author
    if holder is None:
        return Author()
    link = next((a for a in holder.iter() if a.tag == "a"
                 and "action=profile" in (a.attrs.get("href") or "")), None)
    shown = link if link is not None else holder
    name = clean_text(shown.text()) or None
    href = page.absolute(link.attrs.get("href")) if link is not None else None
    m = _USER.search(href or "")
    return Author(name=name, external_id=m.group(1) if m else None, url=href,
                  rank=_rank(draft.rank))


def _rank(node: LexborNode | None) -> str | None:
    if node is None:
        return None
    if node.tag == "ul":
        items = [li for li in node.iter() if li.tag == "li"]
        item = next((li for c in ("membergroup", "postgroup") for li in items
                     if c in (li.attrs.get("class") or "").split()), None)
        item = item or (items[0] if items else None)
        return (clean_text(item.text()) or None) if item is not None else None
    shown = []  # 1.1: the text before the first <br> of the poster's small print
    child = node.child
    while child is not None and child.tag != "br":
        shown.append(child.text(deep=True) or "")
        child = child.next
    return clean_text("".join(shown)) or None


def _date_text(node: LexborNode | None) -> tuple[str | None, int | None]:
    """The shown date of "« Reply #3 on: DATE »" (label cut off) and the reply number."""
    if node is None:
        return None, None
    text = clean_text(node.text().replace("«", "").replace("»", ""))
    label = first(node, ("b", "strong")) if node.tag != "a" else None
    number = None
    if label is not None:
        label_text = clean_text(label.text())
        if label_text.endswith(":") or "#" in label_text:
            m = _NUMBER_SIGN.search(label_text)
            number = int(m.group(1)) if m else None
            text = text[text.find(label_text) + len(label_text):].strip()
    return text or None, number


def _edit_text(node: LexborNode) -> str | None:
    """The date of "« Last Edit: DATE by NAME »" (localised labels too)."""
    text = clean_text(node.text().replace("«", "").replace("»", ""))
    if not text:
        return None
    m = re.match(r"^\D*?:\s*(.*)$", text)
    text = m.group(1) if m else text
    return text.rsplit(" by ", 1)[0].strip() or None


def _fill_body(post: Post, body: LexborNode, page: _Page) -> None:
    """Body HTML and text, and the quotes: 2.x ``blockquote`` (header before it or as its
    ``cite``), 1.1 ``div.quoteheader`` + ``div.quote``."""
    html = (body.inner_html or "").strip()
    if html.startswith("<hr"):  # 2.0 core: the rule before the inner body
        html = html[html.index(">") + 1:].strip()
    post.body_html = html
    quotes = (body.css("blockquote") if "<blockquote" in html else
              body.css("div.quote") if "quote" in html else [])
    if not quotes:
        post.body_text = html_text(html)
        return
    if quotes[0].tag == "blockquote":  # 2.1 puts the header in a cite: a line of its own
        post.body_text, texts = html_text_with_quotes(html.replace("</cite>", "</cite><br>"))
    else:
        post.body_text = html_text(html)
        texts = [(_depth(q, body), html_text(q.inner_html)) for q in quotes]
    headers = [_quote_header(node) for node in quotes]
    heads = {clean_text(h.text()) for h in headers if h is not None}
    for header, (depth, text) in zip(headers, texts, strict=False):
        # A nested quote's header (2.0: before it, inside the outer quote) is not quoted text.
        lines = [line for line in text.split("\n") if line not in heads]
        quote = Quote(depth=depth, text="\n".join(lines).strip())
        if header is not None:
            head = clean_text(header.text())
            if header.tag == "cite" and lines == text.split("\n"):
                quote.text = text.split("\n", 1)[1].strip() if "\n" in text else ""
            quote.author_name = _quote_author(head)
            link = first(header, ("a",), "href")
            href = link.attrs.get("href") or "" if link is not None else ""
            m = _MSG.search(href)
            quote.post_external_id = m.group(1) if m else None
        post.quotes.append(quote)


def _depth(node: LexborNode, body: LexborNode) -> int:
    depth, parent = 1, node.parent
    while parent is not None and parent.mem_id != body.mem_id:
        if parent.tag == "blockquote" or "quote" in (parent.attrs.get("class") or "").split():
            depth += 1
        parent = parent.parent
    return depth


def _quote_header(node: LexborNode) -> LexborNode | None:
    """The quote's header: its ``cite`` (2.1), else the ``div.quoteheader`` just before it."""
    child = node.child
    while child is not None and not child.is_element_node:
        child = child.next
    if child is not None and child.tag == "cite":
        return child
    sibling = node.prev
    while sibling is not None and not sibling.is_element_node:
        sibling = sibling.prev
    if sibling is not None and "quoteheader" in (sibling.attrs.get("class") or ""):
        return sibling
    return None


def _quote_author(head: str) -> str | None:
    """X of "Quote from: X on DATE" / "Цитата: X"; None for an anonymous "Quote"."""
    if ":" not in head:
        return None
    rest = head.split(":", 1)[1].strip()
    m = _QUOTE_AUTHOR.match(rest)
    name = (m.group(1) if m else rest).strip().strip('"\'')
    return name or None


# --- listing pages -------------------------------------------------------------------------------


def parse_listing(
    tree: LexborHTMLParser, url: str, kind: str | None = None, *, tz: str | None = None
) -> ListingPage:
    """The board index (boards) or a message index (topics, child boards, next page)."""
    kind = kind or page_kind(tree, url)
    page = _Page(tree, url, tz, now=_page_now(tree))
    crumbs = _breadcrumbs(page)
    found = links_by_kind(tree, page.urls, url_kind, clean_url)
    own = _board_id(url)
    skip = {c.url for c in crumbs}
    named = _board_names(page)
    boards = [Board(external_id=_board_id(u), title=named.get(_board_id(u)) or t,
                    url=listing_page_url(u, 1))
              for u, t in found.get("board", [])
              if _board_id(u) != own and u not in skip and _start(u) in (None, 0)]
    threads = _topic_rows(page) if kind == "board" else []
    if not threads and not boards:
        raise _wall(tree, "topics" if kind == "board" else "boards")
    info, _ = _pager(page, _start(url)) if kind == "board" else (PageInfo(count=1), None)
    board = None
    if own:
        title = next((c.title for c in reversed(crumbs) if _board_id(c.url) == own), None)
        board = Board(external_id=own, title=title, url=listing_page_url(url, 1))
    return ListingPage(
        platform=NAME,
        url=url,
        kind=kind,
        canonical_url=page.absolute(canonical(tree) or url),
        board=board,
        breadcrumbs=crumbs,
        page=info,
        threads=threads,
        boards=boards,
        warnings=page.clock.finish(any(t.last_post_at for t in threads)),
    )


def _board_names(page: _Page) -> dict[str | None, str]:
    """Board names from the boards' own title links (``a.subject``, 1.1 ``a[name=bN]``), not
    from an icon link before them that only carries a "No New Posts" title."""
    names: dict[str | None, str] = {}
    for link in page.tree.css("a.subject, a[name^=b]"):
        title = clean_text(link.text())
        if title:
            names.setdefault(_board_id(link.attrs.get("href")), title)
    return names


def _topic_rows(page: _Page) -> list[ListingThread]:
    """One entry per topic row: the title span ``span#msg_M`` and the row holding it."""
    threads: list[ListingThread] = []
    seen: set[str] = set()
    for span in page.tree.css("span[id^=msg_]"):
        link = span.css_first("a[href]")
        href = page.absolute(link.attrs.get("href")) if link is not None else None
        uid = thread_id(href or "")
        if link is None or uid is None or uid in seen:
            continue
        seen.add(uid)
        row = span.parent
        while row is not None and row.tag != "tr" and not (
            row.tag == "div" and "windowbg" in (row.attrs.get("class") or "")
        ):
            row = row.parent
        threads.append(_topic_row(row or span, uid, clean_text(link.text()), page))
    return threads


def _flat(node: LexborNode) -> str:
    """A cell's text on one line, its ``<br>`` breaks kept as spaces."""
    return " ".join(html_text(node.inner_html).split())


def _topic_row(row: LexborNode, uid: str, title: str, page: _Page) -> ListingThread:
    stats = row.css_first(".stats, .board_stats")
    if stats is not None:
        counts = [int(n) for n in re.findall(r"\d+", _flat(stats).replace(",", ""))]
    else:  # 1.1: replies and views are cells of their own
        counts = [int(t) for c in row.css("td")
                  if (t := clean_text(c.text()).replace(",", "")).isdigit()]
    last = row.css_first(".lastpost") or (row.css("td")[-1] if row.tag == "tr" else None)
    raw = (_flat(last) or None) if last is not None else None
    starter = next((a for a in row.css("a[href*='action=profile']")
                    if last is None or not within(a, last)), None)  # not the last poster
    author = None
    if starter is not None:
        href = page.absolute(starter.attrs.get("href"))
        m = _USER.search(href or "")
        author = Author(name=clean_text(starter.text()) or None,
                        external_id=m.group(1) if m else None, url=href)
    return ListingThread(
        external_id=uid,
        title=title or None,
        url=f"{_base(page.url)}?topic={uid}.0",
        reply_count=counts[0] if counts else None,
        views=counts[1] if len(counts) > 1 else None,
        last_post_at=page.clock.iso(page.parse_date(raw)),
        last_post_at_raw=raw,
        author=author,
    )
