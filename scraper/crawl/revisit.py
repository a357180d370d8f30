"""The revisit policy: which known pages a run re-checks, and how far an incremental run
pages through a column's list."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlite_utils import Database

from scraper import archive

RECENT_DAYS = 60  # documents published within this many days are re-checked more often
RECENT_BONUS_DAYS = 7


def pick_rechecks(
    db: Database,
    *,
    full: bool,
    share: float,
    files: bool,
    visited: set[str],
    run_id: int,
) -> Iterable[str]:
    """Known pages this run has not visited that it should re-check now.

    ``full``: all of them. Otherwise ``ceil(share × documents known at the run's start)``
    documents, the longest unchecked first, where a document published in the last
    RECENT_DAYS days counts as checked RECENT_BONUS_DAYS earlier than it was (so recent
    documents, the ones most often corrected, come round more often). Removed pages take
    part, so returns are seen. Streamed from the archive: nothing is held per page.
    """
    recent = (datetime.now(UTC) - timedelta(days=RECENT_DAYS)).strftime("%Y-%m-%d")
    order = archive.revisit_order(
        db, documents_only=not full, files=files, recent=recent, bonus_days=RECENT_BONUS_DAYS
    )
    if full:
        yield from (url for url in order if url not in visited)
        return
    budget = math.ceil(share * archive.count_documents(db, run_id)) if share > 0 else 0
    for url in order:
        if budget <= 0:
            return
        if url not in visited:
            budget -= 1
            yield url


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
