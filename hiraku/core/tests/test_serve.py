"""`hiraku serve`: gunicorn configuration and a real start-up on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.core.management import CommandError, call_command

from hiraku.core.management.commands.serve import HirakuServer, default_workers, gunicorn_options


def test_options_use_threaded_workers_with_timeouts_and_an_access_log():
    options = gunicorn_options("0.0.0.0", 8080, workers=3, threads=4, timeout=60)
    assert options["bind"] == "0.0.0.0:8080"
    assert (options["worker_class"], options["workers"], options["threads"]) == ("gthread", 3, 4)
    assert options["timeout"] == 60 and options["graceful_timeout"] > 0
    assert options["accesslog"] == "-"
    assert options["control_socket_disable"] is True


def test_every_option_is_a_gunicorn_setting():
    server = HirakuServer(application=lambda environ, start_response: [], options=gunicorn_options(
        "127.0.0.1", 8000, workers=2, threads=2, timeout=30))
    assert server.cfg.worker_class_str == "gthread"
    assert server.cfg.threads == 2 and server.cfg.workers == 2


def test_default_workers_is_bounded():
    assert 3 <= default_workers() <= 9


@pytest.mark.parametrize("arguments", [["--port", "0"], ["--port", "70000"], ["--workers", "0"], ["--threads", "0"]])
def test_bad_arguments_are_refused_before_starting(arguments):
    with pytest.raises(CommandError):
        call_command("serve", *arguments)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> bytes:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_serves_pages_and_static_files_from_several_workers(tmp_path):
    # Always an embedded SQLite in its own folder, whichever database the suite runs on.
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "HIRAKU_S3_BUCKET"}}
    env["HIRAKU_DATA_DIR"] = str(tmp_path)
    cli = [sys.executable, "-m", "hiraku.cli"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True, timeout=120)
    port = free_port()
    server = subprocess.Popen([*cli, "serve", "--port", str(port), "--workers", "2"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/api/3/action/status_show")
        css = wait_for(f"http://127.0.0.1:{port}/static/admin/css/base.css")
        assert len(css) > 1000
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "Using worker: gthread" in output
    assert output.count("Booting worker") >= 2
    assert '"GET /static/admin/css/base.css HTTP/1.1" 200' in output
