"""The demo community's Community API: the documented LiQL subset at ``/api/2.0/search?q=…``.

``SELECT fields FROM messages|boards|categories [WHERE c AND c …] [ORDER BY field [ASC|DESC]]
[LIMIT n] [CURSOR 'c']``, a condition being ``field = 'v'``, ``field > 'v'`` (also ``<``, ``>=``,
``<=``) or ``field IN ('v', …)``. Answers use the ``{"status", "data": {"items",
"next_cursor"}}`` envelope; 25 rows without LIMIT, at most 1,000. An unknown field (or one the
server is told to reject) fails the whole query with HTTP 400 "Invalid query syntax", as the
real API does without naming it; a closed API answers 403. Rows show the same messages as the
HTML pages: the same bodies and quotes (without the signature), kudos, solutions, authors.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from urllib.parse import parse_qs

from scraper.demo import render
from scraper.demo.content import Category, Community, Post, Thread
from scraper.demo.render import quote_html

PATH = "/api/2.0/search"
DEFAULT_LIMIT, MAX_LIMIT = 25, 1000
JSON_TYPE = "application/json;charset=UTF-8"

_QUERY = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<resource>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+ORDER\s+BY\s+(?P<order>[\w.()]+)(?:\s+(?P<dir>ASC|DESC))?)?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?"
    r"(?:\s+CURSOR\s+'(?P<cursor>[^']*)')?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(
    r"^\s*(?P<field>[\w.()]+)\s*(?:(?P<op>>=|<=|=|>|<)\s*'(?P<value>(?:[^'\\]|\\.)*)'"
    r"|\s+IN\s*\((?P<values>[^)]*)\))\s*$",
    re.IGNORECASE,
)
_LITERAL = re.compile(r"'((?:[^'\\]|\\.)*)'")


class Invalid(Exception):
    """A query the API refuses with HTTP 400."""


Row = dict[str, object]
Getter = Callable[[object], object]


def _time(when: datetime | None) -> str | None:
    return when.isoformat(timespec="milliseconds") if when else None


def _parent(thread: Thread, post: Post) -> int | None:
    """The message a reply answers: the one it quotes, else the topic's opening message."""
    if post.uid == thread.uid:
        return None
    quoted = post.quotes[0].post_uid if post.quotes else None
    return quoted if quoted in {p.uid for p in thread.posts} else thread.uid


def _message_fields(c: Community, base: str) -> dict[str, Getter]:
    def board(m):
        return c.board(m[0].board_id)

    def author_id(m):
        return str(m[1].author.id) if m[1].author.id is not None else "-1"

    return {
        "id": lambda m: str(m[1].uid),
        "subject": lambda m: m[0].subject if m[1].uid == m[0].uid else f"Re: {m[0].subject}",
        "body": lambda m: "".join(quote_html(q) for q in m[1].quotes)
        + ("\n" if m[1].quotes else "") + m[1].body_html,
        "post_time": lambda m: _time(m[1].posted_at),
        "last_edit_time": lambda m: _time(m[1].edited_at or m[1].posted_at),
        "view_href": lambda m: base + render.message_url(board(m), m[0], m[1]),
        "topic.id": lambda m: str(m[0].uid),
        "parent.id": lambda m: str(p) if (p := _parent(m[0], m[1])) else None,
        "depth": lambda m: 0 if m[1].uid == m[0].uid else 1,
        "board.id": lambda m: m[0].board_id,
        "author.id": author_id,
        "author.login": lambda m: m[1].author.login,
        "author.view_href": lambda m: None if m[1].author.anonymous
        else base + render.profile_url(m[1].author),
        "author.rank.name": lambda m: m[1].author.rank or None,
        "kudos.sum(weight)": lambda m: m[1].kudos,
        "is_solution": lambda m: m[1].uid == m[0].accepted_uid,
        "conversation.solved": lambda m: m[0].accepted_uid is not None,
        "conversation.messages_count": lambda m: len(m[0].posts),
        "conversation.last_post_time": lambda m: _time(m[0].last_post.posted_at),
    }


def _node_fields(base: str) -> dict[str, Getter]:
    return {
        "id": lambda n: n.id,
        "title": lambda n: n.title,
        "view_href": lambda n: base + (render.category_url(n) if isinstance(n, Category)
                                       else render.board_url(n)),
        "parent_category.id": lambda n: n.parent_id if isinstance(n, Category)
        else n.category_id,
    }


def _sources(c: Community, resource: str) -> list:
    if resource == "messages":
        return [(t, p) for b in c.all_boards() for t in b.threads for p in t.posts]
    if resource == "boards":
        return c.all_boards()
    if resource == "categories":
        return c.all_categories()
    raise Invalid(f"unknown collection {resource}")


def _nest(row: Row, name: str, value: object) -> None:
    """``author.login`` as ``{"author": {"login": …}}``; ``kudos.sum(weight)`` as
    ``{"kudos": {"sum": {"weight": …}}}``."""
    keys = name.replace("(", ".").replace(")", "").split(".")
    for key in keys[:-1]:
        row = row.setdefault(key, {})  # type: ignore[assignment]
    row[keys[-1]] = value


def _condition(text: str, getters: dict[str, Getter], rejected: frozenset[str]
               ) -> Callable[[object], bool]:
    m = _CONDITION.match(text)
    if not m or m.group("field") not in getters or m.group("field") in rejected:
        raise Invalid(text)
    get = getters[m.group("field")]
    if m.group("values") is not None:
        wanted = {v.replace("\\'", "'") for v in _LITERAL.findall(m.group("values"))}
        return lambda x: str(get(x)) in wanted
    wanted, op = m.group("value").replace("\\'", "'"), m.group("op")
    if op == "=":
        return lambda x: str(get(x)) == wanted
    return lambda x: _compare(get(x), wanted, op)


def _compare(value: object, wanted: str, op: str) -> bool:
    if value is None:
        return False
    try:
        a, b = datetime.fromisoformat(str(value)), datetime.fromisoformat(wanted)
    except ValueError:
        a, b = str(value), wanted  # type: ignore[assignment]
    return {">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op]


def _sortable(value: object) -> tuple[int, float, str]:
    """Times by instant, numbers by value, the rest as text."""
    text = "" if value is None else str(value)
    if text.isdigit():
        return 0, float(text), ""
    try:
        return 0, datetime.fromisoformat(text).timestamp(), ""
    except ValueError:
        return 1, 0.0, text


def _split_and(where: str) -> Iterable[str]:
    """The conditions of a WHERE clause (AND outside quotes and parentheses)."""
    return re.split(r"\s+AND\s+(?=(?:[^']*'[^']*')*[^']*$)", where, flags=re.IGNORECASE)


def search(c: Community, q: str, base: str, rejected: frozenset[str] = frozenset()) -> dict:
    """The answer to one LiQL query; Invalid for what the API refuses."""
    m = _QUERY.match(q)
    if not m:
        raise Invalid("no SELECT … FROM …")
    resource = m.group("resource").lower()
    getters = _message_fields(c, base) if resource == "messages" else _node_fields(base)
    fields = [f.strip() for f in m.group("fields").split(",")]
    if any(f not in getters or f in rejected for f in fields):
        raise Invalid("unknown field")
    rows = _sources(c, resource)
    for text in _split_and(m.group("where")) if m.group("where") else ():
        keep = _condition(text, getters, rejected)
        rows = [r for r in rows if keep(r)]
    if m.group("order"):
        key = m.group("order")
        if key not in getters:
            raise Invalid(f"cannot order by {key}")
        rows.sort(key=lambda r: (_sortable(getters[key](r)), _sortable(getters["id"](r))),
                  reverse=(m.group("dir") or "").upper() == "DESC")
    limit = min(int(m.group("limit") or DEFAULT_LIMIT), MAX_LIMIT)
    start = _offset(m.group("cursor"))
    window = rows[start:start + limit]
    items = []
    for row in window:
        item: Row = {"type": resource.rstrip("s") if resource != "categories" else "category"}
        for name in fields:
            _nest(item, name, getters[name](row))
        items.append(item)
    data: dict[str, object] = {"type": resource, "list_item_type": item_type(resource),
                               "size": len(items), "items": items}
    if start + limit < len(rows):
        data["next_cursor"] = base64.urlsafe_b64encode(f"o:{start + limit}".encode()).decode()
    return {"status": "success", "message": "", "http_code": 200, "data": data,
            "metadata": {}}


def item_type(resource: str) -> str:
    return {"messages": "message", "boards": "board", "categories": "category"}[resource]


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        raise Invalid("bad cursor") from None
    if not text.startswith("o:") or not text[2:].isdigit():
        raise Invalid("bad cursor")
    return int(text[2:])


def answer(c: Community, query: str, base: str, *, state: str,
           rejected: frozenset[str] = frozenset()) -> tuple[int, bytes]:
    """HTTP status and JSON body for ``GET /api/2.0/search?<query>``; ``state`` is "open" or
    "closed" (403 for every query)."""
    if state == "closed":
        return 403, _error(403, "Permission Denied: anonymous access to the API is disabled")
    q = (parse_qs(query).get("q") or [""])[0]
    try:
        return 200, json.dumps(search(c, q, base, rejected)).encode()
    except Invalid:
        return 400, _error(400, "Invalid query syntax for " + q)


def _error(code: int, message: str) -> bytes:
    return json.dumps({"status": "error", "message": message, "http_code": code,
                       "data": {"type": "error_data", "code": code * 1000}}).encode()
