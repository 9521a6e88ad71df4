"""The vBulletin parser on our fixture pages: goldens, MANIFEST facts, walls, detect, URLs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.models import BlockedPage, GonePage, ListingPage, NotForumPage, ParseError, ThreadPage
from scraper.platforms import parse, vbulletin

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "vbulletin"
MANIFEST = json.loads((FIXTURES / "MANIFEST.json").read_text(encoding="utf-8"))
THREADS = sorted(n for n, e in MANIFEST.items() if e["kind"] == "thread")
LISTINGS = sorted(n for n, e in MANIFEST.items() if e["kind"] in ("board", "community"))
WALLS = sorted(n for n, e in MANIFEST.items() if e["kind"] == "wall")
CORPUS = next((p / "shared" / "corpus" for p in ROOT.parents[:2]
               if (p / "shared" / "corpus").is_dir()), ROOT / "no-corpus")


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
def test_thread_facts(name: str) -> None:
    page, fact = parsed(name), facts(name)
    assert isinstance(page, ThreadPage)
    assert page.platform == "vbulletin"
    assert page.thread.external_id == fact["thread_id"]
    assert page.thread.url == fact["thread_url"]
    assert page.thread.title == fact["title"]
    board = page.thread.board
    assert board is not None and [board.external_id, board.title, board.url] == fact["board"]
    assert page.thread.breadcrumbs[-1].title == fact["title"]
    assert [page.page.number, page.page.count, page.page.next_url, page.page.prev_url] == \
        fact["page"]
    assert page.zone_hint == fact["zone_hint"]
    assert page.thread.reply_count == fact["reply_count"]
    assert len(page.posts) == len(fact["posts"])
    for post, expected in zip(page.posts, fact["posts"], strict=True):
        assert post.external_id == expected["id"]
        assert post.position == expected["position"]
        assert post.author.name == expected["author"]
        assert post.author.external_id == expected["user_id"]
        assert post.author.rank == expected["rank"]
        assert post.posted_at == expected["posted_at"]
        if "posted_at_raw" in expected:
            assert post.posted_at_raw == expected["posted_at_raw"]
        assert post.edited_at == expected["edited_at"]
        assert post.signature == expected["signature"]
        if post.signature:
            assert post.signature not in post.body_text
        assert [[q.author_name, q.post_external_id, q.depth, q.text] for q in post.quotes] == \
            expected["quotes"]
        assert f"post{post.external_id}" in (post.url or "")
        assert "s=" not in (post.author.url or "") and "s=" not in (post.url or "")


def test_relative_dates_are_kept_with_a_warning() -> None:
    page = parsed("vb4_thread_p2.html")
    assert isinstance(page, ThreadPage)
    assert page.warnings == [
        "relative date without its exact time: 'Yesterday, 06:55 PM'",
        "relative date without its exact time: 'Today, 08:02 AM'",
    ]


def test_vb5_time_anchors_and_a_disagreeing_configured_zone() -> None:
    page = parsed("vb5_thread_p2.html")
    assert isinstance(page, ThreadPage)
    assert [(a.local, a.instant) for a in page.time_anchors] == [
        ("2024-10-08T16:14:00", "2024-10-08T21:14:09+00:00"),
        ("2024-10-09T08:02:00", "2024-10-09T13:02:51+00:00"),
    ]
    assert page.warnings == [
        "configured time zone America/New_York disagrees with the page's offset -05:00; "
        "using the page's offset"
    ]


def test_vb5_page_without_data_attributes_falls_back_to_anchors() -> None:
    html = (FIXTURES / "vb5_thread_p2.html").read_text(encoding="utf-8")
    stripped = html.replace('data-node-id="41930" ', "").replace('data-node-id="41944" ', "")
    page = parse(stripped, MANIFEST["vb5_thread_p2.html"]["url"])
    assert isinstance(page, ThreadPage)
    assert [p.external_id for p in page.posts] == ["41930", "41944"]


@pytest.mark.parametrize("name", LISTINGS)
def test_listing_facts(name: str) -> None:
    page, fact = parsed(name), facts(name)
    assert isinstance(page, ListingPage)
    assert page.kind == MANIFEST[name]["kind"]
    assert [[b.external_id, b.title] for b in page.boards] == fact["forums"]
    rows = [[t.external_id, t.title, t.reply_count, t.views, t.last_post_at_raw, t.last_post_at]
            for t in page.threads]
    assert rows == fact["threads"]
    if "board" in fact:
        assert page.board is not None
        assert [page.board.external_id, page.board.title] == fact["board"]
        assert [page.page.number, page.page.count, page.page.next_url, page.page.prev_url] == \
            fact["page"]
    assert all("s=" not in (t.url or "") for t in page.threads)


@pytest.mark.parametrize("name", WALLS)
def test_walls(name: str) -> None:
    fact = facts(name)
    error = {"BlockedPage": BlockedPage, "NotForumPage": NotForumPage,
             "GonePage": GonePage}[fact["error"]]
    with pytest.raises(error) as raised:
        parsed(name)
    assert type(raised.value) is error
    assert str(raised.value).startswith(fact["message"])


def test_detect_only_vbulletin_pages() -> None:
    for name in MANIFEST:
        tree = LexborHTMLParser((FIXTURES / name).read_bytes())
        assert vbulletin.detect(tree, MANIFEST[name]["url"]), name
    others = [p for p in (ROOT / "fixtures").glob("*/*.html") if p.parent.name != "vbulletin"]
    if CORPUS.is_dir():
        others += [p for p in CORPUS.glob("*/*.htm*") if p.parent.name != "vbulletin"]
        others += sorted(CORPUS.glob("vbulletin/sa_*.html"))  # the Something Awful fork
    assert others
    for path in others:
        tree = LexborHTMLParser(path.read_bytes())
        assert not vbulletin.detect(tree, "https://example.com/"), path


def test_other_pages_are_refused_with_a_clear_message() -> None:
    khoros = (ROOT / "fixtures" / "khoros" / "not_khoros.html").read_bytes()
    with pytest.raises(NotForumPage, match="no vBulletin markers"):
        parse(khoros, "https://example.com/showthread.php?t=1", platform="vbulletin")
    fork = b'<html><body id="something_awful"><table class="post" id="post1"></table></body></html>'
    with pytest.raises(NotForumPage, match="Something Awful"):
        parse(fork, "https://example.com/showthread.php?threadid=1", platform="vbulletin")


def test_truncated_and_hidden_markup() -> None:
    html = (FIXTURES / "vb4_thread_p1.html").read_text(encoding="utf-8")
    cut = html[: html.index('<li class="postbitlegacy')]  # the page ends before the posts
    with pytest.raises(ParseError, match="no vBulletin posts found"):
        parse(cut, MANIFEST["vb4_thread_p1.html"]["url"])
    hidden = html.replace('id="post_message_', 'id="x_message_')
    with pytest.raises(ParseError, match="without message bodies"):
        parse(hidden, MANIFEST["vb4_thread_p1.html"]["url"])


@pytest.mark.parametrize(("url", "kind", "tid", "pid"), [
    ("https://f.example/showthread.php?t=12&page=3", "thread", "12", None),
    ("https://f.example/showthread.php?threadid=12", "thread", "12", None),
    ("https://f.example/showthread.php?p=99#post99", "thread", None, "99"),
    ("https://f.example/showpost.php?p=99&postcount=4", "thread", None, "99"),
    ("https://f.example/showthread.php/12-some-title/page2", "thread", "12", None),
    ("https://f.example/showthread.php?12-some-title/page2", "thread", "12", None),
    ("https://f.example/forumdisplay.php?f=7", "board", None, None),
    ("https://f.example/index.php?s=0123456789abcdef0123456789abcdef", "community", None, None),
    ("https://f.example/index.php?topic=5.0", None, None, None),
    ("https://f.example/forum/fish/cichlids/41877-angelfish/page2", "thread", "41877", None),
    ("https://f.example/forum/fish/cichlids/41877-angelfish?p=41944#post41944", "thread", "41877",
     "41944"),
    ("https://f.example/forum/fish/cichlids", "board", None, None),
    ("https://f.example/forum/members/22-joe.html", None, None, None),
    ("https://f.example/forum/threads/kiln-shelf.123/", None, None, None),
    ("https://f.example/forum/forums/pottery.4/", None, None, None),
    ("https://f.example/forum/viewtopic.php?t=5", None, None, None),
])
def test_url_shapes(url: str, kind: str | None, tid: str | None, pid: str | None) -> None:
    assert vbulletin.url_kind(url) == kind
    assert vbulletin.thread_id(url) == tid
    assert vbulletin.post_id(url) == pid


def test_page_urls_and_session_ids() -> None:
    s = "s=0123456789abcdef0123456789abcdef"
    assert vbulletin.clean_url(f"https://f.example/showthread.php?{s}&t=12#post4") == \
        "https://f.example/showthread.php?t=12"
    assert vbulletin.clean_url("https://f.example/showthread.php?12-title/page2&" + s) == \
        "https://f.example/showthread.php?12-title/page2"
    assert vbulletin.thread_page_url(f"https://f.example/showthread.php?{s}&t=12", 3) == \
        "https://f.example/showthread.php?t=12&page=3"
    assert vbulletin.thread_page_url("https://f.example/showthread.php?t=12&page=3", 1) == \
        "https://f.example/showthread.php?t=12"
    assert vbulletin.thread_page_url("https://f.example/forum/a/b/41-x/page3", 2) == \
        "https://f.example/forum/a/b/41-x/page2"
    assert vbulletin.thread_page_url("https://f.example/forum/a/163-x.html", 2) == \
        "https://f.example/forum/a/163-x-2.html"
    assert vbulletin.listing_page_url(f"https://f.example/forumdisplay.php?{s}&f=7", 2) == \
        "https://f.example/forumdisplay.php?f=7&page=2"
    assert vbulletin.listing_page_url("https://f.example/forum/fish/page4", 1) == \
        "https://f.example/forum/fish"
