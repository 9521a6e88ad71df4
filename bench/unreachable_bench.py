"""Time for `forum-scraper crawl` to give up on a site it cannot reach, whole command.

Three hosts, each given two thread URLs and a board URL, with the default options (robots.txt
obeyed, 5 attempts, 1 s backoff) and the --timeout values given:

- unresolvable: a name under .invalid (RFC 2606). The crawl runs in a child process whose
  ``socket.getaddrinfo`` fails such names locally, as the system resolver would, so no DNS query
  leaves the machine;
- refused: a closed port on 127.0.0.1;
- silent: a socket on 127.0.0.1 that accepts connections and never answers.

    python bench/unreachable_bench.py [--timeout 30 --timeout 5]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The child: resolve *.invalid locally (EAI_NONAME), then run the command line.
LAUNCH = """
import socket, sys
real = socket.getaddrinfo
def local(host, *a, **k):
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name.endswith(".invalid"):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return real(host, *a, **k)
socket.getaddrinfo = local
from scraper.cli import cli
cli(sys.argv[1:], prog_name="forum-scraper")
"""


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def silent_server() -> tuple[socket.socket, list[socket.socket]]:
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        try:
            while True:
                held.append(server.accept()[0])
        except OSError:
            pass

    threading.Thread(target=accept, daemon=True).start()
    return server, held


def give_up(host: str, timeout: float) -> tuple[float, int, str]:
    urls = [f"http://{host}/t5/Hubs/Subject-{n}/td-p/{n}" for n in (1, 2)]
    urls.append(f"http://{host}/t5/Hubs/bd-p/hubs")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-c", LAUNCH, "crawl", *urls, "--db", f"{tmp}/a.db",
             "--timeout", str(timeout)],
            cwd=ROOT, capture_output=True, text=True, timeout=600,
        )
        elapsed = time.monotonic() - start
    line = next((x for x in proc.stderr.splitlines() if "unreachable" in x), "")
    return elapsed, proc.returncode, line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timeout", type=float, action="append")
    timeouts = parser.parse_args().timeout or [30.0, 5.0]
    server, held = silent_server()
    hosts = {"unresolvable": "forum.invalid", "refused": f"127.0.0.1:{closed_port()}",
             "silent": f"127.0.0.1:{server.getsockname()[1]}"}
    print("| host | --timeout | gave up after | exit | line |")
    print("|---|---|---|---|---|")
    for name, host in hosts.items():
        for timeout in timeouts if name == "silent" else timeouts[:1]:
            elapsed, code, line = give_up(host, timeout)
            print(f"| {name} | {timeout:g} s | {elapsed:.1f} s | {code} | {line} |", flush=True)
    server.close()
    for conn in held:
        conn.close()


if __name__ == "__main__":
    main()
