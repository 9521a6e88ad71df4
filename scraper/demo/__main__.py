"""``python -m scraper.demo [--port 8080] [--log FILE]``: serve the demo community until Ctrl-C."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from scraper.demo.content import build_community
from scraper.demo.server import DemoServer


def write_log(srv: DemoServer, path: Path, stop: threading.Event) -> None:
    """Append the server's requests to ``path`` as they come, one tab-separated line each:
    ``time.monotonic()`` of the answer (the system-wide clock, comparable across processes),
    method, status (0: dropped) and path. Flushes every 0.1 s and once more when ``stop`` is set."""
    written = 0
    with path.open("a", encoding="utf-8") as out:
        while True:
            stopping = stop.wait(0.1)
            fresh = srv.requests[written:]
            written += len(fresh)
            out.writelines(f"{r.time:.6f}\t{r.method}\t{r.status}\t{r.path}\n" for r in fresh)
            out.flush()
            if stopping:
                return


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m scraper.demo", description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the number of threads")
    ap.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    ap.add_argument("--log", type=Path, help="append one line per request to this file")
    ap.add_argument("--skin", choices=("classic", "tiles", "mixed"), default="classic",
                    help="community and category pages: node lists, custom tiles, or both")
    ap.add_argument("--sitemap", action="store_true", help="name a sitemap in robots.txt")
    ap.add_argument("--platform", default="khoros",
                    help="the platform whose markup the site speaks (khoros, phpbb, discourse...)")
    ap.add_argument("--api", choices=["open", "closed"],
                    help="Khoros: serve the Community API (LiQL) at /api/2.0/search, or refuse"
                         " it (403)")
    args = ap.parse_args(argv)
    community = build_community(args.seed, scale=args.scale)
    try:
        server = DemoServer(community, host=args.host, port=args.port, latency=args.latency,
                            skin=args.skin, sitemap=args.sitemap, platform=args.platform,
                            api=args.api)
    except ValueError as exc:
        ap.error(str(exc))
    with server as srv:
        stop = threading.Event()
        logger = None
        if args.log:
            logger = threading.Thread(target=write_log, args=(srv, args.log, stop), daemon=True)
            logger.start()
        index = srv.renderer.INDEX_PATH if srv.renderer else "/"
        print(f"Demo {args.platform} community ({len(community.threads())} threads, "
              f"{community.post_count} posts) at {srv.url}{index}  (Ctrl-C to stop)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")
        finally:
            stop.set()
            if logger:
                logger.join()


if __name__ == "__main__":
    main()
