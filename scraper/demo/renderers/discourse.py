"""The demo community as a Discourse site: each board a category, each thread a topic.

JSON routes as Discourse serves them to guests (``/latest.json``, ``/categories.json``,
``/c/<slug>/<id>.json``, ``/t/<slug>/<id>.json?page=N``, ``/t/<id>/posts.json?post_ids[]=``)
and the HTML a browser gets: topics as the app shell with the crawler view inside
``<noscript data-path>`` (3.x markup), topic lists as the crawler layout. 20 posts per topic
page, 30 topics per list page (``?page=N`` from 0). Post numbers are handed out once per post
and never reused, so a deleted post leaves a gap; a solved topic ends with a small-action post
("closed") that the JSON lists and the crawler view leaves out. Times are UTC.
"""

from __future__ import annotations

import json
import re
import weakref
from datetime import UTC, datetime
from html import escape
from urllib.parse import parse_qsl

from scraper.demo.content import Board, Community, Post, Quote, Thread, User
from scraper.demo.renderers import Page

NAME = "discourse"
INDEX_PATH = "/latest"
ROBOTS = ("User-agent: *\nDisallow: /admin/\nDisallow: /auth/\nDisallow: /search\n"
          "Disallow: /session\nDisallow: /u/\n")
POSTS_PER_PAGE = 20
TOPICS_PER_PAGE = 30
SITE = "HomeCue Community"
GENERATOR = "Discourse 3.4.0 - https://github.com/discourse/discourse version 4f1c2d0"
JSON_TYPE = "application/json; charset=utf-8"
SMALL_ACTION_BASE = 9_000_000  # ids of the invented "closed" notices

_TOPIC = re.compile(r"^/t/(?:([^/]+)/)??(\d+)(?:/(\d+))?(\.json)?/?$")
_POSTS = re.compile(r"^/t/(\d+)/posts\.json$")
_CATEGORY = re.compile(r"^/c/([^/]+?)(?:/(\d+))?(\.json)?/?$")
_NUMBERS: dict[int, tuple[weakref.ref, dict[int, dict[int, int]]]] = {}


# --- the community as Discourse sees it ----------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "topic"


def post_numbers(c: Community, thread: Thread) -> dict[int, int]:
    """Post number of each post uid: handed out in order once, never reused."""
    ref, by_thread = _NUMBERS.get(id(c), (None, None))
    if ref is None or ref() is not c:
        by_thread = {}
        _NUMBERS[id(c)] = (weakref.ref(c), by_thread)
    numbers = by_thread.setdefault(thread.uid, {})
    for post in sorted(thread.posts, key=lambda p: p.uid):
        if post.uid not in numbers:
            numbers[post.uid] = max(numbers.values(), default=0) + 1
    return numbers


def _categories(c: Community) -> list[tuple[int, Board]]:
    return list(enumerate(c.all_boards(), 1))


def _category(c: Community, board_id: str) -> tuple[int, Board]:
    return next((n, b) for n, b in _categories(c) if b.id == board_id)


def thread_path(c: Community, thread: Thread, page: int = 1) -> str:
    return f"/t/{_slug(thread.subject)}/{thread.uid}" + (f"?page={page}" if page > 1 else "")


def board_path(board: Board | None = None, page: int = 1) -> str:
    """A category's list by its slug (``/c/<slug>``, which Discourse also answers), else the
    latest topics; pages from 0."""
    path = f"/c/{board.slug.lower()}" if board is not None else INDEX_PATH
    return path + (f"?page={page - 1}" if page > 1 else "")


def _stream(c: Community, thread: Thread) -> list[tuple[int, int, Post | None]]:
    """(post id, post number, post) in order; a solved topic's closing notice has no post."""
    numbers = post_numbers(c, thread)
    items = [(p.uid, numbers[p.uid], p) for p in thread.posts]
    if thread.accepted_uid:
        items.append((SMALL_ACTION_BASE + thread.uid, max(numbers.values()) + 1, None))
    return items


def page_count(c: Community, thread: Thread) -> int:
    return max(1, -(-len(_stream(c, thread)) // POSTS_PER_PAGE))


def _display_name(user: User) -> str | None:
    return user.login.replace("_", " ").title() if "_" in user.login else None


def _utc(when: datetime) -> datetime:
    return when.astimezone(UTC)


def _iso(when: datetime) -> str:
    return _utc(when).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _shown(when: datetime) -> str:
    u = _utc(when)
    return f"{u:%B} {u.day}, {u.year}, {u.hour % 12 or 12:2d}:{u:%M}{'am' if u.hour < 12 else 'pm'}"


def _cooked(c: Community, thread: Thread, post: Post) -> str:
    numbers = post_numbers(c, thread)
    quotes = "".join(_quote(c, numbers, thread, q) for q in post.quotes)
    return quotes + "".join(f"<p>{escape(p)}</p>" for p in post.paragraphs)


def _quote(c: Community, numbers: dict[int, int], thread: Thread, q: Quote) -> str:
    inner = "".join(_quote(c, numbers, thread, i) for i in q.inner)
    found = c.find_post(q.post_uid) if q.post_uid else None
    body = f"<blockquote>\n{inner}<p>{escape(q.text)}</p>\n</blockquote>"
    if found is None:
        return body
    topic, source = found
    number = post_numbers(c, topic)[source.uid] if topic is not thread else numbers[source.uid]
    return (f'<aside class="quote no-group" data-username="{escape(q.author)}" '
            f'data-post="{number}" data-topic="{topic.uid}">\n<div class="title">\n'
            f'<div class="quote-controls"></div>\n {escape(q.author)}:</div>\n{body}\n</aside>\n')


def _reply_to(c: Community, thread: Thread, post: Post) -> int | None:
    numbers = post_numbers(c, thread)
    return next((numbers[q.post_uid] for q in post.quotes if q.post_uid in numbers), None)


# --- JSON ----------------------------------------------------------------------------------------


def _post_json(c: Community, thread: Thread, uid: int, number: int, post: Post | None) -> dict:
    accepted = thread.accepted_uid is not None
    if post is None:  # the closing notice of a solved topic
        return {"id": uid, "name": "system", "username": "system", "post_number": number,
                "post_type": 3, "action_code": "closed.enabled", "cooked": "",
                "created_at": _iso(thread.posts[-1].posted_at), "topic_id": thread.uid,
                "version": 1, "actions_summary": [], "accepted_answer": False,
                "topic_accepted_answer": accepted}
    likes = [{"id": 2, "count": post.kudos}] if post.kudos else []
    return {
        "id": uid, "name": _display_name(post.author), "username": post.author.login,
        "avatar_template": f"/user_avatar/demo/{post.author.login.lower()}/{{size}}/1_2.png",
        "created_at": _iso(post.posted_at), "cooked": _cooked(c, thread, post),
        "post_number": number, "post_type": 1,
        "updated_at": _iso(post.edited_at or post.posted_at),
        "reply_count": 0, "reply_to_post_number": _reply_to(c, thread, post),
        "quote_count": len(post.quotes), "incoming_link_count": 0, "reads": 3, "score": 0,
        "yours": False, "topic_id": thread.uid, "topic_slug": _slug(thread.subject),
        "display_username": _display_name(post.author), "version": 2 if post.edited_at else 1,
        "can_edit": False, "user_title": None, "actions_summary": likes, "moderator": False,
        "user_id": post.author.id or -1, "hidden": False, "deleted_at": None,
        "user_deleted": False, "accepted_answer": post.uid == thread.accepted_uid,
        "topic_accepted_answer": accepted,
    }


def topic_json(c: Community, thread: Thread, page: int) -> dict:
    stream = _stream(c, thread)
    shown = stream[(page - 1) * POSTS_PER_PAGE:page * POSTS_PER_PAGE]
    number, _ = _category(c, thread.board_id)
    data = {
        "post_stream": {"posts": [_post_json(c, thread, *item) for item in shown],
                        "stream": [uid for uid, _, _ in stream]},
        "id": thread.uid, "title": thread.subject, "fancy_title": escape(thread.subject),
        "posts_count": len(thread.posts), "created_at": _iso(thread.posts[0].posted_at),
        "views": thread.views, "reply_count": len(thread.posts) - 1,
        "last_posted_at": _iso(thread.last_post.posted_at), "visible": True,
        "closed": thread.accepted_uid is not None, "archived": False, "archetype": "regular",
        "slug": _slug(thread.subject), "category_id": number, "pinned": False,
        "highest_post_number": stream[-1][1], "chunk_size": POSTS_PER_PAGE,
        "details": {"created_by": {"username": thread.posts[0].author.login}},
    }
    if thread.accepted_uid is not None:
        found = next(p for p in thread.posts if p.uid == thread.accepted_uid)
        data["accepted_answer"] = {"post_number": post_numbers(c, thread)[found.uid],
                                   "username": found.author.login,
                                   "excerpt": escape(found.paragraphs[0][:100])}
    return data


def posts_json(c: Community, thread: Thread, ids: list[int]) -> dict:
    wanted = set(ids)
    items = [item for item in _stream(c, thread) if item[0] in wanted]
    return {"post_stream": {"posts": [_post_json(c, thread, *item) for item in items]},
            "id": thread.uid}


def _topic_row(c: Community, thread: Thread) -> dict:
    number, _ = _category(c, thread.board_id)
    return {"id": thread.uid, "title": thread.subject, "fancy_title": escape(thread.subject),
            "slug": _slug(thread.subject), "posts_count": len(thread.posts),
            "reply_count": len(thread.posts) - 1,
            "highest_post_number": _stream(c, thread)[-1][1],
            "created_at": _iso(thread.posts[0].posted_at),
            "last_posted_at": _iso(thread.last_post.posted_at), "bumped": True,
            "bumped_at": _iso(thread.modified_at), "pinned": False, "visible": True,
            "closed": thread.accepted_uid is not None, "archived": False, "views": thread.views,
            "like_count": sum(p.kudos for p in thread.posts), "category_id": number,
            "last_poster_username": thread.last_post.author.login,
            "has_accepted_answer": thread.accepted_uid is not None}


def list_json(c: Community, threads: list[Thread], path: str, page: int) -> dict:
    shown = threads[page * TOPICS_PER_PAGE:(page + 1) * TOPICS_PER_PAGE]
    topic_list = {"can_create_topic": False, "per_page": TOPICS_PER_PAGE,
                  "topics": [_topic_row(c, t) for t in shown]}
    if (page + 1) * TOPICS_PER_PAGE < len(threads):
        topic_list["more_topics_url"] = f"{path}?page={page + 1}"
    return {"users": [], "primary_groups": [], "topic_list": topic_list}


def categories_json(c: Community) -> dict:
    return {"category_list": {"can_create_category": False, "categories": [
        {"id": n, "name": b.title, "slug": b.slug.lower(), "topic_count": len(b.threads),
         "post_count": b.post_count, "description": b.description}
        for n, b in _categories(c)]}}


# --- HTML ----------------------------------------------------------------------------------------


def _head(title: str, canonical: str, extra: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="en" class="desktop-view not-mobile-device text-size-normal">
<head>
    <meta charset="utf-8">
    <title>{escape(title)} - {SITE}</title>
    <meta name="generator" content="{GENERATOR}">
    <link rel="canonical" href="{canonical}" />
    <meta property="og:site_name" content="{SITE}" />
{extra}</head>
"""


_HEADER = f'<header>\n  <a href="/">{SITE}</a>\n</header>\n'
_FOOTER = ("<footer class=\"container wrap\"><p class='powered-by-link'>Powered by "
           '<a href="https://www.discourse.org">Discourse</a>, best viewed with JavaScript '
           "enabled</p></footer>\n")


def _crawler_post(c: Community, thread: Thread, number: int, post: Post, base: str) -> str:
    first = number == 1
    user = post.author
    full = _display_name(user)
    time_prop = "" if first else "itemprop='datePublished' "
    modified = post.edited_at or post.posted_at
    item = "" if first else " itemprop='comment' itemscope itemtype='http://schema.org/Comment'"
    return f"""
          <div id='post_{number}'{item} class='topic-body crawler-post'>
            <div class='crawler-post-meta'>
              <span class="creator" itemprop="author" itemscope itemtype="http://schema.org/Person">
                <a itemprop="url" rel='nofollow' href='{base}/u/{escape(user.login)}'><span itemprop='name'>{escape(user.login)}</span></a>
                {f"({escape(full)})" if full else ""}
              </span>
              <span class="crawler-post-infos">
                  <time {time_prop}datetime='{_iso(post.posted_at)[:19]}Z' class='post-time'>
                    {_shown(post.posted_at)}
                  </time>
                  <meta itemprop='dateModified' content='{_iso(modified)[:19]}Z'>
              <span itemprop='position'>{number}</span>
              </span>
            </div>
            <div class='post' itemprop='text'>
              {_cooked(c, thread, post)}
            </div>
            <div itemprop="interactionStatistic" itemscope itemtype="http://schema.org/InteractionCounter">
              <meta itemprop="interactionType" content="http://schema.org/LikeAction"/>
              <meta itemprop="userInteractionCount" content="{post.kudos}" />
              <span class='post-likes'>{f"{post.kudos} Like" + ("s" if post.kudos > 1 else "") if post.kudos else ""}</span>
            </div>
          </div>"""


def _qa(c: Community, thread: Thread, base: str) -> str:
    if thread.accepted_uid is None:
        return ""
    answer = next(p for p in thread.posts if p.uid == thread.accepted_uid)
    number = post_numbers(c, thread)[answer.uid]
    data = {"@context": "http://schema.org", "@type": "QAPage", "name": thread.subject,
            "mainEntity": {"@type": "Question", "name": thread.subject,
                           "answerCount": 1, "acceptedAnswer": {
                               "@type": "Answer", "text": answer.paragraphs[0][:200],
                               "upvoteCount": answer.kudos,
                               "url": f"{base}{thread_path(c, thread)}/{number}",
                               "author": {"@type": "Person", "name": answer.author.login}}}}
    return f'    <script type="application/ld+json">{json.dumps(data)}</script>\n'


def topic_page(c: Community, thread: Thread, page: int, base: str) -> str:
    count = page_count(c, thread)
    shown = _stream(c, thread)[(page - 1) * POSTS_PER_PAGE:page * POSTS_PER_PAGE]
    number, board = _category(c, thread.board_id)
    links = "".join(
        f'    <link rel="{rel}" href="{thread_path(c, thread, n)}">\n'
        for rel, n, ok in (("prev", page - 1, page > 1), ("next", page + 1, page < count)) if ok)
    path = thread_path(c, thread)
    posts = "".join(_crawler_post(c, thread, n, p, base) for _, n, p in shown if p is not None)
    pager = "".join(
        f"<span itemprop='name'><a href='{thread_path(c, thread, n)}' rel='{rel}' "
        f"itemprop='url'>{label}</a></span>"
        for rel, n, ok, label in (("prev", page - 1, page > 1, "← previous page"),
                                  ("next", page + 1, page < count, "next page →")) if ok)
    if pager:
        pager = ("<div role='navigation' itemscope itemtype='http://schema.org/"
                 f"SiteNavigationElement' class=\"topic-body crawler-post\">{pager}</div>")
    return _head(thread.subject, base + thread_path(c, thread, page),
                 links + _qa(c, thread, base)) + f"""<body class="">
<section id="main"></section>
<div id="data-preloaded" data-preloaded="{escape(json.dumps({"site": "{}"}))}"></div>
<noscript data-path="{path}">
{_HEADER}<div id="main-outlet" class="wrap" role="main">
  <div id="topic-title">
    <h1><a href="{path}">{escape(thread.subject)}</a></h1>
    <div class="topic-category" itemscope itemtype="http://schema.org/BreadcrumbList">
      <span itemprop="itemListElement" itemscope itemtype="http://schema.org/ListItem">
        <a href="/c/{board.slug.lower()}/{number}" class="badge-wrapper bullet" itemprop="item">
          <span class='badge-category clear-badge'><span class='category-name' itemprop='name'>{escape(board.title)}</span></span>
        </a>
        <meta itemprop="position" content="1" />
      </span>
    </div>
  </div>
  <div itemscope itemtype='http://schema.org/DiscussionForumPosting'>
    <meta itemprop='headline' content='{escape(thread.subject)}'>
{posts}
  </div>
  {pager}
</div>
{_FOOTER}</noscript>
</body>
</html>
"""


def _row(c: Community, thread: Thread, position: int) -> str:
    number, board = _category(c, thread.board_id)
    last = _utc(thread.last_post.posted_at)
    return f"""<tr class="topic-list-item" id="topic-list-item-{thread.uid}">
  <td class="main-link" itemprop='itemListElement' itemscope itemtype='http://schema.org/ListItem'>
    <meta itemprop='position' content='{position}'>
    <span class="link-top-line"><a itemprop='url' href='{thread_path(c, thread)}' class='title raw-link raw-topic-link'>{escape(thread.subject)}</a></span>
    <div class="link-bottom-line"><a href='/c/{board.slug.lower()}/{number}' class='badge-wrapper bullet'><span class='category-name'>{escape(board.title)}</span></a></div>
  </td>
  <td class="replies"><span class='posts' title='posts'>{len(thread.posts) - 1}</span></td>
  <td class="views"><span class='views' title='views'>{thread.views}</span></td>
  <td>{last:%B} {last.day}, {last.year}</td>
</tr>
"""


def list_page(c: Community, threads: list[Thread], path: str, page: int, title: str,
              base: str) -> str:
    shown = threads[page * TOPICS_PER_PAGE:(page + 1) * TOPICS_PER_PAGE]
    more = (page + 1) * TOPICS_PER_PAGE < len(threads)
    link = f'    <link rel="next" href="{path}?page={page + 1}">\n' if more else ""
    rows = "".join(_row(c, t, page * TOPICS_PER_PAGE + i) for i, t in enumerate(shown, 1))
    pager = (f"<div role='navigation' itemscope itemtype='http://schema.org/SiteNavigationElement'"
             f"><span itemprop='name'><b><a rel='next' itemprop='url' href='{path}?page="
             f"{page + 1}'>next page →</a></b></span></div>") if more else ""
    canonical = base + path + (f"?page={page}" if page else "")
    return _head(title, canonical, link) + f"""<body class="crawler">
{_HEADER}<div id="main-outlet" class="wrap" role="main">
<div class="topic-list-container" itemscope itemtype='http://schema.org/ItemList'>
<table class='topic-list'>
<thead><tr><th>Topic</th><th class="replies">Replies</th><th class="views">Views</th><th>Activity</th></tr></thead>
<tbody>
{rows}</tbody>
</table>
</div>
{pager}
</div>
{_FOOTER}</body>
</html>
"""


def categories_page(c: Community, base: str) -> str:
    rows = "".join(
        f"<tr><td class='category'><h3><a href='/c/{b.slug.lower()}/{n}'>"
        f"<span class='category-name'>{escape(b.title)}</span></a></h3>"
        f"<div class='category-description'>{escape(b.description)}</div></td>"
        f"<td class='topics'>{len(b.threads)}</td></tr>\n" for n, b in _categories(c))
    return _head("Categories", base + "/categories") + f"""<body class="crawler">
{_HEADER}<div id="main-outlet" class="wrap" role="main">
<div class="category-list"><table class="category-list"><tbody>
{rows}</tbody></table></div>
</div>
{_FOOTER}</body>
</html>
"""


def not_found_page(base: str) -> str:
    return _head("Page Not Found", base + "/") + f"""<body class="crawler">
{_HEADER}<div id="main-outlet" class="wrap" role="main">
<div class="page-not-found"><h1 class="title">Oops! That page doesn’t exist or is private.</h1></div>
</div>
{_FOOTER}</body>
</html>
"""


def login_page(base: str) -> str:
    return _head("Log In", base + "/login") + f"""<body class="static-login">
<section id="main"></section>
<noscript data-path="/login">
{_HEADER}<div id="main-outlet" class="wrap" role="main">
<div id="simple-container"><div class="login-welcome"><h1>Welcome to {SITE}</h1>
<p>This is a private community: log in to read it.</p>
<a class="btn btn-primary" href="/login">Log In</a></div></div>
</div>
</noscript>
</body>
</html>
"""


def challenge_page() -> str:
    return ("<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
            "<div id=\"challenge-running\">Checking your browser before accessing the site.</div>"
            "</body></html>")


# --- routing -------------------------------------------------------------------------------------


def _json(data: dict, modified: datetime | None = None, status: int = 200) -> Page:
    return Page(status, json.dumps(data, ensure_ascii=False), modified=modified,
                content_type=JSON_TYPE)


def _not_found(base: str, as_json: bool) -> Page:
    if as_json:
        return _json({"errors": ["The requested URL or resource could not be found."],
                      "error_type": "not_found"}, status=404)
    return Page(404, not_found_page(base))


def _listing(c: Community, route: str, args: dict[str, str], base: str) -> Page | None:
    as_json = route.endswith(".json")
    plain = route.removesuffix(".json").rstrip("/") or "/"
    page = int(args["page"]) if args.get("page", "").isdigit() else 0
    ordered = sorted(c.threads(), key=lambda t: (t.modified_at, t.uid), reverse=True)
    if plain in ("/", INDEX_PATH):
        if as_json:
            return _json(list_json(c, ordered, INDEX_PATH, page), c.clock)
        return Page(html=list_page(c, ordered, INDEX_PATH, page, "Latest topics", base),
                    modified=c.clock)
    if plain == "/categories":
        if as_json:
            return _json(categories_json(c), c.clock)
        return Page(html=categories_page(c, base), modified=c.clock)
    m = _CATEGORY.match(route)
    if m is None:
        return None
    found = [(n, b) for n, b in _categories(c)
             if (str(n) == m.group(2) if m.group(2) else b.slug.lower() == m.group(1))]
    if not found:
        return _not_found(base, as_json)
    board = found[0][1]
    threads = [t for t in ordered if t.board_id == board.id]
    path = f"/c/{board.slug.lower()}/{found[0][0]}"
    if as_json:
        return _json(list_json(c, threads, path, page), c.clock)
    return Page(html=list_page(c, threads, path, page, board.title, base), modified=c.clock)


def page(c: Community, route: str, query: str, base: str, blocked: dict[int, str]) -> Page:
    pairs = parse_qsl(query)
    args = dict(pairs)
    listing = _listing(c, route, args, base)
    if listing is not None:
        return listing
    m, posts = _TOPIC.match(route), _POSTS.match(route)
    as_json = route.endswith(".json")
    uid = int(m.group(2)) if m else int(posts.group(1)) if posts else None
    thread = c.thread(uid) if uid is not None else None
    if thread is None:
        return _not_found(base, as_json)
    if thread.uid in blocked:
        if blocked[thread.uid] == "challenge":
            return Page(html=challenge_page(), modified=c.clock)
        if as_json:
            return _json({"errors": ["You need to be logged in to do that."],
                          "error_type": "not_logged_in"}, status=403)
        return Page(html=login_page(base), modified=c.clock)
    if posts:
        ids = [int(v) for k, v in pairs if k == "post_ids[]" and v.isdigit()]
        return _json(posts_json(c, thread, ids), thread.modified_at)
    number = int(args["page"]) if args.get("page", "").isdigit() else 1
    if m.group(3):  # /t/<slug>/<id>/<post number>: the page that holds it
        numbers = [n for _, n, _ in _stream(c, thread)]
        wanted = int(m.group(3))
        index = next((i for i, n in enumerate(numbers) if n >= wanted), len(numbers) - 1)
        number = 1 + index // POSTS_PER_PAGE
    elif m.group(1) is None and not as_json:
        return Page(301, location=base + thread_path(c, thread, number))
    if not 1 <= number <= page_count(c, thread):
        return _not_found(base, as_json)
    if as_json:
        return _json(topic_json(c, thread, number), thread.modified_at)
    return Page(html=topic_page(c, thread, number, base), modified=thread.modified_at)
