"""`hiraku serve`: the production web server (gunicorn embedded, threaded workers).

Each worker is a separate process holding a few threads, so one slow request
(a big download, a DuckDB query) does not stall the others, and several
`hiraku serve` processes can run side by side on the scale-out stack.

With the embedded SQLite job queue the server also starts the job consumer
(`hiraku run_huey` in a child process) and stops it when it stops itself.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import subprocess
import sys
import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.core.wsgi import get_wsgi_application
from django.db import connections
from gunicorn.app.base import BaseApplication

from hiraku.core import jobs
from hiraku.core.management.commands.run_huey import PARENT_PID_ENV

logger = logging.getLogger("hiraku.jobs")

# Apache combined format plus the request time in milliseconds.
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'


def default_workers() -> int:
    """Two per core plus one (gunicorn's advice), capped so a small box is not swamped."""
    return min(2 * multiprocessing.cpu_count() + 1, 9)


def gunicorn_options(host: str, port: int, workers: int, threads: int, timeout: int) -> dict:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": timeout,
        "graceful_timeout": 30,
        "keepalive": 5,
        # Recycle workers now and then so a slow leak never grows unbounded.
        "max_requests": 2000,
        "max_requests_jitter": 200,
        "accesslog": "-",
        "errorlog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "forwarded_allow_ips": "127.0.0.1,::1",
        "proc_name": "hiraku",
        # The control socket path is per user, so a second server on the same
        # machine would take it over; nothing here uses it.
        "control_socket_disable": True,
        # Load the app once in the master so workers fork with it ready.
        "preload_app": True,
    }


class JobConsumer:
    """The job consumer the server runs beside itself: `hiraku run_huey` in a child process.

    One worker thread, so the jobs of a small site never compete with each
    other for the SQLite write lock. A consumer that dies is logged, not
    restarted; its jobs stay queued for the next start.
    """

    STOP_SECONDS = 15

    def __init__(self, site_url: str):
        self.site_url = site_url
        self.process: subprocess.Popen | None = None
        self.stopping = False
        self.owner_pid = os.getpid()
        self._lock = threading.Lock()

    def command(self) -> list[str]:
        return [sys.executable, "-m", "hiraku.cli", "run_huey", "--workers", "1"]

    def start(self) -> None:
        self.owner_pid = os.getpid()
        env = dict(os.environ, **{PARENT_PID_ENV: str(os.getpid()), "HIRAKU_SITE_URL": self.site_url})
        # Its own session: Ctrl-C in the terminal reaches the server, which then stops the consumer.
        self.process = subprocess.Popen(self.command(), env=env, start_new_session=True)
        logger.info("Started the job consumer (pid %s)", self.process.pid)
        threading.Thread(target=self._watch, name="job-consumer-watch", daemon=True).start()

    def _watch(self) -> None:
        code = self.process.wait()
        with self._lock:
            if self.stopping:
                return
        logger.error("The job consumer (pid %s) stopped unexpectedly with exit code %s; background jobs "
                     "stay queued until the server is restarted", self.process.pid, code)

    def stop(self) -> None:
        # gunicorn workers are forks of the server and leave through its stack too: only the server stops it.
        if os.getpid() != self.owner_pid:
            return
        with self._lock:
            if self.stopping or self.process is None:
                return
            self.stopping = True
        if self.process.poll() is not None:
            return
        # SIGTERM: the consumer stops at once and queues its running job again for the next start.
        self.process.terminate()
        try:
            self.process.wait(self.STOP_SECONDS)
        except subprocess.TimeoutExpired:
            logger.warning("The job consumer did not stop within %ss; killing it", self.STOP_SECONDS)
            self.process.kill()
            self.process.wait()


def wants_consumer(queue: str, requested: bool | None) -> bool:
    """Whether this server runs a job consumer: by default only for the embedded SQLite queue."""
    if queue == jobs.IMMEDIATE:
        if requested:
            raise CommandError("Jobs run immediately (HIRAKU_JOBS=immediate); there is nothing to consume "
                               "/ ジョブは即時実行されるため、ワーカーは不要です。")
        return False
    if requested is None:
        return queue == jobs.SQLITE
    return requested


def release_duckdb_threads() -> None:
    """Close DuckDB's default connection, which importing duckdb starts with threads of its own.

    A forked worker inherits the connection but not its threads; when the worker exits,
    DuckDB's cleanup joins those threads and can wait forever on an id the worker has
    since given to a thread of its own.
    """
    if "duckdb" in sys.modules:
        sys.modules["duckdb"].default_connection().close()


class HirakuServer(BaseApplication):
    """gunicorn configured from code instead of a config file."""

    def __init__(self, application, options: dict):
        self.application = application
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key not in self.cfg.settings:
                raise CommandError(f"Unknown server option / 不明なサーバー設定: {key}")
            self.cfg.set(key, value)

    def load(self):
        return self.application


class Command(BaseCommand):
    help = "Serve Hiraku with several gunicorn worker processes (static files via whitenoise)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default 8000).")
        parser.add_argument("--workers", type=int, default=default_workers(),
                            help="Worker processes (default: 2 × cores + 1, at most 9).")
        parser.add_argument("--threads", type=int, default=4, help="Threads per worker (default 4).")
        parser.add_argument("--timeout", type=int, default=60,
                            help="Seconds before a silent worker is restarted (default 60).")
        parser.add_argument("--jobs-consumer", action=argparse.BooleanOptionalAction, default=None,
                            help="Run the background-job consumer beside the server (default: only with the "
                                 "embedded SQLite queue; with Redis it runs as `hiraku run_huey`).")

    def handle(self, *args, host, port, workers, threads, timeout, jobs_consumer=None, **options):
        self.check_arguments(port, workers, threads, timeout)
        try:
            queue = jobs.mode()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        run_consumer = wants_consumer(queue, jobs_consumer)
        self.check()
        if not os.environ.get("HIRAKU_SITE_URL"):
            # Absolute links in API results (resource URLs, help) must point at this server.
            public_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
            settings.SITE_URL = f"http://{public_host}:{port}"
        application = get_wsgi_application()
        # Workers are forked from this process: they must not share its database connections.
        connections.close_all()
        jobs.close_connections()
        release_duckdb_threads()
        options = gunicorn_options(host, port, workers, threads, timeout)
        consumer = JobConsumer(settings.SITE_URL) if run_consumer else None
        if consumer is not None:
            # Once the port is bound (a server that cannot start leaves no consumer behind).
            options["when_ready"] = lambda server: consumer.start()
            options["on_exit"] = lambda server: consumer.stop()
        self.stdout.write(f"Hiraku: http://{host}:{port}/ ({workers} workers × {threads} threads)")
        self.stdout.write(f"Jobs: {jobs.describe()}"
                          + ("; consumer started by this server" if consumer else
                             "; consumer: `hiraku run_huey`" if queue != jobs.IMMEDIATE else ""))
        self.stdout.flush()
        # gunicorn parses sys.argv itself; hide the management command's arguments from it.
        sys.argv = sys.argv[:1]
        try:
            HirakuServer(application, options).run()
        finally:
            if consumer is not None:
                consumer.stop()

    @staticmethod
    def check_arguments(port: int, workers: int, threads: int, timeout: int) -> None:
        if not 0 < port < 65536:
            raise CommandError(f"The port must be 1–65535, not {port} / ポート番号は1〜65535で指定してください。")
        for name, value in (("workers", workers), ("threads", threads), ("timeout", timeout)):
            if value < 1:
                raise CommandError(f"--{name} must be at least 1 / --{name} は1以上で指定してください。")
