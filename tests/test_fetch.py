"""Fetcher against real HTTP on 127.0.0.1; waits go to a fake clock, never really slept."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from httpserver import DROP, Request, ScriptedServer, SilentServer, closed_port

from scraper import __version__
from scraper.fetch import (
    DEFAULT_USER_AGENT,
    MAX_REDIRECTS,
    Fetcher,
    FetchResult,
    host_key,
    parse_retry_after,
)
from scraper.robots import RobotsRules

HTML = {"content-type": "text/html; charset=utf-8"}


class FakeTime:
    """A monotonic clock that only moves when something sleeps; records every wait."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as srv:
        yield srv


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


def fetcher_for(server: ScriptedServer, fake: FakeTime, **options: Any) -> Fetcher:
    settings: dict[str, Any] = {
        "delay": 0.0,
        "backoff": 0.0,
        "obey_robots": False,
        "timeout": 5.0,
        "sleep": fake.sleep,
        "clock": fake.clock,
    }
    return Fetcher([server.host], **(settings | options))


def fetch_all(fetcher: Fetcher, *urls: str, **kwargs: Any) -> list[FetchResult]:
    """Fetch ``urls`` one after the other, then close the fetcher."""

    async def main() -> list[FetchResult]:
        async with fetcher:
            return [await fetcher.fetch(url, **kwargs) for url in urls]

    return asyncio.run(main())


def fetch_one(fetcher: Fetcher, url: str, **kwargs: Any) -> FetchResult:
    return fetch_all(fetcher, url, **kwargs)[0]


def test_ok_result_and_request(server: ScriptedServer, fake: FakeTime) -> None:
    server.route("/t/1", (200, HTML | {"ETag": '"v1"', "X-Forum": "yes"}, b"<p>hello</p>"))
    fetcher = fetcher_for(server, fake)
    result = fetch_one(fetcher, server.url("/t/1"))
    assert result == FetchResult(
        url=server.url("/t/1"),
        final_url=server.url("/t/1"),
        status_code=200,
        headers=result.headers,
        body=b"<p>hello</p>",
        error=None,
        attempts=1,
    )
    assert result.headers["x-forum"] == "yes"
    assert result.content_type == "text/html; charset=utf-8"
    assert result.etag == '"v1"'
    assert result.last_modified is None
    (request,) = server.requests
    assert request.headers["user-agent"] == DEFAULT_USER_AGENT
    assert DEFAULT_USER_AGENT.startswith(f"forum-scraper/{__version__} (+https://")
    assert "if-none-match" not in request.headers
    assert fake.sleeps == []
    assert (fetcher.stats.requests, fetcher.stats.retries, fetcher.stats.bytes_received) == (
        1,
        0,
        12,
    )


def test_503_then_200_is_retried_with_backoff(server: ScriptedServer, fake: FakeTime) -> None:
    server.route("/p", (503, {}, b""), (200, HTML, b"ok"))
    fetcher = fetcher_for(server, fake, backoff=1.0)
    result = fetch_one(fetcher, server.url("/p"))
    assert (result.status_code, result.body, result.error, result.attempts) == (200, b"ok", None, 2)
    assert len(server.requests_to("/p")) == 2
    (wait,) = fake.sleeps
    assert 1.0 <= wait <= 2.0
    assert fetcher.stats.retries == 1
    assert dict(fetcher.stats.by_status) == {503: 1, 200: 1}


def test_backoff_grows_and_is_capped_then_gives_up(server: ScriptedServer, fake: FakeTime) -> None:
    server.route("/p", (503, {}, b"busy"))
    fetcher = fetcher_for(server, fake, backoff=1.0, max_backoff=3.0, max_attempts=4)
    result = fetch_one(fetcher, server.url("/p"))
    assert (result.status_code, result.error, result.attempts, result.body) == (
        503,
        "HTTP 503 after 4 attempts",
        4,
        b"",
    )
    assert len(server.requests_to("/p")) == 4
    first, second, third = fake.sleeps
    assert 1.0 <= first <= 2.0
    assert 2.0 <= second <= 3.0
    assert third == 3.0


def test_429_retry_after_seconds_is_a_minimum_wait(server: ScriptedServer, fake: FakeTime) -> None:
    server.route("/p", (429, {"Retry-After": "3"}, b""), (200, HTML, b"ok"))
    result = fetch_one(fetcher_for(server, fake), server.url("/p"))
    assert (result.body, result.attempts) == (b"ok", 2)
    assert fake.sleeps == [3.0]


def test_retry_after_http_date_is_capped(server: ScriptedServer, fake: FakeTime) -> None:
    far = format_datetime(datetime(2099, 1, 1, tzinfo=UTC), usegmt=True)
    server.route("/p", (503, {"Retry-After": far}, b""), (200, HTML, b"ok"))
    result = fetch_one(fetcher_for(server, fake), server.url("/p"))
    assert (result.body, result.attempts) == (b"ok", 2)
    assert fake.sleeps == [600.0]


def test_retry_after_pauses_the_whole_host(server: ScriptedServer, fake: FakeTime) -> None:
    server.route("/busy", (503, {"Retry-After": "7"}, b""))
    server.route("/other", (200, HTML, b"ok"))
    fetcher = fetcher_for(server, fake, max_attempts=1)
    busy, other = fetch_all(fetcher, server.url("/busy"), server.url("/other"))
    assert (busy.error, busy.attempts) == ("HTTP 503", 1)
    assert (other.error, other.body) == (None, b"ok")
    assert fake.sleeps == [7.0]


def test_retry_after_holds_back_a_request_already_waiting(
    server: ScriptedServer, fake: FakeTime
) -> None:
    """B waits for its turn while A gets a 503 with Retry-After: B must start after the pause."""
    server.route("/busy", (503, {"Retry-After": "7"}, b""), (200, HTML, b"ok"))
    server.route("/other", (200, HTML, b"ok"))
    starts: list[tuple[str, float]] = []
    paused, b_started = asyncio.Event(), asyncio.Event()

    class RecordingTransport(httpx.AsyncHTTPTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            starts.append((request.url.path, fake.now))
            if request.url.path == "/other":
                b_started.set()
            return await super().handle_async_request(request)

    async def sleep(seconds: float) -> None:
        target = fake.now + seconds
        if seconds == 7:  # A backs off: the host is paused; B goes first
            paused.set()
            await b_started.wait()
        elif not paused.is_set():  # B's turn comes only after A's 503 arrived
            await paused.wait()
        fake.now = max(fake.now, target)

    fetcher = fetcher_for(server, fake, delay=1.0, sleep=sleep, transport=RecordingTransport())

    async def main() -> list[FetchResult]:
        async with fetcher, asyncio.timeout(5):
            return await asyncio.gather(
                fetcher.fetch(server.url("/busy")), fetcher.fetch(server.url("/other"))
            )

    assert [r.body for r in asyncio.run(main())] == [b"ok", b"ok"]
    assert starts == [("/busy", 1000.0), ("/other", 1007.0), ("/busy", 1008.0)]


def test_parse_retry_after() -> None:
    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    in_90s = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(in_90s, now) == 90.0
    assert parse_retry_after("Wed, 01 May 2024 11:00:00 GMT", now) == 0.0
    assert parse_retry_after(" 120 ", now) == 120.0
    assert parse_retry_after("86400", now) == 600.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("", now) is None
    assert parse_retry_after(None, now) is None


def test_404_is_not_retried(server: ScriptedServer, fake: FakeTime) -> None:
    server.route("/gone", (404, HTML, b"<p>no such thread</p>"))
    result = fetch_one(fetcher_for(server, fake), server.url("/gone"))
    assert (result.status_code, result.error, result.attempts, result.body) == (
        404,
        "HTTP 404",
        1,
        b"",
    )
    assert len(server.requests_to("/gone")) == 1
    assert fake.sleeps == []


def test_dropped_connection_is_retried(server: ScriptedServer, fake: FakeTime) -> None:
    server.route("/p", DROP, (200, HTML, b"ok"))
    server.route("/dead", DROP)
    fetcher = fetcher_for(server, fake, max_attempts=2)
    ok, dead = fetch_all(fetcher, server.url("/p"), server.url("/dead"))
    assert (ok.body, ok.error, ok.attempts) == (b"ok", None, 2)
    assert dead.status_code is None
    assert dead.error is not None and dead.error.startswith("connection failed: ")
    assert dead.attempts == 2
    assert len(server.requests_to("/dead")) == 2
    assert fetcher.stats.transport_errors == 3


def test_truncated_body_is_retried_then_reported(server: ScriptedServer, fake: FakeTime) -> None:
    server.route("/p", (200, HTML | {"Content-Length": "5000"}, b"x" * 1234))
    result = fetch_one(fetcher_for(server, fake, max_attempts=3), server.url("/p"))
    assert (result.status_code, result.error, result.attempts, result.body) == (
        200,
        "truncated body (got 1234 of 5000 bytes)",
        3,
        b"",
    )
    assert len(server.requests_to("/p")) == 3


def test_truncated_then_complete_succeeds(server: ScriptedServer, fake: FakeTime) -> None:
    server.route("/p", (200, {"Content-Length": "50"}, b"short"), (200, HTML, b"y" * 50))
    result = fetch_one(fetcher_for(server, fake), server.url("/p"))
    assert (result.body, result.attempts) == (b"y" * 50, 2)


def looks_complete(body: bytes, result: FetchResult) -> str | None:
    return None if body.rstrip().endswith(b"</html>") else "page looks truncated"


def test_validate_failure_is_retried(server: ScriptedServer, fake: FakeTime) -> None:
    server.route("/p", (200, HTML, b"<html><p>half"), (200, HTML, b"<html><p>all</p></html>"))
    server.route("/bad", (200, HTML, b"<html><p>half"))
    fetcher = fetcher_for(server, fake, max_attempts=3)
    good, bad = fetch_all(fetcher, server.url("/p"), server.url("/bad"), validate=looks_complete)
    assert (good.body, good.error, good.attempts) == (b"<html><p>all</p></html>", None, 2)
    assert (bad.status_code, bad.body, bad.error, bad.attempts) == (
        200,
        b"",
        "page looks truncated",
        3,
    )


def test_redirect_within_host_is_followed(server: ScriptedServer, fake: FakeTime) -> None:
    server.route("/old", (301, {"Location": "/t/new?page=2"}, b""))
    server.route("/t/new?page=2", (200, HTML, b"moved here"))
    result = fetch_one(fetcher_for(server, fake), server.url("/old"))
    assert (result.url, result.final_url) == (server.url("/old"), server.url("/t/new?page=2"))
    assert (result.status_code, result.body, result.error, result.attempts) == (
        200,
        b"moved here",
        None,
        1,
    )


def test_other_hosts_are_never_contacted(server: ScriptedServer, fake: FakeTime) -> None:
    with ScriptedServer() as other:
        other.route("/x", (200, HTML, b"elsewhere"))
        server.route("/go", (302, {"Location": other.url("/x")}, b""))
        fetcher = fetcher_for(server, fake)
        assert fetcher.allowed(server.url("/go"))
        assert not fetcher.allowed(other.url("/x"))
        redirected, direct = fetch_all(fetcher, server.url("/go"), other.url("/x"))
        assert other.requests == []
    assert (redirected.status_code, redirected.final_url, redirected.error) == (
        302,
        server.url("/go"),
        f"redirect to another host: {other.host}",
    )
    assert (direct.status_code, direct.error, direct.attempts) == (
        None,
        f"host not allowed: {other.host}",
        0,
    )


def test_redirect_loop_ends(server: ScriptedServer, fake: FakeTime) -> None:
    server.route("/a", (302, {"Location": "/b"}, b""))
    server.route("/b", (302, {"Location": "/a"}, b""))
    result = fetch_one(fetcher_for(server, fake), server.url("/a"))
    assert (result.error, result.attempts) == ("too many redirects", 1)
    assert len(server.requests) == MAX_REDIRECTS + 1


ROBOTS = b"User-agent: *\nDisallow: /private\n"


def test_robots_disallow(server: ScriptedServer, fake: FakeTime) -> None:
    server.route("/robots.txt", (200, {"content-type": "text/plain"}, ROBOTS))
    server.route("/public", (200, HTML, b"open"))
    server.route("/go", (301, {"Location": "/private/2"}, b""))
    fetcher = fetcher_for(server, fake, obey_robots=True)
    assert fetcher.allowed(server.url("/private/1"))  # robots.txt not read yet
    private, public, redirected = fetch_all(
        fetcher, server.url("/private/1"), server.url("/public"), server.url("/go")
    )
    assert (private.status_code, private.error, private.attempts) == (
        None,
        "blocked by robots.txt",
        0,
    )
    assert (public.body, public.error) == (b"open", None)
    assert (redirected.status_code, redirected.error) == (301, "blocked by robots.txt")
    assert [r.path for r in server.requests] == ["/robots.txt", "/public", "/go"]
    assert not fetcher.allowed(server.url("/private/1"))
    assert fetcher.allowed(server.url("/public"))
    assert fetcher.notes == []


def test_robots_group_for_our_agent(server: ScriptedServer, fake: FakeTime) -> None:
    robots = b"User-agent: forum-scraper\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    server.route("/robots.txt", (200, {}, robots))
    result = fetch_one(fetcher_for(server, fake, obey_robots=True), server.url("/t/1"))
    assert result.error == "blocked by robots.txt"
    assert [r.path for r in server.requests] == ["/robots.txt"]


def test_robots_fetched_once_for_concurrent_fetches(server: ScriptedServer, fake: FakeTime) -> None:
    server.route("/robots.txt", (200, {}, ROBOTS))
    server.route("/t", (200, HTML, b"ok"))
    fetcher = fetcher_for(server, fake, obey_robots=True, concurrency=3)

    async def main() -> list[FetchResult]:
        async with fetcher:
            return await asyncio.gather(*(fetcher.fetch(server.url("/t")) for _ in range(3)))

    assert [r.body for r in asyncio.run(main())] == [b"ok"] * 3
    assert len(server.requests_to("/robots.txt")) == 1


def test_missing_or_forbidden_robots_allows_all(fake: FakeTime) -> None:
    with ScriptedServer() as missing, ScriptedServer() as forbidden:
        for srv in (missing, forbidden):
            srv.route("/t", (200, HTML, b"ok"))
        forbidden.route("/robots.txt", (403, {}, b""))
        fetcher = Fetcher(
            [missing.host, forbidden.host], delay=0, sleep=fake.sleep, clock=fake.clock, backoff=0
        )
        results = fetch_all(fetcher, missing.url("/t"), forbidden.url("/t"))
    assert [(r.body, r.error) for r in results] == [(b"ok", None), (b"ok", None)]
    assert fetcher.notes == []


@pytest.mark.parametrize("answer", [(503, {}, b""), (429, {}, b""), DROP])
def test_unreachable_robots_means_the_site_is_not_crawled(fake: FakeTime, answer) -> None:
    """RFC 9309: robots.txt unreachable for a server or network error disallows everything."""
    with ScriptedServer() as broken:
        broken.route("/t", (200, HTML, b"ok"))
        broken.route("/robots.txt", answer)
        fetcher = Fetcher(
            [broken.host], delay=0, sleep=fake.sleep, clock=fake.clock, backoff=0, max_attempts=3
        )
        results = fetch_all(fetcher, broken.url("/t"), broken.url("/t"))
        assert [r.path for r in broken.requests] == ["/robots.txt"] * (
            2 if answer is DROP else 3
        )
    cause = (
        "connection failed: Server disconnected without sending a response. (2 attempts)"
        if answer is DROP else f"HTTP {answer[0]} after 3 attempts"
    )
    reason = (
        f"host unreachable: {broken.host}: {cause}" if answer is DROP
        else f"robots.txt of {broken.host} unreachable ({cause}): site not crawled this run"
        " (RFC 9309)"
    )
    assert [(r.error, r.host_down, r.attempts, r.body) for r in results] == [
        (reason, True, 0, b"")
    ] * 2
    assert fetcher.notes == [reason]
    assert not fetcher.allowed(broken.url("/t"))


def test_refused_host_is_tried_twice_then_down(fake: FakeTime) -> None:
    host = f"127.0.0.1:{closed_port()}"
    fetcher = Fetcher([host], delay=0, sleep=fake.sleep, clock=fake.clock, backoff=1.0,
                      obey_robots=False)
    first, second = fetch_all(fetcher, f"http://{host}/t/1", f"http://{host}/t/2")
    reason = f"host unreachable: {host}: connection failed: connection refused (2 attempts)"
    assert (first.error, first.host_down, first.attempts, first.status_code) == (
        reason, True, 2, None
    )
    assert (second.error, second.host_down, second.attempts) == (reason, True, 0)
    assert fetcher.stats.requests == 2  # the second URL was never requested
    assert len(fake.sleeps) == 1 and 1.0 <= fake.sleeps[0] <= 2.0  # one short backoff


def test_silent_host_gives_up_after_two_read_timeouts(fake: FakeTime) -> None:
    with SilentServer() as silent:
        fetcher = Fetcher([silent.host], delay=0, sleep=fake.sleep, clock=fake.clock, backoff=0,
                          timeout=0.2)
        results = fetch_all(fetcher, *(f"http://{silent.host}/t/{n}" for n in range(3)))
        assert len(silent.connections) == 2  # robots.txt twice, no page ever asked for
    reason = f"host unreachable: {silent.host}: timeout: no answer within 0.2 s (2 attempts)"
    assert [(r.error, r.host_down, r.attempts) for r in results] == [(reason, True, 0)] * 3


def test_a_host_that_answered_before_is_retried_fully_after_a_timeout(fake: FakeTime) -> None:
    release = threading.Event()

    def stall(request: Request):
        release.wait(5)
        return DROP

    with ScriptedServer() as server:
        server.route("/ok", (200, HTML, b"ok"))
        server.route("/slow", stall)
        fetcher = fetcher_for(server, fake, timeout=0.1, max_attempts=3)
        try:
            ok, slow = fetch_all(fetcher, server.url("/ok"), server.url("/slow"))
        finally:
            release.set()
    assert ok.error is None
    assert (slow.attempts, slow.host_down) == (3, False)
    assert slow.error is not None and slow.error.startswith("timeout: ")


def test_requests_are_spaced_by_delay(server: ScriptedServer, fake: FakeTime) -> None:
    server.route("/t", (200, HTML, b"ok"))
    fetch_all(fetcher_for(server, fake, delay=2.0), *[server.url("/t")] * 3)
    assert fake.sleeps == [2.0, 2.0]


def test_crawl_delay_raises_the_spacing(server: ScriptedServer, fake: FakeTime) -> None:
    server.route("/robots.txt", (200, {}, b"User-agent: *\nCrawl-delay: 5\n"))
    server.route("/t", (200, HTML, b"ok"))
    fetch_all(fetcher_for(server, fake, delay=1.0, obey_robots=True), *[server.url("/t")] * 3)
    assert fake.sleeps == [5.0, 5.0, 5.0]  # robots.txt, then three pages, 5 s apart


def test_robots_rules_round_fractional_crawl_delay_up() -> None:
    rules = RobotsRules("User-agent: *\nCrawl-delay: 2.5\nDisallow: /x\n", DEFAULT_USER_AGENT)
    assert rules.crawl_delay == 3.0
    assert not rules.can_fetch("http://h.example/x/1")
    assert RobotsRules(None, DEFAULT_USER_AGENT).crawl_delay is None


def test_body_over_max_bytes(server: ScriptedServer, fake: FakeTime) -> None:
    server.route("/declared", (200, HTML, b"x" * 2000))
    server.route("/streamed", (200, HTML, [b"x" * 600, b"x" * 600]))
    too_large = (200, "response larger than 1000 bytes", b"", 1)
    refuser = fetcher_for(server, fake, max_bytes=1000)
    declared = fetch_one(refuser, server.url("/declared"))
    assert (declared.status_code, declared.error, declared.body, declared.attempts) == too_large
    assert refuser.stats.bytes_received == 0  # refused on Content-Length, body never read
    streamed = fetch_one(fetcher_for(server, fake, max_bytes=1000), server.url("/streamed"))
    assert (streamed.status_code, streamed.error, streamed.body, streamed.attempts) == too_large


def gzip_of_zeros(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(2**20)
    return b"".join(packer.compress(block) for _ in range(size // 2**20)) + packer.flush()


def test_gzip_bomb_is_capped_after_decompression(server: ScriptedServer, fake: FakeTime) -> None:
    bomb = gzip_of_zeros(16 * 2**20)
    assert len(bomb) < 2**20
    gz = {"content-type": "text/html", "content-encoding": "gzip"}
    server.route("/bomb", (200, gz, bomb))
    server.route("/small", (200, gz, gzip.compress(b"<p>fine</p>")))
    fetcher = fetcher_for(server, fake, max_bytes=2**20)
    bombed, small = fetch_all(fetcher, server.url("/bomb"), server.url("/small"))
    assert (bombed.error, bombed.body) == ("response larger than 1 MB", b"")
    assert (small.error, small.body) == (None, b"<p>fine</p>")


def test_undecodable_body_is_an_error(server: ScriptedServer, fake: FakeTime) -> None:
    server.route("/p", (200, {"content-encoding": "gzip"}, b"this is not gzip"))
    result = fetch_one(fetcher_for(server, fake), server.url("/p"))
    assert (result.status_code, result.body, result.attempts) == (200, b"", 1)
    assert result.error is not None and result.error.startswith("undecodable body: ")


def test_conditional_request_gives_304(server: ScriptedServer, fake: FakeTime) -> None:
    stamp = "Wed, 21 Oct 2015 07:28:00 GMT"

    def answer(request: Request) -> tuple[int, dict[str, str], bytes]:
        if request.headers.get("if-none-match") == '"v7"':
            return 304, {"ETag": '"v7"'}, b""
        return 200, HTML | {"ETag": '"v7"'}, b"full page"

    server.route("/t", answer)
    fetcher = fetcher_for(server, fake)
    result = fetch_one(fetcher, server.url("/t"), etag='"v7"', last_modified=stamp)
    assert (result.status_code, result.not_modified, result.error, result.body) == (
        304,
        True,
        None,
        b"",
    )
    assert result.etag == '"v7"'
    (request,) = server.requests
    assert (request.headers["if-none-match"], request.headers["if-modified-since"]) == (
        '"v7"',
        stamp,
    )


@pytest.mark.parametrize("concurrency", [1, 3])
def test_in_flight_requests_never_exceed_concurrency(
    server: ScriptedServer, fake: FakeTime, concurrency: int
) -> None:
    def slow(request: Request) -> tuple[int, dict[str, str], bytes]:
        time.sleep(0.04)
        return 200, HTML, b"ok"

    server.route("/slow", slow)
    fetcher = fetcher_for(server, fake, concurrency=concurrency)

    async def main() -> list[FetchResult]:
        async with fetcher:
            urls = [server.url(f"/slow?n={n}") for n in range(7)]
            return await asyncio.gather(*(fetcher.fetch(url) for url in urls))

    assert [r.body for r in asyncio.run(main())] == [b"ok"] * 7
    assert server.max_in_flight == concurrency


def test_slow_drip_ends_at_the_deadline(server: ScriptedServer, fake: FakeTime) -> None:
    def drip() -> Iterator[bytes]:
        for _ in range(100):
            time.sleep(0.02)
            yield b"x"

    server.route("/drip", lambda request: (200, {"Content-Length": "100"}, drip()))
    fetcher = fetcher_for(server, fake, timeout=0.15, max_attempts=1)
    result = fetch_one(fetcher, server.url("/drip"))
    assert (result.status_code, result.error, result.attempts) == (
        None,
        "timeout: no complete response within 0.3 s",
        1,
    )


def test_stalled_body_hits_the_read_timeout(server: ScriptedServer, fake: FakeTime) -> None:
    release = threading.Event()

    def stall() -> Iterator[bytes]:
        yield b"<html>"
        release.wait(5)

    server.route("/stall", lambda request: (200, {"Content-Length": "100"}, stall()))
    fetcher = fetcher_for(server, fake, timeout=0.1, max_attempts=1)
    try:
        result = fetch_one(fetcher, server.url("/stall"))
    finally:
        release.set()
    assert result.status_code == 200
    assert result.error is not None and result.error.startswith("timeout: ")
    assert "within" not in result.error  # httpx's read timeout, not the overall deadline


def test_cookies_are_not_kept(server: ScriptedServer, fake: FakeTime) -> None:
    server.route("/login", (200, HTML | {"Set-Cookie": "session=abc; Path=/"}, b"hi"))
    server.route("/next", (200, HTML, b"again"))
    fetch_all(fetcher_for(server, fake), server.url("/login"), server.url("/next"))
    assert "cookie" not in server.requests_to("/next")[0].headers


def test_host_key_is_port_aware() -> None:
    assert host_key("https://Forum.Example:443/t/1") == "forum.example"
    assert host_key("http://127.0.0.1:8080/x") == "127.0.0.1:8080"
    assert host_key("forum.example:8080") == "forum.example:8080"
    fetcher = Fetcher(["forum.example"])
    assert fetcher.allowed("https://forum.example/t/1")
    assert not fetcher.allowed("https://forum.example:8443/t/1")
    assert not fetcher.allowed("https://sub.forum.example/t/1")
    assert not fetcher.allowed("ftp://forum.example/t/1")
