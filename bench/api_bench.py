"""Khoros API mode against HTML mode: requests and bytes per archived post.

Crawls the same demo community twice over real HTTP on 127.0.0.1 (``--via html``, then
``--via auto`` with the demo's Community API open) and prints one Markdown table: the whole
community at the given scales, and one thread grown to ``--thread-posts`` messages. Every
request is counted (robots.txt, the start page, the API probe), and its bytes as received.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from scraper.crawl import CrawlOptions, crawl
from scraper.demo import DemoServer, build_community, render
from scraper.demo.content import Community


def measure(community: Community, path: str | None, via: str, db: Path) -> tuple[int, int, int]:
    """(requests, bytes, posts archived) of one crawl of the community (or of ``path``)."""
    sizes: list[int] = []
    with DemoServer(community, api="open") as srv:
        report = crawl([srv.url + (path or "/")],
                       CrawlOptions(db_path=db, delay=0, concurrency=4, via=via),
                       on_request=lambda event: sizes.append(event.size))
    if report.status != "complete":
        raise SystemExit(f"{via} crawl {report.status}: {report.stats.messages[:3]}")
    return len(sizes), sum(sizes), report.stats.posts_new


def big_thread(posts: int) -> tuple[Community, str]:
    """The demo community with its 60-post thread grown to ``posts`` messages."""
    community = build_community()
    thread = next(t for t in community.threads() if len(t.posts) == 60)
    for n in range(posts - len(thread.posts)):
        community.add_reply(thread.uid, f"Reply number {n} to a long thread.")
    return community, render.thread_url(community.board(thread.board_id), thread)


def row(label: str, community: Community, path: str | None, tmp: Path) -> str:
    h_req, h_bytes, h_posts = measure(community, path, "html", tmp / f"{label}-h.db")
    a_req, a_bytes, a_posts = measure(community, path, "auto", tmp / f"{label}-a.db")
    assert h_posts == a_posts, (h_posts, a_posts)
    print(f"{label}: html {h_req} req {h_bytes} B, api {a_req} req {a_bytes} B", file=sys.stderr)
    return (f"| {label} | {a_posts:,} | {h_req:,} | {a_req:,} | {h_req / a_req:.1f}x"
            f" | {h_req / a_posts:.4f} | {a_req / a_posts:.4f}"
            f" | {h_bytes / a_posts:,.0f} | {a_bytes / a_posts:,.0f} | {h_bytes / a_bytes:.1f}x |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,5,10", help="community scales (threads x)")
    parser.add_argument("--thread-posts", type=int, default=5000)
    args = parser.parse_args()
    lines = [
        "| crawl | posts | HTML requests | API requests | fewer requests | HTML req/post"
        " | API req/post | HTML bytes/post | API bytes/post | fewer bytes |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for scale in (float(s) for s in args.scales.split(",")):
            lines.append(row(f"community x{scale:g}", build_community(scale=scale), None,
                             Path(tmp)))
        community, path = big_thread(args.thread_posts)
        lines.append(row(f"one thread of {args.thread_posts:,}", community, path, Path(tmp)))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
