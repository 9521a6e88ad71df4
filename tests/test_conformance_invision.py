"""The Invision parser on real pages (../shared/corpus/invision, not part of the project).

Skipped when the corpus is not next to the checkout. Every page must give posts with unique ids,
authors and dates; the exact values below were read on the pages themselves. The IC pages are
parsed without a URL (their canonical link stands for it); the legacy page names none.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scraper.models import ThreadPage
from scraper.platforms import parse

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "invision"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="no ../shared/corpus/invision")
PAGES = sorted(p.name for p in CORPUS.glob("*.html")) if CORPUS.is_dir() else []
URLS = {"ipb_legacy_hustlesa_showtopic3376.html":
        "http://hustle-sa.ru/forum/index.php?showtopic=3376"}


def page(name: str) -> ThreadPage:
    result = parse((CORPUS / name).read_bytes(), URLS.get(name))
    assert isinstance(result, ThreadPage)
    return result


@pytest.mark.parametrize("name", PAGES)
def test_every_page_gives_complete_posts(name: str) -> None:
    result = page(name)
    ids = [p.external_id for p in result.posts]
    assert ids and len(ids) == len(set(ids))
    assert all(p.author.name and p.author.external_id for p in result.posts)
    assert all(p.author.display_name is None for p in result.posts)
    assert all(p.posted_at for p in result.posts)
    positions = [p.position for p in result.posts]
    assert positions == list(range(1, len(positions) + 1))
    assert result.thread.external_id and result.thread.title and result.thread.board
    for post in result.posts:
        assert "Edited" not in post.body_text[-200:]
        for quote in post.quotes:
            assert quote.text and not quote.text.endswith("said:")


def test_ic5_kerbal_first_of_two_pages() -> None:
    result = page("wcxb0544_ksp_225132_p1of2.html")
    assert len(result.posts) == 25
    assert (result.page.number, result.page.count) == (1, 2)
    assert result.page.next_url == ("https://forum.kerbalspaceprogram.com/topic/"
                                    "225132-if-the-forum-comes-to-an-end-soon/page/2/")
    first = result.posts[0]
    assert (first.external_id, first.author.name, first.author.external_id) == (
        "4398546", "ColdJ", "211123")
    assert first.posted_at == "2024-06-14T13:22:54+00:00"
    assert first.edited_at == "2024-06-19T03:37:27+00:00"
    assert first.body_text.endswith("Thank you all for making this a great place to hang out.")
    assert result.posts[5].author.rank == "Lead Moderator"
    quote = result.posts[7].quotes[0]
    assert (quote.author_name, quote.post_external_id, quote.depth) == ("Vanamonde", "4398594", 1)
    assert quote.text == "I've made lots of friends here."
    unsourced = result.posts[3].quotes[0]
    assert (unsourced.author_name, unsourced.post_external_id) == (None, None)
    assert (result.thread.board.external_id, result.thread.board.title) == ("46", "Kerbal Network")
    assert result.time_anchors[0].local == "2024-06-14T16:22:00"  # shown at UTC+3
    assert result.warnings == []


def test_ic4_evernote_reactions() -> None:
    result = page("wcxb0545_evernote_150745.html")
    assert [p.score for p in result.posts] == [5, 2, 3, 4, 2, 1]
    assert result.posts[3].quotes[0].post_external_id == "724246"
    assert result.thread.board.url == ("https://discussion.evernote.com/forums/forum/"
                                       "53-evernote-general-discussions/")


def test_ic4_custom_theme_signatures_and_edits() -> None:
    result = page("wcxb0550_linustechtips_1571202_customtheme.html")
    assert len(result.posts) == 9
    first = result.posts[0]
    assert first.edited_at == "2024-05-22T21:56:24+00:00"
    assert "pugetbench" not in first.body_text
    assert result.posts[3].signature.startswith("Message me on discord")
    assert [len(p.quotes) for p in result.posts] == [0, 0, 3, 1, 1, 1, 1, 1, 1]


def test_ic4_cruisecritic_single_quoted_ids() -> None:
    result = page("wcxb0579_cruisecritic_3003956.html")
    assert len(result.posts) == 11
    assert [p.edited_at is not None for p in result.posts].count(True) == 4
    assert result.posts[9].score == 2
    assert result.thread.title == "2024 - Pros & Cons Of Using A Travel Agent (Princess)"


def test_legacy_ipb_table_layout() -> None:
    result = page("ipb_legacy_hustlesa_showtopic3376.html")
    assert len(result.posts) == 15
    first = result.posts[0]
    assert (first.external_id, first.author.name, first.author.external_id) == (
        "20724", "Хастл-Центр", "41141")
    assert first.posted_at == "2015-05-11T13:01:00"  # "11.05.2015 - 13:01", day first, local
    assert result.thread.board.external_id == "6"
    assert "time zone unknown: dates are local times without offset" in result.warnings
