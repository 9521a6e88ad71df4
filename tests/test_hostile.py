"""Hostile answers over real HTTP: each one ends in a recorded status and a clear message, and
leaves what was archived before untouched.

The demo community is crawled once; every test copies that archive, makes the server answer one
thread page (or the board page) with something hostile, re-crawls with ``full=True`` and compares
the archive with the copy it started from.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest
from test_faults import content, options

from scraper.crawl import CrawlReport, crawl
from scraper.demo import DemoServer, Faults, render
from scraper.demo.server import Response
from scraper.htmltext import decode_html

MAX_ATTEMPTS = 2


@pytest.fixture(scope="module")
def srv() -> Iterator[DemoServer]:
    with DemoServer() as server:
        yield server


@pytest.fixture(scope="module")
def clean(srv: DemoServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive of the whole demo community, crawled without faults."""
    db = tmp_path_factory.mktemp("hostile") / "clean.db"
    assert crawl([srv.url + "/"], options(db)).status == "complete"
    return db


@pytest.fixture
def server(srv: DemoServer) -> Iterator[DemoServer]:
    """The shared server with an empty request log, restored after each test (the tests
    script only the three-page thread and the 'hubs' board page)."""
    srv.reset_log()
    yield srv
    srv.faults = Faults()
    thread = thread_of(srv, 23)
    srv.unblock_thread(thread.uid)
    for path in [thread_path(srv, thread, n) for n in (1, 2, 3)] + [
        render.board_url(srv.community.board("hubs"))
    ]:
        srv.script(path, [])


def copy_archive(source: Path, target: Path) -> Path:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def thread_of(srv: DemoServer, posts: int):
    return next(t for t in srv.community.board("hubs").threads if len(t.posts) == posts)


def thread_path(srv: DemoServer, thread, page: int = 1) -> str:
    return render.thread_url(srv.community.board(thread.board_id), thread, page)


@dataclass
class Outcome:
    report: CrawlReport
    before: dict[str, list[tuple]]
    after: dict[str, list[tuple]]
    pages: list[tuple]  # (url, status_code, parse_status, error) of this run's fetches
    thread: tuple | None  # (status, status_reason) of the thread crawled
    runs: list[tuple]  # (status, errors) of every crawl run


def recrawl(
    srv: DemoServer, clean: Path, tmp_path: Path, target: str, thread_uid: int | None = None,
    **kw,
) -> Outcome:
    db = copy_archive(clean, tmp_path / "hostile.db")
    before = content(db, srv.url)
    conn = sqlite3.connect(db)
    first_new_page = conn.execute("select coalesce(max(id), 0) + 1 from pages").fetchone()[0]
    conn.close()
    report = crawl([srv.url + target], options(db, full=True, max_attempts=MAX_ATTEMPTS, **kw))
    conn = sqlite3.connect(db)
    pages = conn.execute(
        "select url, status_code, parse_status, error from pages where id >= ? order by id",
        [first_new_page],
    ).fetchall()
    thread = conn.execute(
        "select status, status_reason from threads where external_id = ?", [str(thread_uid)]
    ).fetchone()
    runs = conn.execute("select status, errors from crawl_runs order by id").fetchall()
    conn.close()
    return Outcome(report, before, content(db, srv.url), pages, thread, runs)


def unchanged_but_thread_status(outcome: Outcome, uid: int) -> None:
    """Every parsed row is as before, except the status columns of thread ``uid``."""
    for table, rows in outcome.before.items():
        if table != "threads":
            assert outcome.after[table] == rows, table

    def without_status(rows: list[tuple]) -> list[tuple]:  # columns 13, 14: status and reason
        return [row[:13] + row[15:] if row[0] == str(uid) else row for row in rows]

    assert without_status(outcome.after["threads"]) == without_status(outcome.before["threads"])


# --- thread pages --------------------------------------------------------------------------------


def hostile_page_2(
    srv: DemoServer, clean: Path, tmp_path: Path, answers: list, **kw
) -> tuple[Outcome, str, int]:
    """Re-crawl a three-page thread whose page 2 answers ``answers`` in turn."""
    thread = thread_of(srv, 23)
    page2 = thread_path(srv, thread, 2)
    srv.script(page2, answers)
    outcome = recrawl(srv, clean, tmp_path, thread_path(srv, thread), thread.uid, **kw)
    return outcome, srv.url + page2, thread.uid


def failed_page_2(outcome: Outcome, url: str, uid: int, status: int | None, parse_status: str,
                  error: str) -> None:
    """Page 2 is recorded as failed with ``error``; pages 1 and 3 parsed; the thread partial."""
    assert outcome.report.exit_code == 1 and outcome.report.status == "incomplete"
    assert outcome.report.stats.messages == [f"{url}: {error}"]
    assert outcome.runs[-1] == ("incomplete", 1)
    assert (url, status, parse_status, error) in outcome.pages
    assert sorted(p[2] for p in outcome.pages) == sorted(["parsed", "parsed", parse_status])
    assert outcome.thread == ("partial", f"{error} (page 2)")
    unchanged_but_thread_status(outcome, uid)


@pytest.mark.parametrize(
    ("answer", "status", "parse_status", "error"),
    [
        (
            Response(200, b"<!DOCTYPE html><html><head><title>Parked domain</title></head>"
                     b"<body><h1>This domain is for sale</h1></body></html>"),
            200, "parse-failed", "not a Khoros page: Parked domain",
        ),
        (Response(200, b""), 200, "fetch-failed", "empty page: the answer has no body"),
        (
            Response(200, b'{"error": "rate limited", "retry": true}', "application/json"),
            200, "parse-failed", "not an HTML page: content type application/json",
        ),
        (
            Response(200, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "image/png"),
            200, "parse-failed", "not an HTML page: content type image/png",
        ),
        (
            Response(200, random.Random(5).randbytes(20_000)),
            200, "parse-failed", "not a Khoros page: (untitled)",
        ),
        ("truncate", 200, "fetch-failed", "truncated body"),
    ],
    ids=["no-forum-html", "empty-body", "json", "image", "binary-garbage", "truncated"],
)
def test_hostile_thread_page(
    server: DemoServer, clean: Path, tmp_path: Path, answer, status, parse_status, error
) -> None:
    outcome, url, uid = hostile_page_2(server, clean, tmp_path, [answer] * MAX_ATTEMPTS)
    if answer == "truncate":  # "truncated body (got N of M bytes)", N and M vary with gzip
        (error,) = [page[3] for page in outcome.pages if page[0] == url]
        assert error.startswith("truncated body (got ") and error.endswith(" bytes)")
    failed_page_2(outcome, url, uid, status, parse_status, error)


def test_slow_drip_ends_at_the_timeout(server: DemoServer, clean: Path, tmp_path: Path) -> None:
    # Each 256-byte piece comes fast enough for the read timeout, the whole page never does.
    server.faults = Faults(drip_chunk=256, drip_pause=0.05)
    outcome, url, uid = hostile_page_2(server, clean, tmp_path, ["slow"] * MAX_ATTEMPTS,
                                       timeout=0.8)  # the whole response; each read 0.4 s
    failed_page_2(outcome, url, uid, None, "fetch-failed",
                  "timeout: no complete response within 0.8 s")


@pytest.mark.parametrize(
    ("faults", "error"),
    [
        (lambda p: Faults(gzip_bomb_path=p, gzip_bomb_size=32 << 20), "response larger than 1 MB"),
        (lambda p: Faults(huge_path=p, huge_size=8 << 20), "response larger than 1 MB"),
        (lambda p: Faults(redirect_loop_path=p), "too many redirects"),
    ],
    ids=["gzip-bomb", "huge", "redirect-loop"],
)
def test_oversized_and_looping_pages(
    server: DemoServer, clean: Path, tmp_path: Path, faults: Callable[[str], Faults], error: str
) -> None:
    thread = thread_of(server, 23)
    page2 = thread_path(server, thread, 2)
    server.faults = faults(unquote(page2))  # fault paths match the decoded path
    outcome = recrawl(server, clean, tmp_path, thread_path(server, thread), thread.uid,
                      max_bytes=1 << 20)
    status = 302 if "redirect" in error else 200
    failed_page_2(outcome, server.url + page2, thread.uid, status, "fetch-failed", error)
    # Not retried: one request over the cap, or the eleven hops of one loop.
    assert server.count(lambda p: p.startswith(page2)) == (11 if "redirect" in error else 1)


def test_offsite_redirect_reaches_no_other_host(
    server: DemoServer, clean: Path, tmp_path: Path
) -> None:
    thread = thread_of(server, 23)
    page2 = thread_path(server, thread, 2)
    server.faults = Faults(offsite_redirect_path=unquote(page2))
    with DemoServer(host="127.0.0.2", port=server.port) as other:
        outcome = recrawl(server, clean, tmp_path, thread_path(server, thread), thread.uid)
        assert other.requests == []
    error = f"redirect to another host: 127.0.0.2:{server.port}"
    failed_page_2(outcome, server.url + page2, thread.uid, 302, "fetch-failed", error)


def test_login_wall_blocks_the_thread(server: DemoServer, clean: Path, tmp_path: Path) -> None:
    thread = thread_of(server, 23)
    server.block_thread(thread.uid, "login")
    outcome = recrawl(server, clean, tmp_path, thread_path(server, thread), thread.uid)
    url = server.url + thread_path(server, thread)
    error = "login wall: sign-in form instead of posts: Sign In - HomeCue Community"
    assert outcome.report.exit_code == 1 and outcome.report.stats.blocked == 1
    assert outcome.report.stats.messages == [f"{url}: {error}"]
    assert outcome.pages == [(url, 200, "blocked", error)]
    assert outcome.thread == ("blocked", f"{error} (page 1)")
    unchanged_but_thread_status(outcome, thread.uid)  # no post marked deleted


def test_login_wall_on_one_page_blocks_the_thread(
    server: DemoServer, clean: Path, tmp_path: Path
) -> None:
    """A wall on page 2 only: the thread ends blocked, whatever page finishes last."""
    thread = thread_of(server, 23)
    wall = render.login_wall_page(server.community, thread, server.url).encode()
    outcome, url, uid = hostile_page_2(server, clean, tmp_path, [Response(200, wall)])
    error = "login wall: sign-in form instead of posts: Sign In - HomeCue Community"
    assert (url, 200, "blocked", error) in outcome.pages
    assert outcome.thread == ("blocked", f"{error} (page 2)")
    unchanged_but_thread_status(outcome, uid)


def test_bot_challenge_blocks_the_thread(server: DemoServer, clean: Path, tmp_path: Path) -> None:
    thread = thread_of(server, 23)
    server.block_thread(thread.uid, "challenge")
    outcome = recrawl(server, clean, tmp_path, thread_path(server, thread), thread.uid)
    url = server.url + thread_path(server, thread)
    error = "bot challenge instead of posts: Just a moment..."
    assert outcome.report.exit_code == 1 and outcome.report.stats.blocked == 1
    assert outcome.report.stats.messages == [f"{url}: {error}"]
    assert outcome.pages == [(url, 200, "blocked", error)]
    assert outcome.thread == ("blocked", f"{error} (page 1)")
    unchanged_but_thread_status(outcome, thread.uid)


def test_windows_1251_declared_as_utf8(server: DemoServer, clean: Path, tmp_path: Path) -> None:
    """Cyrillic bytes in windows-1251 under a UTF-8 label decode right: the same archive."""
    cyrillic = [t for t in server.community.threads() if "Привет" in t.posts[0].text]
    thread = cyrillic[0]
    server.faults = Faults(wrong_charset_threads=frozenset({thread.uid}))
    outcome = recrawl(server, clean, tmp_path, thread_path(server, thread), thread.uid)
    assert outcome.report.status == "complete"
    assert [p[2] for p in outcome.pages] == ["parsed"] * 3
    assert outcome.after == outcome.before
    texts = [row[11] for row in outcome.after["posts"] if row[0] == str(thread.uid)]
    assert any("Привет! После обновления хаб снова в сети, спасибо." in t for t in texts)


# --- listing pages -------------------------------------------------------------------------------


def test_no_forum_html_at_a_board_url(server: DemoServer, clean: Path, tmp_path: Path) -> None:
    board = server.community.board("hubs")
    path = render.board_url(board)
    page = b"<html><head><title>Welcome to nginx!</title></head><body>It works.</body></html>"
    server.script(path, [Response(200, page)])
    outcome = recrawl(server, clean, tmp_path, path)
    error = "not a Khoros page: Welcome to nginx!"
    # The start page is no forum page: the run fails with exit code 2 and says why.
    assert (outcome.report.status, outcome.report.exit_code) == ("failed", 2)
    assert outcome.report.reason == f"{server.url}{path}: {error}"
    assert outcome.report.stats.messages == [f"{server.url}{path}: {error}"]
    assert outcome.pages == [(server.url + path, 200, "parse-failed", error)]
    assert outcome.after == outcome.before


# --- charsets ------------------------------------------------------------------------------------

RUSSIAN = "<p>Привет! После обновления хаб снова в сети, спасибо. Ёлка, «ошибка 17».</p>"
WESTERN = "<p>Viele Grüße aus München; le café « erreur 17 » don’t – Ça va? Señor ÉTÉ</p>"


@pytest.mark.parametrize(
    ("text", "encoding", "content_type"),
    [
        (RUSSIAN, "cp1251", "text/html; charset=UTF-8"),
        (RUSSIAN, "cp1251", None),
        (RUSSIAN, "cp1251", "text/html; charset=no-such-charset"),
        (WESTERN, "cp1252", "text/html; charset=UTF-8"),
        (WESTERN, "cp1252", None),
        (RUSSIAN + "<p>Lumo Hub firmware 4.12: the bridge works again.</p>", "cp1251",
         "text/html; charset=utf-8"),
        ("<p>Привет, Ёлка</p>", "koi8-r", "text/html; charset=KOI8-R"),  # a true declaration
        (RUSSIAN + WESTERN, "utf-8", "text/html; charset=windows-1251"),  # UTF-8 bytes win
    ],
    ids=["1251-as-utf8", "1251-undeclared", "1251-unknown", "1252-as-utf8", "1252-undeclared",
         "1251-with-english", "declared-koi8", "utf8-as-1251"],
)
def test_decode_wrong_or_missing_charset(
    text: str, encoding: str, content_type: str | None
) -> None:
    assert decode_html(text.encode(encoding), content_type) == text
