"""The SMF parser on real pages (../shared/corpus/smf, not part of the project).

Skipped when the corpus is not beside the checkout (or one folder further up). The exact
values below were read off the pages themselves: SMF 1.1 (default theme and a custom one) and
2.0 (the "core" theme), in English and Russian.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.models import ThreadPage
from scraper.platforms import parse, smf

ROOT = Path(__file__).resolve().parents[1]
CORPUS = next((p for p in (ROOT.parent / "shared" / "corpus" / "smf",
                           ROOT.parents[1] / "shared" / "corpus" / "smf") if p.is_dir()), None)
pytestmark = pytest.mark.skipif(CORPUS is None, reason="no ../shared/corpus/smf")

PAGES = {
    "smf11_bitcointalk_topic14.html": "https://bitcointalk.org/index.php?topic=14.0",
    "smf11_club2u_topic311_p2of2.html": "http://www.club2u.ru/index.php?topic=311.msg19476",
    "smf11_club2u_topic722_p1of3.html": "http://www.club2u.ru/index.php/topic,722.0.html",
    "smf20_club2u_topic266_p1of4.html": "http://www.club2u.ru/index.php?topic=266.0",
}


def page(name: str) -> ThreadPage:
    assert CORPUS is not None
    result = parse((CORPUS / name).read_bytes(), PAGES[name])
    assert isinstance(result, ThreadPage)
    return result


def test_every_corpus_page_is_covered() -> None:
    assert CORPUS is not None
    assert sorted(p.name for p in CORPUS.glob("*.html")) == sorted(PAGES)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_posts_ids_authors_dates(name: str) -> None:
    result = page(name)
    ids = [p.external_id for p in result.posts]
    assert ids and len(ids) == len(set(ids))
    assert all(p.author.name for p in result.posts)
    assert all(p.posted_at_raw and p.posted_at for p in result.posts)
    assert all(p.body_text for p in result.posts)
    positions = [p.position for p in result.posts]
    assert positions == list(range(positions[0], positions[0] + len(positions)))
    assert all(q.depth >= 1 and q.text for p in result.posts for q in p.quotes)
    assert result.thread.board is not None and result.thread.title


def test_custom_theme_drops_templated_copies() -> None:
    result = page("smf11_bitcointalk_topic14.html")
    assert [p.external_id for p in result.posts] == ["53", "56"]
    assert [p.position for p in result.posts] == [1, 2]
    assert [p.author.name for p in result.posts] == ["xuO4k04c6Ng", "SmokeTooMuch"]
    assert [p.author.external_id for p in result.posts] == ["16", "13"]
    assert result.posts[0].posted_at_raw == "December 12, 2009, 02:11:37 PM"
    assert result.posts[0].posted_at == "2009-12-12T14:11:37"
    assert result.thread.title == "Break on the supply's increase"
    assert (result.thread.board.external_id, result.thread.board.title) == ("7", "Economics")
    assert (result.page.number, result.page.count, result.thread.reply_count) == (1, 1, 1)


def test_smf11_last_page_reached_by_a_message_permalink() -> None:
    result = page("smf11_club2u_topic311_p2of2.html")
    assert len(result.posts) == 8
    first = result.posts[0]
    assert (first.external_id, first.position, first.author.name, first.author.external_id) == (
        "7086", 16, "Beerman", "60"
    )
    assert first.posted_at == "2010-01-18T14:30:37"
    assert (result.page.number, result.page.count, result.page.next_url) == (2, 2, None)
    assert result.page.prev_url == "http://www.club2u.ru/index.php/topic,311.0.html"
    assert [q.author_name for p in result.posts for q in p.quotes] == ["Beerman", "Beerman"]
    assert result.thread.reply_count == 22
    assert result.thread.external_id == "311"


def test_smf11_queryless_first_page() -> None:
    result = page("smf11_club2u_topic722_p1of3.html")
    assert len(result.posts) == 15
    assert [p.position for p in result.posts][:2] == [1, 2]
    assert (result.page.number, result.page.count) == (1, 3)
    assert result.page.next_url == "http://www.club2u.ru/index.php?topic=722.15"
    quotes = [q.author_name for p in result.posts for q in p.quotes]
    assert quotes == [None, "boooka", "boooka", "boooka", "FSA"]  # the first is anonymous


def test_smf20_core_theme() -> None:
    result = page("smf20_club2u_topic266_p1of4.html")
    assert len(result.posts) == 15
    assert result.posts[0].external_id == "5686"
    assert result.posts[0].posted_at == "2009-12-30T00:17:53"
    assert (result.page.number, result.page.count) == (1, 4)
    assert result.page.next_url == "http://www.club2u.ru/index.php?topic=266.15"
    assert [q.author_name for p in result.posts for q in p.quotes] == [
        "LPS", "}I{eKa", "sashtel", "remalloc"
    ]
    assert sum(1 for p in result.posts if p.signature) == 7
    assert [p.author.external_id for p in result.posts].count(None) == 4  # guest posts
    assert result.thread.board.external_id == "8"


def test_no_other_platforms_corpus_page_is_taken_for_smf() -> None:
    assert CORPUS is not None
    others = [p for p in sorted(CORPUS.parent.glob("*/*.htm*")) if p.parent.name != "smf"]
    assert others
    claimed = [p.name for p in others
               if smf.detect(LexborHTMLParser(p.read_bytes()), "https://example.com/")]
    assert claimed == []
