"""Runs, the frontier, failures, and what the revisit policy reads."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from sqlite_utils import Database

from scraper.archive.db import utcnow, writing
from scraper.archive.schema import RUN_COUNTS


def start_run(
    db: Database,
    site: str,
    mode: str,
    pid: int,
    command: str,
    settings: dict[str, Any] | None = None,
) -> int:
    with writing(db):
        return int(
            db.table("runs")  # type: ignore[arg-type]
            .insert(
                {
                    "started": utcnow(),
                    "site": site,
                    "mode": mode,
                    "status": "running",
                    "pid": pid,
                    "command": command,
                    "settings": json.dumps(settings or {}, ensure_ascii=False),
                }
            )
            .last_pk
        )


def set_run_mode(db: Database, run_id: int, mode: str) -> None:
    with writing(db):
        db.table("runs").update(run_id, {"mode": mode})


def finish_run(
    db: Database, run_id: int, counts: dict[str, int], status: str, exit_code: int
) -> None:
    with writing(db):
        db.table("runs").update(
            run_id,
            {
                "finished": utcnow(),
                "status": status,
                "exit_code": exit_code,
                **{k: v for k, v in counts.items() if k in RUN_COUNTS},
            },
        )


def interrupted_runs(db: Database) -> list[dict[str, Any]]:
    """Runs that never finished (killed); called while holding the lock, so none is live."""
    return list(db.query("SELECT * FROM runs WHERE status = 'running' ORDER BY id"))


def close_interrupted(db: Database) -> int:
    with writing(db):
        rows = interrupted_runs(db)
        for row in rows:
            db.table("runs").update(row["id"], {"status": "interrupted"})
        return len(rows)


def frontier_resume(
    db: Database, run_id: int, site: str, in_scope: Callable[[str], bool]
) -> tuple[set[str], list[dict[str, Any]]]:
    """Take over the frontier that unfinished runs of ``site`` left, for the URLs within the
    current scope: (URLs done, tasks still pending). Other rows stay for their own runs."""
    with writing(db):
        rows = list(
            db.query(
                "SELECT f.rowid AS rid, f.* FROM frontier f JOIN runs r ON r.id = f.run_id "
                "WHERE f.run_id != ? AND r.site = ? ORDER BY f.rowid",
                [run_id, site],
            )
        )
        taken: dict[str, dict[str, Any]] = {}
        for row in rows:
            if in_scope(row["url"]):
                taken[row["url"]] = row
                db.execute("DELETE FROM frontier WHERE rowid = ?", [row["rid"]])
        db.conn.executemany(
            "INSERT OR REPLACE INTO frontier (run_id, url, reason, guessed, done) VALUES (?, ?, ?, ?, ?)",
            [(run_id, r["url"], r["reason"], r["guessed"], r["done"]) for r in taken.values()],
        )
        db.execute(
            "DELETE FROM frontier WHERE run_id IN (SELECT f.run_id FROM frontier f JOIN runs r "
            "ON r.id = f.run_id WHERE r.status NOT IN ('running', 'interrupted', 'partial'))"
        )
    done = {url for url, row in taken.items() if row["done"]}
    return done, [row for row in taken.values() if not row["done"]]


def frontier_pending(db: Database, run_id: int) -> int:
    return int(
        db.execute(
            "SELECT count(*) FROM frontier WHERE run_id = ? AND done = 0", [run_id]
        ).fetchone()[0]
    )


def frontier_record(db: Database, run_id: int, events: list[tuple[Any, ...]]) -> None:
    """Record, in one transaction and a few statements, what happened to the frontier in
    order: ``("queued", url, reason, guessed)`` and ``("done", url)``. The last event of a
    URL decides (a re-check queues a URL done earlier in the run again)."""
    if not events:
        return
    rows, urls = _frontier_changes(run_id, events)
    with writing(db):
        _frontier_write(db, run_id, rows, urls)


def _frontier_changes(
    run_id: int, events: list[tuple[Any, ...]]
) -> tuple[list[tuple[Any, ...]], list[str]]:
    queued: dict[str, tuple[str, int, int]] = {}
    finished: dict[str, None] = {}
    for event in events:
        url = event[1]
        if event[0] == "queued":
            queued[url] = (event[2], int(event[3]), 0)
            finished.pop(url, None)
        elif url in queued:
            reason, guessed, _ = queued[url]
            queued[url] = (reason, guessed, 1)
        else:
            finished[url] = None
    return [(run_id, url, *values) for url, values in queued.items()], list(finished)


def _frontier_write(
    db: Database, run_id: int, rows: list[tuple[Any, ...]], urls: list[str]
) -> None:
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        db.execute(
            "INSERT INTO frontier (run_id, url, reason, guessed, done) VALUES "
            + ", ".join(["(?, ?, ?, ?, ?)"] * len(chunk))
            + " ON CONFLICT (run_id, url) DO UPDATE SET done = excluded.done, "
            "reason = excluded.reason",
            [value for row in chunk for value in row],
        )
    for start in range(0, len(urls), 500):
        some = urls[start : start + 500]
        marks = ", ".join("?" * len(some))
        db.execute(
            f"UPDATE frontier SET done = 1 WHERE run_id = ? AND url IN ({marks})", [run_id, *some]
        )


def frontier_clear(db: Database, run_id: int) -> None:
    with writing(db):
        db.execute("DELETE FROM frontier WHERE run_id = ?", [run_id])


def record_failure(
    db: Database,
    run_id: int,
    url: str,
    category: str,
    reason: str,
    status: int | None,
    attempts: int,
) -> None:
    with writing(db):
        db.table("failures").insert(
            {
                "run_id": run_id,
                "url": url,
                "category": category,
                "reason": reason,
                "status": status,
                "attempts": attempts,
                "at": utcnow(),
            }
        )


def archived_before(db: Database, url: str, run_id: int) -> bool:
    """Whether ``url`` was archived (as a page) by a run before run ``run_id``. By run, not
    by time: a run may start in the second its predecessor saved its last page."""
    row = db.execute(
        "SELECT 1 FROM pages p JOIN versions v ON v.page_id = p.id AND v.number = 1 "
        "WHERE p.url = ? AND v.run_id < ?",
        [url, run_id],
    ).fetchone()
    return row is not None


def count_documents(db: Database, run_id: int) -> int:
    """Documents archived by runs before run ``run_id``."""
    return int(
        db.execute(
            "SELECT count(*) FROM pages p JOIN versions v ON v.page_id = p.id AND v.number = 1 "
            "WHERE p.kind = 'document' AND v.run_id < ?",
            [run_id],
        ).fetchone()[0]
    )


def revisit_order(
    db: Database, *, documents_only: bool, files: bool, recent: str, bonus_days: int
) -> Iterator[str]:
    """Archived pages with a current version, the longest unchecked first; a document
    published on or after ``recent`` counts as checked ``bonus_days`` earlier than it was.
    ``documents_only``: documents alone; else every kind, files only if ``files``."""
    kinds = (
        "p.kind = 'document'" if documents_only else ("1" if files else "p.kind != 'attachment'")
    )
    for (url,) in db.execute(
        "SELECT p.url FROM pages p LEFT JOIN versions v ON v.page_id = p.id "
        "AND v.number = p.current_version "
        f"WHERE p.current_version IS NOT NULL AND {kinds} "
        "ORDER BY CASE WHEN v.kind = 'document' AND coalesce(v.date, '') >= ? "
        "AND p.last_checked IS NOT NULL "
        "THEN strftime('%Y-%m-%dT%H:%M:%SZ', p.last_checked, ?) "
        "ELSE coalesce(p.last_checked, '') END, p.url",
        [recent, f"-{bonus_days} days"],
    ):
        yield url


def settled_failures(db: Database) -> set[str]:
    """URLs whose last failure was a dead link, an off-scope redirect or a file over the size
    cap, and that are not pages: facts about the site that a default run need not ask about
    again."""
    return {
        row["url"]
        for row in db.query(
            "SELECT f.url FROM failures f "
            "WHERE f.category IN ('dead-link', 'out-of-scope', 'too-large') "
            "AND f.id = (SELECT max(id) FROM failures g WHERE g.url = f.url) "
            "AND f.url NOT IN (SELECT url FROM pages)"
        )
    }
