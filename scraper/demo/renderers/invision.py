"""The demo community as an Invision Community 4 site (``body.ipsApp``, ``article.cPost``,
``data-quotedata``, ``time[datetime]`` in UTC beside the local time in its ``title``), installed
at the server root with friendly URLs: ``/topic/<T>-<slug>/page/<N>/``, ``/forum/<F>-<slug>/``.

Categories and boards are both forums, as on Invision: their ids are numbers, a checksum of the
category's or board's own id. A category's page lists its forums; a board's its topics (25 a
page, as posts). Walls are Invision's: the "Sign In" page (HTTP 200 here, as the server asks)
and the error page "Sorry, we could not find that!" (404).
"""

from __future__ import annotations

import json
import math
import re
import zlib
from datetime import UTC, datetime
from html import escape
from urllib.parse import parse_qs

from scraper.demo.content import Board, Category, Community, Post, Quote, Thread, User
from scraper.demo.renderers import Page

NAME = "invision"
ROBOTS = "User-agent: *\nDisallow: /login/\nDisallow: /register/\nDisallow: /search/\n"
INDEX_PATH = "/"
POSTS_PER_PAGE = 25
TOPICS_PER_PAGE = 25

_TOPIC = re.compile(r"^/topic/(\d+)-[^/]*/(?:page/(\d+)/)?$")
_FORUM = re.compile(r"^/forum/(\d+)-[^/]*/(?:page/(\d+)/)?$")


# --- URLs ----------------------------------------------------------------------------------------


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "topic"


def node_id(kind: str, key: str) -> int:
    """The forum number of a category ("c") or board ("b"): stable, from its own id."""
    return zlib.crc32(f"{kind}:{key}".encode()) % 90_000 + 10_000


def thread_path(c: Community | None, thread: Thread, page: int = 1) -> str:
    path = f"/topic/{thread.uid}-{_slug(thread.subject)}/"
    return path + (f"page/{page}/" if page > 1 else "")


def board_path(board: Board, page: int = 1) -> str:
    path = f"/forum/{node_id('b', board.id)}-{board.slug.lower()}/"
    return path + (f"page/{page}/" if page > 1 else "")


def _category_path(cat: Category) -> str:
    return f"/forum/{node_id('c', cat.id)}-{cat.slug.lower()}/"


def thread_page_count(thread: Thread) -> int:
    return max(1, math.ceil(len(thread.posts) / POSTS_PER_PAGE))


def _board_page_count(board: Board) -> int:
    return max(1, math.ceil(len(board.threads) / TOPICS_PER_PAGE))


def _profile(user: User) -> str:
    return f"/profile/{user.id}-{_slug(user.login)}/"


# --- routing -------------------------------------------------------------------------------------


def page(c: Community, route: str, query: str, base: str, blocked: dict[int, str]) -> Page:
    """The answer for a GET of ``route``."""
    if route in ("/", "/index.php"):
        return Page(html=_index(c, base), modified=c.clock)
    if m := _TOPIC.match(route):
        params = parse_qs(query)
        if params.get("do") == ["findComment"]:
            return _find_comment(c, int(m.group(1)), params.get("comment", [""])[0], base)
        return _topic(c, int(m.group(1)), int(m.group(2) or 1), base, blocked)
    if m := _FORUM.match(route):
        number, forum = int(m.group(1)), int(m.group(2) or 1)
        board = next((b for b in c.all_boards() if node_id("b", b.id) == number), None)
        if board is not None and forum <= _board_page_count(board):
            return Page(html=_forum(c, board, forum, base), modified=_board_modified(c, board))
        cat = next((x for x in c.all_categories() if node_id("c", x.id) == number), None)
        if cat is not None and forum == 1:
            return Page(html=_category(c, cat, base), modified=c.clock)
    return _error(404, "Sorry, we could not find that!", "The page you requested does not exist",
                  "2S136/L", base)


def _find_comment(c: Community, uid: int, comment: str, base: str) -> Page:
    found = c.find_post(int(comment)) if comment.isdigit() else None
    if found is None or found[0].uid != uid:
        return _error(404, "Sorry, we could not find that!",
                      "The post you requested does not exist", "2F173/F", base)
    thread, post = found
    number = thread.posts.index(post) // POSTS_PER_PAGE + 1
    return Page(status=301, location=f"{base}{thread_path(c, thread, number)}#comment-{post.uid}")


def _board_modified(c: Community, board: Board) -> datetime:
    stamps = [t.modified_at for t in board.threads]
    if board.changed_at:
        stamps.append(board.changed_at)
    return max(stamps, default=c.clock)


def _topic(c: Community, uid: int, number: int, base: str, blocked: dict[int, str]) -> Page:
    thread = c.thread(uid)
    if thread is None or number < 1 or number > thread_page_count(thread):
        return _error(404, "Sorry, we could not find that!",
                      "The page you requested does not exist", "2S136/L", base)
    if uid in blocked:
        if blocked[uid] == "challenge":
            return Page(html=_CHALLENGE, modified=c.clock)
        return Page(html=_sign_in(base), modified=c.clock)
    return Page(html=_topic_page(c, thread, number, base), modified=thread.modified_at)


# --- page frame ----------------------------------------------------------------------------------


def _frame(c: Community, base: str, title: str, body: str, *, controller: str,
           module: str = "forums", pageid: str = "", head: str = "") -> str:
    page_id = f' data-pageid="{pageid}"' if pageid else ""
    return f"""<!DOCTYPE html>
<html lang="en-US" dir="ltr">
	<head>
		<meta charset="utf-8">
		<title>{escape(title)} - {escape(c.title)}</title>
		<meta name="viewport" content="width=device-width, initial-scale=1">{head}
	</head>
	<body class="ipsApp ipsApp_front ipsJS_none ipsClearfix" data-controller="core.front.core.app" data-message="" data-pageapp="forums" data-pagelocation="front" data-pagemodule="{module}" data-pagecontroller="{controller}"{page_id}>
		<div id="ipsLayout_header" class="ipsClearfix"><header><div class="ipsLayout_container">
			<a href="{base}/" id="elLogo" accesskey="1">{escape(c.title)}</a>
			<ul id="elUserNav" class="ipsList_inline cSignedOut ipsResponsive_showDesktop">
				<li id="elSignInLink"><a href="{base}/login/" id="elUserSignIn">Existing user? Sign In</a></li>
				<li><a href="{base}/register/" id="elRegisterButton" class="ipsButton ipsButton_normal ipsButton_primary">Sign Up</a></li>
			</ul>
		</div></header></div>
		<main id="ipsLayout_body" class="ipsLayout_container"><div id="ipsLayout_contentArea"><div id="ipsLayout_contentWrapper">
{body}
		</div></div></main>
		<footer id="ipsLayout_footer" class="ipsClearfix"><div class="ipsLayout_container"><p id="elCopyright">
			<a rel="nofollow" title="Invision Community" href="https://www.invisioncommunity.com/">Powered by Invision Community</a>
		</p></div></footer>
	</body>
</html>
"""


def _crumbs(base: str, items: list[tuple[str, str]], last: str) -> str:
    lis = "".join(f'\n\t\t<li><a href="{base}{href}"><span>{escape(title)} '
                  f'<i class="fa fa-angle-right" aria-hidden="true"></i></span></a></li>'
                  for title, href in items)
    return (f'<nav class="ipsBreadcrumb ipsBreadcrumb_top ipsFaded_withHover">\n\t'
            f'<ul data-role="breadcrumbList">\n\t\t<li><a title="Home" href="{base}/"><span>Home '
            f'<i class="fa fa-angle-right"></i></span></a></li>{lis}\n\t\t<li>{escape(last)}</li>'
            f"\n\t</ul>\n</nav>")


def _pagination(base: str, path: str, number: int, count: int, per_page: int) -> str:
    """``ul.ipsPagination`` with IC4's data attributes (page 1 is ``path`` itself)."""
    if count <= 1:
        return ""

    def href(n: int) -> str:
        return base + path + (f"page/{n}/" if n > 1 else "")

    pages = "".join(f"\n\t\t<li class='ipsPagination_page"
                    f"{' ipsPagination_active' if n == number else ''}'>"
                    f"<a href='{href(n)}' data-page='{n}'>{n}</a></li>" for n in range(1, count + 1))
    prev = "" if number > 1 else " ipsPagination_inactive"
    nxt = "" if number < count else " ipsPagination_inactive"
    return (f"<ul class='ipsPagination' id='elPagination_{number}' data-ipsPagination-seoPagination"
            f"='true' data-pages='{count}' data-ipsPagination data-ipsPagination-pages=\"{count}\""
            f" data-ipsPagination-perPage='{per_page}'>\n"
            f"\t\t<li class='ipsPagination_prev{prev}'><a href='{href(max(1, number - 1))}'"
            f" rel=\"prev\" data-page='{number - 1}'>Prev</a></li>{pages}\n"
            f"\t\t<li class='ipsPagination_next{nxt}'><a href='{href(min(count, number + 1))}'"
            f" rel=\"next\" data-page='{number + 1}'>Next</a></li>\n\t</ul>")


def _rel_links(base: str, path: str, number: int, count: int) -> str:
    def href(n: int) -> str:
        return base + path + (f"page/{n}/" if n > 1 else "")

    links = f'\n\t\t<link rel="canonical" href="{href(number)}" />'
    if number > 1:
        links += f'\n\t\t<link rel="prev" href="{href(number - 1)}" />'
    if number < count:
        links += f'\n\t\t<link rel="next" href="{href(number + 1)}" />'
    return links


def _time(when: datetime) -> str:
    """``time[datetime]`` in UTC, the site's local time in ``title`` ("01/14/2025 09:05  AM")."""
    instant = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    title = when.strftime("%m/%d/%Y %I:%M  %p")
    shown = f"{when:%B} {when.day}, {when.year}"
    return f"<time datetime='{instant}' title='{title}' data-short='1 yr'>{shown}</time>"


# --- topic pages ---------------------------------------------------------------------------------


def _topic_page(c: Community, thread: Thread, number: int, base: str) -> str:
    board = c.board(thread.board_id)
    cat = c.category(board.category_id) if board is not None else None
    path = thread_path(c, thread)
    count = thread_page_count(thread)
    trail = [(cat.title, _category_path(cat))] if cat is not None else []
    trail += [(board.title, board_path(board))] if board is not None else []
    first = (number - 1) * POSTS_PER_PAGE
    posts = "\n".join(_post(c, thread, post, base)
                      for post in thread.posts[first:first + POSTS_PER_PAGE])
    pager = _pagination(base, path, number, count, POSTS_PER_PAGE)
    solved = ("<span><span class=\"ipsBadge ipsBadge_icon ipsBadge_positive\" data-ipsTooltip "
              "title='Solved'><i class='fa fa-check'></i></span></span>"
              if thread.accepted_uid else "")
    body = f"""{_crumbs(base, trail, thread.subject)}
<div id="ipsLayout_mainArea">
<div class='ipsPageHeader ipsResponsive_pull ipsBox ipsPadding'>
	<h1 class='ipsType_pageTitle ipsContained_container'>{solved}<span class='ipsType_break ipsContained'><span>{escape(thread.subject)}</span></span></h1>
</div>
<div class='ipsButtonBar ipsPad_half ipsClearfix ipsClear'>{pager}</div>
<div id='comments' data-controller='core.front.core.commentFeed,forums.front.topic.view' data-feedID='topic-{thread.uid}' class='cTopic ipsClear ipsSpacer_top'>
	<div id="elPostFeed" data-role='commentFeed' data-controller='core.front.core.moderation'>
{posts}
	</div>
</div>
<div class='ipsButtonBar ipsPad_half ipsClearfix ipsClear'>{pager}</div>
</div>"""
    title = thread.subject + (f" - Page {number}" if number > 1 else "")
    return _frame(c, base, title, body, controller="topic", pageid=str(thread.uid),
                  head=_rel_links(base, path, number, count))


def _post(c: Community, thread: Thread, post: Post, base: str) -> str:
    user = post.author
    login = escape(user.login)
    topic_url = base + thread_path(c, thread)
    if user.anonymous:
        link = login
    else:
        link = (f"<a href='{base}{_profile(user)}' rel=\"nofollow\" data-ipsHover "
                f"title=\"Go to {login}'s profile\" class='ipsType_break'>{login}</a>")
    quotedata = escape(json.dumps({
        "userid": user.id, "username": user.login, "timestamp": int(post.posted_at.timestamp()),
        "contentapp": "forums", "contenttype": "forums", "contentid": thread.uid,
        "contentclass": "forums_Topic", "contentcommentid": post.uid,
    }, separators=(",", ":")))
    solved = post.uid == thread.accepted_uid
    badge = ("<li><strong class='ipsBadge ipsBadge_large ipsBadge_positive'><i class='fa "
             "fa-check'></i> Solution</strong></li>" if solved else "")
    edit = (f"\n<span class='ipsType_reset ipsType_medium ipsType_light' data-excludequote>"
            f"<strong>Edited {_time(post.edited_at)} by {login}</strong></span>"
            if post.edited_at else "")
    signature = (f"\n\t\t<div data-role=\"memberSignature\" class='ipsBorder_top ipsPadding_vertical'>"
                 f"<div class='ipsType_light ipsType_richText' data-ipsLazyLoad><p>"
                 f"{escape(post.signature)}</p></div></div>" if post.signature else "")
    reactions = ""
    if post.kudos:
        reactions = (f"<ul class='ipsReact_reactions'><li class='ipsReact_reactCount'><span "
                     f"data-ipsTooltip title=\"Like\"><span><img src='/uploads/reactions/"
                     f"react_like.png' alt=\"Like\"></span><span>{post.kudos}</span></span></li></ul>")
    quotes = "".join(_quote(c, thread, q) for q in post.quotes)
    rank = f"<li data-role=\"group\">{escape(user.rank)}</li>" if user.rank else ""
    posted = _time(post.posted_at)
    return f"""<a id="comment-{post.uid}"></a>
<article id="elComment_{post.uid}" class="cPost ipsBox ipsResponsive_pull ipsComment ipsComment_parent ipsClearfix ipsClear ipsColumns ipsColumns_noSpacing ipsColumns_collapsePhone{' ipsComment_solved' if solved else ''}">
	<div class='cAuthorPane_mobile ipsResponsive_showPhone'><div class='cAuthorPane_content'>
		<h3 class='ipsType_sectionHead cAuthorPane_author ipsType_break ipsType_blendLinks ipsTruncate ipsTruncate_line'>{link}</h3>
		<div class='ipsType_light ipsType_reset'><a href='{topic_url}?do=findComment&amp;comment={post.uid}' class='ipsType_blendLinks'>Posted {posted}</a></div>
	</div></div>
	<aside class='ipsComment_author cAuthorPane ipsColumn ipsColumn_medium ipsResponsive_hidePhone'>
		<h3 class='ipsType_sectionHead cAuthorPane_author ipsType_blendLinks ipsType_break'><strong>{link}</strong></h3>
		<ul class='cAuthorPane_info ipsList_reset'>{rank}</ul>
	</aside>
	<div class='ipsColumn ipsColumn_fluid ipsMargin:none'>
<div id='comment-{post.uid}_wrap' data-controller='core.front.core.comment' data-commentApp='forums' data-commentType='forums' data-commentID="{post.uid}" data-quoteData='{quotedata}' class='ipsComment_content ipsType_medium'>
	<div class='ipsComment_meta ipsType_light ipsFlex ipsFlex-ai:center ipsFlex-jc:between ipsFlex-fd:row-reverse'>
		<div class='ipsType_light ipsType_reset ipsType_blendLinks ipsComment_toolWrap'>
			<div class='ipsResponsive_hidePhone ipsComment_badges'><ul class='ipsList_reset ipsFlex ipsFlex-jc:end'>{badge}</ul></div>
		</div>
		<div class='ipsType_reset ipsResponsive_hidePhone'><a href='{topic_url}?do=findComment&amp;comment={post.uid}' class='ipsType_blendLinks'>Posted {posted}</a></div>
	</div>
	<div class='cPost_contentWrap'>
		<div data-role='commentContent' class='ipsType_normal ipsType_richText ipsPadding_bottom ipsContained' data-controller='core.front.core.lightboxedImages'>
			{quotes}{post.body_html}{edit}
		</div>{signature}
		<div class='ipsItemControls'>
			<div data-controller='core.front.core.reaction' class='ipsItemControls_right ipsClearfix '>
				<div class='ipsReact ipsPos_right'><div class='ipsReact_blurb{"" if post.kudos else " ipsHide"}' data-role='reactionBlurb'>{reactions}</div></div>
			</div>
		</div>
	</div>
</div>
	</div>
</article>"""


def _quote(c: Community, thread: Thread, quote: Quote) -> str:
    inner = "".join(_quote(c, thread, q) for q in quote.inner)
    text = f"<p>{escape(quote.text, quote=False)}</p>"
    found = c.find_post(quote.post_uid) if quote.post_uid else None
    if found is None:
        return (f'<blockquote class="ipsQuote" data-ipsquote=""><div class="ipsQuote_citation">'
                f'Quote</div><div class="ipsQuote_contents">{inner}{text}</div></blockquote>')
    source_thread, source = found
    user = c.user(quote.author)
    stamp = int(source.posted_at.timestamp())
    when = source.posted_at
    citation = (f"On {when.month}/{when.day}/{when.year} at {when.strftime('%-I:%M %p')}, "
                f"{escape(quote.author)} said:")
    return (f'<blockquote class="ipsQuote" data-ipsquote="" data-ipsquote-contentapp="forums" '
            f'data-ipsquote-contentclass="forums_Topic" data-ipsquote-contentcommentid='
            f'"{source.uid}" data-ipsquote-contentid="{source_thread.uid}" '
            f'data-ipsquote-contenttype="forums" data-ipsquote-timestamp="{stamp}" '
            f'data-ipsquote-userid="{user.id if user and user.id else ""}" '
            f'data-ipsquote-username="{escape(quote.author)}"><div class="ipsQuote_citation">'
            f'{citation}</div><div class="ipsQuote_contents">{inner}{text}</div></blockquote>')


# --- listings ------------------------------------------------------------------------------------


def _forum_row(base: str, number: int, path: str, title: str, description: str) -> str:
    return (f'\n\t\t<li class="cForumRow ipsDataItem ipsDataItem_responsivePhoto ipsClearfix" '
            f'data-forumID="{number}"><div class="ipsDataItem_main"><h4 class="ipsDataItem_title '
            f'ipsType_large ipsType_break"><a href="{base}{path}">{escape(title)}</a></h4>'
            f'<div class="ipsDataItem_meta ipsType_richText"><p>{escape(description)}</p></div>'
            f"</div></li>")


def _forum_rows(base: str, cat: Category) -> str:
    rows = [_forum_row(base, node_id("b", b.id), board_path(b), b.title, b.description)
            for b in cat.boards]
    rows += [_forum_row(base, node_id("c", s.id), _category_path(s), s.title, s.description)
             for s in cat.categories]
    return "".join(rows)


def _index(c: Community, base: str) -> str:
    cats = "".join(
        f"\n\t<li data-categoryID='{node_id('c', cat.id)}' class='cForumRow ipsBox ipsSpacer_bottom'>"
        f"<h2 class=\"ipsType_sectionTitle ipsType_reset cForumTitle\"><a href='{base}"
        f"{_category_path(cat)}'>{escape(cat.title)}</a></h2><ol class=\"ipsDataList "
        f"ipsDataList_large ipsDataList_zebra\" data-role=\"forums\">{_forum_rows(base, cat)}"
        f"</ol></li>" for cat in c.categories)
    body = (f"<div id=\"ipsLayout_mainArea\"><h1 class='ipsType_reset ipsHide'>Forums</h1><section>"
            f"<ol class='ipsList_reset cForumList' data-role=\"forums\">{cats}\n</ol></section></div>")
    return _frame(c, base, "Forums", body, controller="index",
                  head=f'\n\t\t<link rel="canonical" href="{base}/" />')


def _category(c: Community, cat: Category, base: str) -> str:
    trail = []
    if cat.parent_id and (parent := c.category(cat.parent_id)) is not None:
        trail.append((parent.title, _category_path(parent)))
    body = (f"{_crumbs(base, trail, cat.title)}<div id=\"ipsLayout_mainArea\"><header class="
            f"'ipsPageHeader ipsBox ipsPadding'><h1 class=\"ipsType_pageTitle\">"
            f"{escape(cat.title)}</h1></header><ol class=\"ipsDataList ipsDataList_large\" "
            f"data-role=\"forums\">{_forum_rows(base, cat)}</ol></div>")
    return _frame(c, base, cat.title, body, controller="forums", pageid=str(node_id("c", cat.id)),
                  head=f'\n\t\t<link rel="canonical" href="{base}{_category_path(cat)}" />')


def _forum(c: Community, board: Board, number: int, base: str) -> str:
    path = board_path(board)
    count = _board_page_count(board)
    trail = [(cat.title, _category_path(cat))] if (cat := c.category(board.category_id)) else []
    topics = board.sorted_threads()[(number - 1) * TOPICS_PER_PAGE: number * TOPICS_PER_PAGE]
    rows = "".join(_row(c, t, base) for t in topics)
    pager = _pagination(base, path, number, count, TOPICS_PER_PAGE)
    body = f"""{_crumbs(base, trail, board.title)}
<div id="ipsLayout_mainArea">
<header class='ipsPageHeader ipsBox ipsPadding'><h1 class="ipsType_pageTitle">{escape(board.title)}</h1>
	<div class='ipsType_richText ipsType_normal'><p>{escape(board.description)}</p></div></header>
<div class='ipsBox'><div class="ipsButtonBar ipsPad_half ipsClearfix ipsClear">{pager}</div>
<ol class='ipsClear ipsDataList cForumTopicTable cTopicList' data-role="tableRows">{rows}
</ol></div>
</div>"""
    return _frame(c, base, board.title, body, controller="forums",
                  pageid=str(node_id("b", board.id)), head=_rel_links(base, path, number, count))


def _row(c: Community, thread: Thread, base: str) -> str:
    starter, last = thread.posts[0], thread.last_post
    url = base + thread_path(c, thread)
    solved = ("<span><span class=\"ipsBadge ipsBadge_icon ipsBadge_small ipsBadge_positive\" "
              "data-ipsTooltip title='Solved'><i class='fa fa-check'></i></span></span>"
              if thread.accepted_uid else "")
    return f"""
	<li class="ipsDataItem ipsDataItem_responsivePhoto" data-rowID='{thread.uid}'>
		<div class='ipsDataItem_main'>
			<h4 class='ipsDataItem_title ipsContained_container'>{solved}<span class='ipsType_break ipsContained'><a href='{url}' title='{escape(thread.subject)} '><span>{escape(thread.subject)}</span></a></span></h4>
			<div class='ipsDataItem_meta ipsType_reset ipsType_light ipsType_blendLinks'><span>By {_user_link(starter.author, base)}, </span>{_time(starter.posted_at)}</div>
		</div>
		<ul class='ipsDataItem_stats'>
			<li data-statType='forums_comments'><span class='ipsDataItem_stats_number'>{thread.reply_count}</span><span class='ipsDataItem_stats_type'> replies</span></li>
			<li class='ipsType_light' data-statType='num_views'><span class='ipsDataItem_stats_number'>{thread.views}</span><span class='ipsDataItem_stats_type'> views</span></li>
		</ul>
		<ul class='ipsDataItem_lastPoster ipsDataItem_withPhoto ipsType_blendLinks'>
			<li>{_user_link(last.author, base)}</li>
			<li class="ipsType_light"><a href='{url}?do=getLastComment' title='Go to last post' class='ipsType_blendLinks'>{_time(last.posted_at)}</a></li>
		</ul>
	</li>"""


def _user_link(user: User, base: str) -> str:
    if user.anonymous:
        return escape(user.login)
    return (f"<a href='{base}{_profile(user)}' rel=\"nofollow\" title=\"Go to "
            f"{escape(user.login)}'s profile\" class=\"ipsType_break\">{escape(user.login)}</a>")


# --- walls ---------------------------------------------------------------------------------------


def _error(status: int, title: str, message: str, code: str, base: str) -> Page:
    body = (f"<div id=\"ipsLayout_mainArea\"><section id='elError' class='ipsType_center "
            f"ipsPad_double ipsBox'><h1 class='ipsType_reset ipsType_veryLarge ipsType_light'>"
            f"{escape(title)}</h1><div id='elErrorMessage' class='ipsType_normal'>"
            f"{escape(message)}</div><p class='ipsType_light ipsType_reset'><strong>Error code:"
            f"</strong> {code}</p></section></div>")
    return Page(status=status, html=_ERROR_FRAME.format(title=escape(title), body=body))


_ERROR_FRAME = """<!DOCTYPE html>
<html lang="en-US" dir="ltr"><head><meta charset="utf-8"><title>{title}</title></head>
<body class="ipsApp ipsApp_front ipsJS_none ipsClearfix" data-pageapp="core" data-pagemodule="system" data-pagecontroller="error">
<main id="ipsLayout_body" class="ipsLayout_container">{body}</main></body></html>
"""


def _sign_in(base: str) -> str:
    body = (f"<div id=\"ipsLayout_mainArea\"><div class='cLogin ipsBox ipsPadding'><h1 class="
            f"'ipsType_pageTitle ipsType_center'>Sign In</h1><form accept-charset='utf-8' "
            f"method='post' action='{base}/login/' id='elSignIn_form'><input type='email' "
            f"name='auth'><input type='password' name='password'><button type='submit' "
            f"class='ipsButton ipsButton_primary'>Sign In</button></form></div></div>")
    return _ERROR_FRAME.format(title="Sign In", body=body).replace(
        'data-pagecontroller="error"', 'data-pagecontroller="login"')


_CHALLENGE = """<!DOCTYPE html><html><head><title>Just a moment...</title></head>
<body><form id="challenge-form" action="/cdn-cgi/challenge" method="POST"></form></body></html>
"""
