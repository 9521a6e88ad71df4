"""The Khoros parser on the hand-made fixture pages: goldens, MANIFEST facts, blocked pages."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.models import BlockedPage, ListingPage, NotForumPage, ThreadPage, TimeAnchor
from scraper.platforms import PLATFORMS, khoros, parse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "khoros"
MANIFEST = json.loads((FIXTURES / "MANIFEST.json").read_text(encoding="utf-8"))
THREADS = sorted(name for name, entry in MANIFEST.items() if entry["kind"] == "thread")
LISTINGS = sorted(
    name for name, entry in MANIFEST.items() if entry["kind"] in ("board", "category", "community")
)


def parsed(name: str) -> ThreadPage | ListingPage:
    entry = MANIFEST[name]
    return parse((FIXTURES / name).read_bytes(), entry["url"], tz=entry["tz"])


def facts(name: str) -> dict:
    return MANIFEST[name]["facts"]


def utc(iso: str) -> str:
    """The same instant as ``iso`` in UTC ISO form, as the parser writes it."""
    return datetime.fromisoformat(iso).astimezone(UTC).isoformat()


def squashed(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- goldens ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", THREADS + LISTINGS)
def test_page_matches_its_golden(name: str) -> None:
    golden = FIXTURES / name.replace(".html", ".expected.json")
    expected = json.loads(golden.read_text(encoding="utf-8"))
    result = parsed(name).to_dict()
    assert result == expected
    text = json.dumps(result, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    assert golden.read_text(encoding="utf-8") == text  # as tests/update_goldens.py writes it


# --- thread pages against the MANIFEST facts ---------------------------------------------------


@pytest.mark.parametrize("name", THREADS)
def test_thread_identity_and_navigation(name: str) -> None:
    page, fact = parsed(name), facts(name)
    assert isinstance(page, ThreadPage)
    assert page.canonical_url == fact["canonical_url"]
    assert page.thread.external_id == fact["thread_id"]
    assert page.thread.url == fact["thread_url"]
    assert page.thread.title == fact["title"]
    board = page.thread.board
    assert board is not None
    assert [board.external_id, board.title, board.url] == [
        fact["board"]["external_id"], fact["board"]["title"], fact["board"]["url"]
    ]
    crumbs = [[c.title, c.url] for c in page.thread.breadcrumbs]
    assert crumbs == [*fact["breadcrumbs"], [fact["final_crumb"], None]]
    assert [page.page.number, page.page.count, page.page.next_url, page.page.prev_url] == [
        fact["page"]["number"], fact["page"]["count"], fact["page"]["next_url"],
        fact["page"]["prev_url"],
    ]
    assert page.page.next_url != fact["threadnavigator_next_topic_url"]
    assert page.thread.reply_count == fact["reply_count"]


@pytest.mark.parametrize("name", THREADS)
def test_thread_posts_match_the_facts(name: str) -> None:
    page, fact = parsed(name), facts(name)
    posts = page.posts
    assert [p.external_id for p in posts] == fact["uids"]
    assert [p.author.name for p in posts] == fact["authors"]
    assert [p.author.external_id for p in posts] == fact["author_ids"]
    assert [p.author.rank for p in posts] == fact["ranks"]
    assert [p.title for p in posts] == fact["titles"]
    assert [p.posted_at_raw for p in posts] == fact["posted_at_raw"]
    assert [p.posted_at for p in posts] == [utc(t) for t in fact["posted_at"]]
    assert [p.posted_at for p in posts] == fact["posted_at_utc"]
    assert [p.score for p in posts] == fact["kudos"]
    signatures = {p.external_id: " ".join(p.signature.split()) for p in posts if p.signature}
    assert signatures == fact["signatures"]  # the facts collapse whitespace, <br> included
    edited = {p.external_id: p.edited_at for p in posts if p.edited_at}
    assert edited == {uid: utc(iso) for uid, (_, iso) in fact["edited"].items()}
    quotes = [[p.external_id, q.depth, q.author_name] for p in posts for q in p.quotes]
    assert quotes == fact["quotes"]
    assert page.thread.accepted_post_ids == fact["accepted"]
    # Known from the question's mark; later pages without the question cannot tell.
    shows_question = page.thread.external_id in [p.external_id for p in posts]
    assert page.thread.solved is (fact["solved"] if shows_question else None)
    assert page.warnings == []


@pytest.mark.parametrize("name", THREADS)
def test_thread_post_details(name: str) -> None:
    posts = {p.external_id: p for p in parsed(name).posts}
    for detail in facts(name)["post_details"]:
        post = posts[detail["uid"]]
        assert post.url == detail["url"]
        assert post.author.url == detail["author_url"]
        assert post.is_solution is detail["is_solution"]
        assert squashed(post.body_text) == detail["body_text_squashed"]
        for text in detail["body_contains"]:
            assert text in post.body_text
        for text in detail["body_excludes"]:
            assert text not in post.body_text
            assert text not in post.body_html
        if post.signature:
            assert post.signature not in post.body_text
        shown = [
            {"depth": q.depth, "author_name": q.author_name,
             "post_external_id": q.post_external_id, "text": " ".join(q.text.split())}
            for q in post.quotes
        ]
        assert shown == detail["quotes"]


@pytest.mark.parametrize("name", THREADS)
def test_classic_positions_come_from_the_page(name: str) -> None:
    page, fact = parsed(name), facts(name)
    positions = [p.position for p in page.posts]
    if fact["layout"] == "classic":
        assert positions == fact["positions"]
    else:  # no position markup: only the opening post is known to be message 1
        assert positions == [1 if p.external_id == fact["thread_id"] else None for p in page.posts]


def test_truncated_names_are_completed_from_avatar_or_aria_label() -> None:
    for name in ("classic_multipage_p1.html", "current_solved.html", "current_multipage_p2.html"):
        page, fact = parsed(name), facts(name)
        assert any(shown.endswith("…") for shown in fact["authors_shown"])
        assert [p.author.name for p in page.posts] == fact["authors"]


def test_anonymous_author_has_no_id_or_profile() -> None:
    post = parsed("classic_multipage_p1.html").posts[2]
    assert (post.author.name, post.author.external_id, post.author.url, post.author.rank) == (
        "Anonymous", None, None, None
    )


def test_friendly_dates_resolve_from_their_title() -> None:
    page = parsed("classic_multipage_p3.html")
    shown = facts("classic_multipage_p3.html")["friendly_dates"]["shown"]
    assert shown == {"52040": "Wednesday", "52047": "7 hours ago", "52048": "29 minutes ago"}
    assert [p.posted_at_raw for p in page.posts] == [
        "11-18-2026 10:12 AM", "11-21-2026 09:14 AM", "11-21-2026 03:51 PM"
    ]
    assert page.posts[0].edited_at == "2026-11-19T16:03:00+00:00"


def test_wbr_is_removed_from_titles_and_bodies() -> None:
    post = parsed("classic_multipage_p1.html").posts[3]
    assert post.title == "Fix: Koordinatorneustart helps"
    assert "Netzwerkschlüsselaktualisierung" in post.body_text


def test_solution_copy_is_not_a_post() -> None:
    page = parsed("current_solved.html")
    uids = [p.external_id for p in page.posts]
    assert uids.count("880107") == 1 and len(uids) == len(set(uids)) == 10
    assert uids.index("880107") == 6
    solution = page.posts[6]
    assert solution.is_solution and solution.author.name == "Katarzyna_W"
    opening = page.posts[0]
    assert "View solution in original post" not in opening.body_html
    assert "compliant invoice" not in opening.body_text


def test_classic_solution_copy_stays_out_of_the_question_body() -> None:
    question = parsed("classic_solved.html").posts[0]
    assert "ARN" not in question.body_text
    assert question.body_html.startswith("<p>Hi all,</p>")
    assert not question.is_solution


def test_published_time_anchors_the_opening_post_and_the_rest_stays_local() -> None:
    name = "classic_multipage_p1.html"
    page = parse((FIXTURES / name).read_bytes(), MANIFEST[name]["url"])
    # Only the opening post is anchored by article:published_time; a reply's offset may differ
    # (daylight saving), so it stays local until the archive knows the site's zone.
    assert [p.posted_at for p in page.posts] == [
        facts(name)["posted_at_utc"][0], "2026-11-04T06:12:00", "2026-11-04T09:30:00",
        "2026-11-05T23:58:00", "2026-11-06T08:20:00",
    ]
    assert page.time_anchors == [
        TimeAnchor(local="2026-11-03T19:45:00", instant="2026-11-04T03:45:00+00:00")
    ]
    assert page.warnings == ["time zone unknown: dates are local times without offset"]
    configured = parse(
        (FIXTURES / name).read_bytes(), MANIFEST[name]["url"], tz=MANIFEST[name]["tz"]
    )
    assert [p.posted_at for p in configured.posts] == facts(name)["posted_at_utc"]
    assert configured.time_anchors == page.time_anchors


def test_unknown_zone_gives_local_times_and_one_warning() -> None:
    name = "current_solved.html"
    page = parse((FIXTURES / name).read_bytes(), MANIFEST[name]["url"])
    assert page.posts[0].posted_at == "2023-03-24T09:02:00"
    assert page.posts[4].edited_at == "2023-03-26T12:05:00"
    assert page.warnings == ["time zone unknown: dates are local times without offset"]


def test_configured_zone_follows_daylight_saving_across_posts() -> None:
    page = parsed("current_solved.html")
    assert page.posts[3].posted_at == "2023-03-25T07:55:00+00:00"  # +01:00
    assert page.posts[4].posted_at == "2023-03-26T09:30:00+00:00"  # +02:00 from 26 March


def test_conflicting_configured_zone_yields_to_the_page() -> None:
    name = "classic_solved.html"
    page = parse((FIXTURES / name).read_bytes(), MANIFEST[name]["url"], tz="Europe/Berlin")
    assert page.posts[0].posted_at == "2026-01-14T16:42:00+00:00"
    assert page.warnings == [
        "configured time zone Europe/Berlin disagrees with the page's offset -08:00; "
        "using the page's offset"
    ]


# --- listings ----------------------------------------------------------------------------------


def test_board_listing_matches_the_facts() -> None:
    page, fact = parsed("classic_board.html"), facts("classic_board.html")
    assert isinstance(page, ListingPage)
    assert page.kind == "board"
    assert page.canonical_url == fact["canonical_url"]
    assert page.board is not None
    assert [page.board.external_id, page.board.title, page.board.url] == list(
        fact["board"].values()
    )
    assert [[c.title, c.url] for c in page.breadcrumbs] == [
        *fact["breadcrumbs"], [fact["final_crumb"], None]
    ]
    assert [page.page.number, page.page.count, page.page.next_url, page.page.prev_url] == list(
        fact["page"].values()
    )
    assert [t.external_id for t in page.threads] == fact["uids"]
    assert [t.reply_count for t in page.threads] == fact["reply_counts"]
    assert [t.views for t in page.threads] == fact["views"]
    assert [t.score for t in page.threads] == fact["kudos"]
    assert [t.external_id for t in page.threads if t.solved] == fact["solved"]
    assert page.boards == [] and page.categories == []
    for thread, detail in zip(page.threads, fact["thread_details"], strict=True):
        assert [thread.title, thread.url, thread.last_post_at_raw] == [
            detail["title"], detail["url"], detail["last_post_at_raw"]
        ]
        assert thread.last_post_at == utc(detail["last_post_at"])
        assert thread.author is not None
        assert [thread.author.name, thread.author.external_id] == [
            detail["author"], detail["author_id"]
        ]


@pytest.mark.parametrize("name", ["classic_category.html", "community_home.html"])
def test_node_lists_give_categories_and_boards(name: str) -> None:
    page, fact = parsed(name), facts(name)
    assert isinstance(page, ListingPage)
    assert page.kind == MANIFEST[name]["kind"]
    listed = {b.url for b in page.boards + page.categories}
    own = MANIFEST[name]["url"]
    assert listed == ({e["url"] for e in fact["boards"] + fact["categories"]}
                      | set(fact["decoy_node_links_outside_list"])) - {own}
    for found, expected in ((page.boards, fact["boards"]), (page.categories, fact["categories"])):
        assert [[b.external_id, b.title, b.url] for b in found[: len(expected)]] == [
            [e["external_id"], e["title"], e["url"]] for e in expected
        ]
    assert sorted(t.url for t in page.threads) == sorted(fact.get("linked_threads", []))
    assert [c.title for c in page.breadcrumbs] == (
        [fact["final_crumb"]] if fact["final_crumb"] else []
    )


# --- pages that are not thread pages -----------------------------------------------------------


def test_login_wall_is_blocked() -> None:
    name = "login_wall.html"
    with pytest.raises(BlockedPage) as error:
        parse((FIXTURES / name).read_bytes(), MANIFEST[name]["url"])
    assert str(error.value) == (
        "login wall: sign-in form instead of posts: Sign In - Example Community"
    )


def test_thread_url_without_messages_or_form_says_so() -> None:
    html = "<html><head><title>Oops</title></head><body class='lia-body'><p>gone</p></body></html>"
    url = "https://community.example.com/t5/B/S/td-p/1"
    with pytest.raises(BlockedPage) as error:
        parse(html.encode(), url)
    assert str(error.value) == "no posts found on a thread page: Oops"


def test_bot_challenge_at_a_thread_url_is_blocked() -> None:
    html = (
        "<html><head><title>Just a moment...</title></head><body>"
        "<form id='challenge-form' action='/cdn-cgi/challenge'></form></body></html>"
    )
    with pytest.raises(BlockedPage) as error:  # the crawler names the platform of the URL
        parse(html.encode(), "https://community.example.com/t5/B/S/td-p/1", platform="khoros")
    assert str(error.value) == "bot challenge instead of posts: Just a moment..."


def test_consent_wall_is_blocked() -> None:
    html = (
        "<html><head><title>Your privacy</title></head><body>"
        "<div id='consent-banner'><form action='/privacy'><button>Accept</button></form></div>"
        "</body></html>"
    )
    with pytest.raises(BlockedPage) as error:
        parse(html.encode(), "https://community.example.com/t5/B/S/td-p/1", platform="khoros")
    assert str(error.value) == "consent page instead of posts: Your privacy"


def test_other_html_at_a_thread_url_is_not_khoros() -> None:
    html = b"<html><head><title>Parked domain</title></head><body>For sale</body></html>"
    with pytest.raises(NotForumPage) as error:
        parse(html, "https://community.example.com/t5/B/S/td-p/1", platform="khoros")
    assert str(error.value) == "not a Khoros page: Parked domain"


def test_not_khoros_page_is_refused() -> None:
    name = "not_khoros.html"
    body = (FIXTURES / name).read_bytes()
    tree = LexborHTMLParser(body)
    title = tree.css_first("title").text().strip()
    with pytest.raises(NotForumPage) as error:
        parse(body, MANIFEST[name]["url"])
    assert str(error.value) == (
        f"no supported forum platform recognised: page titled {title!r}"
        f" (supported: {', '.join(PLATFORMS)})"
    )
    with pytest.raises(NotForumPage) as error:
        khoros.parse_thread(tree, MANIFEST[name]["url"])
    assert str(error.value) == f"not a Khoros page: {title}"


# --- URLs --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://c.example.com/t5/Board/Subject/td-p/1234", "thread"),
        ("https://c.example.com/t5/Board/Subject/td-p/1234/page/3?x=1#M5", "thread"),
        ("https://c.example.com/t5/Board/Re-Subject/m-p/1240#M77", "thread"),
        ("https://c.example.com/t5/Board/bd-p/board-id/page/2", "board"),
        ("https://c.example.com/t5/Category/ct-p/cat", "category"),
        ("https://c.example.com/", "community"),
        ("https://c.example.com", "community"),
        ("https://c.example.com/t5/user/viewprofilepage/user-id/5", None),
        ("https://c.example.com/kb/article/123", None),
    ],
)
def test_url_kind(url: str, kind: str | None) -> None:
    assert khoros.url_kind(url) == kind


def test_thread_id_and_page_urls() -> None:
    url = "https://c.example.com/t5/Board/Subject/td-p/1234/page/3?sort=new#M5"
    assert khoros.thread_id(url) == "1234"
    # A message permalink's uid is the message's, not its thread's.
    assert khoros.thread_id("https://c.example.com/t5/Board/S/m-p/77#M2") is None
    assert khoros.thread_id("https://c.example.com/t5/Board/bd-p/x") is None
    assert khoros.thread_page_url(url, 1) == "https://c.example.com/t5/Board/Subject/td-p/1234"
    assert khoros.thread_page_url(url, 4) == (
        "https://c.example.com/t5/Board/Subject/td-p/1234/page/4"
    )
    with pytest.raises(ValueError, match="not a Khoros thread URL"):
        khoros.thread_page_url("https://c.example.com/t5/Board/bd-p/x", 2)


@pytest.mark.parametrize(
    ("name", "kind"),
    [(name, MANIFEST[name]["kind"]) for name in THREADS + LISTINGS]
    + [("login_wall.html", "thread")],
)
def test_detect_and_page_kind(name: str, kind: str) -> None:
    tree = LexborHTMLParser((FIXTURES / name).read_bytes())
    url = MANIFEST[name]["url"]
    assert khoros.detect(tree, url)
    assert khoros.page_kind(tree, url) == kind


def test_not_khoros_is_not_detected() -> None:
    name = "not_khoros.html"
    tree = LexborHTMLParser((FIXTURES / name).read_bytes())
    assert not khoros.detect(tree, MANIFEST[name]["url"])


def test_generic_uid_elements_skip_the_solution_copy() -> None:
    """Without the usual wrapper classes, elements with a uid are messages, copies excepted."""
    html = (FIXTURES / "current_solved.html").read_text(encoding="utf-8")
    html = html.replace("lia-message-view-wrapper", "lia-message-box")
    html = html.replace("lia-message-view-solution-copy", "lia-message-box")
    page = parse(html.encode(), MANIFEST["current_solved.html"]["url"], tz="Europe/Berlin")
    assert [p.external_id for p in page.posts] == facts("current_solved.html")["uids"]
    assert page.thread.accepted_post_ids == ["880107"]
    assert "View solution in original post" not in page.posts[0].body_text
