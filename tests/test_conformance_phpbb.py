"""The phpBB parser on real pages (../shared/corpus/phpbb, not part of the project): 3.0, 3.1
and 3.2/3.3 prosilver and a prosilver-derived theme. Skipped when the corpus is absent. The exact
values below were read off the pages themselves."""

from __future__ import annotations

from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.models import ThreadPage
from scraper.platforms import parse, phpbb

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "phpbb"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="no ../shared/corpus/phpbb")

URLS = {
    "phpbb3_myoos_t167.html": "https://foren.myoos.de/viewtopic.php?t=167",
    "phpbb3_openoffice_t102832.html":
        "https://forum.openoffice.org/en/forum/viewtopic.php?f=5&t=102832",
    "phpbb3_videolan_t154691.html": "http://forum.videolan.org/viewtopic.php?t=154691",
    "wcxb0535_raspberrypi_361697.html": "https://forums.raspberrypi.com/viewtopic.php?t=361697",
    "wcxb0536_virtualbox_112320_p1of4.html":
        "https://forums.virtualbox.org/viewtopic.php?t=112320",
    "wcxb5089_shopsmith_5550_p1of39_SANITIZED.html":
        "https://forum.shopsmith.com/viewtopic.php?t=5550",
}


def page(name: str) -> ThreadPage:
    result = parse((CORPUS / name).read_bytes(), URLS[name])
    assert isinstance(result, ThreadPage)
    return result


def test_every_corpus_page_is_known() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.html")) == sorted(URLS)


@pytest.mark.parametrize("name", sorted(URLS))
def test_every_page_parses_completely(name: str) -> None:
    result = page(name)
    ids = [p.external_id for p in result.posts]
    assert ids and len(ids) == len(set(ids)) and all(i.isdigit() for i in ids)
    assert result.thread.external_id == URLS[name].rsplit("t=", 1)[1]
    assert result.thread.title and result.thread.board and result.thread.board.external_id
    assert [p.position for p in result.posts] == list(range(1, len(ids) + 1))  # all on page 1
    for post in result.posts:
        assert post.author.name and not post.author.name.endswith(("…", "..."))
        assert post.posted_at and post.posted_at.endswith("+00:00")  # the zone was known
        assert post.body_text
        assert "Select all" not in post.body_text
        assert "sid=" not in post.body_html
    assert result.warnings == []
    assert result.zone_hint


def test_virtualbox_32_page_one_of_four() -> None:
    result = page("wcxb0536_virtualbox_112320_p1of4.html")
    info = result.page
    assert (info.number, info.count, len(result.posts), result.thread.reply_count) == (1, 4, 15, 47)
    assert info.next_url == "https://forums.virtualbox.org/viewtopic.php?t=112320&start=15"
    first = result.posts[0]
    assert (first.external_id, first.author.name, first.author.external_id) == (
        "550447", "galitsyn", "72760")
    assert first.posted_at == "2024-09-11T16:36:25+00:00"
    assert len(result.time_anchors) == 15
    assert result.time_anchors[0].local == "2024-09-11T18:36:00"
    edited = next(p for p in result.posts if p.external_id == "550479")
    assert edited.edited_at == "2024-09-12T09:14:00+00:00"  # "12. Sep 2024, 11:14", UTC+02:00
    quoting = next(p for p in result.posts if p.external_id == "550490")
    assert [(q.author_name, q.post_external_id, q.depth) for q in quoting.quotes] == [
        ("kabu", "550475", 1)]
    assert quoting.body_text.endswith("Awesome and thanks.")


def test_shopsmith_33_states_its_zone_by_name() -> None:
    result = page("wcxb5089_shopsmith_5550_p1of39_SANITIZED.html")
    assert (result.page.count, result.thread.reply_count, len(result.posts)) == (39, 383, 10)
    assert result.zone_hint == "America/Detroit"
    assert result.posts[0].posted_at == "2010-04-07T19:39:46+00:00"
    assert result.posts[0].author.rank == "Platinum Member"


def test_openoffice_30_coloured_moderator_and_dst_footer() -> None:
    result = page("phpbb3_openoffice_t102832.html")
    assert result.zone_hint == "+02:00"  # "UTC + 1 hour [ DST ]"
    helena, rory = result.posts
    assert (helena.author.name, helena.author.external_id) == ("HELENA HAAJANEN", "109396")
    assert (rory.author.name, rory.author.rank) == ("RoryOF", "Moderator")
    assert helena.posted_at == "2020-08-21T13:54:00+00:00"  # "Fri Aug 21, 2020 3:54 pm"
    assert rory.signature and rory.signature.startswith("Apache OpenOffice 4.1.7")
    assert "Apache OpenOffice" not in rory.body_text


def test_raspberrypi_theme_without_author_in_the_byline() -> None:
    result = page("wcxb0535_raspberrypi_361697.html")
    assert len(result.posts) == 16
    assert result.posts[0].author.name == "b.scherer"
    quoted = [(p.external_id, q.author_name, q.post_external_id)
              for p in result.posts for q in p.quotes]
    assert ("2173347", "jahboater", "2173335") in quoted
    assert ("2192764", "MiRaGe_BG", None) in quoted  # a cite without links


def test_videolan_31_and_myoos_31_localised() -> None:
    videolan = page("phpbb3_videolan_t154691.html")
    assert videolan.zone_hint == "Europe/Paris"
    assert videolan.posts[0].posted_at == "2020-08-24T02:27:00+00:00"  # "24 Aug 2020 04:27"
    myoos = page("phpbb3_myoos_t167.html")
    assert myoos.posts[0].posted_at_raw == "21.01.2009, 05:42"
    assert [(q.author_name, q.depth) for q in myoos.posts[0].quotes] == [(None, 1)]


def test_no_other_platforms_page_is_taken_for_phpbb() -> None:
    others = [p for p in sorted(CORPUS.parent.glob("*/*.htm*")) if p.parent != CORPUS]
    assert others
    for path in others:
        assert not phpbb.detect(LexborHTMLParser(path.read_bytes()), "https://x/"), path.name
