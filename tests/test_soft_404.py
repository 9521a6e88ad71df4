"""A topic whose page says it does not exist, with HTTP 200 (phpBB, vBulletin, MyBB, SMF and
XenForo boards answer so), is recorded as gone like a 404: over real HTTP with the phpBB demo."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from scraper.crawl import CrawlOptions, crawl
from scraper.demo import DemoServer, build_community
from scraper.demo.renderers import phpbb as site
from scraper.demo.server import HTML_TYPE, Response

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NOT_FOUND = FIXTURES / "phpbb" / "prosilver33_not_found.html"


def test_a_soft_404_marks_the_thread_gone_and_keeps_its_posts(tmp_path):
    db = tmp_path / "a.db"
    options = CrawlOptions(db_path=db, delay=0, backoff=0.01, platform="phpbb")
    with DemoServer(build_community(threads_per_board=1), platform="phpbb") as srv:
        thread = min(srv.community.threads(), key=lambda t: len(t.posts))
        url = srv.url + site.thread_path(srv.community, thread)
        assert crawl([url], options).status == "complete"
        srv.script(url.removeprefix(srv.url), [Response(200, NOT_FOUND.read_bytes(), HTML_TYPE)])
        report = crawl([url], CrawlOptions(**{**options.__dict__, "full": True}))
    assert report.status == "incomplete"
    conn = sqlite3.connect(db)
    status, reason = conn.execute(
        "select status, status_reason from threads where external_id = ?", [str(thread.uid)]
    ).fetchone()
    assert (status, reason) == ("gone", "not found: The requested topic does not exist.")
    kept = conn.execute("select count(*) from posts where deleted_at is null").fetchone()[0]
    assert kept == len(thread.posts)
