"""`hiraku serve`: the production web server (gunicorn embedded, threaded workers).

Each worker is a separate process holding a few threads, so one slow request
(a big download, a DuckDB query) does not stall the others, and several
`hiraku serve` processes can run side by side on the scale-out stack.
"""

from __future__ import annotations

import multiprocessing
import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.core.wsgi import get_wsgi_application
from django.db import connections
from gunicorn.app.base import BaseApplication

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

    def handle(self, *args, host, port, workers, threads, timeout, **options):
        self.check_arguments(port, workers, threads, timeout)
        self.check()
        if not os.environ.get("HIRAKU_SITE_URL"):
            # Absolute links in API results (resource URLs, help) must point at this server.
            public_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
            settings.SITE_URL = f"http://{public_host}:{port}"
        application = get_wsgi_application()
        # Workers are forked from this process: they must not share its database connections.
        connections.close_all()
        options = gunicorn_options(host, port, workers, threads, timeout)
        self.stdout.write(f"Hiraku: http://{host}:{port}/ ({workers} workers × {threads} threads)")
        # gunicorn parses sys.argv itself; hide the management command's arguments from it.
        sys.argv = sys.argv[:1]
        HirakuServer(application, options).run()

    @staticmethod
    def check_arguments(port: int, workers: int, threads: int, timeout: int) -> None:
        if not 0 < port < 65536:
            raise CommandError(f"The port must be 1–65535, not {port} / ポート番号は1〜65535で指定してください。")
        for name, value in (("workers", workers), ("threads", threads), ("timeout", timeout)):
            if value < 1:
                raise CommandError(f"--{name} must be at least 1 / --{name} は1以上で指定してください。")
