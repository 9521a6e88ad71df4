"""Vanilla pages and API answers on our fixtures: goldens, hand-written facts, walls, URL shapes,
one post identity from HTML and JSON, bad JSON, and no other platform's page taken for ours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from archived_times import archived_time
from selectolax.lexbor import LexborHTMLParser
from update_goldens import golden_text

from scraper import zones
from scraper.models import BlockedPage, NotForumPage, ParseError
from scraper.platforms import parse, vanilla

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HERE = FIXTURES / "vanilla"
MANIFEST = json.loads((HERE / "MANIFEST.json").read_text(encoding="utf-8"))
GOLDEN = sorted(n for n, e in MANIFEST.items() if e["kind"] != "blocked")
THREADS = sorted(n for n, e in MANIFEST.items() if e["kind"] == "thread" and n.endswith(".html"))
LISTS = sorted(n for n, e in MANIFEST.items() if e["kind"] == "board" and n.endswith(".html"))
WALLS = sorted(n for n, e in MANIFEST.items() if e["kind"] == "blocked")
SITE = "https://community.crumbcrust.example"


def parsed(name: str):
    return parse((HERE / name).read_bytes(), MANIFEST[name]["url"])


@pytest.mark.parametrize("name", GOLDEN)
def test_page_matches_its_golden(name):
    golden = HERE / (name.rsplit(".", 1)[0] + ".expected.json")
    assert golden_text(parsed(name)) == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", THREADS)
def test_discussion_pages_against_their_facts(name):
    page, fact = parsed(name), MANIFEST[name]["facts"]
    assert page.platform == "vanilla"
    assert page.thread.external_id == fact["thread_id"]
    assert [page.page.number, page.page.count] == fact["page"]
    assert page.thread.solved == fact["solved"]
    assert page.thread.accepted_post_ids == fact["accepted"]
    assert page.thread.board.external_id == fact["board"]
    got = [[p.external_id, p.position, p.author.name, p.author.external_id, p.posted_at,
            archived_time(page, p.edited_at), p.score, p.is_solution] for p in page.posts]
    assert got == fact["posts"]
    quotes = {p.external_id: [[q.author_name, q.depth, q.text] for q in p.quotes]
              for p in page.posts if p.quotes}
    assert quotes == fact["quotes"]
    assert all(p.body_text and p.body_html for p in page.posts)
    local = any(zones.is_local(p.edited_at) for p in page.posts)
    assert page.warnings == (["time zone unknown: dates are local times without offset"]
                             if local else [])
    assert len(page.time_anchors) == len(page.posts)


@pytest.mark.parametrize("name", LISTS)
def test_listings_against_their_facts(name):
    page, fact = parsed(name), MANIFEST[name]["facts"]
    assert [page.page.number, page.page.count, page.page.next_url] == fact["page"]
    got = [[t.external_id, t.reply_count, t.last_post_at_raw, t.views, t.solved]
           for t in page.threads]
    assert got == fact["threads"]
    assert [b.url for b in page.boards] == fact["boards"]


@pytest.mark.parametrize("name", WALLS)
def test_walls_and_error_pages(name):
    kind, message = MANIFEST[name]["facts"]["error"]
    with pytest.raises((BlockedPage, NotForumPage)) as error:
        parsed(name)
    assert (type(error.value).__name__, str(error.value)) == (kind, message)


def test_v2_accepted_answer_copy_is_not_a_post():
    page = parsed("v2_question_p1.html")
    ids = [p.external_id for p in page.posts]
    assert ids.count("30177") == 1 and ids == ["d8812", "30170", "30177", "30191"]
    assert page.posts[0].signature == "Stoneware, mostly reduction. Firing since 2011."


def test_the_same_posts_from_html_and_from_the_api():
    html = parsed("v3_discussion.html")
    api = [*parsed("api_discussion.json").posts, *parsed("api_comments.json").posts]
    keys = ("external_id", "position", "url", "posted_at", "score", "body_text")
    assert [[getattr(p, k) for k in keys] for p in api] == [
        [getattr(p, k) for k in keys] for p in html.posts]
    assert [(p.author.name, p.author.external_id, p.author.url) for p in api] == [
        (p.author.name, p.author.external_id, p.author.url) for p in html.posts]
    assert [[(q.author_name, q.post_external_id, q.text) for q in p.quotes] for p in api] == [
        [(q.author_name, q.post_external_id, q.text) for q in p.quotes] for p in html.posts]
    listed = {t.external_id: (t.reply_count, t.last_post_at_raw)
              for t in parsed("api_discussions.json").threads}
    assert listed == {t.external_id: (t.reply_count, t.last_post_at_raw)
                      for t in parsed("discussions_list.html").threads}


def test_the_api_chain_of_a_discussion():
    first = parsed("api_discussion.json")
    assert first.page.next_url == (f"{SITE}/api/v2/comments?discussionID=51207&page=1&limit=100"
                                   "&expand=insertUser")
    assert (first.thread.solved, first.thread.accepted_post_ids) == (True, ["390411"])
    comments = parsed("api_comments.json")
    assert first.page.number == 0  # the opening post's own page: see the module docstring
    assert (comments.page.number, comments.page.next_url) == (1, None)  # 2 < the limit: last
    full = [{"commentID": n, "dateInserted": "2026-02-10T00:00:00+00:00", "body": "<p>x</p>"}
            for n in range(1, 101)]
    page = vanilla.parse_json(full, f"{SITE}/api/v2/comments?discussionID=7&page=3&limit=100")
    assert page.page.number == 3 and page.posts[0].position == 202
    assert page.page.next_url == (f"{SITE}/api/v2/comments?discussionID=7&page=4&limit=100"
                                  "&expand=insertUser")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"discussionID": 5, "name": "cut', "invalid JSON: Unterminated string"),
        (b'{"discussionID": 5, "dateInserted": "2026-01-01T00:00:00+00:00"}',
         "a Vanilla API record without discussionID, name, body"),
        (b'[{"commentID": 1, "discussionID": 5, "dateInserted": "x"}, {"commentID": 2}]',
         "a JSON document no supported platform recognises"),
    ],
)
def test_bad_json_is_an_error_not_partial_rows(body, message):
    with pytest.raises(ParseError) as error:
        parse(body, f"{SITE}/api/v2/discussions/5")
    assert str(error.value).startswith(message)


def test_url_shapes():
    base = f"{SITE}/discussion/51207/which-sourdough"
    assert vanilla.url_kind(base + "/p3") == "thread" and vanilla.thread_id(base + "/p3") == "51207"
    assert vanilla.thread_page_url(base + "/p3", 1) == base
    assert vanilla.thread_page_url(base, 4) == base + "/p4"
    assert vanilla.post_id(f"{SITE}/discussion/comment/390455/#Comment_390455") == "390455"
    assert vanilla.url_kind(f"{SITE}/categories/breads/p2") == "board"
    assert vanilla.listing_page_url(f"{SITE}/categories/breads/p2", 3) == (
        f"{SITE}/categories/breads/p3")
    assert vanilla.url_kind(f"{SITE}/categories") == "category"
    assert vanilla.url_kind(f"{SITE}/index.php?p=/discussion/12/x") == "thread"
    assert vanilla.thread_page_url(f"{SITE}/index.php?p=/discussion/12/x/p3", 2) == (
        f"{SITE}/index.php?p=/discussion/12/x/p2")
    assert vanilla.clean_url(base + "/p1#Comment_5") == base
    assert vanilla.api_url(base) == f"{SITE}/api/v2/discussions/51207?expand=insertUser,category"
    assert vanilla.api_url(base + "/p2") is None
    assert vanilla.api_url(f"{SITE}/categories/breads") is None
    assert vanilla.html_url(f"{SITE}/api/v2/comments?discussionID=9&page=2") == (
        f"{SITE}/discussion/9")
    assert vanilla.html_url(f"{SITE}/api/v2/discussions?page=2") == f"{SITE}/discussions"
    assert vanilla.html_url(base) is None


OTHERS = sorted(p for p in FIXTURES.glob("*/*.html") if p.parent.name != "vanilla")


@pytest.mark.parametrize("path", OTHERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_other_platform_page_is_taken_for_vanilla(path):
    assert not vanilla.detect(LexborHTMLParser(path.read_bytes()), "https://example.org/")


def test_every_vanilla_page_is_detected():
    for name in MANIFEST:
        if name.endswith(".html"):
            assert vanilla.detect(LexborHTMLParser((HERE / name).read_bytes()), ""), name


def test_listing_times_are_anchors_and_the_last_shown_is_the_last_post():
    page = parsed("category_table.html")
    assert [(a.local, a.instant) for a in page.time_anchors] == [
        ("2019-10-02T21:14:00", "2019-10-03T02:14:07+00:00"),  # "started", in the table
        ("2019-10-09T16:00:00", "2019-10-09T21:00:00+00:00"),
        ("2019-09-30T11:20:00", "2019-09-30T16:20:33+00:00"),
    ]
    assert page.threads[0].last_post_at == "2019-10-09T21:00:00+00:00"
    assert page.warnings == []


def test_a_vanilla_page_without_the_classic_markup_says_so():
    page = ('<html><head><title>Crust talk</title><script>gdn.meta={"context":{}};</script></head>'
            '<body id="vanilla_discussion_index"><div id="app"></div></body></html>')
    with pytest.raises(ParseError) as error:
        parse(page, f"{SITE}/discussion/77/crust-talk", platform="vanilla")
    assert str(error.value) == ("no discussion in Vanilla's classic markup: Crust talk (a newer"
                                " layout draws it in the browser; its API may serve it: --via api)")
    with pytest.raises(NotForumPage, match="^no discussions and no Vanilla markup on the page"):
        parse("<html><title>Elsewhere</title><p>hi</p></html>", f"{SITE}/discussions",
              platform="vanilla")
