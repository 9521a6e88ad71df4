"""Whole-community discovery from the root URL alone, on each skin of the demo community.

For each skin (node lists, custom tiles, both mixed, tiles with a sitemap) the demo community is
served on 127.0.0.1 and crawled from its front page only. Reported: threads archived / threads
on the site, posts archived / posts on the site, requests per archived page (robots.txt and
sitemaps included), and the crawl's status.

    python bench/discovery_bench.py [--scale 5]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scraper.crawl import CrawlOptions, crawl  # noqa: E402
from scraper.demo.content import SITE_TZ, build_community  # noqa: E402
from scraper.demo.server import DemoServer  # noqa: E402

SKINS = (("classic", False), ("tiles", False), ("mixed", False), ("tiles", True))


def measure(skin: str, sitemap: bool, scale: float, work: Path) -> str:
    db = work / f"{skin}-{sitemap}.db"
    community = build_community(scale=scale)
    threads = list(community.threads())
    posts = sum(len(t.posts) for t in threads)
    with DemoServer(community, skin=skin, sitemap=sitemap) as srv:
        report = crawl([srv.url + "/"], CrawlOptions(db_path=db, delay=0, concurrency=4,
                                                     tz=SITE_TZ.key))
        requests = len(srv.requests)
    with sqlite3.connect(db) as conn:
        got_threads = conn.execute("select count(*) from threads").fetchone()[0]
        got_posts = conn.execute("select count(*) from posts").fetchone()[0]
        pages = conn.execute("select count(*) from pages").fetchone()[0]
    name = skin + (" + sitemap" if sitemap else "")
    return (f"| {name} | {got_threads:,} / {len(threads):,} | {got_posts:,} / {posts:,} |"
            f" {requests:,} / {pages:,} = {requests / pages:.3f} | {report.status} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=5.0)
    args = ap.parse_args()
    print("| skin | threads archived / on the site | posts archived / on the site |"
          " requests / pages archived | status |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for skin, sitemap in SKINS:
            print(measure(skin, sitemap, args.scale, Path(tmp)), flush=True)


if __name__ == "__main__":
    main()
