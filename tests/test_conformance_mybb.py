"""The MyBB parser on real pages (../shared/corpus/mybb, not part of the project).

Skipped when the corpus is not next to the checkout. The exact values were read off the pages.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.models import ThreadPage
from scraper.platforms import mybb, parse

# ../shared/corpus beside the checkout, or one folder further up.
CORPUS = next((p for p in (Path(__file__).resolve().parents[n] / "shared" / "corpus" / "mybb"
                           for n in (2, 3)) if p.is_dir()), Path("/nonexistent"))
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="no ../shared/corpus/mybb")

URLS = {
    "mybb18_sinisterly_1052467_p1of3.html": "https://sinister.ly/Thread-MyBB-theme",
    "mybb18_sinisterly_1135411_p2of3.html":
        "https://sinister.ly/Thread-Digital-Drawing-feedback-request?page=2",
    "wcxb0558_mybb_222085_p1of2.html": "https://community.mybb.com/thread-222085.html",
}
PAGES = sorted(p.name for p in CORPUS.glob("*.html")) if CORPUS.is_dir() else []


def page(name: str) -> ThreadPage:
    url = URLS.get(name) or "https://example.invalid/showthread.php?tid=1"
    result = parse((CORPUS / name).read_bytes(), url)
    assert isinstance(result, ThreadPage)
    return result


@pytest.mark.parametrize("name", PAGES)
def test_every_corpus_page(name: str) -> None:
    body = (CORPUS / name).read_bytes()
    assert mybb.detect(LexborHTMLParser(body), "https://example.invalid/")
    result = page(name)
    ids = [p.external_id for p in result.posts]
    assert result.posts and len(ids) == len(set(ids))
    assert all(p.author.name and p.posted_at and p.body_text for p in result.posts)
    positions = [p.position for p in result.posts]
    assert positions == list(range(positions[0], positions[0] + len(positions)))
    assert result.page.count and result.page.number <= result.page.count
    for post in result.posts:
        assert not post.author.name.endswith(("…", "..."))
        if post.signature:
            assert post.signature not in post.body_text
        for quote in post.quotes:
            assert quote.depth >= 1 and quote.text


def test_community_mybb_page_one() -> None:
    result = page("wcxb0558_mybb_222085_p1of2.html")
    assert result.thread.external_id == "222085"
    assert result.thread.board.external_id == "11"  # not the forum pager of the breadcrumb
    assert result.thread.board.url == "https://community.mybb.com/forum-11.html"
    assert [result.page.number, result.page.count] == [1, 2]
    assert result.page.next_url == "https://community.mybb.com/thread-222085-page-2.html"
    first = result.posts[0]
    assert [first.external_id, first.position, first.author.name, first.author.external_id] == [
        "1324873", 1, "StarredSkies", "126792"]
    assert first.posted_at_raw == "2019-02-23, 09:14 PM"
    assert first.edited_at == "2024-01-05T03:27:00"
    quoted = {p.external_id: [(q.author_name, q.post_external_id) for q in p.quotes]
              for p in result.posts if p.quotes}
    assert quoted["1324979"] == [("StarredSkies", "1324903")]
    assert sum(len(q) for q in quoted.values()) == 3
    assert result.posts[3].signature.startswith("ezGallery Pro - MyBB Gallery")


def test_sinisterly_page_two() -> None:
    result = page("mybb18_sinisterly_1135411_p2of3.html")
    assert result.thread.external_id == "4857"
    assert [result.page.number, result.page.count] == [2, 3]  # no "Pages (3):" on this theme
    assert [p.position for p in result.posts] == list(range(11, 21))
    assert result.posts[0].author.name == "Loli"
    assert result.posts[0].author.external_id == "3296"
    assert result.posts[5].edited_at == "2013-05-05T22:59:00"
    assert result.posts[1].signature is None or "4GNsK67" not in result.posts[1].body_text
    assert sum(len(p.quotes) for p in result.posts) == 22  # blockquotes in the page, nested too
    assert result.posts[4].quotes[0].post_external_id == "35638"
