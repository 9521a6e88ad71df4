"""The Invision parser on our fixture pages (IC4, IC5, IP.Board 3 and 2): goldens, MANIFEST
facts, walls, URLs, detection against other platforms' pages, bad input."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from archived_times import archived_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from scraper.models import BlockedPage, ListingPage, NotForumPage, ParseError, ThreadPage
from scraper.platforms import invision, parse

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "invision"
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
    if iso is None or ("+" not in iso[10:] and "-" not in iso[10:]):
        return iso
    return datetime.fromisoformat(iso).astimezone(UTC).isoformat()


def html_of(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


# --- goldens -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", THREADS + LISTINGS)
def test_page_matches_its_golden(name: str) -> None:
    golden = FIXTURES / name.replace(".html", ".expected.json")
    result = parsed(name).to_dict()
    assert result == json.loads(golden.read_text(encoding="utf-8"))
    text = json.dumps(result, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    assert golden.read_text(encoding="utf-8") == text


# --- topic pages against the MANIFEST facts -------------------------------------------------------


@pytest.mark.parametrize("name", THREADS)
def test_thread_facts(name: str) -> None:
    page, fact = parsed(name), MANIFEST[name]["facts"]
    assert isinstance(page, ThreadPage)
    assert page.platform == "invision"
    assert page.thread.external_id == fact["thread_id"]
    assert page.thread.title == fact["title"]
    board = page.thread.board
    assert board is not None and [board.external_id, board.title, board.url] == fact["board"]
    info = page.page
    assert [info.number, info.count, info.next_url, info.prev_url] == fact["page"]
    assert [p.external_id for p in page.posts] == fact["ids"]
    assert [p.position for p in page.posts] == fact["positions"]
    assert [p.author.name for p in page.posts] == fact["authors"]
    assert [p.author.display_name for p in page.posts] == [None] * len(page.posts)
    assert [p.author.external_id for p in page.posts] == fact["user_ids"]
    assert [p.posted_at for p in page.posts] == [utc(t) for t in fact["posted"]]
    assert [archived_time(page, p.edited_at) for p in page.posts] == [
        utc(t) for t in fact["edited"]]
    assert [p.score for p in page.posts] == fact["scores"]
    assert [p.signature for p in page.posts] == fact["signatures"]
    assert [p.is_solution for p in page.posts] == fact["solutions"]
    accepted = [p.external_id for p, s in zip(page.posts, fact["solutions"], strict=True) if s]
    assert page.thread.accepted_post_ids == accepted
    assert page.thread.solved == fact["solved"]  # the header's badge says so on every page
    quotes = [[[q.author_name, q.post_external_id, q.depth] for q in p.quotes] for p in page.posts]
    assert quotes == fact["quotes"]


@pytest.mark.parametrize("name", THREADS)
def test_bodies_leave_out_edit_notices_and_signatures(name: str) -> None:
    page = parsed(name)
    for post in page.posts:
        assert post.body_text
        assert "Edited" not in post.body_text and "data-excludequote" not in post.body_html
        assert "has been edited" not in post.body_text
        if post.signature:
            assert post.signature not in post.body_text


def test_quote_texts_leave_out_citations_and_nested_quotes() -> None:
    page = parsed("ic4_topic_p1.html")
    outer, inner, plain = page.posts[2].quotes
    assert outer.text == "That is a bacterial bloom."
    assert inner.text == "Should I worry?"
    assert plain.text == "Patience is the cheapest additive."
    assert page.posts[2].body_text.endswith("helps it clear a little faster.")


def test_quote_author_from_the_citation_when_the_attributes_are_gone() -> None:
    html = html_of("ic4_topic_p1.html").replace("data-ipsquote-username", "data-x")
    page = parse(html, MANIFEST["ic4_topic_p1.html"]["url"])
    names = [[q.author_name for q in p.quotes] for p in page.posts]
    assert names == [[], ["coralcurious"], ["Salty Sam", "coralcurious", None]]
    html = html_of("ipb3_topic_p1.html").replace('data-author="switchback"', "")
    assert parse(html, MANIFEST["ipb3_topic_p1.html"]["url"]).posts[1].quotes[0].author_name == (
        "switchback")


def test_times_carry_their_instants_as_anchors() -> None:
    page = parsed("ic5_topic_p2.html")
    assert page.warnings == []
    assert [(a.local, a.instant) for a in page.time_anchors] == [
        ("2025-02-10T15:12:00", "2025-02-10T21:12:40+00:00"),
        ("2025-02-10T20:03:00", "2025-02-11T02:03:05+00:00"),
        ("2025-02-10T20:10:00", "2025-02-11T02:10:58+00:00"),
        ("2025-02-12T08:30:00", "2025-02-12T14:30:00+00:00"),
    ]


def test_ipb3_edit_time_stays_local_and_the_anchors_teach_its_zone() -> None:
    """The edit notice shows a local time only: the parser keeps it local, and the zone the
    page's anchors teach (+01:00 here) gives the instant the archive stores."""
    page = parsed("ipb3_topic_p1.html")
    assert page.posts[0].edited_at == "2012-11-05T15:40:00"
    assert page.time_anchors[0].local == "2012-11-05T15:12:00"
    assert archived_time(page, page.posts[0].edited_at) == "2012-11-05T14:40:00+00:00"


def test_legacy_dates_stay_local_with_a_warning() -> None:
    page = parsed("ipb2_topic_p2.html")
    assert page.time_anchors == []
    assert page.warnings == ["time zone unknown: dates are local times without offset"]
    assert page.posts[0].posted_at_raw == "Jan 14 2006, 09:14 PM"
    assert page.posts[0].url == (
        "http://valve.example.net/forum/index.php?showtopic=731&view=findpost&p=9120")


def test_legacy_page_size_comes_from_the_offsets_in_its_links() -> None:
    html = html_of("ipb2_topic_p2.html").replace("st=0", "st=15")
    url = MANIFEST["ipb2_topic_p2.html"]["url"].replace("st=20", "st=30")
    page = parse(html, url)  # links to st=15 from st=30: 15 posts a page, this is page 3
    assert (page.page.number, page.page.count) == (3, None)  # not 20 a page: next links lead
    assert [p.position for p in page.posts] == [31, 32]
    assert page.page.prev_url == "http://valve.example.net/forum/index.php?showtopic=731&st=15"


def test_guest_post_has_a_name_but_no_id_or_profile() -> None:
    guest = parsed("ic4_topic_p2.html").posts[1]
    assert (guest.author.name, guest.author.external_id, guest.author.url) == (
        "Guest Visitor", None, None)


def test_quote_data_names_the_author_when_the_pane_is_gone() -> None:
    html = html_of("ic5_topic_p2.html").replace('class="ipsEntry__username"', 'class="x"')
    page = parse(html, MANIFEST["ic5_topic_p2.html"]["url"])
    assert [(p.author.name, p.author.external_id, p.author.url) for p in page.posts][:1] == [
        ("Wheel Thrower", "5521", None)]


def test_theme_without_comment_ids_keeps_the_article_ids() -> None:
    html = html_of("ic4_topic_p1.html").replace("data-commentID", "data-cid").replace(
        "data-quoteData", "data-qd")
    page = parse(html, MANIFEST["ic4_topic_p1.html"]["url"])
    assert [p.external_id for p in page.posts] == ["61001", "61007", "61012"]
    assert [p.author.external_id for p in page.posts] == ["88", "412", "903"]
    assert page.posts[0].posted_at == "2023-01-14T08:05:11+00:00"


def test_recommended_copy_above_the_topic_is_not_a_post() -> None:
    html = html_of("ic4_topic_p1.html")
    start = html.index('<article  id="elComment_61012"')
    copy = html[start:html.index("</article>", start) + len("</article>")]
    box = ('<div class="ipsBox ipsResponsive_pull ipsRecommendedComments"><div data-role='
           f'"recommendedComments"><h2>Recommended Posts</h2>{copy}</div></div>')
    marked = html.replace('<div id=\'comments\'', box + '<div id=\'comments\'', 1)
    assert marked.count('id="elComment_61012"') == 2
    page = parse(marked, MANIFEST["ic4_topic_p1.html"]["url"])
    assert [p.external_id for p in page.posts] == ["61001", "61007", "61012"]
    assert [p.position for p in page.posts] == [1, 2, 3]


def test_answer_votes_and_reputation_counts_are_the_score() -> None:
    html = html_of("ic4_topic_p2.html")
    votes = html.replace("<div class='ipsItemControls'>", "<div class='cAnswerRate'><span class="
                         "'cAnswerRate_count' data-role='voteCount' data-voteCount='-2'>-2</span>"
                         "</div><div class='ipsItemControls'>", 1)
    assert [p.score for p in parse(votes, MANIFEST["ic4_topic_p2.html"]["url"]).posts] == [-2, 0]
    start = html.index("<ul class='ipsReact_reactions'>")
    end = html.index("</ul>", start) + len("</ul>")
    only = html[:start] + ("<span class='ipsReact_reactCountOnly ipsReact_reactCountOnly_positive'"
                           " data-role='reactCount'>7</span>") + html[end:]
    assert [p.score for p in parse(only, MANIFEST["ic4_topic_p2.html"]["url"]).posts] == [7, 0]


# --- listings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ic4_forum_view.html", "ic5_forum_view.html",
                                  "ipb2_forum_view.html"])
def test_forum_view_facts(name: str) -> None:
    page, fact = parsed(name), MANIFEST[name]["facts"]
    assert isinstance(page, ListingPage) and page.kind == "board"
    assert page.board is not None and [page.board.external_id, page.board.title] == fact["board"]
    assert [[b.external_id, b.title] for b in page.boards] == fact["boards"]
    rows = [[t.external_id, t.reply_count, t.author.name if t.author else None]
            for t in page.threads]
    assert rows == fact["threads"]
    assert [t.views for t in page.threads] == fact["views"]
    assert [t.solved for t in page.threads] == fact["solved"]
    assert [t.last_post_at for t in page.threads] == fact["last_post"]
    assert all(t.last_post_at_raw for t in page.threads)
    info = page.page
    assert [info.number, info.count, info.next_url, info.prev_url] == fact["page"]
    for thread in page.threads:
        assert invision.thread_id(thread.url) == thread.external_id


def test_forum_index_lists_categories_and_forums() -> None:
    page, fact = parsed("ic4_forum_index.html"), MANIFEST["ic4_forum_index.html"]["facts"]
    assert isinstance(page, ListingPage) and page.kind == "community"
    assert [[c.external_id, c.title] for c in page.categories] == fact["categories"]
    assert [[b.external_id, b.title] for b in page.boards] == fact["boards"]
    assert page.threads == []


def test_empty_forum_is_an_empty_listing_not_an_error() -> None:
    html = html_of("ic4_forum_view.html")
    start = html.index('<li class="ipsDataItem ipsDataItem_responsivePhoto   "')
    html = html[:start] + html[html.index("</ol>", start):]
    html = html.replace('data-forumID="27"', "")
    page = parse(html, MANIFEST["ic4_forum_view.html"]["url"])
    assert isinstance(page, ListingPage)
    assert (page.kind, page.threads) == ("board", [])


def test_forum_without_topic_list_is_an_error() -> None:
    html = html_of("ic4_forum_view.html")
    for marker in ("data-rowID", "data-forumID", "data-role=\"tableRows\"", "/topic/", "/forum/27"):
        html = html.replace(marker, "gone")
    with pytest.raises(ParseError, match="Invision page without topics"):
        parse(html, MANIFEST["ic4_forum_view.html"]["url"])


# --- walls and bad input -------------------------------------------------------------------------


@pytest.mark.parametrize("name", WALLS)
def test_walls_name_the_platform_message(name: str) -> None:
    fact = MANIFEST[name]["facts"]
    with pytest.raises(ParseError) as caught:
        parsed(name)
    assert type(caught.value).__name__ == fact["error"]
    assert str(caught.value) == fact["message"]


def test_sign_in_page_at_a_listing_url_is_a_login_wall() -> None:
    with pytest.raises(BlockedPage, match="^login wall instead of forums: Sign In"):
        parse(html_of("ic4_sign_in.html"), "https://reefkeepers.example.org/login/")


def test_theme_without_post_markup_says_what_was_missing() -> None:
    hidden = html_of("ic4_topic_p1.html").replace("elComment_", "elHidden_")
    with pytest.raises(ParseError) as caught:
        parse(hidden, MANIFEST["ic4_topic_p1.html"]["url"])
    assert not isinstance(caught.value, BlockedPage)
    assert "without posts" in str(caught.value) and "'topic'" in str(caught.value)


def test_truncated_page_keeps_the_posts_it_has() -> None:
    html = (FIXTURES / "ic4_topic_p1.html").read_bytes()
    cut = html[: html.index(b'id="elComment_61012"')]
    page = parse(cut, MANIFEST["ic4_topic_p1.html"]["url"])
    assert [p.external_id for p in page.posts] == ["61001", "61007"]


def test_broken_quote_data_falls_back_to_the_author_pane() -> None:
    html = html_of("ic4_topic_p2.html").replace("data-quoteData='{", "data-quoteData='{oops")
    page = parse(html, MANIFEST["ic4_topic_p2.html"]["url"])
    assert page.posts[0].author.name == "coralcurious"
    assert page.posts[0].author.external_id == "88"


def test_other_page_is_not_invision() -> None:
    with pytest.raises(NotForumPage, match="not an Invision page"):
        parse("<html><head><title>Hi</title></head><body><p>x</p></body></html>",
              "https://example.org/topic/1-x/", platform="invision")


# --- URLs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "kind"), [
    ("https://h.example/topic/123-a-b/", "thread"),
    ("https://h.example/forums/topic/123-a-b/page/4/", "thread"),
    ("https://h.example/topic/123-a-b/?do=findComment&comment=9", "thread"),
    ("https://h.example/index.php?/topic/123-a-b/", "thread"),
    ("https://h.example/index.php?/topic/123-a-b/page__st__20", "thread"),
    ("https://h.example/forum/index.php?showtopic=123&st=20", "thread"),
    ("https://h.example/forum/index.php?showtopic=123&view=findpost&p=9", "thread"),
    ("https://h.example/forum/12-bread/", "board"),
    ("https://h.example/forum/12-bread/page/3/", "board"),
    ("https://h.example/forum/index.php?showforum=12", "board"),
    ("https://h.example/forum/index.php?act=SC&c=1", "category"),
    ("https://h.example/", "community"),
    ("https://h.example/forum/index.php?act=idx", "community"),
    ("https://h.example/profile/5-x/", None),
    ("https://h.example/topic/123/a-nodebb-topic", None),
    ("https://h.example/threads/a-b.123/", None),
])
def test_url_kind(url: str, kind: str | None) -> None:
    assert invision.url_kind(url) == kind


def test_ids_and_page_urls() -> None:
    topic = "https://h.example/forums/topic/123-a-b/page/4/?foo=1#comment-9"
    assert invision.thread_id(topic) == "123"
    assert invision.thread_id("https://h.example/index.php?showtopic=77&st=40") == "77"
    assert invision.thread_id("https://h.example/index.php?/topic/5-x/page__st__20") == "5"
    assert invision.post_id("https://h.example/topic/1-x/?do=findComment&comment=55") == "55"
    assert invision.post_id("https://h.example/index.php?showtopic=7&view=findpost&p=8") == "8"
    assert invision.post_id("https://h.example/index.php?/topic/5-x/page__view__findpost__p__6"
                            ) == "6"
    assert invision.post_id("https://h.example/topic/1-x/") is None
    found = ("https://h.example/?app=core&module=system&controller=content&do=find"
             "&content_class=forums_Topic&content_id=5120&content_commentid=61001")
    assert (invision.url_kind(found), invision.thread_id(found), invision.post_id(found)) == (
        "thread", None, "61001")  # a permalink: the page it leads to names the topic
    old = "https://h.example/f/index.php?act=ST&f=6&t=77&s=0a1b"
    assert (invision.url_kind(old), invision.thread_id(old)) == ("thread", "77")
    assert invision.thread_page_url(old, 2) == "https://h.example/f/index.php?showtopic=77&st=20"
    assert invision.thread_page_url(topic, 1) == "https://h.example/forums/topic/123-a-b/"
    assert invision.thread_page_url(topic, 3) == "https://h.example/forums/topic/123-a-b/page/3/"
    assert invision.thread_page_url("https://h.example/topic/9-z/?page=2", 5) == (
        "https://h.example/topic/9-z/?page=5")
    assert invision.thread_page_url("https://h.example/f/index.php?s=ab&showtopic=7", 3) == (
        "https://h.example/f/index.php?showtopic=7&st=40")
    assert invision.thread_page_url("https://h.example/index.php?/topic/5-x/page__st__20", 1) == (
        "https://h.example/index.php?/topic/5-x/")
    assert invision.listing_page_url("https://h.example/forum/12-b/page/9/", 2) == (
        "https://h.example/forum/12-b/page/2/")
    assert invision.listing_page_url("https://h.example/", 2) == "https://h.example/"
    assert invision.clean_url("https://h.example/index.php?s=0a1b&showtopic=1&x=2#entry5") == (
        "https://h.example/index.php?showtopic=1&x=2")
    assert invision.clean_url("https://h.example/index.php?/topic/5-x/&csrfKey=abc") == (
        "https://h.example/index.php?/topic/5-x/")


# --- detection -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_detects_every_fixture(name: str) -> None:
    tree = LexborHTMLParser((FIXTURES / name).read_bytes())
    assert invision.detect(tree, MANIFEST[name]["url"])


def _other_pages() -> list[Path]:
    pages = [p for p in (ROOT / "fixtures").glob("*/*.html") if p.parent.name != "invision"]
    if CORPUS.is_dir():
        pages += [p for p in CORPUS.glob("*/*.htm*") if p.parent.name != "invision"]
    return sorted(pages)


@pytest.mark.parametrize("path", _other_pages(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_other_platforms_are_not_detected(path: Path) -> None:
    tree = LexborHTMLParser(path.read_bytes())
    assert not invision.detect(tree, "https://example.org/")


# --- damaged pages: a ParseError or a page with ids, never anything else -------------------------

_PAGES = {name: (FIXTURES / name).read_text(encoding="utf-8") for name in sorted(MANIFEST)}
_CLOSING = re.compile(r"</[a-zA-Z][a-zA-Z0-9]*\s*>")


def _damaged(name: str, kind: str, where: int, size: int) -> str:
    text = _PAGES[name]
    start = where % (len(text) + 1)
    end = min(len(text), start + size)
    if kind == "delete":
        return text[:start] + text[end:]
    if kind == "duplicate":
        return text[:end] + text[start:end] + text[end:]
    if kind == "truncate":
        return text[:start]
    return text[:start] + _CLOSING.sub("", text[start:end]) + text[end:]  # "unclose"


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(_PAGES)), st.sampled_from(["delete", "duplicate", "truncate",
                                                         "unclose"]),
       st.integers(0, 60_000), st.integers(0, 4000), st.sampled_from(["invision", None]),
       st.booleans())
def test_damaged_pages_parse_or_refuse(name: str, kind: str, where: int, size: int,
                                       platform: str | None, as_bytes: bool) -> None:
    text = _damaged(name, kind, where, size)
    try:
        page = parse(text.encode() if as_bytes else text, MANIFEST[name]["url"],
                     platform=platform)
    except ParseError:
        return
    if isinstance(page, ThreadPage):
        assert page.thread.external_id and all(p.external_id for p in page.posts)
        assert len({p.external_id for p in page.posts}) == len(page.posts)
    else:
        assert all(t.external_id for t in page.threads)
