"""HTTP fetching: allowed hosts only, robots.txt, per-host politeness, retries and size caps.

Politeness, per host (a host is a name plus its port when that is not the scheme's default):

- at most ``concurrency`` requests to the host are in flight at once;
- request *starts* are at least ``interval`` seconds apart whatever the concurrency, where
  ``interval = max(delay, Crawl-delay of robots.txt)``; concurrency therefore only pays when
  answers take longer than the interval, and ``delay=0`` runs ``concurrency`` requests flat out;
- a ``Retry-After`` on a retried answer pauses the whole host until it has passed.

Every redirect hop, the robots.txt request included, goes through the same rules.

A host that gives no answer ``UNREACHABLE_ATTEMPTS`` times in a row (its name does not
resolve, it refuses connections, or it accepts and stays silent before ever answering) is taken
as down for the rest of the run: its URLs fail at once with ``host_down`` set, without a
request. So is a host whose robots.txt cannot be fetched for a server (5xx, 429) or network
error (RFC 9309: an unreachable robots.txt means "disallow everything", for now).
"""

from __future__ import annotations

import asyncio
import contextvars
import email.utils
import logging
import math
import socket
import time
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from scraper import __version__
from scraper.robots import RobotsRules
from scraper.runlog import RequestEvent
from scraper.session import cookie_header

DEFAULT_USER_AGENT = (
    f"forum-scraper/{__version__} (+https://github.com/forum-scraper/forum-scraper)"
)
ROBOTS_REFUSAL = "blocked by robots.txt"
MAX_REDIRECTS = 10
MAX_ROBOTS_REDIRECTS = 5
MAX_RETRY_AFTER = 600.0
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ACCEPT_ENCODING = "gzip, deflate"  # what _Inflater decodes
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
UNREACHABLE_ATTEMPTS = 2  # attempts in a row without any answer before a host counts as down

log = logging.getLogger(__name__)
_ATTEMPT: contextvars.ContextVar[int] = contextvars.ContextVar("attempt", default=1)


@dataclass
class FetchResult:
    """The outcome of one ``Fetcher.fetch``; ``error`` is None on success (a 304 included)."""

    url: str
    final_url: str
    status_code: int | None
    headers: dict[str, str]
    body: bytes
    error: str | None
    attempts: int
    not_modified: bool = False
    host_down: bool = False  # the host is unreachable this run: nothing was or will be fetched

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


Validator = Callable[[bytes, FetchResult], str | None]


@dataclass
class FetchStats:
    """Counters over the life of a ``Fetcher`` (robots.txt requests included)."""

    requests: int = 0
    retries: int = 0
    bytes_received: int = 0
    transport_errors: int = 0
    by_status: Counter[int] = field(default_factory=Counter)


@dataclass
class _Host:
    slots: asyncio.Semaphore
    interval: float
    robots: RobotsRules | None = None
    robots_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_start: float = -math.inf
    paused_until: float = -math.inf
    answered: bool = False  # the host has sent at least one response this run
    no_answer: int = 0  # attempts in a row that got no answer at all
    down: str | None = None  # why the host is not tried again this run


class _Retry(Exception):
    """A failed attempt worth another one; ``unreachable`` when the host gave no answer."""

    def __init__(
        self, result: FetchResult, retry_after: float | None = None, *, unreachable: bool = False
    ) -> None:
        super().__init__(result.error)
        self.result = result
        self.retry_after = retry_after
        self.unreachable = unreachable


def host_key(url: str | httpx.URL) -> str:
    """``host`` or ``host:port`` (port only when not the scheme's default), lower-case, IDNA.

    A bare ``"example.com:8080"`` is read as a host, a string with ``://`` as a URL.
    """
    if isinstance(url, str):
        url = httpx.URL(url if "://" in url else f"http://{url}")
    return url.netloc.decode("ascii")


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` (delta-seconds or HTTP-date), capped at 10 min."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


class Fetcher:
    """Fetches pages of ``allowed_hosts`` politely (see the module docstring for the rules).

    Transport errors, 429, 500, 502, 503, 504 and a ``validate`` complaint are retried up to
    ``max_attempts`` times, waiting ``backoff * 2**n`` plus up to ``backoff`` of jitter, at most
    ``max_backoff``, and never less than a ``Retry-After``. Each response must be complete
    within ``deadline`` seconds (default ``2 * timeout``), a slow drip included, besides httpx's
    own connect/read/write/pool timeouts of ``timeout``; past it the attempt fails as a
    timeout. Bodies are capped at ``max_bytes`` after decompression, which never inflates past
    the cap. Cookies are never kept; a URL with a user name or password is refused, never
    requested. ``sleep`` and ``clock`` are the waiting and the monotonic time used for
    politeness and backoff (tests inject fakes).

    ``headers`` are sent with every request and ``cookies`` (a jar, e.g. a loaded cookies.txt)
    give each request its ``Cookie`` header; both only ever go to the allowed hosts, the only
    ones requested. ``trust_env=False`` ignores proxy settings of the environment.
    ``on_request`` is called with a ``RequestEvent`` after every request.
    """

    def __init__(
        self,
        allowed_hosts: Iterable[str],
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        concurrency: int = 2,
        delay: float = 1.0,
        timeout: float = 30.0,
        deadline: float | None = None,
        max_bytes: int = 20 * 2**20,
        max_attempts: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        obey_robots: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        headers: dict[str, str] | None = None,
        cookies: CookieJar | None = None,
        trust_env: bool = True,
        on_request: Callable[[RequestEvent], None] | None = None,
    ) -> None:
        if concurrency < 1 or max_attempts < 1:
            raise ValueError("concurrency and max_attempts must be at least 1")
        self.allowed_hosts = frozenset(host_key(host) for host in allowed_hosts)
        self.user_agent = user_agent
        self.concurrency = concurrency
        self.delay = delay
        self.timeout = timeout
        self.deadline = deadline if deadline is not None else 2 * timeout
        self.max_bytes = max_bytes
        self.max_attempts = max_attempts
        self.max_backoff = max_backoff
        self.obey_robots = obey_robots
        self.stats = FetchStats()
        self.notes: list[str] = []
        self._sleep = sleep
        self._clock = clock
        self._backoff = wait_exponential(multiplier=backoff, max=max_backoff) + wait_random(
            0, backoff
        )
        self._hosts: dict[str, _Host] = {}
        self._cookies = cookies
        self._on_request = on_request
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            headers={
                "user-agent": user_agent, **(headers or {}), "accept-encoding": ACCEPT_ENCODING
            },
            cookies=CookieJar(DefaultCookiePolicy(allowed_domains=[])),
            trust_env=trust_env,
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def allowed(self, url: str) -> bool:
        """Whether ``url`` is on an allowed host and permitted by its robots.txt, if loaded."""
        try:
            target = httpx.URL(url)
        except httpx.InvalidURL:
            return False
        if self._refusal(target) is not None:
            return False
        host = self._hosts.get(host_key(target))
        return (not self.obey_robots or host is None or host.robots is None
                or host.robots.can_fetch(str(target)))

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        validate: Validator | None = None,
    ) -> FetchResult:
        """GET ``url``; never raises for network or HTTP trouble, ``error`` says what it was.

        ``etag`` / ``last_modified`` make the request conditional (a 304 gives
        ``not_modified=True``); ``validate(body, result)`` may return an error text for a
        body that looks wrong (e.g. truncated), which is retried like a 503.
        """
        try:
            target = httpx.URL(url)
        except httpx.InvalidURL as exc:
            return _refused(url, f"invalid URL: {exc}")
        refusal = self._refusal(target)
        if refusal is None and not self._down(target):
            refusal = await self._robots_refusal(target)
        if down := self._down(target):
            return replace(_refused(url, down), host_down=True)
        if refusal:
            return _refused(url, refusal)
        headers = {}
        if etag:
            headers["if-none-match"] = etag
        if last_modified:
            headers["if-modified-since"] = last_modified
        return await self._attempts(url, target, headers, validate=validate)

    async def _attempts(
        self,
        url: str,
        target: httpx.URL,
        headers: dict[str, str],
        *,
        validate: Validator | None = None,
        robots: bool = True,
        max_redirects: int = MAX_REDIRECTS,
    ) -> FetchResult:
        """Request ``target`` with retries; a host that never answers is marked down."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts) | self._stop_when_down(target),
            wait=self._wait,
            retry=retry_if_exception_type(_Retry),
            sleep=self._sleep,
            before_sleep=self._count_retry,
            reraise=True,
        )
        attempts = 0
        try:
            async for attempt in retrying:
                with attempt:
                    if self._down(target):  # found down by another request meanwhile
                        raise _Retry(_refused(url, "host down"))
                    attempts = attempt.retry_state.attempt_number
                    _ATTEMPT.set(attempts)
                    result = await self._follow(
                        url, target, headers, robots=robots, max_redirects=max_redirects
                    )
                    result = _validated(result, validate)
        except _Retry as exc:
            result = exc.result
            if result.status_code in RETRY_STATUSES and attempts > 1:
                result.error = f"HTTP {result.status_code} after {attempts} attempts"
            if down := self._down(target):
                result = replace(_refused(url, down), host_down=True)
        result.attempts = attempts
        return result

    def _stop_when_down(self, target: httpx.URL) -> Callable[[RetryCallState], bool]:
        """A retry stop: the host is down (no need to wait for another attempt)."""
        return lambda state: self._down(target) is not None

    def _down(self, url: httpx.URL) -> str | None:
        host = self._hosts.get(host_key(url))
        return host.down if host else None

    def _mark_down(self, url: httpx.URL, reason: str) -> None:
        host = self._host(url)
        if host.down is None:
            host.down = reason
            log.info(reason)
            self.notes.append(reason)

    def _no_answer(self, target: httpx.URL, host: _Host, error: str | None) -> None:
        """Count an attempt the host did not answer; enough in a row and the host is down."""
        host.no_answer += 1
        if host.no_answer >= UNREACHABLE_ATTEMPTS:
            self._mark_down(target, f"host unreachable: {host_key(target)}: {error}"
                            f" ({_plural(host.no_answer, 'attempt')})")

    def _refusal(self, url: httpx.URL, *, redirect: bool = False) -> str | None:
        if url.userinfo:  # never sent, never echoed: the message leaves the password out
            return f"{'redirect to ' if redirect else ''}URL with a user name or password refused"
        if url.scheme not in ("http", "https"):
            return f"{'redirect to ' if redirect else ''}unsupported URL: {url}"
        key = host_key(url)
        if key not in self.allowed_hosts:
            return f"redirect to another host: {key}" if redirect else f"host not allowed: {key}"
        return None

    async def _robots_refusal(self, url: httpx.URL) -> str | None:
        if not self.obey_robots:
            return None
        rules = await self.robots(str(url))
        return None if rules.can_fetch(str(url)) else ROBOTS_REFUSAL

    async def robots(self, url: str) -> RobotsRules:
        """The robots.txt rules of ``url``'s host, loaded once (for its sitemaps even when the
        rules are not obeyed; its Crawl-delay then does not apply)."""
        target = httpx.URL(url)
        host = self._host(target)
        if host.robots is None:
            async with host.robots_lock:
                if host.robots is None:
                    host.robots = await self._load_robots(target)
                    if self.obey_robots:
                        host.interval = max(self.delay, host.robots.crawl_delay or 0.0)
        return host.robots

    async def _load_robots(self, url: httpx.URL) -> RobotsRules:
        """robots.txt of ``url``'s host (RFC 9309): missing or refused (4xx) allows all; a
        server or network error (5xx, 429, no answer) marks the host down for this run;
        other failures (e.g. a redirect loop) allow all, noted."""
        target = url.copy_with(path="/robots.txt", query=None, fragment=None)
        result = await self._attempts(
            str(target), target, {}, robots=False, max_redirects=MAX_ROBOTS_REDIRECTS
        )
        status = result.status_code or 0
        if result.error is None and 200 <= status < 300:
            return RobotsRules(result.body.decode("utf-8", "replace"), self.user_agent)
        if 400 <= status < 500 and status not in RETRY_STATUSES:
            return RobotsRules(None, self.user_agent)
        if result.host_down or status in RETRY_STATUSES or status >= 500 or not status:
            self._mark_down(
                url, f"robots.txt of {host_key(url)} unreachable ({result.error}):"
                " site not crawled this run (RFC 9309)",
            )
            return RobotsRules("User-agent: *\nDisallow: /\n", self.user_agent)
        note = f"robots.txt of {host_key(url)}: {result.error}; treated as allowing everything"
        log.warning(note)
        self.notes.append(note)
        return RobotsRules(None, self.user_agent, note)

    async def _follow(
        self,
        url: str,
        target: httpx.URL,
        headers: dict[str, str],
        *,
        robots: bool,
        max_redirects: int = MAX_REDIRECTS,
    ) -> FetchResult:
        """Request ``target`` and follow its redirects, checking every hop before requesting it."""
        for _ in range(max_redirects + 1):
            result, location = await self._hop(url, target, headers)
            if location is None:
                return result
            try:
                target = target.join(location)
            except httpx.InvalidURL:
                return replace(result, error=f"bad redirect: {location}")
            refusal = self._refusal(target, redirect=True)
            if refusal is None and robots:
                refusal = await self._robots_refusal(target)
            if refusal:
                return replace(result, error=refusal)
        return replace(result, error="too many redirects")

    async def _hop(
        self, url: str, target: httpx.URL, headers: dict[str, str]
    ) -> tuple[FetchResult, str | None]:
        """One polite request; returns the result and the redirect location, if any."""
        host = self._host(target)
        async with host.slots:
            await self._turn(host)
            self.stats.requests += 1
            deadline = self.deadline
            try:
                async with asyncio.timeout(deadline):
                    answer = await self._exchange(url, target, headers)
            except TimeoutError:
                self.stats.transport_errors += 1
                error = f"timeout: no complete response within {deadline:g} s"
                result = FetchResult(url, str(target), None, {}, b"", error, 0)
                self._report(result)
                if not host.answered:
                    self._no_answer(target, host, error)
                raise _Retry(result) from None
            except _Retry as exc:
                self._report(exc.result)
                if exc.unreachable:
                    self._no_answer(target, host, exc.result.error)
                if exc.retry_after:
                    host.paused_until = max(host.paused_until, self._clock() + exc.retry_after)
                raise
            self._report(answer[0])
            host.no_answer = 0
            return answer

    def _report(self, result: FetchResult) -> None:
        if self._on_request is not None:
            self._on_request(RequestEvent(
                result.final_url, result.status_code, len(result.body), _ATTEMPT.get(),
                result.error,
            ))

    async def _turn(self, host: _Host) -> None:
        """Wait until the host may see another request start."""
        while True:
            now = self._clock()
            start = max(now, host.last_start + host.interval, host.paused_until)
            host.last_start = start
            if start > now:
                await self._sleep(start - now)
            if host.paused_until <= start:
                return

    async def _exchange(
        self, url: str, target: httpx.URL, headers: dict[str, str]
    ) -> tuple[FetchResult, str | None]:
        result = FetchResult(url, str(target), None, {}, b"", None, 0)
        response: httpx.Response | None = None
        if self._cookies is not None and (cookie := cookie_header(self._cookies, str(target))):
            headers = {**headers, "cookie": cookie}
        try:
            async with self._client.stream("GET", target, headers=headers) as response:
                host = self._host(target)
                host.answered, host.no_answer = True, 0
                self.stats.by_status[response.status_code] += 1
                result.status_code = response.status_code
                result.headers = {name.lower(): value for name, value in response.headers.items()}
                location = await self._answer(response, result)
        except httpx.TransportError as exc:
            self.stats.transport_errors += 1
            unreachable = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout) or (
                response is None and not self._host(target).answered
            )
            error = _transport_error(exc, response)
            if isinstance(exc, httpx.ReadTimeout) and response is None:
                error = f"timeout: no answer within {self.timeout:g} s"
            raise _Retry(replace(result, error=error), unreachable=unreachable) from None
        finally:
            if response is not None:
                self.stats.bytes_received += response.num_bytes_downloaded
        return result, location

    async def _answer(self, response: httpx.Response, result: FetchResult) -> str | None:
        """Fill ``result`` from the response; returns the location of a redirect."""
        status = response.status_code
        if status in REDIRECT_STATUSES:
            location = response.headers.get("location")
            if location:
                return location
            result.error = f"HTTP {status} without Location"
        elif status == 304:
            result.not_modified = True
        elif status in RETRY_STATUSES:
            result.error = f"HTTP {status}"
            raise _Retry(result, parse_retry_after(response.headers.get("retry-after")))
        elif 200 <= status < 300:
            await self._read_body(response, result)
        else:
            result.error = f"HTTP {status}"
        return None

    async def _read_body(self, response: httpx.Response, result: FetchResult) -> None:
        """Read the body, decoding it here so that no chunk inflates past ``max_bytes``."""
        declared = _content_length(response)
        too_large = f"response larger than {_format_size(self.max_bytes)}"
        if declared is not None and declared > self.max_bytes:
            result.error = too_large
            return
        try:
            inflater = _Inflater(response.headers.get("content-encoding", ""))
        except ValueError as exc:
            result.error = str(exc)
            return
        chunks: list[bytes] = []
        size = 0
        try:
            async for raw in response.aiter_raw():
                chunk = inflater.feed(raw, self.max_bytes - size + 1)
                size += len(chunk)
                if size > self.max_bytes:
                    result.error = too_large
                    return
                chunks.append(chunk)
        except zlib.error as exc:
            result.error = f"undecodable body: {exc}"
            return
        result.body = b"".join(chunks)

    def _host(self, url: httpx.URL) -> _Host:
        key = host_key(url)
        if key not in self._hosts:
            self._hosts[key] = _Host(asyncio.Semaphore(self.concurrency), self.delay)
        return self._hosts[key]

    def _wait(self, state: RetryCallState) -> float:
        """Jittered exponential backoff, but at least the server's ``Retry-After``."""
        wait = min(self._backoff(state), self.max_backoff)
        exc = state.outcome.exception() if state.outcome else None
        retry_after = exc.retry_after if isinstance(exc, _Retry) else None
        return max(wait, retry_after or 0.0)

    def _count_retry(self, state: RetryCallState) -> None:
        self.stats.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        url = exc.result.url if isinstance(exc, _Retry) else "?"
        log.info("retrying %s after attempt %d: %s", url, state.attempt_number, exc)


class _Inflater:
    """Decodes a ``Content-Encoding`` (gzip, deflate or none) chunk by chunk, never producing
    more than asked: a gzip bomb stops at the size cap instead of inflating a whole chunk."""

    def __init__(self, encoding: str) -> None:
        codings = [c.strip().lower() for c in encoding.split(",")]
        codings = [c for c in codings if c and c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise ValueError(f"unsupported content encoding: {encoding}")
        self._raw_fallback = codings == ["deflate"]  # some servers send deflate without header
        # 32 + MAX_WBITS reads a gzip or a zlib header, whichever the stream has.
        self._zlib = zlib.decompressobj(32 + zlib.MAX_WBITS) if codings else None
        self._started = False

    def feed(self, data: bytes, limit: int) -> bytes:
        """The decoded bytes of ``data``, at most ``limit`` of them."""
        if self._zlib is None:
            return data[:limit]
        out: list[bytes] = []
        produced = 0
        while data and produced < limit:
            try:
                piece = self._zlib.decompress(data, limit - produced)
            except zlib.error:
                if self._started or not self._raw_fallback:
                    raise
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                piece = self._zlib.decompress(data, limit - produced)
            self._started = True
            out.append(piece)
            produced += len(piece)
            data = self._zlib.unconsumed_tail
        return b"".join(out)


def _validated(result: FetchResult, validate: Validator | None) -> FetchResult:
    if validate is None or result.error is not None or result.not_modified:
        return result
    error = validate(result.body, result)
    if error:
        raise _Retry(replace(result, body=b"", error=error))
    return result


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _refused(url: str, error: str) -> FetchResult:
    return FetchResult(url, url, None, {}, b"", error, 0)


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length", "")
    return int(value) if value.isascii() and value.isdigit() else None


def _transport_error(exc: httpx.TransportError, response: httpx.Response | None) -> str:
    """What went wrong; a body cut short in transit (Content-Length not met, chunked stream
    cut, connection dropped mid-body) is "truncated body": truncation is judged by the
    transfer, never by the markup."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout: {text}"
    if response is not None and isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
        got = response.num_bytes_downloaded
        if (declared := _content_length(response)) is not None:
            return f"truncated body (got {got} of {declared} bytes)"
        if "chunked" in response.headers.get("transfer-encoding", "").lower():
            return f"truncated body (chunked stream cut after {got} bytes)"
        return f"truncated body (connection dropped after {got} bytes)"
    cause = _root_cause(exc)
    if isinstance(cause, socket.gaierror):
        return f"connection failed: the host name does not resolve ({cause.strerror})"
    if isinstance(cause, ConnectionRefusedError):
        return "connection failed: connection refused"
    return f"connection failed: {text}"


def _root_cause(exc: BaseException) -> BaseException:
    """The innermost exception of a chain (httpx wraps the socket's own error)."""
    seen = {id(exc)}
    while (inner := exc.__cause__ or exc.__context__) is not None and id(inner) not in seen:
        seen.add(id(inner))
        exc = inner
    return exc


def _format_size(size: int) -> str:
    for unit, scale in (("MB", 2**20), ("KB", 2**10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} bytes"
