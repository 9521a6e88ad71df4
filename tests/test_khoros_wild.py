"""Khoros in the wild: custom tiles, solution copies on every skin, names that only get better,
malformed-but-complete pages, slow drips. Parser facts, then crawls over real HTTP of the
fixture pages served on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from scraper.cli import cli
from scraper.crawl import CrawlOptions, crawl
from scraper.demo import render
from scraper.demo.server import DemoServer, Response
from scraper.models import ListingPage, ParseError, ThreadPage
from scraper.platforms import parse
from scraper.robots import RobotsRules, sitemap_locations
from tests.httpserver import ScriptedServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "khoros"
MANIFEST = json.loads((FIXTURES / "MANIFEST.json").read_text(encoding="utf-8"))
SITE = "https://community.example.com"
HTML = {"content-type": "text/html;charset=UTF-8"}


def parsed(name: str, html: bytes | None = None) -> ThreadPage | ListingPage:
    entry = MANIFEST[name]
    return parse(html or (FIXTURES / name).read_bytes(), entry["url"], tz=entry["tz"])


def path_of(name: str) -> str:
    return MANIFEST[name]["url"].removeprefix(SITE)


# --- parser ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["tiles_home.html", "tiles_category.html"])
def test_tiles_give_every_category_board_and_thread(name: str) -> None:
    page, fact = parsed(name), MANIFEST[name]["facts"]
    assert isinstance(page, ListingPage) and page.kind == MANIFEST[name]["kind"]
    assert [[c.external_id, c.title, c.url] for c in page.categories] == fact["categories"]
    assert [[b.external_id, b.title, b.url] for b in page.boards] == fact["boards"]
    assert [[t.external_id, t.url] for t in page.threads] == fact["threads"]


def test_a_community_page_without_links_to_follow_is_an_error() -> None:
    html = (FIXTURES / "tiles_home.html").read_text()
    start, end = html.index('<div class="custom-community-tiles'), html.index("<footer")
    bare = html[:start] + html[end:]
    bare = bare.replace(f'href="{SITE}/t5/Account-and-Services/ct-p/account-services"', 'href="#"')
    bare = bare.replace(f'href="{SITE}/t5/Home-Devices/ct-p/home-devices"', 'href="#"')
    with pytest.raises(ParseError) as caught:
        parsed("tiles_home.html", bare.encode())
    assert str(caught.value) == (
        f"nothing to crawl on the community page {SITE}/ (Example Community): no category"
        " (/ct-p/), board (/bd-p/) or thread link among its 7 links (4 to this site)"
    )


SOLVED = ["current_solution_in_list.html", "current_inner_mark.html",
          "classic_solution_list.html", "current_unclosed.html"]


@pytest.mark.parametrize("name", SOLVED)
@pytest.mark.parametrize("strip", ["as-served", "uid-elements-only", "link-only"])
def test_solution_copies_are_never_posts_on_any_path(name: str, strip: str) -> None:
    """The same facts whichever selector finds the messages (the layout's own root class, or
    only the ``data-lia-message-uid`` elements, the last-resort path), and whichever rule
    recognises the copy (its class or list, or only its link to itself)."""
    html = (FIXTURES / name).read_bytes()
    if strip == "uid-elements-only":
        html = html.replace(b"lia-message-view-wrapper", b"custom-message-frame")
        html = html.replace(b'class="lia-message-view ', b'data-lia-message-uid="" class="x ')
    if strip == "link-only":
        html = html.replace(b"lia-component-accepted-solutions", b"custom-answers")
        html = html.replace(b"solution-copy", b"custom-teaser")
    page, fact = parsed(name, html), MANIFEST[name]["facts"]
    assert isinstance(page, ThreadPage)
    posts = page.posts
    assert [p.external_id for p in posts] == fact["uids"]
    assert [p.author.name for p in posts] == fact["authors"]
    assert [p.score for p in posts] == fact["kudos"]
    assert [p.external_id for p in posts if p.is_solution] == fact["accepted"]
    assert {p.external_id: " ".join(p.signature.split()) for p in posts if p.signature} == (
        fact["signatures"]
    )


def test_accepted_mark_inside_a_body_does_not_count() -> None:
    page = parsed("current_inner_mark.html")
    assert isinstance(page, ThreadPage)
    pasted = next(p for p in page.posts if p.external_id == "880403")
    assert 'class="lia-accepted-solution"' in pasted.body_html and not pasted.is_solution


# --- crawls over HTTP --------------------------------------------------------------------------


def served(server: ScriptedServer, name: str, **replace: str) -> bytes:
    """A fixture with its absolute links pointing at the test server."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    for old, new in replace.items():
        text = text.replace(old, new)
    return text.replace(SITE, server.url("").rstrip("/")).encode()


def serve(server: ScriptedServer, *names: str) -> None:
    for name in names:
        server.route(path_of(name), (200, HTML, served(server, name)))


def options(db: Path, **more) -> CrawlOptions:
    settings = {"delay": 0, "backoff": 0, "obey_robots": False, "max_attempts": 2}
    return CrawlOptions(db_path=db, **(settings | more))


def rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as srv:
        yield srv


def test_tiles_home_discovers_the_whole_community(server: ScriptedServer, tmp_path: Path) -> None:
    serve(server, "tiles_home.html", "tiles_category.html", "classic_board_cut_names.html",
          "current_solution_in_list.html")
    db = tmp_path / "t.db"
    report = crawl([server.url("/")], options(db))
    asked = [r.path for r in server.requests  # robots.txt: for sitemaps; the API probe
             if r.path != "/robots.txt" and not r.path.startswith("/api/")]
    home, category = MANIFEST["tiles_home.html"]["facts"], MANIFEST["tiles_category.html"]["facts"]
    links = {url.removeprefix(SITE) for _, _, url in home["categories"] + home["boards"]}
    links |= {url.removeprefix(SITE) for _, _, url in category["categories"] + category["boards"]}
    links |= {url.removeprefix(SITE) for _, url in home["threads"] + category["threads"]}
    rows_of_board = {"/t5/Freelancers/Invoices-for-clients-outside-the-EU/td-p/880350"}
    assert sorted(set(asked)) == sorted(links | rows_of_board | {"/"})
    assert len(asked) == len(set(asked))  # each page once
    # The links beside the boards come last, once the listings are done.
    listings = [i for i, p in enumerate(asked) if "/bd-p/" in p or "/ct-p/" in p]
    linked = [i for i, p in enumerate(asked) if "/m-p/" in p or "/td-p/77" in p]
    assert max(listings) < min(linked)
    posts = rows(db, "select external_id from posts order by external_id")
    assert posts == [("880300",), ("880302",), ("880305",), ("880309",)]
    assert report.status == "incomplete"  # the pages this test does not serve answer 404


def test_start_page_with_nothing_to_crawl_fails_in_one_line(
    server: ScriptedServer, tmp_path: Path
) -> None:
    html = (FIXTURES / "tiles_home.html").read_text()
    start, end = html.index('<div class="custom-community-tiles'), html.index("<footer")
    bare = (html[:start] + html[end:]).replace("/ct-p/", "/category/")
    server.route("/", (200, HTML, bare.replace(SITE, server.url("").rstrip("/")).encode()))
    db = tmp_path / "f.db"
    report = crawl([server.url("/")], options(db))
    assert (report.status, report.exit_code) == ("failed", 1)
    assert report.reason is not None and report.reason.startswith(
        f"{server.url('/')}: nothing to crawl on the community page {server.url('/')}"
    )
    assert "\n" not in report.reason
    assert rows(db, "select status, reason from crawl_runs") == [("failed", report.reason)]
    assert rows(db, "select count(*) from boards union all select count(*) from threads") == [
        (0,), (0,)
    ]


def test_start_page_that_is_no_forum_exits_2(server: ScriptedServer, tmp_path: Path) -> None:
    server.route("/", (200, HTML, (FIXTURES / "not_khoros.html").read_bytes()))
    report = crawl([server.url("/")], options(tmp_path / "n.db", platform="khoros"))
    assert (report.status, report.exit_code) == ("failed", 2)
    assert report.reason == f"{server.url('/')}: not a Khoros page: Brightfold Tiles – handmade" \
        " ceramic tiles from Porto"


@pytest.mark.parametrize("name", SOLVED[:2])
def test_crawled_solution_keeps_its_post(server: ScriptedServer, tmp_path: Path, name: str) -> None:
    serve(server, name)
    db = tmp_path / "s.db"
    report = crawl([server.url(path_of(name))], options(db))
    fact = MANIFEST[name]["facts"]
    assert report.status == "complete"
    got = rows(db, "select p.external_id, u.name, p.score, p.is_solution, p.signature is not null"
                   " from posts p join users u on u.id = p.author_id order by p.id")
    assert got == [
        (uid, author, score, int(uid in fact["accepted"]), int(uid in fact["signatures"]))
        for uid, author, score in zip(fact["uids"], fact["authors"], fact["kudos"], strict=True)
    ]
    assert rows(db, "select count(*) from post_versions") == [(len(fact["uids"]),)]


def test_cut_names_from_a_later_listing_never_replace_full_ones(
    server: ScriptedServer, tmp_path: Path
) -> None:
    serve(server, "current_solution_in_list.html", "classic_board_cut_names.html")
    db = tmp_path / "u.db"
    crawl([server.url(path_of("current_solution_in_list.html"))], options(db))
    assert rows(db, "select name from users where external_id = '30377'") == [
        ("amélie_okafor_lindqvist",)
    ]
    crawl([server.url(path_of("classic_board_cut_names.html"))], options(db, full=True))
    assert server.requests_to(path_of("classic_board_cut_names.html"))
    assert rows(db, "select name from users where external_id = '30377'") == [
        ("amélie_okafor_lindqvist",)
    ]


def test_a_full_name_replaces_a_cut_one(server: ScriptedServer, tmp_path: Path) -> None:
    serve(server, "current_solution_in_list.html", "classic_board_cut_names.html")
    db = tmp_path / "v.db"
    crawl([server.url(path_of("classic_board_cut_names.html"))], options(db, max_pages=1))
    assert rows(db, "select name from users where external_id = '30377'") == [
        ("amélie_okafor_…",)
    ]
    crawl([server.url(path_of("current_solution_in_list.html"))], options(db))
    assert rows(db, "select name from users where external_id = '30377'") == [
        ("amélie_okafor_lindqvist",)
    ]


def test_complete_page_without_closing_tags_is_not_truncated(
    server: ScriptedServer, tmp_path: Path
) -> None:
    body = served(server, "current_unclosed.html")
    assert b"</html>" not in body and b"</body>" not in body
    server.route(path_of("current_unclosed.html"), (200, HTML, body))
    db = tmp_path / "c.db"
    report = crawl([server.url(path_of("current_unclosed.html"))], options(db))
    assert report.status == "complete"
    assert rows(db, "select parse_status, error from pages") == [("parsed", None)]
    assert rows(db, "select status from threads") == [("complete",)]
    assert rows(db, "select count(*) from posts") == [(3,)]


def test_chunked_stream_cut_short_is_truncated(server: ScriptedServer, tmp_path: Path) -> None:
    body = served(server, "current_unclosed.html")
    chunks = [b"%x\r\n%s\r\n" % (len(body) // 2, body[: len(body) // 2]), b"400\r\n<div>"]
    server.route(path_of("current_unclosed.html"),
                 (200, {**HTML, "Transfer-Encoding": "chunked"}, chunks))
    db = tmp_path / "k.db"
    report = crawl([server.url(path_of("current_unclosed.html"))], options(db))
    assert report.status == "incomplete"
    (error,) = {e for (e,) in rows(db, "select error from pages")}
    assert error.startswith("truncated body (chunked stream cut after ")


def test_missing_posts_are_flagged_on_the_page(server: ScriptedServer, tmp_path: Path) -> None:
    html = served(server, "current_solution_in_list.html").decode()
    start = html.index('<div data-lia-message-uid="880302"')
    end = html.index('<div data-lia-message-uid="880305"', start)
    path = path_of("current_solution_in_list.html")
    server.route(path, (200, HTML, (html[:start] + html[end:]).encode()))
    db = tmp_path / "m.db"
    report = crawl([server.url(path)], options(db))
    warning = "fewer posts than the thread's counters imply: 3 posts for 4 messages"
    assert rows(db, "select parse_status, error from pages") == [("parsed", warning)]
    assert f"{server.url(path)}: {warning}" in report.stats.messages


def drip(body: bytes, pause: float) -> Iterator[bytes]:
    for i in range(0, len(body), 64):
        time.sleep(pause)
        yield body[i:i + 64]


def test_slow_drip_fails_at_the_deadline_and_the_crawl_goes_on(
    server: ScriptedServer, tmp_path: Path
) -> None:
    home = served(server, "tiles_home.html")
    thread = served(server, "current_solution_in_list.html")
    server.route("/", (200, HTML, home))
    server.route(path_of("current_solution_in_list.html"),
                 lambda request: (200, {**HTML, "Content-Length": str(len(thread))},
                                  drip(thread, 0.05)))
    db = tmp_path / "d.db"
    report = crawl([server.url("/")], options(db, timeout=0.6))
    assert report.status == "incomplete"
    drips = server.requests_to(path_of("current_solution_in_list.html"))
    assert len(drips) == 2  # max_attempts, then the crawl goes on
    url = server.url(path_of("current_solution_in_list.html"))
    assert rows(db, "select parse_status, error from pages where url = ?", (url,)) == [
        ("fetch-failed", "timeout: no complete response within 0.6 s")
    ]
    others = {r.path for r in server.requests if not r.path.startswith("/api/")} - {
        "/", "/robots.txt", path_of("current_solution_in_list.html")}
    assert len(others) == 9  # every other link of the home page was still followed


def test_max_time_is_honoured_while_a_drip_is_in_flight(
    server: ScriptedServer, tmp_path: Path
) -> None:
    thread = served(server, "current_solution_in_list.html")
    path = path_of("current_solution_in_list.html")
    server.route(path, lambda request: (200, {**HTML, "Content-Length": str(len(thread))},
                                        drip(thread, 0.02)))
    db = tmp_path / "x.db"
    report = crawl([server.url(path)], options(db, max_time=0.3, timeout=600))
    assert (report.status, report.pending) == ("stopped", 1)
    assert rows(db, "select state from frontier") == [("pending",)]
    assert rows(db, "select count(*) from pages") == [(0,)]


# --- the demo community in custom tiles, sitemaps ----------------------------------------------


@pytest.mark.parametrize(("skin", "sitemap"), [("tiles", False), ("mixed", False),
                                               ("tiles", True)])
def test_whole_demo_community_from_its_root(tmp_path: Path, skin: str, sitemap: bool) -> None:
    db = tmp_path / "w.db"
    with DemoServer(skin=skin, sitemap=sitemap) as srv:
        report = crawl([srv.url + "/"], options(db, obey_robots=True))
        paths = [r.path for r in srv.requests]
        threads = list(srv.community.threads())
    assert report.status == "complete"
    assert rows(db, "select count(*) from threads") == [(len(threads),)]
    assert rows(db, "select count(*) from posts") == [(sum(len(t.posts) for t in threads),)]
    assert len(paths) == len(set(paths))  # no page twice
    sitemaps = [p for p in paths if p.startswith("/sitemap")]
    assert sitemaps == (["/sitemap_index.xml", "/sitemap-boards.xml", "/sitemap-threads.xml.gz"]
                        if sitemap else [])


def test_tiles_pages_have_no_node_list_nor_menu() -> None:
    with DemoServer(skin="tiles") as srv:
        home = httpx.get(srv.url + "/").text
        cat = srv.community.categories[0]
        category = httpx.get(srv.url + render.category_url(cat)).text
    for html in (home, category):
        assert "custom-community-tiles" in html
        assert "lia-node-list" not in html and "browse-forum" not in html


def test_sitemap_locations_read_index_urlset_and_gzip() -> None:
    index = (b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/'
             b'0.9"><sitemap><loc> https://x.example/a.xml </loc></sitemap></sitemapindex>')
    urlset = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>'
              b"https://x.example/t5/b/bd-p/b</loc></url><url><loc></loc></url></urlset>")
    assert sitemap_locations(index) == (["https://x.example/a.xml"], [])
    assert sitemap_locations(gzip.compress(urlset)) == ([], ["https://x.example/t5/b/bd-p/b"])
    with pytest.raises(ValueError, match="not a sitemap: root element <html>"):
        sitemap_locations(b"<html><body>hello</body></html>")
    with pytest.raises(ValueError, match="not a sitemap: "):
        sitemap_locations(b"\x00\x01 not xml")
    with pytest.raises(ValueError, match="undecodable gzip sitemap"):
        sitemap_locations(b"\x1f\x8bnot really gzip")


def test_robots_names_its_sitemaps() -> None:
    rules = RobotsRules("User-agent: *\nDisallow: /x/\nSitemap: https://x.example/s.xml\n"
                        "Sitemap: https://x.example/t.xml.gz\n", "bot")
    assert rules.sitemaps == ["https://x.example/s.xml", "https://x.example/t.xml.gz"]
    assert RobotsRules(None, "bot").sitemaps == []


def test_a_sitemap_saves_a_start_page_without_links(tmp_path: Path) -> None:
    """A front page with nothing to follow, but a sitemap: the sitemap's pages are crawled; the
    front page is an error, not the end of the crawl."""
    db = tmp_path / "s.db"
    with DemoServer(sitemap=True) as srv:
        srv.script("/", [Response(200, (FIXTURES / "not_khoros.html").read_bytes())])
        report = crawl([srv.url + "/"], options(db, obey_robots=True, platform="khoros"))
        threads = list(srv.community.threads())
    assert report.status == "incomplete" and report.exit_code == 1
    assert report.stats.messages == [f"{srv.url}/: not a Khoros page: Brightfold Tiles – "
                                     "handmade ceramic tiles from Porto"]
    assert rows(db, "select count(*) from threads") == [(len(threads),)]


def test_cli_says_what_the_start_page_held_in_one_line_and_status_repeats_it(
    server: ScriptedServer, tmp_path: Path
) -> None:
    html = (FIXTURES / "tiles_home.html").read_text()
    start, end = html.index('<div class="custom-community-tiles'), html.index("<footer")
    bare = (html[:start] + html[end:]).replace("/ct-p/", "/category/")
    server.route("/", (200, HTML, bare.replace(SITE, server.url("").rstrip("/")).encode()))
    db = tmp_path / "cli.db"
    crawled = CliRunner().invoke(cli, ["crawl", server.url("/"), "--db", str(db), "--delay", "0",
                                       "--no-robots"])
    reason = (f"{server.url('/')}: nothing to crawl on the community page {server.url('/')}"
              " (Example Community): no category (/ct-p/), board (/bd-p/) or thread link among"
              " its 7 links (6 to this site)")
    assert (crawled.exit_code, crawled.output) == (1, f"Error: crawl failed: {reason}\n")
    shown = CliRunner().invoke(cli, ["status", "--db", str(db)])
    assert shown.exit_code == 0
    assert f" failed: 1 pages, 0 new / 0 changed / 0 deleted posts, 1 errors; {reason}\n" in (
        shown.output
    )
