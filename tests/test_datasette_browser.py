"""The archive as a user meets it in a real browser: `forum-scraper serve` on 127.0.0.1 and a
headless Chromium that runs the pages' scripts. Skipped when no Chromium is installed
(Debian: ``apt-get install chromium``)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scraper.crawl import CrawlOptions, crawl
from scraper.demo.server import DemoServer
from scraper.serve import load_metadata

BROWSER = next(
    (found for name in ("chromium", "chromium-browser", "google-chrome", "chrome")
     if (found := shutil.which(name))),
    None,
)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium installed")
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    """The demo archive served by `forum-scraper serve`; its base URL."""
    db = tmp_path_factory.mktemp("browser") / "demo.db"
    with DemoServer() as server:
        crawl([f"{server.url}/"], CrawlOptions(db_path=db, delay=0, concurrency=4))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "scraper", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            try:
                httpx.get(f"{base}/-/versions.json")
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def dom(url: str) -> str:
    """The page's DOM after its scripts ran, as a headless Chromium renders it."""
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        result = subprocess.run(
            [BROWSER, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--no-proxy-server", "--disable-background-networking", "--disable-extensions",
             f"--user-data-dir={profile}", "--virtual-time-budget=3000", "--dump-dom", url],
            capture_output=True, text=True, timeout=120,
            env={**os.environ, "HOME": profile},
        )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_the_sql_box_starts_with_thread_summaries_and_views_come_first(site: str) -> None:
    page = dom(f"{site}/demo")
    editor = re.search(r'<div class="CodeMirror-code"[^>]*>(.*?)</div></div></div>', page, re.S)
    assert editor is not None, "the SQL box did not become an editor"
    assert "select * from thread_summaries" in text(editor.group(1))
    headings = re.findall(r'<h2 id="(\w+)"', page)
    assert headings.index("views") < headings.index("tables")
    listed = re.findall(r'<h3><a href="/demo/(\w+)">', page)
    assert "pages" not in listed and "frontier" not in listed and "crawl_runs" not in listed
    assert "_sqlite_migrations" not in listed and "posts_fts" not in listed
    assert {"posts", "threads", "users", "boards"} <= set(listed)


def test_the_index_leads_with_the_users_tables(site: str) -> None:
    page = dom(f"{site}/")
    shown = re.findall(r'<a href="/demo/(\w+)"[^>]*>', page)
    assert shown[0] == "posts"
    assert not {"pages", "frontier", "crawl_runs", "_sqlite_migrations"} & set(shown)


def test_column_descriptions_fold_into_one_line(site: str) -> None:
    page = dom(f"{site}/demo/posts")
    fold = re.search(r'<details class="column-descriptions-fold">\s*<summary>([^<]*)</summary>',
                     page)
    described = load_metadata()["databases"]["forum"]["tables"]["posts"]["columns"]
    assert fold is not None and fold.group(1) == f"Column descriptions ({len(described)})"
    assert "<details" not in page[page.index('<table class="rows-and-columns'):][:200]


def test_row_pages_label_foreign_keys(site: str) -> None:
    page = dom(f"{site}/demo/posts/5")
    cell = re.search(r'<td class="col-thread_id[^"]*">(.*?)</td>', page, re.S).group(1)
    assert re.fullmatch(r'<a href="/demo/threads/\d+">[^<]+</a> <em>\d+</em>', cell.strip())
    author = re.search(r'<td class="col-author_id[^"]*">(.*?)</td>', page, re.S).group(1)
    assert re.search(r'<a href="/demo/users/\d+">\w', author)


def test_a_search_lists_the_best_matches_first(site: str) -> None:
    page = dom(f"{site}/demo/posts?_search=router")
    assert "Search posts" in page
    rows = re.findall(r'<td class="col-excerpt[^"]*">(.*?)</td>', page, re.S)
    assert rows and all("[router]" in text(r).lower() for r in rows[:3])
    ranked = httpx.get(f"{site}/demo/search_posts.json?q=router&_shape=array").json()
    assert [r["post_id"] for r in ranked][:5] == [
        int(m) for m in re.findall(r'<td class="col-post_id[^"]*">(\d+)</td>', page)[:5]
    ]
