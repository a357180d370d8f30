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
import importlib
import itertools
import socket
import subprocess
import sys
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
    def __init__(self, initializer: str) -> None:
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
    """``count`` worker processes; ``initializer`` (``module:function``) runs in each first."""

    def __init__(self, count: int, initializer: str) -> None:
        self._workers = [_Worker(initializer) for _ in range(count)]
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
            try:
                worker.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
            worker.conn.close()


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])), sys.argv[2])
