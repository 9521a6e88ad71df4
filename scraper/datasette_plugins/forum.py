"""How a forum archive meets a user in Datasette (loaded by `forum-scraper serve`).

- Row pages show foreign keys as links labelled with the other row's label column (a post's
  thread title, author name, board title), not as bare ids.
- A search from the HTML page of ``posts``, ``threads`` or ``thread_summaries`` (``?_search=``
  without an explicit sort) goes to the canned query that orders matches by relevance
  (``search_posts`` / ``search_threads``); the JSON and CSV renderings are left as they are.
- The database page's SQL box starts with ``select * from thread_summaries``, views are listed
  before tables, and a table's column descriptions fold into one line above the data.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode

import markupsafe
from datasette import hookimpl
from datasette.utils import escape_sqlite

RELEVANCE_QUERIES = {"posts": "search_posts", "threads": "search_threads",
                     "thread_summaries": "search_threads"}
DEFAULT_SQL = "select * from thread_summaries"


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """A foreign key shown as a bare id (row pages) becomes a link with the other row's label."""
    if not table or not isinstance(value, int) or isinstance(value, bool):
        return None

    async def labelled():
        db = datasette.get_database(database)
        other = next((fk["other_table"] for fk in await db.foreign_keys_for_table(table)
                      if fk["column"] == column), None)
        if other is None:
            return None
        label_column = await db.label_column_for_table(other)
        if not label_column:
            return None
        column_sql, table_sql = escape_sqlite(label_column), escape_sqlite(other)
        rows = await db.execute(f"SELECT {column_sql} FROM {table_sql} WHERE id = ?", [value])
        label = rows.rows[0][0] if rows.rows else None
        if label in (None, ""):
            return None
        href = datasette.urls.row(database, other, str(value))
        return markupsafe.Markup(
            f'<a href="{markupsafe.escape(href)}">{markupsafe.escape(label)}</a>'
            f" <em>{value}</em>"
        )

    return labelled


@hookimpl
def asgi_wrapper(datasette):
    """Send an HTML full-text search of posts or threads to its by-relevance canned query."""

    def wrap(app):
        async def search_by_relevance(scope, receive, send):
            target = _relevance_target(scope) if scope.get("type") == "http" else None
            if target is None:
                await app(scope, receive, send)
                return
            await send({"type": "http.response.start", "status": 302,
                        "headers": [(b"location", target.encode()),
                                    (b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b""})

        return search_by_relevance

    return wrap


def _relevance_target(scope) -> str | None:
    parts = scope.get("path", "").strip("/").split("/")
    if scope.get("method") != "GET" or len(parts) != 2 or parts[1] not in RELEVANCE_QUERIES:
        return None
    args = parse_qs(scope.get("query_string", b"").decode(), keep_blank_values=True)
    words = (args.get("_search") or [""])[0].strip()
    if not words or any(key.startswith("_sort") for key in args):
        return None
    return f"/{parts[0]}/{RELEVANCE_QUERIES[parts[1]]}?{urlencode({'q': words})}"


@hookimpl
def extra_body_script(template, database, table, view_name, request, datasette):
    """Page touches that need the browser: the SQL box default, views first, folded columns."""
    if view_name == "database" and not request.args.get("sql"):
        return _SQL_BOX.replace("%DEFAULT%", json.dumps(DEFAULT_SQL))
    if view_name == "table":
        return _FOLD_COLUMNS
    return None


_SQL_BOX = """
(function () {
  var box = document.querySelector("textarea#sql-editor");
  if (box && /^select \\* from /i.test(box.value)) { box.value = %DEFAULT%; }
  var views = document.querySelector("h2#views"), tables = document.querySelector("h2#tables");
  if (views && tables) {
    var list = views.nextElementSibling;
    tables.parentNode.insertBefore(views, tables);
    if (list && list.tagName === "UL") { tables.parentNode.insertBefore(list, tables); }
  }
})();
"""

_FOLD_COLUMNS = """
(function () {
  var list = document.querySelector("dl.column-descriptions");
  if (!list) { return; }
  var fold = document.createElement("details");
  fold.className = "column-descriptions-fold";
  var title = document.createElement("summary");
  title.textContent = "Column descriptions (" + list.querySelectorAll("dt").length + ")";
  fold.appendChild(title);
  list.parentNode.insertBefore(fold, list);
  fold.appendChild(list);
})();
"""
