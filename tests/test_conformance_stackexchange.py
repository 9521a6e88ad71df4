"""Conformance over the real Stack Exchange pages of ../shared/corpus/stackexchange (skipped
when that folder is absent): every page parses, ids are unique, authors and dates are there,
the accepted answer and the answer pages are recognised; exact values were read off the pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from scraper.models import ThreadPage
from scraper.platforms import parse

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "stackexchange"
PAGES = sorted(CORPUS.glob("*.html")) if CORPUS.is_dir() else []
pytestmark = pytest.mark.skipif(not PAGES, reason="no corpus at ../shared/corpus/stackexchange")

# page -> (question id, answers on the page, accepted answer, page count, comments shown)
EXPECTED = {
    "so_15920496_element_vs_text_node.html": ("15920496", 2, "15920567", 1, 3),
    "so_1732348_regex_xhtml_p1of2.html": ("1732348", 30, "1732454", 2, 83),
    "so_6367014_django_email.html": ("6367014", 11, "6367023", 1, 21),
    "unix_se_40638_gif_to_mp4.html": ("40638", 5, None, 1, 14),
    "wcxb0172_cooking_12068.html": ("12068", 2, "12072", 1, 4),
    "wcxb0564_so_21553327.html": ("21553327", 19, "21553825", 1, 4),
    "wcxb2826_superuser_1110045_noaccepted.html": ("1110045", 5, None, 1, 7),
}


@pytest.fixture(scope="module", params=PAGES, ids=lambda p: p.name)
def page(request) -> tuple[str, ThreadPage]:
    return request.param.name, parse(request.param.read_bytes(), None)


def test_every_page_is_a_question_with_its_answers(page):
    name, result = page
    qid, answers, accepted, count, comments = EXPECTED[name]
    own = [p for p in result.posts if not p.external_id.startswith("c")]
    assert result.platform == "stackexchange"
    assert result.thread.external_id == qid
    assert own[0].external_id == qid and own[0].position == 1
    assert len(own) - 1 == answers
    assert [p.position for p in own] == list(range(1, answers + 2))
    assert result.thread.accepted_post_ids == ([accepted] if accepted else [])
    assert [p.external_id for p in own if p.is_solution] == result.thread.accepted_post_ids
    assert result.page.count == count
    assert sum(p.external_id.startswith("c") for p in result.posts) == comments
    assert len({p.external_id for p in result.posts}) == len(result.posts)


def test_every_post_has_an_author_a_date_a_score_and_a_body(page):
    _, result = page
    for post in result.posts:
        assert post.author.name, post.external_id
        assert post.posted_at and post.posted_at.endswith("+00:00"), post.external_id
        assert post.score is not None and post.body_text, post.external_id
        if post.external_id.startswith("c"):
            assert post.reply_to in {p.external_id for p in result.posts}


def test_exact_values_read_off_the_pages():
    first = parse((CORPUS / "wcxb0564_so_21553327.html").read_bytes(), None)
    question, accepted = first.posts[0], next(p for p in first.posts if p.is_solution)
    assert (question.author.name, question.score, question.posted_at, question.edited_at) == (
        "Vader", 427, "2014-02-04T13:02:51+00:00", "2020-07-05T10:00:05+00:00")
    assert (accepted.external_id, accepted.author.name, accepted.score) == ("21553825", "poke", 467)
    wiki = parse((CORPUS / "so_1732348_regex_xhtml_p1of2.html").read_bytes(), None)
    assert wiki.page.next_url == (
        "https://stackoverflow.com/questions/1732348/"
        "regex-match-open-tags-except-xhtml-self-contained-tags?page=2&tab=votes")
    assert (wiki.posts[0].posted_at, wiki.posts[0].author.rank) == (
        "2009-11-13T22:38:26+00:00", "community wiki")
    unix = parse((CORPUS / "unix_se_40638_gif_to_mp4.html").read_bytes(), None)
    assert (unix.posts[0].author.name, unix.posts[0].author.external_id) == ("stinkypyper", None)
