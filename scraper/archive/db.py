"""Opening the archive, its lock, and transactions."""

from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from sqlite_utils import Database

from scraper.archive.schema import ensure_schema, schema_is_current
from scraper.errors import ArchiveBusy, StoreError


def utcnow() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _open_readonly(path: Path) -> Database:
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        db = Database(sqlite3.connect(uri, uri=True, timeout=30))
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError:
        # A WAL archive on read-only media cannot create its -shm file; nothing can be
        # writing it there, so it may be read as immutable.
        return Database(sqlite3.connect(uri + "&immutable=1", uri=True, timeout=30))


def open_db(
    path: str | Path,
    *,
    readonly: bool = False,
    cache_kib: int | None = None,
    statements: int = 128,
) -> Database:
    """Open the archive at ``path`` (created if needed, unless ``readonly``). Raises
    StoreError. A read-only open writes nothing, unless the schema must be upgraded first.
    ``cache_kib``: SQLite's page cache for this connection (default 2 MiB); ``statements``:
    the prepared statements it keeps (Python's default, 128). Both smaller when a run keeps
    a hundred archives open at once; a read-only open keeps the defaults."""
    path = Path(path)
    try:
        if readonly:
            db = _open_readonly(path)
            if schema_is_current(db):
                return db
            db.close()
        path.parent.mkdir(parents=True, exist_ok=True)
        db = Database(sqlite3.connect(str(path), timeout=30, cached_statements=statements))
        db.execute("PRAGMA busy_timeout = 30000")
        db.execute("PRAGMA foreign_keys = ON")
        # WAL + NORMAL: a crash may lose the last commits, never consistency; no fsync per page.
        db.execute("PRAGMA synchronous = NORMAL")
        if cache_kib is not None:
            db.execute(f"PRAGMA cache_size = -{int(cache_kib)}")  # negative: KiB, not pages
        if db.journal_mode != "wal":
            db.enable_wal()
        ensure_schema(db)
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(f"cannot open archive {path}: {exc}") from exc
    return db


@contextmanager
def writing(db: Database) -> Iterator[None]:
    """One transaction; SQLite errors (disk full, read-only…) become StoreError. Inside a
    :func:`batch`, the batch is the transaction."""
    try:
        if _BATCHES.get(id(db.conn)):
            yield
        else:
            with db.atomic():
                yield
    except sqlite3.Error as exc:
        raise StoreError(f"cannot write the archive: {exc}") from exc


_BATCHES: dict[int, bool] = {}


class Batch:
    """Writes grouped into one transaction, committed by :meth:`commit` (a crawl commits
    about twice a second, not once per page: a commit is the costliest statement of a page).
    A batch holds whole visits, a page's save with the frontier links it queued, so a run
    killed mid-batch loses whole visits only, which the next run does again."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def commit(self) -> None:
        conn = self.db.conn
        try:
            if conn.in_transaction:
                conn.execute("COMMIT")
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write the archive: {exc}") from exc


@contextmanager
def batch(db: Database) -> Iterator[Batch]:
    """Group the writes of the block into transactions that the caller commits with
    ``Batch.commit``; the last is committed at the end, or when the block is interrupted
    (KeyboardInterrupt, cancellation), and rolled back on any other error."""
    conn = db.conn
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot write the archive: {exc}") from exc
    _BATCHES[id(conn)] = True
    try:
        yield Batch(db)
    except (KeyboardInterrupt, GeneratorExit, asyncio.CancelledError) as exc:
        _BATCHES.pop(id(conn), None)
        with suppress(sqlite3.Error):
            if conn.in_transaction:
                conn.execute("COMMIT")
        raise exc
    except BaseException:
        _BATCHES.pop(id(conn), None)
        with suppress(sqlite3.Error):
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        raise
    else:
        _BATCHES.pop(id(conn), None)
        try:
            if conn.in_transaction:
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write the archive: {exc}") from exc


@contextmanager
def archive_lock(db_path: str | Path) -> Iterator[None]:
    """Hold ``<archive>.lock`` for one run. flock is released by the kernel when the process
    dies, so a lock left by a killed run never blocks the next one."""
    lock_path = Path(f"{db_path}.lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"cannot create lock file {lock_path}: {exc.strerror}") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "another process"
            raise ArchiveBusy(
                f"another run (pid {holder}) is writing {db_path}; not starting a second one"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


def readable_in_place(path: Path) -> bool:
    """Whether SQLite can read the archive ``mode=ro`` (a WAL file on read-only media
    cannot: it needs its -shm file)."""
    try:
        conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
        return True
    except sqlite3.Error:
        return False
