"""Many sites in one run: one process, one event loop, each site a :class:`Crawler` of its own.

Each site keeps its own delay and concurrency per origin (its own Fetcher), its own archive
lock, frontier and run record, and its failures to itself: whatever one site raises (a busy
archive, a StoreError, a bug) ends that site only. What the sites share is what would cost
per site: the reading workers (one :class:`Reader`, one or two spawned processes serving
every site, each page a message of its own so that the sites' pages interleave) and the TLS
context (a client of its own loads the CA bundle again: ~1 MB and ~35 ms a site).

At most ``max_sites`` sites are in flight. Two sites on one origin (host and port) never
run at the same time, so that the origin's politeness holds across sites.

One combined archive (``--db`` with several sites) has one lock and one writer: SQLite
allows one writing transaction per file, and a crawl's transaction (its batch) is rolled
back whole when that site fails, so two sites sharing one would commit or undo each other's
work. The sites of a combined archive are therefore crawled one after another; for
concurrency give each site its own archive (``--data-dir``) and ``scraper merge`` them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import shlex
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from sqlite_utils import Database

from scraper import archive
from scraper.crawl import Crawler, CrawlOptions, RunResult
from scraper.crawl.read import Reader
from scraper.errors import (
    EXIT_BUSY,
    EXIT_OK,
    EXIT_SOME_FAILED,
    EXIT_STORE,
    EXIT_USAGE,
    ArchiveBusy,
    ScraperError,
    StoreError,
)
from scraper.sitelist import SiteJob

logger = logging.getLogger(__name__)
command_log = logging.getLogger("scraper")


@dataclass
class SiteOutcome:
    job: SiteJob
    exit_code: int
    result: RunResult | None = None
    message: str = ""  # why the site did not run, or ended without a result

    @property
    def busy(self) -> bool:
        return self.result is None and self.exit_code == EXIT_BUSY


def exit_code_of(outcomes: list[SiteOutcome]) -> int:
    """4 if any archive could not be written; else 3 if every site was busy; else 1 if any
    site had failed URLs or was busy; else 0."""
    codes = [o.exit_code for o in outcomes]
    if EXIT_STORE in codes:
        return EXIT_STORE
    if codes and all(o.busy for o in outcomes):
        return EXIT_BUSY
    return EXIT_OK if all(c == EXIT_OK for c in codes) else EXIT_SOME_FAILED


class SitesStatus:
    """One status line on a terminal for every site of the run."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled = enabled
        self.total = total
        self.done = 0
        self.counts: dict[str, dict[str, int]] = {}
        self.ended = {"fetched": 0, "errors": 0}  # of the sites done
        self.last = 0.0

    def site(self, name: str) -> Callable[[dict[str, int]], None]:
        def update(counts: dict[str, int]) -> None:
            self.counts[name] = counts
            self.show()

        return update

    def finished(self, name: str) -> None:
        self.done += 1
        counts = self.counts.pop(name, {})
        for key in self.ended:
            self.ended[key] += counts.get(key, 0)
        self.show(force=True)

    def show(self, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and now - self.last < 0.2):
            return
        self.last = now
        live = self.counts.values()
        sys.stderr.write(
            f"\r\x1b[2K[scraper] sites {self.done}/{self.total} done · {len(self.counts)} in "
            f"flight · fetched {self.ended['fetched'] + sum(c['fetched'] for c in live)} · "
            f"errors {self.ended['errors'] + sum(c['errors'] for c in live)} · "
            f"queued {sum(c.get('queued', 0) for c in live)}"
        )
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()


class ManySites:
    """The run of ``jobs``: each into its own archive, or all into ``combined`` (one after
    another, under its one lock)."""

    def __init__(
        self,
        jobs: list[SiteJob],
        *,
        full: bool,
        max_pages: int | None,
        max_sites: int,
        combined: str | None,
        status: SitesStatus,
        echo: Callable[..., None],
    ) -> None:
        self.jobs = jobs
        self.full = full
        self.max_pages = max_pages
        self.max_sites = max_sites
        self.combined = combined
        self.status = status
        self.echo = echo
        self.command = shlex.join(["scraper", *sys.argv[1:]])
        self._origins: dict[str, asyncio.Lock] = {}
        self._tls = httpx.create_ssl_context()

    COMMIT_SECONDS = 2.0

    # SQLite's page cache per site archive: 2 MiB by default, 200 MB for a hundred sites in
    # flight; a crawl writes each page once and reads back little, so a small cache costs
    # little time (measured by s2-sites: about 100 MB saved at 100 sites).
    SITE_CACHE_KIB = 256
    # Prepared statements kept per site archive: Python's 128 held ~0.4 MB a connection,
    # and a page's own statements are about ten. Measured at 100 sites: 25 MB less, and no
    # CPU difference beyond the run-to-run noise.
    SITE_STATEMENTS = 32

    def run(self) -> list[SiteOutcome]:
        with Reader(self._reading_workers()) as reader:
            return asyncio.run(self._all(reader))

    @staticmethod
    def _reading_workers() -> int:
        # Two workers, even on two cores: every site's pages and files wait in their one
        # queue, and with one a single slow file (a big PDF) held up every site's pages.
        # Measured on 2 cores, 20 sites at a 0.2 s delay: 27 s with one, 20 s with two
        # (alone, a site takes 19 s). One core: one.
        return 2 if (os.cpu_count() or 1) >= 2 else 1

    async def _all(self, reader: Reader) -> list[SiteOutcome]:
        # Name lookups (getaddrinfo) and file reads run in the loop's default executor:
        # asyncio's holds cpu_count + 4 threads, which a few dead county domains (a lookup
        # hangs until the resolver gives up) would fill, and every other site's new
        # connections would wait behind them. Enough threads for every site in flight.
        asyncio.get_running_loop().set_default_executor(
            concurrent.futures.ThreadPoolExecutor(
                max_workers=2 * self.max_sites + 4, thread_name_prefix="scraper-io"
            )
        )
        if self.combined is not None:
            return await self._all_into_one(self.combined, reader)
        slots = asyncio.Semaphore(self.max_sites)

        async def one(job: SiteJob) -> SiteOutcome:
            try:
                if refused := await self._refused(job):
                    return refused
                async with self._origin_turn(job), slots:
                    return await self._own_archive(job, reader)
            except Exception as exc:  # whatever one site raises must not end the others
                return self._bug(job, exc)

        return list(await asyncio.gather(*(one(job) for job in self.jobs)))

    async def _refused(self, job: SiteJob) -> SiteOutcome | None:
        """A site whose start host names a private address (without allow_private) is
        refused before its archive is opened, as a single run is: one line, that site only."""
        from scraper import netguard

        try:
            await asyncio.to_thread(
                netguard.check_start_hosts,
                job.profile.start_urls,
                allow_private=job.profile.fetch.allow_private,
            )
        except ScraperError as exc:
            return self._ended(job, exc.exit_code, str(exc))
        return None

    @contextlib.asynccontextmanager
    async def _origin_turn(self, job: SiteJob) -> AsyncIterator[None]:
        """Wait until no other site of the run is on this site's origins (taken in sorted
        order, so that two sites never wait for each other)."""
        origins = sorted({origin_of(u) for u in job.profile.start_urls})
        async with contextlib.AsyncExitStack() as stack:
            for origin in origins:
                await stack.enter_async_context(self._origins.setdefault(origin, asyncio.Lock()))
            yield

    async def _own_archive(self, job: SiteJob, reader: Reader) -> SiteOutcome:
        try:
            with archive.archive_lock(job.db_path):
                db = archive.open_db(
                    job.db_path, cache_kib=self.SITE_CACHE_KIB, statements=self.SITE_STATEMENTS
                )
                try:
                    return await self._crawl(job, db, reader)
                finally:
                    db.close()
        except ArchiveBusy as exc:
            self.echo(f"scraper: {job.name}: skipped: {exc}", err=True)
            self.status.finished(job.name)
            return SiteOutcome(job, EXIT_BUSY, message=str(exc))
        except ScraperError as exc:  # the archive cannot be opened or written
            return self._ended(job, exc.exit_code, str(exc))

    async def _all_into_one(self, db_path: str, reader: Reader) -> list[SiteOutcome]:
        try:
            with archive.archive_lock(db_path):
                db = archive.open_db(db_path)
                try:
                    return [
                        await self._refused(job) or await self._crawl(job, db, reader)
                        for job in self.jobs
                    ]
                finally:
                    db.close()
        except ArchiveBusy as exc:
            self.echo(f"scraper: skipped all {len(self.jobs)} sites: {exc}", err=True)
            return [SiteOutcome(job, EXIT_BUSY, message=str(exc)) for job in self.jobs]
        except ScraperError as exc:
            return [SiteOutcome(job, exc.exit_code, message=str(exc)) for job in self.jobs]

    async def _crawl(self, job: SiteJob, db: Database, reader: Reader) -> SiteOutcome:
        options = CrawlOptions(
            full=self.full,
            max_pages=self.max_pages,
            recheck=job.profile.recheck,
            command=self.command,
        )
        command_log.info(
            "crawl of %s (%s) into %s", job.name, ", ".join(job.profile.start_urls), job.db_path
        )
        crawler = Crawler(
            db,
            job.profile,
            options,
            progress=self.status.site(job.name),
            tls=self._tls,
        )
        # A commit costs about 1 ms; a hundred sites committing twice a second spent a tenth
        # of the loop on it. A killed run loses at most this much of each site's work.
        crawler.COMMIT_SECONDS = self.COMMIT_SECONDS
        try:
            result = await crawler.run_with(reader)
        except StoreError as exc:
            return self._ended(job, EXIT_STORE, str(exc))
        except ScraperError as exc:
            return self._ended(job, exc.exit_code, str(exc))
        except Exception as exc:  # a bug in one site's run must not end the others
            return self._bug(job, exc)
        self.status.finished(job.name)
        command_log.info("scraper: %s: %s", job.name, result.summary(job.db_path))
        return SiteOutcome(job, result.exit_code, result)

    def _ended(self, job: SiteJob, code: int, message: str) -> SiteOutcome:
        # INFO, for --log-file: stderr gets the site's one summary line (run_sites).
        logger.info("%s: %s", job.name, message)
        self.status.finished(job.name)
        return SiteOutcome(job, code, message=message)

    def _bug(self, job: SiteJob, exc: Exception) -> SiteOutcome:
        """A bug in one site's run: that site fails, the others go on; the traceback goes
        to --log-file, stderr gets the site's line."""
        logger.info("unexpected error in the crawl of %s", job.name, exc_info=True)
        return self._ended(job, EXIT_SOME_FAILED, f"internal error: {type(exc).__name__}: {exc}")


def origin_of(url: str) -> str:
    """``host:port`` as a connection sees it: ``HOST:80``, ``host`` and ``user@host.`` are
    one origin, so two sites on it take turns and its delay holds."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    try:
        port = parts.port
    except ValueError:  # a port out of range: the run records the URL's failure
        port = None
    return f"{host}:{port or (443 if parts.scheme == 'https' else 80)}"


def site_line(outcome: SiteOutcome) -> str:
    job = outcome.job
    if outcome.result is not None:
        return f"scraper: {job.name}: {outcome.result.summary(job.db_path)}"
    return f"scraper: {job.name}: {outcome.message}"


def total_line(outcomes: list[SiteOutcome], seconds: float) -> str:
    results = [o.result for o in outcomes if o.result is not None]

    def total(key: str) -> int:
        return sum(r.counts[key] for r in results)

    complete = sum(1 for o in outcomes if o.result is not None and o.exit_code == EXIT_OK)
    failed = sum(1 for o in outcomes if o.exit_code == EXIT_SOME_FAILED)
    busy = sum(1 for o in outcomes if o.busy)
    unwritten = sum(1 for o in outcomes if o.exit_code == EXIT_STORE)
    refused = sum(1 for o in outcomes if o.result is None and o.exit_code == EXIT_USAGE)
    return (
        f"scraper: {len(outcomes)} sites: {complete} complete, {failed} with failed URLs, "
        f"{busy} busy, {unwritten} not written{f', {refused} refused' if refused else ''}; "
        f"{total('fetched') + total('not_modified')} pages checked ({total('new_pages')} new, "
        f"{total('new_versions')} changed), {total('errors')} errors; "
        f"{total('requests')} requests in {seconds:.1f} s"
    )


def run_sites(
    jobs: list[SiteJob],
    *,
    full: bool,
    max_pages: int | None,
    max_sites: int,
    combined: str | None,
    summary: bool | None,
    echo: Callable[..., None],
) -> int:
    """``scraper crawl`` of several sites: the run, a summary line per site and a total line
    (``summary``; by default on a terminal, or for what failed). Returns the exit code."""
    interactive = sys.stderr.isatty()
    started = time.monotonic()
    status = SitesStatus(interactive, len(jobs))
    try:
        outcomes = ManySites(
            jobs,
            full=full,
            max_pages=max_pages,
            max_sites=max_sites,
            combined=combined,
            status=status,
            echo=echo,
        ).run()
    finally:
        status.close()
    code = exit_code_of(outcomes)
    for outcome in outcomes:
        if outcome.busy:
            continue  # its one line is on stderr already
        if summary or (summary is None and (interactive or outcome.exit_code != EXIT_OK)):
            echo(site_line(outcome), err=not interactive)
    line = total_line(outcomes, time.monotonic() - started)
    command_log.info("%s", line)
    # A busy site's one line is on stderr already: the total is for sites that ran.
    failed = any(o.exit_code not in (EXIT_OK, EXIT_BUSY) for o in outcomes)
    if summary or (summary is None and (interactive or failed)):
        echo(line, err=not interactive)
    return code
