"""One queue abstraction for background work.

Embedded default: jobs run in the calling process immediately (no service).
With REDIS_URL set, jobs go to a Redis-backed huey queue consumed by
`hiraku run_huey`; the calling code is identical in both cases.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

_huey = None


def get_huey():
    """The huey instance: MemoryHuey in immediate mode, RedisHuey otherwise."""
    global _huey
    if _huey is None:
        if settings.HIRAKU_JOBS_IMMEDIATE or not settings.REDIS_URL:
            from huey import MemoryHuey

            _huey = MemoryHuey("hiraku", immediate=True)
        else:
            from huey import RedisHuey

            _huey = RedisHuey("hiraku", url=settings.REDIS_URL)
    return _huey


def job(func: Callable[..., Any]) -> Callable[..., Any]:
    """Declare a background job. Call `.enqueue(...)` to run it in the background."""
    task = get_huey().task(name=f"{func.__module__}.{func.__name__}")(func)
    func.enqueue = task  # type: ignore[attr-defined]
    return func
