"""A whole-community crawl over real HTTP while the server misbehaves: 5xx, 429 with
Retry-After, dropped connections and truncated bodies. Nothing may be lost or archived twice,
and no URL is asked again before its Retry-After has passed."""

from __future__ import annotations

import math
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scraper.crawl import CrawlOptions, crawl
from scraper.demo import DemoServer, Faults, build_community, render
from scraper.demo.content import SITE_TZ

ROOT = Path(__file__).resolve().parents[1]
MIX = {"error_5xx": 0.10, "rate_429": 0.05, "drop": 0.02, "truncate": 0.01}


def options(db: Path, **kw) -> CrawlOptions:
    settings = {"db_path": db, "delay": 0, "concurrency": 4, "tz": SITE_TZ.key, "backoff": 0.01,
                "max_attempts": 10}
    return CrawlOptions(**(settings | kw))


def content(db: Path | sqlite3.Connection, base: str = "") -> dict[str, list[tuple]]:
    """The parsed tables by natural keys: no row ids, fetch times or run bookkeeping; the
    server's address (``base``, its port changes from run to run) reads ``BASE``."""
    conn = db if isinstance(db, sqlite3.Connection) else sqlite3.connect(db)
    queries = {
        "posts": "select t.external_id, p.external_id, p.position, p.page_number, p.url,"
        " u.user_key, p.title, p.posted_at, p.posted_at_raw, p.edited_at, p.body_html,"
        " p.body_text, p.signature, p.score, p.is_solution, p.reply_to_external_id,"
        " r.external_id, p.deleted_at is not null, p.content_hash from posts p"
        " join threads t on t.id = p.thread_id left join users u on u.id = p.author_id"
        " left join posts r on r.id = p.reply_to_post_id order by 1, 2",
        "threads": "select t.external_id, s.base_url, t.title, t.url, b.external_id, u.user_key,"
        " t.created_at, t.last_post_at, t.reply_count, t.post_count, t.solved, a.external_id,"
        " t.accepted_post_external_id, t.status, t.status_reason, t.page_count,"
        " t.listing_reply_count, t.listing_last_post from threads t"
        " left join boards b on b.id = t.board_id left join users u on u.id = t.author_id"
        " left join posts a on a.id = t.accepted_post_id join sites s on s.id = t.site_id",
        "quotes": "select p.external_id, q.position, q.depth, q.quoted_name, u.user_key,"
        " q.quoted_post_external_id, qp.external_id, q.text from quotes q"
        " join posts p on p.id = q.post_id left join users u on u.id = q.quoted_user_id"
        " left join posts qp on qp.id = q.quoted_post_id order by 1, 2",
        "versions": "select p.external_id, v.content_hash, v.title, v.body_html, v.body_text,"
        " v.edited_at from post_versions v join posts p on p.id = v.post_id order by 1, 2",
        "users": "select s.base_url, user_key, external_id, name, url, rank from users u"
        " join sites s on s.id = u.site_id",
        "boards": "select b.external_id, s.base_url, b.title, b.url, b.kind, p.external_id"
        " from boards b left join boards p on p.id = b.parent_id join sites s on s.id = b.site_id",
        "sites": "select base_url, platform, title from sites order by 1",
    }
    result = {
        name: sorted((tuple(_unbased(v, base) for v in row) for row in conn.execute(sql)),
                     key=repr)
        for name, sql in queries.items()
    }
    if conn is not db:
        conn.close()
    return result


def _unbased(value: object, base: str) -> object:
    return value.replace(base, "BASE") if base and isinstance(value, str) else value


def demo_post_uids() -> list[str]:
    return sorted(str(p.uid) for t in build_community().threads() for p in t.posts)


@pytest.fixture(scope="module")
def clean_archive(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    """The archive of a fault-free crawl of the demo community."""
    db = tmp_path_factory.mktemp("clean") / "clean.db"
    with DemoServer() as srv:
        assert crawl([srv.url + "/"], options(db)).status == "complete"
    return content(db, srv.url)


def retries_too_early(srv: DemoServer, wait: float) -> list[tuple[str, float]]:
    """Paths asked again sooner than ``wait`` seconds after a 429, with the gap."""
    early = []
    last_429: dict[str, float] = {}
    for request in srv.requests:
        if request.path in last_429 and request.time - last_429[request.path] < wait:
            early.append((request.path, request.time - last_429[request.path]))
        if request.status == 429:
            last_429[request.path] = request.time
        else:
            last_429.pop(request.path, None)
    return early


def test_faulty_server_loses_nothing(tmp_path: Path, clean_archive: dict) -> None:
    db = tmp_path / "faults.db"
    faults = Faults(seed=7, retry_after=1, **MIX)
    with DemoServer(faults=faults) as srv:
        report = crawl([srv.url + "/"], options(db))
        statuses = {r.status for r in srv.requests}
        early = retries_too_early(srv, 1.0)
    assert report.status == "complete", report.stats.messages
    assert {429, 0}.issubset(statuses) and statuses & {500, 502, 503, 504}
    assert early == []
    archived = content(db, srv.url)
    assert sorted(row[1] for row in archived["posts"]) == demo_post_uids()
    assert archived == clean_archive


def test_retry_after_http_date_is_honoured(tmp_path: Path) -> None:
    """A Retry-After date (whole seconds) holds the URL back until that date has come."""
    wall = time.time() - time.monotonic()  # the log's monotonic times, as wall-clock times
    with DemoServer(faults=Faults(retry_after=2, retry_after_date=True)) as srv:
        thread = next(t for t in srv.community.board("hubs").threads if len(t.posts) == 23)
        board = srv.community.board("hubs")
        page2 = render.thread_url(board, thread, 2)
        srv.script(page2, [429])
        report = crawl([srv.url + render.thread_url(board, thread)], options(tmp_path / "d.db"))
        asked = [(r.status, r.time) for r in srv.requests if r.path == page2]
    assert report.status == "complete"
    assert [status for status, _ in asked] == [429, 200]
    # The date sent was now + 2 s cut to whole seconds: at most this, at least a second on.
    date = math.floor(asked[0][1] + wall + 2)
    assert asked[1][1] + wall >= date


def test_kill_9_at_random_moments_then_resume(tmp_path: Path, clean_archive: dict) -> None:
    """SIGKILL the crawl process at five random (seeded) moments, inside transactions as
    likely as between them; the run after the last kill finishes the same archive."""
    db = tmp_path / "killed.db"
    rng = random.Random(11)
    # Starting takes about 0.5 s and the whole crawl some 2 s more: most kills land mid-crawl,
    # some while the archive is opened or migrated.
    moments = [round(rng.uniform(0.45, 0.85), 2) for _ in range(5)]
    command = [sys.executable, "-m", "scraper", "crawl", "--db", str(db), "--delay", "0",
               "--concurrency", "2", "--tz", SITE_TZ.key, "--quiet"]
    killed = 0
    with DemoServer(latency=0.03) as srv:
        for moment in moments:
            proc = subprocess.Popen([*command, srv.url + "/"], cwd=ROOT)
            try:
                proc.wait(moment)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                killed += 1
            proc.wait(60)
        final = subprocess.run([*command, srv.url + "/"], cwd=ROOT, timeout=120)
        archived = content(db, srv.url)
    assert killed >= 3  # not all done before their moment
    assert final.returncode == 0
    assert archived == clean_archive
