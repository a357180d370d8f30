"""Attachment files in a visit: queued after the page that links them, saved as pages of kind
``attachment`` with a new version only when their bytes change (sha256)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scraper import archive
from scraper.crawl.frontier import Task
from scraper.errors import Gone
from scraper.extract import EXTRACTOR_VERSION
from scraper.fetch import FetchResult

if TYPE_CHECKING:
    from scraper.crawl.visit import Known, Visitor

SOFT_404_MAX_CHARS = 20_000


def queue_files(visitor: Visitor, attachments: list[dict[str, str]], *, again: bool) -> None:
    """Queue the attachment files a page links (canonical URLs). ``again``: ask known files
    too."""
    run = visitor.run
    if not run.profile.discover.download_attachments:
        return
    for item in attachments:
        url = item["url"]
        if url not in run.profile.scope:
            run.log.debug("attachment outside the scope, not downloaded: %s", url)
            continue
        run.file_urls.add(url)
        run.frontier.add(url, "attachment-recheck" if again else "attachment", again=again)


async def save_file(
    visitor: Visitor,
    task: Task,
    known: Known,
    result: FetchResult,
    confirming: bool,
    now: str,
) -> str:
    """Save one fetched attachment file: a new version only when its bytes changed."""
    run = visitor.run
    if not confirming:
        run.counts["files_checked"] += 1
    if result.status == 304:
        archive.mark_checked(run.db, result.url, now)
        return "page"
    ctype = (result.content_type or "").split(";")[0].strip().lower()
    if ctype.startswith("text/html"):
        # An error page where a file was expected ("页面不存在") says the file is gone; any
        # other HTML (maintenance, login) is a failure, never a version of the file.
        head = result.content[:SOFT_404_MAX_CHARS]
        text = head.decode("utf-8", "replace") + head.decode("gb18030", "replace")
        if any(marker in text for marker in run.profile.fetch.soft_404_markers):
            if not confirming:
                await visitor.gone(task, Gone(result.url, "soft 404 instead of the file", 200))
            return "gone"
        run.fail(task.url, "unreadable", f"an HTML page ({ctype}) where a file was expected",
                 result.status, result.attempts)  # fmt: skip
        return "page"
    digest = hashlib.sha256(result.content).hexdigest()
    name = urlsplit(result.url).path.rsplit("/", 1)[-1]
    state = visitor.state_at(result.url, known, task.url)
    readable, file_format, raw_z = None, None, None
    if state is None or state.content_hash != digest:
        run.log.debug("reading the text of %s", result.url)
        readable, file_format, raw_z = await run.reader.file(result.content, result.url)
    else:
        from scraper.extract.files import sniff

        file_format = sniff(result.content)
    snap = archive.Snapshot(
        url=result.url,
        first_url=result.first_url,
        kind="attachment",
        fields={
            "title": archive.link_text(run.db, task.url) or name,
            "body_text": readable or "",
            "meta": {"sha256": digest, "file_name": name, "format": file_format},
        },
        raw=result.content,
        fetched_at=now,
        headers=result.headers,
        extractor_version=EXTRACTOR_VERSION,
        digest=digest,
        raw_z=raw_z,
    )
    outcome = archive.save_snapshot(run.db, snap, run.run_id, run.profile.name, state=state)
    if outcome != "unchanged":
        run.counts["files_saved"] += 1
    if known and known.removed_at:
        run.counts["returned"] += 1
    run.log.debug("attachment %s %s", outcome, result.url)
    return "page"
