"""``scraper demo``: serve the bundled replica on 127.0.0.1, crawl it into a fresh
data/demo.db, change the site, crawl again and show what changed, with the commands that
show it. Everything it prints goes through the caller's ``echo(text, err=False)``. No
click."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import sys
import time
from collections.abc import Callable

from scraper import archive, config, digest, output
from scraper.crawl import run_crawl
from scraper.history import diff_pair, history_entries, lookup, show_record
from scraper.textdiff import diff_versions

DEMO_DB = "data/demo.db"


def run_demo(keep_serving: bool, port: int, echo: Callable[..., None]) -> int:
    """The whole demo; returns the exit code (Ctrl-C ends it with 0)."""
    from scraper.replica import ReplicaServer, ReplicaSite

    # A scratch archive: the replica's port changes from run to run, and so do its URLs, so
    # an older demo archive would only pile up copies of the same site.
    for suffix in ("", "-wal", "-shm", ".lock"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(DEMO_DB + suffix)
    server = ReplicaServer(ReplicaSite(), port=port)
    server.start()
    try:
        start = f"{server.base_url}/xxgk/"
        echo(f"Replica site serving at {start}")
        profile = config.command_profile(
            None, None, (start,), (), {"delay": 0.0, "retry_wait": 0.1}
        )
        profile.name = "demo"
        crawl = functools.partial(
            run_crawl, profile, DEMO_DB, full=True, max_pages=None, summary=True, echo=echo
        )
        exit_code = crawl()
        db = archive.open_db(DEMO_DB)
        counts = archive.stats(db)
        echo(
            f"\nArchived {counts['documents']} documents and {counts['attachment_files']} "
            "attachment files, each at version 1."
        )
        made = server.site.demo_changes()
        between = archive.utcnow()
        echo(
            "\nThe replica changes: a body edited, a title corrected, a document deleted, two "
            "documents added on top of 通知公告, an attachment file replaced and the footer of "
            "every page changed (a footer is not content: no new versions for it). Crawling "
            "again with --full:"
        )
        time.sleep(1.05 - time.time() % 1)  # the second crawl's versions come after `between`
        exit_code = max(exit_code, crawl())
        me = invoked_as()
        header, items, _ = digest.run_digest(db, None, digest.DEFAULT_KINDS, lines=1)
        echo(f"\n$ {me} changes --db {DEMO_DB} --lines 1")
        echo(output.digest_text(header, items))
        edited, retitled = server.url(made["edited"]), server.url(made["retitled"])
        echo(f"\n$ {me} history --db {DEMO_DB} {edited}")
        page = lookup(db, edited)
        echo("\n".join(output.history_lines(page, history_entries(db, page))))
        echo(f"\n$ {me} diff --db {DEMO_DB} {edited}")
        pair = diff_pair(db, edited, None, None, None)
        if pair.nothing is not None:
            echo(pair.nothing)
        else:
            fields = [name for name in archive.COMPARED_FIELDS if name != "body_text"]
            echo(
                diff_versions(pair.older, pair.newer, sys.stdout.isatty(), context=1, names=fields)
            )
        echo(f"\n$ {me} show --db {DEMO_DB} {retitled} --at {between} | head -n 4")
        shown = output.show_text(show_record(db, retitled, None, between), between)
        echo("\n".join(shown.splitlines()[:4]))
        echo("")
        for line in hints(me, retitled, server.url(made["replaced"])):
            echo(line)
        if keep_serving:
            echo(f"Replica still serving at {start} (Ctrl-C to stop)")
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        exit_code = 0
    finally:
        server.stop()
    return exit_code


def hints(me: str, retitled: str, replaced: str) -> list[str]:
    """The commands to look inside the demo archive, ``scraper serve`` last."""
    name = replaced.rsplit("/", 1)[-1]
    # The sqlite3 line is an example for the user to type, not SQL this program runs.
    example = "SELECT date, title FROM documents"
    return [
        "Look inside (the archive is plain SQLite):",
        f"  {me} stats --db {DEMO_DB}",
        f"  {me} export --db {DEMO_DB} | head -n 1",
        f"  {me} history --db {DEMO_DB} {retitled}",
        f"  {me} raw --db {DEMO_DB} {replaced} --version 1 -o {name}  # before it was replaced",
        f"  {me} warc --db {DEMO_DB} data/demo.warc.gz",
        f"  {me} feed --db {DEMO_DB} -o data/demo.atom",
        f"  {me} reports --db {DEMO_DB}  # the annual reports, their figures checked",
        f"  sqlite3 {DEMO_DB} '{example}'",
        f"  {me} serve --db {DEMO_DB}",
    ]


def invoked_as() -> str:
    """The command as the user can type it again (``.venv/bin/scraper``, ``scraper`` when it
    is on PATH, ``.venv/bin/python -m scraper``), so that printed hints run as they are."""
    program = sys.argv[0] if sys.argv else "scraper"
    if program.endswith("__main__.py"):
        return f"{_short_path(sys.executable)} -m scraper"
    if os.path.basename(program) != "scraper":
        return "scraper"
    on_path = shutil.which("scraper")
    if on_path and os.path.abspath(on_path) == os.path.abspath(program):
        return "scraper"
    return _short_path(program)


def _short_path(path: str) -> str:
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else path
