"""One queue abstraction for background work.

Three queues, chosen by the ``HIRAKU_JOBS`` setting (see settings.py):

- ``sqlite`` (the embedded default): jobs are written to a SQLite file in
  HIRAKU_DATA_DIR and run by a consumer process that `hiraku serve` starts
  and stops with the web server. No other service is needed, and an upload
  request returns as soon as its job is queued.
- ``redis`` (REDIS_URL set): jobs go to Redis and are consumed by
  `hiraku run_huey`, deployed separately on the scale-out stack.
- ``immediate``: jobs run in the calling process as they are enqueued
  (tests, and `hiraku demo`, which must leave a fully ingested catalog).

The calling code is identical in every case: ``func.enqueue(...)``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

IMMEDIATE, SQLITE, REDIS = "immediate", "sqlite", "redis"
MODES = (IMMEDIATE, SQLITE, REDIS)
# The consumer polls an idle queue at most this often (seconds): a Redis or
# SQLite poll is cheap, and an upload should not wait long to start.
MAX_POLL_DELAY = 1.0

_huey = None


def mode() -> str:
    """The configured queue: ``immediate``, ``sqlite`` or ``redis``."""
    if settings.HIRAKU_JOBS_IMMEDIATE:
        return IMMEDIATE
    chosen = settings.HIRAKU_JOBS
    if chosen not in MODES:
        raise ImproperlyConfigured(f"HIRAKU_JOBS must be one of {', '.join(MODES)}, not {chosen!r}")
    if chosen == REDIS and not settings.REDIS_URL:
        raise ImproperlyConfigured("HIRAKU_JOBS=redis needs REDIS_URL")
    return chosen


def queue_path() -> Path:
    """The SQLite file of the embedded queue."""
    return Path(settings.DATA_DIR) / "jobs.sqlite3"


def describe() -> str:
    """Where the jobs go, for log lines."""
    chosen = mode()
    if chosen == SQLITE:
        return f"SQLite queue {queue_path()}"
    if chosen == REDIS:
        return f"Redis queue {settings.REDIS_URL}"
    return "immediate, in process"


def get_huey():
    """The huey instance of the configured queue (created once per process)."""
    global _huey
    if _huey is None:
        chosen = mode()
        if chosen == IMMEDIATE:
            from huey import MemoryHuey

            _huey = MemoryHuey("hiraku", immediate=True)
        elif chosen == SQLITE:
            from huey import SqliteHuey

            # Nobody reads a queued job's return value: storing it would only grow the file.
            # The busy timeout matches the main database's, for bursts of uploads.
            _huey = SqliteHuey("hiraku", filename=str(queue_path()), results=False, timeout=20)
        else:
            from huey import RedisHuey

            _huey = RedisHuey("hiraku", url=settings.REDIS_URL, results=False)
    return _huey


def job(func: Callable[..., Any]) -> Callable[..., Any]:
    """Declare a background job. Call `.enqueue(...)` to run it in the background.

    Inside a web request, enqueue with ``transaction.on_commit`` so the
    consumer (another process) sees the rows the job reads."""
    task = get_huey().task(name=f"{func.__module__}.{func.__name__}")(func)
    func.enqueue = task  # type: ignore[attr-defined]
    return func


@contextmanager
def run_immediately() -> Iterator[None]:
    """Run the jobs enqueued inside the block in this process, whatever the queue.

    For command-line work that must be complete when the command exits
    (`hiraku demo`)."""
    huey = get_huey()
    if huey.immediate:
        yield
        return
    huey.immediate = True
    try:
        yield
    finally:
        huey.immediate = False


def close_connections() -> None:
    """Close the queue's connection, e.g. before forking web workers."""
    if _huey is not None and hasattr(_huey.storage, "close"):
        _huey.storage.close()
