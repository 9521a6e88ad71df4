"""Run the whole benchmark suite and print one table of the figures DESIGN §5 asks for.

Each bench prints its details on stderr as it runs; the table (Markdown, ready for the README)
and the machine it ran on go to stdout. ``--quick`` uses smaller sizes (a minute or two instead
of several); its figures are for a smoke check, not for the README.

    python bench/run_all.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import bs4_bench  # noqa: E402
import crawl_bench  # noqa: E402
import memory_bench  # noqa: E402


@dataclass
class Sizes:
    parse_repeats: int
    bs4_repeats: int
    crawl_scale: float
    crawl_rounds: int
    memory_posts: tuple[int, ...]


FULL = Sizes(parse_repeats=200, bs4_repeats=20, crawl_scale=20, crawl_rounds=2,
             memory_posts=(25_000, 50_000, 100_000))
QUICK = Sizes(parse_repeats=20, bs4_repeats=3, crawl_scale=5, crawl_rounds=1,
              memory_posts=(5_000, 10_000))


@dataclass
class Row:
    measure: str
    result: str
    target: str = ""
    met: bool | None = None  # None: no target, or not measured

    @property
    def verdict(self) -> str:
        return {True: "met", False: "**missed**", None: ""}[self.met]


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                    if line.startswith("model name")), cpu)
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists() and (m := re.search(r"MemTotal:\s+(\d+) kB", meminfo.read_text())):
        memory = f", {int(m.group(1)) / 2**20:.0f} GiB RAM"
    return (f"{cpu}, {os.cpu_count()} cores{memory}; Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}; {platform.system()} {platform.release()}")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def run_script(name: str, args: list[str]) -> tuple[int, str] | None:
    """Run ``bench/<name>`` (echoing its output on stderr); None when the file is absent."""
    path = BENCH / name
    if not path.exists():
        return None
    proc = subprocess.run([sys.executable, str(path), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=3600)
    log(proc.stdout.rstrip())
    if proc.stderr.strip():
        log(proc.stderr.rstrip())
    return proc.returncode, proc.stdout


def accepts(name: str, option: str) -> bool:
    """Whether ``bench/<name>`` documents ``option`` in its ``--help``."""
    proc = subprocess.run([sys.executable, str(BENCH / name), "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    return option in proc.stdout


def figures(text: str, unit: str) -> list[tuple[str, str]]:
    """(label, number) pairs for ``unit`` in a bench's output: the rows of a right-aligned
    table whose header names the unit, else every inline "<label>: ... <number> <unit>"."""
    lines = text.splitlines()
    for i, header in enumerate(lines):
        at = header.find(unit)
        if at < 0 or re.search(r"\d", header[:at]):
            continue
        end, found = at + len(unit), []
        for row in lines[i + 1:]:
            cells = row[:end].split()
            if not cells or not re.fullmatch(r"[\d,]+(?:\.\d+)?", cells[-1]) \
                    or row[end:end + 1].strip():
                break
            found.append((" ".join(cells[:-1]), cells[-1]))
        if found:
            return found
    found = []
    for line in lines:
        for m in re.finditer(rf"(\d[\d,]*(?:\.\d+)?)\s*{re.escape(unit)}", line):
            clause = line[:m.start()].split(";")[-1]
            found.append((clause.split(":")[0].strip() if ":" in clause else "", m.group(1)))
    return found


# --- the rows ------------------------------------------------------------------------------------


def parse_rows(sizes: Sizes) -> list[Row]:
    log("\n== parse_bench: full parse against a bare Lexbor parse")
    done = run_script("parse_bench.py", ["--repeats", str(sizes.parse_repeats)])
    # "overall ratio (sum full / sum bare): 3.04 (target ...)" or "corpus pages: ratio ... 2.35"
    found = re.findall(r"^(.*?)\bratio\b.*?(\d+\.\d+)\s*\(target", done[1] if done else "",
                       re.M)
    measure = "Parse: full parse / bare Lexbor parse"
    if not found:
        return [Row(measure, "not available", "≤ 2.00x")]
    ratios = [(label.strip(" :") or "all", float(ratio)) for label, ratio in found]
    return [Row(f"{measure} ({label})", f"{ratio:.2f}x", "≤ 2.00x", ratio <= 2.0)
            for label, ratio in ratios]


def bs4_rows(sizes: Sizes) -> list[Row]:
    log("\n== bs4_bench: the same post extraction with BeautifulSoup")
    bench = bs4_bench.run(sizes.bs4_repeats, log=log)
    return [Row(f"Reference: BeautifulSoup ({bench.parser}) time / ours, same posts "
                f"({bench.agreeing}/{bench.posts} identical)", f"{bench.speedup:.1f}x faster")]


def crawl_rows(sizes: Sizes) -> list[Row]:
    log("\n== crawl_bench: throughput at 50 ms latency, request economy, unchanged re-crawl")
    bench = crawl_bench.run(sizes.crawl_scale, 0.05, (2, 4, 8), sizes.crawl_rounds, log=log)
    main = bench.main_run
    rows = []
    for r in sorted(bench.runs, key=lambda r: r.concurrency):
        limit = bench.limit(r.concurrency)
        share = r.rate / limit
        costed = r is main
        rows.append(Row(
            f"Crawl: pages/s at C={r.concurrency}, delay 0, 50 ms server "
            f"({bench.minimum:,}-page community)",
            f"{r.rate:.1f} = {share:.0%} of {limit:g}",
            "≥ 80%" if costed else "(context)", share >= 0.8 if costed else None))
    rows.append(Row(
        "Crawl: requests per archived post / minimum (thread + listing pages)",
        f"{bench.request_overhead:.3f}x ({len(main.requests):,} requests for "
        f"{bench.minimum:,} pages, {bench.posts_archived:,} posts)",
        "≤ 1.05x", bench.request_overhead <= 1.05))
    kinds = bench.recrawl.by_kind()
    listing = sum(kinds[k] for k in crawl_bench.LISTING_KINDS)
    rows.append(Row(
        "Re-crawl of the unchanged community: requests",
        f"{len(bench.recrawl.requests):,}: {listing:,} listing, {kinds['thread']} thread, "
        f"{kinds['robots']} robots.txt, {kinds['other']} other",
        "0 thread pages", kinds["thread"] == 0 and kinds["other"] == 0))
    return rows


def memory_rows(sizes: Sizes) -> list[Row]:
    log("\n== memory_bench: peak RSS of the crawler process, latency 0, C=8")
    runs = memory_bench.run(sizes.memory_posts, log=log)
    largest = runs[-1]
    growth = largest.max_rss - runs[0].max_rss
    return [
        Row(f"Peak memory (RSS) archiving {largest.posts:,} posts",
            f"{largest.max_rss:.0f} MB", "< 200 MB",
            largest.max_rss < memory_bench.LIMIT_MB and largest.exit_code == 0),
        Row("Peak memory by archive size",
            ", ".join(f"{r.posts / 1000:.0f}k: {r.max_rss:.0f} MB" for r in runs)
            + f" ({growth:+.0f} MB)", "flat", abs(growth) < 0.1 * runs[0].max_rss),
    ]


def external_row(name: str, measure: str, units: tuple[str, ...],
                 quick: bool) -> Callable[[Sizes], list[Row]]:
    """A row from a bench kept elsewhere: its figures in the first of ``units`` it prints."""
    def rows(_: Sizes) -> list[Row]:
        log(f"\n== {name}")
        if not (BENCH / name).exists():
            return [Row(measure, f"not available (bench/{name} absent)")]
        code, output = run_script(name, ["--quick"] if quick and accepts(name, "--quick") else [])
        if code != 0:
            return [Row(measure, f"not available (bench/{name} exited {code})")]
        for unit in units:
            if found := figures(output, unit):
                return [Row(measure, "; ".join(f"{label} {number}".strip()
                                               for label, number in found) + f" {unit}")]
        return [Row(measure, f"see bench/{name} output (no {' or '.join(units)} figure)")]
    return rows


def table(rows: list[Row]) -> str:
    lines = ["| measure | result | target | |", "|---|---|---|---|"]
    lines += [f"| {r.measure} | {r.result} | {r.target} | {r.verdict} |" for r in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    load_before = load()
    sections = [
        parse_rows, bs4_rows, crawl_rows, memory_rows,
        external_row("export_bench.py", "Export: rows per second", ("rows/s",), args.quick),
        external_row("reparse_bench.py", "Reparse: time per stored page",
                     ("ms/page", "ms per page"), args.quick),
    ]
    rows = [row for section in sections for row in section(sizes)]
    print(f"\nforum-scraper benchmarks{' (--quick sizes)' if args.quick else ''}")
    print(f"Machine: {machine()}")
    print(f"Before the suite: {load_before}\n")
    print(table(rows))
    return 0 if all(r.met is not False for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
