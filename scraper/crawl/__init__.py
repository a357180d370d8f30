"""One crawl run: its lifecycle, workers and counts. The only package that calls fetch,
discover, extract and the archive.

A run walks from the profile's start URLs. Every in-scope HTML page it reaches is fetched
(conditionally when the archive knows its validators), read once and saved; a 304 re-reads
the stored bytes when the page's links are needed (list pages). Two modes:

``full``
    walk every list page and re-check every known page, including pages no longer linked
    (that is how deletions are found).
``incremental`` (the default)
    walk each column from its first list page and stop paging once a list page holds only
    documents already in the archive; fetch new documents; re-check a bounded share of known
    documents (:mod:`scraper.crawl.revisit`).

Attachment files (``download_attachments``) in scope are fetched after the page that links
them and archived as pages of kind ``attachment``, versioned by the sha256 of their bytes
(:mod:`scraper.crawl.files`). The frontier is kept in the archive
(:mod:`scraper.crawl.frontier`), so a killed run is finished by the next. One URL is one
visit (:mod:`scraper.crawl.visit`); reading runs in a worker process
(:mod:`scraper.crawl.read`).

Memory stays flat with the site's size: what the archive knows of a URL is asked of the
archive when the URL is visited, and past runs are never loaded whole.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlite_utils import Database

from scraper import archive
from scraper.config import Profile
from scraper.crawl.frontier import Frontier, Task
from scraper.crawl.read import Reader, ReadRules
from scraper.crawl.revisit import next_pages, pick_rechecks
from scraper.crawl.visit import Visitor, canonical_attachments
from scraper.errors import EXIT_OK, EXIT_SOME_FAILED, EXIT_STORE, StoreError
from scraper.extract import EXTRACTOR_VERSION
from scraper.fetch import Fetcher
from scraper.urls import canonical_url

logger = logging.getLogger(__name__)
command_log = logging.getLogger("scraper")  # the command's own lines, as the CLI logs them

__all__ = [
    "CrawlOptions",
    "Crawler",
    "RunResult",
    "canonical_attachments",
    "next_pages",
    "run_crawl",
]


@dataclass
class CrawlOptions:
    full: bool = False
    max_pages: int | None = None
    recheck: float = 0.05
    command: str = ""
    workers: int | None = None  # reading processes; None: one on a machine with 2+ cores


@dataclass
class RunResult:
    run_id: int
    counts: dict[str, int]
    exit_code: int
    status: str
    seconds: float
    mode: str

    def summary(self, db_path: str) -> str:
        c = self.counts
        return (
            f"{c['fetched'] + c['not_modified']} pages checked ({c['new_pages']} new, "
            f"{c['new_versions']} changed, {c['unchanged']} unchanged of which "
            f"{c['not_modified']} answered 304), "
            f"{c['removed']} removed, {c['returned']} returned, {c['dead_links']} dead links, "
            f"{c['errors']} errors; {c['files_checked']} attachment files checked "
            f"({c['files_saved']} new or changed); {c['requests']} requests, {_size(c['bytes'])} in "
            f"{self.seconds:.1f} s ({self.mode}) -> {db_path}"
        )


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


class Crawler:
    """The run. Its URL sets, each with one meaning: ``fetched`` (requested in this run),
    ``file_urls`` (listed as attachments by a page in this run), ``settled`` (dead links and
    off-scope redirects a default run need not ask again), ``robots_reported`` (origins whose
    robots.txt failure is recorded); ``frontier.seen`` (queued in this run); ``aliases``
    (address -> page it redirects to)."""

    def __init__(
        self,
        db: Database,
        profile: Profile,
        options: CrawlOptions,
        *,
        progress: Callable[[dict[str, int]], None] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.db = db
        # Many sites in one run share one TLS context (scraper.crawl.sites): a context of
        # its own loads the CA bundle again, ~1 MB and ~35 ms a site.
        self.tls = tls
        self.profile = profile
        self.options = options
        self.progress = progress
        self.log = logger
        self.counts = dict.fromkeys(archive.RUN_COUNTS, 0)
        self.document_re = re.compile(profile.extract.document_url)
        self.frontier = Frontier(db, lambda url: url in profile.scope)
        self.fetched: set[str] = set()
        self.file_urls: set[str] = set()
        self.settled: set[str] = set()
        self.robots_reported: set[str] = set()
        self.aliases: dict[str, str] = {}
        self.fatal: StoreError | None = None
        self.pages_started = 0  # page fetches begun in this run, for --max-pages
        self.run_id = 0
        self.read_rules = ReadRules(
            extract=profile.extract,
            scope=profile.scope,
            attachment_extensions=tuple(profile.discover.attachment_extensions),
            ignore_patterns=tuple(profile.discover.ignore_patterns),
            document_url=profile.extract.document_url,
            soft_404_markers=tuple(profile.fetch.soft_404_markers),
        )
        self.visitor = Visitor(self)
        self._batch: archive.Batch
        self._committed = time.monotonic()
        self.fetcher: Fetcher
        self.reader: Reader

    # What a run writes is committed this often: whole visits, each a page and the frontier
    # links it queued, so a killed run loses at most this much work, which the next redoes.
    COMMIT_SECONDS = 0.5

    def run(self) -> RunResult:
        with Reader(self.options.workers) as self.reader:
            return asyncio.run(self._run())

    async def run_with(self, reader: Reader) -> RunResult:
        """The run in the caller's event loop, reading through ``reader`` (shared by the
        sites of one run, :mod:`scraper.crawl.sites`)."""
        self.reader = reader
        return await self._run()

    async def _run(self) -> RunResult:
        started = time.monotonic()
        archive.close_interrupted(self.db)
        mode = "full" if self.options.full else "incremental"
        self.run_id = archive.start_run(
            self.db, self.profile.name, mode, os.getpid(), self.options.command, self.settings()
        )
        done, pending = self.frontier.resume(self.run_id, self.profile.name)
        if pending:
            mode = "resume" if not self.options.full else "full-resume"
            archive.set_run_mode(self.db, self.run_id, mode)
            # INFO, not WARNING: under cron a successful resumed run must print nothing.
            logger.info("finishing an unfinished run: %d URLs done, %d queued", done, pending)
        if not self.options.full:
            # Dead links and redirects off-scope are asked again by --full runs only.
            self.settled = archive.settled_failures(self.db)
        self.aliases = archive.aliases(self.db)
        self.frontier.same_as = archive.same_pages(self.db)
        status, exit_code = "failed", EXIT_SOME_FAILED
        try:
            with archive.batch(self.db) as self._batch:
                async with Fetcher(
                    self.profile.fetch, self.profile.scope, tls=self.tls
                ) as self.fetcher:
                    try:
                        for url in self.profile.start_urls:
                            self.frontier.add(canonical_url(url), "start")
                        await self._drain()
                        rechecks = pick_rechecks(
                            self.db,
                            full=self.options.full,
                            share=self.options.recheck,
                            files=self.profile.discover.download_attachments,
                            visited=self.fetched,
                            run_id=self.run_id,
                        )
                        for url in list(rechecks):
                            self.frontier.add(url, "recheck", again=True)
                        await self._drain()
                        archive.save_report_levels(self.db, self.profile.report_levels)
                        await self._derive_reports()  # files are in by now
                    finally:
                        self.counts["requests"] = self.fetcher.stats.requests
                        self.counts["bytes"] = self.fetcher.stats.bytes
                exit_code = EXIT_OK if self.counts["errors"] == 0 else EXIT_SOME_FAILED
                status = "ok" if exit_code == EXIT_OK else "failed-urls"
                if self.budget_spent() and self.frontier.pending():
                    status = "partial"  # the frontier stays: the next run goes on from here
                else:
                    self.frontier.clear()
        except StoreError:
            status, exit_code = "store-error", EXIT_STORE
            raise
        except (KeyboardInterrupt, asyncio.CancelledError):
            status, exit_code = "interrupted", 130
            raise
        finally:
            # If the disk is gone this fails too; the run stays "running" and the next run
            # closes it as interrupted.
            try:
                archive.finish_run(self.db, self.run_id, self.counts, status, exit_code)
            except StoreError:
                logger.error("could not record the end of run %s", self.run_id)
        return RunResult(
            self.run_id, self.counts, exit_code, status, time.monotonic() - started, mode
        )

    async def _derive_reports(self) -> None:
        """The run's report readings (:mod:`scraper.archive.reports`): gathered and saved
        here, parsed in a reading worker, since the other sites of the loop would wait for
        the parse of a big PDF. One page's files are held at a time."""
        from scraper.reports import ReportParse, parse_report
        from scraper.workers import ReadTimedOut, WorkerDied

        plan = archive.plan_reports(self.db, self.run_id)
        if plan is None:
            return
        async with self.reader.report_turn():  # a site with nothing to read does not wait
            parsed: dict[int, ReportParse] = {}
            for item in plan.inputs(self.db):
                try:
                    # Only a report with files loads the file readers (a heavy task).
                    heavy = bool(item.files)
                    parsed[item.page_id] = await self.reader.run(parse_report, item, heavy=heavy)
                except (ReadTimedOut, WorkerDied) as exc:  # it outlived or killed its worker
                    logger.warning(
                        "could not read the report of version %s: %s", item.version_id, exc
                    )
            archive.save_reports(self.db, plan, parsed)

    def settings(self) -> dict[str, object]:
        """What this run was told to do, for the runs table."""
        fetch = self.profile.fetch
        return {
            "profile": self.profile.source,
            "start_urls": self.profile.start_urls,
            "scope": self.profile.scope.prefixes,
            "delay": fetch.delay,
            "concurrency": fetch.concurrency,
            "timeout": fetch.timeout,
            "max_bytes": fetch.max_bytes,
            "retries": fetch.retries,
            "retry_wait": fetch.retry_wait,
            "user_agent": fetch.user_agent,
            "full": self.options.full,
            "recheck": self.options.recheck,
            "max_pages": self.options.max_pages,
            "budget_bytes": self.profile.budget_bytes,
            "deadline": fetch.deadline,
            "allow_private": fetch.allow_private,
            "download_attachments": self.profile.discover.download_attachments,
            "attachment_max_bytes": self.profile.discover.attachment_max_bytes,
            "extractor_version": EXTRACTOR_VERSION,
        }

    def budget_spent(self) -> bool:
        """--max-pages or --budget-bytes reached: the rest is left for the next run."""
        budget, byte_budget = self.options.max_pages, self.profile.budget_bytes
        return (budget is not None and self.pages_started >= budget) or (
            byte_budget > 0 and self.fetcher.stats.bytes >= byte_budget
        )

    def is_document_url(self, url: str) -> bool:
        return bool(self.document_re.search(urlsplit(url).path))

    def is_new(self, url: str) -> bool:
        """Not archived before this run (nor known to redirect to a page, nor settled)."""
        return (
            url not in self.aliases
            and url not in self.settled
            and not archive.archived_before(self.db, url, self.run_id)
        )

    def fail(self, url: str, category: str, reason: str, status: int | None, attempts: int) -> None:
        if category in ("error", "blocked", "unreadable"):  # too-large is a policy, not a fault
            self.counts["errors"] += 1
        if category == "blocked":
            self.counts["blocked"] += 1
        if category == "dead-link":
            self.counts["dead_links"] += 1
        level = logging.WARNING if category in ("error", "blocked", "unreadable") else logging.INFO
        logger.log(level, "%s: %s (%s)", category, url, reason)
        archive.record_failure(self.db, self.run_id, url, category, reason, status, attempts)

    async def _drain(self) -> None:
        self.frontier.record(now=True)
        workers = [
            asyncio.create_task(self._worker())
            for _ in range(max(1, self.profile.fetch.concurrency))
        ]
        try:
            await self.frontier.queue.join()
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        if self.fatal is not None:
            raise self.fatal
        self.frontier.record(now=True)

    async def _worker(self) -> None:
        queue = self.frontier.queue
        while True:
            task: Task = await queue.get()
            finished = False
            try:
                if self.fatal is None:
                    finished = await self.visitor.visit(task)
            except StoreError as exc:
                # The archive cannot be written (disk full, read-only): stop the whole run.
                self.fatal = exc
            except Exception as exc:  # a bug on one page must not end the run
                logger.exception("unexpected error on %s", task.url)
                try:
                    self.fail(task.url, "error", f"internal error: {type(exc).__name__}: {exc}",
                              None, 1)  # fmt: skip
                except StoreError as store_exc:
                    self.fatal = store_exc
            finally:
                if self.fatal is None:
                    try:
                        self.frontier.record(task.url if finished else None)
                        if time.monotonic() - self._committed >= self.COMMIT_SECONDS:
                            self._batch.commit()
                            self._committed = time.monotonic()
                    except StoreError as exc:
                        self.fatal = exc
                queue.task_done()
                if self.progress:
                    self.progress({**self.counts, "queued": queue.qsize()})


def run_crawl(
    profile: Profile,
    db_path: str,
    *,
    full: bool,
    max_pages: int | None,
    summary: bool | None,
    echo: Callable[..., None],
) -> int:
    """``scraper crawl``: one run into the archive at ``db_path`` under its lock, with the
    progress line on a terminal and the summary line (``summary``; by default on a
    terminal, or when the run failed) through ``echo(text, err=…)``. Returns the exit
    code."""
    import shlex
    import sys

    from scraper.logs import StatusLine
    from scraper.netguard import check_start_hosts

    # A start host that may not be connected to refuses the run before anything is written.
    check_start_hosts(profile.start_urls, allow_private=profile.fetch.allow_private)
    interactive = sys.stderr.isatty()
    with archive.archive_lock(db_path):
        db = archive.open_db(db_path)
        options = CrawlOptions(
            full=full,
            max_pages=max_pages,
            recheck=profile.recheck,
            command=shlex.join(["scraper", *sys.argv[1:]]),
        )
        status = StatusLine(interactive)
        command_log.info(
            "crawl of %s (%s) into %s", profile.name, ", ".join(profile.start_urls), db_path
        )
        try:
            result = Crawler(db, profile, options, progress=status).run()
        finally:
            status.close()
        line = f"scraper: {result.summary(db_path)}"
        command_log.info("%s", line)
        if summary or (summary is None and (interactive or result.exit_code != 0)):
            echo(line, err=not interactive)
        return result.exit_code
