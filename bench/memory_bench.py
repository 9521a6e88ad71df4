"""Peak memory of a whole-community crawl as the archive grows (DESIGN §5: under 200 MB at
100,000 posts, not growing with the archive).

For each size the demo server runs in its own process (``--latency 0``) with a community scaled
to about that many posts, and the crawl runs as ``python -m scraper crawl ... --concurrency 8
--delay 0 --quiet`` in another; its peak RSS is the ``ru_maxrss`` that ``os.wait4`` reports for
it (through a small launcher process: see ``child_max_rss``). ``--profile POSTS`` instead
crawls in this process under tracemalloc and prints what grew between the middle and the end of
the crawl, to find what holds memory.

    python bench/memory_bench.py [--posts 25000 50000 100000] [--profile 10000]
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from crawl_bench import DemoProcess  # noqa: E402

from scraper.crawl import CrawlOptions, CrawlStats, crawl  # noqa: E402
from scraper.demo import render  # noqa: E402
from scraper.demo.content import SITE_TZ, build_community  # noqa: E402

POSTS_PER_SCALE = 509.5  # demo posts per unit of --scale (101,909 posts at scale 200)
LIMIT_MB = 200.0
MB = 1e6
_LAUNCHER = (
    "import os, sys\n"
    "out = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)]\n"
    "pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ, file_actions=out)\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)\n"
)


@dataclass
class MemoryRun:
    scale: float
    posts: int  # posts archived
    pages: int
    seconds: float
    max_rss: float
    exit_code: int
    db_size: float


def scale_for(posts: int) -> float:
    return round(posts / POSTS_PER_SCALE, 1)


def baseline_mb() -> float:
    """Peak RSS of a process that only loads the command line (``--help``)."""
    return child_max_rss([sys.executable, "-m", "scraper", "crawl", "--help"])[1]


def child_max_rss(argv: list[str]) -> tuple[int, float]:
    """Run ``argv`` and return its exit code and peak RSS in MB.

    Linux carries the RSS high-water mark of the memory a process had before ``exec`` into its
    ``ru_maxrss``, and a child starts with a copy of its parent's: a child of this (large)
    process would report at least this process's size. So a small fresh launcher spawns the
    command and reports the ``os.wait4`` figure (KiB) of its own child on stdout.
    """
    proc = subprocess.run([sys.executable, "-c", _LAUNCHER, *argv], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    code, max_rss_kib = map(int, proc.stdout.split())
    return code, max_rss_kib * 1024 / MB


def measure(posts: int, workdir: Path) -> MemoryRun:
    scale = scale_for(posts)
    db_path = workdir / f"memory-{posts}.db"
    with DemoProcess(scale, 0.0, workdir / f"requests-{posts}.log") as server:
        start = time.monotonic()
        code, rss = child_max_rss([
            sys.executable, "-m", "scraper", "crawl", server.url, "--db", str(db_path),
            "--concurrency", "8", "--delay", "0", "--tz", SITE_TZ.key, "--quiet",
        ])
        seconds = time.monotonic() - start
    with sqlite3.connect(db_path) as conn:
        archived = conn.execute("select count(*) from posts").fetchone()[0]
        pages = conn.execute("select pages_fetched from crawl_runs order by id desc").fetchone()[0]
    return MemoryRun(scale, archived, pages, seconds, rss, code,
                     db_path.stat().st_size / MB)


def run(sizes: tuple[int, ...] = (25_000, 50_000, 100_000), log=print) -> list[MemoryRun]:
    log(f"baseline (python -m scraper crawl --help): {baseline_mb():.1f} MB peak RSS")
    runs = []
    with tempfile.TemporaryDirectory(prefix="memory-bench-") as tmp:
        for posts in sizes:
            r = measure(posts, Path(tmp))
            runs.append(r)
            log(f"  ~{posts:,} posts (scale {r.scale:g}): {r.posts:,} posts archived from "
                f"{r.pages:,} pages in {r.seconds:.0f} s, archive {r.db_size:.0f} MB, "
                f"peak RSS {r.max_rss:.1f} MB (exit {r.exit_code})")
    if len(runs) > 1:
        first, last = runs[0], runs[-1]
        log(f"  peak RSS {first.max_rss:.1f} -> {last.max_rss:.1f} MB while the archive "
            f"grows {last.posts / max(first.posts, 1):.1f}x "
            f"({last.max_rss - first.max_rss:+.1f} MB); target < {LIMIT_MB:g} MB")
    return runs


def profile(posts: int, top: int = 15) -> None:
    """Crawl in this process under tracemalloc; print what grew from mid-crawl to the end."""
    scale = scale_for(posts)
    community = build_community(scale=scale)
    expected = sum(render.thread_page_count(t) for t in community.threads())
    del community
    snapshots: dict[str, tracemalloc.Snapshot] = {}

    def progress(stats: CrawlStats) -> None:
        for name, share in (("middle", 0.5), ("end", 0.95)):
            if name not in snapshots and stats.pages_fetched >= share * expected:
                snapshots[name] = tracemalloc.take_snapshot()

    with tempfile.TemporaryDirectory(prefix="memory-profile-") as tmp, \
            DemoProcess(scale, 0.0, Path(tmp) / "requests.log") as server:
        options = CrawlOptions(db_path=Path(tmp) / "profile.db", concurrency=8, delay=0,
                               tz=SITE_TZ.key)
        tracemalloc.start(10)
        crawl([server.url], options, progress)
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"tracemalloc at ~{posts:,} posts: current {current / MB:.1f} MB, "
          f"peak {peak / MB:.1f} MB of Python objects")
    if len(snapshots) < 2:
        print("crawl too short for two snapshots")
        return
    print(f"largest growth between 50% and 95% of the crawl (top {top}):")
    for stat in snapshots["end"].compare_to(snapshots["middle"], "traceback")[:top]:
        site = stat.traceback[-1]
        ours = next((f for f in reversed(stat.traceback) if "/scraper/" in f.filename), site)
        print(f"  {stat.size_diff / 2**10:+9.1f} KiB {stat.count_diff:+7} blocks  "
              f"{site.filename}:{site.lineno}  (from {ours.filename}:{ours.lineno})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[25_000, 50_000, 100_000])
    parser.add_argument("--profile", type=int, metavar="POSTS",
                        help="profile one in-process crawl of about POSTS posts instead")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile)
        return 0
    runs = run(tuple(args.posts))
    peak = max(r.max_rss for r in runs)
    return 0 if peak < LIMIT_MB and all(r.exit_code == 0 for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
