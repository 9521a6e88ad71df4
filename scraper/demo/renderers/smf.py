"""The demo community as an SMF 2.0 forum (default "Curve" theme) seen by a guest.

Every page is ``/index.php`` with SMF's query shapes (``board=B.START``, ``topic=T.START``,
``topic=T.msgM``); boards are numbered in the community's order. Like a guest without cookies,
every link carries ``PHPSESSID`` (after ``?`` or ``;``). Topics show 15 messages a page, boards
20 topics. Times are shown in the site's zone, never with it.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from urllib.parse import parse_qsl

from scraper.demo.content import LAYOUT, Board, Community, Post, Quote, Thread, User
from scraper.demo.renderers import Page

NAME = "smf"
ROBOTS = "User-agent: *\nDisallow: /index.php?action=\n"
INDEX_PATH = "/index.php"
SESSION = "d41d8cd98f00b204e9800998ecf8427e"
PER_PAGE = 15
TOPICS_PER_PAGE = 20
_WALL = ("The topic or board you are looking for appears to be either missing or off limits "
         "to you.")


def _e(text: str) -> str:
    return escape(text, quote=True)


def _date(when: datetime) -> str:
    return when.strftime("%B %d, %Y, %I:%M:%S %p")


def _layout_boards(specs: tuple = LAYOUT) -> list[str]:
    """Board ids in the order of the community's layout (categories' boards, then those of
    their sub-categories): SMF numbers its boards, the demo content names them."""
    return [b for spec in specs for b in [x[0] for x in spec[4]] + _layout_boards(spec[5])]


BOARD_IDS = _layout_boards()


def _board_number(c: Community | None, board: Board) -> int:
    return BOARD_IDS.index(board.id) + 1


def _board_by_number(c: Community, number: int) -> Board | None:
    return c.board(BOARD_IDS[number - 1]) if 0 < number <= len(BOARD_IDS) else None


def thread_path(c: Community, thread: Thread, page: int = 1) -> str:
    return f"/index.php?topic={thread.uid}.{(page - 1) * PER_PAGE}"


def board_path(board: Board, page: int = 1) -> str:
    return f"/index.php?board={_board_number(None, board)}.{(page - 1) * TOPICS_PER_PAGE}"


def _link(base: str, query: str, *, semicolon: bool = False) -> str:
    """A guest's link: the session id first, joined by ``&amp;`` or by ``;``."""
    glue = ";" if semicolon else "&amp;"
    return f"{base}/index.php?PHPSESSID={SESSION}{glue}{query}"


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


# --- pages ---------------------------------------------------------------------------------------


def page(c: Community, route: str, query: str, base: str, blocked: dict[int, str]) -> Page:
    if route != "/index.php":
        return _not_found(c, base)
    params = {k.lower(): v for k, v in parse_qsl(query.replace(";", "&"), keep_blank_values=True)}
    params.pop("phpsessid", None)
    if not params:
        return Page(html=_index(c, base), modified=c.clock)
    if "topic" in params:
        return _topic(c, params["topic"], base, blocked)
    if "board" in params:
        number, _, start = params["board"].partition(".")
        board = _board_by_number(c, int(number)) if number.isdigit() else None
        if board is None or not (start or "0").isdigit():
            return _not_found(c, base)
        count = page_count(len(board.threads), TOPICS_PER_PAGE)
        page_no = min(int(start or 0) // TOPICS_PER_PAGE + 1, count)
        stamps = [t.modified_at for t in board.threads]
        return Page(html=_board(c, board, page_no, base), modified=max(stamps, default=c.clock))
    return _not_found(c, base)


def _topic(c: Community, value: str, base: str, blocked: dict[int, str]) -> Page:
    uid, _, start = value.partition(".")
    thread = c.thread(int(uid)) if uid.isdigit() else None
    if thread is None:
        return _not_found(c, base)
    if int(uid) in blocked:
        return Page(html=_wall_page(c, base), modified=c.clock)
    count = page_count(len(thread.posts), PER_PAGE)
    if start.startswith("msg") and start[3:].isdigit():
        index = next((i for i, p in enumerate(thread.posts) if p.uid == int(start[3:])), 0)
        number = index // PER_PAGE + 1
    elif (start or "0").isdigit():
        number = min(int(start or 0) // PER_PAGE + 1, count)
    else:
        number = 1
    return Page(html=_thread(c, thread, number, base), modified=thread.modified_at)


def _head(c: Community, title: str, base: str) -> str:
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head>\n'
        f'<link rel="stylesheet" type="text/css" href="{base}/Themes/default/css/index.css" />\n'
        '<script type="text/javascript"><!-- // --><![CDATA[\n'
        f'\tvar smf_theme_url = "{base}/Themes/default";\n'
        f'\tvar smf_images_url = "{base}/Themes/default/images";\n'
        f'\tvar smf_scripturl = "{base}/index.php?PHPSESSID={SESSION}&amp;";\n'
        '\tvar smf_charset = "UTF-8";\n// ]]></script>\n'
        '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />\n'
        f"<title>{_e(title)}</title>\n</head>\n<body>\n"
        '<div id="wrapper" style="width: 90%"><div id="header"><div class="frame">\n'
        f'<div id="top_section"><h1 class="forumtitle"><a href="{_link(base, "")[:-5]}">'
        f"{_e(c.title)}</a></h1></div>\n"
        '<div id="upper_section" class="middletext"><div class="user">'
        f'<form id="guest_form" action="{_link(base, "action=login2")}" method="post" '
        'accept-charset="UTF-8"><div class="info">Welcome, <strong>Guest</strong>. Please '
        f'<a href="{_link(base, "action=login")}">login</a> or <a href="'
        f'{_link(base, "action=register")}">register</a>.</div>'
        '<input type="text" name="user" size="10" class="input_text" />'
        '<input type="password" name="passwrd" size="10" class="input_password" />'
        '<input type="submit" value="Login" class="button_submit" /></form></div>\n'
        '<div class="news normaltext"><h2>News: </h2><p>Welcome to the demo forum.</p></div>'
        "</div></div></div>\n"
        '<div id="content_section"><div class="frame"><div id="main_content_section">\n'
    )


def _foot() -> str:
    return (
        "</div></div></div>\n"
        '<div id="footer_section"><div class="frame"><ul class="reset"><li class="copyright">'
        '<span class="smalltext" style="display: inline; visibility: visible; font-family: '
        'Verdana, Arial, sans-serif;"><a href="https://www.simplemachines.org/about/smf/'
        'license.php" title="License" target="_blank" class="new_win">SMF 2.0.19</a> | '
        '<a href="https://www.simplemachines.org/about/smf/license.php" title="License" '
        'target="_blank" class="new_win">SMF &copy; 2020</a>, <a href="https://www.'
        'simplemachines.org" title="Simple Machines" target="_blank" class="new_win">Simple '
        "Machines</a></span></li></ul></div></div>\n</div>\n</body></html>\n"
    )


def _crumbs(c: Community, base: str, board: Board | None, thread: Thread | None) -> str:
    items = [f'<li><a href="{_link(base, "")[:-5]}"><span>{_e(c.title)}</span></a> &#187;</li>']
    if board is not None:
        cat = next(x for x in c.categories if board in x.all_boards())
        number = _board_number(c, board)
        items.append(f'<li><a href="{base}/index.php#c{c.categories.index(cat) + 1}"><span>'
                     f"{_e(cat.title)}</span></a> &#187;</li>")
        items.append(f'<li><a href="{_link(base, f"board={number}.0", semicolon=True)}"><span>'
                     f"{_e(board.title)}</span></a>{' &#187;' if thread else ''}</li>")
    if thread is not None:
        items.append(f'<li class="last"><a href="{_link(base, f"topic={thread.uid}.0")}"><span>'
                     f"{_e(thread.subject)}</span></a></li>")
    return '<div class="navigate_section"><ul>' + "".join(items) + "</ul></div>\n"


def _pages(url_of, number: int, count: int) -> str:
    """SMF's page index: "Pages: [1] 2 3 ... 9" with the current page in brackets."""
    shown = sorted({1, count, *range(max(1, number - 2), min(count, number + 2) + 1)})
    parts, last = [], 0
    for n in shown:
        if n - last > 1:
            parts.append('<span style="font-weight: bold;">...</span>')
        parts.append(f"[<strong>{n}</strong>]" if n == number
                     else f'<a class="navPages" href="{url_of(n)}">{n}</a>')
        last = n
    return f'<div class="pagelinks floatleft">Pages: {" ".join(parts)}</div>'


def _index(c: Community, base: str) -> str:
    body = ['<div id="boardindex_table"><table class="table_list">']
    for i, cat in enumerate(c.categories, 1):
        body.append(f'<tbody class="header" id="category_{i}"><tr><td colspan="4">'
                    f'<div class="cat_bar"><h3 class="catbg"><a id="c{i}"></a>{_e(cat.title)}'
                    '</h3></div></td></tr></tbody>'
                    f'<tbody class="content" id="category_{i}_boards">')
        for board in cat.all_boards():
            n = _board_number(c, board)
            href = _link(base, f"board={n}.0", semicolon=n % 2 == 0)
            topics = len(board.threads)
            body.append(
                f'<tr id="board_{n}" class="windowbg2"><td class="icon windowbg"><a href="{href}">'
                f'<img src="{base}/Themes/default/images/off.png" alt="No New Posts" /></a></td>'
                f'<td class="info"><a class="subject" href="{href}" name="b{n}">'
                f"{_e(board.title)}</a><p>{_e(board.description)}</p></td>"
                f'<td class="stats windowbg"><p>{board.post_count} Posts <br />{topics} Topics</p>'
                f"</td>{_board_last(c, board, base)}</tr>")
        body.append("</tbody>")
    body.append("</table></div>")
    return _head(c, f"{c.title} - Index", base) + _crumbs(c, base, None, None) + \
        "".join(body) + _foot()


def _board_last(c: Community, board: Board, base: str) -> str:
    if not board.threads:
        return '<td class="lastpost"></td>'
    thread = board.sorted_threads()[0]
    post = thread.last_post
    return (f'<td class="lastpost"><p><strong>Last post</strong> by {_user(post.author, base)}'
            f'<br />in <a href="{_link(base, f"topic={thread.uid}.msg{post.uid}#new")}" title="'
            f'{_e(thread.subject)}">{_e(thread.subject)}</a><br />on {_date(post.posted_at)}</p>'
            "</td>")


def _user(user: User, base: str) -> str:
    if user.anonymous:
        return _e(user.login)
    return (f'<a href="{_link(base, f"action=profile;u={user.id}", semicolon=True)}" '
            f'title="View the profile of {_e(user.login)}">{_e(user.login)}</a>')


def _board(c: Community, board: Board, number: int, base: str) -> str:
    n = _board_number(c, board)
    threads = board.sorted_threads()
    count = page_count(len(threads), TOPICS_PER_PAGE)
    shown = threads[(number - 1) * TOPICS_PER_PAGE: number * TOPICS_PER_PAGE]
    rows = []
    for i, thread in enumerate(shown):
        sticky = number == 1 and i == 0
        first, last = thread.posts[0], thread.last_post
        css = "stickybg" if sticky else "windowbg"
        rows.append(
            f'<tr><td class="icon1 {css}"><img src="{base}/Themes/default/images/topic/'
            f'normal_post.gif" alt="" /></td><td class="icon2 {css}"><img src="{base}/Themes/'
            f'default/images/post/xx.gif" alt="" /></td><td class="subject {css}2"><div>'
            + ('<strong>' if sticky else "")
            + f'<span id="msg_{first.uid}"><a href="{_link(base, f"topic={thread.uid}.0")}">'
            f"{_e(thread.subject)}</a></span>" + ('</strong>' if sticky else "")
            + f'<p>Started by {_user(first.author, base)}</p></div></td>'
            f'<td class="stats {css}">{thread.reply_count} Replies<br />{thread.views} Views</td>'
            f'<td class="lastpost {css}2"><a href="'
            f'{_link(base, f"topic={thread.uid}.msg{last.uid}#new")}"><img src="{base}/Themes/'
            f'default/images/icons/last_post.gif" alt="Last post" title="Last post" /></a>'
            f"{_date(last.posted_at)}<br />by {_user(last.author, base)}</td></tr>")

    def url_of(page_no: int) -> str:
        return _link(base, f"board={n}.{(page_no - 1) * TOPICS_PER_PAGE}")

    return (
        _head(c, board.title, base) + _crumbs(c, base, board, None)
        + f'<div class="pagesection">{_pages(url_of, number, count)}</div>'
        + '<div class="tborder topic_table" id="messageindex"><table class="table_grid" '
        'cellspacing="0"><thead><tr class="catbg"><th scope="col" class="first_th" width="8%" '
        'colspan="2">&nbsp;</th><th scope="col" class="lefttext">Subject / Started by</th>'
        '<th scope="col" width="14%">Replies / Views</th><th scope="col" class="lefttext '
        'last_th" width="22%">Last post</th></tr></thead><tbody>'
        + "".join(rows) + "</tbody></table></div>"
        + f'<div class="pagesection">{_pages(url_of, number, count)}</div>' + _foot()
    )


def _thread(c: Community, thread: Thread, number: int, base: str) -> str:
    board = c.board(thread.board_id)
    count = page_count(len(thread.posts), PER_PAGE)
    start = (number - 1) * PER_PAGE
    posts = thread.posts[start: start + PER_PAGE]

    def url_of(page_no: int) -> str:
        return _link(base, f"topic={thread.uid}.{(page_no - 1) * PER_PAGE}")

    messages = [f'<a id="msg{posts[0].uid}"></a>'] + [
        _message(c, thread, post, start + i, base, i) for i, post in enumerate(posts)
    ]
    return (
        _head(c, thread.subject, base) + _crumbs(c, base, board, thread)
        + f'<div class="pagesection">{_pages(url_of, number, count)}</div>'
        + '<div id="forumposts"><div class="cat_bar"><h3 class="catbg"><span id="author">'
        f'Author</span>Topic: {_e(thread.subject)} &nbsp;(Read {thread.views} times)</h3></div>'
        f'<form action="{_link(base, f"action=quickmod2;topic={thread.uid}.{start}")}" '
        'method="post" accept-charset="UTF-8" name="quickModForm" id="quickModForm">'
        + "".join(messages) + "</form></div>"
        + f'<div class="pagesection">{_pages(url_of, number, count)}</div>' + _foot()
    )


def _message(c: Community, thread: Thread, post: Post, index: int, base: str, slot: int) -> str:
    uid = post.uid
    subject = thread.subject if index == 0 else f"Re: {thread.subject}"
    label = f"Reply #{index} on:" if index else "on:"
    anchor = f'<a id="msg{uid}"></a>' if slot else ""
    edited = ""
    if post.edited_at is not None:
        edited = (f"&#171; <em>Last Edit: {_date(post.edited_at)} by {_e(post.author.login)}"
                  "</em> &#187;")
    signature = (f'<div class="signature" id="msg_{uid}_signature">{_e(post.signature)}</div>'
                 if post.signature else "")
    if post.author.anonymous:
        poster = f"<h4>{_e(post.author.login)}</h4><ul class=\"reset smalltext\" " \
                 f'id="msg_{uid}_extra_info"><li class="membergroup">Guest</li></ul>'
    else:
        poster = (f"<h4>{_user(post.author, base)}</h4><ul class=\"reset smalltext\" "
                  f'id="msg_{uid}_extra_info"><li class="postgroup">{_e(post.author.rank)}</li>'
                  "</ul>")
    body = "".join(_quote(q, thread, base, 1) for q in post.quotes) + "<br />".join(
        _e(p) for p in post.paragraphs)
    return (
        f'{anchor}<div class="{"windowbg" if index % 2 == 0 else "windowbg2"}">'
        '<span class="topslice"><span></span></span><div class="post_wrapper">'
        f'<div class="poster">{poster}</div><div class="postarea"><div class="flow_hidden">'
        '<div class="keyinfo"><div class="messageicon"><img src="'
        f'{base}/Themes/default/images/post/xx.gif" alt="" /></div><h5 id="subject_{uid}">'
        f'<a href="{_link(base, f"topic={thread.uid}.msg{uid}#msg{uid}")}" rel="nofollow">'
        f'{_e(subject)}</a></h5><div class="smalltext">&#171; <strong>{label}</strong> '
        f'{_date(post.posted_at)} &#187;</div><div id="msg_{uid}_quick_mod"></div></div></div>'
        f'<div class="post"><div class="inner" id="msg_{uid}">{body}</div></div></div>'
        f'<div class="moderatorbar"><div class="smalltext modified" id="modified_{uid}">'
        f"{edited}</div>{signature}</div></div>"
        '<span class="botslice"><span></span></span></div><hr class="post_separator" />'
    )


def _quote(q: Quote, thread: Thread, base: str, depth: int) -> str:
    head = f"Quote from: {_e(q.author)}"
    if q.post_uid is not None:
        head = (f'<a href="{_link(base, f"topic={thread.uid}.msg{q.post_uid}#msg{q.post_uid}")}">'
                f"{head}</a>")
    css = "bbc_standard_quote" if depth % 2 else "bbc_alternate_quote"
    inner = "".join(_quote(i, thread, base, depth + 1) for i in q.inner)
    return (f'<div class="quoteheader"><div class="topslice_quote">{head}</div></div>'
            f'<blockquote class="{css}">{inner}{_e(q.text)}</blockquote>'
            '<div class="quotefooter"><div class="botslice_quote"></div></div>')


def _wall_page(c: Community, base: str) -> str:
    return (
        _head(c, "An Error Has Occurred!", base) + _crumbs(c, base, None, None)
        + '<div class="tborder login"><div class="cat_bar"><h3 class="catbg">Warning!</h3>'
        f'</div><p class="information centertext">{_WALL}</p>'
        f'<form action="{_link(base, "action=login2")}" method="post" accept-charset="UTF-8" '
        'name="frmLogin" id="frmLogin"><div class="roundframe"><dl><dt>Username:</dt><dd>'
        '<input type="text" name="user" size="20" class="input_text" /></dd><dt>Password:</dt>'
        '<dd><input type="password" name="passwrd" size="20" class="input_password" /></dd>'
        '</dl><p><input type="submit" value="Login" class="button_submit" /></p></div></form>'
        "</div>" + _foot()
    )


def _not_found(c: Community, base: str) -> Page:
    html = (_head(c, "An Error Has Occurred!", base) + _crumbs(c, base, None, None)
            + '<div id="fatal_error"><div class="cat_bar"><h3 class="catbg">An Error Has '
            f'Occurred!</h3></div><div class="windowbg"><div class="padding">{_WALL}</div></div>'
            "</div>" + _foot())
    return Page(status=404, html=html)
