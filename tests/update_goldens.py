"""Rewrite fixtures/khoros/<page>.expected.json from the parser (run by hand, then read them).

    python tests/update_goldens.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scraper.models import ParseError  # noqa: E402
from scraper.platforms import parse  # noqa: E402

FIXTURES = ROOT / "fixtures" / "khoros"


def main() -> None:
    manifest = json.loads((FIXTURES / "MANIFEST.json").read_text(encoding="utf-8"))
    for name, entry in sorted(manifest.items()):
        try:
            result = parse((FIXTURES / name).read_bytes(), entry["url"], tz=entry["tz"])
        except ParseError as error:
            print(f"{name}: {type(error).__name__}: {error} (no golden)")
            continue
        golden = FIXTURES / name.replace(".html", ".expected.json")
        text = json.dumps(result.to_dict(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"
        golden.write_text(text, encoding="utf-8")
        print(f"{name}: wrote {golden.name}")


if __name__ == "__main__":
    main()
