"""The reading worker processes: a crawl read by workers archives exactly what a crawl read in
its own process does, and a worker that dies leaves the run reading on its own."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from scraper import archive, config
from scraper.crawl import Crawler, CrawlOptions
from scraper.crawl.read import Reader
from scraper.workers import WorkerDied, WorkerPool


def _archive_rows(path):
    db = archive.open_db(path, readonly=True)
    rows = db.execute(
        "SELECT p.url, v.number, v.kind, v.content_hash, v.title, v.body_text FROM versions v "
        "JOIN pages p ON p.id = v.page_id ORDER BY p.url, v.number"
    ).fetchall()
    db.close()
    return rows


def _crawl(server, path, workers, monkeypatch, pool_after):
    monkeypatch.setattr(Reader, "POOL_AFTER", pool_after)
    db = archive.open_db(path)
    profile = config.resolve(
        start_urls=(server.base_url + "/xxgk/",),
        flags={"delay": 0.0, "fetch.retries": 1, "fetch.retry_wait": 0.0},
        environ={},
    )
    result = Crawler(db, profile, CrawlOptions(full=True, workers=workers)).run()
    db.close()
    return result


def test_a_crawl_read_by_a_worker_archives_what_an_inline_crawl_does(
    replica, tmp_path, monkeypatch
):
    _, server = replica
    inline = _crawl(server, tmp_path / "inline.db", 0, monkeypatch, 0)
    pooled = _crawl(server, tmp_path / "pooled.db", 1, monkeypatch, 0)
    assert inline.exit_code == pooled.exit_code == 0
    assert pooled.counts["new_pages"] == inline.counts["new_pages"] > 20
    assert _archive_rows(tmp_path / "pooled.db") == _archive_rows(tmp_path / "inline.db")
    # The search index rows the worker made find what the inline ones do.
    for path in ("inline.db", "pooled.db"):
        db = archive.open_db(tmp_path / path, readonly=True)
        count = db.execute(
            "SELECT count(*) FROM search_index WHERE search_index MATCH '\"公开\"'"
        ).fetchone()[0]
        assert count > 0
        db.close()


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _double(x: int) -> int:
    return 2 * x


def _fail(x: int) -> int:
    raise ValueError(f"bad {x}")


def test_a_pool_answers_raises_and_reports_a_dead_worker():
    async def scenario():
        pool = WorkerPool(1, "")
        try:
            assert await asyncio.gather(*(pool.run(_double, i) for i in range(5))) == [
                0, 2, 4, 6, 8,
            ]  # fmt: skip
            with pytest.raises(ValueError, match="bad 3"):
                await pool.run(_fail, 3)
            with pytest.raises(WorkerDied):
                await pool.run(_die)
            assert not pool.alive
            with pytest.raises(WorkerDied):
                await pool.run(_double, 1)
        finally:
            pool.close()

    asyncio.run(asyncio.wait_for(scenario(), 60))
