"""The demo community as a NodeBB forum (v4, Harmony theme), with its read API.

Every page is built from the data its ``/api/...`` twin serves (as NodeBB itself does): the
categories index (``/categories``, also ``/``), categories (``/category/<cid>/<slug>``, 20
topics a page, newest activity first), topics (``/topic/<tid>/<slug>``, 20 posts a page,
``?page=N``) and post permalinks (``/post/<pid>``, a redirect into the topic). Khoros-style
categories become parent categories, boards the categories that hold topics. Walled topics
answer the login page (HTML) or 401 (API); unknown routes NodeBB's 404 page or JSON.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import escape
from urllib.parse import parse_qs, quote

from scraper.demo.content import LAYOUT, Board, Community, Post, Quote, Thread, User
from scraper.demo.renderers import Page

NAME = "nodebb"
INDEX_PATH = "/categories"
ROBOTS = "User-agent: *\nDisallow: /admin/\nDisallow: /reset/\nDisallow: /compose\n"
POSTS_PER_PAGE = 20
TOPICS_PER_PAGE = 20
SITE = "HomeCue Community"
JSON_TYPE = "application/json; charset=utf-8"

_TOPIC = re.compile(r"^(/api)?/topic/(\d+)(?:/[^/]*)?(?:/(\d+))?/?$")
_CATEGORY = re.compile(r"^(/api)?/category/(\d+)(?:/[^/]*)?/?$")
_POST = re.compile(r"^(/api)?/post/(\d+)/?$")


def _slug(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text.lower()).strip("-")[:60] or "topic"


def _layout_ids(specs: tuple, cats: list[str], boards: list[str]) -> None:
    for cat_id, *_, board_specs, subcategories in specs:
        cats.append(cat_id)
        boards.extend(spec[0] for spec in board_specs)
        _layout_ids(subcategories, cats, boards)


def _static_cids() -> dict[str, int]:
    cats: list[str] = []
    boards: list[str] = []
    _layout_ids(LAYOUT, cats, boards)
    return {key: n for n, key in enumerate(cats + boards, 1)}


_CIDS = _static_cids()


def _cids(c: Community | None = None) -> dict[str, int]:
    """Numeric category ids: the demo layout's parent categories, then its boards (the
    categories that hold topics); the same for every community built from the layout."""
    return _CIDS


def thread_path(community: Community, thread: Thread, page: int = 1) -> str:
    return f"/topic/{thread.uid}/{_slug(thread.subject)}" + (f"?page={page}" if page > 1 else "")


def board_path(board: Board, page: int = 1, community: Community | None = None) -> str:
    cid = _cids(community)[board.id]
    return f"/category/{cid}/{_slug(board.title)}" + (f"?page={page}" if page > 1 else "")


def page_count(thread: Thread) -> int:
    return max(1, -(-len(thread.posts) // POSTS_PER_PAGE))


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _user(user: User) -> dict:
    if user.anonymous:
        # a guest's post: uid 0, the handle the guest typed, no profile
        return {"uid": 0, "username": user.login, "userslug": "", "displayname": user.login,
                "signature": ""}
    display = user.login.replace("_", " ").title() if (user.id or 0) % 3 == 0 else user.login
    return {"uid": user.id, "username": user.login, "userslug": _slug(user.login),
            "displayname": display, "signature": f"<p dir=\"auto\">{escape(user.signature)}</p>"
            if user.signature else "", "reputation": 0}


# --- data (the API's answers) --------------------------------------------------------------------


def _quote_html(c: Community, q: Quote) -> str:
    inner = "".join(_quote_html(c, i) for i in q.inner)
    head = ""
    found = c.find_post(q.post_uid) if q.post_uid else None
    if found:
        thread, _ = found
        head = (f'<p dir="auto"><a class="plugin-mentions-user plugin-mentions-a" href="/user/'
                f'{quote(_slug(q.author))}">@<bdi>{escape(q.author)}</bdi></a> said in <a href='
                f'"/post/{q.post_uid}">{escape(thread.subject)}</a>:</p>\n')
    return f"{head}<blockquote>\n{inner}<p dir=\"auto\">{escape(q.text)}</p>\n</blockquote>\n"


def _content(c: Community, post: Post) -> str:
    quotes = "".join(_quote_html(c, q) for q in post.quotes)
    return quotes + "".join(f'<p dir="auto">{escape(p)}</p>\n' for p in post.paragraphs)


def _post_data(c: Community, thread: Thread, index: int) -> dict:
    post = thread.posts[index]
    to_pid = next((q.post_uid for q in post.quotes if q.post_uid and c.find_post(q.post_uid)),
                  None)
    return {
        "pid": post.uid, "tid": thread.uid, "uid": post.author.id or 0, "index": index,
        "content": _content(c, post), "timestamp": _ms(post.posted_at),
        "timestampISO": _iso(post.posted_at),
        "edited": _ms(post.edited_at) if post.edited_at else 0,
        "editedISO": _iso(post.edited_at) if post.edited_at else "",
        "toPid": str(to_pid) if to_pid else None, "votes": post.kudos,
        "upvotes": post.kudos, "downvotes": 0, "deleted": 0, "user": _user(post.author),
        "isAnswer": post.uid == thread.accepted_uid,
    }


def topic_data(c: Community, thread: Thread, page: int) -> dict:
    count = page_count(thread)
    cids = _cids(c)
    board = c.board(thread.board_id)
    start = (page - 1) * POSTS_PER_PAGE
    crumbs = [{"text": "[[global:home]]", "url": "/"}]
    crumbs += _board_crumbs(c, board, cids) if board else []
    data = {
        "tid": thread.uid, "title": escape(thread.subject), "slug": thread_path(c, thread)[7:],
        "cid": cids[board.id] if board else 0, "postcount": len(thread.posts),
        "mainPid": thread.posts[0].uid, "viewcount": thread.views,
        "timestampISO": _iso(thread.posts[0].posted_at),
        "lastposttimeISO": _iso(thread.last_post.posted_at),
        "posts": [_post_data(c, thread, i)
                  for i in range(start, min(start + POSTS_PER_PAGE, len(thread.posts)))],
        "breadcrumbs": [*crumbs, {"text": escape(thread.subject)}],
        "pagination": {"currentPage": page, "pageCount": count},
        "template": {"name": "topic", "topic": True}, "bodyClass": f"page-topic page-topic-"
        f"{thread.uid} template-topic page-status-200 theme-harmony user-guest",
    }
    if thread.accepted_uid:
        data.update(isQuestion=1, isSolved=1, solvedPid=str(thread.accepted_uid))
    return data


def _board_crumbs(c: Community, board: Board, cids: dict[str, int]) -> list[dict]:
    crumbs = []
    cat = next((k for k in c.all_categories() if board in k.boards), None)
    chain = []
    while cat is not None:
        chain.insert(0, cat)
        cat = c.category(cat.parent_id) if cat.parent_id else None
    for k in chain:
        crumbs.append({"text": escape(k.title), "cid": cids[k.id],
                       "url": f"/category/{cids[k.id]}/{_slug(k.title)}"})
    crumbs.append({"text": escape(board.title), "cid": cids[board.id],
                   "url": board_path(board, 1, c)})
    return crumbs


def _topic_row(c: Community, thread: Thread, index: int) -> dict:
    last = thread.last_post
    return {
        "tid": thread.uid, "title": escape(thread.subject), "slug": thread_path(c, thread)[7:],
        "postcount": len(thread.posts), "viewcount": thread.views, "votes": thread.posts[0].kudos,
        "index": index, "timestampISO": _iso(thread.posts[0].posted_at),
        "lastposttimeISO": _iso(last.posted_at),
        "teaser": {"pid": last.uid, "index": len(thread.posts), "timestampISO": _iso(
            last.posted_at), "user": _user(last.author)},
    }


def _children(c: Community, cat, cids: dict[str, int]) -> list[dict]:
    kids = [{"cid": cids[k.id], "name": escape(k.title), "slug": f"{cids[k.id]}/{_slug(k.title)}",
             "description": escape(k.description)} for k in cat.categories]
    kids += [{"cid": cids[b.id], "name": escape(b.title), "slug": board_path(b, 1, c)[10:],
              "description": escape(b.description)} for b in cat.boards]
    return kids


def category_data(c: Community, cid: int, page: int) -> dict | None:
    cids = _cids(c)
    key = next((k for k, v in cids.items() if v == cid), None)
    board, cat = c.board(key or ""), c.category(key or "")
    if board is None and cat is None:
        return None
    name = (board or cat).title
    threads = sorted(board.threads, key=lambda t: (t.last_post.posted_at, t.uid),
                     reverse=True) if board else []
    count = max(1, -(-len(threads) // TOPICS_PER_PAGE))
    page = min(max(1, page), count)
    start = (page - 1) * TOPICS_PER_PAGE
    crumbs = _board_crumbs(c, board, cids) if board else []
    return {
        "cid": cid, "name": escape(name), "slug": f"{cid}/{_slug(name)}",
        "topics": [_topic_row(c, t, i) for i, t in enumerate(threads[start:start +
                   TOPICS_PER_PAGE], start)],
        "children": _children(c, cat, cids) if cat else [],
        "breadcrumbs": [{"text": "[[global:home]]", "url": "/"}, *crumbs[:-1],
                        {"text": escape(name)}],
        "pagination": {"currentPage": page, "pageCount": count},
        "template": {"name": "category", "category": True},
    }


def categories_data(c: Community) -> dict:
    cids = _cids(c)
    return {"categories": [
        {"cid": cids[k.id], "name": escape(k.title), "slug": f"{cids[k.id]}/{_slug(k.title)}",
         "description": escape(k.description), "children": _children(c, k, cids)}
        for k in c.categories
    ], "template": {"name": "categories", "categories": True}}


# --- HTML (Harmony) ------------------------------------------------------------------------------


def _doc(title: str, body_class: str, data: dict, main: str, base: str, canonical: str) -> str:
    script = json.dumps(data).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="en-GB" data-dir="ltr" style="direction: ltr;">
<head>
<title>{title} | {SITE}</title>
<meta name="viewport" content="width&#x3D;device-width, initial-scale&#x3D;1.0" />
<link rel="canonical" href="{base}{canonical}" />
<link rel="stylesheet" type="text/css" href="/assets/client.css?v=9a1f3c" />
</head>
<body class="{body_class} theme-harmony user-guest skin-noskin">
<a class="visually-hidden-focusable position-absolute top-0 start-0 p-3 m-3 bg-body" href="#content">Skip to content</a>
<div class="layout-container d-flex justify-content-between pb-4 pb-md-0">
<nav component="sidebar/left" class="text-dark bg-light sidebar sidebar-left start-0 border-end vh-100 d-none d-lg-flex flex-column justify-content-between sticky-top">
<ul class="list-unstyled d-flex flex-column w-100 gap-2 mt-2 overflow-y-auto">
<li class="nav-item mx-2" title="Categories"><a class="nav-link navigation-link d-flex gap-2" href="/categories"><span class="nav-text small visible-open fw-semibold">Categories</span></a></li>
<li class="nav-item mx-2" title="Login"><a class="nav-link" href="/login"><span>Log in</span></a></li>
</ul></nav>
<main id="panel" class="d-flex flex-column gap-3 flex-grow-1 mt-3" style="min-width: 0;">
<div class="container-lg px-md-4 d-flex flex-column gap-3 h-100 mb-5 mb-lg-0" id="content">
{main}
</div></main></div>
<script id="ajaxify-data" type="application/json">{script}</script>
<script defer src="/assets/nodebb.min.js?v=9a1f3c"></script>
</body>
</html>
"""


def _breadcrumbs(crumbs: list[dict]) -> str:
    items = []
    for n, crumb in enumerate(crumbs, 1):
        text = "Home" if crumb["text"] == "[[global:home]]" else crumb["text"]
        if crumb.get("url"):
            items.append(f'<li itemscope="itemscope" itemprop="itemListElement" itemtype="http://'
                         f'schema.org/ListItem" class="breadcrumb-item "><meta itemprop="position"'
                         f' content="{n}" /><a href="{crumb["url"]}" itemprop="item"><span class='
                         f'"fw-semibold" itemprop="name">{text}</span></a></li>')
        else:
            items.append(f'<li component="breadcrumb/current" itemscope="itemscope" itemprop='
                         f'"itemListElement" itemtype="http://schema.org/ListItem" class='
                         f'"breadcrumb-item active"><meta itemprop="position" content="{n}" />'
                         f'<span class="fw-semibold" itemprop="name">{text}</span></li>')
    return (f'<ol class="breadcrumb mb-0 " itemscope="itemscope" itemprop="breadcrumb" itemtype='
            f'"http://schema.org/BreadcrumbList">{"".join(items)}</ol>')


def _pagination(pagination: dict, path: str) -> str:
    current, count = pagination["currentPage"], pagination["pageCount"]
    links = "".join(
        f'<li class="page-item{" active" if n == current else ""}"><a class="page-link" href="'
        f'{path}?page={n}" data-page="{n}">{n}</a></li>' for n in range(1, count + 1)
    ) if count > 1 else ""
    return (f'<nav component="pagination" class="pagination-container mt-3 hidden" aria-label='
            f'"Pagination"><ul class="pagination pagination-sm gap-1 hidden-xs hidden-sm '
            f'justify-content-center">{links}</ul></nav>')


def _post_html(p: dict, base: str) -> str:
    u = p["user"]
    who = f"/user/{quote(u['userslug'])}" if u["userslug"] else None
    name = (f'<a class="fw-bold text-nowrap text-truncate" href="{who}" data-username="'
            f'{escape(u["username"])}" data-uid="{u["uid"]}">{escape(u["displayname"])}</a>'
            if who else f'<span class="fw-bold">{escape(u["displayname"])}</span>')
    edited = ('<i component="post/edit-indicator" class="fa fa-edit text-muted edit-icon hidden"'
              ' title="Edited Invalid Date"></i>')
    modified = ""
    if p["edited"]:
        shown = datetime.fromtimestamp(p["edited"] / 1000, UTC)
        edited = (f'<i component="post/edit-indicator" class="fa fa-edit text-muted edit-icon " '
                  f'title="Edited {shown.month}/{shown.day}/{shown:%y}, '
                  f'{shown.hour % 12 or 12}:{shown:%M %p}"></i>')
        modified = f'<meta itemprop="dateModified" content="{p["editedISO"]}">'
    parent = ""
    if p["toPid"]:
        parent = (f'<div component="post/parent" data-collapsed="true" data-parent-pid="'
                  f'{p["toPid"]}" class="btn btn-ghost btn-sm d-flex gap-2 text-start flex-row '
                  f'mb-2"><a href="/post/{p["toPid"]}" class="text-muted timeago hidden"></a>'
                  f'<div component="post/parent/content" class="text-muted line-clamp-1">'
                  f'</div></div>')
    signature = (f'<div component="post/signature" data-uid="{u["uid"]}" class="text-xs '
                 f'text-muted mt-2"><hr />\n{u["signature"]}</div>') if u["signature"] else ""
    owner = " topic-owner-post" if p["index"] == 0 else ""
    return f"""<li component="post" class="pt-4  {owner}" data-index="{p["index"]}" data-pid="{p["pid"]}" data-uid="{p["uid"]}" data-timestamp="{p["timestamp"]}" data-username="{escape(u["username"])}" data-userslug="{u["userslug"]}" itemprop="comment" itemtype="http://schema.org/Comment" itemscope>
<a component="post/anchor" data-index="{p["index"]}" id="{p["index"] + 1}"></a>
<meta itemprop="datePublished" content="{p["timestampISO"]}">
{modified}
{parent}
<div class="d-flex align-items-start gap-3 post-container-parent">
<div class="post-container d-flex gap-2 flex-grow-1 flex-column w-100" style="min-width:0;">
<div class="d-flex align-items-start justify-content-between gap-1 flex-nowrap w-100 post-header" itemprop="author" itemscope itemtype="https://schema.org/Person">
<div class="d-flex gap-1 flex-wrap align-items-center text-truncate">
<meta itemprop="name" content="{escape(u["username"])}">
<div class="d-flex flex-nowrap gap-1 align-items-center text-truncate">{name}</div>
<div class="d-flex gap-1 align-items-center">
<span class="text-muted">wrote on <a href="/post/{p["pid"]}" class="timeago text-muted" title="{p["timestampISO"]}"></a></span>
{edited}
</div></div>
<div class="d-flex align-items-center gap-1 justify-content-end"><a href="/post/{p["pid"]}" class="post-index text-muted d-none d-md-inline">#{p["index"] + 1}</a></div>
</div>
<div class="content text-break" component="post/content" itemprop="text">
{p["content"]}</div>
<div component="post/footer" class="post-footer border-bottom pb-2">
{signature}
<div class="d-flex flex-wrap-reverse gap-2 justify-content-between">
<div component="post/actions" class="d-flex flex-grow-1 align-items-center justify-content-end gap-1 post-tools">
<div class="d-flex votes align-items-center">
<a component="post/upvote" href="#" class="btn btn-ghost btn-sm" title="Upvote post"><i class="fa fa-fw fa-chevron-up text-primary"></i></a>
<meta itemprop="upvoteCount" content="{p["upvotes"]}">
<a href="#" class="px-2 mx-1 btn btn-ghost btn-sm" component="post/vote-count" data-votes="{p["votes"]}" title="Voters">{p["votes"]}</a>
</div></div></div>
<div component="post/replies/container" class="my-2 col-11 border rounded-1 p-3 hidden-empty"></div>
</div></div></div>
</li>
"""


def topic_html(data: dict, base: str) -> str:
    path = "/topic/" + data["slug"]
    solved = ('<span class="answered badge border text-bg-success border-success"><i class="fa '
              'fa-check"></i> Solved</span>') if data.get("isSolved") else ""
    main = f"""<div class="d-flex flex-column gap-3">{_breadcrumbs(data["breadcrumbs"])}</div>
<div class="topic-header sticky-top mb-3 bg-body"><h1 component="post/header" class="tracking-tight fw-semibold fs-3 mb-0 text-break ">
<span class="topic-title" component="topic/title">{data["title"]}</span></h1>
<div class="topic-info d-flex gap-2 align-items-center flex-wrap">{solved}<span class="badge text-body border stats text-xs"><span component="topic/post-count" title="{data["postcount"]}" class="fw-bold">{data["postcount"]}</span><span class="hidden-xs text-lowercase fw-normal">Posts</span></span></div></div>
<div class="topic col-lg-12">
<ul component="topic" class="posts timeline list-unstyled p-0 py-3" style="min-width: 0;" data-tid="{data["tid"]}" data-cid="{data["cid"]}">
{"".join(_post_html(p, base) for p in data["posts"])}
</ul>
{_pagination(data["pagination"], path)}
</div>"""
    return _doc(data["title"], data["bodyClass"], data, main, base, path)


def _row_html(t: dict) -> str:
    teaser = t["teaser"]
    return f"""<li component="category/topic" class="category-item hover-parent border-bottom py-3 py-lg-4 d-flex flex-column flex-lg-row align-items-start" data-tid="{t["tid"]}" data-index="{t["index"]}" itemprop="itemListElement" itemscope itemtype="https://schema.org/ListItem">
<link itemprop="url" content="/topic/{t["slug"]}" />
<meta itemprop="name" content="{t["title"]}" />
<a id="{t["index"]}" data-index="{t["index"]}" component="topic/anchor"></a>
<div class="d-flex p-0 col-12 col-lg-7 gap-2 gap-lg-3 pe-1 align-items-start">
<div class="flex-grow-1 d-flex flex-wrap gap-1 position-relative">
<h3 component="topic/header" class="title text-break fs-5 fw-semibold m-0 tracking-tight w-100">
<a class="text-reset" href="/topic/{t["slug"]}">{t["title"]}</a></h3>
<span component="topic/pinned" class="badge border border-gray-300 text-body hidden"><i class="fa fa-thumb-tack"></i><span> Pinned</span></span>
<span component="topic/locked" class="badge border border-gray-300 text-body hidden"><i class="fa fa-lock"></i><span> Locked</span></span>
<span class="text-muted"><span class="timeago text-muted" title="{t["timestampISO"]}"></span></span>
</div></div>
<div class="d-flex p-0 col-lg-5 col-12 align-content-stretch">
<div class="meta stats d-none d-lg-grid col-6 gap-1 pe-2 text-muted" style="grid-template-columns: 1fr 1fr 1fr;">
<div class="stats-votes overflow-hidden d-flex flex-column align-items-center"><span class="fs-4" title="{t["votes"]}">{t["votes"]}</span><span class="d-none d-xl-flex text-uppercase text-xs">votes</span></div>
<div class="stats-postcount overflow-hidden d-flex flex-column align-items-center"><span class="fs-4" title="{t["postcount"]}">{t["postcount"]}</span><span class="d-none d-xl-flex text-uppercase text-xs">posts</span></div>
<div class="stats-viewcount overflow-hidden d-flex flex-column align-items-center"><span class="fs-4" title="{t["viewcount"]}">{t["viewcount"]}</span><span class="d-none d-xl-flex text-uppercase text-xs">views</span></div>
</div>
<div component="topic/teaser" class="meta teaser col-lg-6 col-12 d-none d-lg-block">
<div class="lastpost border-start border-2 lh-sm h-100">
<a class="permalink text-muted timeago text-xs" href="/topic/{t["slug"]}/{teaser["index"]}" title="{teaser["timestampISO"]}" aria-label="Last post"></a>
</div></div></div>
</li>
"""


def category_html(data: dict, base: str) -> str:
    path = "/category/" + data["slug"]
    children = "".join(
        f'<li component="categories/category" data-cid="{k["cid"]}" class="w-100 border-bottom '
        f'py-3"><h2 class="title text-break fs-4 fw-semibold m-0"><a href="/category/{k["slug"]}"'
        f'>{k["name"]}</a></h2><div class="description text-muted text-sm">{k["description"]}'
        f'</div></li>' for k in data["children"])
    main = f"""<div class="d-flex flex-column gap-3">{_breadcrumbs(data["breadcrumbs"])}</div>
<div class="category d-flex flex-column" component="category" itemscope itemtype="http://www.schema.org/ItemList" data-nextstart="20" data-set="cid:{data["cid"]}:tids">
{f'<ul class="categories-list list-unstyled">{children}</ul>' if children else ""}
<ul component="category" class="topics-list list-unstyled">
{"".join(_row_html(t) for t in data["topics"])}
</ul>
{_pagination(data["pagination"], path)}
</div>"""
    return _doc(data["name"], f"page-category page-category-{data['cid']} template-category "
                "page-status-200", data, main, base, path)


def categories_html(data: dict, base: str) -> str:
    items = []
    for cat in data["categories"]:
        kids = "".join(f'<li><a href="/category/{k["slug"]}">{k["name"]}</a></li>'
                       for k in cat["children"])
        items.append(f'<li component="categories/category" data-cid="{cat["cid"]}" class="w-100 '
                     f'border-bottom py-3"><h2 class="title fs-4 fw-semibold m-0"><a href="/category/'
                     f'{cat["slug"]}">{cat["name"]}</a></h2><ul class="list-unstyled category-children'
                     f'">{kids}</ul></li>')
    main = (f'<h2 class="fs-5 tracking-tight fw-semibold">Categories</h2><ul class="categories-list'
            f' list-unstyled" itemscope itemtype="http://www.schema.org/ItemList">{"".join(items)}'
            f'</ul>')
    return _doc("Categories", "page-categories template-categories page-status-200", data, main,
                base, "/categories")


def login_html(base: str) -> str:
    data = {"template": {"name": "login", "login": True}, "title": "[[pages:login]]"}
    main = ('<div class="row login flex-fill"><h2 class="tracking-tight fw-semibold">Login</h2>'
            '<form component="login" role="form" method="post" action="/login"><input class='
            '"form-control" type="text" name="username" id="username" autocomplete="username" />'
            '<input class="form-control" type="password" name="password" id="password" />'
            '<button class="btn btn-primary" id="login" type="submit">Login</button></form></div>')
    return _doc("Login to your account", "page-login template-login page-status-200", data, main,
                base, "/login")


def challenge_html() -> str:
    return ("<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
            "<div id=\"challenge-running\">Checking your browser before accessing the forum."
            "</div></body></html>")


def not_found_html(base: str) -> str:
    data = {"template": {"name": "404", "404": True}, "title": "[[global:404.title]]"}
    main = ('<div class="flex-fill"><h2 class="fw-semibold">404 Not Found</h2><p>You seem to '
            'have stumbled upon a page that does not exist.</p></div>')
    return _doc("404 Not Found", "page-status-404 template-404", data, main, base, "/404")


# --- routing -------------------------------------------------------------------------------------


def _json(data: dict, status: int = 200, modified: datetime | None = None) -> Page:
    return Page(status, json.dumps(data), modified=modified, content_type=JSON_TYPE)


def page(c: Community, route: str, query: str, base: str, blocked: dict[int, str]) -> Page:
    args = {k: v[-1] for k, v in parse_qs(query).items()}
    number = int(args["page"]) if args.get("page", "").isdigit() else 1
    api = route.startswith("/api/")
    if route.rstrip("/") in ("", INDEX_PATH, "/api" + INDEX_PATH, "/api"):
        data = categories_data(c)
        return _json(data, modified=c.clock) if api else Page(
            html=categories_html(data, base), modified=c.clock)
    if m := _POST.match(route):
        found = c.find_post(int(m.group(2)))
        if found:
            thread, post = found
            return Page(302, location=f"{base}{thread_path(c, thread)}/"
                                      f"{thread.posts.index(post) + 1}")
    if m := _CATEGORY.match(route):
        data = category_data(c, int(m.group(2)), number)
        if data is not None:
            return _json(data, modified=c.clock) if api else Page(
                html=category_html(data, base), modified=c.clock)
    if (m := _TOPIC.match(route)) and (thread := c.thread(int(m.group(2)))) is not None:
        return _topic(c, thread, m, number, api, base, blocked)
    if api:
        return _json({"path": route[4:], "title": "[[global:404.title]]"}, 404)
    return Page(404, not_found_html(base))


def _topic(c: Community, thread: Thread, m: re.Match[str], number: int, api: bool, base: str,
           blocked: dict[int, str]) -> Page:
    if thread.uid in blocked:
        if blocked[thread.uid] == "challenge":
            return Page(html=challenge_html(), status=200)
        if api:
            return _json({"path": f"/topic/{thread.uid}", "loggedIn": False,
                          "title": "[[global:403.title]]"}, 401)
        return Page(html=login_html(base), modified=c.clock)
    if m.group(3):  # a post index: the page that holds it
        number = (int(m.group(3)) - 1) // POSTS_PER_PAGE + 1
    data = topic_data(c, thread, min(max(1, number), page_count(thread)))
    if api:
        return _json(data, modified=thread.modified_at)
    return Page(html=topic_html(data, base), modified=thread.modified_at)
