"""Stack Exchange sites (Stack Overflow, Super User, *.stackexchange.com): question pages and
question lists, in the 2019-era and the current markup.

A question page holds the question and up to 30 answers (``?page=N&tab=votes`` for the rest),
each with its comments. Posts are the question (on page 1 only, where it belongs; later pages
repeat it), then each answer followed by its comments; a comment is a post of its own (external
id ``c<comment id>``) whose ``reply_to`` is the post it comments on. Times are exact UTC instants
(``time[datetime]``, and the ``title`` of every shown date); the shown dates render in UTC for
readers who are not signed in.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.htmltext import clean_text, html_text, html_text_with_quotes, parse_count
from scraper.models import (
    Author,
    BlockedPage,
    Board,
    Crumb,
    ListingPage,
    ListingThread,
    NotForumPage,
    PageInfo,
    Post,
    Quote,
    Thread,
    ThreadPage,
)
from scraper.platforms.common import Urls, blocked_reason, canonical, meta, page_title

NAME = "stackexchange"

_QUESTION = re.compile(r"^/(?:questions|q)/(\d+)(?:/|$)")
_ANSWER_LINK = re.compile(r"^/(?:a/(\d+)|questions/\d+/[^/]+/(\d+))")
_USER = re.compile(r"^/users/(-?\d+)")
_ISO_NAIVE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?")
_REVISIONS = re.compile(r"\d+ revs?\b")  # "11 revs, 7 users 58%"
_KEPT_PARAMS = ("page", "tab", "sort", "pagesize")
_PER_PAGE = 30  # answers on one page of a question
# A page's posts and each post's parts, in one query each.
_POSTS = "#question[data-questionid], div.answer[data-answerid], li.comment[data-comment-id]"
_PARTS = (
    ".js-vote-count, .js-post-body, .post-text, time[itemprop=dateCreated], .post-signature,"
    " .community-wiki"
)


# --- URLs ----------------------------------------------------------------------------------------


def url_kind(url: str) -> str | None:
    """Questions (and their short links) are threads; question lists and tags are listings."""
    path = urlsplit(url).path
    m = _QUESTION.match(path)
    if m or _ANSWER_LINK.match(path):
        return "thread"
    if path.rstrip("/") in ("/questions", "/unanswered") or path.startswith("/questions/tagged/"):
        return "board"
    if path.strip("/") == "":
        return "community"
    return None


def thread_id(url: str) -> str | None:
    m = _QUESTION.match(urlsplit(url).path)
    return m.group(1) if m else None


def post_id(url: str) -> str | None:
    """The answer id of ``/a/<id>`` or ``/questions/<q>/<slug>/<id>``."""
    m = _ANSWER_LINK.match(urlsplit(url).path)
    return (m.group(1) or m.group(2)) if m else None


def _with_page(url: str, number: int, extra: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = {k: v for k, v in parse_qsl(parts.query) if k in _KEPT_PARAMS and k != "page"}
    if number > 1:
        query = {**query, **extra, "page": str(number)}
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def thread_page_url(thread_url: str, number: int) -> str:
    """Page 1 is the question's own URL; answers past the first 30 are on ``?page=N&tab=votes``
    (the order page 1 shows to readers who are not signed in)."""
    parts = urlsplit(thread_url)
    m = _QUESTION.match(parts.path)
    if m is None:
        raise ValueError(f"not a Stack Exchange question URL: {thread_url}")
    path = parts.path if parts.path.startswith("/questions/") else f"/questions/{m.group(1)}"
    base = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    return _with_page(base, number, {"tab": "votes"})


def listing_page_url(listing_url: str, number: int) -> str:
    return _with_page(listing_url, number, {})


def clean_url(url: str) -> str:
    """No session ids here: only the parameters that choose a page and its order stay, and
    none on a first page (``?page=1&tab=votes`` is the question's own URL)."""
    parts = urlsplit(url)
    query = dict((k, v) for k, v in parse_qsl(parts.query) if k in _KEPT_PARAMS)
    if query.get("page", "1") == "1":
        query = {}
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


# --- recognising pages ---------------------------------------------------------------------------


def detect(tree: LexborHTMLParser, url: str) -> bool:
    """The question element, a question list's summaries, or the site's init script."""
    if tree.css_first("#question[data-questionid], .s-post-summary, .question-summary"):
        return True
    return tree.scripts_contain("StackExchange.init(")


def page_kind(tree: LexborHTMLParser, url: str) -> str:
    kind = url_kind(url)
    if kind == "thread" or tree.css_first("#question[data-questionid]") is not None:
        return "thread"
    return kind or "board"


def parse_page(
    tree: LexborHTMLParser, url: str, *, tz: str | None = None
) -> ThreadPage | ListingPage:
    if page_kind(tree, url) == "thread":
        return parse_thread(tree, url)
    return parse_listing(tree, url)


def _refuse(tree: LexborHTMLParser, what: str) -> None:
    """A page without ``what``: a challenge or a login page is blocked, anything else is not
    a page of ours (a removed question answers "Page not found")."""
    if (reason := blocked_reason(tree, what)) is not None:
        raise BlockedPage(reason)
    found = "a Stack Exchange page" if detect(tree, "") else "no Stack Exchange markup"
    raise NotForumPage(f"no {what} on the page ({found}): {page_title(tree)}")


# --- question pages ------------------------------------------------------------------------------


def parse_thread(tree: LexborHTMLParser, url: str) -> ThreadPage:
    question = tree.css_first("#question[data-questionid]")
    if question is None:
        _refuse(tree, "question")
    urls = Urls(url)
    qid = question.attrs["data-questionid"]
    link = canonical(tree)
    thread_url = urls.absolute(link) if link else thread_page_url(url, 1)
    page = _pager(tree, urls)
    posts: list[Post] = []
    accepted: list[str] = []
    last_post: Post | None = None
    answers_seen = 0
    for element in tree.css(_POSTS):
        if element.tag == "li":
            if last_post is not None:
                posts.append(_comment(element, last_post, urls))
            continue
        is_question = element.attrs.get("id") == "question"
        if is_question and page.number > 1:
            last_post = None  # the question repeated on later pages belongs to page 1
            continue
        post = _post(element, urls, thread_url, is_question)
        if is_question and post.posted_at is None:  # "Asked <date>" above the question
            asked = tree.css_first("time[itemprop=dateCreated][datetime]")
            post.posted_at = _utc(asked.attrs["datetime"]) if asked else None
        if not is_question:
            answers_seen += 1
            post.position = 1 + (page.number - 1) * _PER_PAGE + answers_seen
            if post.is_solution:
                accepted.append(post.external_id)
        posts.append(post)
        last_post = post
    title = tree.css_first("#question-header h1")
    title = clean_text(title.text()) if title else meta(tree, "og:title")
    if posts and posts[0].external_id == qid:
        posts[0].title = title
    count = tree.css_first("[data-answercount]")
    thread = Thread(
        external_id=qid,
        title=title,
        url=thread_url,
        board=_site_board(tree, urls),
        breadcrumbs=_tags(question, urls),
        reply_count=int(count.attrs["data-answercount"]) if count else None,
        solved=True if accepted else (False if page.count == 1 else None),
        accepted_post_ids=accepted,
    )
    return ThreadPage(platform=NAME, url=url, thread=thread, canonical_url=thread_url,
                      page=page, posts=posts, zone_hint="+00:00")


def _post(element: LexborNode, urls: Urls, thread_url: str, is_question: bool) -> Post:
    pid = element.attrs.get("data-questionid" if is_question else "data-answerid") or ""
    classes = element.attrs.get("class") or ""
    post = Post(external_id=pid, position=1 if is_question else None)
    post.url = thread_url if is_question else f"{thread_url.split('?')[0]}/{pid}#{pid}"
    post.is_solution = not is_question and (
        "accepted-answer" in classes.split()
        or element.attrs.get("itemprop") == "acceptedAnswer"
    )
    cards: list[LexborNode] = []
    wiki = False
    for node in element.css(_PARTS):
        tokens = (node.attrs.get("class") or "").split()
        if "js-vote-count" in tokens and post.score is None:
            post.score = _int(node.attrs.get("data-value")) or parse_count(node.text())
        elif ("js-post-body" in tokens or "post-text" in tokens) and not post.body_html:
            _fill_body(post, node)
        elif node.tag == "time" and post.posted_at is None:
            post.posted_at = _utc(node.attrs.get("datetime"))
        elif "post-signature" in tokens:
            cards.append(node)
        elif "community-wiki" in tokens:
            wiki = True
    _signatures(post, cards, urls, wiki)
    return post


def _signatures(post: Post, cards: list[LexborNode], urls: Urls, wiki: bool) -> None:
    """Author and dates from the user cards: the owner's card ("asked"/"answered", the last
    one, with ``itemprop=author``) and the last editor's ("edited <date>", the first)."""
    owner = next((c for c in cards if c.css_first("[itemprop=author]") is not None), None)
    if owner is None and cards:
        owner = cards[-1]
    for card in cards:
        action = card.css_first(".user-action-time")
        when = card.css_first(".relativetime")
        text = clean_text(action.text()).lower() if action else ""
        if text.startswith("edited") and when is not None:
            post.edited_at = _utc(when.attrs.get("title"))
        elif when is not None and (card is owner or text.startswith(("asked", "answered"))):
            post.posted_at_raw = clean_text(when.text()) or None
            post.posted_at = post.posted_at or _utc(when.attrs.get("title"))
    if owner is not None:
        post.author = _card_author(owner, urls)
    if wiki:
        post.author.rank = "community wiki"


def _card_author(card: LexborNode, urls: Urls) -> Author:
    """The user of a card: the link to their profile, else the plain name a deleted or
    unregistered user leaves (``itemprop=name``, or the details' first text)."""
    for details in card.css(".user-details"):
        for link in details.css("a[href]"):
            href = link.attrs.get("href") or ""
            m = _USER.match(urlsplit(href).path)
            if m:
                return Author(name=clean_text(link.text()).removesuffix(" ♦") or None,
                              external_id=m.group(1), url=urls.absolute(href))
        history = details.css_first("a[id^=history-]")
        if history is not None and not _REVISIONS.match(clean_text(history.text())):
            return Author(name=clean_text(history.text()))  # a wiki post's only author
        named = details.css_first("[itemprop=name]")
        name = (named.attrs.get("content") or named.text()) if named else None
        if not name and details.css_first("a, .community-wiki, .-flair") is None:
            name = details.text()
        if clean_text(name):
            return Author(name=clean_text(name))
    return Author()


_COMMENT_PARTS = ".comment-copy, .comment-user, .relativetime-clean, .comment-score"


def _comment(element: LexborNode, parent: Post, urls: Urls) -> Post:
    """A comment, read with one query for its parts (a question page can carry hundreds)."""
    cid = element.attrs["data-comment-id"]
    post = Post(external_id=f"c{cid}", reply_to=parent.external_id)
    post.url = f"{(parent.url or '').split('#')[0]}#comment{cid}_{parent.external_id}"
    score = element.attrs.get("data-comment-score")
    for node in element.css(_COMMENT_PARTS):
        tokens = (node.attrs.get("class") or "").split()
        if "comment-copy" in tokens:
            post.body_html = (node.inner_html or "").strip()
            post.body_text = html_text(post.body_html)
        elif "comment-user" in tokens and post.author.name is None:
            href = node.attrs.get("href") or ""
            m = _USER.match(urlsplit(href).path)
            post.author = Author(name=clean_text(node.text()).removesuffix(" ♦") or None,
                                 external_id=m.group(1) if m else None,
                                 url=urls.absolute(href) if href else None)
        elif "relativetime-clean" in tokens:
            post.posted_at = _utc((node.attrs.get("title") or "").split(",")[0])
            post.posted_at_raw = clean_text(node.text()) or None
        elif "comment-score" in tokens and score is None:
            score = clean_text(node.text())
    post.score = _int(score) if score else 0
    return post


def _fill_body(post: Post, body: LexborNode) -> None:
    post.body_html = html = (body.inner_html or "").strip()
    if "<blockquote" not in html:
        post.body_text = html_text(html)
        return
    post.body_text, texts = html_text_with_quotes(html)
    post.quotes = [Quote(depth=depth, text=text) for depth, text in texts]


def _tags(question: LexborNode, urls: Urls) -> list[Crumb]:
    """The question's tags, as the trail that files it."""
    tags = question.css("a.post-tag")
    return [Crumb(title=clean_text(t.text()), url=urls.absolute(t.attrs.get("href")))
            for t in tags]


def _site_board(tree: LexborHTMLParser, urls: Urls) -> Board:
    """A Stack Exchange site is one board: the site itself."""
    name = meta(tree, "og:site_name") or urls.netloc
    return Board(external_id=urls.netloc, title=name, url=urls.origin + "/questions")


def _pager(tree: LexborHTMLParser, urls: Urls) -> PageInfo:
    pager = tree.css_first(".pager-answers, .s-pagination")
    info = PageInfo()
    if pager is None:
        info.count = 1
        return info
    numbers = []
    for item in pager.css(".s-pagination--item, .page-numbers"):
        text = clean_text(item.text())
        if text.isdigit():
            numbers.append(int(text))
            tokens = (item.attrs.get("class") or "").split()
            if "is-selected" in tokens or "current" in tokens:
                info.number = int(text)
    for link in pager.css("a[rel]"):
        rel = link.attrs.get("rel")
        if rel in ("next", "prev"):
            setattr(info, f"{rel}_url", clean_url(urls.absolute(link.attrs.get("href"))))
    info.count = max(numbers) if numbers else info.number
    return info


# --- question lists ------------------------------------------------------------------------------


def parse_listing(tree: LexborHTMLParser, url: str) -> ListingPage:
    urls = Urls(url)
    rows = tree.css(".s-post-summary[data-post-id], .question-summary[id^=question-summary-]")
    if not rows:
        _refuse(tree, "questions")
    threads = [_summary(row, urls) for row in rows]
    page = _pager(tree, urls)
    kind = "community" if url_kind(url) == "community" else "board"
    return ListingPage(platform=NAME, url=url, kind=kind, canonical_url=url,
                       board=_site_board(tree, urls), page=page, threads=threads,
                       zone_hint="+00:00")


def _summary(row: LexborNode, urls: Urls) -> ListingThread:
    qid = row.attrs.get("data-post-id") or row.id.rsplit("-", 1)[-1]
    link = row.css_first("h3 a[href], a.s-link[href], a.question-hyperlink[href]")
    href = urls.absolute(link.attrs.get("href")) if link else None
    found = ListingThread(external_id=qid, title=clean_text(link.text()) if link else None,
                          url=thread_page_url(href, 1) if href else None)
    for stat in row.css(".s-post-summary--stats-item, .status, .votes, .views"):
        text = clean_text(stat.text()).lower()
        number = parse_count(stat.attrs.get("title") or text)  # "2,405 views" beats "2.4k"
        if "answer" in text:
            found.reply_count = parse_count(text)
            tokens = (stat.attrs.get("class") or "").split()
            found.solved = "has-accepted-answer" in tokens or "answered-accepted" in tokens
        elif "vote" in text:
            shown = stat.css_first(".s-post-summary--stats-item-number, .vote-count-post")
            found.score = _int(clean_text(shown.text())) if shown else parse_count(text)
        elif "view" in text:
            found.views = number
    when = row.css_first(".s-user-card--time .relativetime, .relativetime")
    if when is not None:
        found.last_post_at_raw = when.attrs.get("title") or clean_text(when.text())
        found.last_post_at = _utc(found.last_post_at_raw)
    return found


# --- values --------------------------------------------------------------------------------------


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _utc(text: str | None) -> str | None:
    """An ISO instant from "2014-02-04 13:02:51Z", "2013-04-10T08:18:44" (UTC without a zone)."""
    text = clean_text(text).replace(" ", "T", 1).removesuffix("Z")
    if not _ISO_NAIVE.fullmatch(text):
        return None
    return text + (":00" if len(text) == 16 else "") + "+00:00"
