"""The command line: parse output and errors, crawl exit codes and summaries, status, demo."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from scraper.cli import cli
from scraper.demo import DemoServer, render
from scraper.platforms import PLATFORMS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "khoros"
MANIFEST = json.loads((FIXTURES / "MANIFEST.json").read_text(encoding="utf-8"))


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


@pytest.mark.parametrize("name", ["classic_solved.html", "classic_board.html"])
def test_parse_prints_the_golden_json(name: str) -> None:
    entry = MANIFEST[name]
    result = run("parse", str(FIXTURES / name), "--url", entry["url"], "--tz", entry["tz"])
    assert result.exit_code == 0, result.output
    golden = (FIXTURES / name.replace(".html", ".expected.json")).read_text(encoding="utf-8")
    assert json.loads(result.stdout) == json.loads(golden)
    assert list(json.loads(result.stdout)) == list(json.loads(golden))  # stable key order


def test_parse_reads_stdin_and_defaults_to_the_canonical_url() -> None:
    name = "classic_multipage_p1.html"
    body = (FIXTURES / name).read_bytes()
    result = run("parse", "-", input=body)
    assert result.exit_code == 0, result.output
    page = json.loads(result.stdout)
    assert page["thread"]["external_id"] == "52000"
    assert page["url"] == page["canonical_url"] == MANIFEST[name]["url"]
    assert "café" in result.stdout  # UTF-8 text, not \u escapes


def test_parse_errors_are_one_line_with_exit_codes(tmp_path: Path) -> None:
    result = run("parse", str(FIXTURES / "not_khoros.html"), "--url", "https://x.example/")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: ") and "no supported forum platform" in result.stderr

    data = tmp_path / "data.json"
    data.write_text('{"not": "html"}')
    result = run("parse", str(data), "--url", "https://x.example/")
    assert (result.exit_code, result.stderr) == (
        2, f"Error: {data}: a JSON document no supported platform recognises (keys: not);"
        f" supported: {', '.join(PLATFORMS)}\n"
    )

    wall = MANIFEST["login_wall.html"]
    result = run("parse", str(FIXTURES / "login_wall.html"), "--url", wall["url"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {FIXTURES / 'login_wall.html'}: login wall")


def test_crawl_rejects_bad_urls() -> None:
    result = run("crawl", "ftp://example.com/x")
    assert result.exit_code == 2
    assert result.stderr == "Error: not an http(s) URL: 'ftp://example.com/x'\n"


def test_crawl_status_and_quiet(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    with DemoServer() as srv:
        board = srv.community.board("billing")
        thread = board.threads[0]
        url = srv.url + render.thread_url(board, thread)
        result = run("crawl", url, "--db", str(db), "--delay", "0", "--tz", "America/Chicago")
        assert result.exit_code == 0, result.output
        assert result.stderr.startswith("crawl complete: ")
        assert f"posts {len(thread.posts)} new" in result.stderr

        quiet = run("crawl", url, "--db", str(db), "--delay", "0", "--quiet")
        assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")

    status = run("status", "--db", str(db))
    assert status.exit_code == 0
    assert f"{len(thread.posts)} posts" in status.stdout
    assert "threads: 1 complete" in status.stdout
    assert f"  site {srv.url} (khoros)\n" in status.stdout
    assert status.stdout.count("complete:") == 2  # two runs listed

    missing = run("status", "--db", str(tmp_path / "nope.db"))
    assert missing.exit_code == 2 and "no archive at" in missing.stderr


def test_demo_crawls_the_bundled_community(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = run("demo", "--db", str(db), "--port", "0")
    assert result.exit_code == 0, result.output
    assert "crawl complete" in result.stderr and "Browse the archive" in result.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("select count(*) from posts").fetchone()[0] == 680
    statuses = conn.execute("select status, count(*) from threads group by status").fetchall()
    assert statuses == [("complete", 40)]
