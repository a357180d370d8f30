"""One visit: one URL fetched, read once and recorded as one outcome (a page, a file, a
removal or a failure), its links queued. The run (``Crawler``) owns the state a visit works
with; a visit reads the archive once, at its start, for what the archive knows of the URL.

The steps of a page, in order: what the archive knows (``archive.page_state``); the fetch
(conditional when the archive has validators); the reading in a worker (decode, one parse,
links and fields from the same tree); a soft 404 check; the further parts of a multi-part
document; the versioning decision (re-extracting the current version if an older extractor
made it); the save; the attachment files and links queued.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scraper import archive, platforms
from scraper.crawl import files
from scraper.crawl.frontier import Task
from scraper.crawl.read import PageRead
from scraper.crawl.revisit import next_pages
from scraper.errors import (
    BadRedirect,
    Blocked,
    DecodeError,
    FetchError,
    Gone,
    OutOfScope,
    RetryableFetch,
    TooLarge,
)
from scraper.extract import EXTRACTOR_VERSION
from scraper.fetch import FetchResult
from scraper.platforms import shared
from scraper.urls import canonical_url

if TYPE_CHECKING:
    from scraper.crawl import Crawler

HTML_TYPES = ("text/html", "application/xhtml", "text/plain", "application/xml", "text/xml")
# Task reasons of a URL queued from a page's attachment list: it is a file whatever its path
# looks like (download scripts: ``downfile.jsp?filename=a.pdf``). Kept in the frontier.
FILE_REASONS = ("attachment", "attachment-recheck")
RECHECK_REASONS = ("recheck", "attachment-recheck")

Known = archive.PageState | None


class Visitor:
    def __init__(self, run: Crawler) -> None:
        self.run = run

    def known(self, url: str) -> Known:
        """The archive's page at ``url``, or at the page ``url`` redirects to."""
        state = archive.page_state(self.run.db, url)
        if state is None and (target := self.run.aliases.get(url)) is not None:
            state = archive.page_state(self.run.db, target)
        return state

    def state_at(self, url: str, known: Known, asked: str) -> Known:
        """The archive's page at ``url`` itself: ``known`` (what was found for the address
        ``asked``) when it is that page, or when nothing was found and ``url`` was asked."""
        if (known is not None and known.url == url) or (known is None and url == asked):
            return known
        return archive.page_state(self.run.db, url)

    async def visit(self, task: Task) -> bool:
        """Fetch and record one URL. False when --max-pages left it for the next run."""
        run = self.run
        if task.url in run.settled or task.url in run.fetched:
            return True  # a settled dead link, or reached already through a redirect
        folder = run.frontier.same_as.get(task.url)
        if folder is not None and folder in run.frontier.seen:
            return True  # a column's first page, queued before its folder URL said so
        known = self.known(task.url)
        if (
            known
            and not run.options.full
            and task.reason not in RECHECK_REASONS
            and known.kind in ("document", "attachment")
        ):
            return True  # incremental: known documents are re-checked by the revisit policy only
        validators = {}
        # A 304 on part 1 says nothing of parts 2…n: multi-part documents are re-read whole.
        if known and known.current_version and not known.removed_at and not known.multipart:
            validators = {"etag": known.etag, "last_modified": known.last_modified}
        is_file = self.is_file(task, known)
        if is_file and not run.profile.discover.download_attachments:
            return True  # queued by an earlier run that downloaded files; this one does not
        if not await run.fetcher.allowed(task.url):
            robots_refused(self.run, task.url)
            return True
        if run.budget_spent():
            return False
        run.pages_started += 1
        run.fetched.add(task.url)
        cap = run.profile.discover.attachment_max_bytes if is_file else None
        try:
            result = await run.fetcher.fetch(task.url, **validators, max_bytes=cap)
        except Gone as exc:
            await self.gone(task, exc)
            return True
        except TooLarge as exc:
            run.fail(task.url, "too-large" if is_file else "error", exc.reason, exc.status,
                     exc.attempts)  # fmt: skip
            return True
        except FetchError as exc:
            fetch_failed(self.run, task.url, exc)
            return True
        await self.handle(task, known, result)
        return True

    def is_file(self, task: Task, known: Known) -> bool:
        """Whether ``task`` asks for an attachment file: the archive's word first, then how it
        was queued, then its extension."""
        if known is not None:
            return known.kind == "attachment"
        return (
            task.reason in FILE_REASONS
            or task.url in self.run.file_urls
            or shared.url_is_attachment(task.url, self.run.profile.discover.attachment_extensions)
        )

    def _answers_as_file(self, task: Task, known: Known, result: FetchResult) -> bool:
        """Whether to archive ``result`` as a file. A redirect's target decides by its own
        archive row, so a file link that lands on a known page never rewrites that page; a
        link queued as a file that lands on an HTML page with no file extension is a page."""
        landed = self.state_at(result.url, known, task.url) if result.url != task.url else known
        if landed is not None:
            return landed.kind == "attachment"
        if not self.is_file(task, known):
            return False
        ctype = (result.content_type or "").split(";")[0].strip().lower()
        extensions = self.run.profile.discover.attachment_extensions
        return not (
            ctype.startswith("text/html") and not shared.url_is_attachment(result.url, extensions)
        )

    async def handle(
        self, task: Task, known: Known, result: FetchResult, confirming: bool = False
    ) -> str:
        """Record one fetched URL. Returns "gone" for a soft 404, else "page"."""
        run = self.run
        if result.url != task.url:
            archive.save_alias(run.db, task.url, result.url, archive.utcnow())
            if result.url in run.fetched and not confirming:
                return "page"  # a redirect to a page this run already has
            run.frontier.seen.add(result.url)
            run.fetched.add(result.url)
        now = archive.utcnow()
        if self._answers_as_file(task, known, result):
            return await files.save_file(self, task, known, result, confirming, now)
        if result.status == 304:
            run.counts["not_modified"] += 1
            run.counts["unchanged"] += 1
            archive.mark_checked(run.db, result.url, now)
            stored = await self._stored_page(result.url)
            if stored is not None:
                files.queue_files(self, canonical_attachments(stored.fields.attachments),
                                  again=task.reason in RECHECK_REASONS)  # fmt: skip
                self._follow(stored, result.url)
            return "page"
        ctype = (result.content_type or "text/html").split(";")[0].strip().lower()
        if not ctype.startswith(HTML_TYPES) and not platforms.is_data_list(result.url):
            run.log.info("not HTML (%s), not archived as a page: %s", ctype, result.url)
            return "page"
        try:
            page = await run.reader.page(result.content, result.content_type, result.url,
                                         run.read_rules)  # fmt: skip
        except DecodeError as exc:
            run.fail(result.url, "unreadable", str(exc), result.status, result.attempts)
            return "page"
        if page.soft_404:
            if not confirming:
                await self.gone(task, Gone(result.url, "soft 404 (the page says it does not exist)", 200))  # fmt: skip
            return "gone"
        parts = await self._fetch_parts(page)
        if parts is None:
            return "page"
        run.counts["fetched"] += 1
        snap = snapshot(result, page, parts, now)
        landed = self.state_at(result.url, known, task.url)
        same = await self._same_as_current(landed, snap)
        changed = bool(
            landed
            and landed.current_version
            and not (same if same is not None else landed.content_hash == snap.hash)
        )
        # Files first: a download link with no file extension is also a link discovery sees,
        # and the first queueing decides how the URL is handled.
        files.queue_files(self, snap.fields["attachments"],
                          again=task.reason in RECHECK_REASONS or changed)  # fmt: skip
        self._follow(page, result.url)
        outcome = archive.save_snapshot(run.db, snap, run.run_id, run.profile.name,
                                      same_as_current=same, state=landed,
                                      frontier=run.frontier.take(task.url))  # fmt: skip
        run.counts[{"new_page": "new_pages", "new_version": "new_versions",
                    "unchanged": "unchanged"}[outcome]] += 1  # fmt: skip
        if known and known.removed_at:
            run.counts["returned"] += 1
        run.log.debug("%s %s", outcome, result.url)
        return "page"

    async def gone(self, task: Task, exc: Gone) -> None:
        run = self.run
        forget_same_page(self.run, task.url)
        known = archive.page_state(run.db, task.url)
        if known and known.current_version:
            if not known.removed_at:
                # Confirm with a second request: a flapping server must not mark a page
                # removed. If the page answers this time, it is archived as usual.
                cap = (
                    run.profile.discover.attachment_max_bytes if self.is_file(task, known) else None
                )
                try:
                    again = await run.fetcher.fetch(task.url, max_bytes=cap)
                except Gone:
                    pass
                except FetchError as failure:
                    fetch_failed(self.run, task.url, failure)
                    return
                else:
                    if await self.handle(task, known, again, confirming=True) == "page":
                        run.log.info("404 not confirmed on a second request: %s", task.url)
                        return
            if archive.mark_gone(run.db, task.url, exc.status, archive.utcnow(), run.run_id):
                run.counts["removed"] += 1
                run.log.info("removed: %s (%s)", task.url, exc.reason)
        elif task.guessed:
            run.log.debug("guessed pager page does not exist: %s", task.url)
        else:
            target = run.aliases.get(task.url)
            if target is not None and target != task.url:
                # The address no longer leads to its page; whether the page itself is gone
                # is for the page's own address to say.
                run.log.info("%s no longer leads to %s; asking it", task.url, target)
                run.frontier.add(target, "recheck", again=True)
            run.fail(task.url, "dead-link", exc.reason, exc.status, 1)

    async def _fetch_parts(self, page: PageRead) -> list[tuple[FetchResult, PageRead]] | None:
        """The further parts of a multi-part document, or None when one could not be had."""
        parts = []
        for url in page.links.parts:
            self.run.frontier.seen.add(url)
            try:
                result = await self.run.fetcher.fetch(url)
                read = await self.run.reader.page(result.content, result.content_type,
                                                  result.url, self.run.read_rules)  # fmt: skip
                parts.append((result, read))
            except (FetchError, DecodeError) as exc:
                reason = exc.reason if isinstance(exc, FetchError) else str(exc)
                self.run.fail(page.url, "error", f"part {url} could not be fetched: {reason}",
                              None, 1)  # fmt: skip
                return None
        return parts

    async def _same_as_current(self, known: Known, snap: archive.Snapshot) -> bool | None:
        """Re-extract the current version when an older extractor made it, so that an
        extractor upgrade alone never creates a version. None: compare stored hashes."""
        if known is None or not known.current_version:
            return None
        if known.extractor_version == EXTRACTOR_VERSION:
            return None
        version = archive.current_version(self.run.db, known.id)
        stored = await self._reread(version, snap.url) if version else None
        if stored is None:
            return None
        (result, page), parts = stored
        return snapshot(result, page, parts, snap.fetched_at).hash == snap.hash

    async def _reread(
        self, version: dict, url: str
    ) -> tuple[tuple[FetchResult, PageRead], list[tuple[FetchResult, PageRead]]] | None:
        """A stored version's bytes read again with the running extractor."""
        raw, raw_parts = archive.version_raw(self.run.db, version)
        headers = {"content-type": version.get("content_type") or "text/html"}
        read = []
        try:
            for part_url, body in [(url, raw), *raw_parts]:
                result = FetchResult(part_url, part_url, 200, headers, body)
                read.append((result, await self.run.reader.page(body, headers["content-type"],
                                                                part_url, self.run.read_rules)))  # fmt: skip
        except DecodeError:
            return None
        return read[0], read[1:]

    async def _stored_page(self, url: str) -> PageRead | None:
        """The current version of a page that answered 304, read again for its links."""
        state = archive.page_state(self.run.db, url)
        version = archive.current_version(self.run.db, state.id) if state else None
        stored = await self._reread(version, url) if version else None
        return stored[0][1] if stored else None

    def _follow(self, page: PageRead, url: str) -> None:
        run, links = self.run, page.links
        same_as = run.frontier.same_as
        if links.same_as and same_as.get(links.same_as) != url:
            same_as[links.same_as] = url
            archive.save_same_page(run.db, links.same_as, url, archive.utcnow())
            run.log.debug("%s is the same page as %s", links.same_as, url)
        pager = set(links.pager)
        if run.options.full or page.fields.kind != "list":
            for link in links.pages:
                run.frontier.add(link, "pager" if link in pager else "link")
            for link in links.pager:
                run.frontier.add(link, "pager", guessed=True)
            return
        documents = [u for u in links.pages if u not in pager and run.is_document_url(u)]
        for link in links.pages:
            if link not in pager:
                run.frontier.add(link, "link")
        if not documents or any(run.is_new(u) for u in documents):
            following = [links.next] if links.next else next_pages(url, links.pager)
            for link in following:
                run.frontier.add(link, "pager", guessed=link not in links.pages)


def robots_refused(run: Crawler, url: str) -> None:
    """robots.txt refused ``url``: logged, and a robots.txt that could not be read is
    recorded once per origin as a failure."""
    problem = run.fetcher.robots_problem(url)
    if problem is None:
        run.log.info("skipped (robots.txt): %s", url)
        return
    origin, reason = problem
    if origin not in run.robots_reported:
        run.robots_reported.add(origin)
        run.fail(origin + "/robots.txt", "error", f"{reason}; nothing crawled there", None, 1)


def forget_same_page(run: Crawler, folder: str) -> None:
    """The folder that stood for a column's first page failed: that page is asked for
    under its own address again, this run and later ones."""
    same_as = run.frontier.same_as
    for first in [f for f, target in same_as.items() if target == folder]:
        del same_as[first]
        archive.drop_alias(run.db, first)
        run.log.info("%s failed; asking %s itself", folder, first)
        run.frontier.add(first, "pager", again=True)


def fetch_failed(run: Crawler, url: str, exc: FetchError) -> None:
    """Record a failed fetch of ``url`` under its category."""
    forget_same_page(run, url)
    attempts, fail = exc.attempts, run.fail
    if exc.url != url:  # failed after a redirect: say where
        exc.reason = f"{exc.reason} at {exc.url}"
    if isinstance(exc, Blocked):
        fail(url, "blocked", exc.reason, exc.status, attempts)
    elif isinstance(exc, OutOfScope):
        if "robots" in exc.reason:
            run.log.info("skipped (robots.txt): %s", url)
        else:
            fail(url, "out-of-scope", exc.reason, exc.status, attempts)
    elif isinstance(exc, BadRedirect):  # a link that leads nowhere: the site's doing
        fail(url, "dead-link", exc.reason, exc.status, attempts)
    elif isinstance(exc, RetryableFetch):
        fail(url, "error", f"{exc.reason} after {attempts} attempts", exc.status, attempts)
    else:
        fail(url, "error", exc.reason, exc.status, attempts)


def snapshot(
    result: FetchResult, page: PageRead, parts: list[tuple[FetchResult, PageRead]], now: str
) -> archive.Snapshot:
    fields = page.fields.as_dict()
    kind = fields.pop("kind")
    fields.pop("pager", None)
    if parts:
        fields["body_text"] = "\n\n".join(
            [fields["body_text"], *(p.fields.body_text for _, p in parts)]
        ).strip()
    fields["attachments"] = canonical_attachments(
        [a for p in [page, *(p for _, p in parts)] for a in p.fields.attachments]
    )
    return archive.Snapshot(
        url=result.url,
        first_url=result.first_url,
        kind=kind,
        fields=fields,
        raw=result.content,
        fetched_at=now,
        encoding=page.encoding,
        headers=result.headers,
        parts=[(r.url, r.content) for r, _ in parts],
        extractor_version=EXTRACTOR_VERSION,
        raw_z=page.raw_z,
        # The worker's index rows hold for one part; the parts' joined body needs new ones.
        index_rows=None if parts else page.index_rows,
    )


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
