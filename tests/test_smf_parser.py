"""The SMF parser on our fixture pages (1.1, 2.0 Curve, 2.1): goldens, MANIFEST facts, walls,
detection, URLs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.models import BlockedPage, GonePage, ListingPage, NotForumPage, ThreadPage
from scraper.platforms import parse, smf

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "smf"
MANIFEST = json.loads((FIXTURES / "MANIFEST.json").read_text(encoding="utf-8"))
THREADS = sorted(n for n, e in MANIFEST.items() if e["kind"] == "thread")
LISTINGS = sorted(n for n, e in MANIFEST.items() if e["kind"] in ("board", "community"))
WALLS = sorted(n for n, e in MANIFEST.items() if e["kind"] == "wall")


def parsed(name: str) -> ThreadPage | ListingPage:
    entry = MANIFEST[name]
    return parse((FIXTURES / name).read_bytes(), entry["url"], tz=entry["tz"])


def facts(name: str) -> dict:
    return MANIFEST[name]["facts"]


@pytest.mark.parametrize("name", THREADS + LISTINGS)
def test_page_matches_its_golden(name: str) -> None:
    golden = FIXTURES / name.replace(".html", ".expected.json")
    result = parsed(name).to_dict()
    assert result == json.loads(golden.read_text(encoding="utf-8"))
    text = json.dumps(result, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    assert golden.read_text(encoding="utf-8") == text


@pytest.mark.parametrize("name", THREADS)
def test_thread_identity_and_navigation(name: str) -> None:
    page, fact = parsed(name), facts(name)
    assert isinstance(page, ThreadPage)
    assert page.canonical_url == fact["canonical_url"]
    assert page.thread.external_id == fact["thread_id"]
    assert page.thread.url == fact["thread_url"]
    assert page.thread.title == fact["title"]
    board = page.thread.board
    assert board is not None and [board.external_id, board.title, board.url] == fact["board"]
    assert [c.title for c in page.thread.breadcrumbs] == fact["breadcrumbs"]
    assert [page.page.number, page.page.count, page.page.next_url, page.page.prev_url] == [
        fact["page"][k] for k in ("number", "count", "next_url", "prev_url")
    ]
    assert page.thread.reply_count == fact["reply_count"]


@pytest.mark.parametrize("name", THREADS)
def test_thread_posts_match_the_facts(name: str) -> None:
    page, fact = parsed(name), facts(name)
    assert isinstance(page, ThreadPage)
    posts = page.posts
    assert [p.external_id for p in posts] == fact["uids"]
    assert [p.position for p in posts] == fact["positions"]
    assert [p.author.name for p in posts] == fact["authors"]
    assert [p.author.external_id for p in posts] == fact["author_ids"]
    assert [p.author.rank for p in posts] == fact["ranks"]
    assert [p.posted_at for p in posts] == fact["posted_at"]
    assert [p.edited_at for p in posts] == fact["edited_at"]
    assert [p.signature for p in posts] == fact["signatures"]
    assert [p.score for p in posts] == fact["scores"]
    assert [[[q.author_name, q.post_external_id, q.depth, q.text] for q in p.quotes]
            for p in posts] == fact["quotes"]
    assert posts[-1].body_text == fact["last_body_text"]
    for post in posts:  # permalinks, no session id, no signature in the body
        assert post.url.endswith(f".msg{post.external_id}#msg{post.external_id}")
        assert "PHPSESSID" not in post.url
        assert post.signature is None or post.signature not in post.body_text


@pytest.mark.parametrize("name", ["smf20_board_index.html", "smf11_board_index.html"])
def test_board_index_lists_every_board_with_clean_urls(name: str) -> None:
    page, fact = parsed(name), facts(name)
    assert isinstance(page, ListingPage) and page.kind == "community"
    assert [[b.external_id, b.title] for b in page.boards] == fact["boards"]
    assert page.boards[2].url == fact["board_url_3"]
    assert page.threads == fact["threads"]


@pytest.mark.parametrize(
    "name", ["smf20_message_index.html", "smf11_message_index.html", "smf21_message_index.html"]
)
def test_message_index_lists_topics_stickies_child_boards_and_pages(name: str) -> None:
    page, fact = parsed(name), facts(name)
    assert isinstance(page, ListingPage) and page.kind == "board"
    assert page.board is not None
    assert [page.board.external_id, page.board.title, page.board.url] == fact["board"]
    assert [[b.external_id, b.title] for b in page.boards] == fact["boards"]
    assert [page.page.number, page.page.count, page.page.next_url, page.page.prev_url] == [
        fact["page"][k] for k in ("number", "count", "next_url", "prev_url")
    ]
    assert [[t.external_id, t.title, t.reply_count, t.views, t.last_post_at_raw]
            for t in page.threads] == fact["threads"]
    assert [t.author.name if t.author else None for t in page.threads] == fact["starters"]
    assert [t.last_post_at for t in page.threads] == fact["last_post_at"]
    assert all(t.url == f"{page.url.split('?')[0]}?topic={t.external_id}.0" for t in page.threads)


@pytest.mark.parametrize("name", WALLS)
def test_walls_are_blocked_with_the_forums_own_message(name: str) -> None:
    """A wall is blocked; a topic the forum says does not exist is gone (a soft 404)."""
    with pytest.raises((BlockedPage, GonePage)) as caught:
        parsed(name)
    assert type(caught.value).__name__ == facts(name)["error"]
    assert str(caught.value) == facts(name)["message"]


def test_relative_dates_resolve_against_the_page_clock() -> None:
    page = parsed("smf11_thread.html")  # the header shows June 14, 2008, 09:05:44 PM
    assert [p.posted_at_raw for p in page.posts[1:]] == [
        "Yesterday at 11:50:02 PM", "Today at 08:02:30 AM"
    ]
    assert [p.posted_at for p in page.posts[1:]] == ["2008-06-13T23:50:02", "2008-06-14T08:02:30"]


def test_relative_date_without_a_page_clock_is_kept_naive_with_a_warning() -> None:
    page = parsed("smf21_thread_p2.html")
    assert page.posts[1].posted_at is None
    assert "relative date without its exact time: 'Today at 06:55:00 PM'" in page.warnings


def test_configured_zone_gives_utc_instants() -> None:
    page = parsed("smf20_curve_thread_p2.html")  # Europe/Oslo, winter: UTC+01:00
    assert page.posts[0].posted_at == "2013-03-09T22:58:00+00:00"
    assert "time zone unknown: dates are local times without offset" not in page.warnings


def test_templated_blocks_without_message_ids_are_not_posts() -> None:
    html = (FIXTURES / "smf11_thread.html").read_text(encoding="utf-8")
    copy = html.replace('id="subject_1410"', "").replace('name="msg1410"', 'name="msg999"')
    page = parse(copy, MANIFEST["smf11_thread.html"]["url"])
    assert [p.external_id for p in page.posts] == ["1402", "1413"]


def test_page_without_posts_names_what_is_missing() -> None:
    html = (FIXTURES / "smf20_curve_thread_p1.html").read_text(encoding="utf-8")
    start, end = html.index('<div id="forumposts">'), html.index('<a id="lastPost">')
    with pytest.raises(BlockedPage, match=r"no SMF posts found \(no subject_M or msg_M ids\)"):
        parse(html[:start] + html[end:], "https://radios.example.org/forum/index.php?topic=512.0")


def test_other_platforms_pages_are_not_smf() -> None:
    for path in sorted((ROOT / "fixtures").glob("*/*.html")):
        if path.parent.name != "smf":
            tree = LexborHTMLParser(path.read_bytes())
            assert not smf.detect(tree, "https://example.com/"), path.name
    page = (ROOT / "fixtures" / "khoros" / "not_khoros.html").read_bytes()
    with pytest.raises(NotForumPage, match="not an SMF page"):
        parse(page, "https://example.com/index.php?topic=1.0", platform="smf")


@pytest.mark.parametrize("name", THREADS + LISTINGS + WALLS)
def test_every_fixture_is_detected(name: str) -> None:
    tree = LexborHTMLParser((FIXTURES / name).read_bytes())
    assert smf.detect(tree, MANIFEST[name]["url"])


@pytest.mark.parametrize(("url", "kind"), [
    ("https://f.example/index.php?topic=12.30", "thread"),
    ("https://f.example/index.php?topic=12.msg45#msg45", "thread"),
    ("https://f.example/index.php/topic,12.0.html", "thread"),
    ("https://f.example/index.php?PHPSESSID=ab12;topic=12.0", "thread"),
    ("https://f.example/index.php?msg=45", "thread"),
    ("https://f.example/index.php?board=4.0", "board"),
    ("https://f.example/index.php/board,4.20.html", "board"),
    ("https://f.example/index.php", "community"),
    ("https://f.example/index.php?PHPSESSID=ab12", "community"),
    ("https://f.example/", "community"),
    ("https://f.example/about/team.html", None),
    ("https://f.example/index.php/about,1.html", None),
    ("https://f.example/index.php?action=profile;u=3", None),
    ("https://f.example/index.php?action=printpage;topic=12.0", None),
])
def test_url_kind(url: str, kind: str | None) -> None:
    assert smf.url_kind(url) == kind


def test_ids_page_urls_and_session_stripping() -> None:
    assert smf.thread_id("https://f.example/index.php/topic,12.30.html") == "12"
    assert smf.post_id("https://f.example/index.php?topic=12.msg45#msg45") == "45"
    assert smf.post_id("https://f.example/index.php?topic=12.0") is None
    assert smf.post_id("https://f.example/index.php?msg=45") == "45"
    assert smf.thread_id("https://f.example/index.php?msg=45") is None
    assert smf.thread_page_url("https://f.example/index.php/topic,12.0.html", 3) == (
        "https://f.example/index.php?topic=12.30"
    )
    assert smf.listing_page_url("https://f.example/index.php?board=4.0", 2) == (
        "https://f.example/index.php?board=4.20"
    )
    assert [smf.clean_url(u) for u in (
        "https://f.example/index.php?PHPSESSID=ab12;topic=12.0",
        "https://f.example/index.php?PHPSESSID=ab12&topic=12.0#msg3",
        "https://f.example/index.php?topic=12.0;PHPSESSID=ab12",
        "https://f.example/index.php/topic,12.0.html?PHPSESSID=ab12",
        "https://f.example/index.php?action=profile;u=3;PHPSESSID=ab12;sa=summary",
    )] == [
        "https://f.example/index.php?topic=12.0",
        "https://f.example/index.php?topic=12.0",
        "https://f.example/index.php?topic=12.0",
        "https://f.example/index.php/topic,12.0.html",
        "https://f.example/index.php?action=profile;u=3;sa=summary",
    ]
