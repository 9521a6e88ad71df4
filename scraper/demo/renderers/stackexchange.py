"""The demo community as a Stack Exchange site: each thread a question, its replies answers.

Current markup (``js-answer``, ``s-prose``, ``s-post-summary``), times in UTC as the sites show
them to readers who are not signed in, 30 answers per question page (``?page=N&tab=votes``) and
15 questions per list page (``/questions?tab=newest&page=N``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import escape
from urllib.parse import parse_qs

from scraper.demo.content import Community, Post, Thread, User
from scraper.demo.renderers import Page

NAME = "stackexchange"
INDEX_PATH = "/questions"
ROBOTS = "User-agent: *\nDisallow: /posts/\nDisallow: /users/login\nDisallow: /search\n"
ANSWERS_PER_PAGE = 30
QUESTIONS_PER_PAGE = 15
SITE = "HomeCue Answers"

_QUESTION = re.compile(r"^/questions/(\d+)(?:/[^/]*)?/?$")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "question"


def thread_path(community: Community, thread: Thread, page: int = 1) -> str:
    path = f"/questions/{thread.uid}/{_slug(thread.subject)}"
    return path + (f"?tab=votes&page={page}" if page > 1 else "")


def board_path(board: object = None, page: int = 1) -> str:
    return INDEX_PATH + (f"?tab=newest&page={page}" if page > 1 else "")


def page_count(thread: Thread) -> int:
    return max(1, -(-(len(thread.posts) - 1) // ANSWERS_PER_PAGE))


def _utc(when: datetime) -> datetime:
    return when.astimezone(UTC)


def _stamp(when: datetime) -> str:
    return _utc(when).strftime("%Y-%m-%d %H:%M:%SZ")


def _shown(when: datetime) -> str:
    u = _utc(when)
    return f"{u:%b} {u.day}, {u.year} at {u.hour}:{u:%M}"


def _head(title: str, canonical: str, route: str) -> str:
    return f"""<!DOCTYPE html>
<html class="html__responsive" lang="en">
<head>
    <title>{escape(title)} - {SITE}</title>
    <link rel="canonical" href="{canonical}" />
    <meta property="og:site_name" content="{SITE}" />
    <script>StackExchange.init({{"locale":"en","routeName":"{route}","stackAuthUrl":"https://stackauth.com"}});</script>
</head>
<body class="unified-theme"><div class="container"><div id="content">
"""


_FOOT = "</div></div></body>\n</html>\n"


def _user(user: User, base: str) -> str:
    if user.anonymous:
        return f'<div class="user-details" itemprop="author">{escape(user.login)}' \
               f'<span class="d-none" itemprop="name">{escape(user.login)}</span></div>'
    return (f'<div class="user-details" itemprop="author" itemscope itemtype="http://schema.org/'
            f'Person"><a href="{base}/users/{user.id}/{_slug(user.login)}">{escape(user.login)}'
            f'</a><meta itemprop="name" content="{escape(user.login)}"></div>')


def _body(post: Post) -> str:
    quotes = "".join(_quote(q) for q in post.quotes)
    return quotes + "".join(f"<p>{escape(p)}</p>\n" for p in post.paragraphs)


def _quote(q) -> str:
    inner = "".join(_quote(i) for i in q.inner)
    return f"<blockquote>\n{inner}<p>{escape(q.text)}</p>\n</blockquote>\n"


def _signatures(post: Post, verb: str, base: str) -> str:
    edited = ""
    if post.edited_at:
        edited = (f'<div class="post-signature flex--item"><div class="user-info"><div class='
                  f'"user-action-time"><a href="/posts/{post.uid}/revisions">edited <span title="'
                  f'{_stamp(post.edited_at)}" class="relativetime">{_shown(post.edited_at)}</span>'
                  f'</a></div><div class="user-details"></div></div></div>')
    return edited + (
        f'<div class="post-signature {"owner " if verb == "asked" else ""}flex--item fl0">'
        f'<div class="user-info"><div class="user-action-time">{verb} <span title="'
        f'{_stamp(post.posted_at)}" class="relativetime">{_shown(post.posted_at)}</span></div>'
        f'{_user(post.author, base)}</div></div>'
    )


def _answer(thread: Thread, post: Post, base: str) -> str:
    accepted = post.uid == thread.accepted_uid
    classes = "answer js-answer" + (" accepted-answer js-accepted-answer" if accepted else "")
    prop = "acceptedAnswer" if accepted else "suggestedAnswer"
    return f"""<a name="{post.uid}"></a>
<div id="answer-{post.uid}" class="{classes}" data-answerid="{post.uid}" data-parentid="{thread.uid}" data-score="{post.kudos}" itemprop="{prop}" itemscope itemtype="https://schema.org/Answer">
<div class="post-layout"><div class="votecell post-layout--left"><div class="js-voting-container" data-post-id="{post.uid}">
<div class="js-vote-count flex--item" itemprop="upvoteCount" data-value="{post.kudos}">{post.kudos}</div></div></div>
<div class="answercell post-layout--right"><div class="s-prose js-post-body" itemprop="text">
{_body(post)}</div>
<div class="mt24"><div class="d-flex fw-wrap ai-start jc-end gs8 gsy">
<time itemprop="dateCreated" datetime="{_utc(post.posted_at):%Y-%m-%dT%H:%M:%S}"></time>
{_signatures(post, "answered", base)}</div></div></div></div></div>
"""


def _pager(url_of, page: int, count: int) -> str:
    if count <= 1:
        return ""
    items = []
    if page > 1:
        items.append(f'<a class="s-pagination--item" href="{url_of(page - 1)}" rel="prev">Prev</a>')
    for n in range(1, count + 1):
        items.append(f'<div class="s-pagination--item is-selected">{n}</div>' if n == page else
                     f'<a class="s-pagination--item" href="{url_of(n)}" title="Go to page {n}">'
                     f'{n}</a>')
    if page < count:
        items.append(f'<a class="s-pagination--item" href="{url_of(page + 1)}" rel="next">Next</a>')
    return f'<div class="s-pagination pager-answers">{"".join(items)}</div>'


def question_page(c: Community, thread: Thread, page: int, base: str) -> str:
    question, answers = thread.posts[0], thread.posts[1:]
    shown = answers[(page - 1) * ANSWERS_PER_PAGE:page * ANSWERS_PER_PAGE]
    board = c.board(thread.board_id)
    tag = board.slug if board else "general"
    canonical = base + thread_path(c, thread)
    return _head(thread.subject, canonical, "Questions/Show") + f"""
<div id="question-header"><h1 itemprop="name"><a href="{thread_path(c, thread)}" class="question-hyperlink">{escape(thread.subject)}</a></h1></div>
<div id="mainbar" role="main">
<div class="question js-question" data-questionid="{thread.uid}" data-score="{question.kudos}" id="question">
<div class="post-layout"><div class="votecell post-layout--left"><div class="js-voting-container" data-post-id="{thread.uid}">
<div class="js-vote-count flex--item" itemprop="upvoteCount" data-value="{question.kudos}">{question.kudos}</div></div></div>
<div class="postcell post-layout--right"><div class="s-prose js-post-body" itemprop="text">
{_body(question)}</div>
<div class="post-taglist"><a href="/questions/tagged/{tag}" class="post-tag" rel="tag">{tag}</a></div>
<time itemprop="dateCreated" datetime="{_utc(question.posted_at):%Y-%m-%dT%H:%M:%S}"></time>
{_signatures(question, "asked", base)}</div></div></div>
<div id="answers"><div id="answers-header"><h2 data-answercount="{len(answers)}">{len(answers)} Answers</h2></div>
{"".join(_answer(thread, p, base) for p in shown)}
{_pager(lambda n: thread_path(c, thread, n), page, page_count(thread))}
</div></div>""" + _FOOT


def _summary(c: Community, thread: Thread) -> str:
    answers = len(thread.posts) - 1
    state = " has-accepted-answer" if thread.accepted_uid else ""
    active = thread.modified_at
    return f"""<div id="question-summary-{thread.uid}" class="s-post-summary js-post-summary" data-post-id="{thread.uid}">
<div class="s-post-summary--stats">
<div class="s-post-summary--stats-item" title="Score of {thread.posts[0].kudos}"><span class="s-post-summary--stats-item-number">{thread.posts[0].kudos}</span><span class="s-post-summary--stats-item-unit">votes</span></div>
<div class="s-post-summary--stats-item{state}" title="{answers} answers"><span class="s-post-summary--stats-item-number">{answers}</span><span class="s-post-summary--stats-item-unit">answers</span></div>
<div class="s-post-summary--stats-item" title="{thread.views:,} views"><span class="s-post-summary--stats-item-number">{thread.views}</span><span class="s-post-summary--stats-item-unit">views</span></div>
</div><div class="s-post-summary--content"><h3 class="s-post-summary--content-title"><a href="{thread_path(c, thread)}" class="s-link">{escape(thread.subject)}</a></h3>
<time class="s-user-card--time">modified <span title="{_stamp(active)}" class="relativetime">{_shown(active)}</span></time></div></div>
"""


def questions_page(c: Community, page: int, base: str) -> str:
    threads = sorted(c.threads(), key=lambda t: (t.modified_at, t.uid), reverse=True)
    count = max(1, -(-len(threads) // QUESTIONS_PER_PAGE))
    shown = threads[(page - 1) * QUESTIONS_PER_PAGE:page * QUESTIONS_PER_PAGE]
    return _head("Newest Questions", base + INDEX_PATH, "Questions/ListAll") + (
        '<div id="mainbar"><h1>Newest Questions</h1><div id="questions">'
        + "".join(_summary(c, t) for t in shown)
        + "</div>" + _pager(lambda n: board_path(None, n), page, count).replace(
            "pager-answers", "pager") + "</div>"
    ) + _FOOT


def not_found(base: str) -> str:
    return _head("Page not found", base + "/", "Errors/PageNotFound") + (
        "<h1>Page not found</h1><p>We're sorry, we couldn't find the page you requested.</p>"
    ) + _FOOT


def verification_page() -> str:
    return ("<!DOCTYPE html><html><head><title>Human verification - Stack Exchange</title></head>"
            "<body><h1>Human verification</h1><form action=\"/nocaptcha\" method=\"post\">"
            "<div class=\"h-captcha\"></div><button type=\"submit\">Continue</button></form>"
            "</body></html>")


def page(c: Community, route: str, query: str, base: str, blocked: dict[int, str]) -> Page:
    args = {k: v[-1] for k, v in parse_qs(query).items()}
    number = int(args["page"]) if args.get("page", "").isdigit() else 1
    if route.rstrip("/") in ("", INDEX_PATH):
        if route.rstrip("/") == "":
            return Page(301, location=base + INDEX_PATH)
        return Page(html=questions_page(c, max(1, number), base), modified=c.clock)
    m = _QUESTION.match(route)
    thread = c.thread(int(m.group(1))) if m else None
    if thread is None:
        return Page(404, not_found(base))
    if thread.uid in blocked:
        return Page(html=verification_page(), modified=c.clock)
    number = min(max(1, number), page_count(thread))
    return Page(html=question_page(c, thread, number, base), modified=thread.modified_at)
