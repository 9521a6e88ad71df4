"""Stack Exchange question pages and lists on our fixture pages: goldens, hand-written facts,
walls, URL shapes, and that no other platform's page is taken for one of ours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser
from update_goldens import golden_text

from scraper.models import BlockedPage, NotForumPage
from scraper.platforms import parse, stackexchange

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HERE = FIXTURES / "stackexchange"
MANIFEST = json.loads((HERE / "MANIFEST.json").read_text(encoding="utf-8"))
THREADS = sorted(n for n, e in MANIFEST.items() if e["kind"] == "thread")


def parsed(name: str):
    entry = MANIFEST[name]
    return parse((HERE / name).read_bytes(), entry["url"], platform="stackexchange")


GOLDEN = sorted(n for n, e in MANIFEST.items() if e["kind"] in ("thread", "board"))


@pytest.mark.parametrize("name", GOLDEN)
def test_page_matches_its_golden(name):
    golden = HERE / (name.rsplit(".", 1)[0] + ".expected.json")
    assert golden_text(parsed(name)) == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", THREADS)
def test_question_pages_against_their_facts(name):
    page, fact = parsed(name), MANIFEST[name]["facts"]
    assert page.thread.external_id == fact["thread_id"]
    assert page.thread.title == fact["title"]
    assert [page.page.number, page.page.count, page.page.next_url, page.page.prev_url] == fact[
        "page"]
    assert page.thread.reply_count == fact["reply_count"]
    assert page.thread.solved == fact["solved"]
    assert page.thread.accepted_post_ids == fact["accepted"]
    assert [c.title for c in page.thread.breadcrumbs] == fact["tags"]
    got = [
        [p.external_id, p.position, p.author.name, p.author.external_id, p.author.rank,
         p.posted_at, p.edited_at, p.score, p.is_solution, p.reply_to]
        for p in page.posts
    ]
    assert got == fact["posts"]
    quotes = {p.external_id: [[q.depth, q.text] for q in p.quotes] for p in page.posts if p.quotes}
    assert quotes == fact["quotes"]
    assert all(p.body_text and p.body_html for p in page.posts)
    assert page.warnings == []


def test_question_list_against_its_facts():
    page, fact = parsed("question_list.html"), MANIFEST["question_list.html"]["facts"]
    assert (page.kind, page.page.next_url, page.page.count) == (
        "board", fact["next_url"], fact["page_count"])
    got = [[t.external_id, t.title, t.reply_count, t.score, t.views, t.solved, t.last_post_at_raw]
           for t in page.threads]
    assert got == fact["threads"]
    assert all(t.url.startswith("https://diy.stackexchange.com/questions/") for t in page.threads)


@pytest.mark.parametrize(
    ("name", "error"), [("not_found.html", NotForumPage), ("human_verification.html", BlockedPage)]
)
def test_walls_and_missing_questions(name, error):
    with pytest.raises(error) as raised:
        parsed(name)
    assert str(raised.value) == MANIFEST[name]["facts"]["message"]


def test_other_platforms_pages_are_not_ours():
    others = [p for p in FIXTURES.glob("*/*.htm*") if p.parent.name != "stackexchange"]
    assert others
    for path in others:
        assert not stackexchange.detect(LexborHTMLParser(path.read_bytes()), "https://x/"), path


@pytest.mark.parametrize(
    ("url", "kind", "thread", "post"),
    [
        ("https://stackoverflow.com/questions/70011234/why-does", "thread", "70011234", None),
        ("https://stackoverflow.com/q/70011234", "thread", "70011234", None),
        ("https://stackoverflow.com/a/70011299", "thread", None, "70011299"),
        ("https://stackoverflow.com/questions/7/slug/70011299#70011299", "thread", "7", "70011299"),
        ("https://stackoverflow.com/questions/tagged/python", "board", None, None),
        ("https://stackoverflow.com/questions?tab=newest", "board", None, None),
        ("https://stackoverflow.com/questions/ask", None, None, None),
        ("https://stackoverflow.com/", "community", None, None),
        ("https://stackoverflow.com/users/1/x", None, None, None),
    ],
)
def test_url_shapes(url, kind, thread, post):
    assert stackexchange.url_kind(url) == kind
    assert stackexchange.thread_id(url) == thread
    assert stackexchange.post_id(url) == post


def test_page_urls():
    q = "https://stackoverflow.com/questions/70011234/why-does"
    assert stackexchange.thread_page_url(q + "?page=3&tab=votes#tab-top", 1) == q
    assert stackexchange.thread_page_url(q, 2) == q + "?tab=votes&page=2"
    assert stackexchange.thread_page_url("https://stackoverflow.com/q/70011234", 1) == (
        "https://stackoverflow.com/questions/70011234")
    assert stackexchange.listing_page_url("https://s.example/questions?tab=newest", 3) == (
        "https://s.example/questions?tab=newest&page=3")
    assert stackexchange.clean_url(q + "?page=1&tab=votes#tab-top") == q
    assert stackexchange.clean_url(q + "?answertab=votes&page=2&noredirect=1") == q + "?page=2"
