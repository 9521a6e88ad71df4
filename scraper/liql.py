"""The Khoros Community API (LiQL, ``/api/2.0/search?q=…``): queries, paging, and the mapping of
its message rows to the same dataclasses as the HTML parser.

One query returns up to 1,000 messages of many topics, so a board is read in bulk: its
messages in ``CURSOR`` pages, grouped into one ``ThreadPage`` per topic. The fields asked for
are declared once (:data:`MESSAGE_FIELDS`); a field the site rejects ("Invalid query syntax",
HTTP 400, which does not say which field) is found by bisection and left out from then on.
Nothing here touches the archive: :mod:`scraper.liql_crawl` does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs, quote, urlsplit

from selectolax.lexbor import LexborHTMLParser

from scraper.dates import parse_instant
from scraper.fetch import FetchResult
from scraper.models import (
    Author,
    Board,
    PageInfo,
    ParseError,
    Post,
    Thread,
    ThreadPage,
    TimeAnchor,
)
from scraper.platforms import khoros

SEARCH_PATH = "/api/2.0/search"
LIMIT = 1000  # the most rows LiQL returns per query
# Every message field the archive uses, asked for in this order. The first ones are required:
# without them a row cannot be placed, and the site is read as HTML instead.
REQUIRED_FIELDS = ("id", "topic.id", "board.id", "post_time", "body")
MESSAGE_FIELDS = (
    *REQUIRED_FIELDS, "subject", "view_href", "last_edit_time", "parent.id", "depth",
    "author.id", "author.login", "author.view_href", "author.rank.name", "kudos.sum(weight)",
    "is_solution", "conversation.solved", "conversation.messages_count",
    "conversation.last_post_time",
)
BOARD_FIELDS = ("id", "title", "view_href", "parent_category.id")
CATEGORY_FIELDS = ("id", "title", "parent_category.id")
_CURSOR = re.compile(r"\s+CURSOR\s+'(?:[^'\\]|\\.)*'\s*$")
API_PAGE = 0  # the page number of posts read through the API: on no HTML page
ANONYMOUS_IDS = frozenset({"-1", "0"})  # the id LiQL gives messages of deleted or guest users


class QueryFailed(Exception):
    """A query the API did not answer with rows: refused, rejected, or not LiQL at all."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def literal(value: str) -> str:
    """A LiQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def query(
    resource: str, fields: Iterable[str], where: Iterable[str] = (), *,
    order: str | None = None, limit: int = LIMIT, cursor: str | None = None,
) -> str:
    """``SELECT … FROM resource [WHERE … AND …] [ORDER BY …] LIMIT n [CURSOR '…']``."""
    words = ["SELECT", ", ".join(fields), "FROM", resource]
    if conditions := list(where):
        words += ["WHERE", " AND ".join(conditions)]
    if order:
        words += ["ORDER BY", order]
    words += ["LIMIT", str(limit)]
    if cursor:
        words += ["CURSOR", literal(cursor)]
    return " ".join(words)


def search_url(base: str, text: str) -> str:
    return f"{base.rstrip('/')}{SEARCH_PATH}?q={quote(text, safe='')}"


def query_of(url: str) -> tuple[str, bool]:
    """The query of a search URL without its ``CURSOR`` clause, and whether it had one."""
    text = (parse_qs(urlsplit(url).query).get("q") or [""])[0]
    bare = _CURSOR.sub("", text)
    return bare, bare != text


def envelope(body: bytes) -> tuple[list[dict], str | None]:
    """The rows and next cursor of a LiQL answer; QueryFailed when it is not one."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise QueryFailed(f"not a LiQL answer: invalid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("status") != "success":
        message = data.get("message") if isinstance(data, dict) else None
        raise QueryFailed(f"the API answered {message or 'no success status'}")
    inner = data.get("data")
    items = inner.get("items") if isinstance(inner, dict) else None
    if not isinstance(items, list):
        raise QueryFailed("not a LiQL answer: no data.items list")
    cursor = inner.get("next_cursor")
    return [i for i in items if isinstance(i, dict)], cursor if isinstance(cursor, str) else None


def value(item: dict, name: str) -> object:
    """The value of a declared field in a row: ``author.login`` is ``item["author"]["login"]``,
    ``kudos.sum(weight)`` comes back as ``kudos.sum.weight``."""
    node: object = item
    for key in name.replace("(", ".").replace(")", "").split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def text(item: dict, name: str) -> str | None:
    found = value(item, name)
    return str(found) if isinstance(found, str | int) and str(found) != "" else None


# --- talking to the API ------------------------------------------------------------------------

Fetch = Callable[[str], Awaitable[FetchResult]]


@dataclass
class Client:
    """The API of one site: ``fetch`` GETs a URL (the crawl's fetcher, which paces requests and
    retries 429 after at least its ``Retry-After``); ``on_page`` hears of every answer with rows
    (to keep the raw JSON). ``dropped`` lists the fields the site rejected, with the reason."""

    base: str
    fetch: Fetch
    on_page: Callable[[FetchResult], None] = lambda result: None
    fields: list[str] = field(default_factory=lambda: list(MESSAGE_FIELDS))
    dropped: list[str] = field(default_factory=list)
    requests: int = 0

    async def page(self, text: str, *, keep: bool = True) -> tuple[list[dict], str | None]:
        """One query's rows and next cursor; ``keep`` passes the answer to ``on_page``."""
        self.requests += 1
        result = await self.fetch(search_url(self.base, text))
        if result.error:
            raise QueryFailed(result.error, result.status_code)
        items, cursor = envelope(result.body)
        if keep:
            self.on_page(result)
        return items, cursor

    async def rows(self, resource: str, fields: Iterable[str], where: Iterable[str] = (),
                   order: str | None = None) -> list[dict]:
        """All the rows of a query, following ``next_cursor``."""
        fields, where = list(fields), list(where)
        out: list[dict] = []
        cursor, seen = None, set()
        while True:
            items, cursor = await self.page(
                query(resource, fields, where, order=order, cursor=cursor))
            out += items
            if not cursor or not items:
                return out
            if cursor in seen:
                raise QueryFailed(f"the API repeats the cursor {cursor!r} of a query")
            seen.add(cursor)

    async def messages(self, where: Iterable[str]) -> list[dict]:
        """Every message matching ``where`` with the site's usable fields, oldest first; a
        rejected field is found, reported in ``dropped`` and left out."""
        where = list(where)
        while True:
            try:
                return await self.rows("messages", self.fields, where, "post_time ASC")
            except QueryFailed as exc:
                if exc.status != 400:
                    raise
                bad = await self.rejected_field(self.fields)
                if bad is None or bad in REQUIRED_FIELDS:
                    raise QueryFailed(
                        f"the API rejects the query{f' (field {bad})' if bad else ''}: {exc}",
                        exc.status) from None
                self.fields.remove(bad)
                self.dropped.append(bad)

    async def accepts(self, fields: list[str]) -> bool:
        try:
            await self.page(query("messages", fields, limit=1), keep=False)
        except QueryFailed as exc:
            if exc.status == 400:
                return False
            raise
        return True

    async def rejected_field(self, fields: list[str]) -> str | None:
        """The field that makes a query fail, by bisection (about log2(n) one-row queries);
        None when no single field does."""
        while len(fields) > 1:
            half = fields[: len(fields) // 2]
            if not await self.accepts(half):
                fields = half
            elif not await self.accepts(rest := fields[len(half):]):
                fields = rest
            else:
                return None
        return fields[0] if fields and not await self.accepts(fields) else None


# --- rows to thread pages ----------------------------------------------------------------------


def instant(raw: str | None) -> str | None:
    """ISO 8601 in UTC of a LiQL time (milliseconds kept when there are any)."""
    when = parse_instant(raw)
    if when is None:
        return None
    when = when.astimezone(UTC)
    return when.isoformat(timespec="milliseconds" if when.microsecond else "seconds")


def _sort_key(item: dict) -> tuple[datetime, int]:
    when = parse_instant(text(item, "post_time")) or datetime.max.replace(tzinfo=UTC)
    uid = text(item, "id") or ""
    return when, int(uid) if uid.isdigit() else 0


def topic_url(view_href: str | None, uid: str) -> str | None:
    """The ``td-p`` URL of a topic from its opening message's ``m-p`` view link."""
    if not view_href:
        return None
    return view_href.split("#")[0].replace(f"/m-p/{uid}", f"/td-p/{uid}")


def body_html(raw: str) -> str:
    """The body as the HTML parser sees it: serialised by Lexbor (lower-case tags)."""
    tree = LexborHTMLParser(f"<div>{raw}</div>")
    node = tree.css_first("body > div")
    return node.inner_html if node is not None else ""


def message(item: dict) -> Post:
    """One message row as a ``Post`` (position set by its thread)."""
    uid = text(item, "id") or ""
    posted_raw = text(item, "post_time")
    posted, edited = instant(posted_raw), instant(text(item, "last_edit_time"))
    post = Post(
        external_id=uid, url=text(item, "view_href"), title=text(item, "subject"),
        author=author(item), posted_at=posted, posted_at_raw=posted_raw,
        edited_at=edited if edited and edited != posted else None,
        score=_int(value(item, "kudos.sum(weight)")),
        is_solution=value(item, "is_solution") is True,
    )
    parent = text(item, "parent.id")
    post.reply_to = parent if parent and parent != uid else None
    khoros.fill_body(post, body_html(text(item, "body") or ""))
    return post


def author(item: dict) -> Author:
    uid = text(item, "author.id")
    known = uid is not None and uid not in ANONYMOUS_IDS
    return Author(
        name=text(item, "author.login"), external_id=uid if known else None,
        url=text(item, "author.view_href") if known else None,
        rank=text(item, "author.rank.name"),
    )


def _int(found: object) -> int | None:
    if isinstance(found, bool):
        return None
    if isinstance(found, int | float):
        return int(found)
    return int(found) if isinstance(found, str) and found.lstrip("-").isdigit() else None


def thread_pages(items: list[dict], boards: dict[str, Board] | None = None,
                 url: str = "") -> list[ThreadPage]:
    """One ``ThreadPage`` per topic of ``items`` (all of each topic's messages, in time order),
    in the order topics first appear. ``boards`` names the boards by id."""
    topics: dict[str, dict[str, dict]] = {}
    for item in items:
        uid = text(item, "id")
        topic = text(item, "topic.id") or (uid if value(item, "depth") == 0 else None)
        if uid and topic:
            topics.setdefault(topic, {})[uid] = item  # a row seen twice: the later one
    return [_thread_page(topic, list(rows.values()), boards or {}, url)
            for topic, rows in topics.items()]


def _thread_page(topic: str, rows: list[dict], boards: dict[str, Board], url: str
                 ) -> ThreadPage:
    rows.sort(key=_sort_key)
    posts = [message(item) for item in rows]
    for position, post in enumerate(posts, 1):
        post.position = position
    first = rows[0]
    opening = posts[0] if posts[0].external_id == topic else None
    count = _int(value(first, "conversation.messages_count"))
    accepted = [p.external_id for p in posts if p.is_solution]
    solved = value(first, "conversation.solved")
    board_id = text(first, "board.id")
    thread_url = topic_url(opening.url, topic) if opening else None
    thread = Thread(
        external_id=topic, title=opening.title if opening else None, url=thread_url,
        board=boards.get(board_id) or (Board(external_id=board_id) if board_id else None),
        reply_count=count - 1 if count else None,
        solved=solved if isinstance(solved, bool) else bool(accepted) or None,
        accepted_post_ids=accepted,
    )
    warnings = [] if opening else [f"topic {topic}: its opening message is not among the rows"]
    return ThreadPage(
        platform=khoros.NAME, url=thread_url or url, thread=thread, canonical_url=thread_url,
        page=PageInfo(number=API_PAGE, count=None), posts=posts, warnings=warnings,
        time_anchors=[a for a in [anchor(posts[0].posted_at_raw)] if a],
    )


def anchor(raw: str | None) -> TimeAnchor | None:
    """What a LiQL time tells of the site's zone: its wall-clock time (in the community's
    zone, as the API writes it) beside its instant."""
    when = parse_instant(raw)
    if when is None:
        return None
    return TimeAnchor(local=when.replace(tzinfo=None).isoformat(), instant=instant(raw) or "")


def boards_by_id(rows: list[dict]) -> dict[str, Board]:
    return {
        uid: Board(external_id=uid, title=text(row, "title"), url=text(row, "view_href"))
        for row in rows if (uid := text(row, "id"))
    }


def subtree(boards: list[dict], categories: list[dict], category: str | None) -> list[str]:
    """The ids of the boards under ``category`` (every board for None), sub-categories
    included, in the order the API lists them."""
    wanted = {category}
    parents = {text(row, "id"): text(row, "parent_category.id") for row in categories}
    for start in parents:  # a category is wanted when one of its ancestors is
        chain: set[str | None] = set()
        node = start
        while node is not None and node not in wanted and node not in chain:
            chain.add(node)
            node = parents.get(node)
        if node is not None and node in wanted:
            wanted |= chain
    return [b for row in boards if (b := text(row, "id"))
            and (category is None or text(row, "parent_category.id") in wanted)]


def parse_answer(body: bytes) -> list[dict]:
    """The rows of a stored answer (for reparse); ParseError when it is not one."""
    try:
        return envelope(body)[0]
    except QueryFailed as exc:
        raise ParseError(str(exc)) from None
