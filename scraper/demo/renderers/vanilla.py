"""The demo community as a Vanilla forum: each board a category, each thread a discussion whose
first post is the discussion itself and whose replies are comments.

Server-rendered markup of Vanilla 3 (``ItemDiscussion``/``ItemComment``, ``time[datetime]`` in
UTC with the site-zone ``title``, Quotes-plugin block quotes, the QnA plugin's accepted answers
with their copy above the comments), 30 comments per page (``/p<N>``) and 15 discussions per
list page. The API v2 answers too: ``/api/v2/discussions/<D>``, ``/api/v2/comments?
discussionID=<D>&page=N&limit=L`` and ``/api/v2/discussions?page=N&limit=L``; a walled
discussion answers 403 there.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import escape
from urllib.parse import parse_qs, quote

from scraper.demo.content import SITE_TZ, Community, Post, Thread, User
from scraper.demo.content import Quote as DemoQuote
from scraper.demo.renderers import Page

NAME = "vanilla"
INDEX_PATH = "/discussions"
ROBOTS = "User-agent: *\nDisallow: /entry/\nDisallow: /search\nDisallow: /profile/\n"
COMMENTS_PER_PAGE = 30
DISCUSSIONS_PER_PAGE = 15
JSON_TYPE = "application/json; charset=utf-8"

_DISCUSSION = re.compile(r"^/discussion/(\d+)(?:/[^/]+?)?(?:/p(\d+))?/?$")
_COMMENT = re.compile(r"^/discussion/comment/(\d+)/?$")
_CATEGORY = re.compile(r"^/categories/([^/]+?)(?:/p(\d+))?/?$")
_LIST = re.compile(r"^/discussions(?:/p(\d+))?/?$")
_API_DISCUSSION = re.compile(r"^/api/v2/discussions/(\d+)/?$")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "discussion"


def thread_path(community: Community, thread: Thread, page: int = 1) -> str:
    return f"/discussion/{thread.uid}/{_slug(thread.subject)}" + (f"/p{page}" if page > 1 else "")


def board_path(board: object = None, page: int = 1) -> str:
    base = f"/categories/{board.slug.lower()}" if board is not None else INDEX_PATH
    return base + (f"/p{page}" if page > 1 else "")


def page_count(thread: Thread) -> int:
    return max(1, -(-(len(thread.posts) - 1) // COMMENTS_PER_PAGE))


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _shown(when: datetime) -> str:
    local = when.astimezone(SITE_TZ)
    return f"{local:%B} {local.day}, {local.year} {local.hour % 12 or 12}:{local:%M%p}"


def _time(when: datetime) -> str:
    return f'<time title="{_shown(when)}" datetime="{_iso(when)}">{when.astimezone(SITE_TZ):%B %Y}</time>'


def _profile(base: str, user: User) -> str:
    return f"{base}/profile/{quote(user.login)}"


def _head(c: Community, title: str, canonical: str, body_id: str, classes: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="utf-8">
    <title>{escape(title)} — {escape(c.title)}</title>
    <link rel="canonical" href="{canonical}" />
    <script>gdn=window.gdn||{{}};gdn.meta={{"siteSection":{{"basePath":"","contentLocale":"en"}},"context":{{"version":"2023.011"}}}};</script>
</head>
<body id="{body_id}" class="{classes} UserLoggedOut locale-en">
<div id="Frame"><div class="Head" id="Head"><a href="/entry/signin" class="SignInPopup">Sign In</a></div>
<div id="Body"><div class="BreadcrumbsWrapper">"""


def _foot(c: Community) -> str:
    cats = "".join(f'<li><a href="{board_path(b)}">{escape(b.title)}</a></li>'
                   for b in c.all_boards())
    return (f'</div></div><div class="Column PanelColumn" id="Panel"><div class="Box BoxCategories">'
            f'<ul class="PanelInfo PanelCategories">{cats}</ul></div></div></div></body></html>\n')


def _crumbs(base: str, board) -> str:
    links = f'<span class="CrumbLabel HomeCrumb"><a href="{base}/"><span>Home</span></a></span>'
    if board is not None:
        links += (f' <span class="Crumb">›</span> <span class="CrumbLabel Last"><a href="{base}'
                  f'{board_path(board)}"><span itemprop="name">{escape(board.title)}</span></a>'
                  f'</span>')
    return (f'<span class="Breadcrumbs" itemscope itemtype="http://schema.org/BreadcrumbList">'
            f'{links}</span></div><div class="Column ContentColumn" id="Content">')


def _quote(q: DemoQuote, base: str) -> str:
    inner = "".join(_quote(i, base) for i in q.inner)
    return (f'<blockquote class="Quote UserQuote"><div class="QuoteAuthor"><a href="{base}/profile/'
            f'{quote(q.author)}">{escape(q.author)}</a> said:</div><div class="QuoteText">{inner}'
            f"<p>{escape(q.text)}</p></div></blockquote>")


def body_html(post: Post, base: str) -> str:
    """A post's rendered body, the same in the page and in the API's ``body``."""
    return "".join(_quote(q, base) for q in post.quotes) + post.body_html


def _author(user: User, base: str) -> str:
    return (f'<a href="{_profile(base, user)}" class="Username js-userCard" data-userid='
            f'"{user.id or 0}">{escape(user.login)}</a>')


def _item(c: Community, thread: Thread, post: Post, base: str, offset: int | None) -> str:
    """The discussion (``offset`` None) or a comment at ``offset`` in the discussion."""
    first = offset is None
    accepted = post.uid == thread.accepted_uid
    if first:
        tag, ident = "div", f"Discussion_{thread.uid}"
        classes = "Item ItemDiscussion" + (" QnA-Question-Accepted" if thread.accepted_uid else "")
        link = f'<a href="{base}{thread_path(c, thread)}" class="Permalink" rel="nofollow">'
    else:
        tag, ident = "li", f"Comment_{post.uid}"
        classes = "Item ItemComment" + (" QnA-Item QnA-Item-Accepted" if accepted else "")
        link = (f'<a href="/discussion/comment/{post.uid}/#Comment_{post.uid}" class="Permalink"'
                f' name="Item_{offset}" rel="nofollow">')
    edited = ""
    if post.edited_at:
        edited = (f'<span class="MItem"><span title="Edited {_shown(post.edited_at)} by '
                  f'{escape(post.author.login)}." class="DateUpdated">edited '
                  f'{post.edited_at.astimezone(SITE_TZ):%B %Y}</span></span>')
    label = '<span class="Tag QnA-Box QnA-Accepted">Accepted Answer</span>' if accepted else ""
    signature = (f'<div class="Signature UserSignature userContent">{escape(post.signature)}</div>'
                 if post.signature else "")
    rank = f'<span class="MItem RoleTitle">{escape(post.author.rank)}</span>' \
        if post.author.rank else ""
    return f"""<{tag} class="{classes}" id="{ident}"><div class="{'Discussion' if first else 'Comment'}">
<div class="Item-Header"><div class="AuthorWrap"><span class="Author">{_author(post.author, base)}</span>
<span class="AuthorInfo">{rank}</span></div>
<div class="Meta"><span class="MItem DateCreated">{link}{_time(post.posted_at)}</a></span>{edited}{label}</div></div>
<div class="Item-BodyWrap"><div class="Item-Body"><div class="Message userContent">{body_html(post, base)}</div>
{signature}<div class="Reactions"><span class="Column-Score Hidden">{post.kudos}</span><span class="ReactMenu"><span class="ReactButtons"></span></span></div></div></div>
</div></{tag}>
"""


def _pager(url_of, number: int, count: int) -> str:
    if count <= 1:
        return '<div class="P PagerWrap"></div>'
    links = [f'<a href="{url_of(number - 1)}" class="Previous" rel="prev">«</a>' if number > 1
             else '<span class="Previous Pager-nav">«</span>']
    for n in range(1, count + 1):
        current = ' Highlight" aria-current="page' if n == number else ""
        links.append(f'<a href="{url_of(n)}" class="Pager-p p-{n}{current}">{n}</a>')
    links.append(f'<a href="{url_of(number + 1)}" class="Next" rel="next">»</a>' if number < count
                 else '<span class="Next Pager-nav">»</span>')
    return f'<div class="P PagerWrap"><div class="Pager NumberedPager">{"".join(links)}</div></div>'


def discussion_page(c: Community, thread: Thread, number: int, base: str) -> str:
    board = c.board(thread.board_id)
    comments = thread.posts[1:]
    start = (number - 1) * COMMENTS_PER_PAGE
    shown = comments[start:start + COMMENTS_PER_PAGE]
    head = ""
    if number == 1:
        head = _item(c, thread, thread.posts[0], base, None)
        if thread.accepted_uid:
            post = next(p for p in thread.posts if p.uid == thread.accepted_uid)
            offset = thread.posts.index(post)
            head += ('<div class="DataBox DataBox-AcceptedAnswers"><span class="BoxTitle">Answers'
                     '</span><ul class="MessageList DataList AcceptedAnswers">'
                     + _item(c, thread, post, base, offset) + "</ul></div>")
    slug = board.slug.lower() if board else "general"
    items = "".join(_item(c, thread, p, base, start + i) for i, p in enumerate(shown, 1))
    return (_head(c, thread.subject, base + thread_path(c, thread, number),
                  "vanilla_discussion_index",
                  f"Vanilla Discussion Section-Discussion Section-Category-{slug}")
            + _crumbs(base, board)
            + f'<div class="PageTitle"><h1>{escape(thread.subject)}</h1></div>'
            + f'<div class="MessageList Discussion">{head}</div>'
            + '<div class="CommentsWrap"><span class="BeforeCommentHeading">'
            + _pager(lambda n: thread_path(c, thread, n), number, page_count(thread))
            + f'</span><div class="DataBox DataBox-Comments"><ul class="MessageList DataList'
              f' Comments">{items}</ul></div>'
            + _pager(lambda n: thread_path(c, thread, n), number, page_count(thread))
            + "</div>" + _foot(c))


def _row(c: Community, thread: Thread, base: str) -> str:
    last = thread.last_post
    board = c.board(thread.board_id)
    state = " QnA-Question-Accepted" if thread.accepted_uid else ""
    category = (f'<span class="MItem Category"><a href="{board_path(board)}">'
                f'{escape(board.title)}</a></span>') if board else ""
    return f"""<li id="Discussion_{thread.uid}" class="Item ItemDiscussion{state}"><div class="ItemContent Discussion">
<div class="Title" role="heading" aria-level="3"><a href="{base}{thread_path(c, thread)}">{escape(thread.subject)}</a></div>
<div class="Meta Meta-Discussion"><span class="MItem MCount ViewCount"><span title="{thread.views} views" class="Number">{thread.views}</span> views</span>
<span class="MItem MCount CommentCount"><span title="{thread.reply_count} comments" class="Number">{thread.reply_count}</span> comments</span>
<span class="MItem LastCommentBy">Most recent by {_author(last.author, base)}</span>
<span class="MItem LastCommentDate">{_time(last.posted_at)}</span>{category}</div></div></li>
"""


def _order(threads: list[Thread]) -> list[Thread]:
    return sorted(threads, key=lambda t: (t.last_post.posted_at, t.uid), reverse=True)


def list_page(c: Community, board, number: int, base: str) -> str:
    threads = _order(board.threads if board is not None else c.threads())
    count = max(1, -(-len(threads) // DISCUSSIONS_PER_PAGE))
    shown = threads[(number - 1) * DISCUSSIONS_PER_PAGE:number * DISCUSSIONS_PER_PAGE]
    title = board.title if board is not None else "Recent Discussions"
    rows = "".join(_row(c, t, base) for t in shown) or (
        '<div class="Empty">No discussions were found.</div>')
    body_id = "vanilla_categories_index" if board is not None else "vanilla_discussions_index"
    return (_head(c, title, base + board_path(board, number), body_id, "Vanilla Discussions")
            + _crumbs(base, board) + f'<h1 class="H HomepageTitle">{escape(title)}</h1>'
            + f'<ul class="DataList Discussions">{rows}</ul>'
            + _pager(lambda n: board_path(board, n), number, count) + _foot(c))


def error_page(c: Community, base: str, heading: str, message: str) -> str:
    return (_head(c, heading, base + "/", "dashboard_home_filenotfound", "Dashboard Home")
            + f'</div><div id="Content"><div class="Center SplashInfo"><h1>{escape(heading)}</h1>'
            f'<div id="Message">{escape(message)}</div></div>' + _foot(c))


def signin_page(c: Community, base: str, target: str) -> str:
    return (_head(c, "Sign In", base + "/entry/signin", "dashboard_entry_signin",
                  "Dashboard Entry")
            + f'</div><div id="Content"><h1>Sign In</h1><form method="post" id="Form_User_SignIn"'
            f' action="/entry/signin?Target={quote(target)}"><input type="text" name="Email"'
            f' id="Form_Email"><input type="password" name="Password" id="Form_Password">'
            f'<input type="submit" value="Sign In"></form>' + _foot(c))


# --- API v2 --------------------------------------------------------------------------------------


def _user_json(user: User, base: str) -> dict:
    return {"userID": user.id or 0, "name": user.login, "url": _profile(base, user),
            "photoUrl": f"{base}/uploads/defaultavatar.png"}


def discussion_json(c: Community, thread: Thread, base: str) -> dict:
    first = thread.posts[0]
    board = c.board(thread.board_id)
    data = {
        "discussionID": thread.uid, "type": "question" if thread.accepted_uid else "discussion",
        "name": thread.subject, "body": body_html(first, base),
        "categoryID": c.all_boards().index(board) + 1 if board else None,
        "dateInserted": _iso(first.posted_at),
        "dateUpdated": _iso(first.edited_at) if first.edited_at else None,
        "insertUserID": first.author.id or 0, "insertUser": _user_json(first.author, base),
        "countComments": thread.reply_count, "countViews": thread.views, "score": first.kudos,
        "url": base + thread_path(c, thread), "dateLastComment": _iso(thread.last_post.posted_at),
        "pinned": False, "closed": False,
    }
    if board is not None:
        data["category"] = {"categoryID": data["categoryID"], "name": board.title,
                            "url": base + board_path(board)}
    if thread.accepted_uid:
        data["attributes"] = {"question": {"status": "accepted",
                                           "acceptedAnswers": [{"commentID": thread.accepted_uid}]}}
    return data


def _comment_json(thread: Thread, post: Post, base: str) -> dict:
    data = {
        "commentID": post.uid, "discussionID": thread.uid, "body": body_html(post, base),
        "dateInserted": _iso(post.posted_at),
        "dateUpdated": _iso(post.edited_at) if post.edited_at else None,
        "insertUserID": post.author.id or 0, "insertUser": _user_json(post.author, base),
        "score": post.kudos, "url": f"{base}/discussion/comment/{post.uid}#Comment_{post.uid}",
    }
    if thread.accepted_uid:
        status = "accepted" if post.uid == thread.accepted_uid else "pending"
        data["attributes"] = {"answer": {"status": status}}
    return data


def _list_json(c: Community, thread: Thread, base: str) -> dict:
    data = discussion_json(c, thread, base)
    del data["body"]
    return data


def _paged_json(items: list, args: dict[str, str]) -> tuple[list, int, int]:
    number = int(args["page"]) if args.get("page", "").isdigit() else 1
    limit = min(100, int(args["limit"])) if args.get("limit", "").isdigit() else 30
    return items[(number - 1) * limit:number * limit], max(1, number), limit


def _json(data: object, modified: datetime | None, status: int = 200) -> Page:
    return Page(status, json.dumps(data, ensure_ascii=False), modified=modified,
                content_type=JSON_TYPE)


def api(c: Community, route: str, args: dict[str, str], base: str,
        blocked: dict[int, str]) -> Page:
    if m := _API_DISCUSSION.match(route):
        thread = c.thread(int(m.group(1)))
        if thread is None:
            return _json({"message": "Discussion not found.", "status": 404}, None, 404)
        if thread.uid in blocked:
            return _json({"message": "Permission Problem", "status": 403}, None, 403)
        return _json(discussion_json(c, thread, base), thread.modified_at)
    if route.rstrip("/") == "/api/v2/comments":
        thread = c.thread(int(args["discussionID"])) if args.get(
            "discussionID", "").isdigit() else None
        if thread is None:
            return _json({"message": "Discussion not found.", "status": 404}, None, 404)
        if thread.uid in blocked:
            return _json({"message": "Permission Problem", "status": 403}, None, 403)
        shown, _, _ = _paged_json(thread.posts[1:], args)
        return _json([_comment_json(thread, p, base) for p in shown], thread.modified_at)
    if route.rstrip("/") == "/api/v2/discussions":
        shown, _, _ = _paged_json(_order(c.threads()), args)
        return _json([_list_json(c, t, base) for t in shown], c.clock)
    return _json({"message": "Page not found.", "status": 404}, None, 404)


# --- routing -------------------------------------------------------------------------------------


def page(c: Community, route: str, query: str, base: str, blocked: dict[int, str]) -> Page:
    args = {k: v[-1] for k, v in parse_qs(query).items()}
    if route.startswith("/api/v2/"):
        return api(c, route, args, base, blocked)
    if route.rstrip("/") == "":
        return Page(301, location=base + INDEX_PATH)
    if m := _LIST.match(route):
        return Page(html=list_page(c, None, int(m.group(1) or 1), base), modified=c.clock)
    if m := _CATEGORY.match(route):
        board = next((b for b in c.all_boards() if b.slug.lower() == m.group(1)), None)
        if board is not None:
            return Page(html=list_page(c, board, int(m.group(2) or 1), base), modified=c.clock)
    if m := _COMMENT.match(route):
        found = c.find_post(int(m.group(1)))
        if found is not None:
            thread, post = found
            number = (thread.posts.index(post) - 1) // COMMENTS_PER_PAGE + 1
            return Page(302, location=f"{base}{thread_path(c, thread, number)}#Comment_{post.uid}")
    if m := _DISCUSSION.match(route):
        thread = c.thread(int(m.group(1)))
        if thread is not None:
            if thread.uid in blocked:
                return Page(html=signin_page(c, base, thread_path(c, thread)), modified=c.clock)
            number = min(max(1, int(m.group(2) or 1)), page_count(thread))
            return Page(html=discussion_page(c, thread, number, base),
                        modified=thread.modified_at)
    return Page(404, error_page(c, base, "Page Not Found",
                                "The page you were looking for could not be found."))
