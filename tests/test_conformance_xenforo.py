"""The XenForo parser on real pages (../shared/corpus/xenforo, not part of the project).

Skipped when the corpus is not next to the checkout. Every page must give posts with unique ids,
authors and dates; the exact values below were read on the pages themselves. The pages are
parsed without a URL: their canonical link stands for it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scraper.models import ThreadPage
from scraper.platforms import parse

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "xenforo"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="no ../shared/corpus/xenforo")
PAGES = sorted(p.name for p in CORPUS.glob("*.html")) if CORPUS.is_dir() else []


def page(name: str) -> ThreadPage:
    result = parse((CORPUS / name).read_bytes(), None)
    assert isinstance(result, ThreadPage)
    return result


@pytest.mark.parametrize("name", PAGES)
def test_every_page_gives_complete_posts(name: str) -> None:
    result = page(name)
    ids = [p.external_id for p in result.posts]
    assert ids and len(ids) == len(set(ids))
    assert all(p.author.name and p.author.external_id for p in result.posts)
    assert all(p.posted_at and p.body_text for p in result.posts)
    positions = [p.position for p in result.posts]
    assert positions == list(range(positions[0], positions[0] + len(positions)))
    assert result.thread.external_id and result.thread.title and result.thread.board
    for post in result.posts:
        assert "Click to expand" not in post.body_text
        for quote in post.quotes:
            assert quote.author_name and quote.text
            assert not quote.text.endswith("said:")


def test_xf23_macrumors() -> None:
    result = page("wcxb0513_macrumors_2350553.html")
    assert len(result.posts) == 19
    first, second = result.posts[0], result.posts[1]
    assert (first.external_id, first.author.name, first.author.external_id) == (
        "31243226", "felixen", "304082")
    assert first.posted_at == "2022-07-09T22:10:31+00:00"
    assert first.edited_at == "2022-07-09T22:36:37+00:00"
    assert second.score == 1
    quote = result.posts[2].quotes[0]
    assert (quote.author_name, quote.post_external_id, quote.depth) == ("spikeymike", "31243284", 1)
    assert len(result.time_anchors) >= 19
    assert result.warnings == []


def test_xf2_aff_first_of_seven_pages() -> None:
    result = page("wcxb1674_aff_111478_p1of7.html")
    assert len(result.posts) == 20
    assert (result.page.number, result.page.count) == (1, 7)
    assert result.page.next_url.endswith("/community/threads/"
                                         "why-you-should-not-book-flights-with-booking-com-or-"
                                         "gotogate-com.111478/page-2")
    assert result.thread.board.external_id == "77"
    assert result.posts[0].score == 12  # "iflyineconomy, DC3, Ade and 9 others"
    assert result.posts[2].score == 16  # the microdata count
    assert result.posts[2].quotes[0].post_external_id == "2614721"


def test_xf2_sanitized_second_page() -> None:
    result = page("wcxb5007_expeditionportal_155405_p2of3_SANITIZED.html")
    assert (result.page.number, result.page.count) == (2, 3)
    assert result.page.prev_url.endswith("/threads/photography-tips-for-beginners.155405/")
    assert [p.position for p in result.posts] == list(range(16, 31))
    assert result.posts[0].author.name == "Eric K"  # no data-author: the name link's text
    quote = result.posts[2].quotes[0]
    assert (quote.author_name, quote.post_external_id) == ("donaldj", "2054108")


def test_xf2_older_quotes_without_data_attributes() -> None:
    result = page("xf2_villagersandheroes_3976.html")
    assert len(result.posts) == 9
    quote = result.posts[4].quotes[0]
    assert (quote.author_name, quote.post_external_id) == ("Damon Otter", None)
    assert result.posts[0].author.rank == "Forum Moderator"


def test_xf1_digitalpoint() -> None:
    result = page("wcxb0520_digitalpoint_2880547_xf1.html")
    assert len(result.posts) == 15
    assert result.posts[0].author.name == "AjayJunkies"
    assert result.posts[0].posted_at == "2024-05-11T09:22:00"  # span.DateTime: local time
    assert result.posts[0].score == 1  # "MargoFarrel likes this."
    quote = result.posts[8].quotes[0]
    assert (quote.author_name, quote.post_external_id) == ("GreenHost.Cloud", "19759841")
    assert result.thread.board.url == "https://forums.digitalpoint.com/forums/social-networks.118/"
    assert "time zone unknown: dates are local times without offset" in result.warnings
