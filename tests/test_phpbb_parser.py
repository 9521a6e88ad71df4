"""The phpBB parser on our fixture pages (prosilver 3.3 and 3.0, subsilver2): goldens, the
MANIFEST facts written by hand, walls, detection and URL shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.models import BlockedPage, ListingPage, NotForumPage, ParseError, ThreadPage
from scraper.platforms import parse, phpbb

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "phpbb"
MANIFEST = json.loads((FIXTURES / "MANIFEST.json").read_text(encoding="utf-8"))
THREADS = sorted(n for n, e in MANIFEST.items() if e["kind"] == "thread")
LISTINGS = sorted(n for n, e in MANIFEST.items() if e["kind"] in ("board", "community"))
WALLS = sorted(n for n, e in MANIFEST.items() if e["kind"] == "wall")
SID = "5f0c2e9a7b1d4c3e8f6a2b9d0e1c7a44"


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
def test_thread_identity_and_pages(name: str) -> None:
    page, fact = parsed(name), facts(name)
    assert isinstance(page, ThreadPage)
    assert page.canonical_url == fact["canonical_url"]
    assert page.thread.external_id == fact["thread_id"]
    assert page.thread.url == fact["thread_url"]
    assert page.thread.title == fact["title"]
    board = page.thread.board
    assert [board.external_id, board.title, board.url] == fact["board"]
    assert [c.title for c in page.thread.breadcrumbs] == fact["crumbs"]
    assert page.thread.reply_count == fact["reply_count"]
    info = page.page
    assert [info.number, info.count, info.next_url, info.prev_url] == fact["page"]
    assert page.zone_hint == fact["zone_hint"]
    assert len(page.time_anchors) == fact["anchors"]
    assert page.warnings == []


@pytest.mark.parametrize("name", THREADS)
def test_thread_posts(name: str) -> None:
    page, fact = parsed(name), facts(name)
    assert [p.external_id for p in page.posts] == [p["id"] for p in fact["posts"]]
    for post, expected in zip(page.posts, fact["posts"], strict=True):
        assert post.position == expected["position"]
        assert post.url == f"{fact['thread_url'].split('?')[0]}?p={post.external_id}" \
            f"#p{post.external_id}"
        assert post.author.name == expected["author"]
        assert post.author.external_id == expected["author_id"]
        assert post.author.rank == expected["rank"]
        assert post.posted_at == expected["posted_at"]
        assert post.edited_at == expected["edited_at"]
        assert post.signature == expected["signature"]
        assert [[q.author_name, q.post_external_id, q.depth, q.text] for q in post.quotes] == \
            expected["quotes"]
        assert "sid=" not in post.body_html
        if expected["signature"]:
            assert expected["signature"].split("\n")[0] not in post.body_text
        if "text_has" in expected:
            assert expected["text_has"] in post.body_text
            assert expected["text_lacks"] not in post.body_text


def test_time_anchors_pair_the_shown_time_with_its_instant() -> None:
    page = parsed("prosilver33_topic_p2.html")
    # The board is in Europe/Berlin: +01:00 before 31 March 2024, +02:00 after.
    assert [(a.local, a.instant) for a in page.time_anchors] == [
        ("2024-03-09T17:02:00", "2024-03-09T16:02:45+00:00"),
        ("2024-03-31T00:30:00", "2024-03-30T23:30:00+00:00"),
        ("2024-04-02T09:05:00", "2024-04-02T07:05:00+00:00"),
    ]


@pytest.mark.parametrize("name", LISTINGS)
def test_listing_facts(name: str) -> None:
    page, fact = parsed(name), facts(name)
    assert isinstance(page, ListingPage)
    assert page.kind == MANIFEST[name]["kind"]
    assert [[c.external_id, c.title] for c in page.categories] == fact["categories"]
    assert [[b.external_id, b.title] for b in page.boards] == fact["boards"]
    assert [[t.external_id, t.title, t.reply_count, t.last_post_at_raw, t.author.name]
            for t in page.threads] == fact["threads"]
    assert page.page.next_url == fact["next_url"]
    assert page.zone_hint == fact["zone_hint"]
    if "last_post_at" in fact:  # shown times read in the stated zone ("UTC - 5 hours [ DST ]")
        assert [t.last_post_at for t in page.threads] == fact["last_post_at"]
    if "board" in fact:
        assert [page.board.external_id, page.board.title, page.board.url] == fact["board"]
    for url in [b.url for b in page.boards + page.categories] + [t.url for t in page.threads]:
        assert "sid=" not in url


def test_a_login_form_beside_the_forums_is_no_wall() -> None:
    tree = LexborHTMLParser((FIXTURES / "prosilver33_index.html").read_bytes())
    assert tree.css_first("input[type=password]") is not None
    assert isinstance(parsed("prosilver33_index.html"), ListingPage)


@pytest.mark.parametrize("name", WALLS)
def test_walls_name_the_boards_message(name: str) -> None:
    fact = facts(name)
    with pytest.raises(ParseError) as raised:
        parsed(name)
    assert type(raised.value).__name__ == fact["error"]
    assert str(raised.value) == fact["message"]


def test_a_topic_page_without_posts_or_message_is_an_error() -> None:
    html = (FIXTURES / "prosilver33_not_found.html").read_text(encoding="utf-8")
    html = html.replace("The requested topic does not exist.", "")
    html = html.replace('<div class="panel" id="message">', '<div class="panel">')
    with pytest.raises(ParseError, match=r"no posts found on a phpBB page") as raised:
        parse(html, "https://lathes.example.org/forum/viewtopic.php?t=1")
    assert not isinstance(raised.value, BlockedPage | NotForumPage)


def test_detect_is_specific() -> None:
    for path in sorted(FIXTURES.glob("*.html")):
        assert phpbb.detect(LexborHTMLParser(path.read_bytes()), "https://x/"), path.name
    others = [p for p in sorted((ROOT / "fixtures").glob("*/*.html")) if p.parent != FIXTURES]
    assert others  # the other platforms' fixtures
    for path in others:
        assert not phpbb.detect(LexborHTMLParser(path.read_bytes()), "https://x/"), path.name


def test_not_a_phpbb_page() -> None:
    with pytest.raises(NotForumPage, match="not a phpBB page"):
        parse("<html><head><title>Shop</title></head><body><p>Hello</p></body></html>",
              "https://x/viewtopic.php?t=1", platform="phpbb")


@pytest.mark.parametrize(("url", "kind", "thread", "post"), [
    ("https://x/forum/viewtopic.php?f=2&t=17&start=30", "thread", "17", None),
    ("https://x/forum/viewtopic.php?p=99&sid=" + SID + "#p99", "thread", None, "99"),
    ("https://x/forum/viewforum.php?f=2&start=25", "board", None, None),
    ("https://x/forum/index.php?sid=" + SID, "community", None, None),
    ("https://x/", "community", None, None),
    ("https://x/forum/", None, None, None),
    ("https://x/threads/some-title.123/", None, None, None),
    ("https://x/forum/memberlist.php?mode=viewprofile&u=2", None, None, None),
])
def test_url_shapes(url: str, kind: str | None, thread: str | None, post: str | None) -> None:
    assert (phpbb.url_kind(url), phpbb.thread_id(url), phpbb.post_id(url)) == (kind, thread, post)


def test_clean_url_strips_session_and_noise() -> None:
    assert phpbb.clean_url(f"https://x/f/viewtopic.php?f=3&t=215&sid={SID}&hilit=hive#p3") == \
        "https://x/f/viewtopic.php?t=215"
    assert phpbb.clean_url(f"https://x/f/viewtopic.php?t=5&sid=a:{SID}&start=0") == \
        "https://x/f/viewtopic.php?t=5"
    assert phpbb.clean_url(f"https://x/f/viewforum.php?f=7&sid={SID}&start=25") == \
        "https://x/f/viewforum.php?f=7&start=25"
    assert phpbb.clean_url(f"https://x/f/index.php?sid={SID}") == "https://x/f/index.php"


def test_page_urls_use_the_page_size_the_pager_shows() -> None:
    parsed("prosilver33_topic_p1.html")  # its pager steps by 3 posts
    assert phpbb.thread_page_url("https://lathes.example.org/forum/viewtopic.php?t=4412", 3) == \
        "https://lathes.example.org/forum/viewtopic.php?t=4412&start=6"
    assert phpbb.thread_page_url("https://other.example/viewtopic.php?t=8&f=1", 2) == \
        "https://other.example/viewtopic.php?t=8&start=10"  # phpBB's default on an unseen board
    assert phpbb.listing_page_url("https://other.example/viewforum.php?f=4", 3) == \
        "https://other.example/viewforum.php?f=4&start=50"


def test_a_post_permalink_page_names_its_topic_and_positions() -> None:
    body = (FIXTURES / "prosilver33_topic_p2.html").read_bytes()
    page = parse(body, f"https://lathes.example.org/forum/viewtopic.php?p=90133&sid={SID}#p90133")
    assert page.thread.external_id == "4412"
    assert [(p.external_id, p.position) for p in page.posts] == [
        ("90120", 4), ("90133", 5), ("90140", 6)]
    assert phpbb.post_id(page.posts[1].url) == "90133"


def test_relative_shown_dates_beside_an_instant_need_no_warning() -> None:
    html = (FIXTURES / "prosilver33_topic_p1.html").read_text(encoding="utf-8")
    html = html.replace(">Tue Mar 05, 2024 7:40 pm</time>", ">Today, 7:40 pm</time>")
    page = parse(html, MANIFEST["prosilver33_topic_p1.html"]["url"])
    assert page.posts[2].posted_at == "2024-03-05T18:40:12+00:00"
    assert page.posts[2].posted_at_raw == "Today, 7:40 pm"
    assert len(page.time_anchors) == 2 and page.warnings == []


def test_relative_shown_dates_without_an_instant_stay_naive_with_a_warning() -> None:
    html = (FIXTURES / "prosilver30_topic_p2.html").read_text(encoding="utf-8")
    html = html.replace("Mon Jun 15, 2009 11:47 pm", "Yesterday, 11:47 pm")
    page = parse(html, MANIFEST["prosilver30_topic_p2.html"]["url"])
    assert page.posts[0].posted_at is None
    assert page.warnings == ["relative date without its exact time: 'Yesterday, 11:47 pm'"]


@pytest.mark.parametrize("name", THREADS + LISTINGS)
def test_cut_or_mangled_pages_never_crash(name: str) -> None:
    """A page cut anywhere, or read in the wrong encoding, gives a result or a ParseError."""
    entry, body = MANIFEST[name], (FIXTURES / name).read_bytes()
    for cut in range(0, len(body), max(1, len(body) // 23)):
        misread = body[:cut].decode("utf-8", "ignore").encode("cp1252", "replace")
        for variant in (body[:cut], misread):
            try:
                result = parse(variant, entry["url"], platform="phpbb")
            except ParseError:
                continue
            if isinstance(result, ThreadPage):
                assert result.posts  # never an empty thread page


def test_an_empty_forum_is_an_empty_listing_not_an_error() -> None:
    html = (FIXTURES / "prosilver33_viewforum.html").read_text(encoding="utf-8")
    start, end = html.index('<div class="forabg">'), html.index('<div class="action-bar bar-top">')
    html = html[:start] + html[end:]
    start = html.index('<div class="forumbg announcement">')
    end = html.index('<div class="action-bar bar-bottom">')
    html = html[:start] + '<div class="panel"><div class="inner"><strong>There are no topics or ' \
        'posts in this forum.</strong></div></div>\n' + html[end:]
    page = parse(html, MANIFEST["prosilver33_viewforum.html"]["url"])
    assert isinstance(page, ListingPage)
    assert (page.threads, page.boards) == ([], [])
    assert page.warnings == ["empty forum: no topics and no sub-forums"]
    no_button = html.replace("mode=post&amp;", "mode=none&amp;")
    with pytest.raises(ParseError, match="no topics or forums found"):
        parse(no_button, MANIFEST["prosilver33_viewforum.html"]["url"])


def test_a_topic_list_teaches_the_posts_per_page_of_its_board() -> None:
    entry = MANIFEST["subsilver2_viewforum.html"]
    body = (FIXTURES / "subsilver2_viewforum.html").read_bytes()
    parse(body, entry["url"].replace("radio.example.com", "radio2.example.com"))
    # The row of topic 3307 links its page 2 at start=2: two posts per page on that board.
    assert phpbb.thread_page_url("http://radio2.example.com/forum/viewtopic.php?t=3307", 2) == \
        "http://radio2.example.com/forum/viewtopic.php?t=3307&start=2"
    assert phpbb.listing_page_url("http://radio2.example.com/forum/viewforum.php?f=9", 2) == \
        "http://radio2.example.com/forum/viewforum.php?f=9&start=3"


def test_a_configured_zone_follows_dst_where_the_board_states_only_an_offset() -> None:
    """3.0 prints today's offset ("UTC + 1 hour [ DST ]"); a configured zone reads each date
    in its own offset, while a zone the board names wins over a configured one."""
    entry = MANIFEST["prosilver30_topic_p1.html"]
    body = (FIXTURES / "prosilver30_topic_p1.html").read_bytes().replace(
        b"Sun Jun 14, 2009 7:05 am", b"Sun Jan 11, 2009 7:05 am")
    stated = parse(body, entry["url"])
    assert stated.posts[0].posted_at == "2009-01-11T05:05:00+00:00"  # +02:00, as stated
    london = parse(body, entry["url"], tz="Europe/London")
    assert london.posts[0].posted_at == "2009-01-11T07:05:00+00:00"  # GMT in January
    assert london.posts[1].posted_at == "2009-06-14T08:12:00+00:00"  # BST in June
    named = parse((FIXTURES / "prosilver33_topic_p1.html").read_bytes(),
                  MANIFEST["prosilver33_topic_p1.html"]["url"], tz="America/Chicago")
    assert named.posts[1].edited_at == "2024-03-04T12:02:00+00:00"  # Europe/Berlin, as stated
    assert named.warnings == ["configured time zone America/Chicago differs from the board's "
                              "stated Europe/Berlin; using the board's"]


def test_topic_lists_anchor_their_shown_last_post_times() -> None:
    page = parsed("prosilver33_viewforum.html")
    assert [(a.local, a.instant) for a in page.time_anchors] == [
        ("2019-05-01T14:00:00", "2019-05-01T12:00:00+00:00"),
        ("2024-01-17T20:20:00", "2024-01-17T19:20:00+00:00"),
        ("2024-04-02T09:05:00", "2024-04-02T07:05:00+00:00"),
        ("2024-02-28T22:41:00", "2024-02-28T21:41:00+00:00"),
    ]
    assert parsed("subsilver2_viewforum.html").time_anchors == []  # no instants in 3.0
