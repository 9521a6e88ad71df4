"""Classic-layout Khoros pages rendered from the demo community model, one page per call.

The markup follows the classic Khoros layout (see ``fixtures/khoros/classic_*.html``) without the
decorative wrappers. ``base`` is the server's ``http://host:port``; like Khoros, pages mix
site-relative links (crumbs, permalinks) with absolute ones (canonical, pagers, listings).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from urllib.parse import quote

from scraper.demo.content import Board, Category, Community, Post, Quote, Thread, User

POSTS_PER_PAGE = 10
THREADS_PER_PAGE = 20
NAME_LIMIT = 15
CRUMB_LIMIT = 45
FRIENDLY_DAYS = 7
LRM = "\u200e"
ASSETS = "/html/assets"


# --- URLs and paging -------------------------------------------------------------------------


def subject_slug(subject: str) -> str:
    """Khoros's URL form of a subject: runs of other characters become one dash."""
    return quote(re.sub(r"[\W_]+", "-", subject).strip("-") or "topic", safe="-")


def category_url(cat: Category) -> str:
    return f"/t5/{cat.slug}/ct-p/{cat.id}"


def board_url(board: Board, page: int = 1) -> str:
    return f"/t5/{board.slug}/bd-p/{board.id}" + (f"/page/{page}" if page > 1 else "")


def thread_url(board: Board, thread: Thread, page: int = 1) -> str:
    path = f"/t5/{board.slug}/{subject_slug(thread.subject)}/td-p/{thread.uid}"
    return path + (f"/page/{page}" if page > 1 else "")


def message_url(board: Board, thread: Thread, post: Post) -> str:
    slug = subject_slug(thread.subject)
    return f"/t5/{board.slug}/{slug}/m-p/{post.uid}#M{post.board_msg_number}"


def profile_url(user: User) -> str:
    return f"/t5/user/viewprofilepage/user-id/{user.id}"


def thread_page_count(thread: Thread) -> int:
    return max(1, math.ceil(len(thread.posts) / POSTS_PER_PAGE))


def board_page_count(board: Board) -> int:
    return max(1, math.ceil(len(board.threads) / THREADS_PER_PAGE))


def page_of(thread: Thread, post: Post) -> int:
    return thread.posts.index(post) // POSTS_PER_PAGE + 1


def message_target(c: Community, thread: Thread, post: Post) -> str:
    """Where ``m-p/<uid>`` redirects: the thread page holding the post, with ``#M<n>``."""
    board = c.board(thread.board_id)
    return f"{thread_url(board, thread, page_of(thread, post))}#M{post.board_msg_number}"


def board_modified(board: Board) -> datetime | None:
    stamps = [t.modified_at for t in board.threads]
    if board.changed_at:
        stamps.append(board.changed_at)
    return max(stamps, default=None)


# --- small pieces ----------------------------------------------------------------------------


def _e(text: str) -> str:
    return escape(text, quote=True)


def _fmt(n: int) -> str:
    return f"{n:,}"


def _date(when: datetime) -> str:
    return when.strftime("%m-%d-%Y")


def _time(when: datetime) -> str:
    return when.strftime("%I:%M %p")


def exact_date(when: datetime) -> str:
    """The date text Khoros shows (MM-dd-yyyy hh:mm AM), without the U+200E mark."""
    return f"{_date(when)} {_time(when)}"


def friendly_date(when: datetime, now: datetime) -> str | None:
    """The relative text shown for dates less than a week old, else None."""
    seconds = (now - when).total_seconds()
    if seconds < 0 or seconds >= FRIENDLY_DAYS * 86400:
        return None
    if seconds < 3600:
        n = max(1, int(seconds // 60))
        return f"{n} minute{'s' * (n != 1)} ago"
    if seconds < 86400:
        n = int(seconds // 3600)
        return f"{n} hour{'s' * (n != 1)} ago"
    return LRM + when.strftime("%A")


def _friendly_span(when: datetime, now: datetime) -> str:
    shown = friendly_date(when, now) or LRM + exact_date(when)
    return f'<span title="{LRM}{exact_date(when)}" class="local-friendly-date">{shown}</span>'


def _date_spans(when: datetime, now: datetime) -> str:
    """A message date: friendly for a recent one, else date and time."""
    if friendly_date(when, now):
        return _friendly_span(when, now)
    return (f'<span class="local-date">{LRM}{_date(when)}</span>\n'
            f'<span class="local-time">{_time(when)}</span>')


def shown_name(user: User) -> str:
    """The login as a message shows it: cut to 14 characters and "…" past 15."""
    return user.login if len(user.login) <= NAME_LIMIT else user.login[: NAME_LIMIT - 1] + "…"


def _rank_class(rank: str) -> str:
    return "lia-user-rank-" + re.sub(r"\W+", "-", rank).strip("-")


def _user_name(user: User, *, short: bool = False, base: str = "") -> str:
    """``span.UserName`` with the profile link (or the plain "Anonymous")."""
    if user.anonymous:
        return ('<span class="UserName lia-user-name lia-user-name-anonymous">'
                f'<span class="login-bold">{_e(user.login)}</span></span>')
    name = shown_name(user) if short else user.login
    return (f'<span class="UserName lia-user-name {_rank_class(user.rank)}">'
            '<a class="lia-link-navigation lia-page-link lia-user-name-link" target="_self" '
            f'href="{base}{profile_url(user)}"><span class="">{_e(name)}</span></a></span>')


def _path(c: Community, category_id: str) -> list[Category]:
    """The category chain from the top down to ``category_id``."""
    chain = []
    cat = c.category(category_id)
    while cat is not None:
        chain.append(cat)
        cat = c.category(cat.parent_id) if cat.parent_id else None
    return chain[::-1]


def _ancestors(c: Community, categories: list[Category], base: str) -> list[dict]:
    nodes = [_node_json(cat, base) for cat in reversed(categories)]
    return [*nodes, {"viewHref": base + "/", "id": "homecue", "title": c.title,
                     "nodeType": "Community"}]


def _node_json(node: Board | Category, base: str) -> dict:
    board = isinstance(node, Board)
    return {
        "viewHref": base + (board_url(node) if board else category_url(node)),
        "description": node.description, "id": node.id, "shortTitle": node.title,
        "title": node.title, "nodeType": "Board" if board else "Category",
    }


def _script(c: Community, page_name: str, obj: dict | None, core: dict, track: str) -> str:
    data = {
        "WebTracking": {"Activities": {}, "path": f"Community:{c.title}{track}"},
        "User": {
            "settings": {
                "config.enable_avatar": True, "layout.friendly_dates_enabled": True,
                "layout.format_pattern_date": "MM-dd-yyyy",
                "layout.messages_per_page_linear": POSTS_PER_PAGE, "profile.language": "en",
                "layout.friendly_dates_max_age_days": FRIENDLY_DAYS,
            },
            "isAnonymous": True, "registered": False, "id": -1, "login": "Anonymous",
        },
        "Server": {"communityPrefix": "/homecue", "tapestryPrefix": "/t5",
                   "deviceMode": "DESKTOP"},
        "Page": {"name": page_name, **({"object": obj} if obj else {})},
        "Community": {"id": "homecue", "title": c.title},
        "CoreNode": core,
    }
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return ('<script language="javascript" type="text/javascript">\n<!--\n'
            f"LITHIUM.DEBUG = false;\nLITHIUM.CommunityJsonObject = {text};\n// -->\n</script>")


def _head(title: str, canonical: str | None, metas: list[tuple[str, str]], script: str) -> str:
    meta = "".join(f'<meta content="{_e(value)}" property="{prop}"/>' for prop, value in metas)
    link = f'<link href="{_e(canonical)}" rel="canonical"/>' if canonical else ""
    return (
        '<!DOCTYPE html><html prefix="og: http://ogp.me/ns#" dir="ltr" lang="en" class="no-js">\n'
        f"<head>\n<title> {_e(title)}</title>\n"
        '<meta content="text/html; charset=UTF-8" http-equiv="Content-Type"/>'
        f"{link}\n{meta}\n"
        f'<link rel="stylesheet" href="{ASSETS}/homecue_classic.css" type="text/css"/>\n'
        f'<script type="text/javascript" src="/t5/scripts/lia-scripts-head-min.js"></script>'
        f"{script}</head>\n"
    )


def _body_open(c: Community, page_name: str, crumbs: str, base: str) -> str:
    return (
        f'<body class="lia-board lia-user-status-anonymous {page_name} lia-body" id="lia-body">\n'
        f'<div class="lia-page"><div class="lia-content">\n{crumbs}'
        f'<a class="homecue-community-banner" href="{base}/">{_e(c.title)}</a>\n'
        '<div class="custom-component-user-links"><a href="/t5/user/userloginpage" '
        'class="signin-link">Sign In</a> <a href="/t5/help/faqpage" class="help-link">Help</a>'
        "</div>\n"
    )


def _footer(base: str) -> str:
    other = base.replace("127.0.0.1", "127.0.0.2", 1)
    return (
        '<div class="homecue-footer"><ul class="homecue-footer-links">'
        '<li><a href="/t5/help/faqpage">Community help</a></li>'
        '<li><a href="https://www.example.org/privacy">Privacy</a></li>'
        '<li><a href="https://www.example.org/terms">Terms</a></li>'
        f'<li><a href="{other}/t5/Status/ct-p/status">Service status</a></li></ul>'
        '<p class="homecue-footer-copyright">&copy; 2025 HomeCue Devices (invented)</p></div>\n'
        "</div></div>\n"
        '<script type="text/javascript" src="/t5/scripts/lia-scripts-common-min.js"></script>\n'
        "</body>\n</html>\n"
    )


def _crumbs(trail: list[tuple[str, str, str]], final: tuple[str, str] | None) -> str:
    """Breadcrumbs: (kind, title, href) nodes, then the final un-linked crumb (css, title)."""
    items = []
    for kind, title, href in trail:
        css = f"crumb-{kind} lia-breadcrumb-{kind} lia-breadcrumb-forum"
        items.append(
            f'<li class="lia-breadcrumb-node crumb"><a class="lia-link-navigation {css}" '
            f'href="{_e(href)}">{_e(title)}</a></li>\n'
            f'<li aria-hidden="true" class="lia-breadcrumb-seperator {css}">'
            '<span class="separator">:</span></li>\n'
        )
    if final is not None:
        css, title = final
        if len(title) > CRUMB_LIMIT:
            title = title[:CRUMB_LIMIT].rstrip() + "…"
        items.append(f'<li class="lia-breadcrumb-node crumb final-crumb"><span class="lia-link-'
                     f'navigation {css} lia-link-disabled">{_e(title)}</span></li>\n')
    return ('<div class="BreadCrumb crumb-line lia-breadcrumb lia-component-common-widget-'
            'breadcrumb" role="navigation" aria-label="breadcrumbs">\n<ul class="lia-list-'
            f'standard-inline">\n{"".join(items)}</ul></div>\n')


def _trail(cats: list[Category], base: str = "") -> list[tuple[str, str, str]]:
    return [("category", cat.title, base + category_url(cat)) for cat in cats]


def _pager(url_of: Callable[[int], str], page: int, count: int, suffix: str = "") -> str:
    """The numbered pager (``.lia-paging-pager``): previous, 1 … n-1 n n+1 … last, next."""
    if count <= 1:
        return ""
    shown = sorted({1, count, *range(max(1, page - 1), min(count, page + 1) + 1)})
    items = []
    last = 0
    for n in shown:
        if n - last > 1:
            items.append(f'<li class="lia-paging-page-ellipsis"><span class="lia-js-data-pageNum-'
                         f'{last + 1} lia-link-navigation lia-link-disabled">…</span></li>')
        role = "first" if n == 1 else "last" if n == count else "active" if n == page else "link"
        inner = (f'<span class="lia-js-data-pageNum-{n} lia-link-navigation lia-link-disabled">'
                 f"{n}</span>" if n == page else
                 f'<a class="lia-js-data-pageNum-{n} lia-link-navigation lia-custom-event" '
                 f'href="{url_of(n)}">{n}</a>')
        items.append(f'<li class="lia-paging-page-{role} lia-js-data-pageNum-{n}">{inner}</li>')
        last = n
    prev_label = ('<span><span class="lia-paging-page-arrow">&#171;</span>'
                  '<span class="lia-paging-page-link">Previous</span></span>')
    next_label = ('<span class="lia-paging-page-link">Next</span>'
                  '<span class="lia-paging-page-arrow">&#187;</span>')
    return (
        f'<div class="lia-paging-full-wrapper lia-paging-pager lia-paging-full-left-position '
        f'lia-component-menu-bar" id="pager{suffix}">\n<ul class="lia-paging-full '
        'lia-paging-full-left">\n<li class="lia-paging-page-previous lia-component-previous">'
        f"{_pager_arrow(url_of, page - 1, page > 1, 'prev', prev_label)}</li>\n"
        '<li class="lia-component-pagesnumbered"><ul class="lia-paging-full-pages">'
        f'{"".join(items)}</ul></li>\n<li class="lia-paging-page-next lia-component-next">'
        f"{_pager_arrow(url_of, page + 1, page < count, 'next', next_label)}</li>\n</ul></div>\n"
    )


def _pager_arrow(url_of: Callable[[int], str], n: int, live: bool, rel: str, label: str) -> str:
    if not live:
        target = max(n + (1 if rel == "prev" else -1), 1)
        return (f'<span class="lia-link-navigation lia-js-data-pageNum-{target} '
                f'lia-link-disabled">{label}</span>')
    return (f'<a class="lia-link-navigation lia-js-data-pageNum-{n} lia-custom-event" '
            f'rel="{rel}" href="{url_of(n)}">{label}</a>')


# --- thread page -----------------------------------------------------------------------------


def thread_page(c: Community, thread: Thread, page: int, base: str) -> str:
    """Page ``page`` of a thread: 10 messages, pagers, the topic navigator, solution markers."""
    board = c.board(thread.board_id)
    cats = _path(c, board.category_id)
    count = thread_page_count(thread)
    first = (page - 1) * POSTS_PER_PAGE
    opening = thread.posts[0]
    by_uid = {p.uid: p for p in thread.posts}
    accepted = by_uid.get(thread.accepted_uid) if thread.accepted_uid else None
    title = thread.subject + (f" - Page {page}" if page > 1 else "")
    metas = [
        ("og:type", "article"),
        ("og:url", base + message_url(board, thread, opening)),
        ("article:section", board.title),
        ("article:published_time",
         opening.posted_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")),
        ("og:title", thread.subject),
    ]
    if not opening.author.anonymous:
        metas.insert(0, ("article:author", base + profile_url(opening.author)))
    core = {**_node_json(board, base), "ancestors": _ancestors(c, cats, base)}
    obj = {"viewHref": thread_url(board, thread), "subject": thread.subject, "id": thread.uid,
           "page": "ForumTopicPage", "type": "Thread"}
    track = "".join(f"/Category:{cat.title}" for cat in cats)
    track += f"/Board:{board.title}/Message:{thread.subject}"
    crumbs = _crumbs([*_trail(cats), ("board", board.title, board_url(board))],
                     ("child-thread", thread.subject))
    def url_of(n: int) -> str:
        return base + thread_url(board, thread, n)

    out = [
        _head(f"{title} - {c.title}", url_of(page), metas,
              _script(c, "ForumTopicPage", obj, core, track)),
        _body_open(c, "ForumTopicPage", crumbs, base),
        '<h2 class="PageTitle lia-component-common-widget-page-title"><a class="lia-link-'
        f'navigation" href="{board_url(board)}">{_e(board.title)}</a></h2>\n',
        _menu_bar(board, thread, "", reply=opening, base=base),
        _pager(url_of, page, count),
        '<div class="lia-component-message-list"><div class="linear-message-list message-list">\n',
    ]
    for slot, post in enumerate(thread.posts[first:first + POSTS_PER_PAGE]):
        out.append(_message(c, board, thread, post, first + slot, slot, accepted))
    out += ["</div></div>\n", _menu_bar(board, thread, "_0", reply=None, base=base),
            _pager(url_of, page, count, "_0"), _footer(base)]
    return "".join(out)


def _menu_bar(board: Board, thread: Thread, suffix: str, *, reply: Post | None, base: str) -> str:
    button = ""
    if reply is not None:
        button = ('<span class="lia-button-wrapper lia-button-wrapper-primary"><a class="lia-'
                  f'button lia-button-primary" rel="nofollow" href="/t5/forums/replypage/board-id/'
                  f'{board.id}/message-id/{reply.board_msg_number}"><span>Reply</span></a></span>')
    return (f'<div class="lia-menu-bar"><div class="lia-menu-bar-buttons">{button}</div>\n'
            f"{_thread_navigator(board, thread, suffix, base)}</div>\n")


def _thread_navigator(board: Board, thread: Thread, suffix: str, base: str) -> str:
    """Links to the listing and to the previous/next *topic* (same classes as the pager)."""
    order = board.sorted_threads()
    i = board.listing_index(thread)
    listing_page = i // THREADS_PER_PAGE + 1
    items = [
        '<li class="lia-paging-page-previous lia-paging-page-listing lia-component-listing">'
        f'<a class="lia-link-navigation" title="{_e(board.title)}" href="'
        f'{board_url(board, listing_page)}"><span class="lia-paging-page-arrow">«</span> '
        '<span class="lia-paging-page-link">Message Listing</span></a></li>'
    ]
    for j, css, label in ((i - 1, "previous", "Previous Topic"), (i + 1, "next", "Next Topic")):
        if 0 <= j < len(order):
            other = order[j]
            items.append(
                f'<li class="lia-paging-page-{css} lia-component-{css}"><a class="lia-link-'
                f'navigation" title="{_e(other.subject)}" href="{base}{thread_url(board, other)}">'
                f'<span class="lia-paging-page-link">{label}</span></a></li>'
            )
    return (f'<div class="lia-paging-full-wrapper" id="threadnavigator{suffix}">'
            f'<ul class="lia-paging-full">{"".join(items)}</ul></div>')


def _message(c: Community, board: Board, thread: Thread, post: Post, index: int, slot: int,
             accepted: Post | None) -> str:
    """One message of the linear view; the opening post carries the solution copy."""
    suffix = f"_{slot - 1}" if slot else ""
    opening = index == 0
    solution = post.uid == thread.accepted_uid
    heading = "h1" if opening else "h2"
    subject = thread.subject if opening else f"Re: {thread.subject}"
    status = ""
    if opening and accepted:
        status = ('<span class="lia-message-solved-label">Solved!</span> <a class="lia-link-'
                  f'navigation lia-message-go-to-solution" href="'
                  f'{message_url(board, thread, accepted)}">Go to Solution</a>')
    elif solution:
        status = ('<span class="lia-img-message-accepted-solution lia-fa-icon lia-fa-check" '
                  'title="Accepted Solution"></span><span class="lia-message-accepted-solution-'
                  'label">Accepted Solution</span>')
    view_css = " lia-accepted-solution" if solution else ""
    panel_css = " lia-panel-message-accepted-solution" if solution else ""
    copy = _solution_copy(board, thread, accepted) if opening and accepted else ""
    return (
        f'<div class="lia-linear-display-message-view" id="lineardisplaymessageviewwrapper'
        f'{suffix}"><div class="{"first-message" if opening else ""}">'
        f'<div class="lia-message-view message-uid-{post.uid}{view_css}" id="messageview{suffix}">'
        '<div class=""><div class="lia-js-resize-images lia-component-forums-widget-board-'
        f'message-view"><div data-message-id="{post.uid}">\n'
        f'<a name="M{post.board_msg_number}"> </a><a name="U{post.uid}"> </a>\n'
        f'<div class="lia-message-board lia-panel-message lia-js-data-messageUid-{post.uid}'
        f'{panel_css}"><div class="lia-panel-message-content">\n'
        f"{_author_block(post.author)}"
        '<div class="lia-message-heading lia-component-message-header"><div class="lia-message-'
        f'subject"><{heading}>{_e(subject)}</{heading}><span class="lia-message-subject-status">'
        f"{status}</span></div></div>\n"
        '<p class="lia-message-dates lia-message-post-date lia-component-post-date-last-edited">'
        '<span class="DateTime lia-message-posted-on lia-component-common-widget-date">'
        f"{_date_spans(post.posted_at, c.clock)}</span>{_edited(post, c)}</p>\n"
        f'<div id="messagebodydisplay{suffix}" class="lia-message-body lia-component-body">'
        f'<div class="lia-message-body-content">\n{_body(post)}\n</div></div>\n{copy}'
        '<div class="lia-message-statistics lia-component-position-in-thread"><span class="'
        f'MessagesPositionInThread">Message <a href="{message_url(board, thread, post)}">'
        f"{index + 1}</a> of {_fmt(len(thread.posts))}</span> <span>({_fmt(thread.views)} Views)"
        "</span></div>\n"
        f"{_kudos(board, post)}"
        "</div></div></div></div></div></div></div></div>\n"
    )


def _author_block(user: User) -> str:
    if user.anonymous:
        return ('<div class="lia-message-author lia-component-author"><div class="lia-message-'
                f'author-username">{_user_name(user)}</div><div class="lia-message-author-avatar">'
                '<div class="UserAvatar lia-user-avatar"><img class="lia-user-avatar-message" '
                f'title="{_e(user.login)}" alt="{_e(user.login)}" src="{ASSETS}/avatars/'
                'anonymous.png"/></div></div></div>\n')
    registered = ""
    if user.registered:
        registered = ('<div class="lia-message-author-registered-date">Registered: <span class="'
                      f'DateTime"><span class="local-date">{LRM}{_date(user.registered)}</span>'
                      "</span></div>")
    return (
        '<div class="lia-message-author lia-component-author"><div class="lia-message-author-'
        f'username">{_user_name(user, short=True)}</div><div class="lia-message-author-rank">'
        f'{_e(user.rank)}</div><div class="lia-message-author-avatar"><div class="UserAvatar '
        'lia-user-avatar"><a class="UserAvatar lia-link-navigation" tabindex="-1" target="_self" '
        f'href="{profile_url(user)}"><img class="lia-user-avatar-message" title="{_e(user.login)}"'
        f' alt="{_e(user.login)}" src="{ASSETS}/avatars/u{user.id}.png"/></a></div></div>'
        f"{registered}</div>\n"
    )


def _edited(post: Post, c: Community) -> str:
    if post.edited_at is None:
        return ""
    by = "" if post.author.anonymous else f" by {_user_name(post.author, short=True)}"
    return ('<span class="lia-message-edited-on lia-component-common-widget-date"> - last edited '
            'on <span class="DateTime lia-message-edited-on-date">'
            f"{_date_spans(post.edited_at, c.clock)}</span>{by}</span>")


def _body(post: Post) -> str:
    quotes = "".join(quote_html(q) for q in post.quotes)
    signature = ""
    if post.signature:
        signature = ('\n<div style="width:98%; max-height:120px; overflow:hidden;" class="'
                     f'UserSignature lia-message-signature">{_e(post.signature)}</div>')
    return quotes + ("\n" if quotes else "") + post.body_html + signature


def quote_html(q: Quote) -> str:
    """A Khoros quote: ``<BLOCKQUOTE><HR />X wrote:<BR />…<HR /></BLOCKQUOTE>``, nested first."""
    inner = "".join(quote_html(i) for i in q.inner)
    return f"<BLOCKQUOTE><HR />{_e(q.author)} wrote:<BR />{inner}{_e(q.text)}<HR /></BLOCKQUOTE>"


def _solution_copy(board: Board, thread: Thread, post: Post) -> str:
    """The accepted solution repeated under the question: not a message of its own."""
    link = message_url(board, thread, post)
    return (
        '<div class="lia-message-solution-info lia-component-solution-info"><div class="lia-'
        'message-solution-info-heading"><span class="lia-img-icon-accepted-solution lia-fa-icon '
        f'lia-fa-check"></span> Solution! <a class="lia-link-navigation lia-go-to-solution" href="'
        f'{link}">Go to Solution.</a></div><div class="lia-message-solution-author">Solution by '
        f'{_user_name(post.author, short=True)}</div><div class="lia-message-body lia-message-'
        f'body-solution-copy"><div class="lia-message-body-content">{post.body_html}<div class="'
        'lia-message-solution-link"><a class="lia-link-navigation lia-view-solution-link" href="'
        f'{link}">View solution in original post</a></div></div></div></div>\n'
    )


def _kudos(board: Board, post: Post) -> str:
    return (
        '<div class="lia-message-kudos"><div class="KudosButton lia-button-image-kudos-wrapper '
        f'lia-component-kudos-widget-button" data-lia-kudos-id="{post.uid}"><div class="lia-'
        'button-image-kudos-count"><a class="lia-link-navigation kudos-count-link" href="/t5/'
        f'kudos/messagepage/board-id/{board.id}/message-id/{post.board_msg_number}/tab/all-users">'
        '<span class="MessageKudosCount lia-component-kudos-widget-message-kudos-count">'
        f'{_fmt(post.kudos)}</span><span class="lia-button-image-kudos-label lia-component-kudos-'
        'widget-kudos-count-label"> Kudos</span></a></div></div></div>\n'
    )


# --- listings --------------------------------------------------------------------------------


def board_page(c: Community, board: Board, page: int, base: str) -> str:
    """Page ``page`` of a board: 20 threads by last post, newest first."""
    cats = _path(c, board.category_id)
    count = board_page_count(board)
    threads = board.sorted_threads()[(page - 1) * THREADS_PER_PAGE: page * THREADS_PER_PAGE]
    core = {**_node_json(board, base), "ancestors": _ancestors(c, cats, base)}
    obj = {"viewHref": board_url(board), "id": board.id, "page": "ForumPage", "type": "Board"}
    track = "".join(f"/Category:{cat.title}" for cat in cats) + f"/Board:{board.title}"
    crumbs = _crumbs(_trail(cats, base), ("crumb-board lia-breadcrumb-board", board.title))
    def url_of(n: int) -> str:
        return base + board_url(board, n)

    metas = [("og:type", "website"), ("og:url", url_of(page)),
             ("og:description", board.description), ("og:title", board.title)]
    rows = "".join(_thread_row(c, board, t, i, base) for i, t in enumerate(threads))
    siblings = [b for b in (cats[-1].boards if cats else []) if b is not board]
    return "".join([
        _head(f"{board.title}{f' - Page {page}' if page > 1 else ''} - {c.title}", url_of(page),
              metas, _script(c, "ForumPage", obj, core, track)),
        _body_open(c, "ForumPage", crumbs, base),
        '<h1 class="PageTitle lia-component-common-widget-page-title"><span class="lia-link-'
        f'navigation lia-link-disabled">{_e(board.title)}</span></h1>\n'
        '<div class="lia-menu-bar"><div class="lia-menu-bar-buttons"><span class="lia-button-'
        'wrapper lia-button-wrapper-primary"><a class="lia-button lia-button-primary" rel="'
        f'nofollow" href="/t5/forums/postpage/board-id/{board.id}"><span>New Topic</span></a>'
        "</span></div></div>\n",
        _pager(url_of, page, count),
        '<div class="MessageList lia-component-forums-widget-message-list lia-component-message-'
        'list" id="messageList"><div class="t-data-grid thread-list"><table class="lia-list-wide">'
        '<thead id="columns"><tr><th scope="col" class="messageStatusIconColumn"></th><th scope="'
        'col" class="threadSubjectColumn">Subject</th><th scope="col" class="repliesCountColumn">'
        'Replies</th><th scope="col" class="messageAuthorColumn">Author</th><th scope="col" '
        'class="kudosCountColumn">Kudos</th><th scope="col" class="viewsCountColumn">Views</th>'
        '<th scope="col" class="latestPostDateColumn">Latest Post</th></tr></thead>\n'
        f"<tbody>\n{rows}</tbody></table></div></div>\n",
        _pager(url_of, page, count, "_0"),
        _related(cats[-1] if cats else None, siblings, base),
        _footer(base),
    ])


def _thread_row(c: Community, board: Board, t: Thread, i: int, base: str) -> str:
    solved = t.accepted_uid is not None
    icon = ('<img class="MessageStatusIcon lia-img-icon-forum-thread-solved lia-fa-icon lia-fa-'
            'forum lia-fa-thread lia-fa-solved" title="Solved" alt="This topic has an accepted '
            f'solution" src="{ASSETS}/icon_thread_solved.png"/>' if solved else
            '<img class="MessageStatusIcon lia-img-icon-forum-thread lia-fa-icon lia-fa-forum '
            'lia-fa-thread" title="No new replies" alt="This topic has no unread messages" '
            f'src="{ASSETS}/icon_thread.png"/>')
    pages = thread_page_count(t)
    mini = ""
    if pages > 1:
        links = [f'<li><a class="lia-link-navigation" href="{base}{thread_url(board, t, n)}">{n}'
                 "</a></li>" for n in range(1, min(pages, 10) + 1)]
        if pages > 10:
            links.append(f'<li><a class="lia-link-navigation" href="'
                         f'{base}{thread_url(board, t, pages)}">»</a></li>')
        mini = f'<ul class="lia-list-standard-inline"><li>[</li>{"".join(links)}<li>]</li></ul>'
    opener, last = t.posts[0], t.last_post
    row_css = f"lia-row-{'odd' if i % 2 == 0 else 'even'} lia-js-data-messageUid-{t.uid}"
    row_css += " lia-js-data-messageRevision-1" + (" lia-list-row-thread-solved" if solved else "")
    return (
        f'<tr class="lia-list-row {row_css}"><td class="messageStatusIconColumn lia-data-cell-'
        f'tertiary lia-data-cell-icon">{icon}</td><td class="threadSubjectColumn lia-data-cell-'
        'primary lia-data-cell-text"><div class="MessageSubjectCell"><div class="MessageSubject">'
        '<div class="MessageSubjectIcons "><h2 class="message-subject"><span class="lia-message-'
        f'read"><a class="page-link lia-link-navigation lia-custom-event" href="{base}'
        f'{thread_url(board, t)}">{_e(t.subject)}</a></span></h2></div>{mini}</div></div></td>'
        '<td class="repliesCountColumn lia-data-cell-secondary lia-data-cell-integer">'
        f'{_fmt(t.reply_count)}</td><td class="messageAuthorColumn lia-data-cell-secondary lia-'
        f'data-cell-text">{_user_summary(opener.author, base)}</td><td class="kudosCountColumn '
        'lia-data-cell-secondary lia-data-cell-integer"><span class="MessageKudosCount">'
        f'{_fmt(opener.kudos)}</span></td><td class="viewsCountColumn lia-data-cell-secondary '
        f'lia-data-cell-integer">{_fmt(t.views)}</td><td class="latestPostDateColumn lia-data-'
        'cell-secondary lia-data-cell-date"><div class="MessagePostDateAndAuthorCell"><div '
        f'class="lia-message-post-date"><a class="lia-link-navigation" href="{base}'
        f'{message_url(board, t, last)}"><span class="DateTime">'
        f"{_friendly_span(last.posted_at, c.clock)}</span></a></div><div class=\"lia-message-by"
        f'"><span class="local-time">by</span> {_user_name(last.author, base=base)}</div></div>'
        "</td></tr>\n"
    )


def _user_summary(user: User, base: str) -> str:
    user_css = "" if user.anonymous else f" lia-js-data-userId-{user.id}"
    return (f'<div class="UserProfileSummary lia-user-item{user_css} lia-user-info-group"><div '
            f'class="lia-user-attributes"><div class="lia-user-name">{_user_name(user, base=base)}'
            "</div></div></div>")


def _related(cat: Category | None, boards: list[Board], base: str) -> str:
    if cat is None or not boards:
        return ""
    links = "".join(f'<li><a class="lia-link-navigation lia-node-title" href="{base}'
                    f'{board_url(b)}">{_e(b.title)}</a></li>' for b in boards)
    return ('<div class="lia-panel lia-panel-standard lia-component-related-boards"><div class="'
            'lia-panel-heading-bar"><span class="lia-panel-heading-bar-title">More in '
            f'{_e(cat.title)}</span></div><div class="lia-panel-content"><ul class="lia-list-'
            f'standard">{links}</ul></div></div>\n')


def _node_rows(c: Community, boards: list[Board], cats: list[Category], base: str) -> str:
    """Rows of the node list: boards (with their latest post), then sub-categories."""
    rows = []
    nodes: list[Board | Category] = [*boards, *cats]
    for i, node in enumerate(nodes):
        board = isinstance(node, Board)
        kind = "board" if board else "category"
        href = base + (board_url(node) if board else category_url(node))
        topics = len(node.threads) if board else node.thread_count
        latest = _latest_post(c, node, base) if board else ""
        icon = "lia-img-icon-forum-board" if board else "lia-img-icon-category"
        rows.append(
            f'<tr class="lia-list-row lia-row-{"odd" if i % 2 == 0 else "even"} lia-js-data-nodeId-'
            f'{kind}-{node.id} lia-node-type-{kind}"><td class="nodeIconColumn"><img class="{icon} '
            f'lia-fa-icon" title="{kind.title()}" alt="{kind.title()}" src="{ASSETS}/icon_'
            f'{kind}.png"/></td><td class="nodeTitleColumn lia-data-cell-primary lia-data-cell-'
            f'text"><div class="lia-node-title-wrapper"><h3 class="{kind}-title"><a class="lia-'
            f'link-navigation lia-node-title {kind}-title" href="{href}">{_e(node.title)}</a></h3>'
            f'<p class="lia-node-description">{_e(node.description)}</p></div></td><td class="'
            f'topicsCountColumn lia-data-cell-secondary lia-data-cell-integer">{_fmt(topics)}</td>'
            '<td class="messagesCountColumn lia-data-cell-secondary lia-data-cell-integer">'
            f'{_fmt(node.post_count)}</td><td class="latestPostColumn lia-data-cell-secondary lia-'
            f'data-cell-text">{latest}</td></tr>\n'
        )
    return "".join(rows)


def _latest_post(c: Community, board: Board, base: str) -> str:
    if not board.threads:
        return ""
    thread = board.sorted_threads()[0]
    post = thread.last_post
    subject = thread.subject if post is thread.posts[0] else f"Re: {thread.subject}"
    return (f'<div class="lia-node-latest-post"><a class="lia-link-navigation lia-message-'
            f'subject" href="{base}{message_url(board, thread, post)}">{_e(subject)}</a> <span '
            f'class="DateTime">{_friendly_span(post.posted_at, c.clock)}</span><div class="lia-'
            f'message-by"><span class="local-time">by</span> {_user_name(post.author, base=base)}'
            "</div></div>")


def _node_list(c: Community, heading: str, boards: list[Board], cats: list[Category],
               base: str) -> str:
    return (
        '<div class="lia-panel lia-panel-standard NodeListTaplet lia-component-categories-widget-'
        'category-list" id="categoryList"><div class="lia-panel-heading-bar"><span class="lia-'
        f'panel-heading-bar-title">{_e(heading)}</span></div><div class="lia-panel-content">'
        '<div class="lia-node-list lia-component-node-list" id="nodeList"><div class="t-data-grid'
        ' node-list"><table class="lia-list-wide"><thead><tr><th scope="col" class="nodeIcon'
        'Column"></th><th scope="col" class="nodeTitleColumn">Title</th><th scope="col" class="'
        'topicsCountColumn">Topics</th><th scope="col" class="messagesCountColumn">Posts</th>'
        '<th scope="col" class="latestPostColumn">Latest Post</th></tr></thead>\n<tbody>\n'
        f"{_node_rows(c, boards, cats, base)}</tbody></table></div></div></div></div>\n"
    )


def _browse_menu(c: Community, base: str) -> str:
    """The "browse the community" drop-down: node links outside the node list."""
    links = []
    for cat in c.all_categories():
        links.append((base + category_url(cat), cat.title))
        links += [(base + board_url(b), b.title) for b in cat.boards]
    items = "".join(f'<li><a href="{href}">- {_e(title)}</a></li>' for href, title in links)
    return ('<div class="homecue-top-nav"><div class="browse-forum"><div class="browse-forum-'
            'button"><span>BROWSE THE COMMUNITY</span></div><div class="browse-forum-dropdown">'
            f'<ul class="browse-forum-links">{items}</ul></div></div></div>\n')


SKINS = ("classic", "tiles", "mixed")


def tiles_for(skin: str, c: Community, cat: Category | None = None) -> bool:
    """Whether a community (``cat`` None) or category page of this skin shows custom tiles:
    "tiles" everywhere, "mixed" on the front page and every other category, "classic" never."""
    if skin == "tiles":
        return True
    if skin != "mixed":
        return False
    return cat is None or [x.id for x in c.all_categories()].index(cat.id) % 2 == 0


def _tile(c: Community, cat: Category, base: str) -> str:
    """A custom tile: the category's heading link and a list of its boards' links (no
    Khoros node list classes)."""
    boards = "".join(f'<li class="custom-tile-board"><a class="custom-tile-board-link" href="'
                     f'{base}{board_url(b)}"><span class="custom-tile-board-name">{_e(b.title)}'
                     f'</span><span class="custom-tile-board-count">{_fmt(len(b.threads))} topics'
                     "</span></a></li>" for b in cat.boards)
    subs = "".join(f'<li class="custom-tile-sub"><a href="{base}{category_url(s)}">'
                   f"{_e(s.title)}</a></li>" for s in cat.categories)
    return (f'<div class="custom-community-tile" data-node-id="{cat.id}"><div class="custom-tile-'
            f'image"><img src="{ASSETS}/tiles/{cat.id}.png" alt=""/></div><h3 class="custom-tile-'
            f'title"><a href="{base}{category_url(cat)}">{_e(cat.title)}</a></h3><ul class="custom-'
            f'tile-boards">{boards}{subs}</ul></div>\n')


def _tiles(c: Community, heading: str, cats: list[Category], base: str,
           boards: list[Board] = ()) -> str:
    """The custom tiles component: boards of the page as cards, then a tile per category."""
    cards = "".join(f'<div class="custom-board-card"><a class="custom-board-card-link" href="'
                    f'{base}{board_url(b)}"><span class="custom-board-card-title">{_e(b.title)}'
                    "</span></a></div>\n" for b in boards)
    return (f'<div class="custom-community-tiles lia-component-custom-community-tiles"><h2 class="'
            f'custom-community-tiles-heading">{_e(heading)}</h2>\n{cards}'
            + "".join(_tile(c, cat, base) for cat in cats) + "</div>\n")


def category_page(c: Community, cat: Category, base: str, skin: str = "classic") -> str:
    """A category: its boards and sub-categories in the node list (custom tiles instead in the
    tiles skin)."""
    cats = _path(c, cat.id)
    parents = cats[:-1]
    core = {**_node_json(cat, base), "ancestors": _ancestors(c, parents, base)}
    obj = {"viewHref": category_url(cat), "id": cat.id, "page": "CategoryPage",
           "type": "Category"}
    track = "".join(f"/Category:{x.title}" for x in cats)
    crumbs = _crumbs(_trail(parents, base), ("crumb-category lia-breadcrumb-category", cat.title))
    canonical = base + category_url(cat)
    metas = [("og:type", "website"), ("og:url", canonical), ("og:description", cat.description),
             ("og:title", cat.title)]
    return "".join([
        _head(f"{cat.title} - {c.title}", canonical, metas,
              _script(c, "CategoryPage", obj, core, track)),
        _body_open(c, "CategoryPage", crumbs, base),
        "" if tiles_for(skin, c, cat) else _browse_menu(c, base),
        '<h1 class="PageTitle lia-component-common-widget-page-title"><span class="lia-link-'
        f'navigation lia-link-disabled">{_e(cat.title)}</span></h1>\n<div class="lia-category-'
        f'description">{_e(cat.description)}</div>\n',
        _tiles(c, cat.title, cat.categories, base, cat.boards) if tiles_for(skin, c, cat)
        else _node_list(c, cat.title, cat.boards, cat.categories, base), _footer(base),
    ])


def home_page(c: Community, base: str, skin: str = "classic") -> str:
    """The community front page: its top categories (as custom tiles in the tiles skin)."""
    core = {"viewHref": base + "/", "id": "homecue", "title": c.title, "nodeType": "Community"}
    metas = [("og:type", "website"), ("og:url", base + "/"), ("og:title", c.title)]
    return "".join([
        _head(c.title, base + "/", metas, _script(c, "CommunityPage", None, core, "")),
        _body_open(c, "CommunityPage", "", base),
        "" if tiles_for(skin, c) else _browse_menu(c, base),
        '<h1 class="PageTitle lia-component-common-widget-page-title"><span class="lia-link-'
        f'navigation lia-link-disabled">{_e(c.title)}</span></h1>\n',
        _tiles(c, "Browse by topic", c.categories, base) if tiles_for(skin, c)
        else _node_list(c, "Categories", [], c.categories, base), _footer(base),
    ])


# --- other pages -----------------------------------------------------------------------------


def profile_page(c: Community, user: User, base: str) -> str:
    core = {"viewHref": base + "/", "id": "homecue", "title": c.title, "nodeType": "Community"}
    registered = f"{LRM}{_date(user.registered)}" if user.registered else ""
    return "".join([
        _head(f"About {user.login} - {c.title}", base + profile_url(user), [],
              _script(c, "ViewProfilePage", None, core, f"/User:{user.login}")),
        _body_open(c, "ViewProfilePage", "", base),
        f'<h1 class="PageTitle lia-component-common-widget-page-title">{_e(user.login)}</h1>\n'
        f'<div class="lia-user-rank">{_e(user.rank)}</div><div class="lia-user-registered-date">'
        f'Registered: <span class="DateTime"><span class="local-date">{registered}</span></span>'
        "</div>\n",
        _footer(base),
    ])


def not_found_page(c: Community, base: str) -> str:
    core = {"viewHref": base + "/", "id": "homecue", "title": c.title, "nodeType": "Community"}
    return "".join([
        _head(f"Page Not Found - {c.title}", None, [],
              _script(c, "PageNotFoundPage", None, core, "")),
        _body_open(c, "PageNotFoundPage", "", base),
        '<h1 class="PageTitle lia-component-common-widget-page-title">Page Not Found</h1>\n'
        "<p>The page you are looking for does not exist or was moved.</p>\n",
        _footer(base),
    ])


def error_page(status: int) -> str:
    """A bare error page, as a proxy in front of the community would send."""
    return (f"<!DOCTYPE html><html><head><title>{status} Error</title></head><body><h1>{status}"
            "</h1><p>The community is temporarily unavailable. Please try again later.</p>"
            "</body></html>\n")


def login_wall_page(c: Community, thread: Thread, base: str) -> str:
    """A sign-in wall served with HTTP 200 at a thread URL: Khoros chrome, no messages."""
    board = c.board(thread.board_id)
    cats = _path(c, board.category_id)
    canonical = base + thread_url(board, thread)
    core = {**_node_json(board, base), "ancestors": _ancestors(c, cats, base)}
    crumbs = _crumbs([*_trail(cats), ("board", board.title, board_url(board))],
                     ("child-thread", "Sign In"))
    return "".join([
        _head(f"Sign In - {c.title}", canonical, [("og:type", "website")],
              _script(c, "ForumTopicPage", None, core, f"/Board:{board.title}")),
        _body_open(c, "ForumTopicPage", crumbs, base),
        '<div class="lia-panel-feedback-banner-note lia-component-common-widget-feedback"><p>'
        "Please sign in to view this content.</p></div>\n"
        '<div class="lia-panel lia-panel-standard lia-component-users-action-login" id="login'
        'Panel"><form class="lia-form lia-form-vertical lia-login-form" action="/t5/user/user'
        'loginpage.loginform.form" method="post" id="loginForm" name="loginForm">'
        '<input class="lia-form-type-text" id="login" name="login" type="text"/>'
        '<input class="lia-form-type-password" id="password" name="password" type="password"/>'
        '<input class="lia-button lia-button-primary" value="Sign In" type="submit"/></form>'
        "</div>\n",
        _footer(base),
    ])


def challenge_page() -> str:
    """A bot challenge served with HTTP 200 in place of a page (no Khoros markup at all)."""
    return ("<!DOCTYPE html><html lang=\"en\"><head><title>Just a moment...</title>"
            '<meta name="robots" content="noindex,nofollow"></head><body>'
            '<div id="challenge-running"><h1>Checking that you are a person</h1><p>This takes a '
            'few seconds.</p><form id="challenge-form" method="post" action="/verify-human">'
            '<input type="hidden" name="token" value="demo"></form></div>'
            "<noscript>Please enable JavaScript and cookies to continue.</noscript>"
            "</body></html>\n")
