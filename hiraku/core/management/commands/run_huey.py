"""`hiraku run_huey`: the background-job consumer.

On the scale-out stack (REDIS_URL) it is deployed as its own service. With
the embedded SQLite queue `hiraku serve` starts one itself, so running it by
hand is only needed when serve is told not to (`--no-jobs-consumer`). With
immediate jobs there is nothing to consume and the command says so.
"""

from __future__ import annotations

import logging
import os
import signal
import threading

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils.module_loading import autodiscover_modules
from huey.signals import SIGNAL_INTERRUPTED

from hiraku.core import jobs

logger = logging.getLogger("hiraku.jobs")

# Apps declare jobs with @hiraku.core.jobs.job in modules of these names;
# importing them registers the jobs with the queue before consuming.
JOB_MODULES = ("jobs", "tasks", "services")
# Set by `hiraku serve` on the consumer it starts: the consumer stops when that process is gone.
PARENT_PID_ENV = "HIRAKU_JOBS_PARENT_PID"


class Command(BaseCommand):
    help = "Consume background jobs from the queue (Redis, or the embedded SQLite queue)."

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=2, help="Worker threads (default 2).")

    def handle(self, *args, workers: int, **options):
        try:
            queue = jobs.mode()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        if queue == jobs.IMMEDIATE:
            raise CommandError(
                "Jobs run inside the calling process (HIRAKU_JOBS=immediate); no consumer is needed "
                "/ ジョブは呼び出したプロセス内で実行されるため、ワーカーは不要です。"
            )
        if workers < 1:
            raise CommandError("--workers must be at least 1 / --workers は1以上で指定してください。")
        autodiscover_modules(*JOB_MODULES)
        huey = jobs.get_huey()
        prepare(huey)
        threads = f"{workers} worker thread{'s' if workers > 1 else ''}"
        self.stdout.write(f"Consuming jobs from the {jobs.describe()} with {threads}")
        self.stdout.flush()
        consumer = huey.create_consumer(workers=workers, worker_type="thread", max_delay=jobs.MAX_POLL_DELAY)
        parent = os.environ.get(PARENT_PID_ENV)
        if parent:
            watch_parent(int(parent))
        consumer.run()


def prepare(huey) -> None:
    """Hooks of a long-running consumer: fresh database connections, no job lost on shutdown."""

    # Like a web request: drop connections that are broken or past CONN_MAX_AGE.
    huey.pre_execute(name="close_old_connections")(lambda task: close_old_connections())
    huey.post_execute(name="close_old_connections")(lambda task, value, exc: close_old_connections())

    @huey.signal(SIGNAL_INTERRUPTED)
    def requeue(signal_name, task, *args, **kwargs):
        # A stopped consumer drops the job it was running; every job starts over
        # from its arguments, so queue it again for the next start.
        logger.warning("Job %s was interrupted by shutdown; queued again", task.name)
        huey.enqueue(task)


def watch_parent(parent_pid: int, interval: float = 1.0) -> threading.Thread:
    """Stop this consumer (as on SIGTERM) once the process that started it has gone."""

    def watch():
        while True:
            threading.Event().wait(interval)
            if os.getppid() != parent_pid:
                logger.warning("The server that started this job consumer has stopped; stopping too")
                os.kill(os.getpid(), signal.SIGTERM)
                return

    thread = threading.Thread(target=watch, name="parent-watch", daemon=True)
    thread.start()
    return thread
