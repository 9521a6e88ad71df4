"""Discourse (2.x, 3.x and the 2025+ "YYYY.M" releases): topics and topic lists, read from the
JSON API that public sites serve to guests, with the server-rendered crawler view (served to
crawlers, and inside ``<noscript>`` of every browser page) as the fallback.

Identity: a post's external id is ``"<topic id>#<post number>"``. The crawler HTML shows post
numbers but never post ids, and the number never changes (deleted posts leave gaps), so both
routes key a post alike and a topic read as HTML, then as JSON, is archived once. Users are
keyed by their username (the unique handle; the JSON's numeric ``user_id`` has no HTML twin).

Paging: the JSON of page N is ``/t/<slug>/<id>.json?page=N``, the same 20-post window over the
topic's visible posts as the crawler page ``?page=N``, so page numbers agree between routes.
Every topic answer lists the whole ``post_stream.stream`` of post ids, which gives the page
count; ids the stream lists but the page does not serve are a gap, recorded as a warning.
Saved ``/t/<id>/posts.json?post_ids[]=…`` answers parse too (ids asked but not served are a gap).
Small-action posts (closed/pinned notices) and whispers are not posts.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.dates import parse_local
from scraper.htmltext import clean_text, html_text, html_text_with_quotes
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
from scraper.platforms.common import Urls, blocked_reason, canonical, first, meta, page_title

NAME = "discourse"
POSITIONS_KEEP_GAPS = True  # post numbers: deleted posts, small actions and whispers leave gaps
CHUNK = 20  # posts per topic page (TopicView.chunk_size), in HTML and JSON alike

_TOPIC = re.compile(r"^/t/(?:(?P<slug>[^/]+)/)??(?P<id>\d+)(?:/(?P<n>\d+))?(?P<json>\.json)?/?$")
_POSTS_JSON = re.compile(r"^/t/(?P<id>\d+)/posts\.json$")
_CATEGORY = re.compile(r"^/c/(?P<path>.+?)(?P<json>\.json)?/?$")
_LISTS = ("latest", "top", "new", "categories")
_KEPT = ("page", "post_ids[]", "post_number", "asc")
_SMALL_ACTION, _WHISPER = 3, 4
_SHOWN = re.compile(r"([A-Za-z]+) (\d{1,2}), (\d{4}),? +(\d{1,2}):(\d\d) ?([ap]m)", re.I)
_MONTHS = {name: n for n, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), 1)}
_PAGE_PARTS = (
    "div.crawler-post, span.creator, time.post-time, meta[itemprop=datePublished],"
    " meta[itemprop=dateModified], span[itemprop=position], div.post[itemprop],"
    " meta[itemprop=userInteractionCount]"
)


# --- URLs ----------------------------------------------------------------------------------------


def _topic(path: str) -> re.Match[str] | None:
    return _TOPIC.match(path)


def url_kind(url: str) -> str | None:
    path = urlsplit(url).path
    if _topic(path) or _POSTS_JSON.match(path) or path.startswith("/p/"):
        return "thread"
    if _CATEGORY.match(path) or path.startswith("/tag/"):
        return "board"
    if path.strip("/") == "" or path.strip("/").removesuffix(".json") in _LISTS:
        return "community"
    return None


def thread_id(url: str) -> str | None:
    path = urlsplit(url).path
    m = _topic(path) or _POSTS_JSON.match(path)
    return m.group("id") if m else None


def post_id(url: str) -> str | None:
    """``"<topic id>#<post number>"`` of ``/t/<slug>/<id>/<post number>``."""
    m = _topic(urlsplit(url).path)
    return f"{m.group('id')}#{m.group('n')}" if m and m.group("n") else None


def _join(parts, path: str, query: dict[str, str] | list[tuple[str, str]]) -> str:
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def _topic_path(m: re.Match[str]) -> str:
    return f"/t/{m.group('slug')}/{m.group('id')}" if m.group("slug") else f"/t/{m.group('id')}"


def thread_page_url(thread_url: str, number: int) -> str:
    """``/t/<slug>/<id>`` for page 1, ``?page=N`` after (the crawler view's own links)."""
    parts = urlsplit(thread_url)
    m = _topic(parts.path) or _POSTS_JSON.match(parts.path)
    if m is None:
        raise ValueError(f"not a Discourse topic URL: {thread_url}")
    path = _topic_path(m) if m.re is _TOPIC else f"/t/{m.group('id')}"
    return _join(parts, path, {"page": str(number)} if number > 1 else {})


def listing_page_url(listing_url: str, number: int) -> str:
    """Topic lists count pages from 0: page 1 has no parameter, page N is ``?page=N-1``."""
    parts = urlsplit(listing_url)
    return _join(parts, parts.path, {"page": str(number - 1)} if number > 1 else {})


def clean_url(url: str) -> str:
    """No session ids on Discourse: only the parameters that choose a page stay."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k in _KEPT]
    if url_kind(url) == "thread":
        query = [(k, v) for k, v in query if not (k == "page" and v in ("0", "1"))]
    else:
        query = [(k, v) for k, v in query if not (k == "page" and v == "0")]
    return _join(parts, parts.path, query)


def api_url(url: str) -> str | None:
    """The JSON of a topic page (``/t/<slug>/<id>.json?page=N``) or a topic list (``/latest``,
    ``/c/<slug>/<id>``, ``/categories``; the site root reads ``/latest.json``)."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if path.endswith(".json"):
        return None
    m = _topic(parts.path)
    if m:
        path = _topic_path(m) + (f"/{m.group('n')}" if m.group("n") else "")
    elif path == "":
        path = "/latest"
    elif not (_CATEGORY.match(path) or path.strip("/") in _LISTS):
        return None
    return _join(parts, path + ".json", parse_qsl(parts.query))


def html_url(url: str) -> str | None:
    """The page a JSON URL stands for; a ``posts.json`` chunk stands for its topic."""
    parts = urlsplit(url)
    if not parts.path.endswith(".json"):
        return None
    if m := _POSTS_JSON.match(parts.path):
        return _join(parts, f"/t/{m.group('id')}", {})
    return _join(parts, parts.path.removesuffix(".json"), parse_qsl(parts.query))


# --- recognising pages ---------------------------------------------------------------------------


def detect(tree: LexborHTMLParser, url: str) -> bool:
    """The generator tag, the app's preloaded data, or the crawler view's posts and lists."""
    generator = meta(tree, "generator") or ""
    if generator.startswith("Discourse"):
        return True
    return tree.css_first(
        "#data-preloaded[data-preloaded], div.topic-body.crawler-post, #data-discourse-setup"
    ) is not None


def page_kind(tree: LexborHTMLParser, url: str) -> str:
    kind = url_kind(url)
    if kind == "thread" or tree.css_first("div.crawler-post div.post") is not None:
        return "thread"
    return kind or "community"


def parse_page(
    tree: LexborHTMLParser, url: str, *, tz: str | None = None
) -> ThreadPage | ListingPage:
    if page_kind(tree, url) == "thread":
        return parse_thread(tree, url)
    return parse_listing(tree, url)


def _refuse(tree: LexborHTMLParser, url: str, what: str) -> None:
    """A page without ``what``: a login page or wall is blocked, a not-found page or a page of
    another platform is not ours."""
    if urlsplit(url).path.startswith("/login") or tree.css_first(
        "#simple-container .login-welcome, .login-required, form#login-form"
    ) is not None:
        raise BlockedPage(f"login wall: the site requires a login to read {what}: "
                          f"{page_title(tree)}")
    if (reason := blocked_reason(tree, what)) is not None:
        raise BlockedPage(reason)
    if tree.css_first(".page-not-found") is not None:
        raise NotForumPage(f"not found (or private): {page_title(tree)}")
    found = "a Discourse page" if detect(tree, url) else "no Discourse markup"
    raise NotForumPage(f"no {what} on the page ({found}): {page_title(tree)}")


# --- values --------------------------------------------------------------------------------------


def _instant(text: str | None) -> str | None:
    """ISO with offset, whole seconds: "2024-11-08T19:33:12.173Z" -> "…19:33:12+00:00"."""
    if not text:
        return None
    if len(text) in (20, 24) and text[-1] == "Z" and text[10] == "T":  # the usual UTC stamps
        return text[:19] + "+00:00"
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value.replace(microsecond=0).isoformat() if value.tzinfo else None


def _int(text: str | None) -> int | None:
    digits = (text or "").strip().lstrip("#")
    return int(digits) if digits.isdigit() else None


def _pid(topic: str, number: object) -> str:
    return f"{topic}#{number}"


def _fill_body(post: Post, body_html: str, fragment: LexborNode, topic: str) -> None:
    """Body, text and quotes: every ``blockquote`` is a quote; one inside
    ``aside.quote[data-post]`` names its author and post (another topic's with ``data-topic``).
    The "name:" title above a quote is left out of the texts."""
    post.body_html = body_html
    if "<blockquote" not in body_html:
        post.body_text = html_text(body_html)
        return
    sources = [_quote_source(block, topic) for block in fragment.css("blockquote")]
    titles = fragment.css("aside.quote > div.title")
    for title in titles:
        title.decompose()
    post.body_text, texts = html_text_with_quotes(fragment.inner_html if titles else body_html)
    post.quotes = [Quote(author_name=name, post_external_id=source, depth=depth, text=text)
                   for (depth, text), (name, source) in zip(texts, sources, strict=False)]


def _quote_source(block: LexborNode, topic: str) -> tuple[str | None, str | None]:
    """(quoted name, quoted post id) of a blockquote's ``aside.quote``, else (None, None)."""
    aside = block.parent
    if aside is None or aside.tag != "aside" or "quote" not in (
            aside.attributes.get("class") or "").split():
        return None, None
    attrs = aside.attributes
    number = attrs.get("data-post")
    source = _pid(attrs.get("data-topic") or topic, number) if number else None
    return attrs.get("data-username") or _quote_title(aside), source


def _quote_title(aside: LexborNode) -> str | None:
    """The quoted name an old quote gives only in its title ("Jetmate:")."""
    title = aside.css_first("div.title")
    text = clean_text(title.text()) if title else ""
    if not text.endswith(":"):
        return None  # a quote of another topic: its title is that topic's
    return text.removesuffix(":").strip() or None


# --- topic JSON ----------------------------------------------------------------------------------


def detect_json(data: object, url: str) -> bool:
    if not isinstance(data, dict):
        return False
    stream = data.get("post_stream")
    if isinstance(stream, dict) and isinstance(stream.get("posts"), list):
        return True
    return isinstance(data.get("topic_list"), dict) or isinstance(data.get("category_list"), dict)


def parse_json(data: object, url: str, *, tz: str | None = None) -> ThreadPage | ListingPage:
    if not isinstance(data, dict):
        raise NotForumPage(f"not a Discourse API answer: a JSON {type(data).__name__}")
    if "errors" in data or "error_type" in data:
        _json_error(data)
    if isinstance(data.get("post_stream"), dict):
        return _json_topic(data, url)
    if isinstance(data.get("topic_list"), dict) or isinstance(data.get("category_list"), dict):
        return _json_listing(data, url)
    keys = ", ".join(list(data)[:6])
    raise NotForumPage(f"not a Discourse topic or topic list (keys: {keys})")


def _json_error(data: dict) -> None:
    kind = str(data.get("error_type") or "")
    errors = data.get("errors")
    text = "; ".join(map(str, errors)) if isinstance(errors, list) else str(errors or kind)
    if kind in ("not_logged_in", "invalid_access"):
        raise BlockedPage(f"login wall: the API answered {kind}: {text}")
    raise NotForumPage(f"the API answered an error ({kind or 'no type'}): {text}")


def _json_topic(data: dict, url: str) -> ThreadPage:
    stream = data["post_stream"]
    raw_posts = [p for p in stream["posts"] if isinstance(p, dict)]
    topic = str(data.get("id") or next((p.get("topic_id") for p in raw_posts), "") or "")
    if not topic:
        raise ParseError("a Discourse post stream without a topic id")
    urls = Urls(url)
    slug = data.get("slug") or next((p.get("topic_slug") for p in raw_posts), None)
    thread_url = urls.origin + (f"/t/{slug}/{topic}" if slug else f"/t/{topic}")
    accepted = data.get("accepted_answer")
    accepted_number = accepted.get("post_number") if isinstance(accepted, dict) else None
    posts, numbers = _json_posts(raw_posts, topic, thread_url, urls)
    accepted_ids = [_pid(topic, accepted_number)] if accepted_number else [
        p.external_id for p in posts if p.is_solution]
    for post in posts:
        post.is_solution = post.external_id in accepted_ids
    page, warnings = _json_paging(data, url, raw_posts, thread_url)
    if posts and posts[0].position == 1:
        posts[0].title = data.get("title")
    plugin = any("topic_accepted_answer" in p or "can_accept_answer" in p for p in raw_posts)
    elsewhere = any(p.get("topic_accepted_answer") is True for p in raw_posts)
    thread = Thread(
        external_id=topic,
        title=data.get("title"),
        url=thread_url,
        board=Board(external_id=str(data["category_id"])) if data.get("category_id") else None,
        reply_count=data["posts_count"] - 1 if isinstance(data.get("posts_count"), int) else None,
        solved=True if accepted_ids or elsewhere else (False if plugin else None),
        accepted_post_ids=accepted_ids,
    )
    if not posts and not numbers:
        raise ParseError(f"topic {topic}: the answer holds no posts")
    return ThreadPage(platform=NAME, url=url, thread=thread, canonical_url=thread_url,
                      page=page, posts=posts, warnings=warnings)


def _json_posts(raw: list[dict], topic: str, thread_url: str, urls: Urls
                ) -> tuple[list[Post], list[int]]:
    """The page's posts (small actions and whispers left out), their bodies parsed in one go."""
    kept = [p for p in raw if p.get("post_type") not in (_SMALL_ACTION, _WHISPER)]
    # A custom wrapper: no stray end tag of a cooked body (</div>, </p>) can close it.
    wrapped = "".join(f"<x-post>{p.get('cooked') or ''}</x-post>" for p in kept)
    fragments = LexborHTMLParser(f"<body>{wrapped}</body>").css("body > x-post") if kept else []
    if len(fragments) != len(kept):  # a body that breaks out anyway: each on its own then
        fragments = [LexborHTMLParser(f"<body>{p.get('cooked') or ''}</body>").body
                     for p in kept]
    posts = []
    for item, fragment in zip(kept, fragments, strict=True):
        number = item.get("post_number")
        if not isinstance(number, int):
            raise ParseError(f"topic {topic}: a post without a post_number")
        name = item.get("username")
        post = Post(
            external_id=_pid(topic, number), position=number, url=f"{thread_url}/{number}",
            author=Author(name=name, url=urls.origin + f"/u/{name}" if name else None,
                          display_name=clean_text(item.get("name")) or None),
            posted_at=_instant(item.get("created_at")),
            posted_at_raw=item.get("created_at"),
            score=_likes(item),
            is_solution=item.get("accepted_answer") is True,
        )
        if isinstance(item.get("version"), int) and item["version"] > 1:
            post.edited_at = _instant(item.get("updated_at"))
        if item.get("reply_to_post_number"):
            post.reply_to = _pid(topic, item["reply_to_post_number"])
        _fill_body(post, (fragment.inner_html or "").strip(), fragment, topic)
        posts.append(post)
    return posts, [p["post_number"] for p in raw if isinstance(p.get("post_number"), int)]


def _likes(item: dict) -> int:
    """Likes: the ``actions_summary`` entry with id 2 (guests get no ``like_count``)."""
    for action in item.get("actions_summary") or ():
        if isinstance(action, dict) and action.get("id") == 2:
            return int(action.get("count") or 0)
    return int(item.get("like_count") or 0)


def _json_paging(data: dict, url: str, raw: list[dict], thread_url: str
                 ) -> tuple[PageInfo, list[str]]:
    """Page number and count from the stream (``?page=N`` windows of ``chunk_size``); the ids
    this window (or the ``post_ids[]`` asked) should hold but the answer lacks are a gap."""
    query = parse_qsl(urlsplit(url).query)
    asked = [int(v) for k, v in query if k == "post_ids[]" and v.isdigit()]
    served = {p.get("id") for p in raw}
    stream = data["post_stream"].get("stream")
    chunk = data.get("chunk_size") if isinstance(data.get("chunk_size"), int) else CHUNK
    info = PageInfo()
    if asked or not isinstance(stream, list):  # a posts.json chunk: no stream to count
        numbers = [p["post_number"] for p in raw if isinstance(p.get("post_number"), int)]
        info.number = 1 + (min(numbers) - 1) // chunk if numbers else 1
        expected = asked
    else:
        info.number = max(1, _int(dict(query).get("page")) or 1)
        start = (info.number - 1) * chunk
        first = raw[0].get("id") if raw else None
        if first in stream and not start <= stream.index(first) < start + chunk:
            start = stream.index(first)  # /t/<id>/<n>.json: the window around post n
            info.number = 1 + start // chunk
        expected = stream[start:start + chunk]
        info.count = max(1, -(-len(stream) // chunk))
        if info.number < info.count:
            info.next_url = thread_page_url(thread_url, info.number + 1)
    if info.number > 1:
        info.prev_url = thread_page_url(thread_url, info.number - 1)
    missing = [str(i) for i in expected if i not in served]
    warnings = [f"gap: post ids {', '.join(missing)} listed by the topic are not served "
                "(deleted or hidden since)"] if missing else []
    return info, warnings


# --- topic list JSON -----------------------------------------------------------------------------


def _json_listing(data: dict, url: str) -> ListingPage:
    urls = Urls(url)
    kind = "board" if _CATEGORY.match(urlsplit(url).path) else "community"
    page = PageInfo(number=1 + _page_param(url))
    listing = ListingPage(platform=NAME, url=url, kind=kind, canonical_url=html_url(url) or url,
                          page=page, zone_hint="+00:00")
    if isinstance(data.get("category_list"), dict):
        for cat in data["category_list"].get("categories") or ():
            if isinstance(cat, dict) and cat.get("id") is not None:
                listing.boards.append(Board(
                    external_id=str(cat["id"]), title=cat.get("name"),
                    url=urls.origin + f"/c/{cat.get('slug')}/{cat['id']}"))
        return listing
    topic_list = data["topic_list"]
    for item in topic_list.get("topics") or ():
        if not isinstance(item, dict) or item.get("id") is None:
            continue
        tid, slug = str(item["id"]), item.get("slug")
        count = item.get("posts_count")
        listing.threads.append(ListingThread(
            external_id=tid, title=item.get("title"),
            url=urls.origin + (f"/t/{slug}/{tid}" if slug else f"/t/{tid}"),
            reply_count=count - 1 if isinstance(count, int) else item.get("reply_count"),
            last_post_at=_instant(item.get("last_posted_at")),
            last_post_at_raw=item.get("last_posted_at"),
            views=item.get("views"),
            solved=item.get("has_accepted_answer"),
        ))
    more = topic_list.get("more_topics_url")
    if more:
        parts = urlsplit(urls.absolute(more) or "")
        page.next_url = _join(parts, parts.path.removesuffix(".json"),
                              [(k, v) for k, v in parse_qsl(parts.query) if k in _KEPT])
    if not listing.threads and page.number == 1 and not more:
        listing.warnings.append("the topic list is empty")
    return listing


def _page_param(url: str) -> int:
    value = dict(parse_qsl(urlsplit(url).query)).get("page", "0")
    return int(value) if value.isdigit() else 0


# --- crawler HTML: topics ------------------------------------------------------------------------


def parse_thread(tree: LexborHTMLParser, url: str) -> ThreadPage:
    """The crawler view (or its ``<noscript>`` copy): posts in ``div.crawler-post``."""
    elements = _post_parts(tree)
    urls = Urls(url)
    page = _html_paging(tree, url, urls)
    if not elements and not (page.number > 1 and tree.css_first("#topic-title h1") is not None):
        _refuse(tree, url, "posts")
    link = urls.absolute(canonical(tree))
    base = link if link and thread_id(link) else url
    topic = thread_id(base)
    if topic is None:
        raise ParseError("a Discourse topic page without a topic id in its URL or canonical")
    thread_url = thread_page_url(base, 1)
    accepted = _accepted_number(tree)
    accepted_ids = [_pid(topic, accepted)] if accepted else []
    posts, anchors = [], []
    for element, found in elements:
        post = _html_post(element, found, topic, thread_url, urls, anchors)
        if post is not None:
            post.is_solution = post.external_id in accepted_ids
            posts.append(post)
    if elements and not posts:
        raise ParseError(f"topic {topic}: crawler posts without a post number")
    title = tree.css_first("#topic-title h1")
    title = clean_text(title.text()) if title else (meta(tree, "og:title") or page_title(tree))
    if posts and posts[0].position == 1:
        posts[0].title = title
    board, crumbs = _crumbs(tree, urls)
    warnings = [] if posts else ["no posts shown on this page: only notices (small actions)"]
    qa = tree.css_first('script[type="application/ld+json"]')
    solved = True if accepted_ids else (False if qa and '"QAPage"' in qa.text() else None)
    thread = Thread(external_id=topic, title=title, url=thread_url, board=board,
                    breadcrumbs=crumbs, solved=solved, accepted_post_ids=accepted_ids)
    return ThreadPage(platform=NAME, url=url, thread=thread, canonical_url=thread_url,
                      page=page, posts=posts, warnings=warnings, time_anchors=anchors,
                      zone_hint="+00:00")


def _post_parts(tree: LexborHTMLParser) -> list[tuple[LexborNode, dict[str, LexborNode]]]:
    """Each crawler post with its parts (author, times, position, body, likes), from one query
    over the page: a part belongs to the post it follows; the first of each kind counts."""
    groups: list[tuple[LexborNode, dict[str, LexborNode]]] = []
    current: dict[str, LexborNode] | None = None
    for node in tree.css(_PAGE_PARTS):
        prop = node.attributes.get("itemprop")
        if node.tag == "div" and "crawler-post" in (node.attributes.get("class") or ""):
            current = None if node.attributes.get("role") else {}  # the pager has a role
            if current is not None:
                groups.append((node, current))
        elif current is not None:
            current.setdefault(_part(node, prop), node)
    return groups


def _part(node: LexborNode, prop: str | None) -> str:
    if node.tag in ("div", "time"):
        return "body" if node.tag == "div" else "time"
    if node.tag == "meta":
        return prop or "meta"
    return "position" if prop == "position" else "creator"


def _html_post(element: LexborNode, found: dict[str, LexborNode], topic: str, thread_url: str,
               urls: Urls, anchors: list[TimeAnchor]) -> Post | None:
    number = _int(found["position"].text()) if "position" in found else None
    if number is None:
        number = _int((element.attributes.get("id") or "").removeprefix("post_"))
    if number is None:
        return None
    post = Post(external_id=_pid(topic, number), position=number, url=f"{thread_url}/{number}")
    if "creator" in found:
        post.author = _creator(found["creator"], urls)
    _html_dates(post, found, anchors)
    if "userInteractionCount" in found:  # the first counter counts likes
        post.score = _int(found["userInteractionCount"].attributes.get("content"))
    body = found.get("body")
    if body is not None:
        _fill_body(post, (body.inner_html or "").strip(), body, topic)
    return post


def _creator(span: LexborNode, urls: Urls) -> Author:
    """``span.creator``: the username in ``[itemprop=name]``, the full name after it in
    parentheses ("techAPJ (Arpit Jalan)")."""
    link = first(span, ("a",), "href")
    named = first(link, ("span",), "itemprop") if link is not None else None
    name = clean_text(named.text()) if named is not None else None
    m = re.search(r"\((.+)\)\s*$", clean_text(span.text()))
    return Author(name=name or None, url=urls.absolute(link.attributes.get("href")) if link
                  else None, display_name=m.group(1).strip() if m else None)


def _html_dates(post: Post, found: dict[str, LexborNode], anchors: list[TimeAnchor]) -> None:
    """Posted from ``datePublished`` (a ``meta``, or the shown ``time``), edited from a
    ``dateModified`` that differs (2.4 shows the edit time in the ``time``). The shown time
    (UTC for guests) beside its instant is an anchor."""
    shown = found.get("time")
    edit_shown = shown is not None and shown.attributes.get("itemprop") == "dateModified"
    published = found.get("datePublished") or (None if edit_shown else shown)
    modified = found.get("dateModified") or (shown if edit_shown else None)
    post.posted_at = _instant(_stamp(published)) if published is not None else None
    if modified is not None:
        edited = _instant(_stamp(modified))
        post.edited_at = edited if edited and edited != post.posted_at else None
    if shown is None:
        return
    text = clean_text(shown.text())
    if not edit_shown:
        post.posted_at_raw = text or None
    local, instant = _shown_time(text), _instant(shown.attributes.get("datetime"))
    if local and instant:
        anchors.append(TimeAnchor(local=local, instant=instant))


def _shown_time(text: str) -> str | None:
    """The naive ISO time of a crawler view's "November 8, 2024,  7:33pm" (else the shared
    parser's reading of another wording)."""
    m = _SHOWN.fullmatch(text)
    month = _MONTHS.get(m.group(1).lower()) if m else None
    if month is None:
        value = parse_local(text)
        return value.isoformat() if value else None
    hour = int(m.group(4)) % 12 + (12 if m.group(6).lower() == "pm" else 0)
    return f"{m.group(3)}-{month:02d}-{int(m.group(2)):02d}T{hour:02d}:{m.group(5)}:00"


def _stamp(node: LexborNode) -> str | None:
    return node.attributes.get("content") or node.attributes.get("datetime")


def _accepted_number(tree: LexborHTMLParser) -> int | None:
    """The accepted answer's post number: the QAPage JSON-LD's ``acceptedAnswer.url`` ends
    with it (the crawler posts carry no marker)."""
    for script in tree.css('script[type="application/ld+json"]'):
        text = script.text()
        if "acceptedAnswer" not in text:
            continue
        try:
            answer = json.loads(text).get("mainEntity", {}).get("acceptedAnswer", {})
        except (ValueError, AttributeError):
            continue
        m = re.search(r"/(\d+)/?$", str(answer.get("url") or ""))
        if m:
            return int(m.group(1))
    return None


def _crumbs(tree: LexborHTMLParser, urls: Urls) -> tuple[Board | None, list[Crumb]]:
    crumbs = []
    for link in tree.css("#topic-title [itemprop=itemListElement] a[href]"):
        name = link.css_first("[itemprop=name], .category-name")
        crumbs.append(Crumb(title=clean_text((name or link).text()),
                            url=urls.absolute(link.attributes.get("href"))))
    if not crumbs:
        return None, []
    last = crumbs[-1]
    m = re.search(r"/(\d+)/?$", urlsplit(last.url or "").path)
    return Board(external_id=m.group(1) if m else None, title=last.title, url=last.url), crumbs


def _html_paging(tree: LexborHTMLParser, url: str, urls: Urls) -> PageInfo:
    """``link[rel=next|prev]`` in the head (or the crawler view's own pager links); the
    last page (no next) tells the page count."""
    query = dict(parse_qsl(urlsplit(url).query))
    info = PageInfo(number=max(1, _int(query.get("page")) or 1))
    for link in tree.css("link[rel=next], link[rel=prev], a[rel=next], a[rel=prev]"):
        rel = link.attributes.get("rel")
        href = urls.absolute(link.attributes.get("href"))
        if href and getattr(info, f"{rel}_url") is None:
            setattr(info, f"{rel}_url", clean_url(href))
    if info.next_url is None:
        info.count = info.number
    return info


# --- crawler HTML: topic lists -------------------------------------------------------------------


def parse_listing(tree: LexborHTMLParser, url: str) -> ListingPage:
    """A crawler topic list (``tr.topic-list-item``) or the categories page."""
    urls = Urls(url)
    rows = tree.css("tr.topic-list-item")
    path = urlsplit(url).path.strip("/")
    boards = _category_links(tree, urls) if path == "categories" else []
    if not rows and not boards:
        if tree.css_first("table.topic-list, .topic-list") is not None:
            return ListingPage(platform=NAME, url=url, kind=url_kind(url) or "community",
                               canonical_url=url, warnings=["the topic list is empty"])
        _refuse(tree, url, "topics")
    threads = [t for t in (_row(row, urls) for row in rows) if t is not None]
    page = PageInfo(number=1 + _page_param(url))
    nxt = tree.css_first("link[rel=next], a[rel=next]")
    if nxt is not None and (href := urls.absolute(nxt.attributes.get("href"))):
        page.next_url = clean_url(href)
    return ListingPage(platform=NAME, url=url, kind=url_kind(url) or "community",
                       canonical_url=canonical(tree) or url, page=page, threads=threads,
                       boards=boards, zone_hint="+00:00")


def _row(row: LexborNode, urls: Urls) -> ListingThread | None:
    link = row.css_first("a.raw-topic-link[href], a.title[href]")
    href = urls.absolute(link.attributes.get("href")) if link else None
    tid = thread_id(href) if href else None
    if tid is None:
        return None
    found = ListingThread(external_id=tid, title=clean_text(link.text()),
                          url=thread_page_url(href, 1))
    posts = row.css_first("td.replies span.posts, span.posts")
    found.reply_count = _int(clean_text(posts.text())) if posts else None
    views = row.css_first("span.views")
    found.views = _int(clean_text(views.text()).replace(",", "")) if views else None
    cells = row.css("td")
    if cells:
        found.last_post_at_raw = clean_text(cells[-1].text()) or None
    return found


def _category_links(tree: LexborHTMLParser, urls: Urls) -> list[Board]:
    seen: dict[str, Board] = {}
    for link in tree.css("a[href*='/c/']"):
        href = urls.absolute(link.attributes.get("href"))
        if not href or not urls.same_site(href):
            continue
        path = urlsplit(href).path.rstrip("/")
        m = re.search(r"/(\d+)$", path)
        if _CATEGORY.match(path) and m and href not in seen:
            seen[href] = Board(external_id=m.group(1), title=clean_text(link.text()) or None,
                               url=href)
    return list(seen.values())
