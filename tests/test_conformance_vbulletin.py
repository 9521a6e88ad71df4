"""The vBulletin parser on real pages (../shared/corpus/vbulletin, not part of the project).

Skipped when the corpus is not next to the checkout. Exact values below were read on the pages
themselves (doom9 3.8.11, doityourself IB 3.9, webhostingtalk 4.2, simplydiscus 6.0.6).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scraper.models import NotForumPage, ThreadPage
from scraper.platforms import parse

# ../shared/corpus next to the checkout, or one folder further up
CORPUS = next((p / "shared" / "corpus" / "vbulletin" for p in Path(__file__).resolve().parents[2:4]
               if (p / "shared" / "corpus" / "vbulletin").is_dir()), Path("/nonexistent"))
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="no ../shared/corpus/vbulletin")

DOOM9 = "https://forum.doom9.org/showthread.php?t=186269"
WHT = "https://www.webhostingtalk.com/showthread.php?t=1930933"
DISCUS = ("https://forum.simplydiscus.com/forum/main-discus-topics/discus-basics-for-beginners/"
          "86044-inquiries-about-new-discus-setup")
DIY = ("https://www.doityourself.com/forum/carpentry-cabinetry-interior-woodworking/"
       "163601-free-woodworking-plans-diy-projects-look-before-posting-plans.html")
PAGES = {
    "wcxb0525_doom9_186269_vb38.html": DOOM9,
    "wcxb0533_webhostingtalk_1930933_vb4.html": WHT,
    "wcxb5032_simplydiscus_86044_vb5_SANITIZED.html": DISCUS,
    "wcxb5095_doityourself_163601_vb39_SANITIZED.html": DIY,
}


def thread(name: str) -> ThreadPage:
    result = parse((CORPUS / name).read_bytes(), PAGES[name])
    assert isinstance(result, ThreadPage)
    return result


def test_every_corpus_page_is_read_or_refused_by_name() -> None:
    names = sorted(p.name for p in CORPUS.glob("*.htm*"))
    assert set(PAGES) <= set(names)
    for name in names:
        if name.startswith("sa_"):  # the Something Awful fork: another dialect
            with pytest.raises(NotForumPage, match="Something Awful"):
                parse((CORPUS / name).read_bytes(), "https://forums.somethingawful.com/",
                      platform="vbulletin")
            continue
        page = thread(name)
        ids = [p.external_id for p in page.posts]
        assert ids and len(ids) == len(set(ids))
        assert all(p.author.name and p.posted_at and p.body_text for p in page.posts)
        positions = [p.position for p in page.posts]
        assert positions == list(range(1, len(ids) + 1))
        assert page.thread.title and page.thread.board is not None
        assert (page.page.number, page.page.count) == (1, 1)


def test_doom9_vb38() -> None:
    page = thread("wcxb0525_doom9_186269_vb38.html")
    assert [p.external_id for p in page.posts] == ["2017066", "2017176"]
    assert [p.author.name for p in page.posts] == ["microfast", "GeoffreyA"]
    assert page.posts[0].author.external_id == "224387"
    assert page.posts[0].posted_at_raw == "30th March 2025, 16:26"
    assert page.posts[0].posted_at == "2025-03-30T15:26:00+00:00"  # "All times are GMT +1"
    assert page.zone_hint == "+01:00"
    assert page.thread.board is not None and page.thread.board.external_id == "16"
    assert "s=" not in (page.thread.breadcrumbs[0].url or "")
    assert page.warnings == []


def test_webhostingtalk_vb4() -> None:
    page = thread("wcxb0533_webhostingtalk_1930933_vb4.html")
    assert len(page.posts) == 18
    assert page.thread.reply_count == 17  # "Results 1 to 18 of 18"
    assert page.posts[1].posted_at_raw == "11-29-2024, 01:50 PM"
    assert page.posts[1].posted_at == "2024-11-29T17:50:00+00:00"  # GMT -4
    quotes = [q for p in page.posts for q in p.quotes]
    assert len(quotes) == 7
    assert (quotes[0].author_name, quotes[0].post_external_id, quotes[0].depth) == \
        ("HOSTLAR", "10465146", 1)
    signed = [p for p in page.posts if p.signature]
    assert len(signed) == 12
    assert signed[0].signature == "WordPress Hosting"
    assert all("signaturecontainer" not in p.body_html for p in page.posts)


def test_simplydiscus_vb6_without_data_attributes() -> None:
    page = thread("wcxb5032_simplydiscus_86044_vb5_SANITIZED.html")
    assert page.thread.external_id == page.posts[0].external_id == "86044"
    assert len(page.posts) == 11
    assert page.posts[1].posted_at == "2014-03-17T01:06:25+00:00"
    assert page.posts[1].edited_at == "2014-03-17T01:08:00+00:00"  # shown 08:08 PM, GMT-5
    assert page.time_anchors[0].local == "2014-03-16T19:25:00"
    assert page.zone_hint == "-05:00"
    assert page.warnings == []
    quoted = [q for p in page.posts for q in p.quotes]
    assert [(q.author_name, q.post_external_id) for q in quoted] == [("STHH", "1523611")]


def test_doityourself_vb39_grid() -> None:
    page = thread("wcxb5095_doityourself_163601_vb39_SANITIZED.html")
    assert len(page.posts) == 14
    assert page.posts[0].posted_at_raw == "11-19-02, 06:39 PM"
    assert page.posts[0].posted_at == "2002-11-19T18:39:00"  # no zone stated: naive
    assert page.posts[0].edited_at == "2005-12-28T22:28:00"
    assert page.posts[1].author.name == "rvitek"  # a guest: plain text, no profile
    assert page.posts[1].author.external_id is None
    assert page.thread.board is not None
    assert page.thread.board.title == "Carpentry, Cabinetry and Interior Woodworking"
    assert page.warnings == ["time zone unknown: dates are local times without offset"]
