"""Rewrite fixtures/<platform>/<page>.expected.json from the parser (run by hand, then read
them). Each folder's MANIFEST.json names every page's URL, time zone and kind.

    python tests/update_goldens.py            # every platform
    python tests/update_goldens.py phpbb      # one platform's folder
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scraper.models import ParseError  # noqa: E402
from scraper.platforms import parse  # noqa: E402


def golden_text(result) -> str:
    """A golden file's text, exactly as the golden tests compare it."""
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def update(folder: Path) -> None:
    manifest = json.loads((folder / "MANIFEST.json").read_text(encoding="utf-8"))
    for name, entry in sorted(manifest.items()):
        try:
            result = parse((folder / name).read_bytes(), entry["url"], tz=entry.get("tz"),
                           platform=entry.get("platform"))
        except ParseError as error:
            print(f"{folder.name}/{name}: {type(error).__name__}: {error} (no golden)")
            continue
        golden = folder / (name.rsplit(".", 1)[0] + ".expected.json")
        golden.write_text(golden_text(result), encoding="utf-8")
        print(f"{folder.name}/{name}: wrote {golden.name}")


def main(names: list[str]) -> None:
    fixtures = ROOT / "fixtures"
    folders = [fixtures / n for n in names] or sorted(
        p.parent for p in fixtures.glob("*/MANIFEST.json")
    )
    for folder in folders:
        update(folder)


if __name__ == "__main__":
    main(sys.argv[1:])
