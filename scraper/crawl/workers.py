"""Worker processes for the reading, fed through a pipe each and answered to the event loop.

Why not ``concurrent.futures.ProcessPoolExecutor``: its manager and feeder threads live in
the run's process and take its GIL for every page they pickle, so the loop spent as long
waiting for them as the workers saved it. Here the loop itself writes a task to a worker's
pipe (at most two in flight a worker, so the pipe never fills and the write never waits)
and reads the answer when the pipe is readable: no thread in the run's process.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

IN_FLIGHT = 2  # tasks queued at one worker: one being read, one waiting


class WorkerDied(RuntimeError):
    """A worker process ended with tasks of the run's in it."""


def _serve(conn: Connection, initializer: Callable[[], None]) -> None:
    initializer()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        job, func, args = message
        try:
            answer: tuple[bool, Any] = (True, func(*args))
        except Exception as exc:  # sent back, raised in the run
            answer = (False, exc)
        try:
            conn.send((job, answer))
        except (BrokenPipeError, OSError):
            return


class _Worker:
    def __init__(self, context: Any, initializer: Callable[[], None]) -> None:
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_serve, args=(child, initializer), daemon=True)
        self.process.start()
        child.close()
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.slots = asyncio.Semaphore(IN_FLIGHT)
        self.watched = False
        self.dead = False

    def on_readable(self) -> None:
        try:
            while self.conn.poll():
                job, (ok, value) = self.conn.recv()
                future = self.pending.pop(job, None)
                if future is not None and not future.done():
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
        except (EOFError, OSError):
            self.die()

    def die(self) -> None:
        self.dead = True
        if self.watched:
            asyncio.get_running_loop().remove_reader(self.conn.fileno())
            self.watched = False
        for future in self.pending.values():
            if not future.done():
                future.set_exception(WorkerDied("a reading worker process ended"))
        self.pending.clear()


class WorkerPool:
    def __init__(self, count: int, initializer: Callable[[], None]) -> None:
        context = multiprocessing.get_context("spawn")
        self._workers = [_Worker(context, initializer) for _ in range(count)]
        self._jobs = itertools.count()

    @property
    def alive(self) -> bool:
        return any(not w.dead for w in self._workers)

    async def run(self, func: Callable[..., Any], *args: Any) -> Any:
        """``func(*args)`` in a worker (``func`` must be importable by name). Raises what
        ``func`` raised, or WorkerDied."""
        living = [w for w in self._workers if not w.dead]
        if not living:
            raise WorkerDied("no reading worker is left")
        worker = min(living, key=lambda w: len(w.pending))
        async with worker.slots:
            if worker.dead:
                raise WorkerDied("a reading worker process ended")
            loop = asyncio.get_running_loop()
            if not worker.watched:
                loop.add_reader(worker.conn.fileno(), worker.on_readable)
                worker.watched = True
            job = next(self._jobs)
            future: asyncio.Future[Any] = loop.create_future()
            worker.pending[job] = future
            try:
                worker.conn.send((job, func, args))
            except (BrokenPipeError, OSError):
                worker.die()
            return await future

    def close(self) -> None:
        for worker in self._workers:
            if worker.watched:
                with contextlib.suppress(RuntimeError):  # no loop any more: none to tell
                    asyncio.get_running_loop().remove_reader(worker.conn.fileno())
                worker.watched = False
            if not worker.dead:
                with contextlib.suppress(BrokenPipeError, OSError):
                    worker.conn.send(None)
        for worker in self._workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
