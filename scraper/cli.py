"""Command line: a thin click layer over the plain functions of the package."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import click

from scraper import __version__, archive, platforms
from scraper.crawl import DEFAULT_DB, CrawlError, CrawlOptions, CrawlReport, CrawlStats, crawl
from scraper.fetch import DEFAULT_USER_AGENT
from scraper.models import BlockedPage, ParseError
from scraper.reparse import ReparseError, ReparseStats
from scraper.reparse import reparse as run_reparse

db_option = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB,
    show_default=True, help="Archive file.",
)


def fail(message: str, code: int = 2) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


@click.group()
@click.version_option(__version__, prog_name="forum-scraper")
def cli() -> None:
    """Archive online community forums into one normalized SQLite file."""


@cli.command()
@click.argument("file", type=click.File("rb"))
@click.option("--url", help="The URL the page was saved from (default: its canonical link).")
@click.option("--platform", type=click.Choice(sorted(platforms.PLATFORMS)), help="Skip detection.")
@click.option("--tz", help="Site time zone (IANA name) for dates the page does not anchor.")
def parse(file, url: str | None, platform: str | None, tz: str | None) -> None:
    """Parse one saved page (FILE, or - for stdin) and print its JSON."""
    body = file.read()
    try:
        page = platforms.parse(body, url, platform=platform, tz=tz)
    except BlockedPage as exc:
        fail(f"{file.name}: {exc}", 1)
    except ParseError as exc:
        fail(f"{file.name}: {exc}")
    click.echo(json.dumps(page.to_dict(), ensure_ascii=False, indent=2))


class Progress:
    """A one-line progress display on a terminal; nothing otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.last = 0.0

    def __call__(self, stats: CrawlStats) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.last < 0.2:
            return
        self.last = now
        line = (
            f"pages {stats.pages_fetched:,} · posts {stats.posts_new:,} new"
            f" {stats.posts_changed:,} changed · errors {stats.errors:,}"
            f" · {stats.rate:.1f} pages/s"
        )
        click.echo(f"\r{line}\033[K", err=True, nl=False)

    def close(self) -> None:
        if self.enabled and self.last:
            click.echo("\r\033[K", err=True, nl=False)


def summary(report: CrawlReport, db_path: Path) -> str:
    s = report.stats
    elapsed = time.monotonic() - s.started
    words = {"complete": "crawl complete", "incomplete": "crawl finished with errors",
             "stopped": "crawl stopped by its limits", "interrupted": "crawl interrupted"}
    lines = [
        f"{words.get(report.status, report.status)}: {s.pages_fetched:,} pages fetched"
        f" ({s.not_modified:,} not modified), {s.threads_skipped:,} threads unchanged;"
        f" posts {s.posts_new:,} new, {s.posts_changed:,} changed, {s.posts_deleted:,} deleted;"
        f" {s.errors:,} errors ({s.blocked:,} blocked) in {elapsed:.1f} s -> {db_path}"
    ]
    if s.robots_skipped:
        lines.append(f"{s.robots_skipped:,} pages not fetched: disallowed by robots.txt")
    if report.pending:
        lines.append(f"{report.pending:,} pages left: run the same command again to continue")
    lines += [f"  {m}" for m in s.messages[:20]]
    if len(s.messages) > 20:
        lines.append(f"  … and {len(s.messages) - 20} more")
    return "\n".join(lines)


@cli.command("crawl")
@click.argument("urls", nargs=-1, required=True)
@db_option
@click.option("--max-pages", type=click.IntRange(min=1), help="Fetch at most N pages this run.")
@click.option("--max-time", type=click.FloatRange(min=0), help="Stop after SECONDS; resumable.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Requests in flight per host.")
@click.option("--delay", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Seconds between requests to one host.")
@click.option("--full", is_flag=True, help="Ignore change detection: fetch every thread page.")
@click.option("--user-agent", default=DEFAULT_USER_AGENT, show_default=True)
@click.option("--no-robots", is_flag=True, help="Do not obey robots.txt.")
@click.option("--tz", help="Site time zone (IANA name) for dates the pages do not anchor.")
@click.option("--timeout", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="Seconds one response may take in all, a slow drip included (each read may"
              " take half of it); past it the attempt fails and is retried.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing; the exit code tells.")
def crawl_command(urls, db_path, max_pages, max_time, concurrency, delay, full, user_agent,
                  no_robots, tz, timeout, quiet) -> None:
    """Archive a community, category, board or thread (URLS) into the archive.

    Exit codes: 0 all done, 1 finished but something is incomplete (failed pages, blocked
    threads, limits reached), 2 usage or configuration error.
    """
    options = CrawlOptions(
        db_path=db_path, max_pages=max_pages, max_time=max_time, concurrency=concurrency,
        delay=delay, full=full, user_agent=user_agent, obey_robots=not no_robots, tz=tz,
        timeout=timeout,
    )
    progress = Progress(enabled=not quiet and sys.stderr.isatty())
    try:
        report = crawl(list(urls), options, progress)
    except CrawlError as exc:
        fail(str(exc))
    finally:
        progress.close()
    if report.status == "failed":
        fail(f"crawl failed: {report.reason}", report.exit_code)
    if not quiet:
        click.echo(summary(report, db_path), err=True)
    sys.exit(report.exit_code)


@cli.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("data/demo.db"), show_default=True, help="Archive file.")
@click.option("--port", type=click.IntRange(0, 65535), default=8642, show_default=True,
              help="Port of the demo server; keep it fixed so re-runs update the same site.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the closing lines.")
def demo(db_path: Path, port: int, quiet: bool) -> None:
    """Serve the bundled demo community on 127.0.0.1 and crawl it into an archive.

    Run it again to see change detection: only listing pages are fetched.
    """
    from scraper.demo.content import SITE_TZ
    from scraper.demo.server import DemoServer

    try:
        server = DemoServer(port=port, skin="mixed").start()
    except OSError as exc:
        fail(f"cannot serve the demo on 127.0.0.1:{port} ({exc.strerror}); try --port")
    with server:
        if not quiet:
            click.echo(f"Demo community serving at {server.url}/", err=True)
        options = CrawlOptions(db_path=db_path, concurrency=4, delay=0, tz=SITE_TZ.key)
        progress = Progress(enabled=not quiet and sys.stderr.isatty())
        try:
            report = crawl([f"{server.url}/"], options, progress)
        except CrawlError as exc:
            fail(str(exc))
        finally:
            progress.close()
    click.echo(summary(report, db_path), err=True)
    click.echo(
        f"\nBrowse the archive:\n"
        f"  forum-scraper serve --db {db_path}    # Datasette on http://127.0.0.1:8001/\n"
        f"  forum-scraper status --db {db_path}\n"
        f"  forum-scraper export csv --posts --db {db_path} --out posts.csv\n",
        err=True,
    )
    sys.exit(report.exit_code)


@cli.command()
@db_option
def status(db_path: Path) -> None:
    """Show totals, recent crawl runs, and threads that are partial, blocked or gone."""
    if not db_path.exists():
        fail(f"no archive at {db_path}")
    db = archive.open_archive(db_path)
    info = archive.summary(db)
    click.echo(f"Archive {db_path} ({db_path.stat().st_size / 2**20:.1f} MiB)")
    click.echo("  " + ", ".join(f"{n:,} {name}" for name, n in info["totals"].items()))
    if info["threads_by_status"]:
        states = ", ".join(f"{n:,} {s}" for s, n in sorted(info["threads_by_status"].items()))
        click.echo(f"  threads: {states}")
    click.echo("Recent crawl runs:" if info["runs"] else "No crawl runs yet.")
    for run in info["runs"]:
        click.echo(
            f"  #{run['id']} {run['started_at']} {run['status']}: {run['pages_fetched']:,} pages,"
            f" {run['posts_new']:,} new / {run['posts_changed']:,} changed /"
            f" {run['posts_deleted']:,} deleted posts, {run['errors']:,} errors"
            + (f"; {run['reason']}" if run.get("reason") else "")
        )
    if info["problems"]:
        click.echo("Threads needing attention:")
    for t in info["problems"]:
        reason = f" ({t['status_reason']})" if t["status_reason"] else ""
        click.echo(f"  {t['status']}: {t['title'] or t['external_id']} {t['url'] or ''}{reason}")


@cli.command("export")
@click.argument("fmt", metavar="csv|jsonl", type=click.Choice(["csv", "jsonl"]))
@db_option
@click.option("--table", help="Export this table or view.")
@click.option("--query", "sql", help="Export the rows of this read-only SQL query.")
@click.option("--posts", is_flag=True,
              help="Export posts flattened with their thread, board and author.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of stdout.")
@click.option("--raw", is_flag=True, help="CSV: keep cells that start with = + - @ as they are.")
def export_command(fmt: str, db_path: Path, table: str | None, sql: str | None, posts: bool,
                   out_path: Path | None, raw: bool) -> None:
    """Export a table, a view or a query as UTF-8 CSV or JSON lines, streaming.

    CSV is safe to open in a spreadsheet: text cells starting with = + - @, a tab or a carriage
    return get a leading apostrophe unless --raw. Blobs are written as base64.
    """
    from scraper import export

    if sum(map(bool, (table, sql, posts))) != 1:
        fail("give exactly one of --table, --query or --posts")
    try:
        conn = export.connect_read_only(db_path)
        query = export.posts_sql(conn) if posts else sql or export.table_sql(conn, table)
        if out_path is None:
            export.export(conn, fmt, query, sys.stdout.buffer, raw=raw)
        else:
            count = export.export_to_path(conn, fmt, query, out_path, raw=raw)
            click.echo(f"exported {count:,} rows to {out_path}", err=True)
    except export.ExportError as exc:
        fail(str(exc))
    except BrokenPipeError:  # the reader stopped early (| head): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except OSError as exc:
        fail(f"cannot write {out_path or 'stdout'}: {exc.strerror or exc}")


@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True)
def serve(db_path: Path, host: str, port: int) -> None:
    """Browse the archive with Datasette, with titles, descriptions and canned queries.

    Needs the optional extra: pip install 'forum-scraper[datasette]'.
    """
    from scraper.serve import ServeError
    from scraper.serve import serve as run_datasette

    try:
        sys.exit(run_datasette(db_path, host, port))
    except ServeError as exc:
        fail(str(exc))


class ReparseProgress:
    """Pages done out of all, on one terminal line."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, done: int, total: int, stats: ReparseStats) -> None:
        if self.enabled:
            line = f"reparse {done:,}/{total:,} pages · posts {stats.posts_updated:,} updated"
            click.echo(f"\r{line}\033[K", err=True, nl=False)

    def close(self) -> None:
        if self.enabled:
            click.echo("\r\033[K", err=True, nl=False)


@cli.command()
@db_option
@click.option("--tz", help="Site time zone (IANA name); default: the one the last crawl used.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing; the exit code tells.")
def reparse(db_path: Path, tz: str | None, quiet: bool) -> None:
    """Rebuild the parsed tables from the raw pages stored in the archive, without network.

    Row ids and history are kept; an unchanged page changes nothing. Exit code 1 when some
    stored pages could not be parsed.
    """
    progress = ReparseProgress(enabled=not quiet and sys.stderr.isatty())
    try:
        stats = run_reparse(db_path, tz=tz, progress=progress)
    except (ReparseError, CrawlError) as exc:
        fail(str(exc))
    finally:
        progress.close()
    if not quiet:
        click.echo(
            f"reparsed {stats.pages:,} pages ({stats.thread_pages:,} thread,"
            f" {stats.listing_pages:,} listing), {stats.failed:,} failed; posts"
            f" {stats.posts_new:,} new, {stats.posts_updated:,} updated"
            f" ({stats.posts_new_versions:,} with new content), {stats.posts_deleted:,} deleted"
            f" -> {db_path}",
            err=True,
        )
        for message in stats.messages[:20]:
            click.echo(f"  {message}", err=True)
    sys.exit(1 if stats.failed else 0)
