"""The background-job abstraction: a SQLite queue by default, Redis when configured, or immediate."""

from __future__ import annotations

import runpy
import socket
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules
from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.signals import SIGNAL_INTERRUPTED

from hiraku.core import jobs
from hiraku.core.management.commands import run_huey
from hiraku.core.management.commands.serve import wants_consumer


@pytest.fixture
def fresh_huey(monkeypatch):
    """A huey chosen from the current settings, discarded after the test."""
    # The apps' jobs must stay declared on the session's huey, not on this one.
    autodiscover_modules(*run_huey.JOB_MODULES)
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
    settings.HIRAKU_JOBS = "redis"
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


def test_the_worker_command_refuses_to_start_when_jobs_run_immediately(settings):
    from django.core.management import CommandError, call_command

    settings.HIRAKU_JOBS_IMMEDIATE = True
    with pytest.raises(CommandError, match="immediate"):
        call_command("run_huey")


# --- choosing the queue -------------------------------------------------------------------------------

def settings_with(monkeypatch, tmp_path, **environ) -> dict:
    """Evaluate settings.py afresh under the given environment variables."""
    for name in ("HIRAKU_JOBS", "HIRAKU_JOBS_IMMEDIATE", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HIRAKU_DATA_DIR", str(tmp_path))
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(Path(jobs.__file__).parent.parent / "settings.py"))


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, "sqlite"),
    ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "redis"),
    ({"HIRAKU_JOBS": "immediate"}, "immediate"),
    ({"HIRAKU_JOBS": "SQLite", "REDIS_URL": "redis://127.0.0.1:6379/0"}, "sqlite"),
    ({"HIRAKU_JOBS_IMMEDIATE": "1", "REDIS_URL": "redis://127.0.0.1:6379/0"}, "immediate"),
    ({"HIRAKU_JOBS_IMMEDIATE": "0"}, "sqlite"),
])
def test_the_queue_defaults_to_sqlite_and_follows_redis_url(monkeypatch, tmp_path, environ, expected):
    values = settings_with(monkeypatch, tmp_path, **environ)
    assert values["HIRAKU_JOBS"] == expected
    assert values["HIRAKU_JOBS_IMMEDIATE"] is (expected == "immediate")


def test_a_wrong_queue_setting_is_refused(settings):
    settings.HIRAKU_JOBS_IMMEDIATE = False
    settings.HIRAKU_JOBS = "celery"
    with pytest.raises(ImproperlyConfigured, match="HIRAKU_JOBS"):
        jobs.mode()
    settings.HIRAKU_JOBS, settings.REDIS_URL = "redis", ""
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        jobs.mode()


@pytest.fixture
def sqlite_queue(settings, tmp_path, fresh_huey):
    settings.HIRAKU_JOBS_IMMEDIATE = False
    settings.HIRAKU_JOBS = "sqlite"
    settings.DATA_DIR = tmp_path
    huey = jobs.get_huey()
    yield huey
    huey.storage.close()


def test_the_sqlite_queue_keeps_jobs_in_the_data_folder_for_the_consumer(sqlite_queue, tmp_path):
    calls = []

    @jobs.job
    def remember(value):
        calls.append(value)
        return value

    assert isinstance(sqlite_queue, SqliteHuey) and not sqlite_queue.immediate
    assert jobs.queue_path() == tmp_path / "jobs.sqlite3" and jobs.queue_path().exists()
    assert remember.enqueue("queued") is None  # no result is stored: nobody would read it
    assert calls == [] and sqlite_queue.pending_count() == 1
    # Another connection (the consumer's process) sees the job.
    consumer_side = SqliteHuey("hiraku", filename=str(jobs.queue_path()))
    assert consumer_side.pending_count() == 1
    consumer_side.storage.close()
    message = sqlite_queue.dequeue()
    assert message.name.endswith("remember") and message.args == ("queued",)
    sqlite_queue.execute(message)
    assert calls == ["queued"]
    assert len(sqlite_queue.all_results()) == 0


def test_run_immediately_runs_the_jobs_of_the_block_in_process(sqlite_queue):
    calls = []

    @jobs.job
    def remember(value):
        calls.append(value)

    with jobs.run_immediately():
        remember.enqueue("now")
    assert calls == ["now"]
    remember.enqueue("later")
    assert calls == ["now"] and sqlite_queue.pending_count() == 1


def test_a_job_interrupted_by_shutdown_is_queued_again(sqlite_queue):
    @jobs.job
    def long_job(value):
        return value

    run_huey.prepare(sqlite_queue)
    task = long_job.enqueue.s("again")
    sqlite_queue.notify_interrupted_tasks()  # nothing in flight: nothing queued
    assert sqlite_queue.pending_count() == 0
    sqlite_queue._emit(SIGNAL_INTERRUPTED, task)
    assert sqlite_queue.pending_count() == 1
    assert sqlite_queue.dequeue().args == ("again",)


def test_the_consumer_knows_every_job_of_the_apps():
    autodiscover_modules(*run_huey.JOB_MODULES)
    registered = list(jobs.get_huey()._registry._registry)
    for name in ("hiraku.datastore.services.ingest_resource", "hiraku.quality.services.check_resource",
                 "hiraku.harvest.jobs.harvest_source"):
        assert any(key.endswith(name) for key in registered), name


def test_serve_runs_a_consumer_by_default_only_for_the_sqlite_queue():
    from django.core.management import CommandError

    assert wants_consumer("sqlite", None) is True
    assert wants_consumer("redis", None) is False
    assert wants_consumer("immediate", None) is False
    assert wants_consumer("redis", True) is True
    assert wants_consumer("sqlite", False) is False
    with pytest.raises(CommandError):
        wants_consumer("immediate", True)
