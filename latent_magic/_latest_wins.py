"""One slow computation at a time, off the thread that asked, the newest request winning.

A big table's density is recomputed on a cluster each time the page's view settles (a second
or so). The page's requests must not wait for it, and a view the user has already left is not
worth finishing: requests made while one runs replace each other, and only the newest runs
next. A result is delivered only when nothing newer was asked meanwhile.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class LatestWins:
    """Runs ``work(job)`` on a background thread for the newest job submitted.

    ``done(job, result)`` gets a result nobody has superseded; ``failed(job, error)`` gets the
    exception of a job that raised (the last good result stays what it was).
    """

    def __init__(
        self,
        work: Callable[[Any], Any],
        done: Callable[[Any, Any], None],
        failed: Callable[[Any, BaseException], None],
        name: str = "latent_magic-latest-wins",
    ) -> None:
        self._work, self._done, self._failed = work, done, failed
        self._name = name
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self._pending: Any = None
        self._has_pending = False
        self._running = False

    def submit(self, job: Any) -> None:
        """Asks for ``job``; any job waiting (not yet started) is dropped for it."""
        with self._lock:
            self._pending, self._has_pending = job, True
            self._idle.clear()
            if self._running:
                return
            self._running = True
        threading.Thread(target=self._run, name=self._name, daemon=True).start()

    def wait(self, timeout: float | None = None) -> bool:
        """Blocks until nothing is running or waiting; whether that happened in time."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._has_pending:
                    self._running = False
                    self._idle.set()
                    return
                job, self._pending, self._has_pending = self._pending, None, False
            try:
                result = self._work(job)
            except Exception as error:  # reported to the owner; this thread must go on
                self._failed(job, error)
                continue
            with self._lock:
                superseded = self._has_pending
            if not superseded:
                self._done(job, result)
