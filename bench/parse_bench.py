"""Parse cost against a bare Lexbor parse of the same bytes (DESIGN §5: at most 2x).

Times, best of N repeats, the full parse (``scraper.platforms.parse``: decoding, detection and
extraction) and a bare ``LexborHTMLParser(bytes)`` for every fixture page of every platform and
every HTML page of ../shared/corpus/<platform>/ when present, in alternation so that both see
the same machine load. Prints one line per page, and the ratio over all pages and over the
corpus pages of each platform.

    python bench/parse_bench.py [--repeats N] [PLATFORM ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scraper.models import ParseError  # noqa: E402
from scraper.platforms import PLATFORMS, parse  # noqa: E402

FIXTURES = ROOT / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus"
_LEGO = "https://community.lego.com/t5/"
_THREAD = _LEGO + "Old-BIONICLE-Roleplay/MATORAN-HQ/td-p/1290411"
CORPUS_URLS = {  # pages whose own URL the page does not name (see the corpus MANIFEST.tsv)
    "lego_thread_1290411_p1of538.html": _THREAD,
    "lego_thread_1290411_p10of538.html": _THREAD + "/page/10",
    "lego_board_1019_CLASSICS_listing_browser_saved.htm": _LEGO + "CLASSICS/bd-p/1019",
    "phpbb3_openoffice_t102832.html":  # phpBB 3.0: no canonical link
        "https://forum.openoffice.org/en/forum/viewtopic.php?f=5&t=102832",
    "ipb_legacy_hustlesa_showtopic3376.html": "http://hustle-sa.ru/forum/index.php?showtopic=3376",
}

Page = tuple[str, str, bytes, str | None, str | None]  # platform, name, bytes, url, tz


def pages(names: list[str]) -> list[Page]:
    """Every fixture page in each platform's manifest, then every HTML corpus page."""
    found: list[Page] = []
    for platform in names:
        manifest = FIXTURES / platform / "MANIFEST.json"
        if manifest.exists():
            for name, entry in json.loads(manifest.read_text(encoding="utf-8")).items():
                body = (FIXTURES / platform / name).read_bytes()
                found.append((platform, name, body, entry["url"], entry.get("tz")))
        folder = CORPUS / platform
        for path in sorted(folder.glob("*.htm*")) if folder.is_dir() else []:
            url = CORPUS_URLS.get(path.name)
            found.append((platform, f"corpus/{path.name}", path.read_bytes(), url, None))
    return found


def best_of(repeats: int, *funcs: Callable[[], object]) -> list[float]:
    """The best time of each function over ``repeats`` rounds that run them in turn, so that
    both sides of a comparison see the same machine load."""
    best = [float("inf")] * len(funcs)
    for _ in range(repeats):
        for i, func in enumerate(funcs):
            start = time.perf_counter()
            func()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def full_parse(platform: str, body: bytes, url: str | None, tz: str | None) -> str:
    try:
        parse(body, url, tz=tz, platform=platform)
    except ParseError as error:  # blocked and foreign pages are timed all the same
        return type(error).__name__
    return "ok"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("platforms", nargs="*", default=sorted(PLATFORMS))
    args = parser.parse_args()
    rows = pages(args.platforms)
    if not rows:
        print("no pages found", file=sys.stderr)
        return 1
    totals: dict[str, list[float]] = {}
    print(f"{'page':66} {'KiB':>6} {'bare ms':>8} {'full ms':>8} {'ratio':>6}  result")
    for platform, name, body, url, tz in rows:
        bare, full = best_of(
            args.repeats,
            lambda body=body: LexborHTMLParser(body),
            lambda p=platform, body=body, url=url, tz=tz: full_parse(p, body, url, tz),
        )
        keys = ["all", platform] + ([f"{platform} corpus"] if name.startswith("corpus/") else [])
        for key in keys:
            totals.setdefault(key, [0.0, 0.0])
            totals[key][0] += bare
            totals[key][1] += full
        result = full_parse(platform, body, url, tz)
        label = f"{platform}/{name}"
        print(
            f"{label[:66]:66} {len(body) / 1024:6.0f} {bare * 1000:8.3f} {full * 1000:8.3f} "
            f"{full / bare:6.2f}  {result}"
        )
    for key, (bare, full) in totals.items():
        if bare:
            print(f"{key} pages: ratio (sum full / sum bare) {full / bare:.2f} (target <= 2.00)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
