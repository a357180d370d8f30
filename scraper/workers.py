"""Worker processes for the reading, fed through a pipe each and answered to the event loop.

Why not ``concurrent.futures.ProcessPoolExecutor``: its manager and feeder threads live in
the run's process and take its GIL for every page they pickle, so the loop spent as long
waiting for them as the workers saved it. Here the loop itself writes a task to a worker's
pipe (at most two in flight a worker, so the pipe never fills and the write never waits)
and reads the answer when the pipe is readable: no thread in the run's process.

Tasks wait in the pool's queues, first come first served, whoever asked (many sites share
one pool, :mod:`scraper.crawl.sites`), and the next is written to a worker in the very
callback that reads an answer from it. Handing the slot back through the coroutine that
awaited the answer would cost a turn of the loop per task, and a loop busy with a hundred
sites takes 10–30 ms a turn: the worker sat idle most of the time.

Reading a file loads pdfplumber, python-docx and openpyxl, and what they keep grows a
worker from ~45 MB to ~120 MB. So the file reads (``heavy`` tasks) wait in a queue of their
own and go to one worker, the first living one, and the pages to any: the other workers stay
the size of a page reader. When the oldest file in that queue has waited ``HEAVY_WAIT``
seconds and no page waits from before it, any worker takes it, so that sites full of big
PDFs are not read one file at a time; a worker that took one has loaded the file readers
too. (A file already written to the file reader waits there for the one it is reading.)

Because one hostile site's files reach the same workers as everyone's, a task has a
deadline: a worker reading one task for longer is killed and its task fails with
``ReadTimedOut``. A worker reads its tasks in order, so the first task in flight is the one
being read, the only one a death can be blamed on; the other one in flight never started
and goes back to the head of the queue (once: a task in flight at two deaths fails). A
worker that ends, killed or crashed, is replaced, up to ``respawns`` times a pool, so that a
crash loop ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import itertools
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

IN_FLIGHT = 2  # tasks queued at one worker: one being read, one waiting
READ_DEADLINE = 120.0  # seconds one task may hold a worker
RESPAWNS = 10  # workers started a pool to replace ended ones
HEAVY_WAIT = 2.0  # seconds the oldest heavy task waits before any worker takes it


class WorkerDied(RuntimeError):
    """A worker process ended with tasks of the run's in it."""


class NoWorkerLeft(WorkerDied):
    """Every worker ended and the pool may start no more: the task was never read."""


class ReadTimedOut(RuntimeError):
    """A task held its worker past the deadline; the worker was killed."""


def _serve(conn: Connection, initializer: str) -> None:
    module, _, name = initializer.partition(":")
    if module:
        getattr(importlib.import_module(module), name)()
    try:
        conn.send(None)  # ready: a task's deadline counts from here, not from the start
    except (BrokenPipeError, OSError):
        return
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


@dataclass
class _Task:
    job: int
    func: Callable[..., Any]
    args: tuple[Any, ...]
    future: asyncio.Future[Any]
    heavy: bool = False
    requeued: bool = False
    queued_at: float = 0.0  # time.monotonic()


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
        self.pending: dict[int, _Task] = {}  # in the order the worker reads them
        self.watched = False
        self.ready = False
        self.dead = False
        self._timer: asyncio.TimerHandle | None = None
        self._timed: int | None = None  # the job the timer is for

    def watch(self) -> None:
        if not self.watched:
            asyncio.get_running_loop().add_reader(self.conn.fileno(), self.on_readable)
            self.watched = True

    def send(self, task: _Task) -> None:
        self.watch()
        self.pending[task.job] = task
        try:
            self.conn.send((task.job, task.func, task.args))
        except (BrokenPipeError, OSError):
            # The worker had ended before it got this task: the task is innocent.
            del self.pending[task.job]
            self.die(WorkerDied("a reading worker process ended"), unsent=task)
            return
        except Exception as exc:  # the task cannot be pickled: nothing was written
            del self.pending[task.job]
            task.future.set_exception(exc)
            return
        self._arm()

    def _arm(self) -> None:
        """Time the task being read, from when the worker began it (or was ready)."""
        head = next(iter(self.pending), None) if self.ready else None
        if head == self._timed:
            return
        self.disarm()
        self._timed = head
        if head is not None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self.pool.deadline, self._time_out)

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _time_out(self) -> None:
        self._timer = None
        self.die(ReadTimedOut(f"reading took more than {self.pool.deadline:g} s"))

    def on_readable(self) -> None:
        try:
            while self.conn.poll():
                message = self.conn.recv()
                if message is None:
                    self.ready = True
                    continue
                job, (ok, value) = message
                task = self.pending.pop(job, None)
                if task is not None and not task.future.done():
                    if ok:
                        task.future.set_result(value)
                    else:
                        task.future.set_exception(value)
        except (EOFError, OSError):
            self.die(WorkerDied("the reading worker process ended while reading it"))
            return
        self._arm()
        self.pool.dispatch()

    def die(self, failure: Exception, unsent: _Task | None = None) -> None:
        """End this worker: ``failure`` for the task it was reading, the others re-queued."""
        if self.dead:
            return
        self.dead = True
        self.disarm()
        if self.watched:
            asyncio.get_running_loop().remove_reader(self.conn.fileno())
            self.watched = False
        self.conn.close()
        with contextlib.suppress(OSError):
            self.process.kill()
        tasks = list(self.pending.values())
        self.pending.clear()
        blamed, innocent = tasks[:1], tasks[1:] + ([unsent] if unsent else [])
        self.pool.replace(self, failure, blamed, innocent)


class WorkerPool:
    """``count`` worker processes; ``initializer`` (``module:function``) runs in each first.
    ``deadline``: seconds a task may take (READ_DEADLINE); ``respawns``: ended workers the
    pool replaces (RESPAWNS)."""

    def __init__(
        self,
        count: int,
        initializer: str,
        *,
        deadline: float | None = None,
        respawns: int | None = None,
    ) -> None:
        self.deadline = READ_DEADLINE if deadline is None else deadline
        self.respawns_left = RESPAWNS if respawns is None else respawns
        self._initializer = initializer
        self._workers = [_Worker(initializer, self) for _ in range(count)]
        self._ended: list[subprocess.Popen[bytes]] = []
        self._jobs = itertools.count()
        self._queue: deque[_Task] = deque()  # pages: any worker
        self._heavy: deque[_Task] = deque()  # files: the file reader first
        self._closed = False

    @property
    def alive(self) -> bool:
        return any(not w.dead for w in self._workers)

    @property
    def pids(self) -> list[int]:
        """The process ids of the living workers."""
        return [w.process.pid for w in self._workers if not w.dead]

    async def run(self, func: Callable[..., Any], *args: Any, heavy: bool = False) -> Any:
        """``func(*args)`` in a worker (``func`` must be importable by name). Raises what
        ``func`` raised, ReadTimedOut, WorkerDied, or NoWorkerLeft. ``heavy``: it loads the
        file readers, and goes to the file reader (the module's docstring)."""
        if self._closed or not self.alive:
            raise NoWorkerLeft("no reading worker is left")
        if self._ended:  # reap the processes of ended workers, without waiting for them
            self._ended = [p for p in self._ended if p.poll() is None]
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        task = _Task(next(self._jobs), func, args, future, heavy, queued_at=time.monotonic())
        (self._heavy if heavy else self._queue).append(task)
        self.dispatch()
        if heavy and self._heavy:
            # Looked at again once it may spill, should no answer come back before.
            asyncio.get_running_loop().call_later(HEAVY_WAIT * 1.05, self.dispatch)
        return await future

    def replace(
        self, worker: _Worker, failure: Exception, blamed: list[_Task], innocent: list[_Task]
    ) -> None:
        """After ``worker`` ended: fail what it was reading, re-queue the rest, start another."""
        for task in blamed:
            if not task.future.done():
                task.future.set_exception(failure)
        for task in reversed(innocent):
            if task.future.done():
                continue
            if task.requeued:
                task.future.set_exception(WorkerDied("two reading workers ended with this task"))
            else:
                task.requeued = True
                (self._heavy if task.heavy else self._queue).appendleft(task)
        self._ended.append(worker.process)
        if self.respawns_left > 0:
            self.respawns_left -= 1
            fresh = _Worker(self._initializer, self)
            self._workers[self._workers.index(worker)] = fresh
            fresh.watch()
        self.dispatch()

    def dispatch(self) -> None:
        """Write queued tasks to the workers with room: heavy tasks to the file reader (to
        any worker once the oldest has waited HEAVY_WAIT and no page waited longer), pages
        to the least busy, the others before the file reader. A write may end a worker (its replacement dispatches
        too): the workers are looked at again for every task."""
        while not self._closed:
            living = [w for w in self._workers if not w.dead]
            if not living:
                for task in (*self._heavy, *self._queue):
                    if not task.future.done():
                        task.future.set_exception(NoWorkerLeft("no reading worker is left"))
                self._heavy.clear()
                self._queue.clear()
                return
            step = self._next(living)
            if step is None:
                return
            task, worker = step
            if not task.future.done():  # not cancelled meanwhile
                worker.send(task)

    def _next(self, living: list[_Worker]) -> tuple[_Task, _Worker] | None:
        reader = living[0]
        if self._heavy and len(reader.pending) < IN_FLIGHT:
            return self._heavy.popleft(), reader
        worker = min(living, key=lambda w: (len(w.pending), w is reader))
        if len(worker.pending) >= IN_FLIGHT:
            return None
        if self._spills():
            return self._heavy.popleft(), worker
        if self._queue:
            return self._queue.popleft(), worker
        return None

    def _spills(self) -> bool:
        """The oldest file has waited HEAVY_WAIT, and no page has waited longer."""
        if not self._heavy:
            return False
        oldest = self._heavy[0].queued_at
        if time.monotonic() - oldest <= HEAVY_WAIT:
            return False
        return not self._queue or oldest <= self._queue[0].queued_at

    def close(self) -> None:
        self._closed = True
        # Queued or in flight, no answer will be read any more.
        waiting = [*self._heavy, *self._queue]
        waiting += [task for worker in self._workers for task in worker.pending.values()]
        for task in waiting:
            if not task.future.done():
                with contextlib.suppress(RuntimeError):  # its loop may be closed already
                    task.future.set_exception(NoWorkerLeft("the reading workers were closed"))
        self._heavy.clear()
        self._queue.clear()
        for worker in self._workers:
            worker.disarm()
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
        for process in self._ended:
            process.wait()


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])), sys.argv[2])
