"""The Khoros parser on real pages (../shared/corpus/khoros, not part of the project).

Skipped when the corpus is not next to the checkout. The numbers below were counted on the pages
themselves (classic layout, community.lego.com, 2016/2017 captures).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scraper import zones
from scraper.models import ListingPage, ThreadPage, TimeAnchor
from scraper.platforms import parse

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "khoros"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="no ../shared/corpus/khoros")

SITE = "https://community.lego.com"
THREAD = SITE + "/t5/Old-BIONICLE-Roleplay/MATORAN-HQ/td-p/1290411"
BOARD = SITE + "/t5/CLASSICS/bd-p/1019"
NEXT_TOPIC_UID = "13514356"  # where the #threadnavigator "Next Topic" link of page 1 goes


def page(name: str, url: str) -> ThreadPage | ListingPage:
    return parse((CORPUS / name).read_bytes(), url)


@pytest.fixture(scope="module")
def first() -> ThreadPage:
    result = page("lego_thread_1290411_p1of538.html", THREAD)
    assert isinstance(result, ThreadPage)
    return result


@pytest.fixture(scope="module")
def tenth() -> ThreadPage:
    result = page("lego_thread_1290411_p10of538.html", THREAD + "/page/10")
    assert isinstance(result, ThreadPage)
    return result


def test_first_page_posts(first: ThreadPage) -> None:
    uids = [p.external_id for p in first.posts]
    assert uids == [str(uid) for uid in range(1290411, 1290426)]
    assert [p.position for p in first.posts] == list(range(1, 16))
    assert first.thread.external_id == "1290411"
    assert first.thread.title == "MATORAN HQ"
    assert first.thread.reply_count == 8069
    assert first.posts[0].title == "MATORAN HQ"
    assert {p.title for p in first.posts[1:]} == {"Re: MATORAN HQ"}


def test_first_page_authors(first: ThreadPage) -> None:
    names = [p.author.name or "" for p in first.posts]
    assert not any(name.endswith(("…", "...")) for name in names)
    assert names[1] == names[14] == "shadow_of_angmor"  # the link text is cut short
    assert names[2] == names[10] == "Anonymous"
    assert first.posts[2].author.external_id == "928472"  # the page links this account
    assert all(p.author.external_id for p in first.posts)
    assert first.posts[0].author.rank == "No Rank"
    assert first.posts[2].author.rank == "Rank 13"


def test_first_page_dates(first: ThreadPage) -> None:
    assert all(p.posted_at_raw and p.posted_at for p in first.posts)
    assert first.posts[0].posted_at_raw == "11-04-2010 09:30 AM"
    # article:published_time (13:30:53Z) shows the page's times are UTC-04:00
    assert first.posts[0].posted_at == "2010-11-04T13:30:00+00:00"
    assert first.posts[14].posted_at_raw == "11-07-2010 08:36 AM"
    # Replies stay local: 7 November 2010 is after the autumn switch, so the page's -04:00
    # would be wrong for it; the archive applies the zone learned from the anchor instead.
    assert first.posts[14].posted_at == "2010-11-07T08:36:00"
    assert first.warnings == ["time zone unknown: dates are local times without offset"]
    assert first.time_anchors == [
        TimeAnchor(local="2010-11-04T09:30:00", instant="2010-11-04T13:30:53+00:00")
    ]
    observations = [zones.observation(a.local, a.instant) for a in first.time_anchors]
    learned = zones.learn(observations)
    assert learned.zone == "America/New_York"
    assert zones.apply(learned.zone, first.posts[14].posted_at) == "2010-11-07T13:36:00+00:00"


def test_first_page_quotes_signatures_kudos(first: ThreadPage) -> None:
    quotes = [q for p in first.posts for q in p.quotes]
    assert len(quotes) == 17
    assert max(q.depth for q in quotes) == 2
    assert [q.author_name for q in quotes if q.author_name] == ["galkak", "galkak"]
    signed = [p for p in first.posts if p.signature]
    assert len(signed) == 8
    for post in signed:
        assert "UserSignature" not in post.body_html
        if post.author.name == "shadow_of_angmor":  # also types "~SOA~" at the end of posts
            assert post.body_text.count(post.signature) == 1  # once, not twice
        else:
            assert post.signature not in post.body_text
    assert [p.score for p in first.posts] == [8, 0, 0, 1] + [0] * 11


def test_first_page_navigation(first: ThreadPage) -> None:
    assert first.canonical_url == THREAD
    assert first.thread.url == THREAD
    assert (first.page.number, first.page.count) == (1, 538)
    assert first.page.next_url == THREAD + "/page/2"
    assert NEXT_TOPIC_UID not in first.page.next_url
    assert first.page.prev_url is None
    assert first.posts[0].url == THREAD.replace("/td-p/", "/m-p/") + "#M34618"
    board = first.thread.board
    assert board is not None
    assert (board.external_id, board.title) == ("1015", "Old BIONICLE Roleplay")
    assert [c.title for c in first.thread.breadcrumbs] == [
        "LEGO Message Boards", "CLASSICS Category", "Old BIONICLE Roleplay", "MATORAN HQ"
    ]


def test_tenth_page(tenth: ThreadPage) -> None:
    assert (tenth.page.number, tenth.page.count) == (10, 538)
    assert tenth.page.next_url == THREAD + "/page/11"
    assert tenth.page.prev_url == THREAD + "/page/9"
    assert [p.position for p in tenth.posts] == list(range(136, 151))
    assert len({p.external_id for p in tenth.posts}) == 15
    quotes = [q for p in tenth.posts for q in p.quotes]
    assert len(quotes) == 42
    assert max(q.depth for q in quotes) == 5
    assert len([p for p in tenth.posts if p.signature]) == 4
    assert {p.score for p in tenth.posts} == {0}
    assert tenth.thread.title == "MATORAN HQ"
    # no opening post here, so no offset to infer and no zone configured
    assert tenth.posts[0].posted_at == "2010-12-30T20:49:00"
    assert tenth.warnings == ["time zone unknown: dates are local times without offset"]


def test_board_listing() -> None:
    listing = page("lego_board_1019_CLASSICS_listing_browser_saved.htm", BOARD)
    assert isinstance(listing, ListingPage)
    assert listing.kind == "board"
    assert listing.board is not None
    assert (listing.board.external_id, listing.board.title) == ("1019", "CLASSICS")
    threads = listing.threads
    assert len(threads) == 23
    assert all(t.reply_count is not None and t.last_post_at for t in threads)
    assert threads[0].external_id == "14026136"
    assert (threads[0].reply_count, threads[0].score, threads[0].views) == (1170, 2673, 682)
    # the viewer's pattern is dd-MM-yyyy: "01-03-2017" is the 1st of March
    assert threads[0].last_post_at_raw == "01-03-2017 01:05 AM"
    assert threads[0].last_post_at == "2017-03-01T01:05:00"
    assert all(t.score is not None for t in threads)
    assert (listing.page.number, listing.page.count) == (1, 290)
    assert listing.page.next_url == BOARD + "/page/2"
