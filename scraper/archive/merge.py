"""Merging archives into one (``scraper merge OUT ARCHIVE…``): the site archives of many
machines become one archive that can be queried (and served) together.

What comes along, ids remapped: pages (each keeps its ``site``), their versions and extra
parts, page events, runs, failures, attachment links, aliases and same-page records, and
the attachment files (pages of kind ``attachment``). The frontier does not: it belongs to
the crawl that left it. The search index is extended version by version, with the function
a crawl uses (:func:`scraper.archive.search.index_version`), so the merged archive searches
as if it had been crawled; the views are made by the normal open of OUT.

Rows are recognised by natural keys, never by ids (ids are local to each archive):

- a page by its URL (unique in every archive);
- a version by (page URL, number, fetch time, content hash): versions are written once and
  numbered from 1, so two archives hold the same page exactly when one's versions are a
  prefix of the other's. Any other overlap (same URL, other fetch times or content) is a
  conflict: :class:`MergeConflict` names the URL and nothing is written. A prefix is the
  same page seen later: merging the later snapshot adds only the versions past the prefix;
- a run by (site, started, pid): one process starts one run of a site per second at most.
  A run merged while it was running is brought up to date when a later snapshot shows it
  finished (its counts, status, finish time); never moved backwards;
- an event by (page, time, event, detail); a failure by (run, URL, category, reason,
  status, attempts, time); an attachment link by (page, URL); an alias by its URL.

So merging the same archives again adds nothing, and merging an archive that gained
versions adds those, with the runs, events and failures that came with them.

All or nothing: the whole merge is one transaction on OUT; a conflict, an error, a kill
leaves OUT as it was (a new OUT is removed again). Being one transaction, it needs free
space for what it adds twice until it commits (OUT's WAL); merge a national set in batches
of inputs if space is short (merging is incremental). The merge holds OUT's lock, so it
never runs beside a crawl into OUT, and each input's lock, shared, while it reads it: an
input being written by a crawl is refused (:class:`~scraper.errors.ArchiveBusy`), never read
mid-write, and no crawl starts into it meanwhile (another merge may read it too). Inputs
should be ``VACUUM INTO`` snapshots, copied whole. An input on a read-only medium (where no
crawl can write) is read without a lock.

Inputs are opened read-only and never changed. An input written by an older version of
scraper (a migration pending) is copied to a temporary file (``TMPDIR``) and the copy
upgraded; OUT itself is opened, and upgraded, as every command opens an archive.

The annual reports' readings, figures and checks (m009) derive from versions: they are not
copied but derived for the merged versions, in the same transaction, with the functions a
crawl uses when its run ends (:mod:`scraper.archive.reports`), each touched page replayed
run by run as ``reindex --figures`` does: a report corrected between two crawls of one input
has the two readings it has there, so the correction shows in ``report_changes`` (a run that
gained versions is read again). Other tables of later migrations come along when they
reference no ids (a row copied unless the same row or its key is there: ``report_levels``);
one that references versions, pages or runs and is not named here is not copied, and is
named in :attr:`Merged.tables_left` (a new such table needs a line here).
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from scraper.archive import search as search_index
from scraper.archive.db import _open_readonly, archive_lock, open_db, utcnow, writing
from scraper.archive.pages import _indexed_fields
from scraper.archive.schema import SEARCHED_FIELDS, migrations
from scraper.errors import EXIT_SOME_FAILED, ArchiveBusy, ConfigError, ScraperError

logger = logging.getLogger(__name__)

# The tables merged by name (below); the frontier is left behind on purpose.
_MERGED = {
    "runs", "pages", "versions", "version_parts", "page_events", "failures", "attachments",
    "aliases", "frontier", migrations.migrations_table, *search_index.TABLES,
}  # fmt: skip
_ID_COLUMNS = {"version_id", "page_id", "run_id"}
# Derived from versions (m009): made again for the merged versions, not copied.
_REPORT_RUNS = "report_runs"
_DERIVED = {"reports", "report_figures", "report_checks", _REPORT_RUNS}


class MergeConflict(ScraperError):
    """A page is in two archives with versions that are not the same (exit 1)."""

    exit_code = EXIT_SOME_FAILED

    def __init__(self, url: str, path: Path) -> None:
        super().__init__(
            f"page {url} in {path} has other versions than the same URL merged from another "
            "archive (fetch times or content differ); nothing merged"
        )
        self.url = url


@dataclass
class Merged:
    """What the merge of one input added to OUT."""

    path: str
    pages_added: int = 0
    pages_updated: int = 0  # known pages that gained versions or a later check
    versions_added: int = 0
    versions_skipped: int = 0  # already in OUT (merged before)
    runs_added: int = 0
    runs_updated: int = 0
    events_added: int = 0
    failures_added: int = 0
    aliases_added: int = 0
    rows_added: dict[str, int] = field(default_factory=dict)  # other tables
    tables_left: list[str] = field(default_factory=list)  # derived data, not copied


@dataclass
class MergeSummary:
    """A whole merge: OUT, each input's counts, and the report readings derived."""

    out: str
    inputs: list[Merged]
    readings: int = 0

    def total(self, name: str) -> int:
        return sum(int(getattr(merged, name)) for merged in self.inputs)

    def as_dict(self) -> dict[str, Any]:
        counts = [f.name for f in fields(Merged) if f.type == "int"]
        return {**asdict(self), "totals": {name: self.total(name) for name in counts}}


def merge_archives(
    out_path: str | Path,
    input_paths: Sequence[str | Path],
    *,
    progress: Callable[[str], None] | None = None,
) -> MergeSummary:
    """Merge the archives at ``input_paths`` into ``out_path`` (created if missing), in one
    transaction. Raises ConfigError (a missing input, OUT among the inputs, not an
    archive), ArchiveBusy (OUT or an input is being written), MergeConflict, StoreError."""
    out = Path(out_path)
    inputs = _check_paths(out, [Path(p) for p in input_paths])
    say = progress or logger.info
    with archive_lock(out):
        for path in inputs:
            with _input_lock(path):
                _probe(path).close()
        existed, created = out.exists(), _is_new(out)
        try:
            summary = _merge_into(out, inputs, say)
        except BaseException:
            if created:  # as it was: no file, or an empty one
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{out}{suffix}").unlink(missing_ok=True)
                if existed:
                    out.touch()
            raise
    return summary


def _merge_into(out: Path, inputs: list[Path], say: Callable[[str], None]) -> MergeSummary:
    if out.exists() and not _is_new(out):
        _probe(out).close()
    db = open_db(out)
    try:
        target = _Target(db)
        summary = MergeSummary(out=str(out), inputs=[])
        with writing(db):
            for number, path in enumerate(inputs, start=1):
                say(f"merging {path} ({number} of {len(inputs)})")
                with _input_lock(path), _reading(path) as source:
                    summary.inputs.append(_Merger(target, source, path).run())
            if _REPORT_RUNS in target.columns:
                summary.readings = _derive_reports(db, target.runs_with_new_versions)
        return summary
    finally:
        db.close()


def _derive_reports(db: Database, runs: set[int]) -> int:
    """Report readings are derived from versions: made for the merged ones as the crawl
    made them, a page's state at the end of each run that changed it, run by run (as
    ``reindex --figures`` replays them), so a report corrected between two runs of one
    input has a reading of each and ``report_changes`` shows the correction. The runs read
    are those not read yet: the runs merged now, and those that gained versions (read
    again); a page's runs before its last reading are not replayed (read already)."""
    from scraper.archive import reports

    for some in _chunks(sorted(runs)):
        db.execute(
            f"DELETE FROM {_REPORT_RUNS} WHERE run_id IN ({', '.join('?' * len(some))})", some
        )
    unread = [
        int(row[0])
        for row in db.execute(
            f"SELECT id FROM runs WHERE id NOT IN (SELECT run_id FROM {_REPORT_RUNS}) ORDER BY id"
        )
    ]
    pages: set[int] = set()
    for some in _chunks(unread):
        pages.update(reports._candidate_pages(db, some))
    pending = set(unread)
    made: list[tuple[str, int]] = []
    for page_id in sorted(pages):
        last = db.execute(
            "SELECT run_id FROM reports WHERE page_id = ? ORDER BY id DESC LIMIT 1", [page_id]
        ).fetchone()
        read_to = int(last[0]) if last and last[0] is not None else 0
        replayed = [r for r in reports._page_runs(db, page_id) if r in pending and r >= read_to]
        for run in replayed:
            if (found := reports._derive_page(db, page_id, run)) is not None:
                made.append(found)
    reports._carryover(db, set(made))
    db.execute(
        f"INSERT INTO {_REPORT_RUNS} (run_id, derived_at) SELECT id, ? FROM runs "
        f"WHERE id NOT IN (SELECT run_id FROM {_REPORT_RUNS})",
        [utcnow()],
    )
    return len(made)


def _chunks(values: list[int], size: int = 500) -> Iterator[list[int]]:
    """``values`` in slices small enough to be bound as one statement's parameters."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _check_paths(out: Path, inputs: list[Path]) -> list[Path]:
    if not inputs:
        raise ConfigError("give at least one archive to merge")
    unique: dict[str, Path] = {}
    for path in inputs:
        if not path.is_file():
            raise ConfigError(f"no archive at {path}")
        if out.exists() and os.path.samefile(out, path):
            raise ConfigError(f"{path} is the archive merged into; give it once, first")
        unique.setdefault(str(path.resolve()), path)
    return list(unique.values())


def _is_new(path: Path) -> bool:
    """No file, or an empty one (``touch``): the merge makes the archive."""
    return not path.exists() or path.stat().st_size == 0


def _probe(path: Path) -> Database:
    """The archive at ``path``, opened read-only; ConfigError if it is not an archive."""
    try:
        db = _open_readonly(path)
        names = set(db.table_names())
    except sqlite3.DatabaseError as exc:
        raise ConfigError(f"{path} is not an archive ({exc})") from exc
    if not {"pages", "versions", migrations.migrations_table} <= names:
        db.close()
        raise ConfigError(f"{path} is not an archive (no pages or versions tables)")
    return db


@contextmanager
def _input_lock(path: Path) -> Iterator[None]:
    """Hold the input's lock shared while it is read: a crawl (which takes it exclusive)
    cannot start into it, another merge may read it too, and one being written is refused."""
    lock_path = Path(f"{path}.lock")
    fd = None
    for flags in (os.O_RDWR | os.O_CREAT, os.O_RDONLY):
        try:
            fd = os.open(lock_path, flags, 0o644)
            break
        except OSError:
            continue
    if fd is None:  # none, and none can be made (a read-only medium): no crawl writes there
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ArchiveBusy(
                f"{path} is being written by another run; merge a snapshot of it "
                "(VACUUM INTO) instead, or wait until the run ends"
            ) from None
        yield
    finally:
        os.close(fd)


@contextmanager
def _reading(path: Path) -> Iterator[Database]:
    """The input, read-only, in one read transaction (one consistent state); an input an
    older version wrote is read from an upgraded temporary copy."""
    db = _probe(path)
    with ExitStack() as stack:
        if migrations.pending(db):
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="scraper-merge-"))
            copy = Path(folder) / path.name
            try:
                db.execute("VACUUM INTO ?", [str(copy)])
            finally:
                db.close()
            db = open_db(copy)
        stack.callback(db.close)
        db.execute("BEGIN")
        yield db


def _columns(db: Database, table: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA table_info([{table}])")]


def _insert(db: Database, table: str, row: dict[str, Any]) -> int:
    names = list(row)
    cursor = db.execute(
        f"INSERT INTO [{table}] ({', '.join(f'[{n}]' for n in names)}) "
        f"VALUES ({', '.join('?' * len(names))})",
        [row[n] for n in names],
    )
    return int(cursor.lastrowid or 0)


def _run_progress(status: str | None, finished: str | None) -> int:
    """How far a run's record has come: running, closed as interrupted, finished."""
    return 2 if finished else (0 if status == "running" else 1)


class _Target:
    """OUT, and what the merge keeps of it across inputs."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.columns = {name: _columns(db, name) for name in db.table_names()}
        self.runs_with_new_versions: set[int] = set()
        self.runs: dict[tuple[Any, ...], tuple[int, int]] = {
            (site, started, pid): (rid, _run_progress(status, finished))
            for rid, site, started, pid, status, finished in db.execute(
                "SELECT id, site, started, pid, status, finished FROM runs"
            )
        }


class _Merger:
    """One input merged into OUT."""

    def __init__(self, target: _Target, source: Database, path: Path) -> None:
        self.target = target
        self.out = target.db
        self.source = source
        self.path = path
        self.counts = Merged(path=str(path))
        self.run_ids: dict[int, int] = {}

    def run(self) -> Merged:
        self._runs()
        for row in self.source.query("SELECT * FROM pages ORDER BY id"):
            self._page(row)
        self._failures()
        self._aliases()
        self._other_tables()
        return self.counts

    def _shared(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        """The columns of ``row`` that OUT's ``table`` has too, without its id."""
        mine = self.target.columns[table]
        return {k: v for k, v in row.items() if k in mine and k != "id"}

    # -- runs ------------------------------------------------------------------------------

    def _runs(self) -> None:
        for row in self.source.query("SELECT * FROM runs ORDER BY id"):
            key = (row["site"], row["started"], row["pid"])
            progress = _run_progress(row["status"], row["finished"])
            values = self._shared("runs", row)
            found = self.target.runs.get(key)
            if found is None:
                run_id = _insert(self.out, "runs", values)
                self.counts.runs_added += 1
            else:
                run_id, merged_progress = found
                if progress > merged_progress:
                    names = list(values)
                    self.out.execute(
                        f"UPDATE runs SET {', '.join(f'[{n}] = ?' for n in names)} WHERE id = ?",
                        [*(values[n] for n in names), run_id],
                    )
                    self.counts.runs_updated += 1
                progress = max(progress, merged_progress)
            self.target.runs[key] = (run_id, progress)
            self.run_ids[row["id"]] = run_id

    def _run_id(self, run_id: int | None) -> int | None:
        return None if run_id is None else self.run_ids.get(run_id)

    # -- pages and versions -----------------------------------------------------------------

    def _page(self, row: dict[str, Any]) -> None:
        theirs = self.source.execute(
            "SELECT number, fetched_at, content_hash FROM versions WHERE page_id = ? "
            "ORDER BY number",
            [row["id"]],
        ).fetchall()
        mine = self.out.execute(
            "SELECT id, current_version, last_checked, "
            "(SELECT count(*) FROM versions v WHERE v.page_id = p.id) FROM pages p WHERE url = ?",
            [row["url"]],
        ).fetchone()
        if mine is None:
            page_id = _insert(self.out, "pages", self._shared("pages", row))
            self._versions(row["id"], page_id, after=0, previous=None)
            self.counts.pages_added += 1
        else:
            page_id, current, last_checked, count = mine
            ours = self.out.execute(
                "SELECT number, fetched_at, content_hash FROM versions WHERE page_id = ? "
                "ORDER BY number",
                [page_id],
            ).fetchall()
            shared = min(len(ours), len(theirs))
            if ours[:shared] != theirs[:shared]:
                raise MergeConflict(row["url"], self.path)
            self.counts.versions_skipped += shared
            later = len(theirs) > count or (
                len(theirs) == count and (row["last_checked"] or "") > (last_checked or "")
            )
            if len(theirs) > count:
                previous = _indexed_fields(self.out, page_id, current) if current else None
                self._versions(row["id"], page_id, after=count, previous=previous)
            if later:
                self._update_page(page_id, row)
                self.counts.pages_updated += 1
        self._events(row["id"], page_id)
        self._attachment_links(row["id"], page_id)

    def _update_page(self, page_id: int, row: dict[str, Any]) -> None:
        """The page as the later archive saw it; where it was first seen stays."""
        values = {
            k: v
            for k, v in self._shared("pages", row).items()
            if k not in ("url", "first_url", "site", "first_seen")
        }
        names = list(values)
        self.out.execute(
            f"UPDATE pages SET {', '.join(f'[{n}] = ?' for n in names)}, "
            "first_seen = min(coalesce(first_seen, ?), coalesce(?, first_seen)) WHERE id = ?",
            [*(values[n] for n in names), row["first_seen"], row["first_seen"], page_id],
        )

    def _versions(
        self,
        source_page: int,
        page_id: int,
        *,
        after: int,
        previous: tuple[int, str, dict[str, Any]] | None,
    ) -> None:
        """Copy the versions numbered past ``after``, oldest first, indexing each as a
        crawl does: the newest is the page's current version, the others its history."""
        rows = self.source.query(
            "SELECT * FROM versions WHERE page_id = ? AND number > ? ORDER BY number",
            [source_page, after],
        )
        for row in rows:
            values = self._shared("versions", row)
            values["page_id"] = page_id
            values["run_id"] = self._run_id(row["run_id"])
            if values["run_id"] is not None:
                self.target.runs_with_new_versions.add(values["run_id"])
            version_id = _insert(self.out, "versions", values)
            self.out.conn.executemany(
                "INSERT INTO version_parts (version_id, part, url, raw) VALUES (?, ?, ?, ?)",
                [
                    (version_id, part, url, raw)
                    for part, url, raw in self.source.execute(
                        "SELECT part, url, raw FROM version_parts WHERE version_id = ? "
                        "ORDER BY part",
                        [row["id"]],
                    )
                ],
            )
            fields = {name: row[name] for name in SEARCHED_FIELDS}
            search_index.index_version(self.out, version_id, row["kind"], fields, previous)
            previous = (version_id, row["kind"], fields)
            self.counts.versions_added += 1

    def _events(self, source_page: int, page_id: int) -> None:
        known = set(
            self.out.execute(
                "SELECT at, event, detail FROM page_events WHERE page_id = ?", [page_id]
            ).fetchall()
        )
        new = [
            (page_id, self._run_id(run_id), at, event, detail)
            for run_id, at, event, detail in self.source.execute(
                "SELECT run_id, at, event, detail FROM page_events WHERE page_id = ? ORDER BY id",
                [source_page],
            )
            if (at, event, detail) not in known
        ]
        self.out.conn.executemany(
            "INSERT INTO page_events (page_id, run_id, at, event, detail) VALUES (?, ?, ?, ?, ?)",
            new,
        )
        self.counts.events_added += len(new)

    def _attachment_links(self, source_page: int, page_id: int) -> None:
        self.out.conn.executemany(
            "INSERT INTO attachments (page_id, url, text, first_seen, last_seen) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (page_id, url) DO UPDATE SET "
            "first_seen = min(first_seen, excluded.first_seen), "
            "last_seen = max(last_seen, excluded.last_seen)",
            [
                (page_id, *row)
                for row in self.source.execute(
                    "SELECT url, text, first_seen, last_seen FROM attachments "
                    "WHERE page_id = ? ORDER BY id",
                    [source_page],
                )
            ],
        )

    # -- failures, aliases, other tables ----------------------------------------------------

    def _failures(self) -> None:
        by_run: dict[int, set[tuple[Any, ...]]] = {}
        new = []
        for row in self.source.execute(
            "SELECT run_id, url, category, reason, status, attempts, at FROM failures ORDER BY id"
        ):
            run_id = self._run_id(row[0])
            if run_id is None:
                continue
            if run_id not in by_run:
                by_run[run_id] = set(
                    self.out.execute(
                        "SELECT url, category, reason, status, attempts, at FROM failures "
                        "WHERE run_id = ?",
                        [run_id],
                    ).fetchall()
                )
            if row[1:] not in by_run[run_id]:
                by_run[run_id].add(row[1:])
                new.append((run_id, *row[1:]))
        self.out.conn.executemany(
            "INSERT INTO failures (run_id, url, category, reason, status, attempts, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            new,
        )
        self.counts.failures_added += len(new)

    def _aliases(self) -> None:
        """An address keeps the page it led to when last seen (as a crawl overwrites it)."""
        for row in self.source.query("SELECT * FROM aliases ORDER BY url"):
            values = self._shared("aliases", row)
            names = list(values)
            known = self.out.execute("SELECT 1 FROM aliases WHERE url = ?", [row["url"]])
            if known.fetchone() is None:
                self.counts.aliases_added += 1
            self.out.execute(
                f"INSERT INTO aliases ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
                "ON CONFLICT (url) DO UPDATE SET "
                "first_seen = min(first_seen, excluded.first_seen), "
                "last_seen = max(last_seen, excluded.last_seen), "
                "page_url = CASE WHEN excluded.last_seen > last_seen THEN excluded.page_url "
                "ELSE page_url END, "
                "how = CASE WHEN excluded.last_seen > last_seen THEN excluded.how ELSE how END",
                [values[n] for n in names],
            )

    def _other_tables(self) -> None:
        """Tables of later migrations: copied when they reference no ids, else left as
        derived data (named in the result)."""
        for table in sorted(set(self.source.table_names()) - _MERGED):
            if table not in self.target.columns or table in _DERIVED:
                continue
            columns = [c for c in _columns(self.source, table) if c in self.target.columns[table]]
            references = self.source.execute(
                f"SELECT count(*) FROM pragma_foreign_key_list('{table}')"
            ).fetchone()[0]
            if references or _ID_COLUMNS & set(columns):
                self.counts.tables_left.append(table)
                continue
            names = ", ".join(f"[{c}]" for c in columns)
            same = " AND ".join(f"[{c}] IS ?" for c in columns)
            added = 0
            for row in self.source.execute(f"SELECT {names} FROM [{table}]"):
                added += self.out.execute(
                    f"INSERT OR IGNORE INTO [{table}] ({names}) SELECT "
                    f"{', '.join('?' * len(columns))} "
                    f"WHERE NOT EXISTS (SELECT 1 FROM [{table}] WHERE {same})",
                    [*row, *row],
                ).rowcount
            if added:
                self.counts.rows_added[table] = added
