"""Conformance over the real Discourse pages and API answers of ../shared/corpus/discourse
(skipped when that folder is absent): every document parses, post ids are unique and follow
the post numbers, authors and dates are there; exact values were read off the documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from scraper.models import ThreadPage
from scraper.platforms import parse

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "discourse"
DOCS = sorted(CORPUS.glob("*.*")) if CORPUS.is_dir() else []
pytestmark = pytest.mark.skipif(not DOCS, reason="no corpus at ../shared/corpus/discourse")

# The API answers name no URL of their own: where each was read from.
URLS = {
    "discourse_api_topic57.json":
        "https://try.discourse.org/t/this-site-is-a-sandbox-it-is-reset-every-day/57.json",
    "json_criticalfallibilism_t2108_at452.json":
        "https://discuss.criticalfallibilism.com/t/2108/452.json",
    "json_criticalfallibilism_t2108_posts_pn41.json":
        "https://discuss.criticalfallibilism.com/t/2108/posts.json?post_number=41",
    "json_urho3d_1954_20posts.json": "https://discourse.urho3d.io/t/1954.json",
    "json_urho3d_3758_solved_small.json": "https://discourse.urho3d.io/t/3758.json",
}
# document -> (topic id, post numbers first..last and count, page number and count, solved,
#              accepted ids, first author (handle, full name), likes on the page, quotes)
EXPECTED = {
    "discourse_api_topic57.json": ("57", (1, 14, 4), (1, 1), None, [], ("samsaffron",
                                   "Sam Saffron"), 10, 0),
    "json_criticalfallibilism_t2108_at452.json": ("2108", (433, 452, 20), (22, 23), False, [],
                                                  ("ActiveMind", None), 5, 48),
    "json_criticalfallibilism_t2108_posts_pn41.json": ("2108", (40, 21, 20), (2, None), False,
                                                       [], ("anonymous45", "anonymous45"), 1, 79),
    "json_urho3d_1954_20posts.json": ("1954", (1, 20, 20), (1, 1), False, [], ("TheComet", None),
                                      0, 11),
    "json_urho3d_3758_solved_small.json": ("3758", (1, 4, 4), (1, 1), True, ["3758#4"],
                                           ("Jetmate", "Anton"), 1, 4),
    "meta_12483_discourse24.html": ("12483", (1, 2, 2), (1, 1), None, [], ("techAPJ",
                                    "Arpit Jalan"), 9, 0),
    "wcxb0502_docker_144854.html": ("144854", (1, 9, 9), (1, 1), False, [], ("amondale",
                                    "Amondale"), 0, 5),
    "wcxb0503_homeassistant_724779.html": ("724779", (1, 4, 4), (1, 1), False, [], ("raoul",
                                           "raoul"), 1, 0),
    "wcxb0510_netlify_117253_solved.html": ("117253", (1, 7, 7), (1, 1), True, ["117253#6"],
                                            ("tinterweb", None), 2, 2),
}


@pytest.fixture(scope="module", params=DOCS, ids=lambda p: p.name)
def doc(request) -> tuple[str, ThreadPage]:
    return request.param.name, parse(request.param.read_bytes(), URLS.get(request.param.name))


def test_every_document_is_a_topic_page_with_its_posts(doc):
    name, page = doc
    tid, (first, last, count), pages, solved, accepted, author, likes, quotes = EXPECTED[name]
    assert page.platform == "discourse"
    assert page.thread.external_id == tid
    numbers = [p.position for p in page.posts]
    assert (numbers[0], numbers[-1], len(numbers)) == (first, last, count)
    assert [p.external_id for p in page.posts] == [f"{tid}#{n}" for n in numbers]
    assert (page.page.number, page.page.count) == pages
    assert page.thread.solved is solved
    assert page.thread.accepted_post_ids == accepted
    assert [p.external_id for p in page.posts if p.is_solution] == [
        a for a in accepted if a in {p.external_id for p in page.posts}]
    assert (page.posts[0].author.name, page.posts[0].author.display_name) == author
    assert sum(p.score for p in page.posts) == likes
    assert sum(len(p.quotes) for p in page.posts) == quotes
    assert page.warnings == []
    for post in page.posts:
        assert post.author.name and post.posted_at and post.body_html, post.external_id
        assert post.posted_at[19:] in ("+00:00", "-05:00", "-04:00")


def test_quotes_name_their_post_and_topic(doc):
    name, page = doc
    quotes = [(p.position, q) for p in page.posts for q in p.quotes]
    if name == "wcxb0502_docker_144854.html":
        assert {(q.author_name, q.post_external_id) for _, q in quotes} == {
            ("amondale", "144854#5"), ("amondale", "144854#4")}
    if name == "wcxb0510_netlify_117253_solved.html":  # the second quotes another topic
        assert [(n, q.author_name, q.post_external_id) for n, q in quotes] == [
            (2, "tinterweb", "117253#1"), (6, None, "113370#1")]
    if name == "json_urho3d_3758_solved_small.json":  # old quotes: the name only in the title
        assert [(n, q.author_name, q.post_external_id) for n, q in quotes] == [
            (2, "Jetmate", "3758#1"), (2, "Jetmate", "3758#1"), (2, "Jetmate", "3758#1"),
            (4, "Jetmate", "3758#3")]


def test_crawler_views_anchor_their_shown_times(doc):
    name, page = doc
    if name.endswith(".html"):
        assert page.zone_hint == "+00:00"
        assert len(page.time_anchors) == len(page.posts)
        assert all(a.instant.startswith(a.local[:16]) for a in page.time_anchors)
