"""The platform is decided per site, once: --platform, the URL's shape, or the start page."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from httpserver import ScriptedServer

from scraper import platforms
from scraper.cli import cli
from scraper.crawl import CrawlError, CrawlOptions, crawl
from scraper.demo import DemoServer, build_community

SHOP = b"<html><head><title>Tile shop</title></head><body><p>Tiles for sale.</p></body></html>"


def options(db: Path, **kw) -> CrawlOptions:
    return CrawlOptions(db_path=db, delay=0, concurrency=2, backoff=0.01, **kw)


def test_a_bare_root_url_never_decides_the_platform_alone():
    assert platforms.for_url("https://forum.example/") is None
    assert platforms.for_url("https://forum.example") is None
    khoros = "https://c.example/t5/Billing/Refund/td-p/41200"
    assert platforms.for_url(khoros) is platforms.get("khoros")
    assert platforms.for_url("https://c.example/t5/") is platforms.get("khoros")


def test_root_url_is_recognised_from_its_page_fetched_once(tmp_path):
    community = build_community(threads_per_board=1)
    with DemoServer(community) as srv:
        report = crawl([srv.url + "/"], options(tmp_path / "a.db"))
        assert report.status == "complete"
        assert srv.count(lambda p: p == "/") == 1  # detection reused the start page
    conn = sqlite3.connect(tmp_path / "a.db")
    assert conn.execute("select base_url, platform from sites").fetchall() == [
        (srv.url, "khoros")
    ]


def test_stored_platform_is_reused_without_detection(tmp_path):
    db = tmp_path / "a.db"
    with DemoServer(build_community(threads_per_board=1)) as srv:
        crawl([srv.url + "/"], options(db))
        srv.reset_log()
        crawl([srv.url + "/"], options(db))
        assert srv.count(lambda p: p == "/") == 1  # the listing itself, no detection fetch


def test_a_page_no_platform_recognises_is_refused_naming_it(tmp_path):
    with ScriptedServer() as server:
        server.route("/", (200, {"content-type": "text/html"}, SHOP))
        server.route("/robots.txt", (404, {}, b""))
        with pytest.raises(CrawlError) as error:
            crawl([server.url("/")], options(tmp_path / "a.db"))
    assert error.value.exit_code == 2
    assert str(error.value) == (
        f"{server.url('/')}: no supported forum platform recognised: page titled 'Tile shop'"
        f" (supported: {platforms.supported()})"
    )
    conn = sqlite3.connect(tmp_path / "a.db")
    assert conn.execute("select count(*) from sites").fetchone() == (0,)


def test_cli_exit_codes_for_unrecognised_and_unreachable_start_pages(tmp_path):
    with ScriptedServer() as server:
        server.route("/", (200, {"content-type": "text/html"}, SHOP))
        server.route("/robots.txt", (404, {}, b""))
        server.route("/gone/", (404, {"content-type": "text/html"}, b"<title>Not found</title>"))
        runner = CliRunner()
        db = str(tmp_path / "a.db")
        result = runner.invoke(cli, ["crawl", server.url("/"), "--db", db, "--delay", "0"])
        assert result.exit_code == 2
        assert "no supported forum platform recognised" in result.stderr
        result = runner.invoke(cli, ["crawl", server.url("/gone/"), "--db", db, "--delay", "0"])
        assert result.exit_code == 1
        gone = server.url("/gone/")
        assert result.stderr.startswith(f"Error: cannot recognise the forum at {gone}: ")


def test_platform_option_overrides_detection(tmp_path):
    with DemoServer(build_community(threads_per_board=1)) as srv:
        crawl([srv.url + "/"], options(tmp_path / "a.db", platform="khoros"))
        assert srv.count(lambda p: p == "/") == 1
    with pytest.raises(CrawlError, match="unknown platform 'nosuch'"):
        crawl(["http://127.0.0.1:9/"], options(tmp_path / "b.db", platform="nosuch"))
