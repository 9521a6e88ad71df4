"""Reparse time per stored page, over a crawl of the demo community.

Crawls the demo community (``--scale`` multiplies its threads) into a temporary archive, then
times ``reparse`` on it: the whole run per stored page, and the share of it spent parsing alone
(``platforms.parse`` on the same stored bodies), the rest being the archive writes and the
change bookkeeping. Best of ``--repeats`` runs on an unchanged archive (every write a no-op
comparison, as after a parser upgrade that changes nothing); then one run after blanking every
post's body_text, so every post is rewritten (as after a parser fix that touches every post).

    python bench/reparse_bench.py [--scale S] [--repeats N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scraper import archive, platforms, reparse  # noqa: E402
from scraper.crawl import CrawlOptions, crawl  # noqa: E402
from scraper.demo.content import SITE_TZ, build_community  # noqa: E402
from scraper.demo.server import DemoServer  # noqa: E402


def parse_only(db_path: Path) -> float:
    """Seconds to parse every stored page once, without writing."""
    db = archive.open_archive(db_path)
    pages = [
        (row[0], row[1] or row[2], row[3])
        for row in db.execute(
            "SELECT id, final_url, url, content_type FROM pages WHERE id IN"
            f" ({', '.join(map(str, reparse.stored_pages(db)))})"
        )
    ]
    bodies = [(archive.page_body(db, page_id), url, ctype) for page_id, url, ctype in pages]
    db.close()
    start = time.perf_counter()
    for body, url, ctype in bodies:
        platforms.parse(body, url, platform="khoros", content_type=ctype, tz=SITE_TZ.key)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=3.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "demo.db"
        with DemoServer(build_community(scale=args.scale)) as server:
            options = CrawlOptions(db_path=db_path, delay=0, concurrency=8, tz=SITE_TZ.key)
            crawl([f"{server.url}/"], options)
        runs = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            stats = reparse.reparse(db_path)
            runs.append(time.perf_counter() - start)
        best = min(runs)
        parsing = min(parse_only(db_path) for _ in range(args.repeats))
        pages = stats.pages + stats.failed
        db = archive.open_archive(db_path)
        posts = db.execute("SELECT count(*) FROM posts").fetchone()[0]
        db.close()
        print(f"{pages:,} stored pages ({stats.thread_pages:,} thread, {stats.listing_pages:,}"
              f" listing), {posts:,} posts, {db_path.stat().st_size / 2**20:.1f} MiB")
        print(f"reparse: {best:.2f} s, {best / pages * 1000:.2f} ms per page"
              f" ({pages / best:,.0f} pages/s, {posts / best:,.0f} posts/s)")
        print(f"  of which parsing: {parsing / pages * 1000:.2f} ms per page;"
              f" writing and bookkeeping: {(best - parsing) / pages * 1000:.2f} ms per page")
        print(f"  changes: {stats.posts_updated} posts updated, {stats.posts_new_versions} new"
              f" versions, {stats.failed} failed")
        db = archive.open_archive(db_path)
        with db.atomic():
            db.execute("UPDATE posts SET body_text = NULL")
        db.close()
        start = time.perf_counter()
        stats = reparse.reparse(db_path)
        rewrite = time.perf_counter() - start
        print(f"reparse restoring body_text of every post: {rewrite:.2f} s,"
              f" {rewrite / pages * 1000:.2f} ms per page ({stats.posts_updated:,} posts updated)")


if __name__ == "__main__":
    main()
