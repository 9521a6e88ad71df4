"""Conformance over the real Vanilla pages of ../shared/corpus/vanilla (skipped when that folder
is absent): every page parses, ids are unique, authors and instants are there; exact values were
read off the pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from scraper.models import ThreadPage
from scraper.platforms import parse

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "vanilla"
PAGES = sorted(CORPUS.glob("*.html")) if CORPUS.is_dir() else []
pytestmark = pytest.mark.skipif(not PAGES, reason="no corpus at ../shared/corpus/vanilla")

# page -> (discussion id, comments, board slug, first author, edited posts, plain quotes)
EXPECTED = {
    "wcxb0559_vanillaforums_39620.html": ("39620", 3, "blog", "Linc", 1, 1),
    "wcxb5039_lowendtalk_205826_SANITIZED.html": ("205826", 4, "requests", "rurutia", 1, 0),
}


@pytest.fixture(scope="module", params=PAGES, ids=lambda p: p.name)
def page(request) -> tuple[str, ThreadPage]:
    return request.param.name, parse(request.param.read_bytes(), None)


def test_every_page_is_a_discussion_with_its_comments(page):
    name, result = page
    tid, comments, board, author, edited, quotes = EXPECTED[name]
    assert result.platform == "vanilla" and result.thread.external_id == tid
    ids = [p.external_id for p in result.posts]
    assert ids[0] == f"d{tid}" and len(ids) == len(set(ids)) == comments + 1
    assert [p.position for p in result.posts] == list(range(1, comments + 2))
    assert result.thread.reply_count == comments
    assert result.thread.board.external_id == board
    assert result.posts[0].author.name == author
    assert all(p.author.name and p.posted_at and p.posted_at.endswith("+00:00")
               for p in result.posts)
    assert all(p.body_text for p in result.posts)
    assert sum(1 for p in result.posts if p.edited_at) == edited
    assert sum(len(p.quotes) for p in result.posts) == quotes
    assert (result.page.number, result.page.count) == (1, 1)
    assert len(result.time_anchors) == comments + 1
    # edit notices show local times only: they stay local until the site's zone is known
    assert result.warnings == (["time zone unknown: dates are local times without offset"]
                               if edited else [])


def test_lowendtalk_thanks_are_the_score(page):
    name, result = page
    if name.startswith("wcxb5039"):
        assert [p.score for p in result.posts] == [2, 1, 2, 1, 0]
        assert all(p.author.external_id is None for p in result.posts)  # data-userid stripped
    else:
        assert result.posts[0].score == 1 and result.posts[0].author.rank == "Administrator"
