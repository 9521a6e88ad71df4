"""The demo community served over real HTTP on 127.0.0.1, with a request log, mutations,
conditional requests, gzip and scriptable faults."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import random
import re
import socket
import sys
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from scraper.demo import liql, render, renderers
from scraper.demo.content import Community, build_community

DEFAULT_ROBOTS = (
    "User-agent: *\n"
    "Disallow: /t5/forums/replypage/\n"
    "Disallow: /t5/notifications/\n"
    "Disallow: /t5/forums/forumtopicprintpage/\n"
    "Disallow: /t5/kudos/\n"
    "Disallow: /t5/search/\n"
)
HTML_TYPE = "text/html;charset=UTF-8"
SITEMAP_INDEX = "/sitemap_index.xml"
SITEMAPS = (SITEMAP_INDEX, "/sitemap-boards.xml", "/sitemap-threads.xml.gz")
FAULT_KINDS = ("5xx", "429", "drop", "truncate", "slow")


class Request(NamedTuple):
    """One logged request; ``status`` is 0 when the connection was dropped unanswered."""

    method: str
    path: str
    status: int
    time: float


@dataclass
class Faults:
    """Misbehaviour of the server. Probabilities apply per request (robots.txt is exempt unless
    ``include_robots``); the ``*_path`` fields make one path misbehave on every request."""

    seed: int = 0
    error_5xx: float = 0.0
    rate_429: float = 0.0
    retry_after: float = 0.0
    retry_after_date: bool = False
    drop: float = 0.0
    truncate: float = 0.0
    slow_drip: float = 0.0
    drip_chunk: int = 512
    drip_pause: float = 0.005
    include_robots: bool = False
    gzip_bomb_path: str | None = None
    gzip_bomb_size: int = 1 << 30
    huge_path: str | None = None
    huge_size: int = 64 << 20
    redirect_loop_path: str | None = None
    offsite_redirect_path: str | None = None
    wrong_charset_threads: frozenset[int] = frozenset()
    _rng: random.Random = field(init=False, repr=False, compare=False)
    _lock: threading.Lock = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def draw(self) -> str | None:
        """The random fault for one request: one of FAULT_KINDS, or None."""
        with self._lock:
            u = self._rng.random()
        chances = (self.error_5xx, self.rate_429, self.drop, self.truncate, self.slow_drip)
        for kind, p in zip(FAULT_KINDS, chances, strict=True):
            if u < p:
                return kind
            u -= p
        return None

    def status_5xx(self) -> int:
        with self._lock:
            return self._rng.choice((500, 502, 503, 504))

    def retry_after_header(self) -> str:
        if self.retry_after_date:
            when = datetime.now(UTC) + timedelta(seconds=self.retry_after)
            return format_datetime(when, usegmt=True)
        return f"{self.retry_after:g}"


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = HTML_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None
    conditional: bool = False  # carries ETag/Last-Modified and honours If-None-Match
    stream: Callable[[Callable[[bytes], object]], None] | None = None
    length: int | None = None


_THREAD = re.compile(r"^/t5/[^/]+/[^/]+/td-p/(\d+)(?:/page/(\d+))?/?$")
_MESSAGE = re.compile(r"^/t5/[^/]+/[^/]+/m-p/(\d+)(?:/.*)?$")
_BOARD = re.compile(r"^/t5/[^/]+/bd-p/([^/]+)(?:/page/(\d+))?/?$")
_CATEGORY = re.compile(r"^/t5/[^/]+/ct-p/([^/]+)/?$")
_PROFILE = re.compile(r"^/t5/user/viewprofilepage/user-id/(\d+)/?$")

_BOMB_CACHE: dict[int, bytes] = {}
_BOMB_LOCK = threading.Lock()


class DemoServer:
    """Serve a demo community on ``host:port`` (0 picks a free port) in a background thread.

    ``with DemoServer() as srv: httpx.get(srv.url)``. Thread-safe; every request is logged in
    ``requests``. Mutations change what later requests render.
    """

    def __init__(
        self,
        community: Community | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        robots: str | None = DEFAULT_ROBOTS,
        faults: Faults | None = None,
        platform: str = "khoros",
        skin: str = "classic",
        sitemap: bool = False,
        api: str | None = None,
    ) -> None:
        if skin not in render.SKINS:
            raise ValueError(f"unknown demo skin {skin!r}; one of {', '.join(render.SKINS)}")
        self.community = community if community is not None else build_community()
        self.platform = platform
        self.skin = skin  # Khoros community and category pages: classic, tiles or mixed
        self.sitemap = sitemap  # robots.txt names a sitemap index (gzip sitemaps behind it)
        self.api = api  # the Community API (Khoros): None (absent), "open" or "closed"
        self.api_rejected: frozenset[str] = frozenset()  # fields it answers 400 for
        self.renderer = None if platform == "khoros" else renderers.renderer(platform)
        if self.renderer is not None and robots == DEFAULT_ROBOTS:
            robots = self.renderer.ROBOTS
        self.host = host
        self.port = port
        self.latency = latency
        self.robots = robots
        self.faults = faults if faults is not None else Faults()
        self.requests: list[Request] = []
        self._lock = threading.RLock()
        self._scripts: dict[str, list[int | str | Response]] = {}
        self._blocked: dict[int, str] = {}
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------------------------

    def start(self) -> DemoServer:
        if self._httpd is not None:
            return self
        httpd = _HTTPServer((self.host, self.port), _Handler)
        httpd.demo = self
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, name="demo-server",
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_connections()
        if self._thread:
            self._thread.join()
        self._httpd = None
        self._thread = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # request log -----------------------------------------------------------------------------

    def count(self, path_predicate: Callable[[str], bool] | str | None = None) -> int:
        """Requests whose path satisfies the predicate (a string means "contains"; None: all)."""
        with self._lock:
            paths = [r.path for r in self.requests]
        if path_predicate is None:
            return len(paths)
        if isinstance(path_predicate, str):
            return sum(1 for p in paths if path_predicate in p)
        return sum(1 for p in paths if path_predicate(p))

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def _log(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self.requests.append(Request(method, path, status, time.monotonic()))

    # mutations and scenarios -----------------------------------------------------------------

    def add_reply(self, thread_uid: int, text: str, author_login: str | None = None) -> int:
        """Post a reply to a thread; returns the new post uid."""
        with self._lock:
            return self.community.add_reply(thread_uid, text, author_login).uid

    def edit_post(self, uid: int, new_text: str) -> None:
        with self._lock:
            self.community.edit_post(uid, new_text)

    def delete_post(self, uid: int) -> None:
        """Delete a message (the opening post deletes its thread); later posts move up."""
        with self._lock:
            self.community.delete_post(uid)

    def script(self, path: str, answers: list[int | str | Response]) -> None:
        """Answer the next requests of ``path`` in turn with these statuses, fault kinds
        ("drop", "truncate", "slow") or ``Response``s (any body and content type, e.g. a page
        that is no forum); 200 serves normally. Afterwards the path behaves normally."""
        with self._lock:
            self._scripts[path] = list(answers)

    def block_thread(self, uid: int, kind: str = "login") -> None:
        """Serve a login wall ("login") or a bot challenge ("challenge") with HTTP 200 at every
        page of the thread."""
        if kind not in ("login", "challenge"):
            raise ValueError(f"unknown block kind {kind!r}")
        with self._lock:
            self._blocked[uid] = kind

    def unblock_thread(self, uid: int) -> None:
        with self._lock:
            self._blocked.pop(uid, None)

    def _scripted(self, path: str) -> int | str | Response | None:
        with self._lock:
            for key in (path, urlsplit(path).path):
                answers = self._scripts.get(key)
                if answers:
                    return answers.pop(0)
        return None

    def _fault_for(self, path: str) -> int | str | Response | None:
        scripted = self._scripted(path)
        if scripted is not None:
            return scripted
        if urlsplit(path).path == "/robots.txt" and not self.faults.include_robots:
            return None
        return self.faults.draw()

    # routing ---------------------------------------------------------------------------------

    def respond(self, path: str) -> Response:
        """The answer for a GET of ``path`` (without faults, conditionals or encoding)."""
        parts = urlsplit(path)
        route = unquote(parts.path)
        special = self._special(route, parts.query)
        if special is not None:
            return special
        if route == "/robots.txt":
            if self.robots is None:
                return self._not_found()
            text = self.robots + (f"Sitemap: {self.url}{SITEMAP_INDEX}\n" if self.sitemap else "")
            return Response(200, text.encode(), "text/plain; charset=utf-8",
                            last_modified=self.community.clock, conditional=True)
        if self.sitemap and route in SITEMAPS:
            return self._sitemap(route)
        with self._lock:
            if self.api and self.renderer is None and route == liql.PATH:
                status, body = liql.answer(self.community, parts.query, self.url,
                                           state=self.api, rejected=self.api_rejected)
                return Response(status, body, liql.JSON_TYPE)
            if self.renderer is not None:
                return self._rendered(route, parts.query)
            return self._page(route)

    def _rendered(self, route: str, query: str) -> Response:
        """The answer of another platform's demo renderer."""
        page = self.renderer.page(self.community, route, query, self.url, dict(self._blocked))
        headers = dict(page.headers)
        if page.location:
            headers["Location"] = page.location
        return Response(page.status, page.html.encode(), page.content_type, headers=headers,
                        last_modified=page.modified if page.status == 200 else None,
                        conditional=page.status == 200 and not page.location)

    def _page(self, route: str) -> Response:
        c, base = self.community, self.url
        if route in ("/", ""):
            return _html(render.home_page(c, base, self.skin), c.clock)
        if m := _THREAD.match(route):
            return self._thread_page(int(m.group(1)), int(m.group(2) or 1))
        if m := _MESSAGE.match(route):
            found = c.find_post(int(m.group(1)))
            if not found:
                return self._not_found()
            return Response(301, headers={"Location": base + render.message_target(c, *found)})
        if m := _BOARD.match(route):
            board = c.board(m.group(1))
            page = int(m.group(2) or 1)
            if board is None or page < 1:
                return self._not_found()
            page = min(page, render.board_page_count(board))
            modified = render.board_modified(board) or c.clock
            return _html(render.board_page(c, board, page, base), modified)
        if m := _CATEGORY.match(route):
            cat = c.category(m.group(1))
            return (_html(render.category_page(c, cat, base, self.skin), c.clock) if cat
                    else self._not_found())
        if m := _PROFILE.match(route):
            user = next((u for u in c.users if u.id == int(m.group(1))), None)
            return _html(render.profile_page(c, user, base), c.clock) if user else \
                self._not_found()
        return self._not_found()

    def _thread_page(self, uid: int, page: int) -> Response:
        c = self.community
        thread = c.thread(uid)
        if thread is None or page < 1:
            return self._not_found()
        if uid in self._blocked:
            kind = self._blocked[uid]
            text = (render.challenge_page() if kind == "challenge"
                    else render.login_wall_page(c, thread, self.url))
            return _html(text, c.clock)
        page = min(page, render.thread_page_count(thread))
        resp = _html(render.thread_page(c, thread, page, self.url), thread.modified_at)
        if uid in self.faults.wrong_charset_threads:
            resp.body = resp.body.decode().encode("cp1251", errors="xmlcharrefreplace")
        return resp

    def _sitemap(self, route: str) -> Response:
        """The sitemap index, the boards' sitemap, and the threads' sitemap (gzip file)."""
        c, base = self.community, self.url
        if route == SITEMAP_INDEX:
            return Response(200, _sitemap_xml("sitemapindex", "sitemap",
                                              [base + p for p in SITEMAPS[1:]]), "application/xml")
        with self._lock:
            if route.endswith(".gz"):
                urls = [base + render.thread_url(b, t) for b in c.all_boards() for t in b.threads]
                return Response(200, gzip.compress(_sitemap_xml("urlset", "url", urls), mtime=0),
                                "application/x-gzip")
            urls = [base + render.board_url(b) for b in c.all_boards()]
        return Response(200, _sitemap_xml("urlset", "url", urls), "application/xml")

    def _not_found(self) -> Response:
        return _html(render.not_found_page(self.community, self.url), None, status=404)

    def _special(self, route: str, query: str) -> Response | None:
        f = self.faults
        if route == f.gzip_bomb_path:
            return Response(200, _gzip_bomb(f.gzip_bomb_size),
                            headers={"Content-Encoding": "gzip"})
        if route == f.huge_path:
            return Response(200, stream=_huge_stream(f.huge_size), length=f.huge_size)
        if route == f.redirect_loop_path:
            target = route if query == "loop=1" else f"{route}?loop=1"
            return Response(302, headers={"Location": self.url + target})
        if route == f.offsite_redirect_path:
            other = self.url.replace("127.0.0.1", "127.0.0.2", 1)
            return Response(302, headers={"Location": other + "/t5/Hubs-and-Bridges/bd-p/hubs"})
        return None


def _sitemap_xml(root: str, entry: str, urls: list[str]) -> bytes:
    locs = "".join(f"<{entry}><loc>{escape(u)}</loc></{entry}>\n" for u in urls)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="http://www.sitemaps.org/'
            f'schemas/sitemap/0.9">\n{locs}</{root}>\n').encode()


def _html(text: str, modified: datetime | None, *, status: int = 200) -> Response:
    return Response(status, text.encode(), HTML_TYPE, last_modified=modified,
                    conditional=status == 200)


def _gzip_bomb(size: int) -> bytes:
    """Gzip bytes that inflate to ``size`` bytes of spaces (cached: building costs a moment)."""
    with _BOMB_LOCK:
        if size not in _BOMB_CACHE:
            comp = zlib.compressobj(9, zlib.DEFLATED, 31)
            chunk = b" " * (1 << 20)
            parts = [comp.compress(b"<html><body>")]
            for _ in range(size // len(chunk)):
                parts.append(comp.compress(chunk))
            parts.append(comp.compress(b" " * (size % len(chunk))))
            parts.append(comp.flush())
            _BOMB_CACHE[size] = b"".join(parts)
        return _BOMB_CACHE[size]


def _huge_stream(size: int) -> Callable[[Callable[[bytes], object]], None]:
    """Write ``size`` bytes of a never-ending HTML page."""
    filler = (b"<p>" + b"This page never ends. " * 40 + b"</p>\n") * 64

    def write_all(write: Callable[[bytes], object]) -> None:
        head = b"<!DOCTYPE html><html><head><title>Huge</title></head><body>"
        write(head)
        left = size - len(head)
        while left > 0:
            piece = filler[:left]
            write(piece)
            left -= len(piece)

    return write_all


def etag_for(body: bytes) -> str:
    return f'W/"{hashlib.sha1(body).hexdigest()[:20]}"'


def _etag_matches(header: str, etag: str) -> bool:
    wanted = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in wanted or etag.removeprefix("W/") in wanted


def _not_modified_since(header: str, modified: datetime) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    return since.tzinfo is not None and modified.replace(microsecond=0) <= since


def _accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


class _HTTPServer(ThreadingHTTPServer):
    """Threaded server that can cut its open keep-alive connections when stopped."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    demo: DemoServer

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: socket.socket, client_address: object) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up (a crawler giving up on a slow or huge answer) are no error."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self._open_lock:
            conns = list(self._open)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "DemoKhoros/1.0"
    sys_version = ""
    server: _HTTPServer

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the server keeps its own request log."""

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _answer(self, *, head: bool) -> None:
        demo = self.server.demo
        if demo.latency:
            time.sleep(demo.latency)
        fault = demo._fault_for(self.path)
        try:
            if isinstance(fault, Response):
                self._send(fault, head=head, fault=None)
            elif fault == "drop":
                demo._log(self.command, self.path, 0)
                self.close_connection = True
            elif fault == "5xx" or (isinstance(fault, int) and fault >= 500):
                status = fault if isinstance(fault, int) else demo.faults.status_5xx()
                self._send_error(status, {})
            elif fault == "429" or fault == 429:
                self._send_error(429, {"Retry-After": demo.faults.retry_after_header()})
            elif isinstance(fault, int) and fault not in (200, 304):
                self._send_error(fault, {})
            else:
                self._send(demo.respond(self.path), head=head, fault=fault)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True

    def _send_error(self, status: int, headers: dict[str, str]) -> None:
        body = render.error_page(status).encode()
        self._write(status, {"Content-Type": HTML_TYPE, **headers}, body, head=False)

    def _send(self, resp: Response, *, head: bool, fault: int | str | Response | None) -> None:
        headers = {"Content-Type": resp.content_type, **resp.headers}
        if resp.stream is not None:
            headers["Content-Length"] = str(resp.length)
            self._start(resp.status, headers)
            if not head:
                resp.stream(self.wfile.write)
            return
        body = resp.body
        if resp.conditional and resp.status == 200:
            etag = etag_for(body)
            headers["ETag"] = etag
            if resp.last_modified:
                headers["Last-Modified"] = format_datetime(
                    resp.last_modified.astimezone(UTC), usegmt=True)
            if self._not_modified(etag, resp.last_modified):
                self._start(304, {k: v for k, v in headers.items() if k != "Content-Type"})
                return
        if "Content-Encoding" not in headers and body and \
                _accepts_gzip(self.headers.get("Accept-Encoding", "")):
            body = gzip.compress(body, compresslevel=5, mtime=0)
            headers["Content-Encoding"] = "gzip"
            headers["Vary"] = "Accept-Encoding"
        if fault == "truncate":
            headers["Content-Length"] = str(len(body) + 1000)
            self._start(resp.status, headers)
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
        elif fault == "slow":
            self._start(resp.status, {**headers, "Content-Length": str(len(body))})
            self._drip(body)
        else:
            self._write(resp.status, headers, body, head=head)

    def _not_modified(self, etag: str, modified: datetime | None) -> bool:
        if inm := self.headers.get("If-None-Match"):
            return _etag_matches(inm, etag)
        ims = self.headers.get("If-Modified-Since")
        return bool(ims and modified and _not_modified_since(ims, modified))

    def _drip(self, body: bytes) -> None:
        f = self.server.demo.faults
        for i in range(0, len(body), f.drip_chunk):
            self.wfile.write(body[i:i + f.drip_chunk])
            self.wfile.flush()
            time.sleep(f.drip_pause)

    def _write(self, status: int, headers: dict[str, str], body: bytes, *, head: bool) -> None:
        headers["Content-Length"] = str(len(body))
        self._start(status, headers)
        if not head:
            self.wfile.write(body)

    def _start(self, status: int, headers: dict[str, str]) -> None:
        self.server.demo._log(self.command, self.path, status)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
