"""Export throughput (rows per second) and peak memory for 100,000 posts.

Builds an archive of the current schema holding N posts (default 100,000; 20 per thread, bodies
of ~600 characters, triggers and full-text index on), then runs ``forum-scraper export`` as a
child process for each format and source (the flattened --posts query, and --table posts with
body_html) and reports rows per second, the child's peak resident memory (next to that of
``forum-scraper --help``, the interpreter and imports alone), and the peak of Python
allocations (tracemalloc) of the same export run in-process. The archive is reused when
it exists.

    python bench/export_bench.py [--rows N] [--db PATH]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scraper import archive, export  # noqa: E402

BODY = (
    "My Lumo Hub drops off the network every night around 2 AM. The status light blinks amber"
    " three times and then goes dark. I already tried a factory reset by holding the pairing"
    " button for ten seconds. Moving the bridge closer to the router fixed the pairing problem"
    " for me. Make sure the hub is on the 2.4 GHz band; it cannot join a 5 GHz-only network."
    " Support asked me to send the diagnostic log from Settings > About > Report. = done."
)
PER_THREAD = 20


def build(path: Path, rows: int) -> None:
    db = archive.open_archive(path)
    site = archive.ensure_site(db, "https://community.example.test", "khoros")
    threads = rows // PER_THREAD
    with db.atomic():
        db.execute("INSERT INTO boards (id, site_id, external_id, title) VALUES (1, ?, 'b', 'B')",
                   [site])
        db.conn.executemany(
            "INSERT INTO users (id, site_id, user_key, external_id, name) VALUES (?, ?, ?, ?, ?)",
            ((i, site, f"id:{i}", str(i), f"user_{i}") for i in range(1, 1001)),
        )
        db.conn.executemany(
            "INSERT INTO threads (id, site_id, board_id, external_id, title, status)"
            " VALUES (?, ?, 1, ?, ?, 'complete')",
            ((t, site, str(t), f"Hub question {t}") for t in range(1, threads + 1)),
        )
        db.conn.executemany(
            "INSERT INTO posts (id, thread_id, external_id, position, author_id, title,"
            " posted_at, body_html, body_text, kudos, is_solution, content_hash)"
            " VALUES (?, ?, ?, ?, ?, ?, '2025-01-06T08:30:00-06:00', ?, ?, ?, 0, ?)",
            (
                (i, (i - 1) // PER_THREAD + 1, str(i), (i - 1) % PER_THREAD + 1, i % 1000 + 1,
                 f"Re: Hub question {(i - 1) // PER_THREAD + 1}", f"<p>{BODY}</p>",
                 f"{i} {BODY}", i % 13, f"{i:064x}")
                for i in range(1, rows + 1)
            ),
        )
    db.close()


def child_run(args: list[str]) -> tuple[float, int]:
    """Run ``forum-scraper ARGS`` as a child; (seconds, its peak resident memory in bytes)."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "scraper", *args], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"forum-scraper {' '.join(args)} failed ({child.returncode})")
    return time.perf_counter() - start, usage.ru_maxrss * 1024


def traced_peak(db: Path, fmt: str, sql: str) -> int:
    conn = export.connect_read_only(db)
    with open(os.devnull, "wb") as sink:
        tracemalloc.start()
        export.export(conn, fmt, sql, sink)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    conn.close()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "bench.db"
        if not db.exists():
            start = time.perf_counter()
            build(db, args.rows)
            print(f"built {args.rows:,} posts in {time.perf_counter() - start:.1f} s"
                  f" ({db.stat().st_size / 2**20:.0f} MiB)")
        conn = export.connect_read_only(db)
        rows = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
        conn.close()
        sources = {"--posts": (["--posts"], export.POSTS_SQL.replace("{score}", "score")),
                   "--table posts": (["--table", "posts"], "SELECT * FROM posts")}
        _, baseline = child_run(["--help"])
        print(f"forum-scraper --help peaks at {baseline / 2**20:.1f} MB resident")
        print(f"{'export':<22} {'rows/s':>9} {'seconds':>8} {'peak RSS':>9} {'traced peak':>12}"
              f" {'output':>9}")
        for fmt in export.FORMATS:
            for name, (source, sql) in sources.items():
                out = Path(tmp) / f"out.{fmt}"
                seconds, rss = child_run(["export", fmt, "--db", str(db), *source,
                                          "--out", str(out)])
                peak = traced_peak(db, fmt, sql)
                print(f"{fmt + ' ' + name:<22} {rows / seconds:>9,.0f} {seconds:>8.2f}"
                      f" {rss / 2**20:>6.1f} MB {peak / 2**10:>9.0f} KB"
                      f" {out.stat().st_size / 2**20:>6.0f} MB")
        print("seconds: the whole command, interpreter start included; peak RSS: the export"
              " process (Python and SQLite); traced peak: Python allocations during the export.")


if __name__ == "__main__":
    main()
