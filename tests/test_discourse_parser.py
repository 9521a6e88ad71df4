"""Discourse topics and topic lists on our fixture pages (JSON and crawler HTML): goldens,
hand-written facts, walls, URL shapes, the same post identity from both routes, and that no
other platform's page is taken for one of ours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser
from update_goldens import golden_text

from scraper.models import BlockedPage, NotForumPage, ParseError
from scraper.platforms import detect, discourse, parse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HERE = FIXTURES / "discourse"
MANIFEST = json.loads((HERE / "MANIFEST.json").read_text(encoding="utf-8"))
THREADS = sorted(n for n, e in MANIFEST.items() if e["kind"] == "thread")
LISTINGS = sorted(n for n, e in MANIFEST.items() if e["kind"] == "community")
SITE = "https://forum.hivecraft.example"
TOPIC = f"{SITE}/t/queen-cells-in-early-spring-split-or-wait/4182"


def parsed(name: str):
    entry = MANIFEST[name]
    return parse((HERE / name).read_bytes(), entry["url"], platform="discourse")


@pytest.mark.parametrize("name", THREADS + LISTINGS)
def test_page_matches_its_golden(name):
    golden = HERE / (name.rsplit(".", 1)[0] + ".expected.json")
    assert golden_text(parsed(name)) == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", THREADS)
def test_topic_pages_against_their_facts(name):
    page, fact = parsed(name), MANIFEST[name]["facts"]
    assert page.thread.external_id == fact["thread_id"]
    assert [page.page.number, page.page.count, page.page.next_url, page.page.prev_url] == fact[
        "page"]
    assert page.thread.reply_count == fact["reply_count"]
    assert page.thread.solved == fact["solved"]
    assert page.thread.accepted_post_ids == fact["accepted"]
    assert (page.thread.board.external_id if page.thread.board else None) == fact["board"]
    assert [p.position for p in page.posts] == fact["numbers"]
    assert [p.external_id for p in page.posts] == [f"4182#{n}" for n in fact["numbers"]]
    posts = {p.external_id: p for p in page.posts}
    for pid, (name_, display, posted, edited, score, solution, reply_to) in fact["posts"].items():
        post = posts[pid]
        assert [post.author.name, post.author.display_name, post.posted_at, post.edited_at,
                post.score, post.is_solution, post.reply_to] == [
            name_, display, posted, edited, score, solution, reply_to], pid
    quotes = {p.external_id: [[q.author_name, q.post_external_id, q.depth, q.text]
                              for q in p.quotes] for p in page.posts if p.quotes}
    assert quotes == fact["quotes"]
    assert page.warnings == fact["warnings"]
    assert all(p.body_text and p.body_html for p in page.posts)


@pytest.mark.parametrize("name", LISTINGS)
def test_topic_lists_against_their_facts(name):
    page, fact = parsed(name), MANIFEST[name]["facts"]
    assert [[t.external_id, t.reply_count, t.last_post_at_raw] for t in page.threads] == fact[
        "threads"]
    assert all(t.url == f"{SITE}/t/{t.url.split('/t/')[1]}" for t in page.threads)
    assert page.page.next_url == fact["next_url"]
    assert [[b.external_id, b.title, b.url] for b in page.boards] == fact["boards"]


@pytest.mark.parametrize("name", ["login_wall.html", "not_found.html"])
def test_walls(name):
    fact = MANIFEST[name]["facts"]
    with pytest.raises((BlockedPage, NotForumPage)) as error:
        parsed(name)
    assert type(error.value).__name__ == fact["error"]
    assert str(error.value) == fact["message"]


def test_a_login_page_at_a_topic_url_is_a_wall_for_its_posts():
    body = (HERE / "login_wall.html").read_bytes()
    with pytest.raises(BlockedPage, match="^login wall: the site requires a login to read posts"):
        parse(body, TOPIC, platform="discourse")


def test_html_and_json_of_one_topic_give_the_same_posts():
    """The identity rule: an HTML run and a JSON run key each post alike, with the same body."""
    html, api = parsed("topic_v3_p1.html"), parsed("topic_p1.json")
    assert [p.external_id for p in html.posts] == [p.external_id for p in api.posts]
    assert [p.body_html for p in html.posts] == [p.body_html for p in api.posts]
    assert [(p.author.name, p.author.display_name, p.posted_at, p.score) for p in html.posts] == [
        (p.author.name, p.author.display_name, p.posted_at, p.score) for p in api.posts]
    assert html.thread.url == api.thread.url == TOPIC
    assert [q.post_external_id for p in html.posts for q in p.quotes] == [
        q.post_external_id for p in api.posts for q in p.quotes]


def test_shown_times_of_the_crawler_view_are_utc_anchors():
    page = parsed("topic_v3_p1.html")
    assert page.zone_hint == "+00:00"
    assert len(page.time_anchors) == len(page.posts)
    assert (page.time_anchors[0].local, page.time_anchors[0].instant) == (
        "2025-03-02T09:02:00", "2025-03-02T09:02:00+00:00")
    old = parsed("topic_v24_p2.html")  # 2.4 shows the edit time of an edited post
    assert [a.local for a in old.time_anchors][2] == "2025-04-02T07:00:00"
    assert old.posts[2].posted_at_raw is None and old.posts[0].posted_at_raw == (
        "March 24, 2025, 9:15am")


def test_a_crawler_page_holding_only_notices_is_an_empty_page_with_a_warning():
    html = (HERE / "topic_v24_p2.html").read_text(encoding="utf-8")
    start = html.index("    <div itemscope itemtype='http://schema.org/DiscussionForumPosting'")
    end = html.index("      <div role='navigation'")
    page = parse(html[:start] + html[end:], TOPIC + "?page=2", platform="discourse")
    assert page.posts == [] and page.warnings == [
        "no posts shown on this page: only notices (small actions)"]
    with pytest.raises(NotForumPage, match="^no posts on the page"):
        parse(html[:start] + html[end:], TOPIC, platform="discourse")  # page 1 cannot be empty


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        (b'{"post_stream": {"posts": [{"id": 1, "post_numb', ParseError, "invalid JSON: "),
        (b'{"errors": ["You need to be logged in to do that."], "error_type": "not_logged_in"}',
         BlockedPage, "login wall: the API answered not_logged_in: You need to be logged in"),
        (b'{"errors": ["The requested URL or resource could not be found."],'
         b' "error_type": "not_found"}', NotForumPage, r"the API answered an error \(not_found\)"),
        (b'{"post_stream": {"posts": [], "stream": []}, "id": 5}', ParseError,
         "topic 5: the answer holds no posts"),
    ],
)
def test_bad_json_answers(body, error, message):
    with pytest.raises(error, match=f"^{message}"):
        parse(body, TOPIC + ".json", platform="discourse")


def test_other_platforms_json_is_not_ours():
    assert not discourse.detect_json({"items": [], "has_more": False}, "")
    assert not discourse.detect_json([1, 2], "")
    assert discourse.detect_json(json.loads((HERE / "latest.json").read_bytes()), "")


@pytest.mark.parametrize("folder", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_detect_is_specific(folder):
    for page in sorted((FIXTURES / folder).glob("*.html")):
        tree = LexborHTMLParser(page.read_bytes())
        mine = folder == "discourse"
        assert discourse.detect(tree, "https://example.org/") is mine, page.name
        if mine:
            assert detect(tree, "https://example.org/") is discourse, page.name


@pytest.mark.parametrize(
    ("url", "kind", "tid", "pid"),
    [
        (TOPIC, "thread", "4182", None),
        (TOPIC + "/12", "thread", "4182", "4182#12"),
        (f"{SITE}/t/4182", "thread", "4182", None),
        (f"{SITE}/t/4182/12", "thread", "4182", "4182#12"),
        (f"{SITE}/t/4182/posts.json?post_ids[]=1", "thread", "4182", None),
        (f"{SITE}/c/colony-management/7", "board", None, None),
        (f"{SITE}/c/colony-management/varroa/9", "board", None, None),
        (f"{SITE}/latest", "community", None, None),
        (f"{SITE}/categories.json", "community", None, None),
        (f"{SITE}/u/bee_ines", None, None, None),
    ],
)
def test_url_shapes(url, kind, tid, pid):
    assert discourse.url_kind(url) == kind
    assert discourse.thread_id(url) == tid
    assert discourse.post_id(url) == pid


def test_page_urls_and_the_api_twins():
    assert discourse.thread_page_url(TOPIC + "/12?page=4#post_12", 1) == TOPIC
    assert discourse.thread_page_url(TOPIC, 3) == TOPIC + "?page=3"
    assert discourse.listing_page_url(f"{SITE}/latest", 1) == f"{SITE}/latest"
    assert discourse.listing_page_url(f"{SITE}/latest", 3) == f"{SITE}/latest?page=2"
    assert discourse.clean_url(TOPIC + "?page=1&u=bee_ines#post_3") == TOPIC
    assert discourse.clean_url(f"{SITE}/latest?no_definitions=true&page=0") == f"{SITE}/latest"
    pairs = [
        (TOPIC, TOPIC + ".json"),
        (TOPIC + "?page=2", TOPIC + ".json?page=2"),
        (f"{SITE}/latest?page=1", f"{SITE}/latest.json?page=1"),
        (f"{SITE}/c/colony-management/7", f"{SITE}/c/colony-management/7.json"),
        (f"{SITE}/categories", f"{SITE}/categories.json"),
    ]
    for html, api in pairs:
        assert discourse.api_url(html) == api
        assert discourse.html_url(api) == html
    assert discourse.api_url(f"{SITE}/") == f"{SITE}/latest.json"
    assert discourse.api_url(f"{SITE}/u/bee_ines") is None
    assert discourse.api_url(TOPIC + ".json") is None
    assert discourse.html_url(f"{SITE}/t/4182/posts.json?post_ids[]=1") == f"{SITE}/t/4182"
    assert discourse.html_url(TOPIC) is None


def test_a_cooked_body_with_a_stray_end_tag_keeps_the_other_posts_whole():
    data = json.loads((HERE / "topic_p1.json").read_bytes())
    data["post_stream"]["posts"][1]["cooked"] = "<p>Half a table</p></div></div><p>and more</p>"
    page = parse(json.dumps(data), TOPIC + ".json", platform="discourse")
    assert len(page.posts) == 18
    assert page.posts[1].body_text == "Half a table\nand more"
    assert [p.body_html for p in page.posts[2:]] == [
        p.body_html for p in parsed("topic_p1.json").posts[2:]]
