"""Command line: a thin click layer over the plain functions of the package."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import click
import sqlite_utils

from scraper import __version__, archive, platforms, runlog, session, zones
from scraper.crawl import DEFAULT_DB, CrawlError, CrawlOptions, CrawlReport, CrawlStats, crawl
from scraper.fetch import DEFAULT_USER_AGENT
from scraper.models import BlockedPage, ParseError
from scraper.reparse import ReparseError, ReparseStats
from scraper.reparse import reparse as run_reparse
from scraper.schema import MIGRATIONS

db_option = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB,
    show_default=True, help="The archive (an SQLite file; crawl creates it if missing).",
)


def fail(message: str, code: int = 2) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _zone(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--tz checked before anything runs: an unknown zone is one line and exit 2."""
    try:
        return zones.normalize(value) if value else None
    except zones.ZoneError as exc:
        fail(str(exc))


def tz_option(help_text: str):
    return click.option("--tz", metavar="ZONE", callback=_zone, help=help_text)


class Commands(click.Group):
    """The command group: an archive file that cannot serve a command is one line, exit 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except archive.ArchiveError as exc:
            fail(str(exc))


@click.group(cls=Commands)
@click.version_option(__version__, prog_name="forum-scraper")
def cli() -> None:
    """Archive online community forums into one normalized SQLite file."""


@cli.command(short_help="Parse one saved page and print its JSON.")
@click.argument("file", type=click.File("rb"))
@click.option("--url", help="The URL the page was saved from (default: its canonical link).")
@click.option("--platform", type=click.Choice(sorted(platforms.PLATFORMS)),
              help="The page's platform (default: detected from the page).")
@tz_option("Site time zone (IANA name or offset such as +01:00) for the shown times.")
def parse(file, url: str | None, platform: str | None, tz: str | None) -> None:
    """Parse one saved page (FILE, or - for stdin) and print its JSON.

    Exit code 2 for a page that is no forum page, 1 for a login wall or challenge.

    \b
    Example:
      forum-scraper parse saved.html --url https://community.example.com/t5/Billing/Refund/td-p/41200
    """
    body = file.read()
    try:
        page = platforms.parse(body, url, platform=platform, tz=None if tz == zones.AUTO else tz)
    except BlockedPage as exc:
        fail(f"{file.name}: {exc}", 1)
    except ParseError as exc:
        fail(f"{file.name}: {exc}")
    click.echo(json.dumps(page.to_dict(), ensure_ascii=False, indent=2))


class Progress:
    """One line of progress on a terminal, redrawn at most 5 times a second; nothing when
    not enabled (no terminal, --quiet). Call ``line(text)``; ``close()`` clears it."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.last = 0.0

    def line(self, text: str) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.last < 0.2:
            return
        self.last = now
        click.echo(f"\r{text}\033[K", err=True, nl=False)

    def __call__(self, stats: CrawlStats) -> None:
        """A crawl's progress."""
        self.line(
            f"pages {stats.pages_fetched:,} · posts {stats.posts_new:,} new"
            f" {stats.posts_changed:,} changed · errors {stats.errors:,}"
            f" · {stats.rate:.1f} pages/s"
        )

    def reparsed(self, done: int, total: int, stats: ReparseStats) -> None:
        """A reparse's progress."""
        self.line(f"reparse {done:,}/{total:,} pages · posts {stats.posts_updated:,} updated")

    def close(self) -> None:
        if self.enabled and self.last:
            click.echo("\r\033[K", err=True, nl=False)


def summary(report: CrawlReport, db_path: Path) -> str:
    s = report.stats
    elapsed = time.monotonic() - s.started
    words = {"complete": "crawl complete", "incomplete": "crawl finished with errors",
             "stopped": "crawl stopped by its limits", "interrupted": "crawl interrupted"}
    if report.signal is not None:
        words["interrupted"] = f"crawl interrupted by {signal.Signals(report.signal).name}"
    lines = [
        f"{words.get(report.status, report.status)}: {s.pages_fetched:,} pages fetched"
        f" ({s.not_modified:,} not modified), {s.threads_skipped:,} threads unchanged;"
        f" posts {s.posts_new:,} new, {s.posts_changed:,} changed, {s.posts_deleted:,} deleted;"
        f" {s.errors:,} errors ({s.blocked:,} blocked) in {elapsed:.1f} s -> {db_path}"
    ]
    lines += [f"{reason}; its pages are left for the next run" for reason in s.sites_down]
    if s.robots_skipped:
        lines.append(f"{s.robots_skipped:,} pages not fetched: disallowed by robots.txt")
    if report.pending:
        lines.append(f"{report.pending:,} pages left: run the same command again to continue")
    lines += zone_lines(db_path)
    lines += [f"  {m}" for m in s.messages[:20]]
    if len(s.messages) > 20:
        lines.append(f"  … and {len(s.messages) - 20} more")
    return "\n".join(lines)


def zone_lines(db_path: Path) -> list[str]:
    """Sites whose times are local (zone unknown) or a best fit: said once per crawl."""
    try:
        conn = archive.open_read_only(db_path)
    except archive.ArchiveError:
        return []
    try:
        return archive.zone_notes(sqlite_utils.Database(conn), unsettled=True)
    finally:
        conn.close()


@cli.command("crawl", short_help="Archive a community, board or thread.")
@click.argument("urls", nargs=-1, required=True)
@db_option
@click.option("--max-pages", type=click.IntRange(min=1), metavar="N",
              help="Fetch at most N pages this run; the next run continues.")
@click.option("--max-time", type=click.FloatRange(min=0), metavar="SECONDS",
              help="Stop scheduling fetches after SECONDS; the next run continues.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Requests in flight per host.")
@click.option("--delay", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Seconds between request starts to one host (robots.txt Crawl-delay"
              " raises it).")
@click.option("--full", is_flag=True, help="Ignore change detection: fetch every thread page.")
@click.option("--user-agent", default=DEFAULT_USER_AGENT, show_default=True,
              help="The User-Agent header sent with every request.")
@click.option("--no-robots", is_flag=True, help="Do not obey robots.txt.")
@tz_option("Site time zone (IANA name or offset such as +01:00), overriding the zone"
           " learned from the pages and kept with the site; auto goes back to learning.")
@click.option("--platform", type=click.Choice(sorted(platforms.PLATFORMS)),
              help="The forum's platform (default: from the URL, else from the start page).")
@click.option("--via", type=click.Choice(["auto", "api", "html"]), default="auto",
              show_default=True,
              help="Read the platform's API where the site serves it (Khoros: the Community"
                   " API, in bulk; auto: fall back to HTML pages when it refuses), only the API,"
                   " or only HTML pages.")
@click.option("--timeout", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="Seconds one response may take in all, a slow drip included (each read may"
              " take half of it); past it the attempt fails and is retried.")
@click.option("--header", "headers", multiple=True, metavar="'NAME: VALUE'",
              help="Send this header with every request (repeatable).")
@click.option("--cookies", "cookies", type=click.Path(dir_okay=False, path_type=Path),
              help="Send the cookies of this Netscape cookies.txt file to the crawled hosts.")
@click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Append one line per HTTP request to this file.")
@click.option("--verbose", "-v", is_flag=True, help="Print one line per HTTP request to stderr.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing; the exit code tells.")
def crawl_command(urls, db_path, max_pages, max_time, concurrency, delay, full, user_agent,
                  no_robots, tz, platform, via, timeout, headers, cookies, log_path, verbose,
                  quiet) -> None:
    """Archive a community, category, board or thread (URLS) into the archive.

    Run it again to fetch only what changed; a stopped run resumes. Times are stored as
    instants in the site's zone, learned from the pages (or given with --tz).

    Exit codes: 0 all done, 1 finished but something is incomplete (failed pages, blocked
    threads, unreachable site, limits reached), 2 usage or configuration error, 130/143
    stopped by SIGINT/SIGTERM (the next run resumes).

    \b
    Examples:
      forum-scraper crawl https://community.example.com/
      forum-scraper crawl https://community.example.com/t5/Billing/bd-p/billing --max-time 600
      forum-scraper crawl https://forum.example.org/viewforum.php?f=7 --platform phpbb
      forum-scraper crawl https://discuss.example.net/latest --via html
    """
    try:
        parsed_headers = tuple(session.parse_header(h) for h in headers)
    except session.SessionError as exc:
        fail(str(exc))
    options = CrawlOptions(
        db_path=db_path, max_pages=max_pages, max_time=max_time, concurrency=concurrency,
        delay=delay, full=full, user_agent=user_agent, obey_robots=not no_robots, tz=tz,
        platform=platform, via=via, timeout=timeout, headers=parsed_headers, cookies=cookies,
    )
    progress = Progress(enabled=not quiet and not verbose and sys.stderr.isatty())
    try:
        with request_log(log_path, verbose) as on_request:
            report = crawl(list(urls), options, progress, on_request=on_request)
    except CrawlError as exc:
        fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:  # Ctrl-C before the crawl could catch it
        sys.exit(runlog.exit_code_for(signal.SIGINT))
    finally:
        progress.close()
    if report.status == "failed":
        fail(f"crawl failed: {report.reason}", report.exit_code)
    if not quiet:
        click.echo(summary(report, db_path), err=True)
    sys.exit(report.exit_code)


@contextmanager
def request_log(path: Path | None, verbose: bool) -> Iterator[Callable | None]:
    """The ``on_request`` of a crawl: a line per request to ``path`` and/or stderr."""
    sinks: list[runlog.RequestLog] = []
    with ExitStack() as stack:
        if path is not None:
            try:
                out = stack.enter_context(open(path, "a", encoding="utf-8"))
            except OSError as exc:
                fail(f"cannot write the log {path}: {exc.strerror or exc}")
            sinks.append(runlog.RequestLog(out))
        if verbose:
            sinks.append(runlog.RequestLog(sys.stderr))

        def on_request(event: runlog.RequestEvent) -> None:
            for sink in sinks:
                sink(event)

        yield on_request if sinks else None


def demo_platforms() -> list[str]:
    """The platforms the demo site can speak: those with a demo renderer."""
    from scraper.demo import renderers

    return [name for name in sorted(platforms.PLATFORMS) if renderers.available(name)]


@cli.command(short_help="Crawl the bundled demo community (no internet).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("data/demo.db"), show_default=True, help="Archive file.")
@click.option("--port", type=click.IntRange(0, 65535), default=8642, show_default=True,
              help="Port of the demo server; keep it fixed so re-runs update the same site.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the closing lines.")
@click.option("--platform", type=click.Choice(demo_platforms()), default="khoros",
              show_default=True, help="Which platform's markup the demo site speaks.")
def demo(db_path: Path, port: int, quiet: bool, platform: str) -> None:
    """Serve the bundled demo community on 127.0.0.1 and crawl it into an archive.

    Run it again to see change detection: only listing pages are fetched.

    \b
    Example:
      forum-scraper demo && forum-scraper serve --db data/demo.db
    """
    from scraper.demo.server import DemoServer

    try:
        server = DemoServer(port=port, platform=platform,
                            skin="mixed" if platform == "khoros" else "classic").start()
    except OSError as exc:
        fail(f"cannot serve the demo on 127.0.0.1:{port} ({exc.strerror}); try --port")
    with server:
        start = server.url + (server.renderer.INDEX_PATH if server.renderer else "/")
        if not quiet:
            click.echo(f"Demo {platform} community serving at {start}", err=True)
        options = CrawlOptions(db_path=db_path, concurrency=4, delay=0)  # the zone is learned
        progress = Progress(enabled=not quiet and sys.stderr.isatty())
        try:
            report = crawl([start], options, progress)
        except CrawlError as exc:
            fail(str(exc))
        except KeyboardInterrupt:  # Ctrl-C before the crawl could catch it
            sys.exit(runlog.exit_code_for(signal.SIGINT))
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


@cli.command(short_help="Show totals, recent runs and threads needing attention.")
@db_option
@click.option("--run", "run_id", type=int, metavar="N",
              help="List the posts run N added, changed and deleted.")
def status(db_path: Path, run_id: int | None) -> None:
    """Show totals, each site's platform and time zone, recent crawl runs, and threads that
    are pending, partial, blocked or gone. A read-only archive is shown as it is.

    \b
    Examples:
      forum-scraper status --db data/forum.db
      forum-scraper status --run 12      # what crawl run #12 added, changed, deleted
    """
    if not db_path.exists():
        fail(f"no archive at {db_path}")
    # Read-only (a running crawl never blocks it), upgraded first when the schema is old and
    # the file writable; a read-only archive is reported as it is.
    db = sqlite_utils.Database(archive.open_read_only(db_path))
    writable = os.access(db_path, os.W_OK) and db_path.stat().st_mode & 0o222
    if writable and MIGRATIONS.pending(db):
        db.close()
        db = archive.open_archive(db_path)
    if run_id is not None:
        show_run(db, run_id)
        return
    info = archive.summary(db)
    click.echo(f"Archive {db_path} ({db_path.stat().st_size / 2**20:.1f} MiB)")
    click.echo("  " + ", ".join(f"{n:,} {name}" for name, n in info["totals"].items()))
    for site in info["sites"]:
        click.echo(f"  site {site['base_url']} ({site['platform']})")
    for line in archive.zone_notes(db):
        click.echo(f"  {line}")
    if info["threads_by_status"]:
        states = ", ".join(f"{n:,} {s}" for s, n in sorted(info["threads_by_status"].items()))
        click.echo(f"  threads: {states}")
    click.echo("Recent crawl runs:" if info["runs"] else "No crawl runs yet.")
    for run in info["runs"]:
        click.echo(
            f"  #{run['id']} {run['started_at']} {runlog.shown_status(run)}:"
            f" {run['pages_fetched']:,} pages,"
            f" {run['posts_new']:,} new / {run['posts_changed']:,} changed /"
            f" {run['posts_deleted']:,} deleted posts, {run['errors']:,} errors"
            + (f"; {run['reason']}" if run.get("reason") else "")
        )
    if info["problems"]:
        click.echo("Threads needing attention:")
    for t in info["problems"]:
        reason = f" ({t['status_reason']})" if t["status_reason"] else ""
        click.echo(f"  {t['status']}: {t['title'] or t['external_id']} {t['url'] or ''}{reason}")


def show_run(db, run_id: int) -> None:
    """Print one run and the posts it added, changed and deleted."""
    run = archive.crawl_run(db, run_id)
    if run is None:
        fail(f"no crawl run #{run_id} in the archive")
    changes = archive.run_changes(db, run_id)
    counts = {kind: sum(c["change"] == kind for c in changes)
              for kind in ("new", "changed", "deleted")}
    click.echo(
        f"Run #{run_id} {run['started_at']} – {run['finished_at'] or '…'}"
        f" {runlog.shown_status(run)}: "
        + ", ".join(f"{n:,} {kind}" for kind, n in counts.items()) + " posts"
    )
    for c in changes:
        who = f" by {c['author_name']}" if c["author_name"] else ""
        click.echo(f"  {c['change']:<7} #{c['position'] or '?'}{who} in"
                   f" {c['thread_title'] or '?'} {c['url'] or ''}".rstrip())


@cli.command("export", short_help="Export a table, view or query as CSV or JSON lines.")
@click.argument("fmt", metavar="csv|jsonl", type=click.Choice(["csv", "jsonl"]))
@db_option
@click.option("--table", metavar="NAME", help="Export this table or view.")
@click.option("--query", "sql", metavar="SQL",
              help="Export the rows of this SQL query (read-only; one statement).")
@click.option("--posts", is_flag=True,
              help="Export posts flattened with their thread, board and author.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (whole or not at all) instead of stdout; never"
              " an SQLite file.")
@click.option("--raw", is_flag=True, help="CSV: keep cells that start with = + - @ as they are.")
def export_command(fmt: str, db_path: Path, table: str | None, sql: str | None, posts: bool,
                   out_path: Path | None, raw: bool) -> None:
    """Export a table, a view or a query as UTF-8 CSV or JSON lines, streaming.

    CSV is safe to open in a spreadsheet: text cells starting with = + - @, a tab or a carriage
    return get a leading apostrophe unless --raw. Blobs are written as base64.

    \b
    Examples:
      forum-scraper export csv --posts --out posts.csv
      forum-scraper export jsonl --table thread_summaries
      forum-scraper export csv --query "SELECT title, reply_count FROM threads"
    """
    from scraper import export

    if sum(map(bool, (table, sql, posts))) != 1:
        fail("give exactly one of --table, --query or --posts")
    try:
        if out_path is not None:
            export.check_target(out_path, db_path)
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


@cli.command(short_help="Browse the archive with Datasette.")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True,
              help="Port to listen on.")
def serve(db_path: Path, host: str, port: int) -> None:
    """Browse the archive with Datasette, with titles, descriptions and canned queries.

    Needs the optional extra: pip install 'forum-scraper[datasette]'. Stops with Ctrl-C.

    \b
    Example:
      forum-scraper serve --db data/forum.db --port 8001
    """
    from scraper.serve import ServeError
    from scraper.serve import serve as run_datasette

    try:
        sys.exit(run_datasette(db_path, host, port))
    except ServeError as exc:
        fail(str(exc))


@cli.command(short_help="Rebuild the parsed tables from the stored pages.")
@db_option
@tz_option("Set every site's time zone (IANA name or offset such as +01:00, or auto for the"
           " learned one) and re-apply it; default: each site's stored zone.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing; the exit code tells.")
def reparse(db_path: Path, tz: str | None, quiet: bool) -> None:
    """Rebuild the parsed tables from the raw pages stored in the archive, without network.

    Row ids and history are kept; an unchanged page changes nothing. Exit code 1 when some
    stored pages could not be parsed.

    \b
    Examples:
      forum-scraper reparse --db data/forum.db
      forum-scraper reparse --db data/forum.db --tz Europe/Berlin
    """
    progress = Progress(enabled=not quiet and sys.stderr.isatty())
    try:
        stats = run_reparse(db_path, tz=tz, progress=progress.reparsed)
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
