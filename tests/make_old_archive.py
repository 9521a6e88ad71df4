"""Write fixtures/archive-v1.db: a small archive made by schema version 1 (migration 0001 only).

It crawls three threads of the demo community, then edits one post and deletes another and
crawls again with --full, so the archive holds edit history and a tombstone. The file is
compacted (rollback journal, 1 KiB pages, VACUUM) to stay small; its schema is untouched.

It was run once, while the package had only its first migration. Run later, it would write an
archive of the current schema, so it refuses to (re)write the fixture then.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from scraper.crawl import CrawlOptions, crawl
from scraper.demo import render
from scraper.demo.content import SITE_TZ
from scraper.demo.server import DemoServer

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "archive-v1.db"
THREADS = (40686, 40575, 40274)  # 11 posts on 2 pages (solved, quotes), 1 post, 4 posts (solved)
EDITED, DELETED = 40687, 40278


def thread_urls(server: DemoServer) -> list[str]:
    community = server.community
    urls = []
    for uid in THREADS:
        thread = community.thread(uid)
        board = community.board(thread.board_id)
        urls.append(server.url + render.thread_url(board, thread))
    return urls


def build(path: Path) -> None:
    with DemoServer() as server:
        urls = thread_urls(server)
        options = CrawlOptions(db_path=path, delay=0, concurrency=2, tz=SITE_TZ.key)
        crawl(urls, options)
        server.edit_post(EDITED, "Edited answer: move the hub next to the router.\n\nThen reboot.")
        server.delete_post(DELETED)
        options.full = True
        crawl(urls, options)


def compact(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA page_size = 1024")
    conn.execute("VACUUM")
    conn.close()


def main() -> None:
    tmp = OUT.with_suffix(".tmp.db")
    for stale in (tmp, Path(f"{tmp}.lock")):
        stale.unlink(missing_ok=True)
    build(tmp)
    Path(f"{tmp}.lock").unlink()
    conn = sqlite3.connect(tmp)
    applied = [name for (name,) in conn.execute("SELECT name FROM _sqlite_migrations")]
    conn.close()
    if applied != ["0001_initial"]:
        tmp.unlink()
        sys.exit(f"the package is past schema version 1 (migrations {applied}); not rewriting")
    compact(tmp)
    tmp.replace(OUT)
    print(f"{OUT}: {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
