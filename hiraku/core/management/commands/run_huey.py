"""`hiraku run_huey`: the background-job worker for the scale-out stack (REDIS_URL set).

Without Redis, jobs run inside the web process as they are enqueued, so
there is nothing for a worker to do and the command says so.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import autodiscover_modules

from hiraku.core.jobs import get_huey

# Apps declare jobs with @hiraku.core.jobs.job in modules of these names;
# importing them registers the jobs with the queue before consuming.
JOB_MODULES = ("jobs", "tasks")


class Command(BaseCommand):
    help = "Consume background jobs from the Redis queue."

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=2, help="Worker threads (default 2).")

    def handle(self, *args, workers: int, **options):
        if settings.HIRAKU_JOBS_IMMEDIATE or not settings.REDIS_URL:
            raise CommandError(
                "Jobs run inside the web process because REDIS_URL is not set (or HIRAKU_JOBS_IMMEDIATE is on); "
                "no worker is needed / REDIS_URL が未設定のためジョブはWebプロセス内で実行されます。"
            )
        if workers < 1:
            raise CommandError("--workers must be at least 1 / --workers は1以上で指定してください。")
        autodiscover_modules(*JOB_MODULES)
        huey = get_huey()
        self.stdout.write(f"Consuming jobs from {settings.REDIS_URL} with {workers} threads")
        huey.create_consumer(workers=workers, worker_type="thread").run()
