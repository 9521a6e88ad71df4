"""The platform interface: every registered module implements it; shared helpers behave."""

import types

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper import platforms
from scraper.platforms import base, common


@pytest.mark.parametrize("name", sorted(platforms.PLATFORMS))
def test_every_platform_implements_the_interface(name):
    module = platforms.PLATFORMS[name]
    assert base.missing_members(module) == []
    assert name == module.NAME


def test_a_module_missing_a_member_is_refused_at_registration():
    broken = types.ModuleType("scraper.platforms.broken")
    broken.NAME = "broken"
    broken.url_kind = lambda url: None
    with pytest.raises(TypeError, match="missing thread_id, post_id"):
        platforms._registry(broken)


def test_links_by_kind_finds_same_site_links_anywhere_once_each():
    tree = LexborHTMLParser(
        "<nav><a href='/t5/x/bd-p/a?sid=9'>A</a></nav>"
        "<div class='tile'><h3><a href='/t5/x/ct-p/c'>C</a></h3>"
        "<a href='/t5/x/bd-p/a'></a><a href='https://elsewhere.org/t5/x/bd-p/z'>Z</a>"
        "<a href='#top'>top</a><a href='javascript:void(0)'>js</a></div>"
    )
    kinds = {"bd-p": "board", "ct-p": "category"}

    def classify(url):
        return next((k for part, k in kinds.items() if f"/{part}/" in url), None)

    found = common.links_by_kind(tree, common.Urls("https://h.example/"), classify,
                                 common.strip_params)
    assert found == {
        "board": [("https://h.example/t5/x/bd-p/a", "A")],
        "category": [("https://h.example/t5/x/ct-p/c", "C")],
    }


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        ("https://f.example/viewtopic.php?t=5&sid=abc123", "https://f.example/viewtopic.php?t=5"),
        ("https://f.example/showthread.php?s=ff&t=7#post3", "https://f.example/showthread.php?t=7"),
        ("https://f.example/index.php?PHPSESSID=x&topic=3.0", "https://f.example/index.php?topic=3.0"),
    ],
)
def test_strip_params_drops_session_ids_and_fragment(url, clean):
    assert common.strip_params(url) == clean


@pytest.mark.parametrize(
    ("line", "author"),
    [("Jane Doe wrote:", "Jane Doe"), ("maria_s a écrit :", "maria_s"), ("Hello there", None)],
)
def test_wrote_header(line, author):
    assert common.wrote_header(line) == author


def test_cut_names():
    assert common.is_cut("amélie_okafor_…") and common.is_cut("jane_d...")
    assert common.is_cut("jane_d\x85") and not common.is_cut("jane_doe")
    assert common.stem("amélie_okafor_…") == "amélie_okafor_"


def test_json_members_come_together():
    half = types.ModuleType("scraper.platforms.half")
    for name in base.MEMBERS:
        setattr(half, name, "half" if name == "NAME" else (lambda *a, **k: None))
    half.parse_json = lambda data, url, tz=None: None
    assert base.missing_members(half) == ["detect_json", "api_url", "html_url"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"post_stream": {"posts": [', "invalid JSON: Expecting value: line 1 column 28"),
        (b'{"weather": "sunny"}',
         "a JSON document no supported platform recognises (keys: weather)"),
    ],
)
def test_json_documents_that_no_platform_parses_are_refused_clearly(body, message):
    with pytest.raises(platforms.ParseError) as error:
        platforms.parse(body, "https://f.example/t/1.json")
    assert str(error.value).startswith(message)


def test_json_is_told_from_html():
    assert platforms.is_json(b'\xef\xbb\xbf  {"a": 1}')
    assert platforms.is_json(b"<html>", "application/json; charset=utf-8")
    assert not platforms.is_json(b"  <!doctype html><html>", "text/html")


@pytest.mark.parametrize(
    ("href", "absolute"),
    [
        ("showthread.php?t=5", "https://f.example/forum/showthread.php?t=5"),
        ("./viewtopic.php?p=7#p7", "https://f.example/forum/viewtopic.php?p=7#p7"),
        ("Thread-a-b", "https://f.example/forum/Thread-a-b"),
        ("a/b/", "https://f.example/forum/a/b/"),
        # what urljoin alone settles: dot and empty segments, empty query, params, spaces
        ("../index.php", "https://f.example/index.php"),
        ("a/./b", "https://f.example/forum/a/b"),
        ("a//b", "https://f.example/forum/a/b"),
        ("x.php?", "https://f.example/forum/x.php"),
        ("x.php;s=1?t=2", "https://f.example/forum/x.php;s=1?t=2"),
        (" x.php\t?t=2", "https://f.example/forum/x.php?t=2"),
        ("?t=3", "https://f.example/forum/topic.php?t=3"),
        ("//cdn.example/a.png", "https://cdn.example/a.png"),
    ],
)
def test_urls_join_folder_relative_links_as_urljoin_does(href, absolute):
    assert common.Urls("https://f.example/forum/topic.php?t=1").absolute(href) == absolute


def test_within_compares_nodes_by_identity_and_counts_levels():
    tree = LexborHTMLParser("<div id=a><div id=b><p><span id=c>x</span></p></div></div>"
                            "<div id=d><div id=b2><p><span>x</span></p></div></div>")
    a, b, c, d = (tree.css_first(f"#{i}") for i in "abcd")
    assert common.within(c, a) and common.within(c, b, levels=2)
    assert not common.within(c, a, levels=2)  # a is three parents up
    assert not common.within(c, d)  # same markup, another node
    assert not common.within(a, c) and not common.within(c, None)


def test_missing_posts_judges_positions_only_where_they_have_no_gaps_by_design():
    from scraper.crawl import missing_posts
    from scraper.models import PageInfo, Post, Thread, ThreadPage

    page = ThreadPage(platform="x", url="https://f.example/t/1", thread=Thread("1"),
                      page=PageInfo(number=1, count=1),
                      posts=[Post(str(n), position=n) for n in (1, 2, 5)])
    assert missing_posts(page, platforms.get("phpbb")) == (
        "fewer posts than the page's counters imply: 3 posts for positions 1 to 5")
    assert missing_posts(page, platforms.get("discourse")) is None
    assert missing_posts(page, platforms.get("nodebb")) is None
