"""Running unattended: unreachable sites fail fast and invent nothing, robots.txt that cannot
be fetched stops the site (RFC 9309), signals stop a run cleanly, dead runs are not shown as
running, each run's changes can be listed, requests are logged, sessions (headers, cookies)
reach only the crawled hosts, and the loopback demo ignores proxies. All on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from httpserver import ScriptedServer, SilentServer, closed_port
from test_crawl import ROOT, archived, hubs_thread, options, pages_archived, run_cli_crawl
from test_crawl import thread_path as demo_thread_path

from scraper import liql
from scraper.cli import cli
from scraper.crawl import CrawlError, crawl
from scraper.demo import DemoServer

LOCAL_NAMES = {"127.0.0.1", "localhost"}
PROBE = liql.search_url("", liql.query("boards", liql.BOARD_FIELDS))  # the Community API


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Resolve names on this machine only: ``*.invalid`` (RFC 2606) fails as the system
    resolver fails it, 127.0.0.1 resolves, and any other name fails the test. No DNS query
    leaves the machine. Yields the names looked up."""
    real = socket.getaddrinfo
    names: list[str] = []

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        names.append(name)
        if name in LOCAL_NAMES:
            return real(host, *args, **kwargs)
        if not name.endswith(".invalid"):
            pytest.fail(f"the test looked up a real name: {name}")
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield names


def table_counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    counts = {t: conn.execute(f"select count(*) from {t}").fetchone()[0]
              for t in ("threads", "posts", "pages", "users", "boards")}
    conn.close()
    return counts


def rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


# --- failing fast -------------------------------------------------------------------------------


def test_unresolvable_host_is_one_line_exit_1_and_invents_nothing(
    tmp_path: Path, lookups: list[str]
) -> None:
    db = tmp_path / "u.db"
    board = "http://forum.invalid/t5/Hubs/bd-p/hubs"
    thread = "http://forum.invalid/t5/Hubs/Pairing/td-p/77"
    result = run("crawl", board, thread, "--db", str(db), "--delay", "0")
    assert result.exit_code == 1
    reason = ("host unreachable: forum.invalid: connection failed: the host name does not"
              " resolve (Name or service not known) (2 attempts)")
    assert result.stderr.splitlines()[1:3] == [
        f"{reason}; its pages are left for the next run",
        "2 pages left: run the same command again to continue",
    ]
    assert lookups == ["forum.invalid"] * 2  # robots.txt twice; the pages never tried
    assert table_counts(db) == {"threads": 0, "posts": 0, "pages": 0, "users": 0, "boards": 0}
    assert rows(db, "select url, state, attempts from frontier order by id") == [
        (board, "pending", 0), ("http://forum.invalid/t5/Hubs/Pairing/td-p/77", "pending", 0),
    ]
    assert rows(db, "select status, errors from crawl_runs") == [("incomplete", 1)]


def test_unresolvable_host_without_robots_tries_one_page_only(
    tmp_path: Path, lookups: list[str]
) -> None:
    urls = [f"http://forum.invalid/t5/Hubs/Subject-{n}/td-p/{n}" for n in (1, 2, 3)]
    report = crawl(urls, replace(options(tmp_path / "n.db", obey_robots=False), concurrency=1))
    assert (report.status, report.exit_code, report.pending) == ("incomplete", 1, 3)
    assert lookups == ["forum.invalid"] * 2
    assert report.stats.pages_fetched == 0


def test_a_site_that_went_away_keeps_its_archive_and_resumes(tmp_path: Path) -> None:
    """A complete thread stays complete when its host refuses connections later; nothing is
    recorded for the pages not reached, and they are fetched when the host is back."""
    db = tmp_path / "away.db"
    with DemoServer() as srv:
        thread = hubs_thread(srv, 23)
        url = srv.url + demo_thread_path(srv, thread.uid)
        assert crawl([url], options(db)).status == "complete"
        port = srv.port
    before = archived(db)
    pages_before = table_counts(db)["pages"]

    report = crawl([url], options(db, full=True))  # nobody listens on the port now
    assert (report.status, report.exit_code, report.pending) == ("incomplete", 1, 1)
    assert report.stats.sites_down == [
        f"host unreachable: 127.0.0.1:{port}: connection failed: connection refused (2 attempts)"
    ]
    assert archived(db) == before
    assert table_counts(db)["pages"] == pages_before
    assert rows(db, "select status, status_reason from threads") == [("complete", None)]

    with DemoServer(port=port):
        again = crawl([url], options(db, full=True))
    assert (again.status, again.pending) == ("complete", 0)
    assert archived(db) == before


def test_silent_host_is_given_up_after_two_timeouts(tmp_path: Path) -> None:
    with SilentServer() as silent:
        urls = [f"http://{silent.host}/t5/Hubs/Subject-{n}/td-p/{n}" for n in (1, 2)]
        report = crawl(urls, options(tmp_path / "s.db", timeout=0.5))
        assert len(silent.connections) == 2  # robots.txt, twice; no page asked for
    assert report.stats.sites_down == [  # each read may take half the --timeout
        f"host unreachable: {silent.host}: timeout: no answer within 0.25 s (2 attempts)"
    ]
    assert (report.status, report.exit_code, report.pending) == ("incomplete", 1, 2)
    assert table_counts(tmp_path / "s.db")["pages"] == 0


def test_robots_txt_server_error_means_the_site_is_not_crawled(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    with DemoServer() as srv:
        thread = hubs_thread(srv, 10)
        url = srv.url + demo_thread_path(srv, thread.uid)
        srv.script("/robots.txt", [503] * 5)
        report = crawl([url], options(db))
        assert [(r.path, r.status) for r in srv.requests] == [("/robots.txt", 503)] * 5
        down = (f"robots.txt of 127.0.0.1:{srv.port} unreachable (HTTP 503 after 5 attempts):"
                " site not crawled this run (RFC 9309)")
        assert report.stats.sites_down == [down]
        assert (report.status, report.exit_code, report.pending) == ("incomplete", 1, 1)
        assert table_counts(db)["pages"] == 0
        resumed = crawl([url], options(db))  # robots.txt answers again
        assert (resumed.status, resumed.stats.posts_new) == ("complete", 10)
        # A start page whose platform must be recognised from the page cannot be: exit 1.
        srv.script("/robots.txt", [503] * 5)
        with pytest.raises(CrawlError) as error:
            crawl([srv.url + "/"], options(tmp_path / "root.db"))
    assert error.value.exit_code == 1
    assert str(error.value) == f"cannot recognise the forum at {srv.url}/: {down}"


def test_robots_txt_forbidden_allows_everything(tmp_path: Path) -> None:
    """RFC 9309: a 4xx robots.txt (here 403) is "unavailable": crawling is allowed."""
    with DemoServer() as srv:
        srv.script("/robots.txt", [403])
        thread = hubs_thread(srv, 10)
        report = crawl([srv.url + demo_thread_path(srv, thread.uid)], options(tmp_path / "f.db"))
    assert (report.status, report.stats.sites_down, report.stats.posts_new) == (
        "complete", [], 10
    )


# --- signals, dead runs, pending threads ------------------------------------------------------


def wait_for_pages(proc, db: Path, target: int) -> None:
    deadline = time.monotonic() + 60
    while pages_archived(db) < target and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    assert proc.poll() is None, "the crawl ended before it could be interrupted"


def test_sigterm_and_sigint_stop_cleanly_then_resume_gives_the_same_archive(
    tmp_path: Path,
) -> None:
    with DemoServer(latency=0.01) as srv:
        reference = tmp_path / "ref.db"
        assert run_cli_crawl(srv.url + "/", reference).wait(120) == 0
        db = tmp_path / "stopped.db"
        codes = []
        for target, sig in ((20, signal.SIGTERM), (50, signal.SIGINT)):
            proc = run_cli_crawl(srv.url + "/", db, concurrency=1)
            wait_for_pages(proc, db, target)
            proc.send_signal(sig)
            codes.append(proc.wait(60))
            assert proc.stderr.read() == b""  # --quiet: no traceback, no noise
        assert rows(db, "select status from crawl_runs order by id") == [
            ("interrupted",), ("interrupted",)
        ]
        assert rows(db, "select count(*) from threads where status = 'partial'") == [(0,)]
        final = run_cli_crawl(srv.url + "/", db)
        assert final.wait(120) == 0, final.stderr.read()
    assert codes == [143, 130]
    assert archived(db) == archived(reference)


def test_status_shows_a_killed_run_as_interrupted(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    with DemoServer(latency=0.01) as srv:
        proc = run_cli_crawl(srv.url + "/", db, concurrency=1)
        wait_for_pages(proc, db, 5)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(60)
        assert rows(db, "select status from crawl_runs") == [("running",)]  # as left behind
        result = run("status", "--db", str(db))
        assert result.exit_code == 0
        (line,) = [line for line in result.stdout.splitlines() if line.startswith("  #1 ")]
        assert " interrupted: " in line and "running" not in result.stdout
        report = crawl([srv.url + "/"], options(db))
    assert report.status == "complete"
    assert rows(db, "select id, status from crawl_runs order by id") == [
        (1, "interrupted"), (2, "complete")
    ]


def test_threads_not_yet_fetched_are_pending_not_partial(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    with DemoServer() as srv:
        thread = hubs_thread(srv, 60)  # six pages
        report = crawl([srv.url + demo_thread_path(srv, thread.uid)], options(db, max_pages=2))
        assert (report.status, report.pending) == ("stopped", 4)
        assert rows(db, "select status, status_reason from threads") == [("pending", None)]
        result = run("status", "--db", str(db))
        assert "  threads: 1 pending" in result.stdout.splitlines()
        assert "Threads needing attention:" not in result.stdout
        assert crawl([srv.url + demo_thread_path(srv, thread.uid)], options(db)).status == (
            "complete"
        )
    assert rows(db, "select status from threads") == [("complete",)]


# --- what each run changed --------------------------------------------------------------------


def test_status_run_lists_the_new_changed_and_deleted_posts_of_a_run(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    with DemoServer() as srv:
        thread = hubs_thread(srv, 11)  # two pages
        url = srv.url + demo_thread_path(srv, thread.uid)
        assert crawl([url], options(db)).status == "complete"
        edited, deleted = thread.posts[3], thread.posts[5]
        srv.edit_post(edited.uid, "Edited: it was the power supply after all.")
        srv.delete_post(deleted.uid)
        new_uid = srv.add_reply(thread.uid, "Confirming the power supply fix.")
        second = crawl([url], options(db, full=True))
    assert (second.stats.posts_new, second.stats.posts_changed) == (1, 1)
    by_uid = dict(rows(db, "select external_id, position from posts"))
    (title,) = rows(db, "select title from threads")[0]
    result = run("status", "--db", str(db), "--run", "2")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Run #2 ") and lines[0].endswith(
        " complete: 1 new, 1 changed, 1 deleted posts"
    )
    author = dict(rows(db, "select p.external_id, u.name from posts p join users u"
                           " on u.id = p.author_id"))
    post_url = dict(rows(db, "select external_id, url from posts"))
    assert lines[1:] == [
        f"  new     #{by_uid[str(new_uid)]} by {author[str(new_uid)]} in {title}"
        f" {post_url[str(new_uid)]}",
        f"  changed #{by_uid[str(edited.uid)]} by {author[str(edited.uid)]} in {title}"
        f" {post_url[str(edited.uid)]}",
        f"  deleted #{by_uid[str(deleted.uid)]} by {author[str(deleted.uid)]} in {title}"
        f" {post_url[str(deleted.uid)]}",
    ]
    first = run("status", "--db", str(db), "--run", "1").stdout.splitlines()
    assert first[0].endswith(" complete: 11 new, 0 changed, 0 deleted posts")
    assert len(first) == 12
    assert rows(db, "select change, count(*) from run_changes group by run_id, change"
                    " order by run_id, change") == [
        ("new", 11), ("changed", 1), ("deleted", 1), ("new", 1)
    ]
    missing = run("status", "--db", str(db), "--run", "9")
    assert (missing.exit_code, missing.stderr) == (2, "Error: no crawl run #9 in the archive\n")


# --- the request log --------------------------------------------------------------------------


def test_log_file_records_every_request(tmp_path: Path) -> None:
    db, log = tmp_path / "l.db", tmp_path / "crawl.log"
    with DemoServer() as srv:
        thread = hubs_thread(srv, 23)  # three pages
        page2 = demo_thread_path(srv, thread.uid, 2)
        srv.script(page2, [503])
        url = srv.url + demo_thread_path(srv, thread.uid)
        result = run("crawl", url, "--db", str(db), "--delay", "0", "--log", str(log),
                     "--quiet")
        served = [(srv.url + r.path, r.status) for r in srv.requests]
    assert result.exit_code == 0, result.output
    header, *lines = log.read_text().splitlines()
    assert header == "# time\tstatus\tbytes\tattempt\turl\terror"
    fields = [line.split("\t") for line in lines]
    assert [(f[4], int(f[1])) for f in fields] == served
    assert all(len(f) == 6 and f[0].endswith("Z") for f in fields)
    retried = [f for f in fields if f[4] == srv.url + page2]
    assert [(f[1], f[3], f[5]) for f in retried] == [("503", "1", "HTTP 503"), ("200", "2", "-")]
    assert all(int(f[2]) > 1000 for f in fields if "/td-p/" in f[4] and f[1] == "200")


def test_verbose_prints_requests_to_stderr(tmp_path: Path) -> None:
    with ScriptedServer() as server:
        url = server.url("/t5/Hubs/Subject/td-p/5")
        result = run("crawl", url, "--db", str(tmp_path / "v.db"), "--delay", "0", "--verbose")
    assert result.exit_code == 1  # the thread is gone (404)
    logged = [line.split("\t") for line in result.stderr.splitlines() if "\t" in line]
    assert [(f[1], f[4]) for f in logged[1:]] == [
        ("404", server.url("/robots.txt")), ("404", server.url(PROBE)), ("404", url)
    ]  # the probe of the Community API (Khoros): absent, so HTML pages


# --- sessions: headers and cookies ------------------------------------------------------------


COOKIES = """# Netscape HTTP Cookie File
# (as a browser extension or curl exports it)
127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc123
#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\ttoken\ttok
.other.example\tTRUE\t/\tFALSE\t0\ttracker\tzzz
127.0.0.1\tFALSE\t/\tTRUE\t0\tsecure_only\tsss
127.0.0.1\tFALSE\t/elsewhere\tFALSE\t0\tscoped\tppp
127.0.0.1\tFALSE\t/\tFALSE\t1000\texpired\told
"""


def test_headers_and_cookies_go_to_the_crawled_host_only(tmp_path: Path) -> None:
    cookies = tmp_path / "cookies.txt"
    cookies.write_text(COOKIES)
    db = tmp_path / "h.db"
    with ScriptedServer() as server:
        url = server.url("/t5/Hubs/Subject/td-p/5")
        result = run("crawl", url, "--db", str(db), "--delay", "0", "--cookies", str(cookies),
                     "--header", "Authorization: Bearer s3cret", "--header", "X-Trace:  on ")
        requests = list(server.requests)
    assert result.exit_code == 1, result.output  # 404: gone
    assert [r.path for r in requests] == ["/robots.txt", PROBE, "/t5/Hubs/Subject/td-p/5"]
    for request in requests:
        assert request.headers["cookie"] == "session=abc123; token=tok"
        assert request.headers["authorization"] == "Bearer s3cret"
        assert request.headers["x-trace"] == "on"
    (args,) = rows(db, "select args from crawl_runs")[0]
    assert "s3cret" not in args and "abc123" not in args
    assert '"headers": "Authorization, X-Trace"' in args


def test_a_cookies_file_for_another_site_is_pointed_out(tmp_path: Path) -> None:
    cookies = tmp_path / "cookies.txt"
    cookies.write_text(COOKIES.replace("127.0.0.1\t", "forum.example\t"))
    with ScriptedServer() as server:
        url = server.url("/t5/Hubs/Subject/td-p/5")
        result = run("crawl", url, "--db", str(tmp_path / "o.db"), "--delay", "0",
                     "--cookies", str(cookies))
        assert all("cookie" not in r.headers for r in server.requests)
    assert f"  {cookies} has no cookie for {server.host}" in result.stderr.splitlines()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--header", "no colon here"],
         "Error: not a header (expected 'Name: value'): 'no colon here'"),
        (["--header", "Host: elsewhere.example"],
         "Error: the Host header is set by forum-scraper itself"),
        (["--header", "User-Agent: other"],
         "Error: give the user agent with --user-agent (robots.txt rules follow it)"),
        (["--cookies", "{tmp}/missing.txt"],
         "Error: cannot read cookies from {tmp}/missing.txt: No such file or directory"),
        (["--cookies", "{tmp}/plain.txt"],
         "Error: cannot read cookies from {tmp}/plain.txt: '{tmp}/plain.txt' does not look"
         " like a Netscape format cookies file"),
    ],
)
def test_bad_session_options_are_one_line_exit_2(tmp_path: Path, args, message) -> None:
    (tmp_path / "plain.txt").write_text("session=abc123\n")
    db = tmp_path / "bad.db"
    result = run("crawl", "http://127.0.0.1:9/t5/Hubs/bd-p/hubs", "--db", str(db),
                 *[a.format(tmp=tmp_path) for a in args])
    assert (result.exit_code, result.stderr) == (2, message.format(tmp=tmp_path) + "\n")
    assert not db.exists()


# --- proxies ----------------------------------------------------------------------------------


def test_loopback_crawl_ignores_proxy_settings(tmp_path: Path, monkeypatch) -> None:
    dead_proxy = f"http://127.0.0.1:{closed_port()}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, dead_proxy)
    with DemoServer() as srv:
        thread = hubs_thread(srv, 10)
        report = crawl([srv.url + demo_thread_path(srv, thread.uid)], options(tmp_path / "p.db"))
    assert (report.status, report.stats.posts_new) == ("complete", 10)


def test_demo_command_ignores_proxy_settings(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {**os.environ, "HTTP_PROXY": f"http://127.0.0.1:{closed_port()}",
           "ALL_PROXY": f"http://127.0.0.1:{closed_port()}"}
    proc = subprocess.run(
        [sys.executable, "-m", "scraper", "demo", "--port", "0", "--quiet",
         "--db", str(tmp_path / "demo.db")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("crawl complete: ")
