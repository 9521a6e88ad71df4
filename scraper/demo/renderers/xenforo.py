"""The demo community as a XenForo 2.2 site (``html#XF``, ``article.message--post``,
``time.u-dt[datetime][data-time]``, ``div.structItem--thread``), installed at the server root.

Node ids are numbers, as XenForo's: a checksum of the category's or board's own id, so a path
needs nothing but the node itself.
XenForo keeps guest sessions in cookies, so links carry no session id. Walls are the pages
XenForo serves: the log-in page (HTTP 200 here, as the server asks) and error pages whose 404
says "The requested thread could not be found.".
"""

from __future__ import annotations

import math
import re
import zlib
from datetime import datetime
from html import escape

from scraper.demo.content import Board, Category, Community, Post, Quote, Thread
from scraper.demo.renderers import Page

NAME = "xenforo"
ROBOTS = "User-agent: *\nDisallow: /login/\nDisallow: /register/\nDisallow: /search/\n"
INDEX_PATH = "/"
POSTS_PER_PAGE = 20
THREADS_PER_PAGE = 20

_THREAD = re.compile(r"^/threads/(?:[^/]*\.)?(\d+)/(?:page-(\d+))?$")
_FORUM = re.compile(r"^/forums/(?:[^/]*\.)?(\d+)/(?:page-(\d+))?$")
_CATEGORY = re.compile(r"^/categories/(?:[^/]*\.)?(\d+)/$")
_POST = re.compile(r"^/posts/(\d+)/?$")


# --- URLs ----------------------------------------------------------------------------------------


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "thread"


def node_id(kind: str, key: str) -> int:
    """The number of a category ("c") or board ("b") node: stable, from its own id."""
    return zlib.crc32(f"{kind}:{key}".encode()) % 90_000 + 10_000


def thread_path(c: Community | None, thread: Thread, page: int = 1) -> str:
    path = f"/threads/{_slug(thread.subject)}.{thread.uid}/"
    return path + (f"page-{page}" if page > 1 else "")


def board_path(board: Board, page: int = 1) -> str:
    path = f"/forums/{board.slug.lower()}.{node_id('b', board.id)}/"
    return path + (f"page-{page}" if page > 1 else "")


def _category_path(cat: Category) -> str:
    return f"/categories/{cat.slug.lower()}.{node_id('c', cat.id)}/"


def thread_page_count(thread: Thread) -> int:
    return max(1, math.ceil(len(thread.posts) / POSTS_PER_PAGE))


def _board_page_count(board: Board) -> int:
    return max(1, math.ceil(len(board.threads) / THREADS_PER_PAGE))


# --- routing -------------------------------------------------------------------------------------


def page(c: Community, route: str, query: str, base: str, blocked: dict[int, str]) -> Page:
    """The answer for a GET of ``route``."""
    if route in ("/", "/index.php"):
        return Page(html=_index(c), modified=c.clock)
    if m := _THREAD.match(route):
        return _thread(c, int(m.group(1)), int(m.group(2) or 1), base, blocked)
    if m := _POST.match(route):
        found = c.find_post(int(m.group(1)))
        if found is None:
            return _error(404, "The requested post could not be found.")
        thread, post = found
        number = thread.posts.index(post) // POSTS_PER_PAGE + 1
        target = f"{base}{thread_path(c, thread, number)}#post-{post.uid}"
        return Page(status=301, location=target)
    if m := _FORUM.match(route):
        board = next((b for b in c.all_boards() if node_id("b", b.id) == int(m.group(1))), None)
        number = int(m.group(2) or 1)
        if board is None or number > _board_page_count(board):
            return _error(404, "The requested forum could not be found.")
        return Page(html=_forum(c, board, number), modified=_board_modified(c, board))
    if m := _CATEGORY.match(route):
        cat = next((x for x in c.all_categories() if node_id("c", x.id) == int(m.group(1))), None)
        if cat is None:
            return _error(404, "The requested category could not be found.")
        return Page(html=_category(c, cat), modified=c.clock)
    return _error(404, "The requested page could not be found.")


def _board_modified(c: Community, board: Board) -> datetime:
    stamps = [t.modified_at for t in board.threads]
    if board.changed_at:
        stamps.append(board.changed_at)
    return max(stamps, default=c.clock)


def _thread(c: Community, uid: int, number: int, base: str, blocked: dict[int, str]) -> Page:
    thread = c.thread(uid)
    if thread is None or number < 1 or number > thread_page_count(thread):
        return _error(404, "The requested thread could not be found.")
    if uid in blocked:
        if blocked[uid] == "challenge":
            return Page(html=_CHALLENGE, modified=c.clock)
        return Page(html=_login(base + thread_path(c, thread)), modified=c.clock)
    return Page(html=_thread_page(c, thread, number, base), modified=thread.modified_at)


# --- page frame ----------------------------------------------------------------------------------


def _frame(template: str, title: str, body: str, *, head: str = "", keys: str = "") -> str:
    return f"""<!DOCTYPE html>
<html id="XF" lang="en-US" dir="LTR"
	data-app="public"
	data-template="{template}"{keys}
	data-logged-in="false"
	data-cookie-prefix="xf_"
	class="has-no-js template-{template}">
<head>
	<meta charset="utf-8" />
	<title>{escape(title)} | HomeCue Community</title>{head}
	<script src="/js/xf/preamble.min.js?_v=5e2a7c10"></script>
</head>
<body data-template="{template}">
<div class="p-pageWrapper" id="top">
<nav class="p-nav"><ul class="p-nav-list">
	<li><a href="/" class="p-navEl-link" data-nav-id="forums">Forums</a></li>
	<li><a href="/whats-new/" class="p-navEl-link" data-nav-id="whatsNew">What's new</a></li>
	<li><a href="/login/" class="p-navEl-link" data-xf-click="overlay">Log in</a></li>
</ul></nav>
<div class="p-body"><div class="p-body-inner">
{body}
</div></div>
<footer class="p-footer" id="footer"><div class="p-footer-copyright">
	<a href="https://xenforo.com" class="u-concealed" dir="ltr" rel="sponsored noopener">
		Community platform by XenForo<sup>&reg;</sup></a>
</div></footer>
</div>
</body>
</html>
"""


def _crumbs(items: list[tuple[str, str]]) -> str:
    lis = "".join(
        f'<li itemprop="itemListElement" itemscope><a href="{href}" itemprop="item">'
        f'<span itemprop="name">{escape(title)}</span></a></li>' for title, href in items
    )
    return f'<ul class="p-breadcrumbs " itemscope>{lis}</ul>'


def _title(text: str, description: str = "") -> str:
    desc = f'<div class="p-description">{escape(description)}</div>' if description else ""
    return (f'<div class="p-body-header"><div class="p-title "><h1 class="p-title-value">'
            f"{escape(text)}</h1></div>{desc}</div>")


def _pager(path: str, number: int, count: int) -> str:
    """``nav.pageNavWrapper`` for pages of ``path`` (page 1 is ``path`` itself)."""
    if count <= 1:
        return ""

    def href(n: int) -> str:
        return path + (f"page-{n}" if n > 1 else "")

    items = "".join(
        f'<li class="pageNav-page{" pageNav-page--current" if n == number else ""} ">'
        f'<a href="{href(n)}">{n}</a></li>' for n in range(1, count + 1)
    )
    prev = (f'<a href="{href(number - 1)}" class="pageNav-jump pageNav-jump--prev">Prev</a>'
            if number > 1 else "")
    nxt = (f'<a href="{href(number + 1)}" class="pageNav-jump pageNav-jump--next">Next</a>'
           if number < count else "")
    return (f'<div class="block-outer"><nav class="pageNavWrapper pageNavWrapper--mixed ">'
            f'<div class="pageNav">{prev}<ul class="pageNav-main">{items}</ul>{nxt}</div>'
            f'<div class="pageNavSimple"><a class="pageNavSimple-el pageNavSimple-el--current">'
            f"{number} of {count}</a></div></nav></div>")


def _rel_links(base: str, path: str, number: int, count: int) -> str:
    def href(n: int) -> str:
        return path + (f"page-{n}" if n > 1 else "")

    links = f'\n\t<link rel="canonical" href="{base}{href(number)}" />'
    if number > 1:
        links += f'\n\t<link rel="prev" href="{href(number - 1)}" />'
    if number < count:
        links += f'\n\t<link rel="next" href="{href(number + 1)}" />'
    return links


def _time(when: datetime, extra: str = "") -> str:
    shown = when.strftime("%b %-d, %Y")
    clock = when.strftime("%-I:%M %p")
    iso = when.strftime("%Y-%m-%dT%H:%M:%S%z")
    return (f'<time class="u-dt{extra}" dir="auto" datetime="{iso}"'
            f' data-time="{int(when.timestamp())}" data-date-string="{shown}"'
            f' data-time-string="{clock}" title="{shown} at {clock}">{shown}</time>')


# --- thread pages --------------------------------------------------------------------------------


def _thread_page(c: Community, thread: Thread, number: int, base: str) -> str:
    board = c.board(thread.board_id)
    cat = c.category(board.category_id) if board is not None else None
    path = thread_path(c, thread)
    count = thread_page_count(thread)
    crumbs = [("Forums", "/")]
    if cat is not None:
        crumbs.append((cat.title, _category_path(cat)))
    if board is not None:
        crumbs.append((board.title, board_path(board)))
    first = (number - 1) * POSTS_PER_PAGE
    posts = "\n".join(
        _post(thread, post, first + i + 1)
        for i, post in enumerate(thread.posts[first:first + POSTS_PER_PAGE])
    )
    pager = _pager(path, number, count)
    body = (f"{_crumbs(crumbs)}{_title(thread.subject)}<div class=\"p-body-pageContent\">"
            f'<div class="block block--messages">{pager}<div class="block-container">'
            f'<div class="block-body js-replyNewMessageContainer">\n{posts}\n</div></div>'
            f"{pager}</div></div>")
    keys = (f'\n\tdata-container-key="node-{node_id("b", thread.board_id)}"'
            f'\n\tdata-content-key="thread-{thread.uid}"')
    title = thread.subject + (f" | Page {number}" if number > 1 else "")
    return _frame("thread_view", title, body, head=_rel_links(base, path, number, count),
                  keys=keys)


def _post(thread: Thread, post: Post, position: int) -> str:
    user = post.author
    login = escape(user.login)
    if user.anonymous:
        name = f'<span class="username " dir="auto">{login}</span>'
    else:
        name = (f'<a href="/members/{_slug(user.login)}.{user.id}/" class="username " dir="auto"'
                f' data-user-id="{user.id}" data-xf-init="member-tooltip">{login}</a>')
    rank = (f'<h5 class="userTitle message-userTitle" dir="auto">{escape(user.rank)}</h5>'
            if user.rank else "")
    permalink = f"{thread_path(None, thread)}post-{post.uid}"
    quotes = "".join(_quote(q) for q in post.quotes)
    text = "<br />\n<br />\n".join(escape(p, quote=False) for p in post.paragraphs)
    edit = (f'<div class="message-lastEdit">Last edited: {_time(post.edited_at)}</div>'
            if post.edited_at else "")
    signature = (f'<aside class="message-signature"><div class="bbWrapper">'
                 f"{escape(post.signature)}</div></aside>" if post.signature else "")
    solution = " message--solution" if post.uid == thread.accepted_uid else ""
    return f"""<article class="message message--post{solution} js-post js-inlineModContainer "
	data-author="{login}" data-content="post-{post.uid}" id="js-post-{post.uid}">
	<span class="u-anchorTarget" id="post-{post.uid}"></span>
	<div class="message-inner">
		<div class="message-cell message-cell--user"><section class="message-user">
			<div class="message-userDetails"><h4 class="message-name">{name}</h4>{rank}</div>
		</section></div>
		<div class="message-cell message-cell--main"><div class="message-main js-quickEditTarget">
			<header class="message-attribution message-attribution--split">
				<ul class="message-attribution-main listInline "><li class="u-concealed">
					<a href="{permalink}" rel="nofollow">{_time(post.posted_at)}</a></li></ul>
				<ul class="message-attribution-opposite message-attribution-opposite--list ">
					<li><a href="{permalink}" rel="nofollow">#{position}</a></li></ul>
			</header>
			<div class="message-content js-messageContent">
				<div class="message-userContent lbContainer js-lbContainer ">
					<article class="message-body js-selectToQuote">
						<div class="bbWrapper">{quotes}{text}</div>
						<div class="js-selectToQuoteEnd">&nbsp;</div>
					</article>
				</div>
				{edit}{signature}
			</div>
			<footer class="message-footer">
				<div class="message-microdata" itemprop="interactionStatistic" itemscope>
					<meta itemprop="userInteractionCount" content="{post.kudos}" />
				</div>
				<div class="reactionsBar js-reactionsList">{_reactions(post.kudos)}</div>
			</footer>
		</div></div>
	</div>
</article>"""


def _reactions(count: int) -> str:
    if not count:
        return ""
    return (f'<span class="u-srOnly">Reactions:</span><a class="reactionsBar-link" rel="nofollow">'
            f"{count} {'person' if count == 1 else 'people'}</a>")


def _quote(quote: Quote) -> str:
    source = f' data-source="post: {quote.post_uid}"' if quote.post_uid else ""
    author = escape(quote.author)
    jump = (f'<a href="/goto/post?id={quote.post_uid}" class="bbCodeBlock-sourceJump"'
            f' rel="nofollow" data-xf-click="attribution"'
            f' data-content-selector="#post-{quote.post_uid}">{author} said:</a>'
            if quote.post_uid else f"{author} said:")
    inner = "".join(_quote(q) for q in quote.inner)
    return (f'<blockquote data-quote="{author}"{source} class="bbCodeBlock '
            f'bbCodeBlock--expandable bbCodeBlock--quote js-expandWatch">'
            f'<div class="bbCodeBlock-title">{jump}</div><div class="bbCodeBlock-content">'
            f'<div class="bbCodeBlock-expandContent js-expandContent ">{inner}'
            f"{escape(quote.text, quote=False)}</div>"
            f'<div class="bbCodeBlock-expandLink js-expandLink"><a role="button" tabindex="0">'
            f"Click to expand...</a></div></div></blockquote>")


# --- listings ------------------------------------------------------------------------------------


def _node(title: str, href: str, kind: str, description: str) -> str:
    return (f'<div class="node node--{kind}"><div class="node-body"><div class="node-main">'
            f'<h3 class="node-title"><a href="{href}">{escape(title)}</a></h3>'
            f'<div class="node-description">{escape(description)}</div></div></div></div>')


def _nodes(cat: Category) -> str:
    subs = "".join(_node(s.title, _category_path(s), "category",
                         s.description) for s in cat.categories)
    boards = "".join(_node(b.title, board_path(b), "forum",
                           b.description) for b in cat.boards)
    return boards + subs


def _index(c: Community) -> str:
    blocks = "".join(
        f'<div class="block block--category"><div class="block-container">'
        f'<h2 class="block-header"><a href="{_category_path(cat)}">'
        f'{escape(cat.title)}</a></h2><div class="block-body">{_nodes(cat)}</div></div></div>'
        for cat in c.categories
    )
    body = f'{_title(c.title)}<div class="p-body-pageContent">{blocks}</div>'
    return _frame("forum_list", c.title, body, head='\n\t<link rel="canonical" href="/" />')


def _category(c: Community, cat: Category) -> str:
    crumbs = [("Forums", "/")]
    if cat.parent_id and (parent := c.category(cat.parent_id)) is not None:
        crumbs.append((parent.title, _category_path(parent)))
    body = (f'{_crumbs(crumbs)}{_title(cat.title, cat.description)}'
            f'<div class="p-body-pageContent"><div class="block block--nodes">'
            f'<div class="block-body">{_nodes(cat)}</div></div></div>')
    return _frame("category_view", cat.title, body,
                  keys=f'\n\tdata-container-key="node-{node_id("c", cat.id)}"')


def _forum(c: Community, board: Board, number: int) -> str:
    path = board_path(board)
    count = _board_page_count(board)
    crumbs = [("Forums", "/")]
    if (cat := c.category(board.category_id)) is not None:
        crumbs.append((cat.title, _category_path(cat)))
    threads = board.sorted_threads()[(number - 1) * THREADS_PER_PAGE: number * THREADS_PER_PAGE]
    rows = "".join(_row(c, t) for t in threads)
    pager = _pager(path, number, count)
    body = (f'{_crumbs(crumbs)}{_title(board.title, board.description)}'
            f'<div class="p-body-pageContent"><div class="block" data-type="thread">{pager}'
            f'<div class="block-container"><div class="block-body">'
            f'<div class="structItemContainer">'
            f'<div class="structItemContainer-group js-threadList">'
            f"{rows}</div></div></div></div>"
            f"{pager}</div></div>")
    return _frame("forum_view", board.title, body, head=_rel_links("", path, number, count),
                  keys=f'\n\tdata-container-key="node-{node_id("b", board.id)}"')


def _row(c: Community, thread: Thread) -> str:
    starter, last = thread.posts[0], thread.last_post
    path = thread_path(c, thread)
    return f"""
<div class="structItem structItem--thread js-inlineModContainer js-threadListItem-{thread.uid}"
	data-author="{escape(starter.author.login)}">
	<div class="structItem-cell structItem-cell--main">
		<div class="structItem-title">
			<a href="{path}" data-tp-primary="on">{escape(thread.subject)}</a></div>
		<div class="structItem-minor"><ul class="structItem-parts">
			<li><span class="username " dir="auto">{escape(starter.author.login)}</span></li>
			<li class="structItem-startDate">
				<a href="{path}" rel="nofollow">{_time(starter.posted_at)}</a></li>
		</ul></div>
	</div>
	<div class="structItem-cell structItem-cell--meta">
		<dl class="pairs pairs--justified"><dt>Replies</dt><dd>{thread.reply_count}</dd></dl>
		<dl class="pairs pairs--justified structItem-minor">
			<dt>Views</dt><dd>{thread.views}</dd></dl>
	</div>
	<div class="structItem-cell structItem-cell--latest">
		<a href="{path}latest" rel="nofollow">{_time(last.posted_at, " structItem-latestDate")}</a>
		<div class="structItem-minor">
			<span class="username " dir="auto">{escape(last.author.login)}</span></div>
	</div>
</div>"""


# --- walls ---------------------------------------------------------------------------------------


def _error(status: int, message: str) -> Page:
    body = (f'{_title("Oops! We ran into some problems.")}<div class="p-body-pageContent">'
            f'<div class="blockMessage">{escape(message)}</div></div>')
    return Page(status=status, html=_frame("error", "Oops! We ran into some problems.", body))


def _login(redirect: str) -> str:
    body = (f'{_title("Log in")}<div class="p-body-pageContent">'
            f'<div class="blockMessage blockMessage--error">You must be logged-in to do that.</div>'
            f'<form action="/login/login" method="post" class="block">'
            f'<input type="text" name="login" /><input type="password" name="password" />'
            f'<input type="hidden" name="_xfRedirect" value="{escape(redirect)}" />'
            f'<button type="submit" class="button--primary button">Log in</button></form></div>')
    return _frame("login", "Log in", body)


_CHALLENGE = """<!DOCTYPE html><html><head><title>Just a moment...</title></head>
<body><form id="challenge-form" action="/cdn-cgi/challenge" method="POST"></form></body></html>
"""
