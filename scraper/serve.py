"""Serve an archive with Datasette and the bundled metadata (scraper/metadata.yml).

Datasette runs as its own process (``python -m datasette serve``), so its command line, server
and signal handling are exactly Datasette's; this module only prepares its metadata.
"""

from __future__ import annotations

import copy
import importlib.metadata
import json
import signal
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from scraper import archive

INSTALL_HINT = "Datasette is not installed: pip install 'forum-scraper[datasette]'"
TEMPLATE_DATABASE = "forum"  # the database name metadata.yml describes
# Settings that Datasette 1.x reads from its configuration rather than from metadata.
CONFIG_TABLE_KEYS = (
    "facets", "sort", "sort_desc", "label_column", "fts_table", "fts_pk", "searchmode", "hidden",
    "size", "sortable_columns",
)

Metadata = dict[str, Any]


# Our Datasette plugins (labelled foreign keys on row pages, search by relevance, page touches).
PLUGINS_DIR = Path(__file__).resolve().parent / "datasette_plugins"


class ServeError(Exception):
    """Datasette cannot be started: not installed, or no archive."""


def datasette_version() -> str:
    """The installed Datasette version; ServeError with the install hint if there is none."""
    try:
        return importlib.metadata.version("datasette")
    except importlib.metadata.PackageNotFoundError:
        raise ServeError(INSTALL_HINT) from None


def load_metadata(database: str = TEMPLATE_DATABASE) -> Metadata:
    """The bundled metadata, describing the archive served under the name ``database``."""
    import yaml  # PyYAML comes with Datasette

    text = resources.files("scraper").joinpath("metadata.yml").read_text(encoding="utf-8")
    metadata = yaml.safe_load(text)
    metadata["databases"] = {database: metadata["databases"][TEMPLATE_DATABASE]}
    return metadata


def split_config(metadata: Metadata) -> tuple[Metadata, Metadata]:
    """Split 0.65-style metadata into Datasette 1.x metadata and configuration.

    Table settings (facets, sorting, labels, search) and canned queries go to the
    configuration; titles and descriptions stay in the metadata.
    """
    descriptive = copy.deepcopy(metadata)
    config: Metadata = {"databases": {}}
    for name, database in descriptive.get("databases", {}).items():
        db_config: Metadata = {}
        if "queries" in database:
            db_config["queries"] = database.pop("queries")
        for table, settings in database.get("tables", {}).items():
            moved = {k: settings.pop(k) for k in CONFIG_TABLE_KEYS if k in settings}
            if moved:
                db_config.setdefault("tables", {})[table] = moved
        config["databases"][name] = db_config
    return descriptive, config


def datasette_command(db_path: Path, host: str, port: int, files: dict[str, Path]) -> list[str]:
    """The Datasette command line; ``files`` holds the metadata (and 1.x config) files."""
    command = [
        sys.executable, "-m", "datasette", "serve", str(db_path), "--host", host,
        "--port", str(port), "--metadata", str(files["metadata"]),
        "--plugins-dir", str(PLUGINS_DIR),
    ]
    if "config" in files:
        command += ["--config", str(files["config"])]
    return command


def write_settings(db_path: Path, version: str, directory: Path) -> dict[str, Path]:
    """Write the metadata (and on Datasette 1.x the config) for ``db_path`` into ``directory``."""
    metadata = load_metadata(db_path.stem)
    parts = {"metadata": metadata}
    if int(version.split(".")[0]) >= 1:
        parts["metadata"], parts["config"] = split_config(metadata)
    files = {}
    for name, content in parts.items():
        files[name] = directory / f"{name}.json"
        files[name].write_text(json.dumps(content, ensure_ascii=False, indent=2), "utf-8")
    return files


def serve(db_path: Path, host: str = "127.0.0.1", port: int = 8001) -> int:
    """Upgrade the archive's schema, then run Datasette on it until it stops; its exit code.

    SIGTERM is passed on to Datasette, so stopping this process stops the server too.
    """
    version = datasette_version()
    if not db_path.is_file():
        raise ServeError(f"no archive at {db_path}")
    archive.open_archive(db_path).close()
    with tempfile.TemporaryDirectory(prefix="forum-scraper-") as tmp:
        files = write_settings(db_path, version, Path(tmp))
        with subprocess.Popen(datasette_command(db_path, host, port, files)) as process:
            previous = signal.signal(signal.SIGTERM, lambda *_: process.terminate())
            try:
                code = process.wait()
            except KeyboardInterrupt:  # Datasette got the same Ctrl-C: let it shut down
                code = process.wait()
            finally:
                signal.signal(signal.SIGTERM, previous)
    return 128 - code if code < 0 else code  # ended by signal N: 128 + N, as shells report
