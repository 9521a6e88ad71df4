"""Whole-forum crawls of the demo community in every platform's markup: requests per archived
page and per post, bytes, and what an unchanged re-crawl fetches (listing pages only).

Each platform's demo site (``DemoServer(platform=...)``) is crawled from its index into a fresh
archive, then crawled again unchanged; for platforms with a read API the crawl is also run with
``--via html`` to compare the two routes.

    python bench/platforms_bench.py [--threads-per-board N] [PLATFORM ...]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scraper import platforms  # noqa: E402
from scraper.crawl import CrawlOptions, crawl  # noqa: E402
from scraper.demo import DemoServer, build_community  # noqa: E402
from scraper.demo.renderers import available  # noqa: E402


def archived(db: Path) -> tuple[int, int]:
    """(posts, pages stored) of an archive."""
    conn = sqlite3.connect(db)
    try:
        posts = conn.execute("select count(*) from posts where deleted_at is null").fetchone()[0]
        pages = conn.execute("select count(*) from pages").fetchone()[0]
        return posts, pages
    finally:
        conn.close()


def run(platform: str, via: str, threads_per_board: int | None, folder: Path) -> dict:
    community = build_community(threads_per_board=threads_per_board)
    db = folder / f"{platform}-{via}.db"
    options = CrawlOptions(db_path=db, delay=0, concurrency=4, via=via)
    with DemoServer(community, platform=platform) as srv:
        start = srv.url + (srv.renderer.INDEX_PATH if srv.renderer else "/")
        report = crawl([start], options)
        first = [r for r in srv.requests if r.path != "/robots.txt"]
        size = sum(len(srv.respond(r.path).body) for r in first if r.status == 200)
        srv.reset_log()
        again = crawl([start], options)
        second = [r.path for r in srv.requests if r.path != "/robots.txt"]
    posts, pages = archived(db)
    expected = sum(len(t.posts) for t in community.threads())
    return {
        "platform": platform, "via": via, "status": report.status, "posts": posts,
        "expected": expected, "requests": len(first), "pages": pages, "kib": size / 1024,
        "recrawl": len(second), "recrawl_threads": again.stats.threads_skipped,
        "threads": len(community.threads()), "recrawl_new": again.stats.posts_new,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads-per-board", type=int, default=None)
    parser.add_argument("platforms", nargs="*",
                        default=[p for p in sorted(platforms.PLATFORMS) if available(p)])
    args = parser.parse_args()
    print("| platform | route | posts archived | requests | requests/page | requests/post |"
          " KiB/post | unchanged re-crawl |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.platforms:
            routes = ["auto", "html"] if hasattr(platforms.get(name), "api_url") else ["html"]
            for via in routes:
                r = run(name, via, args.threads_per_board, Path(tmp))
                route = "API" if via == "auto" else "HTML"
                print(
                    f"| {name} | {route} | {r['posts']}/{r['expected']} | {r['requests']} |"
                    f" {r['requests'] / max(1, r['pages']):.2f} |"
                    f" {r['requests'] / max(1, r['posts']):.3f} |"
                    f" {r['kib'] / max(1, r['posts']):.2f} | {r['recrawl']} requests,"
                    f" {r['recrawl_threads']}/{r['threads']} threads"
                    f" skipped, {r['recrawl_new']} new posts |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
