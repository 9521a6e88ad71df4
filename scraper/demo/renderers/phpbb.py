"""The demo community as a phpBB 3.3 board (prosilver): index.php, viewforum.php, viewtopic.php.

Categories become forums that hold forums (phpBB's categories are forums too), boards become
forums with topics. Like a real board seen by a cookie-less guest, every link carries a
``sid=``; times are shown in the board zone beside ``time[datetime]`` (UTC), and the footer
states the zone. Blocked topics answer the login page with HTTP 200, unknown ones 404
"The requested topic does not exist."
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime
from html import escape
from urllib.parse import parse_qs

from scraper.demo.content import (
    LAYOUT,
    SITE_TZ,
    Board,
    Category,
    Community,
    Post,
    Quote,
    Thread,
    User,
)
from scraper.demo.renderers import Page

NAME = "phpbb"
ROBOTS = (
    "User-agent: *\n"
    "Disallow: /posting.php\n"
    "Disallow: /search.php\n"
    "Disallow: /ucp.php\n"
    "Disallow: /memberlist.php\n"
)
INDEX_PATH = "/index.php"
POSTS_PER_PAGE = 10
TOPICS_PER_PAGE = 20
_CATEGORY_BASE = 1
_BOARD_BASE = 100


# --- ids and URLs ----------------------------------------------------------------------------


def _layout_ids(specs: tuple = LAYOUT) -> tuple[list[str], list[str]]:
    """Category and board ids in the order ``build_community`` creates them."""
    cats: list[str] = []
    boards: list[str] = []
    for spec in specs:
        cats.append(spec[0])
        sub_cats, sub_boards = _layout_ids(spec[5])
        boards += [b[0] for b in spec[4]] + sub_boards
        cats += sub_cats
    return cats, boards


_CATS, _BOARDS = _layout_ids()
# Numeric forum ids (phpBB numbers every forum, categories included), fixed by the layout.
FORUM_IDS = {f"c:{cid}": _CATEGORY_BASE + i for i, cid in enumerate(_CATS)}
FORUM_IDS |= {f"b:{bid}": _BOARD_BASE + i for i, bid in enumerate(_BOARDS)}
_BY_NUMBER = {number: key for key, number in FORUM_IDS.items()}


def board_path(board: Board, page: int = 1) -> str:
    """``/viewforum.php?f=F[&start=K]``."""
    start = (page - 1) * TOPICS_PER_PAGE
    return f"/viewforum.php?f={FORUM_IDS['b:' + board.id]}" + (f"&start={start}" if start else "")


def thread_path(community: Community, thread: Thread, page: int = 1) -> str:
    """``/viewtopic.php?t=T[&start=K]`` (what the canonical link names)."""
    start = (page - 1) * POSTS_PER_PAGE
    return f"/viewtopic.php?t={thread.uid}" + (f"&start={start}" if start else "")


def forum_path(node: Board | Category) -> str:
    if isinstance(node, Board):
        return board_path(node)
    return f"/viewforum.php?f={FORUM_IDS['c:' + node.id]}"


def _forum_id(node: Board | Category) -> int:
    return FORUM_IDS[("b:" if isinstance(node, Board) else "c:") + node.id]


class _Links:
    """Links as a guest sees them: relative, with ``sid=`` (``&amp;`` in the markup)."""

    def __init__(self, c: Community) -> None:
        self.sid = hashlib.md5(c.clock.isoformat().encode()).hexdigest()

    def __call__(self, path: str, fragment: str = "") -> str:
        joiner = "&amp;" if "?" in path else "?"
        href = "." + path.replace("&", "&amp;") + f"{joiner}sid={self.sid}"
        return href + (f"#{fragment}" if fragment else "")


# --- page frame ------------------------------------------------------------------------------


def _e(text: str) -> str:
    return escape(text, quote=True)


def _shown(when: datetime) -> str:
    local = when.astimezone(SITE_TZ)
    return local.strftime("%a %b %d, %Y ") + local.strftime("%I:%M %p").lstrip("0").lower()


def _time(when: datetime) -> str:
    instant = when.astimezone(UTC).replace(microsecond=0).isoformat()
    return f'<time datetime="{instant}">{_shown(when)}</time>'


def _zone_label(c: Community) -> str:
    offset = c.clock.astimezone(SITE_TZ).utcoffset()
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _frame(c: Community, link: _Links, section: str, title: str, crumbs: str, body: str,
           canonical: str | None = None) -> str:
    return f"""<!DOCTYPE html>
<html dir="ltr" lang="en-gb">
<head>
<meta charset="utf-8" />
<title>{_e(title)} - {_e(c.title)}</title>
{f'<link rel="canonical" href="{_e(canonical)}">' if canonical else ""}
</head>
<body id="phpbb" class="nojs notouch section-{section} ltr ">
<div id="wrap" class="wrap">
<div id="page-header"><div class="navbar" role="navigation"><div class="inner">
<ul id="nav-main" class="nav-main linklist" role="menubar">
<li class="rightside" data-skip-responsive="true"><a href="{link('/ucp.php?mode=login')}"
title="Login" accesskey="x" role="menuitem"><span>Login</span></a></li>
</ul>
<ul id="nav-breadcrumbs" class="nav-breadcrumbs linklist navlinks" role="menubar">
<li class="breadcrumbs" itemscope itemtype="https://schema.org/BreadcrumbList">
<span class="crumb" itemtype="https://schema.org/ListItem" itemprop="itemListElement" itemscope>
<a itemprop="item" href="{link('/index.php')}" accesskey="h" data-navbar-reference="index">
<span itemprop="name">Board index</span></a></span>{crumbs}
</li>
</ul>
</div></div></div>
<div id="page-body" class="page-body" role="main">
{body}
</div>
<div id="page-footer" class="page-footer" role="contentinfo">
<div class="navbar" role="navigation"><div class="inner">
<ul id="nav-footer" class="nav-footer linklist" role="menubar">
<li class="rightside">All times are <span title="{SITE_TZ.key}">{_zone_label(c)}</span></li>
</ul>
</div></div>
<div class="copyright">Powered by <a href="https://www.phpbb.com/">phpBB</a>&reg;
Forum Software &copy; phpBB Limited</div>
</div>
</div>
</body>
</html>
"""


def _crumb(link: _Links, path: str, title: str, forum_id: int) -> str:
    return (f'\n<span class="crumb" itemtype="https://schema.org/ListItem" '
            f'itemprop="itemListElement" itemscope data-forum-id="{forum_id}"><a itemprop="item" '
            f'href="{link(path)}"><span itemprop="name">{_e(title)}</span></a></span>')


def _trail(c: Community, link: _Links, node: Board | Category) -> str:
    chain: list[Board | Category] = [node]
    parent_id = node.category_id if isinstance(node, Board) else node.parent_id
    while parent_id:
        cat = c.category(parent_id)
        chain.insert(0, cat)
        parent_id = cat.parent_id
    return "".join(_crumb(link, forum_path(n), n.title, _forum_id(n)) for n in chain)


def _pagination(link: _Links, base: str, page: int, pages: int, total: str, step: int) -> str:
    if pages <= 1:
        return (f'<div class="pagination">{total} &bull; Page <strong>1</strong> of '
                f'<strong>1</strong></div>')

    def href(n: int) -> str:
        return link(base + (f"&start={(n - 1) * step}" if n > 1 else ""))

    items = []
    if page > 1:
        items.append(f'<li class="arrow previous"><a class="button button-icon-only" '
                     f'href="{href(page - 1)}" rel="prev" role="button"><span class="sr-only">'
                     f'Previous</span></a></li>')
    for n in range(1, pages + 1):
        if n == page:
            items.append(f'<li class="active"><span>{n}</span></li>')
        else:
            items.append(f'<li><a class="button" href="{href(n)}" role="button">{n}</a></li>')
    if page < pages:
        items.append(f'<li class="arrow next"><a class="button button-icon-only" '
                     f'href="{href(page + 1)}" rel="next" role="button"><span class="sr-only">'
                     f'Next</span></a></li>')
    return f'<div class="pagination">{total}<ul>{"".join(items)}</ul></div>'


# --- pages -----------------------------------------------------------------------------------


def page(community: Community, route: str, query: str, base: str, blocked: dict) -> Page:
    c = community
    params = {k: v[0] for k, v in parse_qs(query).items()}
    start = int(params["start"]) if params.get("start", "").isdigit() else 0
    link = _Links(c)
    if route in ("/", "/index.php"):
        return Page(html=_index(c, link), modified=c.clock)
    if route == "/viewforum.php" and params.get("f", "").isdigit():
        return _forum(c, link, int(params["f"]), start)
    if route == "/viewtopic.php" and (params.get("t", "").isdigit()
                                      or params.get("p", "").isdigit()):
        return _topic_page(c, link, params, start, base, blocked)
    return _message(c, link, 404, "The requested page does not exist.")


def _topic_page(c: Community, link: _Links, params: dict[str, str], start: int, base: str,
                blocked: dict) -> Page:
    """A topic page by ``t=`` and ``start=``, or the page holding post ``p=`` (served in place,
    no redirect, as phpBB does)."""
    if "p" in params and params["p"].isdigit():
        found = c.find_post(int(params["p"]))
        thread = found[0] if found else None
        start = thread.posts.index(found[1]) if found else 0
    else:
        thread = c.thread(int(params["t"]))
    if thread is None:
        return _message(c, link, 404, "The requested topic does not exist.")
    if thread.uid in blocked:
        return Page(html=_login(c, link), modified=c.clock)
    pages = max(1, math.ceil(len(thread.posts) / POSTS_PER_PAGE))
    number = min(start // POSTS_PER_PAGE + 1, pages)
    canonical = base + thread_path(c, thread, number)
    return Page(html=_topic(c, link, thread, number, pages, canonical),
                modified=thread.modified_at)


def _message(c: Community, link: _Links, status: int, text: str) -> Page:
    body = (f'<div class="panel" id="message" role="main"><div class="inner">'
            f'<h2 class="message-title">Information</h2><p>{_e(text)}</p></div></div>')
    return Page(status=status, html=_frame(c, link, "viewtopic", "Information", "", body))


def _login(c: Community, link: _Links) -> str:
    body = f"""<form action="{link('/ucp.php?mode=login')}" method="post" id="login"
data-focus="username">
<div class="panel"><div class="inner"><div class="content">
<h2 class="login-title">The board requires you to be registered and logged in
to view this forum.</h2>
<fieldset class="fields1">
<dl><dt><label for="username">Username:</label></dt><dd><input type="text" tabindex="1"
name="username" id="username" size="25" value="" class="inputbox autowidth" /></dd></dl>
<dl><dt><label for="password">Password:</label></dt><dd><input type="password" tabindex="2"
id="password" name="password" size="25" class="inputbox autowidth" autocomplete="off" /></dd></dl>
<dl><dt>&nbsp;</dt><dd><input type="submit" name="login" tabindex="6" value="Login" class="button1"
/></dd></dl>
</fieldset>
</div></div></div>
</form>"""
    return _frame(c, link, "viewtopic", "Login", "", body)


def _forum_row(c: Community, link: _Links, node: Board | Category) -> str:
    if isinstance(node, Board):
        topics, posts = len(node.threads), node.post_count
        subs = ""
    else:
        topics, posts = node.thread_count, node.post_count
        subs = ", ".join(
            f'<a href="{link(forum_path(b))}" class="subforum read" title="No unread posts">'
            f'{_e(b.title)}</a>' for b in [*node.boards, *node.categories])
        subs = f"<br /><strong>Subforums:</strong> {subs}" if subs else ""
    return f"""<li class="row">
<dl class="row-item forum_read">
<dt title="No unread posts"><div class="list-inner">
<a href="{link(forum_path(node))}" class="forumtitle">{_e(node.title)}</a>
<br />{_e(node.description)}{subs}
</div></dt>
<dd class="topics">{topics} <dfn>Topics</dfn></dd>
<dd class="posts">{posts} <dfn>Posts</dfn></dd>
<dd class="lastpost"><span>No posts</span></dd>
</dl>
</li>"""


def _forum_block(c: Community, link: _Links, header: Category | None,
                 nodes: list[Board | Category]) -> str:
    title = (f'<a href="{link(forum_path(header))}">{_e(header.title)}</a>' if header
             else "Forum")
    rows = "\n".join(_forum_row(c, link, n) for n in nodes)
    return f"""<div class="forabg"><div class="inner">
<ul class="topiclist"><li class="header"><dl class="row-item"><dt>
<div class="list-inner">{title}</div></dt>
<dd class="topics">Topics</dd><dd class="posts">Posts</dd><dd class="lastpost">
<span>Last post</span></dd></dl></li></ul>
<ul class="topiclist forums">
{rows}
</ul>
</div></div>"""


def _index(c: Community, link: _Links) -> str:
    blocks = "\n".join(_forum_block(c, link, cat, [*cat.boards, *cat.categories])
                       for cat in c.categories)
    login = f"""<form method="post" action="{link('/ucp.php?mode=login')}" class="headerspace">
<h3><a href="{link('/ucp.php?mode=login')}">Login</a>&nbsp; &bull; &nbsp;
<a href="{link('/ucp.php?mode=register')}">Register</a></h3>
<fieldset class="quick-login">
<label for="username"><span>Username:</span> <input type="text" tabindex="1" name="username"
id="username" size="10" class="inputbox" title="Username" /></label>
<label for="password"><span>Password:</span> <input type="password" tabindex="2" name="password"
id="password" size="10" class="inputbox" title="Password" autocomplete="off" /></label>
<input type="submit" tabindex="5" name="login" value="Login" class="button2" />
</fieldset>
</form>"""
    return _frame(c, link, "index", "Index page", "", blocks + "\n" + login)


def _forum(c: Community, link: _Links, forum_id: int, start: int) -> Page:
    key = _BY_NUMBER.get(forum_id, "")
    if key.startswith("c:"):
        cat = c.category(key[2:])
        body = (f'<h2 class="forum-title"><a href="{link(forum_path(cat))}">{_e(cat.title)}'
                f'</a></h2>\n' + _forum_block(c, link, None, [*cat.boards, *cat.categories]))
        return Page(html=_frame(c, link, "viewforum", cat.title, _trail(c, link, cat), body),
                    modified=c.clock)
    board = c.board(key[2:]) if key.startswith("b:") else None
    if board is None:
        return _message(c, link, 404, "The forum you selected does not exist.")
    threads = board.sorted_threads()
    pages = max(1, math.ceil(len(threads) / TOPICS_PER_PAGE))
    number = min(start // TOPICS_PER_PAGE + 1, pages)
    shown = threads[(number - 1) * TOPICS_PER_PAGE: number * TOPICS_PER_PAGE]
    rows = "\n".join(_topic_row(c, link, t) for t in shown)
    base = f"/viewforum.php?f={forum_id}"
    pager = _pagination(link, base, number, pages, f"{len(threads)} topics", TOPICS_PER_PAGE)
    body = f"""<h2 class="forum-title"><a href="{link(base)}">{_e(board.title)}</a></h2>
<div class="action-bar bar-top">{pager}</div>
<div class="forumbg"><div class="inner">
<ul class="topiclist"><li class="header"><dl class="row-item"><dt>
<div class="list-inner">Topics</div></dt><dd class="posts">Replies</dd><dd class="views">Views</dd>
<dd class="lastpost"><span>Last post</span></dd></dl></li></ul>
<ul class="topiclist topics">
{rows}
</ul>
</div></div>
<div class="action-bar bar-bottom">{pager}</div>"""
    modified = max([t.modified_at for t in board.threads] + [board.changed_at or c.clock])
    return Page(html=_frame(c, link, "viewforum", board.title, _trail(c, link, board), body),
                modified=modified)


def _user(link: _Links, user: User) -> str:
    if user.anonymous:
        return f'<span class="username">{_e(user.login)}</span>'
    path = f"/memberlist.php?mode=viewprofile&u={user.id}"
    return f'<a href="{link(path)}" class="username">{_e(user.login)}</a>'


def _topic_row(c: Community, link: _Links, t: Thread) -> str:
    first, last = t.posts[0], t.last_post
    path = thread_path(c, t)
    return f"""<li class="row bg1">
<dl class="row-item topic_read">
<dt title="No unread posts"><div class="list-inner">
<a href="{link(path)}" class="topictitle">{_e(t.subject)}</a>
<div class="topic-poster responsive-hide left-box">
by {_user(link, first.author)} &raquo; {_time(first.posted_at)}</div>
</div></dt>
<dd class="posts">{t.reply_count} <dfn>Replies</dfn></dd>
<dd class="views">{t.views} <dfn>Views</dfn></dd>
<dd class="lastpost"><span><dfn>Last post </dfn>by {_user(link, last.author)}
<a href="{link(f'/viewtopic.php?p={last.uid}', f'p{last.uid}')}" title="Go to last post">
<i class="icon fa-external-link-square fa-fw icon-lightgray icon-md" aria-hidden="true"></i>
<span class="sr-only"></span></a>
<br />{_time(last.posted_at)}</span></dd>
</dl>
</li>"""


def _quote(link: _Links, q: Quote) -> str:
    inner = "".join(_quote(link, i) for i in q.inner)
    text = "<br />".join(_e(p) for p in q.text.split("\n"))
    if q.post_uid is None:
        return f"<blockquote><div><cite>{_e(q.author)} wrote:</cite>{inner}{text}</div>" + (
            "</blockquote>")
    target = link(f"/viewtopic.php?p={q.post_uid}", f"p{q.post_uid}")
    return (f'<blockquote cite="{target}"><div><cite>{_e(q.author)} wrote: '
            f'<a href="{target}" data-post-id="{q.post_uid}" '
            f'onclick="if(document.getElementById(hash.substr(1)))href=hash">↑</a></cite>'
            f"{inner}{text}</div></blockquote>")


def _post(c: Community, link: _Links, thread: Thread, post: Post, index: int) -> str:
    user = post.author
    body = "".join(_quote(link, q) for q in post.quotes)
    body += "<br />\n<br />\n".join(_e(p) for p in post.paragraphs)
    notice = ""
    if post.edited_at is not None:
        notice = (f'<div class="notice">Last edited by {_user(link, user)} on '
                  f"{_shown(post.edited_at)}, edited 1 time in total.</div>")
    signature = (f'<div id="sig{post.uid}" class="signature">{_e(post.signature)}</div>'
                 if post.signature else "")
    rank = f'<dd class="profile-rank">{_e(user.rank)}</dd>' if user.rank else ""
    subject = thread.subject if index == 0 else f"Re: {thread.subject}"
    permalink = link(f"/viewtopic.php?p={post.uid}", f"p{post.uid}")
    return f"""<div id="p{post.uid}" class="post has-profile bg{2 - index % 2}">
<div class="inner">
<dl class="postprofile" id="profile{post.uid}">
<dt class="has-profile-rank no-avatar">{_user(link, user)}</dt>
{rank}
</dl>
<div class="postbody"><div id="post_content{post.uid}">
<h3{' class="first"' if index == 0 else ''}><a href="#p{post.uid}">{_e(subject)}</a></h3>
<p class="author"><a class="unread" href="{permalink}" title="Post">
<i class="icon fa-file fa-fw icon-lightgray icon-md" aria-hidden="true"></i>
<span class="sr-only">Post</span></a>
<span class="responsive-hide">by <strong>{_user(link, user)}</strong> &raquo; </span>
{_time(post.posted_at)}</p>
<div class="content">{body}</div>
{notice}
{signature}
</div></div>
</div>
</div>
<hr class="divider" />"""


def _topic(c: Community, link: _Links, thread: Thread, number: int, pages: int,
           canonical: str) -> str:
    board = c.board(thread.board_id)
    begin = (number - 1) * POSTS_PER_PAGE
    posts = "\n".join(_post(c, link, thread, p, begin + i)
                      for i, p in enumerate(thread.posts[begin: begin + POSTS_PER_PAGE]))
    base = f"/viewtopic.php?t={thread.uid}"
    total = f"{len(thread.posts)} post" + ("s" if len(thread.posts) != 1 else "")
    pager = _pagination(link, base, number, pages, total, POSTS_PER_PAGE)
    body = f"""<h2 class="topic-title"><a href="{link(base)}">{_e(thread.subject)}</a></h2>
<div class="action-bar bar-top">
<a href="{link(f'/posting.php?mode=reply&t={thread.uid}')}" class="button" title="Post a reply">
<span>Post Reply</span></a>
{pager}
</div>
{posts}
<div class="action-bar bar-bottom">{pager}</div>"""
    title = thread.subject
    return _frame(c, link, "viewtopic", title, _trail(c, link, board), body, canonical)
