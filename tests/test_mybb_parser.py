"""The MyBB parser on our fixtures: goldens, hand-written facts, walls, detection, URLs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.models import BlockedPage, GonePage, ListingPage, NotForumPage, ParseError, ThreadPage
from scraper.platforms import mybb, parse
from tests.update_goldens import golden_text

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "mybb"
MANIFEST = json.loads((FIXTURES / "MANIFEST.json").read_text(encoding="utf-8"))
THREADS = [n for n, e in MANIFEST.items() if e["kind"] == "thread"]
LISTINGS = [n for n, e in MANIFEST.items() if e["kind"] in ("board", "category", "community")]
WALLS = [n for n, e in MANIFEST.items() if "error" in e["facts"]]
ERRORS = {"BlockedPage": BlockedPage, "NotForumPage": NotForumPage, "GonePage": GonePage}


def parsed(name: str) -> ThreadPage | ListingPage:
    entry = MANIFEST[name]
    return parse((FIXTURES / name).read_bytes(), entry["url"], tz=entry["tz"])


@pytest.mark.parametrize("name", THREADS + LISTINGS)
def test_golden(name: str) -> None:
    golden = FIXTURES / (name.rsplit(".", 1)[0] + ".expected.json")
    assert golden_text(parsed(name)) == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", THREADS)
def test_thread_facts(name: str) -> None:
    page, fact = parsed(name), MANIFEST[name]["facts"]
    assert isinstance(page, ThreadPage)
    assert page.thread.external_id == fact["thread_id"]
    assert page.thread.title == fact["title"]
    assert page.thread.url == fact["thread_url"]
    board = page.thread.board
    assert [board.external_id, board.title, board.url] == fact["board"]
    info = page.page
    assert [info.number, info.count, info.next_url, info.prev_url] == fact["page"]
    posts = page.posts
    assert [p.external_id for p in posts] == fact["uids"]
    assert [p.position for p in posts] == fact["positions"]
    assert [p.title for p in posts] == fact["titles"]
    assert [p.author.name for p in posts] == fact["authors"]
    assert [p.author.external_id for p in posts] == fact["author_ids"]
    assert [p.author.rank for p in posts] == fact["ranks"]
    assert [p.posted_at for p in posts] == fact["posted_at"]
    assert {p.external_id: p.edited_at for p in posts if p.edited_at} == fact["edited"]
    assert {p.external_id: p.signature for p in posts if p.signature} == fact["signatures"]
    quotes = [[p.external_id, q.depth, q.author_name, q.post_external_id, " ".join(q.text.split())]
              for p in posts for q in p.quotes]
    assert quotes == fact["quotes"]
    for post in posts:
        assert post.body_text and post.body_html
        if post.signature:
            assert post.signature not in post.body_text
        assert "float_right" not in post.body_html


def test_zone_given_turns_local_times_into_utc_and_no_zone_warns() -> None:
    assert parsed("default_thread_p2.html").warnings == []
    assert parsed("default_thread_p1.html").warnings == [
        "time zone unknown: dates are local times without offset"
    ]


def test_relative_dates_use_the_exact_date_in_the_title() -> None:
    posts = parsed("default_thread_p1.html").posts
    assert posts[1].posted_at_raw == "03-16-2024, 11:52 PM"  # "Yesterday, 11:52 PM"
    assert posts[2].posted_at_raw == "03-17-2024, 09:15 AM"  # "2 hours ago"


def test_today_without_a_title_is_read_against_the_current_time() -> None:
    html = (FIXTURES / "default_thread_p1.html").read_text(encoding="utf-8").replace(
        '<span title="03-16-2024">Yesterday</span>, 11:52 PM', "Yesterday, 11:52 PM")
    page = parse(html, MANIFEST["default_thread_p1.html"]["url"])
    assert page.posts[1].posted_at == "2024-03-16T23:52:00"


@pytest.mark.parametrize("name", LISTINGS)
def test_listing_facts(name: str) -> None:
    page, fact = parsed(name), MANIFEST[name]["facts"]
    assert isinstance(page, ListingPage)
    assert page.kind == MANIFEST[name]["kind"]
    assert [b.external_id for b in page.boards] == fact["board_ids"]
    assert [c.external_id for c in page.categories] == fact["category_ids"]
    rows = [[t.external_id, t.title, t.reply_count, t.views, t.last_post_at_raw]
            for t in page.threads]
    assert rows == fact["threads"]
    if "board" in fact:
        assert [page.board.external_id, page.board.title, page.board.url] == fact["board"]
        info = page.page
        assert [info.number, info.count, info.next_url, info.prev_url] == fact["page"]


@pytest.mark.parametrize("name", WALLS)
def test_walls(name: str) -> None:
    fact = MANIFEST[name]["facts"]
    with pytest.raises(ERRORS[fact["error"]]) as caught:
        parsed(name)
    assert type(caught.value) is ERRORS[fact["error"]]
    assert fact["message"] in str(caught.value)


def test_guest_wall_is_a_login_wall_and_a_forum_wall_too() -> None:
    body = (FIXTURES / "no_permission_guest.html").read_bytes()
    for url in ("https://trains.example.org/forum/showthread.php?tid=433",
                "https://trains.example.org/forum/forumdisplay.php?fid=9"):
        with pytest.raises(BlockedPage, match="^login wall"):
            parse(body, url)


def test_a_theme_without_post_markup_names_what_was_looked_for() -> None:
    html = (FIXTURES / "default_thread_p1.html").read_text(encoding="utf-8")
    html = html.replace('id="post_', 'id="entry_').replace('id="pid_', 'id="msg_')
    with pytest.raises(ParseError, match=r"no posts found on a MyBB thread page \(looked for"):
        parse(html, MANIFEST["default_thread_p1.html"]["url"])


def test_a_page_of_another_platform_is_refused() -> None:
    with pytest.raises(NotForumPage, match="not a MyBB page"):
        parse("<html><head><title>Hello</title></head><body><p>hi</p></body></html>",
              "https://example.org/showthread.php?tid=3", platform="mybb")


def test_detect_is_specific() -> None:
    others = [p for p in (ROOT / "fixtures").glob("*/*.html") if p.parent.name != "mybb"]
    corpus = ROOT.parent.parent / "shared" / "corpus"
    others += [p for p in corpus.glob("*/*.html") if p.parent.name != "mybb"]
    assert others
    for path in others:
        assert not mybb.detect(LexborHTMLParser(path.read_bytes()), "https://x.example/"), path
    for name in MANIFEST:
        assert mybb.detect(LexborHTMLParser((FIXTURES / name).read_bytes()), "https://x/")


@pytest.mark.parametrize(("url", "kind", "tid", "pid"), [
    ("https://b.example/showthread.php?tid=12&page=3", "thread", "12", None),
    ("https://b.example/showthread.php?tid=12&pid=40#pid40", "thread", "12", "40"),
    ("https://b.example/showthread.php?pid=40", "thread", None, "40"),
    ("https://b.example/thread-12-page-2.html", "thread", "12", None),
    ("https://b.example/thread-12-post-40.html#pid40", "thread", "12", "40"),
    ("https://b.example/post-40.html", "thread", None, "40"),
    ("https://b.example/Thread-Some-Slug?page=2", "thread", None, None),
    ("https://b.example/forumdisplay.php?fid=4&page=2", "board", None, None),
    ("https://b.example/forum-4-page-2.html", "board", None, None),
    ("https://b.example/Forum-General", "board", None, None),
    ("https://b.example/index.php", "community", None, None),
    ("https://b.example/", "community", None, None),
    ("https://b.example/member.php?action=profile&uid=3", None, None, None),
])
def test_url_shapes(url: str, kind: str | None, tid: str | None, pid: str | None) -> None:
    assert mybb.url_kind(url) == kind
    assert mybb.thread_id(url) == tid
    assert mybb.post_id(url) == pid


def test_page_urls_keep_the_url_style() -> None:
    assert mybb.thread_page_url("https://b.example/showthread.php?tid=12&pid=4", 3) == (
        "https://b.example/showthread.php?tid=12&page=3")
    assert mybb.thread_page_url("https://b.example/thread-12-page-4.html", 1) == (
        "https://b.example/thread-12.html")
    assert mybb.thread_page_url("https://b.example/Thread-Slug?page=4", 2) == (
        "https://b.example/Thread-Slug?page=2")
    assert mybb.listing_page_url("https://b.example/forum-4.html", 5) == (
        "https://b.example/forum-4-page-5.html")
    assert mybb.listing_page_url("https://b.example/forumdisplay.php?fid=4&page=2", 1) == (
        "https://b.example/forumdisplay.php?fid=4")
    assert mybb.clean_url("https://b.example/showthread.php?tid=1&sid=abc&page=2#pid3") == (
        "https://b.example/showthread.php?tid=1&page=2")


def test_yesterday_is_read_against_the_current_time_of_a_16_footer() -> None:
    page = parsed("table_thread.html")
    assert page.posts[1].posted_at_raw == "Yesterday, 09:02 AM"
    assert page.posts[1].posted_at == "2011-07-23T09:02:00"  # "Current time: 07-24-2011, …"


def test_relative_date_without_an_anchor_is_kept_with_a_warning() -> None:
    html = (FIXTURES / "table_thread.html").read_text(encoding="utf-8")
    html = html.replace("Current time: 07-24-2011, 10:05 AM<br />", "")
    page = parse(html, MANIFEST["table_thread.html"]["url"])
    assert page.posts[1].posted_at_raw == "Yesterday, 09:02 AM"
    assert page.posts[1].posted_at is None
    assert "relative date without its exact time: 'Yesterday, 09:02 AM'" in page.warnings


@pytest.mark.parametrize("name", ["default_thread_p1.html", "forumdisplay_p2.html"])
def test_a_page_cut_short_is_refused(name: str) -> None:
    body = (FIXTURES / name).read_bytes()
    cut = body[: body.index(b"<!-- start: footer -->")]
    with pytest.raises(ParseError, match=r"^truncated MyBB page: no footer"):
        parse(cut, MANIFEST[name]["url"])


def test_archive_mode_pages_are_refused_with_the_reason() -> None:
    html = ('<html><head><title>Ballast glue</title></head><body><div id="navigation">'
            '<a href="../index.php">Board</a></div><div class="post"><div class="header">'
            '<div class="author"><h2>tomas_b</h2></div><div class="dateline">03-17-2024</div>'
            '</div><div class="message">Hello</div></div></body></html>')
    with pytest.raises(NotForumPage, match="archive"):
        parse(html, "https://trains.example.org/forum/archive/index.php?thread-412.html",
              platform="mybb")
