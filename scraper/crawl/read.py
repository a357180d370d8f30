"""Reading fetched bytes: decode, parse once, find the links and extract the fields from the
same tree, compress; and the text inside attachment files. Pure functions of picklable
values, so that they run in a worker process beside the event loop (``Reader``) and the
crawl uses both cores; politeness is untouched, since all requests stay in the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import re
import signal
from dataclasses import dataclass
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from scraper import archive
from scraper.archive import search as search_index
from scraper.config import ExtractRules
from scraper.crawl.workers import WorkerDied, WorkerPool
from scraper.decode import decode_html
from scraper.discover import Links, discover
from scraper.errors import DecodeError
from scraper.extract import Extracted, extract
from scraper.extract.files import file_text, sniff
from scraper.urls import Scope

logger = logging.getLogger(__name__)

SOFT_404_MAX_CHARS = 20_000


@dataclass(frozen=True)
class ReadRules:
    """What reading a page needs of the profile (picklable, sent to the workers once)."""

    extract: ExtractRules
    scope: Scope
    attachment_extensions: tuple[str, ...]
    ignore_patterns: tuple[str, ...]
    document_url: str
    soft_404_markers: tuple[str, ...]


@dataclass
class PageRead:
    """One page as read: its fields and links, from one parse."""

    url: str
    encoding: str
    fields: Extracted
    links: Links
    soft_404: bool  # not a document, short, and naming a soft-404 marker
    raw_z: bytes  # the bytes, compressed as the archive stores them
    index_rows: tuple[tuple[str, ...], tuple[str, str]] | None  # its search index rows


_patterns: dict[str, re.Pattern[str]] = {}


def read_page(content: bytes, content_type: str | None, url: str, rules: ReadRules) -> PageRead:
    """Decode and parse ``content`` once; discovery reads the tree before extraction, which
    trims it. Raises DecodeError for bytes that are not a readable page."""
    decoded = decode_html(content, content_type)
    tree = LexborHTMLParser(decoded.markup)
    pattern = _patterns.get(rules.document_url)
    if pattern is None:
        pattern = _patterns[rules.document_url] = re.compile(rules.document_url)
    links = discover(
        decoded.text,
        url,
        rules.scope,
        attachment_extensions=list(rules.attachment_extensions),
        ignore_patterns=list(rules.ignore_patterns),
        document_pattern=pattern,
        tree=tree,
    )
    fields = extract(decoded.markup, url, rules.extract, tree=tree)
    soft_404 = (
        fields.kind != "document"
        and len(decoded.text) < SOFT_404_MAX_CHARS
        and any(marker in decoded.text for marker in rules.soft_404_markers)
    )
    rows = None
    if fields.kind != "list":
        values = fields.as_dict()
        rows = (search_index.index_row(values), search_index.title_row(values))
    return PageRead(url, decoded.encoding, fields, links, soft_404, archive.compress(content), rows)


def read_file(content: bytes, url: str) -> tuple[str | None, str | None, bytes]:
    """The text inside an attachment file, its format, and its bytes compressed."""
    return file_text(content, url), sniff(content), archive.compress(content)


def _try_read_page(*args: Any) -> PageRead | DecodeError:
    try:
        return read_page(*args)
    except DecodeError as exc:
        return exc


def _start_worker() -> None:
    # Libraries warn about damaged files; in a worker nothing reaches stderr but the log.
    logging.captureWarnings(True)
    logging.getLogger().handlers = [logging.NullHandler()]
    # A worker dies with its run, even one killed with SIGKILL (Linux: PR_SET_PDEATHSIG).
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)
    if os.getppid() == 1:
        os._exit(0)  # the run died before the line above took effect


class Reader:
    """Runs the reading in worker processes (:mod:`scraper.crawl.workers`) once a run has
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
            self._pool = WorkerPool(self.workers, _start_worker)
        return self._pool if self._pool is not None and self._pool.alive else None

    async def page(
        self, content: bytes, content_type: str | None, url: str, rules: ReadRules
    ) -> PageRead:
        pool = self._workers()
        if pool is not None:
            try:
                result = await pool.run(_try_read_page, content, content_type, url, rules)
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
