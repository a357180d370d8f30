"""The reading worker processes: a crawl read by workers archives exactly what a crawl read in
its own process does; a read past its deadline fails and its worker is replaced; a worker that
dies is replaced, up to the pool's cap, after which the run reads on its own."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import zlib

import pytest

from scraper import archive, config, workers
from scraper.crawl import Crawler, CrawlOptions
from scraper.crawl.read import Reader, ReadRules
from scraper.errors import DecodeError
from scraper.workers import NoWorkerLeft, ReadTimedOut, WorkerDied, WorkerPool


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


def _with_pool(scenario, count: int, **options) -> None:
    """``scenario(pool)`` on a fresh pool of ``count`` workers, closed after; 60 s at most."""

    async def main() -> None:
        pool = WorkerPool(count, "", **options)
        try:
            await scenario(pool)
        finally:
            pool.close()

    asyncio.run(asyncio.wait_for(main(), 60))


async def _both_ready(pool: WorkerPool) -> list[int]:
    """The pids of a two-worker pool once both have answered: the file reader first."""
    await asyncio.gather(*(pool.run(_double, i) for i in range(4)))
    return pool.pids


def test_a_pool_answers_raises_and_reports_a_dead_worker():
    async def scenario(pool):
        assert await asyncio.gather(*(pool.run(_double, i) for i in range(5))) == [
            0, 2, 4, 6, 8,
        ]  # fmt: skip
        with pytest.raises(ValueError, match="bad 3"):
            await pool.run(_fail, 3)
        with pytest.raises(WorkerDied):
            await pool.run(_die)
        assert not pool.alive
        with pytest.raises(NoWorkerLeft):
            await pool.run(_double, 1)

    _with_pool(scenario, 1, respawns=0)


def test_a_read_past_its_deadline_fails_and_the_reads_behind_it_go_on():
    async def scenario(pool):
        first = await pool.run(os.getpid)
        started = time.monotonic()
        slow = asyncio.ensure_future(pool.run(time.sleep, 30))
        # One of these waits in flight at the same worker, behind the slow one.
        quick = asyncio.gather(*(pool.run(_double, i) for i in range(10)))
        with pytest.raises(ReadTimedOut, match="reading took more than 1 s"):
            await slow
        assert time.monotonic() - started < 10
        assert await quick == [2 * i for i in range(10)]
        second = await pool.run(os.getpid)
        assert second != first and pool.pids == [second]
        for _ in range(50):  # killed, and reaped by a later task
            await pool.run(_double, 0)
            if not os.path.exists(f"/proc/{first}"):
                break
            await asyncio.sleep(0.1)
        assert not os.path.exists(f"/proc/{first}")

    _with_pool(scenario, 1, deadline=1.0)


def test_a_worker_killed_mid_read_is_replaced():
    async def scenario(pool):
        first = await pool.run(os.getpid)
        reading = asyncio.ensure_future(pool.run(time.sleep, 30))
        quick = asyncio.gather(*(pool.run(_double, i) for i in range(10)))
        await asyncio.sleep(0.3)  # the sleep is being read
        os.kill(first, signal.SIGKILL)
        with pytest.raises(WorkerDied):
            await reading
        assert await quick == [2 * i for i in range(10)]
        second = await pool.run(os.getpid)
        assert second != first
        assert await pool.run(_double, 21) == 42

    _with_pool(scenario, 1)


def test_the_respawn_cap_ends_a_crash_loop():
    async def scenario(pool):
        pids = set()
        for _ in range(3):
            pids.add(await pool.run(os.getpid))
            with pytest.raises(WorkerDied):
                await pool.run(_die)
        assert len(pids) == 3  # two replacements, then none
        assert not pool.alive
        with pytest.raises(WorkerDied):
            await pool.run(_double, 1)

    _with_pool(scenario, 1, respawns=2)


def test_a_crawl_whose_reads_time_out_records_one_failure_a_url(
    replica, tmp_path, monkeypatch, caplog
):
    # No read answers within no time: each read the pool gets (from the sixth page on) fails,
    # until the pool may start no more workers and the run reads the rest in its own process.
    monkeypatch.setattr(workers, "READ_DEADLINE", 0.0)
    monkeypatch.setattr(workers, "RESPAWNS", 3)
    _, server = replica
    result = _crawl(server, tmp_path / "timed.db", 1, monkeypatch, 5)
    db = archive.open_db(tmp_path / "timed.db", readonly=True)
    failures = db.execute("SELECT url, category, reason FROM failures").fetchall()
    pages = db.execute("SELECT count(*) FROM pages").fetchone()[0]
    db.close()
    timed_out = [f for f in failures if f[2] == "reading took more than 0 s"]
    files_timed_out = caplog.text.count(": reading took more than 0 s\n")
    assert timed_out and len(timed_out) + files_timed_out == 4  # one a worker killed
    assert all(category == "unreadable" for _, category, _ in timed_out)
    assert len({url for url, _, _ in timed_out}) == len(timed_out)
    unreadable = [f for f in failures if f[1] == "unreadable"]
    assert result.exit_code == 1 and result.counts["errors"] == len(unreadable)
    assert pages > 20  # the rest was read in the run's own process
    assert "unexpected error" not in caplog.text


def _stuck(*args: object) -> None:
    time.sleep(30)


def test_a_read_that_times_out_is_not_read_again_in_the_run(monkeypatch):
    # A page that outlived its worker fails as unreadable; a file is kept without its text.
    monkeypatch.setattr(workers, "READ_DEADLINE", 0.5)
    monkeypatch.setattr(Reader, "POOL_AFTER", 0)
    monkeypatch.setattr("scraper.crawl.read.read_file", _stuck)
    monkeypatch.setattr("scraper.crawl.read.try_read_page", _stuck)
    pdf = b"%PDF-1.4\n" + b"0" * 1000
    profile = config.resolve(start_urls=("http://a.test/",), flags={}, environ={})
    rules = ReadRules(
        extract=profile.extract,
        scope=profile.scope,
        attachment_extensions=tuple(profile.discover.attachment_extensions),
        ignore_patterns=tuple(profile.discover.ignore_patterns),
        document_url=profile.extract.document_url,
        soft_404_markers=tuple(profile.fetch.soft_404_markers),
    )

    async def scenario():
        with Reader(1) as reader:
            started = time.monotonic()
            text, kind, raw_z = await reader.file(pdf, "http://a.test/x.pdf")
            assert (text, kind, zlib.decompress(raw_z)) == (None, "pdf", pdf)
            with pytest.raises(DecodeError, match="reading took more than 0.5 s"):
                await reader.page(b"<html></html>", "text/html", "http://a.test/", rules)
            assert time.monotonic() - started < 20

    asyncio.run(asyncio.wait_for(scenario(), 60))


def _pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def test_file_reads_go_to_one_worker_and_pages_to_the_others():
    # The file readers (pdfplumber, python-docx, openpyxl) are loaded in one worker only.
    async def scenario(pool):
        reader, other = await _both_ready(pool)
        files = [pool.run(_pid_after, 0.2, heavy=True) for _ in range(4)]
        pages = [pool.run(_pid_after, 0.01) for _ in range(12)]
        file_pids, page_pids = await asyncio.gather(asyncio.gather(*files), asyncio.gather(*pages))
        assert set(file_pids) == {reader}
        assert set(page_pids) == {other}  # the file reader was full all along

    _with_pool(scenario, 2)


def test_files_that_wait_too_long_go_to_any_worker(monkeypatch):
    # A site full of big PDFs is not read one file at a time.
    monkeypatch.setattr(workers, "HEAVY_WAIT", 0.2)

    async def scenario(pool):
        reader, other = await _both_ready(pool)
        # Two in flight at the file reader, the third waits. No answer comes back
        # before its wait is over: a timer looks at the queue again.
        file_pids = await asyncio.gather(*(pool.run(_pid_after, 0.8, heavy=True) for _ in range(3)))
        assert file_pids == [reader, reader, other]

    _with_pool(scenario, 2)


def test_the_report_turns_admit_eight_sites_at_once():
    # A hundred sites end together; each holds its readings until it saves them.
    from scraper.crawl import read

    async def scenario():
        reader = Reader(0)
        inside = peak = 0

        async def site() -> None:
            nonlocal inside, peak
            async with reader.report_turn():
                inside += 1
                peak = max(peak, inside)
                await asyncio.sleep(0.01)
                inside -= 1

        await asyncio.gather(*(site() for _ in range(3 * read.REPORT_TURNS)))
        return peak

    assert asyncio.run(scenario()) == read.REPORT_TURNS


def test_a_waiting_file_does_not_go_ahead_of_an_older_page(monkeypatch):
    monkeypatch.setattr(workers, "HEAVY_WAIT", 0.2)

    async def scenario(pool):
        reader, other = await _both_ready(pool)
        busy = [asyncio.ensure_future(pool.run(_pid_after, 0.8)) for _ in range(4)]
        await asyncio.sleep(0.02)
        pages = [asyncio.ensure_future(pool.run(_pid_after, 0.01)) for _ in range(2)]
        await asyncio.sleep(0.05)
        files = [asyncio.ensure_future(pool.run(_pid_after, 0.01, heavy=True)) for _ in range(2)]
        await asyncio.gather(*busy)
        # When the workers free up, both files have waited past HEAVY_WAIT, but the pages
        # waited longer: the free slot at the other worker is a page's.
        assert await asyncio.gather(*files) == [reader, reader]
        assert (await pages[0]) == other

    _with_pool(scenario, 2)


def test_a_file_in_flight_at_a_killed_reader_goes_to_its_replacement():
    async def scenario(pool):
        reader, other = await _both_ready(pool)
        reading = asyncio.ensure_future(pool.run(time.sleep, 30, heavy=True))
        behind = asyncio.ensure_future(pool.run(_pid_after, 0.01, heavy=True))
        await asyncio.sleep(0.3)
        os.kill(reader, signal.SIGKILL)
        with pytest.raises(WorkerDied):
            await reading
        # Innocent, it goes back to the files' queue, so to the new file reader.
        assert await behind not in (reader, other)
        assert pool.pids[1] == other

    _with_pool(scenario, 2)


def test_a_task_that_cannot_be_sent_fails_alone_and_a_closed_pool_refuses():
    async def scenario():
        pool = WorkerPool(1, "", deadline=1.0)
        try:
            first = await pool.run(os.getpid)
            with pytest.raises(Exception, match="pickle"):
                await pool.run(_double, lambda: 1)  # a lambda cannot be pickled
            # Not left in flight at the worker, where its deadline would end the worker.
            await pool.run(time.sleep, 0.5)
            await asyncio.sleep(1.0)
            assert await pool.run(os.getpid) == first
            slow = asyncio.ensure_future(pool.run(time.sleep, 1))
            queued = [asyncio.ensure_future(pool.run(_double, i)) for i in range(3)]
            await asyncio.sleep(0.1)
        finally:
            pool.close()
        for task in (slow, *queued):  # in flight or queued: no answer will be read
            with pytest.raises(NoWorkerLeft):
                await task
        with pytest.raises(NoWorkerLeft):
            await pool.run(_double, 1)

    asyncio.run(asyncio.wait_for(scenario(), 60))


def test_a_crawl_derives_its_report_readings_in_a_report_turn(replica, tmp_path, monkeypatch):
    import contextlib

    real_turn, real_save = Reader.report_turn, archive.save_reports
    turns: list[int] = []
    saved_in_turn: list[bool] = []

    @contextlib.asynccontextmanager
    async def counted(self):
        async with real_turn(self):
            turns.append(1)
            try:
                yield
            finally:
                turns.append(-1)

    def save(db, plan, parsed):
        saved_in_turn.append(sum(turns) == 1)
        return real_save(db, plan, parsed)

    monkeypatch.setattr(Reader, "report_turn", counted)
    monkeypatch.setattr(archive, "save_reports", save)
    _, server = replica
    assert _crawl(server, tmp_path / "turns.db", 1, monkeypatch, 0).exit_code == 0
    assert turns == [1, -1] and saved_in_turn == [True]
    db = archive.open_db(tmp_path / "turns.db", readonly=True)
    assert db.execute("SELECT count(*) FROM reports").fetchone()[0] > 0
    db.close()
