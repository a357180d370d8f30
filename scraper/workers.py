"""Worker processes for the reading, fed through a pipe each and answered to the event loop.

Why not ``concurrent.futures.ProcessPoolExecutor``: its manager and feeder threads live in
the run's process and take its GIL for every page they pickle, so the loop spent as long
waiting for them as the workers saved it. Here the loop itself writes a task to a worker's
pipe (at most two in flight a worker, so the pipe never fills and the write never waits)
and reads the answer when the pipe is readable: no thread in the run's process.

Tasks wait in one queue of the pool, first come first served, whoever asked (many sites
share one pool, :mod:`scraper.crawl.sites`), and the next is written to a worker in the very
callback that reads an answer from it. Handing the slot back through the coroutine that
awaited the answer would cost a turn of the loop per task, and a loop busy with a hundred
sites takes 10–30 ms a turn: the worker sat idle most of the time.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import itertools
import socket
import subprocess
import sys
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

IN_FLIGHT = 2  # tasks queued at one worker: one being read, one waiting


class WorkerDied(RuntimeError):
    """A worker process ended with tasks of the run's in it."""


def _serve(conn: Connection, initializer: str) -> None:
    module, _, name = initializer.partition(":")
    if module:
        getattr(importlib.import_module(module), name)()
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
    def __init__(self, initializer: str, pool: WorkerPool) -> None:
        self.pool = pool
        # A plain child process on a socket pair, not multiprocessing.Process: that would
        # also start multiprocessing's resource tracker, a third process for nothing.
        ours, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scraper.workers", str(theirs.fileno()), initializer],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self.conn = Connection(ours.detach())
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.watched = False
        self.dead = False

    def send(self, job: int, func: Callable[..., Any], args: tuple[Any, ...],
             future: asyncio.Future[Any]) -> None:  # fmt: skip
        if not self.watched:
            asyncio.get_running_loop().add_reader(self.conn.fileno(), self.on_readable)
            self.watched = True
        self.pending[job] = future
        try:
            self.conn.send((job, func, args))
        except (BrokenPipeError, OSError):
            self.die()

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
        self.pool.dispatch()

    def die(self) -> None:
        self.dead = True
        if self.watched:
            asyncio.get_running_loop().remove_reader(self.conn.fileno())
            self.watched = False
        for future in self.pending.values():
            if not future.done():
                future.set_exception(WorkerDied("a reading worker process ended"))
        self.pending.clear()
        self.pool.dispatch()


class WorkerPool:
    """``count`` worker processes; ``initializer`` (``module:function``) runs in each first."""

    def __init__(self, count: int, initializer: str) -> None:
        self._workers = [_Worker(initializer, self) for _ in range(count)]
        self._jobs = itertools.count()
        self._queue: deque[tuple[int, Callable[..., Any], tuple[Any, ...], asyncio.Future[Any]]]
        self._queue = deque()

    @property
    def alive(self) -> bool:
        return any(not w.dead for w in self._workers)

    async def run(self, func: Callable[..., Any], *args: Any) -> Any:
        """``func(*args)`` in a worker (``func`` must be importable by name). Raises what
        ``func`` raised, or WorkerDied."""
        if not self.alive:
            raise WorkerDied("no reading worker is left")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((next(self._jobs), func, args, future))
        self.dispatch()
        return await future

    def dispatch(self) -> None:
        """Write queued tasks to the workers with room (the least busy first)."""
        while self._queue:
            living = [w for w in self._workers if not w.dead]
            if not living:
                for *_, future in self._queue:
                    if not future.done():
                        future.set_exception(WorkerDied("no reading worker is left"))
                self._queue.clear()
                return
            worker = min(living, key=lambda w: len(w.pending))
            if len(worker.pending) >= IN_FLIGHT:
                return
            job, func, args, future = self._queue.popleft()
            if not future.done():  # not cancelled meanwhile
                worker.send(job, func, args, future)

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
            try:
                worker.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
            worker.conn.close()


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])), sys.argv[2])
