"""A small threaded HTTP server on 127.0.0.1 for tests: scripted answers, every request recorded.

    with ScriptedServer() as server:
        server.route("/page", (503, {}, b""), (200, {"content-type": "text/html"}, b"<p>hi</p>"))
        ...  # fetch server.url("/page")
        assert len(server.requests_to("/page")) == 2

An answer is ``(status, headers, body)``, ``DROP`` (close the connection without answering), or
a callable taking the ``Request`` and returning one of those. ``route`` with several answers
plays them in turn and repeats the last. ``body`` may be an iterable of byte chunks, written
and flushed one by one (the connection then closes after the answer). A ``Content-Length``
given in the headers is sent as is, even when the body disagrees, and the connection closes
after the answer. Unknown paths answer 404.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

import pytest


class _Drop:
    def __repr__(self) -> str:
        return "DROP"


DROP = _Drop()

Reply = tuple[int, Mapping[str, str], bytes | Iterable[bytes]]
Answer = Reply | _Drop | Callable[["Request"], "Reply | _Drop"]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    time: float  # time.monotonic() when the request arrived


class ScriptedServer:
    """A ``ThreadingHTTPServer`` on 127.0.0.1, port chosen by the system, in a thread."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._routes: dict[str, list[Answer]] = {}
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._httpd = _Server(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``, as ``Fetcher`` compares hosts."""
        return f"127.0.0.1:{self._httpd.server_address[1]}"

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}{path}"

    def route(self, path: str, *answers: Answer) -> None:
        """Answer requests for ``path`` (query included if given) with ``answers`` in turn."""
        if not answers:
            raise ValueError("route needs at least one answer")
        with self._lock:
            self._routes[path] = list(answers)

    def requests_to(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut open connections and wait for every handler thread."""
        self._httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _next_answer(self, path: str) -> Answer:
        with self._lock:
            answers = self._routes.get(path) or self._routes.get(path.split("?", 1)[0])
            if answers is None:
                return (404, {"content-type": "text/plain"}, b"not found")
            return answers.pop(0) if len(answers) > 1 else answers[0]

    def _handle(self, handler: _Handler) -> None:
        headers = {name.lower(): value for name, value in handler.headers.items()}
        request = Request(handler.command, handler.path, headers, time.monotonic())
        with self._lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            answer = self._next_answer(request.path)
            if callable(answer):
                answer = answer(request)
        finally:
            with self._lock:
                self.in_flight -= 1
        if isinstance(answer, _Drop):
            handler.close_connection = True
            return
        try:
            _send(handler, *answer)
        except OSError:
            handler.close_connection = True


def _send(
    handler: _Handler, status: int, headers: Mapping[str, str], body: bytes | Iterable[bytes]
) -> None:
    handler.send_response(status)
    names = {name.lower() for name in headers}
    for name, value in headers.items():
        handler.send_header(name, value)
    if "content-length" in names or not isinstance(body, bytes):
        handler.close_connection = True
    elif status >= 200 and status not in (204, 304):
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    for chunk in [body] if isinstance(body, bytes) else body:
        handler.wfile.write(chunk)
        handler.wfile.flush()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.owner._lock:
            self.server.owner._connections.add(self.connection)

    def finish(self) -> None:
        with self.server.owner._lock:
            self.server.owner._connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        self.server.owner._handle(self)

    do_HEAD = do_POST = do_GET

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True

    def __init__(self, owner: ScriptedServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """Ignore clients that went away; report anything else."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on: connections to it are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SilentServer:
    """Accepts connections on 127.0.0.1 and never answers; counts the connections."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.host = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                self.connections.append(self.sock.accept()[0])

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self._thread.join(5)
        for conn in self.connections:
            conn.close()


@pytest.fixture
def http_server() -> Iterator[ScriptedServer]:
    """A started ``ScriptedServer``, stopped after the test."""
    with ScriptedServer() as server:
        yield server
