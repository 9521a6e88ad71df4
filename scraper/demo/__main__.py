"""``python -m scraper.demo [--port 8080]``: serve the demo community until Ctrl-C."""

from __future__ import annotations

import argparse
import threading

from scraper.demo.content import build_community
from scraper.demo.server import DemoServer


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m scraper.demo", description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the number of threads")
    ap.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    args = ap.parse_args(argv)
    community = build_community(args.seed, scale=args.scale)
    with DemoServer(community, host=args.host, port=args.port, latency=args.latency) as srv:
        print(f"Demo community ({len(community.threads())} threads, "
              f"{community.post_count} posts) at {srv.url}/  (Ctrl-C to stop)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")


if __name__ == "__main__":
    main()
