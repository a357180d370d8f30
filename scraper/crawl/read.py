"""The crawl's reader: the reading of :mod:`scraper.reading` in worker processes
(:mod:`scraper.workers`) once a run is big, in the loop before."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from scraper.codec import compress
from scraper.errors import DecodeError
from scraper.extract.files import sniff
from scraper.reading import PageRead, ReadRules, read_file, read_page, try_read_page
from scraper.workers import NoWorkerLeft, ReadTimedOut, WorkerDied, WorkerPool

logger = logging.getLogger(__name__)
T = TypeVar("T")
REPORT_TURNS = 8  # sites deriving their report readings at once

__all__ = ["PageRead", "ReadRules", "Reader"]


class Reader:
    """Runs the reading in worker processes (:mod:`scraper.workers`) once a run has
    read ``POOL_AFTER`` pages (a small run reads in the event loop, and file text in a
    thread: starting a process costs more than it saves there). One worker is enough on two
    cores: the loop, fetching and SQLite keep the other busy. Workers are spawned, not
    forked, so that they inherit nothing of the run: not its memory, not the archive's lock.

    A read that outlives its deadline or kills its worker (:mod:`scraper.workers`) is not
    tried again in the run's own process, where it would hang or kill the run: a page fails
    as unreadable, a file is archived without its text. Only when the pool may start no more
    workers does the run go on reading in its own process."""

    POOL_AFTER = 100

    def __init__(self, workers: int | None = None) -> None:
        if workers is None:
            workers = 1 if (os.cpu_count() or 1) > 1 else 0
        self.workers = workers
        self._pool: WorkerPool | None = None
        self._reads = 0
        self._report_turns = asyncio.Semaphore(REPORT_TURNS)

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.close()

    def _workers(self) -> WorkerPool | None:
        self._reads += 1
        if self._pool is None and self.workers > 0 and self._reads > self.POOL_AFTER:
            self._pool = WorkerPool(self.workers, "scraper.reading:start_worker")
        return self._pool if self._pool is not None and self._pool.alive else None

    @contextlib.asynccontextmanager
    async def report_turn(self) -> AsyncIterator[None]:
        """A turn for one site's end-of-run report derivation, REPORT_TURNS at once. The
        sites of a run end together, and each holds its readings until it saves them: a
        hundred at once held ~80 MB in the run's process, for no speed (the workers read one
        report at a time); eight keep the workers busy."""
        async with self._report_turns:
            yield

    async def run(self, func: Callable[..., T], *args: Any, heavy: bool = False) -> T:
        """``func(*args)`` (a pure function, importable by name: its arguments and answer
        are pickled) in a reading worker; in a thread when the run has no pool yet (a small
        run) or no worker left. Raises ReadTimedOut or WorkerDied when the call outlived its
        deadline or killed its worker: it is not tried again in the run's own process.
        Such a call does not count towards starting the pool: a small run stays one process.
        ``heavy``: it loads the file readers (:meth:`WorkerPool.run`)."""
        pool = self._pool if self._pool is not None and self._pool.alive else None
        if pool is not None:
            try:
                answer: T = await pool.run(func, *args, heavy=heavy)
                return answer
            except NoWorkerLeft:
                logger.warning("the reading worker ended; reading in the run's own process")
        return await asyncio.to_thread(func, *args)

    async def page(
        self, content: bytes, content_type: str | None, url: str, rules: ReadRules
    ) -> PageRead:
        pool = self._workers()
        if pool is not None:
            try:
                result = await pool.run(try_read_page, content, content_type, url, rules)
            except NoWorkerLeft:
                logger.warning("the reading worker ended; reading in the run's own process")
            except (ReadTimedOut, WorkerDied) as exc:
                raise DecodeError(str(exc)) from None
            else:
                if isinstance(result, DecodeError):
                    raise result
                return result
        return read_page(content, content_type, url, rules)

    async def file(self, content: bytes, url: str) -> tuple[str | None, str | None, bytes]:
        pool = self._workers()
        if pool is not None:
            try:
                return await pool.run(read_file, content, url, heavy=True)
            except NoWorkerLeft:
                logger.warning("the reading worker ended; reading in the run's own process")
            except (ReadTimedOut, WorkerDied) as exc:
                # The bytes are still the file's: archived, and not read again next run.
                logger.warning("no text from %s: %s", url, exc)
                return None, sniff(content), await asyncio.to_thread(compress, content)
        # Parsing a big PDF takes a while: keep the downloads going meanwhile.
        return await asyncio.to_thread(read_file, content, url)
