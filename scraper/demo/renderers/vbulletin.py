"""The demo community as a vBulletin 4.2 board: ``/forum/index.php``, ``forumdisplay.php?f=N``,
``showthread.php?t=N&page=K``, guest session ids (``s=<32 hex>``) in every link, dates in the
board's fixed offset ("All times are GMT -6"), vB's login wall and "Invalid Thread specified"."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from html import escape
from urllib.parse import parse_qs

from scraper.demo.content import Board, Category, Community, Post, Quote, Thread
from scraper.demo.render import (
    POSTS_PER_PAGE,
    THREADS_PER_PAGE,
    board_modified,
    board_page_count,
    thread_page_count,
)
from scraper.demo.renderers import Page

NAME = "vbulletin"
ROBOTS = "User-agent: *\nDisallow: /forum/login.php\nDisallow: /forum/newreply.php\n"
INDEX_PATH = "/forum/index.php"
OFFSET = timedelta(hours=-6)  # vB prints every date with one fixed offset
ROOT = "/forum/"


def session(community: Community) -> str:
    """A guest session id that changes with the community (as a new visit would)."""
    return hashlib.md5(str(community.clock).encode()).hexdigest()  # noqa: S324 - not security


def thread_path(community: Community, thread: Thread, page: int = 1) -> str:
    return f"{ROOT}showthread.php?t={thread.uid}" + (f"&page={page}" if page > 1 else "")


def board_path(board: Board, page: int = 1) -> str:
    """Forum ids are the demo's own (categories and boards share one id space)."""
    return f"{ROOT}forumdisplay.php?f={board.id}" + (f"&page={page}" if page > 1 else "")


def page(community: Community, route: str, query: str, base: str,
         blocked: dict[int, str]) -> Page:
    """The answer for one GET."""
    params = {k: v[0] for k, v in parse_qs(query).items()}
    r = _Renderer(community, base)
    number = int(params["page"]) if params.get("page", "").isdigit() else 1
    if route in (ROOT, ROOT + "index.php"):
        return Page(html=r.index(), modified=community.clock)
    if route == ROOT + "forumdisplay.php" and params.get("f"):
        return r.forum(params["f"], number)
    if route == ROOT + "showthread.php" and params.get("t", "").isdigit():
        thread = community.thread(int(params["t"]))
        if thread is None or number < 1:
            return r.not_found()
        if thread.uid in blocked:
            return Page(html=r.login_wall(), modified=community.clock)
        return Page(html=r.thread(thread, min(number, thread_page_count(thread))),
                    modified=thread.modified_at)
    return r.not_found()


def _shown(when: datetime) -> str:
    local = when.astimezone(UTC) + OFFSET
    return f"{local:%m-%d-%Y}, <span class=\"time\">{local:%I:%M %p}</span>"


class _Renderer:
    def __init__(self, community: Community, base: str) -> None:
        self.c = community
        self.base = base
        self.s = session(community)

    def link(self, script: str, query: str = "") -> str:
        """A guest's link: the session id first, as vB writes it."""
        return f"{ROOT}{script}?s={self.s}" + (f"&amp;{query}" if query else "")

    def frame(self, title: str, crumbs: list[tuple[str, str]], body: str) -> str:
        items = "\n".join(f'<li class="navbit"><a href="{h}">{escape(t)}</a></li>'
                          for h, t in crumbs[:-1])
        last = escape(crumbs[-1][1]) if crumbs else "Forum"
        return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
 "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" dir="ltr" lang="en" id="vbulletin_html">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta id="e_vb_meta_bburl" name="vb_meta_bburl" content="{self.base}/forum" />
<meta name="generator" content="vBulletin 4.2.5" />
<script type="text/javascript">
<!--
var SESSIONURL = "s={self.s}&";
var SECURITYTOKEN = "guest";
// -->
</script>
<title>{escape(title)}</title>
</head>
<body>
<div id="breadcrumb" class="breadcrumb">
<ul class="floatcontainer">
<li class="navbithome"><a href="{self.link('index.php')}" accesskey="1">
<img src="images/misc/navbit-home.png" alt="Home" /></a></li>
{items}
<li class="navbit lastnavbit"><span>{last}</span></li>
</ul>
</div>
{body}
<div id="footer_time" class="shade footer_time">All times are GMT -6.
The time now is <span class="time">{self.c.clock.astimezone(UTC) + OFFSET:%I:%M %p}</span>.</div>
</body>
</html>
"""

    # --- listings ------------------------------------------------------------------------------

    def index(self) -> str:
        cats = "".join(self.category_block(cat) for cat in self.c.categories)
        body = f'<ol id="forums" class="floatcontainer">\n{cats}</ol>'
        return self.frame(self.c.title, [(self.link("index.php"), "Forum")], body)

    def category_block(self, cat: Category) -> str:
        forums = "".join(self.forum_row(b.title, b.id) for b in cat.boards)
        forums += "".join(self.forum_row(s.title, s.id) for s in cat.categories)
        return f"""<li id="cat{cat.id}" class="forumbit_nopost L1">
<div class="forumhead foruminfo L1"><h2><span class="forumtitle">
<a href="{self.link('forumdisplay.php', f'f={cat.id}')}">{escape(cat.title)}</a></span></h2></div>
<ol class="childforum">
{forums}</ol>
</li>
"""

    def forum_row(self, title: str, fid: str) -> str:
        return f"""<li id="forum{fid}" class="forumbit_post old L2">
<div class="forumrow table"><div class="foruminfo td">
<h2 class="forumtitle"><a href="{self.link('forumdisplay.php', f'f={fid}')}">{escape(title)}</a>
</h2>
</div></div></li>
"""

    def forum(self, fid: int, number: int) -> Page:
        cat = self.c.category(fid)
        if cat is not None:
            forums = "".join(self.forum_row(b.title, b.id) for b in cat.boards)
            forums += "".join(self.forum_row(s.title, s.id)
                              for s in cat.categories)
            body = f"""<div id="pagetitle">
<h1>Forum: <span class="forumtitle">{escape(cat.title)}</span></h1></div>
<div id="forumbits" class="forumbits"><ol>
{forums}</ol></div>"""
            crumbs = [(self.link("index.php"), "Forum"), ("", cat.title)]
            return Page(html=self.frame(cat.title, crumbs, body), modified=self.c.clock)
        board = next((b for b in self.c.all_boards() if b.id == fid), None)
        if board is None or number < 1:
            return self.not_found("Invalid Forum specified.")
        number = min(number, board_page_count(board))
        start = (number - 1) * THREADS_PER_PAGE
        rows = "".join(map(self.thread_row, board.sorted_threads()[start:start + THREADS_PER_PAGE]))
        body = f"""<div id="pagetitle">
<h1>Forum: <span class="forumtitle">{escape(board.title)}</span></h1></div>
{self.pager('forumdisplay.php', f'f={fid}', number, board_page_count(board))}
<div id="threadlist" class="threadlist"><ol id="threads" class="threads">
{rows}</ol></div>"""
        crumbs = [(self.link("index.php"), "Forum"), ("", board.title)]
        return Page(html=self.frame(board.title, crumbs, body),
                    modified=board_modified(board) or self.c.clock)

    def thread_row(self, thread: Thread) -> str:
        last, starter = thread.last_post, thread.posts[0].author
        return f"""<li class="threadbit" id="thread_{thread.uid}">
<div class="threadinfo"><h3 class="threadtitle">
<a class="title" href="{self.link('showthread.php', f't={thread.uid}')}"
 id="thread_title_{thread.uid}">{escape(thread.subject)}</a>
</h3>
<div class="author">
<a href="{self.link('member.php', f'u={starter.id}')}"
 class="username understate">{escape(starter.login)}</a>
</div></div>
<ul class="threadstats td alt">
<li>Replies: <a href="misc.php?do=whoposted&amp;t={thread.uid}">{thread.reply_count}</a></li>
<li>Views: {thread.views:,}</li></ul>
<dl class="threadlastpost td"><dd><a class="username offline popupctrl" href="#">
<strong>{escape(last.author.login)}</strong></a></dd>
<dd>{_shown(last.posted_at)}</dd></dl>
</li>
"""

    def pager(self, script: str, query: str, number: int, count: int) -> str:
        if count <= 1:
            return ""
        def href(n: int) -> str:
            return self.link(script, query + (f"&amp;page={n}" if n > 1 else ""))
        links = [f'<span class="prev_next"><a rel="prev" href="{href(number - 1)}">Prev</a></span>'
                 ] if number > 1 else []
        links += [f'<span{" class=selected" * (n == number)}><a href="{href(n)}">{n}</a></span>'
                  for n in range(1, count + 1)]
        if number < count:
            link = f'<a rel="next" href="{href(number + 1)}">Next</a>'
            links.append(f'<span class="prev_next">{link}</span>')
        return (f'<div class="pagination_top"><form class="pagination popupmenu nohovermenu">'
                f'<span><a href="javascript://" class="popupctrl">'
                f"Page {number} of {count}</a></span>"
                + "".join(links) + "</form></div>")

    # --- threads -------------------------------------------------------------------------------

    def thread(self, thread: Thread, number: int) -> str:
        board = self.c.board(thread.board_id)
        first = (number - 1) * POSTS_PER_PAGE
        posts = thread.posts[first:first + POSTS_PER_PAGE]
        items = "".join(self.post(p, first + i + 1) for i, p in enumerate(posts))
        total = len(thread.posts)
        pager = self.pager("showthread.php", f"t={thread.uid}", number, thread_page_count(thread))
        shown = f"{first + 1} to {first + len(posts)} of {total}"
        body = f"""<div id="pagination_top">{pager}
<div id="postpagestats_above" class="postpagestats">Results {shown}</div>
</div>
<div id="pagetitle"><h1>Thread: <span class="threadtitle">
<a href="{self.link('showthread.php', f't={thread.uid}')}">{escape(thread.subject)}</a></span></h1>
</div>
<div id="postlist" class="postlist restrain"><ol id="posts" class="posts">
{items}</ol></div>"""
        crumbs = [(self.link("index.php"), "Forum"),
                  (self.link("forumdisplay.php", f"f={board.id}"), board.title),
                  ("", thread.subject)]
        return self.frame(thread.subject, crumbs, body)

    def post(self, post: Post, position: int) -> str:
        author = post.author
        login = escape(author.login)
        profile = self.link("member.php", f"u={author.id}")
        name = (f'<a class="username offline popupctrl" href="{profile}">'
                f"<strong>{login}</strong></a>"
                if not author.anonymous else f'<span class="username guest">{login}</span>')
        quotes = "".join(self.quote(q) for q in post.quotes)
        body = "<br />\n".join(escape(p, quote=False) for p in post.paragraphs)
        edit = (f'<blockquote class="postcontent lastedited">Last edited by {login}; '
                f'{_shown(post.edited_at).replace(", ", " at ", 1)}.</blockquote>'
                if post.edited_at else "")
        sig = (f'<blockquote class="signature restore"><div class="signaturecontainer">'
               f"{escape(post.signature)}</div></blockquote>"
               if post.signature else "")
        return f"""<li class="postbitlegacy postbitim postcontainer old" id="post_{post.uid}">
<div class="posthead"><span class="postdate old"><span class="date">{_shown(post.posted_at)}</span>
</span>
<span class="nodecontrols">
<a name="post{post.uid}" href="{self.link('showthread.php', f'p={post.uid}#post{post.uid}')}"
 class="postcounter">#{position}</a>
<a id="postcount{post.uid}" name="{position}"></a></span></div>
<div class="postdetails"><div class="userinfo"><div class="username_container">{name}</div>
<span class="usertitle">{escape(author.rank)}</span></div>
<div class="postbody"><div class="postrow"><div class="content"><div id="post_message_{post.uid}">
<blockquote class="postcontent restore ">
{quotes}{body}
</blockquote></div></div>{edit}</div>{sig}</div></div>
</li>
"""

    def quote(self, quote: Quote) -> str:
        inner = "".join(self.quote(q) for q in quote.inner)
        target = self.link("showthread.php", f"p={quote.post_uid}#post{quote.post_uid}")
        link = (f'<a href="{target}" rel="nofollow"><img class="inlineimg" '
                'src="images/buttons/viewpost-right.png" alt="View Post" /></a>'
                if quote.post_uid else "")
        return f"""<div class="bbcode_container"><div class="bbcode_quote">
<div class="quote_container">
<div class="bbcode_postedby">
<img src="images/misc/quote_icon.png" alt="Quote" />
 Originally Posted by <strong>{escape(quote.author)}</strong> {link}</div>
<div class="message">{inner}{escape(quote.text, quote=False)}</div>
</div></div></div>"""

    # --- walls ---------------------------------------------------------------------------------

    def login_wall(self) -> str:
        body = f"""<div class="standard_error">
<form class="block vbform" method="post" action="{self.link('login.php', 'do=login')}">
<h2 class="blockhead">You are not logged in or you do not have permission to access this page.
 This could be due to one of several reasons:</h2>
<div class="blockrow"><label for="vb_login_username">User Name:</label>
<input type="text" id="vb_login_username" name="vb_login_username" /></div>
<div class="blockrow"><label for="vb_login_password">Password:</label>
<input type="password" id="vb_login_password" name="vb_login_password" /></div>
</form>
</div>"""
        return self.frame(self.c.title, [(self.link("index.php"), "Forum")], body)

    def not_found(self, message: str = "Invalid Thread specified.") -> Page:
        body = f"""<div class="standard_error"><div class="blockrow restore">{message}
 If you followed a valid link, please notify the
 <a href="{self.link('sendmessage.php')}">administrator</a></div></div>"""
        return Page(status=404, html=self.frame(self.c.title, [("", "Forum")], body))
