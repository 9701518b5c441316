"""The background-job abstraction: immediate in-process by default, Redis-queued when configured."""

from __future__ import annotations

import socket

import pytest
from huey import MemoryHuey, RedisHuey

from hiraku.core import jobs


@pytest.fixture
def fresh_huey(monkeypatch):
    """A huey chosen from the current settings, discarded after the test."""
    monkeypatch.setattr(jobs, "_huey", None)


def test_immediate_mode_runs_the_job_in_process(settings, fresh_huey):
    settings.HIRAKU_JOBS_IMMEDIATE = True
    calls = []

    @jobs.job
    def add(a, b):
        calls.append((a, b))
        return a + b

    assert isinstance(jobs.get_huey(), MemoryHuey)
    result = add.enqueue(2, 3)
    assert calls == [(2, 3)]
    assert result.get() == 5
    assert add(1, 1) == 2  # still an ordinary function when called directly


def test_an_immediate_job_failure_is_reported_to_the_caller(settings, fresh_huey):
    settings.HIRAKU_JOBS_IMMEDIATE = True

    @jobs.job
    def broken():
        raise ValueError("bad input")

    result = broken.enqueue()
    with pytest.raises(Exception, match="bad input"):
        result.get()


def redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_reachable(), reason="no Redis on 127.0.0.1:6379")
def test_with_redis_jobs_are_queued_for_the_worker_not_run(settings, fresh_huey):
    settings.HIRAKU_JOBS_IMMEDIATE = False
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    calls = []

    @jobs.job
    def remember(value):
        calls.append(value)

    huey = jobs.get_huey()
    assert isinstance(huey, RedisHuey)
    remember.enqueue("queued")
    assert calls == []
    message = huey.dequeue()
    assert message is not None and message.name.endswith("remember") and message.args == ("queued",)
    huey.execute(message)
    assert calls == ["queued"]


def test_the_worker_command_refuses_to_start_without_redis(settings):
    from django.core.management import CommandError, call_command

    settings.HIRAKU_JOBS_IMMEDIATE = True
    with pytest.raises(CommandError, match="REDIS_URL"):
        call_command("run_huey")
