"""One crawl run: the frontier, the workers, the versioning decision, the counts.

This is the only module that calls fetch, discover, extract and store.

A run walks from the profile's start URLs. Every in-scope HTML page it reaches is fetched
(conditionally when the archive knows its validators), extracted and saved; a 304 re-reads the
stored bytes when the page's links are needed (list pages). Two modes:

``full``
    walk every list page and re-check every known page, including pages no longer linked
    (that is how deletions are found).
``incremental`` (the default)
    walk each column from its first list page and stop paging once a list page holds only
    documents already in the archive; fetch new documents; re-check a bounded share of known
    documents (see :func:`pick_rechecks`).

Attachment files (``download_attachments``) in scope are fetched after the page that links
them and archived as pages of kind ``attachment``, versioned by the sha256 of their bytes. A
known file is asked again (conditionally) when a run re-checks the page linking it, when that
page has a new version, and on ``--full`` runs.

The frontier (every URL queued in this run, and whether it is done) is kept in the archive's
``frontier`` table, so a run that follows a killed one (or one stopped by ``--max-pages``)
finishes that run's work first: what was done is not fetched again, what was queued is.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser
from sqlite_utils import Database

from scraper import store, trs
from scraper.config import Profile
from scraper.decode import decode_html
from scraper.discover import Links, discover
from scraper.errors import (
    EXIT_OK,
    EXIT_SOME_FAILED,
    EXIT_STORE,
    BadRedirect,
    Blocked,
    DecodeError,
    FetchError,
    Gone,
    OutOfScope,
    RetryableFetch,
    StoreError,
    TooLarge,
)
from scraper.extract import EXTRACTOR_VERSION, Extracted, extract
from scraper.extract.files import file_text, sniff
from scraper.fetch import Fetcher, FetchResult
from scraper.urls import canonical_url

logger = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml", "text/plain", "application/xml", "text/xml")
# Task reasons of a URL queued from a page's attachment list: it is a file whatever its path
# looks like (download scripts: ``downfile.jsp?filename=a.pdf``). Kept in the frontier.
FILE_REASONS = ("attachment", "attachment-recheck")
RECHECK_REASONS = ("recheck", "attachment-recheck")
SOFT_404_MAX_CHARS = 20_000
RECENT_DAYS = 60  # documents published within this many days are re-checked more often
RECENT_BONUS = timedelta(days=7)


@dataclass
class CrawlOptions:
    full: bool = False
    max_pages: int | None = None
    recheck: float = 0.05
    command: str = ""


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
        changed = c["new_versions"]
        return (
            f"{c['fetched'] + c['not_modified']} pages checked ({c['new_pages']} new, "
            f"{changed} changed, {c['unchanged']} unchanged of which {c['not_modified']} "
            "answered 304), "
            f"{c['removed']} removed, {c['returned']} returned, {c['dead_links']} dead links, "
            f"{c['errors']} errors; {c['files_checked']} attachment files checked "
            f"({c['files_saved']} new or changed); {c['requests']} requests, {_size(c['bytes'])} in "
            f"{self.seconds:.1f} s ({self.mode}) -> {db_path}"
        )


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"


@dataclass
class Task:
    url: str
    reason: str  # start | link | pager | recheck | attachment | attachment-recheck
    guessed: bool = False  # a pager URL computed from a script call: a 404 is not a dead link


@dataclass
class Page:
    """A fetched and decoded page with its extraction."""

    result: FetchResult
    html: str
    encoding: str
    fields: Extracted
    tree: LexborHTMLParser


class Crawler:
    def __init__(
        self,
        db: Database,
        profile: Profile,
        options: CrawlOptions,
        *,
        progress: Callable[[dict[str, int]], None] | None = None,
    ) -> None:
        self.db = db
        self.profile = profile
        self.options = options
        self.progress = progress
        self.counts = dict.fromkeys(store.RUN_COUNTS, 0)
        self.document_re = re.compile(profile.extract.document_url)
        self.seen: set[str] = set()
        self.queue: asyncio.Queue[Task] = asyncio.Queue()
        self.known: dict[str, dict[str, Any]] = {}
        self.aliases: dict[str, dict[str, Any]] = {}
        self.settled: set[str] = set()
        self.fetched: set[str] = set()  # URLs this run actually requested
        self.multipart: set[str] = set()  # pages whose current version has parts 2…n
        self.robots_reported: set[str] = set()
        self.file_urls: set[str] = set()  # URLs some page lists as attachments, this run
        # A column's first list page -> its folder URL, the one address it is archived under.
        self.same_as: dict[str, str] = {}
        self.fatal: StoreError | None = None
        self._queued: list[tuple[str, str, bool]] = []  # enqueued, not yet in the frontier table
        self.resume = False
        self.pages_budget = options.max_pages
        self.pages_started = 0  # page fetches begun in this run, for --max-pages
        self.run_id = 0
        self.fetcher: Fetcher

    # -- run ------------------------------------------------------------------------------

    def run(self) -> RunResult:
        return asyncio.run(self._run())

    async def _run(self) -> RunResult:
        started = time.monotonic()
        store.close_interrupted(self.db)
        mode = "full" if self.options.full else "incremental"
        self.run_id = store.start_run(
            self.db, self.profile.name, mode, os.getpid(), self.options.command, self.settings()
        )
        done, pending = store.frontier_resume(
            self.db, self.run_id, self.profile.name, lambda url: url in self.profile.scope
        )
        if pending:
            mode = "resume" if not self.options.full else "full-resume"
            store.set_run_mode(self.db, self.run_id, mode)
            # INFO, not WARNING: under cron a successful resumed run must print nothing.
            logger.info(
                "finishing an unfinished run: %d URLs done, %d queued", len(done), len(pending)
            )
            self.seen |= done
            for row in pending:
                self.seen.add(row["url"])
                self.queue.put_nowait(Task(row["url"], row["reason"], bool(row["guessed"])))
        if not self.options.full:
            # Dead links and redirects off-scope are asked again by --full runs only.
            self.settled = store.settled_failures(self.db)
        for row in self.db.query("SELECT * FROM pages"):
            self.known[row["url"]] = row
        for alias, page_url in store.aliases(self.db).items():
            if page_url in self.known:
                self.aliases[alias] = self.known[page_url]  # an address that redirects to a page
        self.same_as = store.same_pages(self.db)
        self.multipart = store.multipart_pages(self.db)
        status, exit_code = "failed", EXIT_SOME_FAILED
        try:
            async with Fetcher(self.profile.fetch, self.profile.scope) as self.fetcher:
                try:
                    for url in self.profile.start_urls:
                        self.enqueue(canonical_url(url), "start")
                    await self._drain()
                    for url in self.pick_rechecks():
                        self.enqueue(url, "recheck", again=True)
                    await self._drain()
                finally:
                    self.counts["requests"] = self.fetcher.stats.requests
                    self.counts["bytes"] = self.fetcher.stats.bytes
            exit_code = EXIT_OK if self.counts["errors"] == 0 else EXIT_SOME_FAILED
            status = "ok" if exit_code == EXIT_OK else "failed-urls"
            if self.budget_spent() and store.frontier_pending(self.db, self.run_id):
                status = "partial"  # the frontier stays: the next run goes on from here
            else:
                store.frontier_clear(self.db, self.run_id)
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
                store.finish_run(self.db, self.run_id, self.counts, status, exit_code)
            except StoreError:
                logger.error("could not record the end of run %s", self.run_id)
        return RunResult(
            self.run_id, self.counts, exit_code, status, time.monotonic() - started, mode
        )

    def settings(self) -> dict[str, Any]:
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
            "download_attachments": self.profile.discover.download_attachments,
            "attachment_max_bytes": self.profile.discover.attachment_max_bytes,
            "extractor_version": EXTRACTOR_VERSION,
        }

    def budget_spent(self) -> bool:
        return self.pages_budget is not None and self.pages_started >= self.pages_budget

    def _flush_frontier(self, done: str | None = None) -> None:
        queued, self._queued = self._queued, []
        store.frontier_update(self.db, self.run_id, queued, done)

    async def _drain(self) -> None:
        self._flush_frontier()
        workers = [
            asyncio.create_task(self._worker())
            for _ in range(max(1, self.profile.fetch.concurrency))
        ]
        try:
            await self.queue.join()
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        if self.fatal is not None:
            raise self.fatal

    async def _worker(self) -> None:
        while True:
            task = await self.queue.get()
            finished = False
            try:
                if self.fatal is None:
                    finished = await self.process(task)
            except StoreError as exc:
                # The archive cannot be written (disk full, read-only): stop the whole run.
                self.fatal = exc
            except Exception as exc:  # a bug on one page must not end the run
                logger.exception("unexpected error on %s", task.url)
                try:
                    reason = f"internal error: {type(exc).__name__}: {exc}"
                    self.fail(task.url, "error", reason, None, 1)
                except StoreError as store_exc:
                    self.fatal = store_exc
            finally:
                if self.fatal is None:
                    try:
                        self._flush_frontier(task.url if finished else None)
                    except StoreError as exc:
                        self.fatal = exc
                self.queue.task_done()
                if self.progress:
                    self.progress({**self.counts, "queued": self.queue.qsize()})

    def enqueue(self, url: str, reason: str, *, guessed: bool = False, again: bool = False) -> None:
        """Queue ``url`` once per run. ``again``: a re-check of a URL seen (but not fetched)
        earlier in this run."""
        url = self.same_as.get(url, url)
        if (url in self.seen and not again) or url not in self.profile.scope:
            return
        self.seen.add(url)
        self.queue.put_nowait(Task(url, reason, guessed))
        self._queued.append((url, reason, guessed))

    # -- one page -------------------------------------------------------------------------

    def is_document_url(self, url: str) -> bool:
        return bool(self.document_re.search(urlsplit(url).path))

    def fail(self, url: str, category: str, reason: str, status: int | None, attempts: int) -> None:
        if category in ("error", "blocked", "unreadable"):  # too-large is a policy, not a fault
            self.counts["errors"] += 1
        if category == "blocked":
            self.counts["blocked"] += 1
        if category == "dead-link":
            self.counts["dead_links"] += 1
        level = logging.WARNING if category in ("error", "blocked", "unreadable") else logging.INFO
        logger.log(level, "%s: %s (%s)", category, url, reason)
        store.record_failure(self.db, self.run_id, url, category, reason, status, attempts)

    async def process(self, task: Task) -> bool:
        """Fetch, extract and save one page. False when --max-pages left it for the next run."""
        if task.url in self.settled or task.url in self.fetched:
            return True  # a settled dead link, or reached already through a redirect
        folder = self.same_as.get(task.url)
        if folder is not None and folder in self.seen:
            return True  # a column's first page, queued before its folder URL said so
        known = self.known.get(task.url) or self.aliases.get(task.url)
        if (
            known
            and not self.options.full
            and task.reason not in RECHECK_REASONS
            and known["kind"] in ("document", "attachment")
        ):
            return True  # incremental: known documents are re-checked by the revisit policy only
        validators = {}
        if (
            known
            and known.get("current_version")
            and not known.get("removed_at")
            # A 304 on part 1 says nothing of parts 2…n: multi-part documents are re-read whole.
            and known["url"] not in self.multipart
        ):
            validators = {"etag": known.get("etag"), "last_modified": known.get("last_modified")}
        is_file = self.is_file(task, known)
        if is_file and not self.profile.discover.download_attachments:
            return True  # queued by an earlier run that downloaded files; this one does not
        if not await self.fetcher.allowed(task.url):
            self._robots_refused(task.url)
            return True
        if self.budget_spent():
            return False
        self.pages_started += 1
        self.fetched.add(task.url)
        cap = self.profile.discover.attachment_max_bytes if is_file else None
        try:
            result = await self.fetcher.fetch(task.url, **validators, max_bytes=cap)
        except Gone as exc:
            await self._gone(task, exc)
            return True
        except TooLarge as exc:
            category = "too-large" if is_file else "error"
            self.fail(task.url, category, exc.reason, exc.status, exc.attempts)
            return True
        except FetchError as exc:
            self._fetch_failed(task.url, exc)
            return True
        await self._handle(task, known, result)
        return True

    def is_file(self, task: Task, known: dict[str, Any] | None) -> bool:
        """Whether ``task`` asks for an attachment file: the archive's word first, then how it
        was queued, then its extension."""
        if known is not None:
            return bool(known["kind"] == "attachment")
        return (
            task.reason in FILE_REASONS
            or task.url in self.file_urls
            or trs.url_is_attachment(task.url, self.profile.discover.attachment_extensions)
        )

    def _answers_as_file(
        self, task: Task, known: dict[str, Any] | None, result: FetchResult
    ) -> bool:
        """Whether to archive ``result`` as a file. A redirect's target decides by its own
        archive row, so a file link that lands on a known page never rewrites that page; a
        link queued as a file that lands on an HTML page with no file extension is a page."""
        landed = self.known.get(result.url) if result.url != task.url else known
        if landed is not None:
            return bool(landed["kind"] == "attachment")
        if not self.is_file(task, known):
            return False
        ctype = (result.content_type or "").split(";")[0].strip().lower()
        extensions = self.profile.discover.attachment_extensions
        return not (ctype.startswith("text/html") and not trs.url_is_attachment(result.url, extensions))

    def _robots_refused(self, url: str) -> None:
        problem = self.fetcher.robots_problem(url)
        if problem is None:
            logger.info("skipped (robots.txt): %s", url)
            return
        origin, reason = problem
        if origin not in self.robots_reported:
            self.robots_reported.add(origin)
            self.fail(origin + "/robots.txt", "error", f"{reason}; nothing crawled there", None, 1)

    async def _handle(
        self,
        task: Task,
        known: dict[str, Any] | None,
        result: FetchResult,
        confirming: bool = False,
    ) -> str:
        """Save one fetched page. Returns "gone" for a soft 404, else "page"."""
        if result.url != task.url:
            store.save_alias(self.db, task.url, result.url, store.utcnow())
            if result.url in self.fetched and not confirming:
                return "page"  # a redirect to a page this run already has
            self.seen.add(result.url)
            self.fetched.add(result.url)
        now = store.utcnow()
        if self._answers_as_file(task, known, result):
            return await self._handle_file(task, known, result, confirming, now)
        if result.status == 304:
            self.counts["not_modified"] += 1
            self.counts["unchanged"] += 1
            store.mark_checked(self.db, result.url, now)
            stored = self._stored_page(result.url)
            if stored is not None:
                self._queue_files(
                    canonical_attachments(stored.fields.attachments),
                    again=task.reason in RECHECK_REASONS,
                )
                self._follow(stored, result.url)
            return "page"
        ctype = (result.content_type or "text/html").split(";")[0].strip().lower()
        if not ctype.startswith(HTML_TYPES):
            logger.info("not HTML (%s), not archived as a page: %s", ctype, result.url)
            return "page"
        try:
            page = self._read(result)
        except DecodeError as exc:
            self.fail(result.url, "unreadable", str(exc), result.status, result.attempts)
            return "page"
        if self._soft_404(page):
            if not confirming:
                await self._gone(
                    task, Gone(result.url, "soft 404 (the page says it does not exist)", 200)
                )
            return "gone"
        parts = await self._fetch_parts(page)
        if parts is None:
            return "page"
        self.counts["fetched"] += 1
        snap = self._snapshot(page, parts, now)
        same = self._same_as_current(result.url, snap)
        outcome = store.save_snapshot(
            self.db, snap, self.run_id, self.profile.name, same_as_current=same
        )
        self.counts[
            {"new_page": "new_pages", "new_version": "new_versions", "unchanged": "unchanged"}[
                outcome
            ]
        ] += 1
        if known and known.get("removed_at"):
            self.counts["returned"] += 1
        logger.debug("%s %s", outcome, result.url)
        # Files first: a download link with no file extension is also a link discovery sees,
        # and the first queueing decides how the URL is handled.
        self._queue_files(
            snap.fields["attachments"],
            again=task.reason in RECHECK_REASONS or outcome == "new_version",
        )
        self._follow(page, result.url)
        return "page"

    # -- attachment files -----------------------------------------------------------------

    def _queue_files(self, attachments: list[dict[str, str]], *, again: bool) -> None:
        """Queue the attachment files a page links (canonical URLs, see
        :func:`canonical_attachments`). ``again``: ask known files too."""
        if not self.profile.discover.download_attachments:
            return
        for item in attachments:
            url = item["url"]
            if url not in self.profile.scope:
                logger.debug("attachment outside the scope, not downloaded: %s", url)
                continue
            self.file_urls.add(url)
            self.enqueue(url, "attachment-recheck" if again else "attachment", again=again)

    async def _handle_file(
        self,
        task: Task,
        known: dict[str, Any] | None,
        result: FetchResult,
        confirming: bool,
        now: str,
    ) -> str:
        """Save one fetched attachment file: a new version only when its bytes changed."""
        if not confirming:
            self.counts["files_checked"] += 1
        if result.status == 304:
            store.mark_checked(self.db, result.url, now)
            return "page"
        ctype = (result.content_type or "").split(";")[0].strip().lower()
        if ctype.startswith("text/html"):
            # An error page where a file was expected ("页面不存在") says the file is gone;
            # any other HTML (maintenance, login) is a failure, never a version of the file.
            head = result.content[:SOFT_404_MAX_CHARS]
            text = head.decode("utf-8", "replace") + head.decode("gb18030", "replace")
            if any(marker in text for marker in self.profile.fetch.soft_404_markers):
                if not confirming:
                    await self._gone(task, Gone(result.url, "soft 404 instead of the file", 200))
                return "gone"
            self.fail(
                task.url,
                "unreadable",
                f"an HTML page ({ctype}) where a file was expected",
                result.status,
                result.attempts,
            )
            return "page"
        digest = hashlib.sha256(result.content).hexdigest()
        name = urlsplit(result.url).path.rsplit("/", 1)[-1]
        readable: str | None = None
        if store.current_hash(self.db, result.url) != digest:
            # Parsing a big PDF takes a while: keep the other downloads going meanwhile.
            logger.debug("reading the text of %s", result.url)
            readable = await asyncio.to_thread(file_text, result.content, result.url)
        snap = store.Snapshot(
            url=result.url,
            first_url=result.first_url,
            kind="attachment",
            fields={
                "title": store.link_text(self.db, task.url) or name,
                "body_text": readable or "",
                "meta": {"sha256": digest, "file_name": name, "format": sniff(result.content)},
            },
            raw=result.content,
            fetched_at=now,
            headers=result.headers,
            extractor_version=EXTRACTOR_VERSION,
            digest=digest,
        )
        outcome = store.save_snapshot(self.db, snap, self.run_id, self.profile.name)
        if outcome != "unchanged":
            self.counts["files_saved"] += 1
        if known and known.get("removed_at"):
            self.counts["returned"] += 1
        logger.debug("attachment %s %s", outcome, result.url)
        return "page"

    def _forget_same_page(self, folder: str) -> None:
        """The folder that stood for a column's first page failed: that page is asked for
        under its own address again, this run and later ones."""
        for first in [f for f, target in self.same_as.items() if target == folder]:
            del self.same_as[first]
            store.drop_alias(self.db, first)
            logger.info("%s failed; asking %s itself", folder, first)
            self.enqueue(first, "pager", again=True)

    def _fetch_failed(self, url: str, exc: FetchError) -> None:
        self._forget_same_page(url)
        attempts = exc.attempts
        if exc.url != url:  # failed after a redirect: say where
            exc.reason = f"{exc.reason} at {exc.url}"
        if isinstance(exc, Blocked):
            self.fail(url, "blocked", exc.reason, exc.status, attempts)
        elif isinstance(exc, OutOfScope):
            if "robots" in exc.reason:
                logger.info("skipped (robots.txt): %s", url)
            else:
                self.fail(url, "out-of-scope", exc.reason, exc.status, attempts)
        elif isinstance(exc, BadRedirect):  # a link that leads nowhere: the site's doing
            self.fail(url, "dead-link", exc.reason, exc.status, attempts)
        elif isinstance(exc, RetryableFetch):
            self.fail(url, "error", f"{exc.reason} after {attempts} attempts", exc.status, attempts)
        else:
            self.fail(url, "error", exc.reason, exc.status, attempts)

    async def _gone(self, task: Task, exc: Gone) -> None:
        self._forget_same_page(task.url)
        known = self.known.get(task.url)
        if known and known.get("current_version"):
            if not known.get("removed_at"):
                # Confirm with a second request: a flapping server must not mark a page
                # removed. If the page answers this time, it is archived as usual.
                cap = (
                    self.profile.discover.attachment_max_bytes
                    if self.is_file(task, known)
                    else None
                )
                try:
                    again = await self.fetcher.fetch(task.url, max_bytes=cap)
                except Gone:
                    pass
                except FetchError as failure:
                    self._fetch_failed(task.url, failure)
                    return
                else:
                    if await self._handle(task, known, again, confirming=True) == "page":
                        logger.info("404 not confirmed on a second request: %s", task.url)
                        return
            if store.mark_gone(self.db, task.url, exc.status, store.utcnow(), self.run_id):
                self.counts["removed"] += 1
                logger.info("removed: %s (%s)", task.url, exc.reason)
        elif task.guessed:
            logger.debug("guessed pager page does not exist: %s", task.url)
        else:
            target = self.aliases.get(task.url)
            if target is not None and target["url"] != task.url:
                # The address no longer leads to its page; whether the page itself is gone
                # is for the page's own address to say.
                logger.info("%s no longer leads to %s; asking it", task.url, target["url"])
                self.enqueue(target["url"], "recheck", again=True)
            self.fail(task.url, "dead-link", exc.reason, exc.status, 1)

    def _read(self, result: FetchResult) -> Page:
        decoded = decode_html(result.content, result.content_type)
        fields = extract(decoded.markup, result.url, self.profile.extract)
        tree = LexborHTMLParser(decoded.markup)
        return Page(result, decoded.text, decoded.encoding, fields, tree)

    def _soft_404(self, page: Page) -> bool:
        markers = self.profile.fetch.soft_404_markers
        return (
            page.fields.kind != "document"
            and len(page.html) < SOFT_404_MAX_CHARS
            and any(marker in page.html for marker in markers)
        )

    async def _fetch_parts(self, page: Page) -> list[Page] | None:
        """The further parts of a multi-part document, or None when one could not be had."""
        links = self._links(page, page.result.url)
        parts: list[Page] = []
        for url in links.parts:
            self.seen.add(url)
            try:
                result = await self.fetcher.fetch(url)
                parts.append(self._read(result))
            except (FetchError, DecodeError) as exc:
                reason = exc.reason if isinstance(exc, FetchError) else str(exc)
                self.fail(
                    page.result.url, "error", f"part {url} could not be fetched: {reason}", None, 1
                )
                return None
        return parts

    def _snapshot(self, page: Page, parts: list[Page], now: str) -> store.Snapshot:
        fields = page.fields.as_dict()
        kind = fields.pop("kind")
        if parts:
            fields["body_text"] = "\n\n".join(
                [fields["body_text"], *(p.fields.body_text for p in parts)]
            ).strip()
        fields["attachments"] = canonical_attachments(
            [a for p in [page, *parts] for a in p.fields.attachments]
        )
        return store.Snapshot(
            url=page.result.url,
            first_url=page.result.first_url,
            kind=kind,
            fields=fields,
            raw=page.result.content,
            fetched_at=now,
            encoding=page.encoding,
            headers=page.result.headers,
            parts=[(p.result.url, p.result.content) for p in parts],
            extractor_version=EXTRACTOR_VERSION,
        )

    def _same_as_current(self, url: str, snap: store.Snapshot) -> bool | None:
        """Re-extract the current version when an older extractor made it, so that an
        extractor upgrade alone never creates a version. None: compare stored hashes."""
        page = store.get_page(self.db, url)
        current = store.current_version(self.db, page["id"]) if page else None
        if current is None or current["extractor_version"] == EXTRACTOR_VERSION:
            return None
        stored = self._page_from_version(current, url)
        if stored is None:
            return None
        page_, parts = stored
        return self._snapshot(page_, parts, snap.fetched_at).hash == snap.hash

    def _page_from_version(
        self, version: dict[str, Any], url: str
    ) -> tuple[Page, list[Page]] | None:
        raw, raw_parts = store.version_raw(self.db, version)
        try:

            def rebuild(u: str, body: bytes) -> Page:
                headers = {"content-type": version.get("content_type") or "text/html"}
                return self._read(FetchResult(u, u, 200, headers, body))

            return rebuild(url, raw), [rebuild(u, b) for u, b in raw_parts]
        except DecodeError:
            return None

    def _stored_page(self, url: str) -> Page | None:
        page = store.get_page(self.db, url)
        current = store.current_version(self.db, page["id"]) if page else None
        if current is None:
            return None
        rebuilt = self._page_from_version(current, url)
        return rebuilt[0] if rebuilt else None

    # -- links ----------------------------------------------------------------------------

    def _links(self, page: Page, url: str) -> Links:
        settings = self.profile.discover
        return discover(
            page.html,
            url,
            self.profile.scope,
            attachment_extensions=settings.attachment_extensions,
            ignore_patterns=settings.ignore_patterns,
            document_pattern=self.document_re,
            tree=page.tree,
        )

    def _follow(self, page: Page, url: str) -> None:
        links = self._links(page, url)
        if links.same_as and self.same_as.get(links.same_as) != url:
            self.same_as[links.same_as] = url
            store.save_same_page(self.db, links.same_as, url, store.utcnow())
            logger.debug("%s is the same page as %s", links.same_as, url)
        pager = set(links.pager)
        walk_all = self.options.full or page.fields.kind != "list"
        if walk_all:
            for link in links.pages:
                self.enqueue(link, "pager" if link in pager else "link")
            for link in links.pager:
                self.enqueue(link, "pager", guessed=True)
            return
        documents = [u for u in links.pages if u not in pager and self.is_document_url(u)]
        for link in links.pages:
            if link not in pager:
                self.enqueue(link, "link")
        if not documents or any(self.is_new(u) for u in documents):
            following = next_pages(url, links.pager)
            for link in following:
                self.enqueue(link, "pager", guessed=link not in links.pages)

    def is_new(self, url: str) -> bool:
        return url not in self.known and url not in self.aliases and url not in self.settled

    # -- revisit policy -------------------------------------------------------------------

    def pick_rechecks(self) -> list[str]:
        """Known pages this run has not visited that it should re-check now.

        ``--full``: all of them. Otherwise ``ceil(recheck × known documents)`` of them, the
        longest unchecked first, where a document published in the last RECENT_DAYS days
        counts as checked RECENT_BONUS earlier than it was (so recent documents, the ones most
        often corrected, come round more often). Removed pages take part, so returns are seen.
        """
        candidates = [
            row
            for url, row in self.known.items()
            if url not in self.fetched
            and row.get("current_version")
            and (row["kind"] != "attachment" or self.profile.discover.download_attachments)
        ]
        if self.options.full:
            return [row["url"] for row in candidates]
        documents = [row for row in candidates if row["kind"] == "document"]
        total = sum(1 for row in self.known.values() if row["kind"] == "document")
        budget = math.ceil(self.options.recheck * total) if self.options.recheck > 0 else 0
        if budget <= 0:
            return []
        dates = {
            row["url"]: row["date"]
            for row in self.db.query("SELECT url, date FROM latest WHERE kind = 'document'")
        }
        recent = (datetime.now(UTC) - timedelta(days=RECENT_DAYS)).strftime("%Y-%m-%d")

        def priority(row: dict[str, Any]) -> str:
            checked = row.get("last_checked") or ""
            if (dates.get(row["url"]) or "") >= recent and checked:
                moved = datetime.strptime(checked, "%Y-%m-%dT%H:%M:%SZ") - RECENT_BONUS
                return moved.strftime("%Y-%m-%dT%H:%M:%SZ")
            return checked

        documents.sort(key=lambda row: (priority(row), row["url"]))
        return [row["url"] for row in documents[:budget]]


def canonical_attachments(items: list[dict[str, str]]) -> list[dict[str, str]]:
    """Attachment links with canonical URLs, each once (first text kept), so that a file is
    one archive row whatever fragment or spelling its links use."""
    found: dict[str, dict[str, str]] = {}
    for item in items:
        try:
            url = canonical_url(item["url"])
        except ValueError:
            continue
        if url not in found:
            found[url] = {**item, "url": url}
    return list(found.values())


_NUMBERED = re.compile(r"^(?P<dir>.*/)(?:(?P<stem>[^/]*?)(?:_(?P<n>\d+))?\.(?P<ext>s?html?))?$")


def next_pages(url: str, pager: list[str]) -> list[str]:
    """The page after ``url`` among its pager links, by TRS numbering (``stem.ext`` is page 0,
    ``stem_N.ext`` page N; a folder URL is page 0 of whatever stem its pager uses). When the
    numbering is not TRS-like, every pager link (they are few)."""
    own = _NUMBERED.match(urlsplit(url).path)
    if not own:
        return list(pager)
    number = int(own["n"] or 0)
    following = []
    for link in pager:
        other = _NUMBERED.match(urlsplit(link).path)
        if (
            other
            and other["dir"] == own["dir"]
            and (own["stem"] is None or other["stem"] == own["stem"])
            and int(other["n"] or 0) == number + 1
        ):
            following.append(link)
    return following
