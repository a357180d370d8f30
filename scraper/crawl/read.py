"""The crawl's reader: the reading of :mod:`scraper.reading` in worker processes
(:mod:`scraper.workers`) once a run is big, in the loop before."""

from __future__ import annotations

import asyncio
import logging
import os

from scraper.errors import DecodeError
from scraper.reading import PageRead, ReadRules, read_file, read_page, try_read_page
from scraper.workers import WorkerDied, WorkerPool

logger = logging.getLogger(__name__)

__all__ = ["PageRead", "ReadRules", "Reader"]


class Reader:
    """Runs the reading in worker processes (:mod:`scraper.workers`) once a run has
    read ``POOL_AFTER`` pages (a small run reads in the event loop, and file text in a
    thread: starting a process costs more than it saves there). One worker is enough on two
    cores: the loop, fetching and SQLite keep the other busy. Workers are spawned, not
    forked, so that they inherit nothing of the run: not its memory, not the archive's lock.
    If a worker dies, the run goes on reading in its own process."""

    POOL_AFTER = 100

    def __init__(self, workers: int | None = None) -> None:
        if workers is None:
            workers = 1 if (os.cpu_count() or 1) > 1 else 0
        self.workers = workers
        self._pool: WorkerPool | None = None
        self._reads = 0

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

    async def page(
        self, content: bytes, content_type: str | None, url: str, rules: ReadRules
    ) -> PageRead:
        pool = self._workers()
        if pool is not None:
            try:
                result = await pool.run(try_read_page, content, content_type, url, rules)
            except WorkerDied:
                logger.warning("the reading worker ended; reading in the run's own process")
            else:
                if isinstance(result, DecodeError):
                    raise result
                return result
        return read_page(content, content_type, url, rules)

    async def file(self, content: bytes, url: str) -> tuple[str | None, str | None, bytes]:
        pool = self._workers()
        if pool is not None:
            try:
                return await pool.run(read_file, content, url)
            except WorkerDied:
                logger.warning("the reading worker ended; reading in the run's own process")
        # Parsing a big PDF takes a while: keep the downloads going meanwhile.
        return await asyncio.to_thread(read_file, content, url)
