"""The NodeBB parser on our fixture pages (v4 Harmony, v1 Persona, the read API's JSON): goldens,
MANIFEST facts, one result for a page and its API twin, walls, URLs, detection against other
platforms' pages, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.models import ListingPage, NotForumPage, ParseError, ThreadPage
from scraper.platforms import PLATFORMS, nodebb, parse

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "nodebb"
MANIFEST = json.loads((FIXTURES / "MANIFEST.json").read_text(encoding="utf-8"))
THREADS = sorted(n for n, e in MANIFEST.items() if e["kind"] == "thread")
LISTINGS = sorted(n for n, e in MANIFEST.items() if e["kind"] in ("board", "community"))
WALLS = sorted(n for n, e in MANIFEST.items() if e["kind"] == "wall")


def parsed(name: str) -> ThreadPage | ListingPage:
    entry = MANIFEST[name]
    return parse((FIXTURES / name).read_bytes(), entry["url"], tz=entry["tz"],
                 platform=entry["platform"])


def golden(name: str) -> Path:
    return FIXTURES / (name.rsplit(".", 1)[0] + ".expected.json")


# --- goldens -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", THREADS + LISTINGS)
def test_page_matches_its_golden(name: str) -> None:
    result = parsed(name).to_dict()
    assert result == json.loads(golden(name).read_text(encoding="utf-8"))
    text = json.dumps(result, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    assert golden(name).read_text(encoding="utf-8") == text


def test_every_page_is_read_without_naming_the_platform() -> None:
    for name in THREADS + LISTINGS:
        entry = MANIFEST[name]
        assert parse((FIXTURES / name).read_bytes(), entry["url"]).to_dict() == parsed(
            name).to_dict()


# --- thread pages against the MANIFEST facts ------------------------------------------------------


@pytest.mark.parametrize("name", THREADS)
def test_thread_facts(name: str) -> None:
    page, fact = parsed(name), MANIFEST[name]["facts"]
    assert isinstance(page, ThreadPage) and page.platform == "nodebb"
    thread = page.thread
    assert (thread.external_id, thread.title) == (fact["thread_id"], fact["title"])
    assert [thread.board.external_id, thread.board.title, thread.board.url] == fact["board"]
    assert [page.page.number, page.page.count, page.page.next_url, page.page.prev_url] == (
        fact["page"])
    assert (thread.reply_count, thread.solved, thread.accepted_post_ids) == (
        fact["reply_count"], fact["solved"], fact["accepted"])
    posts = page.posts
    assert [p.external_id for p in posts] == fact["ids"]
    assert [p.position for p in posts] == fact["positions"]
    assert [p.author.name for p in posts] == fact["authors"]
    assert [p.author.display_name for p in posts] == fact["display_names"]
    assert [p.author.external_id for p in posts] == fact["user_ids"]
    assert [p.posted_at for p in posts] == fact["posted"]
    assert [p.edited_at for p in posts] == fact["edited"]
    assert [p.score for p in posts] == fact["scores"]
    assert [p.reply_to for p in posts] == fact["reply_to"]
    assert [p.signature for p in posts] == fact["signatures"]
    assert [[[q.author_name, q.post_external_id, q.depth] for q in p.quotes] for p in posts] == (
        fact["quotes"])
    assert [p.is_solution for p in posts] == [p.external_id in fact["accepted"] for p in posts]
    assert [[a.local, a.instant] for a in page.time_anchors] == fact["anchors"]
    for post, text in zip(posts, fact["text_has"], strict=True):
        assert text is None or text in post.body_text


def test_a_page_and_its_api_twin_give_the_same_thread_and_posts() -> None:
    html, api = parsed("harmony_topic_p1.html"), parsed("api_topic_p1.json")
    assert api.thread == html.thread and api.page == html.page
    assert api.posts == html.posts  # body_html too: one content hash whichever route read it
    assert html.posts[2].body_text.endswith("pumps@ponds.example.org.\nNever run it dry for long.")
    assert "email" not in html.posts[2].body_html and "cdn-cgi" not in html.posts[2].body_html


def test_quotes_and_the_reply_preview() -> None:
    page = parsed("harmony_topic_p1.html")
    answer, reply = page.posts[1], page.posts[2]
    assert answer.quotes[0].text == "The impeller spins freely by hand."
    # the nested quote's header is not part of the outer quote's text
    assert [q.text for q in reply.quotes] == [
        "Then it is almost always an air lock in the intake.", "What should I check next?",
        "Never run it dry for long."]
    # the preview of the parent post above a reply is not part of the reply
    assert "Since Saturday" not in answer.body_text
    assert answer.body_text.startswith("@koi_keeper said in Pump hums but no water flow:\n")


# --- listings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in LISTINGS if MANIFEST[n]["kind"] == "board"])
def test_category_facts(name: str) -> None:
    page, fact = parsed(name), MANIFEST[name]["facts"]
    assert isinstance(page, ListingPage) and page.kind == "board"
    assert [page.board.external_id, page.board.title] == fact["board"]
    assert [page.page.number, page.page.count, page.page.next_url] == fact["page"]
    rows = page.threads
    assert [t.external_id for t in rows] == fact["thread_ids"]
    assert [t.title for t in rows] == fact["titles"]
    assert [t.reply_count for t in rows] == fact["reply_counts"]
    assert [t.views for t in rows] == fact["views"]
    assert [t.score for t in rows] == fact["scores"]
    assert [t.last_post_at_raw for t in rows] == fact["last_posts"]
    assert all(t.url == nodebb.thread_page_url(t.url, 1) for t in rows)
    assert [[b.external_id, b.title] for b in page.boards] == fact["sub_boards"]


@pytest.mark.parametrize("name", ["harmony_categories.html", "api_categories.json"])
def test_category_index(name: str) -> None:
    page, fact = parsed(name), MANIFEST[name]["facts"]
    assert isinstance(page, ListingPage) and page.kind == "community"
    assert [[c.external_id, c.title] for c in page.categories] == fact["categories"]
    assert page.threads == [] and page.boards == []


# --- walls and bad input -------------------------------------------------------------------------


@pytest.mark.parametrize("name", WALLS)
def test_walls(name: str) -> None:
    fact = MANIFEST[name]["facts"]
    with pytest.raises(ParseError) as caught:
        parsed(name)
    assert type(caught.value).__name__ == fact["error"]
    assert str(caught.value) == fact["message"]


def test_a_topic_page_cut_short_keeps_the_posts_it_holds() -> None:
    body = (FIXTURES / "harmony_topic_p1.html").read_bytes()
    cut = body[:body.index(b'data-pid="18851"')]
    page = parse(cut, MANIFEST["harmony_topic_p1.html"]["url"])
    assert [p.external_id for p in page.posts] == ["18830", "18834"]
    # neither the page data nor the pagination block is left: only the head's rel=next
    assert (page.page.count, page.page.next_url) == (
        None, MANIFEST["harmony_topic_p1.html"]["url"] + "?page=2")


def test_a_nodebb_page_without_posts_or_wall_is_no_forum_page() -> None:
    html = (b'<html><head><title>Recent | Pond Keepers</title></head><body class="page-recent '
            b'template-recent page-status-200"><ul component="topic" data-tid="5"></ul></body>'
            b'</html>')
    with pytest.raises(NotForumPage, match=r"^no posts on the page \(a NodeBB page\): Recent"):
        parse(html, "https://ponds.example.org/forum/topic/5/x", platform="nodebb")


def test_bad_json() -> None:
    url = MANIFEST["api_topic_p1.json"]["url"]
    body = (FIXTURES / "api_topic_p1.json").read_bytes()
    with pytest.raises(ParseError, match="^invalid JSON: "):
        parse(body[:900], url)
    data = json.loads(body)
    for post in data["posts"]:
        post.pop("pid")
    with pytest.raises(ParseError, match="^a NodeBB topic whose posts lack their pid$"):
        parse(json.dumps(data), url)
    data["posts"] = []
    with pytest.raises(ParseError, match="^NodeBB topic 2207 answered with no posts$"):
        parse(json.dumps(data), url)
    with pytest.raises(NotForumPage, match="^not a NodeBB API answer: a JSON list$"):
        parse("[1, 2]", url, platform="nodebb")
    with pytest.raises(ParseError, match=r"^a JSON document that is no NodeBB topic or category"
                                         r" \(keys: users, pagination\)$"):
        parse('{"users": [], "pagination": {}}', url, platform="nodebb")


def test_cloudflare_addresses_are_restored() -> None:
    hexed = "5a2a2f372a291a2a35343e29743f223b372a363f7435283d"
    html = (f'<a href="/cdn-cgi/l/email-protection#{hexed}"><span class="__cf_email__" '
            f'data-cfemail="{hexed}">[email&#160;protected]</span></a>')
    assert nodebb.cf_decode(html) == (
        '<a href="mailto:pumps@ponds.example.org">pumps@ponds.example.org</a>')
    assert nodebb.cf_decode("<p>no address</p>") == "<p>no address</p>"
    bad = '<span class="__cf_email__" data-cfemail="5">[email&#160;protected]</span>'
    assert nodebb.cf_decode(bad) == bad


# --- URLs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "kind", "tid", "pid"), [
    ("https://f.example/topic/12/a-slug", "thread", "12", None),
    ("https://f.example/forum/topic/12/a-slug/7?page=2", "thread", "12", None),
    ("https://f.example/topic/12", "thread", "12", None),
    ("https://f.example/post/3381", "thread", None, "3381"),
    ("https://f.example/forum/category/4/news?page=3", "board", None, None),
    ("https://f.example/categories", "community", None, None),
    ("https://f.example/", "community", None, None),
    ("https://f.example/api/topic/12/a-slug", "thread", "12", None),
    ("https://f.example/user/koi_keeper/topics", None, None, None),
    ("https://f.example/recent", None, None, None),
])
def test_url_shapes(url: str, kind: str | None, tid: str | None, pid: str | None) -> None:
    assert (nodebb.url_kind(url), nodebb.thread_id(url), nodebb.post_id(url)) == (kind, tid, pid)


def test_page_urls_and_clean_urls() -> None:
    topic = "https://f.example/forum/topic/12/a-slug/7?page=2#post"
    assert nodebb.thread_page_url(topic, 1) == "https://f.example/forum/topic/12/a-slug"
    assert nodebb.thread_page_url(topic, 3) == "https://f.example/forum/topic/12/a-slug?page=3"
    assert nodebb.listing_page_url("https://f.example/category/4/news?page=9", 2) == (
        "https://f.example/category/4/news?page=2")
    assert nodebb.clean_url("https://f.example/topic/12/s?page=1&lang=de#x") == (
        "https://f.example/topic/12/s")
    assert nodebb.clean_url("https://f.example/topic/12/s?_=17&page=4") == (
        "https://f.example/topic/12/s?page=4")
    with pytest.raises(ValueError, match="not a NodeBB topic URL"):
        nodebb.thread_page_url("https://f.example/recent", 2)


@pytest.mark.parametrize(("html", "api"), [
    ("https://f.example/forum/topic/12/a-slug?page=2",
     "https://f.example/forum/api/topic/12/a-slug?page=2"),
    ("https://f.example/category/4/news", "https://f.example/api/category/4/news"),
    ("https://f.example/categories", "https://f.example/api/categories"),
])
def test_api_urls_both_ways(html: str, api: str) -> None:
    assert nodebb.api_url(html) == api and nodebb.html_url(api) == html
    assert nodebb.api_url(api) is None and nodebb.html_url(html) is None


def test_api_url_of_other_pages() -> None:
    assert nodebb.api_url("https://f.example/") == "https://f.example/api/categories"
    assert nodebb.api_url("https://f.example/post/3381") is None  # a redirect: read as HTML
    assert nodebb.api_url("https://f.example/recent") is None


# --- detection -----------------------------------------------------------------------------------


def other_pages() -> list[Path]:
    return sorted(p for p in (ROOT / "fixtures").glob("*/*.html") if p.parent != FIXTURES)


def test_no_other_platform_page_is_taken_for_nodebb() -> None:
    pages = other_pages()
    assert len(pages) > 10
    for path in pages:
        assert not nodebb.detect(LexborHTMLParser(path.read_bytes()), "https://x.example/"), path


@pytest.mark.parametrize("name", sorted(n for n in MANIFEST if n.endswith(".html")))
def test_no_other_platform_claims_our_pages(name: str) -> None:
    tree = LexborHTMLParser((FIXTURES / name).read_bytes())
    assert nodebb.detect(tree, MANIFEST[name]["url"])
    assert [m.NAME for m in PLATFORMS.values() if m.detect(tree, MANIFEST[name]["url"])] == [
        "nodebb"]


def test_json_detection() -> None:
    for name in ("api_topic_p1.json", "api_category.json", "api_categories.json"):
        assert nodebb.detect_json(json.loads((FIXTURES / name).read_bytes()), "")
    others = sorted(p for p in (ROOT / "fixtures").glob("*/*.json")
                    if p.parent != FIXTURES and not p.name.endswith(".expected.json")
                    and p.name != "MANIFEST.json")
    for path in others:
        assert not nodebb.detect_json(json.loads(path.read_bytes()), ""), path
    assert not nodebb.detect_json({"post_stream": {"posts": []}, "id": 3}, "")
    assert not nodebb.detect_json([{"cid": 1}], "")


def test_a_theme_without_category_blocks_still_lists_its_categories() -> None:
    html = (b'<html><head><title>Forum</title></head><body class="page-categories '
            b'template-categories page-status-200 theme-custom"><nav><a href="/forum/recent">'
            b'Recent</a></nav><div class="grid"><a href="/forum/category/3/equipment">Equipment'
            b'</a><a href="https://elsewhere.example/category/9/x">Elsewhere</a></div>'
            b'<script id="ajaxify-data" type="application/json">{}</script></body></html>')
    page = parse(html, "https://ponds.example.org/forum/categories")
    assert [(c.external_id, c.title, c.url) for c in page.categories] == [
        ("3", "Equipment", "https://ponds.example.org/forum/category/3/equipment")]


def test_the_solved_answer_whatever_the_order_of_the_page_data() -> None:
    """The Q&A fields are read from the topic's own fields ahead of its posts, and from the
    whole decoded page data when a page puts them after the posts."""
    body = (FIXTURES / "harmony_topic_p1.html").read_bytes()
    start = body.index(b'<script id="ajaxify-data" type="application/json">') + 50
    end = body.index(b"</script>", start)
    data = json.loads(body[start:end])
    data["posts"][0]["content"] += '<p>"solvedPid":"18830"</p>'  # a decoy in a post body
    moved = {"posts": data["posts"], **{k: v for k, v in data.items() if k != "posts"}}
    url = MANIFEST["harmony_topic_p1.html"]["url"]
    for page_data in (data, moved):  # moved: the Q&A fields after the posts
        page = parse(body[:start] + json.dumps(page_data).encode() + body[end:], url)
        assert (page.thread.solved, page.thread.accepted_post_ids) == (True, ["18834"])
        assert [p.is_solution for p in page.posts] == [False, True, False]


def test_deleted_posts_are_left_out_on_both_routes() -> None:
    """A deleted post shows guests "This post is deleted!": not its text, so not archived."""
    body = (FIXTURES / "harmony_topic_p1.html").read_bytes()
    html = body.replace(b'class="pt-4   " data-index="2"', b'class="pt-4  deleted " data-index="2"')
    data = json.loads((FIXTURES / "api_topic_p1.json").read_bytes())
    data["posts"][2].update(deleted=1, content="<p>[[topic:post-is-deleted]]</p>")
    pages = [parse(html, MANIFEST["harmony_topic_p1.html"]["url"]),
             parse(json.dumps(data), MANIFEST["api_topic_p1.json"]["url"])]
    for page in pages:
        assert [p.external_id for p in page.posts] == ["18830", "18834"]
    data["posts"] = [dict(p, deleted=1) for p in data["posts"]]
    assert parse(json.dumps(data), MANIFEST["api_topic_p1.json"]["url"]).posts == []
