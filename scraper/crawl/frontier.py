"""The frontier: what this run has queued, in memory and in the archive's ``frontier`` table,
so that a killed run (or one stopped by ``--max-pages``) is finished by the next run rather
than started again."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlite_utils import Database

from scraper import archive

logger = logging.getLogger(__name__)


@dataclass
class Task:
    url: str
    reason: str  # start | link | pager | recheck | attachment | attachment-recheck
    guessed: bool = False  # a pager URL computed from a script call: a 404 is not a dead link


class Frontier:
    """URLs queued once per run. ``seen`` holds every URL queued (or reached through a
    redirect) in this run; ``same_as`` maps a column's first list page to the folder URL it
    is archived under, so that the two addresses are one task."""

    def __init__(self, db: Database, in_scope: Callable[[str], bool]) -> None:
        self.db = db
        self.in_scope = in_scope
        self.queue: asyncio.Queue[Task] = asyncio.Queue()
        self.seen: set[str] = set()
        self.same_as: dict[str, str] = {}
        self.run_id = 0
        # What happened since the last write to the archive, in order (archive.frontier_record).
        self._unrecorded: list[tuple[object, ...]] = []
        self._dones = 0
        self._written = time.monotonic()

    def resume(self, run_id: int, site: str) -> tuple[int, int]:
        """Take over what unfinished runs of ``site`` left: (URLs done, URLs queued)."""
        self.run_id = run_id
        done, pending = archive.frontier_resume(self.db, run_id, site, self.in_scope)
        self.seen |= done
        for row in pending:
            self.seen.add(row["url"])
            self.queue.put_nowait(Task(row["url"], row["reason"], bool(row["guessed"])))
        return len(done), len(pending)

    def add(self, url: str, reason: str, *, guessed: bool = False, again: bool = False) -> None:
        """Queue ``url`` once per run. ``again``: a re-check of a URL seen (but not fetched)
        earlier in this run."""
        url = self.same_as.get(url, url)
        if (url in self.seen and not again) or not self.in_scope(url):
            return
        self.seen.add(url)
        self.queue.put_nowait(Task(url, reason, guessed))
        self._unrecorded.append(("queued", url, reason, guessed))

    # A kill loses at most this much of the record: those pages are fetched again by the next
    # run (a conditional request, no new version), and with them the links they queued, since
    # a page's links are always written with or before its "done".
    BATCH_DONE = 50
    BATCH_SECONDS = 1.0

    def record(self, done: str | None = None, *, now: bool = False) -> None:
        """Note a finished task; write what happened to the archive in batches (``now``: at
        once, as at the end of a drain)."""
        if done is not None:
            self._unrecorded.append(("done", done))
            self._dones += 1
        due = (
            self._dones >= self.BATCH_DONE or time.monotonic() - self._written >= self.BATCH_SECONDS
        )
        if now or due:
            events, self._unrecorded = self._unrecorded, []
            archive.frontier_record(self.db, self.run_id, events)
            self._dones, self._written = 0, time.monotonic()

    def take(self, done: str) -> list[tuple[object, ...]]:
        """What happened since the last write, with ``done`` finished: for the caller to
        write in its own transaction (a page's save)."""
        events, self._unrecorded = [*self._unrecorded, ("done", done)], []
        return events

    def pending(self) -> int:
        return archive.frontier_pending(self.db, self.run_id)

    def clear(self) -> None:
        archive.frontier_clear(self.db, self.run_id)
