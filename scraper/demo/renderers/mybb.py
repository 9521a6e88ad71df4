"""The demo community as a MyBB 1.8 board (default theme, stock URLs).

Forum index ``/index.php`` (categories are depth-1 forums), forums ``/forumdisplay.php?fid=F``
with thread lists (20 a page), threads ``/showthread.php?tid=T&page=N`` (10 posts a page).
Blocked threads answer MyBB's "no permission" page with its login form (HTTP 200, as MyBB
does), or a bot challenge; a missing thread answers MyBB's error box "The specified thread does
not exist." with HTTP 404 so that a crawl can tell it is gone (stock MyBB sends it with 200).
Guest links carry no session id: MyBB keeps sessions in cookies.
"""

from __future__ import annotations

import math
from datetime import datetime
from html import escape
from urllib.parse import parse_qsl

from scraper.demo.content import Board, Category, Community, Post, Quote, Thread
from scraper.demo.render import challenge_page
from scraper.demo.renderers import Page

NAME = "mybb"
ROBOTS = "User-agent: *\nDisallow: /member.php\nDisallow: /search.php\n"
INDEX_PATH = "/index.php"
POSTS_PER_PAGE = 10
THREADS_PER_PAGE = 20


def _e(text: str) -> str:
    return escape(text, quote=True)


def _date(when: datetime) -> str:
    return when.strftime("%m-%d-%Y, %I:%M %p")


def thread_path(community: Community, thread: Thread, page: int = 1) -> str:
    return f"/showthread.php?tid={thread.uid}" + (f"&page={page}" if page > 1 else "")


def board_path(board: Board, page: int = 1) -> str:
    return f"/forumdisplay.php?fid={_fid(board)}" + (f"&page={page}" if page > 1 else "")


def _fid(node: Board | Category) -> str:
    return node.id


def _pages(count: int, per: int) -> int:
    return max(1, math.ceil(count / per))


def page(community: Community, route: str, query: str, base: str,
         blocked: dict[int, str]) -> Page:
    """The answer for a GET of ``route`` with ``query``."""
    args = dict(parse_qsl(query))
    number = int(args["page"]) if args.get("page", "").isdigit() else 1
    if route in ("/", "/index.php"):
        return Page(html=_index(community), modified=community.clock)
    if route == "/showthread.php" and args.get("tid", "").isdigit():
        thread = community.thread(int(args["tid"]))
        if thread is None:
            return _not_found(community, "The specified thread does not exist.")
        if blocked.get(thread.uid) == "challenge":
            return Page(html=challenge_page(), modified=community.clock)
        if thread.uid in blocked:
            return Page(html=_no_permission(community), modified=community.clock)
        number = min(max(1, number), _pages(len(thread.posts), POSTS_PER_PAGE))
        return Page(html=_thread(community, thread, number), modified=thread.modified_at)
    if route == "/forumdisplay.php":
        fid = args.get("fid", "")
        board = community.board(fid)
        if board is not None:
            number = min(max(1, number), _pages(len(board.threads), THREADS_PER_PAGE))
            return Page(html=_forum(community, board, number), modified=community.clock)
        category = community.category(fid)
        if category is not None:
            return Page(html=_category(community, category), modified=community.clock)
        return _not_found(community, "Invalid forum")
    return _not_found(community, "The page you requested does not exist.")


def _layout(community: Community, title: str, crumbs: list[tuple[str, str | None]],
            content: str) -> str:
    nav = "".join(
        f'<span class="nav_bit"><a href="{url}">{_e(name)}</a></span>'
        '<span class="nav_sep">&rsaquo;</span>\n' if url else
        f'<br /><span class="active">{_e(name)}</span>\n'
        for name, url in [(community.title, "index.php"), *crumbs]
    )
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xml:lang="en" lang="en" xmlns="http://www.w3.org/1999/xhtml">
<head>
<title>{_e(title)}</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<script type="text/javascript" src="jscripts/general.js?ver=1827"></script>
<script type="text/javascript">var my_post_key = "00000000000000000000000000000000";</script>
</head>
<body>
<div id="container">
<div id="header"><div id="panel"><div class="upper"><div class="wrapper">
<span class="welcome">Hello There, Guest!
<a href="member.php?action=login" class="login">Login</a></span>
<div class="modal" id="quick_login" style="display: none;"><form method="post" action="member.php">
<input name="quick_username" type="text" class="textbox" />
<input name="quick_password" type="password" class="textbox" /></form></div>
</div></div></div></div>
<div id="content"><div class="wrapper">
<div class="navigation">
{nav}</div>
<br />
{content}
</div></div>
<div id="footer"><div class="lower"><div class="wrapper">
<span id="current_time"><strong>Current time:</strong> {_date(community.clock)}</span>
<span id="copyright">Powered By <a href="https://mybb.com" target="_blank">MyBB</a>,
&copy; 2002-2025 <a href="https://mybb.com" target="_blank">MyBB Group</a>.</span>
</div></div></div>
</div>
</body>
</html>
"""


def _pager(url: str, number: int, count: int) -> str:
    if count <= 1:
        return ""
    parts = [f'<span class="pages">Pages ({count}):</span>']
    if number > 1:
        parts.append(f'<a href="{_page_url(url, number - 1)}" class="pagination_previous">'
                     "&laquo; Previous</a>")
    for n in range(1, count + 1):
        parts.append(f' <span class="pagination_current">{n}</span>' if n == number else
                     f'<a href="{_page_url(url, n)}" class="pagination_page">{n}</a>')
    if number < count:
        parts.append(f'<a href="{_page_url(url, number + 1)}" class="pagination_next">'
                     "Next &raquo;</a>")
    return '<div class="pagination">\n' + "\n".join(parts) + "\n</div>"


def _page_url(url: str, n: int) -> str:
    return url + (f"&amp;page={n}" if n > 1 else "")


def _crumbs(community: Community, board: Board) -> list[tuple[str, str | None]]:
    category = community.category(board.category_id)
    trail: list[tuple[str, str | None]] = []
    while category is not None:
        trail.insert(0, (category.title, f"forumdisplay.php?fid={_fid(category)}"))
        category = community.category(category.parent_id) if category.parent_id else None
    return trail


def _forum_row(board: Board) -> str:
    return (f'<tr><td class="trow1"><strong><a href="forumdisplay.php?fid={_fid(board)}">'
            f'{_e(board.title)}</a></strong><div class="smalltext">{_e(board.description)}</div>'
            f'</td><td class="trow1">{len(board.threads)}</td><td class="trow1">'
            f"{board.post_count}</td></tr>")


def _category_table(category: Category) -> str:
    rows = "".join(_forum_row(b) for b in category.boards)
    subs = "".join(_category_table(c) for c in category.categories)
    return (f'<table class="tborder"><tr><td class="thead" colspan="3"><strong>'
            f'<a href="forumdisplay.php?fid={_fid(category)}">{_e(category.title)}</a></strong>'
            f"</td></tr>{rows}</table><br />{subs}")


def _index(community: Community) -> str:
    content = "".join(_category_table(c) for c in community.categories)
    return _layout(community, community.title, [], content)


def _category(community: Community, category: Category) -> str:
    crumbs = [(category.title, None)]
    return _layout(community, category.title, crumbs, _category_table(category))


def _forum(community: Community, board: Board, number: int) -> str:
    threads = board.sorted_threads()
    shown = threads[(number - 1) * THREADS_PER_PAGE: number * THREADS_PER_PAGE]
    rows = "".join(_thread_row(t) for t in shown)
    pager = _pager(f"forumdisplay.php?fid={_fid(board)}", number,
                   _pages(len(threads), THREADS_PER_PAGE))
    content = (f'<div class="float_left">{pager}</div>\n<table class="tborder clear">'
               f'<tr><td class="thead" colspan="5"><strong>{_e(board.title)}</strong></td></tr>'
               f"{rows}</table>")
    crumbs = [*_crumbs(community, board), (board.title, None)]
    return _layout(community, board.title, crumbs, content)


def _thread_row(thread: Thread) -> str:
    cls = "trow1 forumdisplay_regular"
    first, last = thread.posts[0], thread.last_post
    return f"""<tr class="inline_row">
<td class="{cls}"><span class=" subject_old" id="tid_{thread.uid}">
<a href="showthread.php?tid={thread.uid}">{_e(thread.subject)}</a></span>
<div class="author smalltext">{_user_link(first)}</div></td>
<td class="{cls}" align="center">
<a href="misc.php?action=whoposted&amp;tid={thread.uid}">{thread.reply_count}</a></td>
<td class="{cls}" align="center">{thread.views}</td>
<td class="{cls}" style="white-space: nowrap; text-align: right;">
<span class="lastpost smalltext">{_date(last.posted_at)}<br />
<a href="showthread.php?tid={thread.uid}&amp;action=lastpost">Last Post</a>:
{_user_link(last)}</span></td>
</tr>
"""


def _user_link(post: Post) -> str:
    user = post.author
    if user.anonymous:
        return _e(user.login)
    return f'<a href="member.php?action=profile&amp;uid={user.id}">{_e(user.login)}</a>'


def _thread(community: Community, thread: Thread, number: int) -> str:
    board = community.board(thread.board_id)
    start = (number - 1) * POSTS_PER_PAGE
    posts = "".join(_post(thread, p, start + i + 1)
                    for i, p in enumerate(thread.posts[start:start + POSTS_PER_PAGE]))
    pager = _pager(f"showthread.php?tid={thread.uid}", number,
                   _pages(len(thread.posts), POSTS_PER_PAGE))
    content = (f'<div class="float_left">{pager}</div>\n'
               f'<a href="newreply.php?tid={thread.uid}" class="button new_reply_button">'
               "<span>Post Reply</span></a>\n"
               f'<table class="tborder tfixed clear"><tr><td class="thead"><div><strong>'
               f"{_e(thread.subject)}</strong></div></td></tr>\n"
               f'<tr><td id="posts_container"><div id="posts">{posts}</div></td></tr></table>\n'
               f'<div class="float_left">{pager}</div>')
    crumbs = [*_crumbs(community, board),
              (board.title, f"forumdisplay.php?fid={_fid(board)}"), (thread.subject, None)]
    return _layout(community, thread.subject, crumbs, content)


def _post(thread: Thread, post: Post, position: int) -> str:
    user = post.author
    name = (f'<a href="member.php?action=profile&amp;uid={user.id}">{_e(user.login)}</a>'
            if not user.anonymous else _e(user.login))
    edited = (f'<span class="edited_post">(This post was last modified: {_date(post.edited_at)}'
              f" by {name}.)</span>" if post.edited_at else "")
    quotes = "".join(_quote(q) for q in post.quotes)
    signature = (f'<div class="signature scaleimages">{_e(post.signature)}</div>'
                 if post.signature else "")
    return f"""
<a name="pid{post.uid}" id="pid{post.uid}"></a>
<div class="post " style="" id="post_{post.uid}">
<div class="post_author"><div class="author_information">
<strong><span class="largetext">{name}</span></strong><br />
<span class="smalltext">{_e(user.rank)}<br /></span>
</div></div>
<div class="post_content">
<div class="post_head">
<div class="float_right" style="vertical-align: top">
<strong><a href="showthread.php?tid={thread.uid}&amp;pid={post.uid}#pid{post.uid}">
#{position}</a></strong>
</div>
<span class="post_date">{_date(post.posted_at)}
<span class="post_edit" id="edited_by_{post.uid}">{edited}</span></span>
</div>
<div class="post_body scaleimages" id="pid_{post.uid}">
<div class="float_right"></div>
{quotes}{post.body_html}
</div>
{signature}
</div>
</div>
"""


def _quote(quote: Quote) -> str:
    link = (f' <a href="showthread.php?pid={quote.post_uid}#pid{quote.post_uid}" '
            'class="quick_jump"></a>' if quote.post_uid else "")
    inner = "".join(_quote(q) for q in quote.inner)
    return (f'<blockquote class="mycode_quote"><cite>{_e(quote.author)} Wrote: {link}</cite>'
            f"{inner}{_e(quote.text)}</blockquote><br />\n")


def _no_permission(community: Community) -> str:
    content = """<form action="member.php" method="post">
<table class="tborder"><tr><td class="thead"><span class="smalltext"><strong>
You are either not logged in or do not have permission to view this page.</strong></span></td></tr>
<tr><td class="trow1">You are not logged in or registered.
Please use the form at the bottom of this page to login.</td></tr>
<tr><td class="trow2"><input type="text" name="username" />
<input type="password" name="password" /></td></tr>
</table></form>"""
    return _layout(community, community.title, [("Error", None)], content)


def _not_found(community: Community, message: str) -> Page:
    content = (f'<table class="tborder"><tr><td class="thead"><span class="smalltext"><strong>'
               f"{_e(community.title)}</strong></span></td></tr>"
               f'<tr><td class="trow1">{_e(message)}</td></tr></table>')
    return Page(status=404, html=_layout(community, community.title, [("Error", None)], content))
