"""The XenForo parser on our fixture pages (XF1 and XF2): goldens, MANIFEST facts, walls, URLs,
detection against other platforms' pages, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.models import BlockedPage, ListingPage, NotForumPage, ParseError, ThreadPage
from scraper.platforms import parse, xenforo

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "xenforo"
MANIFEST = json.loads((FIXTURES / "MANIFEST.json").read_text(encoding="utf-8"))
THREADS = sorted(n for n, e in MANIFEST.items() if e["kind"] == "thread")
LISTINGS = sorted(n for n, e in MANIFEST.items() if e["kind"] in ("board", "community"))
WALLS = sorted(n for n, e in MANIFEST.items() if e["kind"] == "wall")
CORPUS = ROOT.parent / "shared" / "corpus"


def parsed(name: str) -> ThreadPage | ListingPage:
    entry = MANIFEST[name]
    return parse((FIXTURES / name).read_bytes(), entry["url"], tz=entry["tz"])


def utc(iso: str | None) -> str | None:
    """The instant of an ISO time with offset, in UTC as the parser writes it (naive: as is)."""
    if iso is None or "+" not in iso[10:]:
        return iso
    return datetime.fromisoformat(iso).astimezone(UTC).isoformat()


# --- goldens -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", THREADS + LISTINGS)
def test_page_matches_its_golden(name: str) -> None:
    golden = FIXTURES / name.replace(".html", ".expected.json")
    result = parsed(name).to_dict()
    assert result == json.loads(golden.read_text(encoding="utf-8"))
    text = json.dumps(result, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    assert golden.read_text(encoding="utf-8") == text


# --- thread pages against the MANIFEST facts ------------------------------------------------------


@pytest.mark.parametrize("name", THREADS)
def test_thread_facts(name: str) -> None:
    page, fact = parsed(name), MANIFEST[name]["facts"]
    assert isinstance(page, ThreadPage)
    assert page.platform == "xenforo"
    assert page.thread.external_id == fact["thread_id"]
    assert page.thread.title == fact["title"]
    board = page.thread.board
    assert board is not None and [board.external_id, board.title, board.url] == fact["board"]
    info = page.page
    assert [info.number, info.count, info.next_url, info.prev_url] == fact["page"]
    assert [p.external_id for p in page.posts] == fact["ids"]
    assert [p.position for p in page.posts] == fact["positions"]
    assert [p.author.name for p in page.posts] == fact["authors"]
    assert [p.author.external_id for p in page.posts] == fact["user_ids"]
    assert [p.posted_at for p in page.posts] == [utc(t) for t in fact["posted"]]
    assert [p.edited_at for p in page.posts] == [utc(t) for t in fact["edited"]]
    assert [p.score for p in page.posts] == fact["scores"]
    assert [p.signature for p in page.posts] == fact["signatures"]
    quotes = [[[q.author_name, q.post_external_id, q.depth] for q in p.quotes] for p in page.posts]
    assert quotes == fact["quotes"]


@pytest.mark.parametrize("name", THREADS)
def test_bodies_have_no_chrome_or_signature(name: str) -> None:
    page = parsed(name)
    assert isinstance(page, ThreadPage)
    for post in page.posts:
        assert post.body_text
        assert "Click to expand" not in post.body_text + post.body_html
        assert "↑" not in post.body_text
        if post.signature:
            assert post.signature not in post.body_text


def test_quote_texts_leave_out_headers_and_nested_quotes() -> None:
    page = parsed("xf2_thread_p1.html")
    outer, inner = page.posts[2].quotes
    assert outer.text == "Not at all."
    assert inner.text == "Is it dying?"
    assert page.posts[2].body_text.endswith("and keep it a little warmer. Mine perked up at 26°C.")


def test_accepted_answer_copy_above_the_thread_is_not_a_post() -> None:
    html = (FIXTURES / "xf2_thread_p1.html").read_text(encoding="utf-8")
    start = html.index('<article class="message message--post js-post js-inlineModContainer  "\n'
                       '\t\tdata-author="Levain Larry"')
    end = html.index("</article>", html.index('data-content="post-88131"'))
    answer = html[start:end + len("</article>")].replace("message--post", "message--post "
                                                          "message--solution", 1)
    copy = ('<div class="block block--solution" id="js-solutionHighlightBlock">'
            '<div class="block-container"><h3 class="block-minorHeader">Solution</h3>'
            f'<div class="block-body">{answer}</div></div></div>')
    marked = html.replace(html[start:end], answer[: -len("</article>")])
    marked = marked.replace('<div class="block block--messages"', copy + '<div class="block '
                            'block--messages"', 1)
    page = parse(marked, MANIFEST["xf2_thread_p1.html"]["url"])
    assert [p.external_id for p in page.posts] == ["88120", "88131", "88140"]
    assert [p.position for p in page.posts] == [1, 2, 3]
    assert [p.is_solution for p in page.posts] == [False, True, False]
    assert (page.thread.solved, page.thread.accepted_post_ids) == (True, ["88131"])


def test_times_carry_their_instants_as_anchors() -> None:
    page = parsed("xf2_thread_p1.html")
    assert page.warnings == []
    assert [(a.local, a.instant) for a in page.time_anchors][:2] == [
        ("2021-03-14T09:05:11", "2021-03-14T08:05:11+00:00"),
        ("2021-03-14T10:47:02", "2021-03-14T09:47:02+00:00"),
    ]


def test_xf1_relative_dates_resolve_from_data_time() -> None:
    page = parsed("xf1_thread_p2.html")
    assert [p.posted_at_raw for p in page.posts] == ["1479042000", "1479071700"]
    assert page.time_anchors[0].local == "2016-11-13T14:00:00"
    assert page.warnings == []


def test_xf1_dates_without_instants_stay_local_with_a_warning() -> None:
    page = parsed("xf1_thread_p1.html")
    assert page.time_anchors == []
    assert page.warnings == ["time zone unknown: dates are local times without offset"]
    assert page.posts[0].posted_at_raw == "Nov 3, 2016 at 6:40 PM"


def test_xf1_links_resolve_against_the_base_href() -> None:
    page = parsed("xf1_thread_p1.html")
    assert page.posts[0].author.url == "https://radio.example.net/forum/members/marconi-fan.77/"
    assert page.posts[0].url == "https://radio.example.net/forum/posts/30511/"


# --- listings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["xf2_forum_view.html", "xf1_forum_view.html"])
def test_forum_view_facts(name: str) -> None:
    page, fact = parsed(name), MANIFEST[name]["facts"]
    assert isinstance(page, ListingPage) and page.kind == "board"
    assert page.board is not None and [page.board.external_id, page.board.title] == fact["board"]
    assert [[b.external_id, b.title] for b in page.boards] == fact["boards"]
    rows = [[t.external_id, t.reply_count, t.author.name if t.author else None]
            for t in page.threads]
    assert rows == fact["threads"]
    assert [t.views for t in page.threads] == fact["views"]
    assert [t.last_post_at for t in page.threads] == [utc(t) for t in fact["last_post"]]
    assert all(t.last_post_at_raw for t in page.threads)
    info = page.page
    assert [info.number, info.count, info.next_url, info.prev_url] == fact["page"]
    for thread in page.threads:
        assert xenforo.thread_id(thread.url) == thread.external_id


EMPTY_FORUM = """<!DOCTYPE html><html id="XF" data-template="forum_view" class="has-no-js">
<head><title>Quiet Corner | Hearth &amp; Crumb</title></head><body>
<div class="p-body-header"><h1 class="p-title-value">Quiet Corner</h1></div>
<div class="p-body-pageContent"><div class="block-container"><div class="block-body">
<div class="structItemContainer"><div class="structItem structItem--note">
<div class="structItem-cell">There are no threads in this forum.</div></div></div>
</div></div></div></body></html>"""


def test_empty_forum_is_an_empty_listing_not_an_error() -> None:
    page = parse(EMPTY_FORUM, "https://bakers.example.org/community/forums/quiet-corner.40/")
    assert isinstance(page, ListingPage)
    assert (page.kind, page.threads, page.boards) == ("board", [], [])
    assert page.board is not None and (page.board.external_id, page.board.title) == (
        "40", "Quiet Corner")


def test_forum_without_thread_list_is_an_error() -> None:
    html = (FIXTURES / "xf2_forum_view.html").read_text(encoding="utf-8")
    for marker in ("structItem", "node-title"):
        html = html.replace(marker, "gone")
    with pytest.raises(ParseError, match="XenForo page without threads"):
        parse(html, MANIFEST["xf2_forum_view.html"]["url"])


def test_forum_index_lists_categories_and_forums() -> None:
    page, fact = parsed("xf2_forum_index.html"), MANIFEST["xf2_forum_index.html"]["facts"]
    assert isinstance(page, ListingPage) and page.kind == "community"
    assert [[c.external_id, c.title] for c in page.categories] == fact["categories"]
    assert [[b.external_id, b.title] for b in page.boards] == fact["boards"]
    assert page.threads == []


# --- walls and bad input -------------------------------------------------------------------------


@pytest.mark.parametrize("name", WALLS)
def test_walls_name_the_platform_message(name: str) -> None:
    fact = MANIFEST[name]["facts"]
    with pytest.raises(ParseError) as caught:
        parsed(name)
    assert type(caught.value).__name__ == fact["error"]
    assert fact["message"] in str(caught.value)


def test_login_wall_is_reported_as_login() -> None:
    with pytest.raises(BlockedPage, match="^login wall instead of posts: You must be logged-in"):
        parsed("xf2_login_wall.html")


def test_theme_without_post_markup_says_what_was_missing() -> None:
    html = (FIXTURES / "xf2_thread_p1.html").read_text(encoding="utf-8")
    hidden = html.replace("message--post", "message--hidden")
    with pytest.raises(ParseError) as caught:
        parse(hidden, MANIFEST["xf2_thread_p1.html"]["url"])
    assert not isinstance(caught.value, BlockedPage)
    assert "without posts" in str(caught.value) and "thread_view" in str(caught.value)


def test_truncated_page_keeps_the_posts_it_has() -> None:
    html = (FIXTURES / "xf2_thread_p1.html").read_bytes()
    cut = html[: html.index(b'data-content="post-88140"')]
    page = parse(cut, MANIFEST["xf2_thread_p1.html"]["url"])
    assert [p.external_id for p in page.posts] == ["88120", "88131"]


def test_other_page_is_not_xenforo() -> None:
    with pytest.raises(NotForumPage, match="not a XenForo page"):
        parse("<html><head><title>Hi</title></head><body><p>x</p></body></html>",
              "https://example.org/threads/x.1/", platform="xenforo")


# --- URLs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "kind"), [
    ("https://h.example/community/threads/a-b.123/", "thread"),
    ("https://h.example/threads/a-b.123/page-4", "thread"),
    ("https://h.example/threads/123/", "thread"),
    ("https://h.example/posts/987/", "thread"),
    ("https://h.example/goto/post?id=987", "thread"),
    ("https://h.example/index.php?threads/a-b.123/", "thread"),
    ("https://h.example/forums/bread.12/", "board"),
    ("https://h.example/forums/bread.12/page-3", "board"),
    ("https://h.example/categories/baking.3/", "category"),
    ("https://h.example/", "community"),
    ("https://h.example/members/x.5/", None),
    ("https://h.example/t5/board/td-p/123", None),
])
def test_url_kind(url: str, kind: str | None) -> None:
    assert xenforo.url_kind(url) == kind


def test_ids_and_page_urls() -> None:
    thread = "https://h.example/community/threads/a-b.123/page-4?foo=1#post-9"
    assert xenforo.thread_id(thread) == "123"
    assert xenforo.thread_id("https://h.example/posts/987/") is None
    assert xenforo.post_id("https://h.example/posts/987/") == "987"
    assert xenforo.post_id("https://h.example/goto/post?id=55#post-55") == "55"
    assert xenforo.post_id("https://h.example/threads/a.1/post-77") == "77"
    assert xenforo.thread_page_url(thread, 1) == "https://h.example/community/threads/a-b.123/"
    assert xenforo.thread_page_url(thread, 3) == (
        "https://h.example/community/threads/a-b.123/page-3")
    assert xenforo.thread_page_url("https://h.example/index.php?threads/a.5/page-2", 3) == (
        "https://h.example/index.php?threads/a.5/page-3")
    assert xenforo.listing_page_url("https://h.example/forums/b.12/page-9", 2) == (
        "https://h.example/forums/b.12/page-2")
    assert xenforo.clean_url("https://h.example/threads/a.1/?s=abc&x=1#post-3") == (
        "https://h.example/threads/a.1/?x=1")


# --- detection -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_detects_every_fixture(name: str) -> None:
    tree = LexborHTMLParser((FIXTURES / name).read_bytes())
    assert xenforo.detect(tree, MANIFEST[name]["url"])


def _other_pages() -> list[Path]:
    pages = [p for p in (ROOT / "fixtures").glob("*/*.html") if p.parent.name != "xenforo"]
    if CORPUS.is_dir():
        pages += [p for p in CORPUS.glob("*/*.html") if p.parent.name != "xenforo"]
    return sorted(pages)


@pytest.mark.parametrize("path", _other_pages(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_other_platforms_are_not_detected(path: Path) -> None:
    tree = LexborHTMLParser(path.read_bytes())
    assert not xenforo.detect(tree, "https://example.org/")
