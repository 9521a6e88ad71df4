"""The NodeBB parser on real pages (../shared/corpus/nodebb, not part of the project).

Skipped when the corpus is not next to the checkout. Every page must give posts with unique ids,
authors and dates; the exact values below were read on the pages themselves. The pages are
parsed without a URL (their canonical link stands for it), and each page's own data script (the
JSON its ``/api/`` twin serves) must give the same posts as its markup.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scraper.models import ThreadPage, TimeAnchor
from scraper.platforms import nodebb, parse

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "nodebb"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="no ../shared/corpus/nodebb")
PAGES = sorted(p.name for p in CORPUS.glob("*.html")) if CORPUS.is_dir() else []
DATA = re.compile(rb'<script id="ajaxify-data" type="application/json">(.*?)</script>', re.S)


def page(name: str) -> ThreadPage:
    result = parse((CORPUS / name).read_bytes(), None)
    assert isinstance(result, ThreadPage)
    return result


def page_data(name: str) -> ThreadPage:
    """The page's embedded API data, parsed as the API answer of its topic."""
    body = (CORPUS / name).read_bytes()
    html = page(name)
    api = nodebb.api_url(html.thread.url)
    result = parse(DATA.search(body).group(1), api)
    assert isinstance(result, ThreadPage)
    return result


@pytest.mark.parametrize("name", PAGES)
def test_every_page_gives_complete_posts(name: str) -> None:
    result = page(name)
    ids = [p.external_id for p in result.posts]
    assert ids and len(ids) == len(set(ids))
    assert all(p.author.name and p.author.external_id for p in result.posts)
    assert all(p.posted_at and p.posted_at.endswith("+00:00") and p.body_text
               for p in result.posts)
    assert [p.position for p in result.posts] == list(range(1, len(ids) + 1))
    assert result.thread.external_id and result.thread.title and result.thread.board
    assert (result.page.number, result.page.count) == (1, 1)
    for post in result.posts:
        assert "email protected" not in post.body_text
        assert post.body_text.strip() == post.body_text
        for quote in post.quotes:
            assert quote.text and not quote.text.endswith(":")


@pytest.mark.parametrize("name", PAGES)
def test_the_page_data_gives_the_same_posts(name: str) -> None:
    """HTML and JSON key a post by its pid and read the same facts. The only difference is
    the markup a proxy rewrote (http links made https)."""
    html, data = page(name), page_data(name)
    assert data.thread == html.thread and data.page == html.page
    assert len(data.posts) == len(html.posts)
    for a, b in zip(html.posts, data.posts, strict=True):
        assert (a.external_id, a.position, a.author, a.posted_at, a.edited_at, a.score,
                a.reply_to, a.is_solution, a.signature, a.quotes, a.body_text) == (
            b.external_id, b.position, b.author, b.posted_at, b.edited_at, b.score,
            b.reply_to, b.is_solution, b.signature, b.quotes, b.body_text)
        if a.body_html != b.body_html:
            assert a.body_html.replace("https://", "http://") == b.body_html.replace(
                "https://", "http://")


def test_nodebb_community_v4() -> None:
    result = page("wcxb0549_nodebb_18427.html")
    assert result.thread.external_id == "18427" and result.thread.title == "RC1 of NodeBB v4"
    assert (result.thread.board.external_id, result.thread.board.title) == ("30", "ActivityPub")
    assert [c.title for c in result.thread.breadcrumbs] == ["NodeBB Development", "ActivityPub"]
    assert result.thread.reply_count == 11 and result.thread.solved is None
    first, remote, edited = result.posts[0], result.posts[2], result.posts[7]
    assert (first.external_id, first.author.name, first.author.external_id, first.score) == (
        "101884", "julian", "2", 13)
    assert first.posted_at == "2024-11-27T15:50:23+00:00" and first.edited_at is None
    # a post federated from another server: its pid and uid are URLs, its name a handle@host
    assert remote.external_id == "https://mastodon.scot/users/gunchleoc/statuses/113556636882319688"
    assert (remote.author.name, remote.author.display_name) == (
        "gunchleoc@mastodon.scot", "GunChleoc")
    assert remote.reply_to == "101893"
    assert (edited.external_id, edited.edited_at) == ("101898", "2024-11-27T21:25:17+00:00")
    assert result.time_anchors == [
        TimeAnchor(local="2024-11-27T21:25:00", instant="2024-11-27T21:25:17+00:00")]
    assert [(p.author.name, p.author.display_name) for p in result.posts[9:11]] == [
        ("nhl.pl", "Sylwester Cyba"), ("scott@loves.tech", "Scott M. Stolz")]
    # Cloudflare's "[email protected]" restored from data-cfemail
    assert result.posts[11].body_text.startswith("@scott@loves.tech You can start a new thread")


def test_qt_forum_solved_question() -> None:
    result = page("wcxb0552_qtforum_156087.html")
    assert result.thread.external_id == "156087"
    assert (result.thread.solved, result.thread.accepted_post_ids) == (True, ["797022"])
    assert [p.external_id for p in result.posts if p.is_solution] == ["797022"]
    answer = result.posts[1]
    assert (answer.author.name, answer.reply_to, answer.edited_at) == (
        "Pl45m4", "797018", "2024-04-17T11:13:58+00:00")
    assert answer.signature.startswith("If debugging is the process of removing software bugs")
    assert [(q.author_name, q.post_external_id, q.depth) for q in answer.quotes] == [
        ("JonB", "797018", 1), (None, None, 1)]
    assert answer.quotes[0].text.startswith("Has anybody tried perhaps a beta of Ubuntu 24.04?")
    # the reply preview of the parent post is not part of the reply
    assert "Ubuntu 24.04 has been delayed" not in answer.body_text
    assert [p.score for p in result.posts] == [0, 0, 0, 0, 0, 0, 2]
    assert [a.local for a in result.time_anchors] == [
        "2024-04-17T11:13:00", "2024-04-17T17:02:00", "2024-04-17T17:22:00"]
