"""Security: requests stay on the allowed hosts, sizes are capped, no cookie or credential lands
in the archive, and all SQL takes its values as parameters."""

from __future__ import annotations

import ast
import asyncio
import json
import re
import sqlite3
import subprocess
import sys
import tracemalloc
import zlib
from pathlib import Path
from urllib.parse import unquote

import pytest
from httpserver import ScriptedServer

from scraper.crawl import CrawlError, CrawlOptions, crawl
from scraper.demo import DemoServer, Faults, render
from scraper.demo.content import SITE_TZ
from scraper.demo.server import Response
from scraper.fetch import Fetcher, host_key

ROOT = Path(__file__).resolve().parents[1]
SECRET = "hunter2-7f9a"


def options(db: Path, **kw) -> CrawlOptions:
    return CrawlOptions(db_path=db, delay=0, concurrency=4, tz=SITE_TZ.key, backoff=0.01,
                        max_attempts=2, **kw)


def archive_text(db: Path) -> str:
    """Every value of every table (page bodies decompressed) as one text to search."""
    conn = sqlite3.connect(db)
    tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")]
    values: list[str] = []
    for table in tables:
        for row in conn.execute(f'select * from "{table}"'):  # names from sqlite_master
            for value in row:
                if isinstance(value, bytes):
                    try:
                        value = zlib.decompress(value).decode("utf-8", "replace")
                    except zlib.error:
                        value = value.decode("utf-8", "replace")
                values.append(str(value))
    conn.close()
    return "\n".join(values)


# --- hosts ---------------------------------------------------------------------------------------


def test_no_request_leaves_the_allowed_host(tmp_path: Path) -> None:
    """Links, redirects and pagination that point elsewhere reach no other server: not the same
    port on another address, not another port on the same address."""
    with DemoServer() as srv, ScriptedServer() as elsewhere, \
            DemoServer(host="127.0.0.2", port=srv.port) as mirror:
        c = srv.community
        hubs, thermostats, billing = (c.board(b) for b in ("hubs", "thermostats", "billing"))
        # A board page whose every link (threads, pager, crumbs) points at the other server.
        page = srv.respond(render.board_url(hubs)).body.replace(
            srv.url.encode(), f"http://{elsewhere.host}".encode())
        srv.script(render.board_url(hubs), [Response(200, page)])
        srv.script(render.board_url(thermostats),
                   [Response(302, headers={"Location": elsewhere.url("/t5/x/bd-p/x")})])
        srv.faults = Faults(offsite_redirect_path=unquote(render.board_url(billing)))
        report = crawl([srv.url + "/"], options(tmp_path / "a.db"))
        assert elsewhere.requests == [] and mirror.requests == []
    assert report.exit_code == 1
    messages = "\n".join(report.stats.messages)
    assert f"redirect to another host: {elsewhere.host}" in messages
    assert f"redirect to another host: 127.0.0.2:{srv.port}" in messages
    assert srv.count(lambda p: "/bd-p/hubs" in p) == 1  # the foreign pager was not followed


def test_url_with_credentials_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "b.db"
    with DemoServer() as srv:
        url = f"http://scraper:{SECRET}@127.0.0.1:{srv.port}/"
        with pytest.raises(CrawlError) as caught:
            crawl([url], options(db))
        proc = subprocess.run(
            [sys.executable, "-m", "scraper", "crawl", url, "--db", str(db)],
            capture_output=True, text=True, cwd=ROOT, timeout=60,
        )
        assert srv.requests == []
    message = (f"refusing a URL with a user name or password: {srv.url}/ (credentials are never"
               " sent nor stored; give the URL without them)")
    assert str(caught.value) == message
    assert (proc.returncode, proc.stderr) == (2, f"Error: {message}\n")
    assert not db.exists()


def test_redirect_to_url_with_credentials_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    with DemoServer() as srv:
        board = render.board_url(srv.community.board("app"))
        target = f"http://scraper:{SECRET}@127.0.0.1:{srv.port}/t5/Lure/bd-p/lure"
        srv.script(board, [Response(302, headers={"Location": target})])
        report = crawl([srv.url + board], options(db))
        assert srv.count("/bd-p/lure") == 0
    assert report.stats.messages == [
        f"{srv.url}{board}: redirect to URL with a user name or password refused"
    ]
    assert SECRET not in archive_text(db)


# --- sizes ---------------------------------------------------------------------------------------


def test_decompression_never_inflates_past_the_cap() -> None:
    """A 64 MB gzip bomb stops at the 1 MB cap without ever holding much more than that."""
    route = "/t5/Hubs-and-Bridges/bd-p/bomb"
    with DemoServer(faults=Faults(gzip_bomb_path=route, gzip_bomb_size=64 << 20)) as srv:

        async def fetch():
            async with Fetcher([host_key(srv.url)], delay=0, max_bytes=1 << 20,
                               obey_robots=False) as fetcher:
                tracemalloc.start()
                try:
                    result = await fetcher.fetch(srv.url + route)
                    return result, tracemalloc.get_traced_memory()[1]
                finally:
                    tracemalloc.stop()

        result, peak = asyncio.run(fetch())
    assert (result.status_code, result.error, result.body) == (
        200, "response larger than 1 MB", b"")
    assert peak < 8 << 20


def test_huge_declared_body_is_not_downloaded() -> None:
    with DemoServer(faults=Faults(huge_path="/huge", huge_size=256 << 20)) as srv:

        async def fetch():
            async with Fetcher([host_key(srv.url)], delay=0, max_bytes=1 << 20,
                               obey_robots=False) as fetcher:
                return await fetcher.fetch(srv.url + "/huge"), fetcher.stats.bytes_received

        result, received = asyncio.run(fetch())
    assert (result.error, result.body) == ("response larger than 1 MB", b"")
    assert received < 1 << 20


PAGE = b"<html><body>" + b"<p>Zigbee bridge stuck on amber light.</p>" * 200 + b"</body></html>"


def _deflate(data: bytes, wbits: int) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize(
    ("encoding", "body", "expected", "error"),
    [
        ("gzip", _deflate(PAGE, 31), PAGE, None),
        ("deflate", _deflate(PAGE, 15), PAGE, None),  # zlib-wrapped, as the standard says
        ("deflate", _deflate(PAGE, -15), PAGE, None),  # raw, as some servers send it
        ("identity", PAGE, PAGE, None),
        ("br", b"\x1b\x00", b"", "unsupported content encoding: br"),
        ("gzip, gzip", _deflate(_deflate(PAGE, 31), 31), b"", "unsupported content encoding: "
         "gzip, gzip"),
    ],
    ids=["gzip", "deflate-zlib", "deflate-raw", "identity", "brotli", "gzip-twice"],
)
def test_content_encodings(encoding: str, body: bytes, expected: bytes, error: str | None) -> None:
    headers = {"content-type": "text/html", "content-encoding": encoding}
    with ScriptedServer() as server:
        server.route("/p", (200, headers, [body[:100], body[100:]]))  # in two chunks

        async def fetch():
            async with Fetcher([server.host], delay=0, obey_robots=False) as fetcher:
                return await fetcher.fetch(server.url("/p"))

        result = asyncio.run(fetch())
    assert (result.error, result.body) == (error, expected)
    assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


# --- cookies and credentials ---------------------------------------------------------------------


class CookieServer(DemoServer):
    """The demo community with a session cookie (and a login token) on every answer."""

    def respond(self, path: str) -> Response:
        resp = super().respond(path)
        resp.headers = {**resp.headers, "Set-Cookie": f"LithiumVisitor={SECRET}; Path=/",
                        "X-Auth-Token": SECRET}
        return resp


def test_no_cookie_is_stored(tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    with CookieServer() as srv:
        assert crawl([srv.url + render.board_url(srv.community.board("app"))],
                     options(db)).status == "complete"
    assert SECRET not in archive_text(db)
    conn = sqlite3.connect(db)
    columns = {r[1] for r in conn.execute("pragma table_info(pages)")}
    assert not columns & {"headers", "request_headers", "response_headers", "cookie", "cookies",
                          "set_cookie", "authorization"}
    (args,) = conn.execute("select args from crawl_runs").fetchone()
    assert json.loads(args)["urls"] == [srv.url + render.board_url(srv.community.board("app"))]


# --- SQL -----------------------------------------------------------------------------------------

# The rule: values always travel as `?` parameters. SQL text may be assembled (f-string,
# str.format) only from code constants: module constants (UPPER_CASE names), calls with constant
# arguments (a function of constants), and the local names below, each an identifier or a
# placeholder list built from constants. Such a name may not stand inside a quoted SQL literal
# nor right after a comparison. `%` formatting and `+` with non-constant text are never used on
# SQL. A new place that builds SQL from a local name must be added here, after a look.
IDENTIFIER_NAMES = {
    "archive.py": {"table", "columns", "marks", "assignments", "where"},
    "frontier.py": {"where", "placeholders"},
    "schema.py": {"table", "cols", "old", "new", "name", "body"},
    "export.py": {"quoted"},  # a table name checked against sqlite_master, quotes doubled
    "reparse.py": {"marks"},
    "cli.py": {"db_path"},  # in the text of a shell hint that is printed, never executed
    "forum.py": {"column_sql", "table_sql"},  # names from the schema, quoted by escape_sqlite
}
SQL = re.compile(
    r"\b(select\b.+\bfrom|insert\s+into|update\b.+\bset|delete\s+from|where|pragma"
    r"|(create|drop)\s+(table|index|view|trigger))\b", re.I | re.S,
)
_CONSTANT_NAME = re.compile(r"_?[A-Z][A-Z0-9_]*")
_AFTER_COMPARISON = re.compile(r"(=|<|>|\blike|\bis|\bglob)\s*\(?\s*$", re.I)


def _constant(node: ast.expr) -> bool:
    """A literal, a module constant, or a call/attribute/subscript made only of those."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return bool(_CONSTANT_NAME.fullmatch(node.id))
    if isinstance(node, ast.Attribute):
        return _constant(node.value)
    if isinstance(node, ast.Call):
        function = isinstance(node.func, ast.Name) or _constant(node.func)
        return function and all(_constant(a) for a in node.args) and all(
            _constant(k.value) for k in node.keywords)
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(_constant(e) for e in node.elts)
    return False


def _fstring_problems(node: ast.JoinedStr, names: set[str]) -> list[str]:
    text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    if not SQL.search(text):
        return []
    problems = []
    before = ""
    for part in node.values:
        if isinstance(part, ast.Constant):
            before += str(part.value)
            continue
        expr = part.value
        source = ast.unparse(expr)
        if _constant(expr) or (
            isinstance(expr, ast.Name) and expr.id in names
            and before.count("'") % 2 == 0 and not _AFTER_COMPARISON.search(before)
        ):
            before += "{}"
            continue
        problems.append(f"{{{source}}} spliced into SQL")
        before += "{}"
    return problems


def sql_problems(source: str, name: str) -> list[str]:
    """Where the module ``name`` (a file name in scraper/) builds SQL from anything else."""
    names = IDENTIFIER_NAMES.get(Path(name).name, set())
    problems = []
    for node in ast.walk(ast.parse(source, name)):
        found: list[str] = []
        if isinstance(node, ast.JoinedStr):
            found = _fstring_problems(node, names)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
            sides = (node.left, node.right)
            sql = any(isinstance(s, ast.Constant) and isinstance(s.value, str)
                      and SQL.search(s.value) for s in sides)
            if sql and (isinstance(node.op, ast.Mod) or not all(
                    isinstance(s, (ast.Constant, ast.JoinedStr)) or _constant(s) for s in sides)):
                found = [f"SQL built with {type(node.op).__name__}: {ast.unparse(node)[:60]}"]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "format" and isinstance(node.func.value, ast.Constant)
              and SQL.search(str(node.func.value.value))
              and not all(_constant(a) for a in [*node.args, *(k.value for k in node.keywords)])):
            found = [f"SQL built with str.format: {ast.unparse(node)[:60]}"]
        problems += [f"{name}:{node.lineno}: {p}" for p in found]
    return problems


def test_all_sql_is_parameterised() -> None:
    files = sorted((ROOT / "scraper").rglob("*.py"))
    problems = [p for f in files for p in sql_problems(f.read_text(), str(f.relative_to(ROOT)))]
    assert problems == []


@pytest.mark.parametrize(
    "code",
    [
        'db.execute(f"SELECT * FROM posts WHERE title = \'{title}\'")',
        'db.execute(f"SELECT * FROM posts WHERE id = {post_id}")',
        'db.execute(f"DELETE FROM {table} WHERE id = {row_id}")',
        'db.execute("SELECT * FROM posts WHERE id = %s" % post_id)',
        'db.execute("SELECT * FROM posts WHERE id = " + post_id)',
        'db.execute("SELECT * FROM posts WHERE id = {}".format(post_id))',
        'db.execute(f"UPDATE posts SET body = \'{marks}\' WHERE id = ?", [1])',
        'db.execute(f"SELECT * FROM posts WHERE title = {marks}")',
    ],
)
def test_the_sql_check_catches_spliced_values(code: str) -> None:
    assert len(sql_problems(code, "scraper/archive.py")) == 1


def test_the_sql_check_allows_identifiers_and_placeholders() -> None:
    code = (
        'db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)\n'
        'db.execute(f"SELECT {_PAGE_META} FROM pages WHERE url = ? AND {_IN_SITE.format(\'x\')}")\n'
        'db.execute(f"SELECT {\', \'.join(_QUOTE_COLUMNS)} FROM quotes WHERE id IN ({marks})")\n'
    )
    assert sql_problems(code, "scraper/archive.py") == []
    assert len(sql_problems(code, "scraper/other.py")) == 4  # no identifier names there
