"""`hiraku serve`: gunicorn configuration and a real start-up on a free port."""

from __future__ import annotations

import os
import re
import signal
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


def test_a_wrong_job_queue_setting_is_refused_before_starting(settings):
    settings.HIRAKU_JOBS_IMMEDIATE = False
    settings.HIRAKU_JOBS = "celery"
    with pytest.raises(CommandError, match="HIRAKU_JOBS"):
        call_command("serve")
    with pytest.raises(CommandError, match="HIRAKU_JOBS"):
        call_command("run_huey")


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


def read_log(path) -> str:
    return path.read_text(errors="replace")


def wait_until(condition, seconds: float = 30, interval: float = 0.1):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def test_the_embedded_sqlite_queue_runs_upload_jobs_in_the_consumer_serve_starts(tmp_path):
    import requests

    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "HIRAKU_S3_BUCKET", "HIRAKU_JOBS_IMMEDIATE"}}
    env.update(HIRAKU_DATA_DIR=str(tmp_path), HIRAKU_JOBS="sqlite")
    cli = [sys.executable, "-m", "hiraku.cli"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True, timeout=120)
    token = subprocess.run([*cli, "shell", "-c", (
        "from django.contrib.auth import get_user_model\n"
        "from hiraku.accounts.tokens import api_token_create\n"
        "user = get_user_model().objects.create_superuser('root', '', 'pw-root-long-0001')\n"
        "print(api_token_create(user, user, 'jobs')[1])"
    )], env=env, check=True, capture_output=True, text=True, timeout=120).stdout.strip().splitlines()[-1]
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        server = subprocess.Popen([*cli, "serve", "--port", str(port), "--workers", "1"], env=env,
                                  stdout=output, stderr=subprocess.STDOUT, text=True)
    site = f"http://127.0.0.1:{port}/api/3/action/"
    session = requests.Session()
    session.headers["Authorization"] = token

    def call(action, files=None, **data):
        if files:
            response = session.post(site + action, data=data, files=files, timeout=30)
        else:
            response = session.post(site + action, json=data, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()["result"]

    try:
        wait_for(f"{site}status_show")
        assert "Jobs: SQLite queue" in read_log(log)
        consumer_pid = wait_until(lambda: re.search(r"Started the job consumer \(pid (\d+)\)", read_log(log)))
        assert consumer_pid, read_log(log)
        consumer_pid = int(consumer_pid.group(1))
        call("organization_create", name="sakaide-city", title="坂出市", lgcode="372030")
        call("package_create", name="shelters", title="避難所", owner_org="sakaide-city")
        rows = "".join(f"{n},避難所{n},{34 + n / 1000:.3f}\n" for n in range(200))
        csv = ("番号,名称,緯度\n" + rows).encode()
        resource = call("resource_create", files={"upload": ("shelters.csv", csv, "text/csv")},
                        package_id="shelters", name="避難所一覧", format="CSV")
        seen = []

        def finished():
            status = call("datastore_status", resource_id=resource["id"])
            if not seen or seen[-1] != status["status"]:
                seen.append(status["status"])
            return status if status["status"] in ("done", "error") else None

        status = wait_until(finished, seconds=60, interval=0.05)
        assert status and status["status"] == "done", (status, read_log(log))
        assert status["row_count"] == 200 and status["progress"] == {"done": 200, "total": 200}
        # The statuses only move forward; the job ran in the consumer, not in the web worker.
        order = ["pending", "running", "done"]
        assert seen == sorted(seen, key=order.index), seen
        assert status["queued"] <= status["started"] <= status["finished"]
        assert wait_until(lambda: re.search(r"Executing \S+\.check_resource: ", read_log(log))), read_log(log)
        assert re.search(r"Executing \S+\.ingest_resource: ", read_log(log))
        assert call("package_show", id="shelters")["resources"][0]["datastore_active"] is True
        # Searching runs Arrow's and DuckDB's threads in the worker; it must still exit at once (below).
        found = call("datastore_search", resource_id=resource["id"], q="避難所1", sort="緯度 desc", limit=3)
        assert found["total"] == 111 and [r["名称"] for r in found["records"]] == ["避難所199", "避難所198", "避難所197"]

        # A consumer that dies is reported; the server keeps serving.
        os.kill(consumer_pid, signal.SIGKILL)
        assert wait_until(lambda: "stopped unexpectedly" in read_log(log)), read_log(log)
        assert call("datastore_status", resource_id=resource["id"])["status"] == "done"
    finally:
        stopping = time.monotonic()
        server.terminate()
        server.wait(timeout=30)
    assert time.monotonic() - stopping < 10, read_log(log)
    assert "database is locked" not in read_log(log)


def test_serve_stops_the_consumer_it_started(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "HIRAKU_S3_BUCKET", "HIRAKU_JOBS_IMMEDIATE"}}
    env.update(HIRAKU_DATA_DIR=str(tmp_path), HIRAKU_JOBS="sqlite")
    cli = [sys.executable, "-m", "hiraku.cli"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True, timeout=120)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        server = subprocess.Popen([*cli, "serve", "--port", str(port), "--workers", "1"], env=env,
                                  stdout=output, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/api/3/action/status_show")
        started = wait_until(lambda: re.search(r"Started the job consumer \(pid (\d+)\)", read_log(log)))
        assert started, read_log(log)
        consumer_pid = int(started.group(1))
        assert wait_until(lambda: "Huey consumer started" in read_log(log)), read_log(log)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert wait_until(lambda: not process_alive(consumer_pid), seconds=10), read_log(log)
    assert "stopped unexpectedly" not in read_log(log)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
