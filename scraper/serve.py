"""``scraper serve``: a real Datasette on one or more archives, read-only, with the
project's metadata, templates and plugin.

The metadata is built here for whatever the archive files are called (Datasette names a
database after its file's stem, ``_2``, ``_3``… for repeated stems), the same for each, so
``hongsibu.db`` and ``wuzhong.db`` served together both get the canned queries. Their SQL is
in :mod:`scraper.archive.canned`.

Read-only: Datasette opens each archive ``mode=ro`` and never writes it (no canned query
writes), and archives are WAL files, so a crawl writing and Datasette reading never block
each other. An archive whose ``-shm`` file cannot be created (read-only media) is served
as immutable.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from scraper import __version__, archive
from scraper.archive import canned
from scraper.archive import search as search_index
from scraper.errors import ConfigError

TEMPLATES = Path(__file__).parent / "templates"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")

SETTINGS: dict[str, Any] = {
    # Short cells: a document's whole text is one click away (its row page, or the JSON).
    "truncate_cells_html": 80,
    "default_page_size": 50,
    # Every match of the canned search is returned up to this many rows.
    "max_returned_rows": 1000,
    "sql_time_limit_ms": 5000,
    "facet_time_limit_ms": 1000,
}

HIDDEN = ("_sqlite_migrations", "frontier", "version_parts", *search_index.TABLES)

TABLES: dict[str, dict[str, Any]] = {
    "documents": {
        "description": (
            "Live documents as they read now, newest published first (undated last). "
            "Cells are cut short; a row's page shows it whole."
        ),
        "sort_desc": "date",
        "facets": ["source", "breadcrumb", {"year": "date"}],
    },
    "pages": {
        "description": "One row per URL ever archived.",
        "sort_desc": "last_seen",
        "label_column": "url",
    },
    "versions": {
        "description": (
            "One row per distinct extracted content of a page (raw = zlib-compressed bytes "
            "as fetched)."
        ),
        "sort_desc": "fetched_at",
        "facets": ["kind"],
    },
    "latest": {"description": "The latest version of every page, removed pages included."},
    "changes": {"description": "Every version after a page's first, with the one before."},
    "removed": {"description": "Pages that answered 404/410 (twice) and when."},
    "runs": {
        "description": "One row per crawl run with its counts and exit status.",
        "sort_desc": "id",
        "label_column": "started",
    },
    "failures": {
        "description": "URLs that could not be archived in a run, with the reason.",
        "sort_desc": "id",
    },
    "page_events": {"description": "Removals and returns of pages.", "sort_desc": "id"},
    "attachments": {
        "description": (
            "Attachment links seen on pages (the files themselves are pages of kind "
            "'attachment'; see the attachment_files view)."
        ),
    },
    "attachment_files": {
        "description": (
            "Every archived attachment file as it is now: link text, type, size, sha256, "
            "versions, removal, and the documents that link it. `scraper raw URL` writes "
            "any version's bytes."
        ),
        "sort_desc": "fetched_at",
    },
    "aliases": {"description": "Addresses that redirect to an archived page."},
    "reports": {
        "description": (
            "Annual reports (政府信息公开工作年度报告): one reading per state of a report page "
            "(its version and the attachment file versions read); current = 1 is the newest."
        ),
        "facets": ["year", "format"],
    },
    "report_figures": {
        "description": "A row per cell of tables 二, 三 and 四 of a reading, canonical names.",
        "facets": ["table", "year", "source"],
    },
    "report_checks": {
        "description": "The identities each reading's figures must satisfy, both sides written out.",
        "facets": ["result"],
    },
    "report_changes": {"description": "Report figures changed between two readings of a page."},
    "report_timeliness": {"description": "Published date against the deadline, and first seen."},
    "report_rates": {"description": "予以公开 / 总计 and 纠正 / 复议总计, per unit and year."},
    **{name: {"hidden": True} for name in HIDDEN},
}


def database_names(paths: Sequence[str | Path]) -> list[str]:
    """The names Datasette gives the archives: the file's stem, ``_2``… when repeated."""
    names: list[str] = []
    for path in paths:
        stem = Path(path).stem
        name, i = stem, 2
        while name in names or name == "_internal":
            name, i = f"{stem}_{i}", i + 1
        names.append(name)
    return names


def _links(name: str) -> str:
    db = quote(name)
    return (
        f'<a href="/{db}/documents">documents, newest first</a> · '
        f'<a href="/{db}/search">search (any length)</a> · '
        f'<a href="/{db}/recent_changes">recent changes</a> · '
        f'<a href="/{db}/disappeared">what disappeared</a>'
    )


def metadata(names: Sequence[str]) -> dict[str, Any]:
    """Datasette metadata for archives served under these names, the same for each."""
    index = "<br>".join(f"<strong>{name}</strong>: {_links(name)}" for name in names)
    return {
        "title": "scraper: government information-disclosure archive",
        "description_html": (
            "Versioned snapshots of 政府信息公开 pages: every row of <code>versions</code> is "
            "one distinct content of a page, nothing overwritten, removals recorded.<br>" + index
        ),
        "about": f"scraper {__version__}",
        "databases": {
            name: {
                "description_html": f"Start with: {_links(name)}.",
                "tables": TABLES,
                "queries": {
                    key: {**query, "hide_sql": key == "search"}
                    for key, query in canned.QUERIES.items()
                },
            }
            for name in names
        },
    }


def _read_only_works(path: Path) -> bool:
    """Can SQLite read the archive ``mode=ro``? (A WAL file on read-only media cannot.)"""
    return archive.readable_in_place(path)


def make_datasette(paths: Sequence[str | Path]) -> Any:
    """A Datasette on ``paths`` with the metadata, templates and plugin. Each archive's
    schema is brought up to date first, as every reading command does."""
    from datasette.app import Datasette
    from datasette.plugins import pm

    from scraper import datasette_plugin

    resolved = [Path(p) for p in dict.fromkeys(str(Path(p).resolve()) for p in paths)]
    for path in resolved:
        if not path.is_file():
            raise ConfigError(f"no archive at {path} (run `scraper crawl` first, or give --db)")
        archive.open_db(path, readonly=True).close()
    if not pm.is_registered(datasette_plugin):
        pm.register(datasette_plugin, name="scraper")
    mutable = [str(p) for p in resolved if _read_only_works(p)]
    immutable = [str(p) for p in resolved if str(p) not in mutable]
    # Datasette adds the files in this order, naming each after its stem.
    names = database_names([*mutable, *immutable])
    ds = Datasette(
        files=mutable,
        immutables=immutable,
        metadata=metadata(names),
        settings=SETTINGS,
        template_dir=str(TEMPLATES),
    )
    served = [name for name in ds.databases if name != "_internal"]
    if served != names:  # Datasette named them otherwise: the metadata would not apply
        raise ConfigError(f"unexpected database names {served}, wanted {names}")
    return ds


def check_port(host: str, port: int) -> None:
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}; give --port") from exc


def banner(ds: Any, host: str, port: int) -> list[str]:
    """What ``scraper serve`` prints: where to point a browser."""
    shown = "localhost" if host in ("0.0.0.0", "::", "") else host
    base = f"http://{shown}:{port}"
    names = [name for name in ds.databases if name != "_internal"]
    lines = [f"Datasette on {len(names)} archive(s) at {base}/ (Ctrl-C to stop)"]
    for name in names:
        db = f"{base}/{quote(name)}"
        lines.append(f"  {name}: {db}/documents   search: {db}/search")
    return lines


def run(ds: Any, host: str, port: int) -> None:
    """Serve until interrupted."""
    import uvicorn

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(ds.invoke_startup())
    finally:
        loop.close()
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on")
