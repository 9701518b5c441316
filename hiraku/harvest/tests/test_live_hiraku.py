"""Harvest one running Hiraku from another over loopback.

The SOURCE is a real `hiraku serve` subprocess with the demo catalog (24 Takamatsu
datasets) in its own SQLite data directory; the harvest writes into the test
database (SQLite or PostgreSQL). Changes on the source are made with
`hiraku shell` through the catalog services, as staff would make them."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from hiraku.catalog import services as catalog
from hiraku.catalog.models import Dataset, Organization, State
from hiraku.harvest import services
from hiraku.harvest.models import HarvestedDataset, HarvestSource

from .conftest import make_user


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SourceHiraku:
    def __init__(self, data_dir):
        self.env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "HIRAKU_S3_BUCKET"}}
        self.env.update(HIRAKU_DATA_DIR=str(data_dir), HIRAKU_LOG_LEVEL="WARNING")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def hiraku(self, *args: str) -> str:
        return subprocess.run([sys.executable, "-m", "hiraku.cli", *args], env=self.env, check=True, timeout=300,
                              capture_output=True, text=True).stdout

    def start(self) -> None:
        self.hiraku("migrate", "-v", "0")
        self.hiraku("demo")
        self.process = subprocess.Popen([sys.executable, "-m", "hiraku.cli", "serve", "--port", str(self.port),
                                         "--workers", "1"], env=self.env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                self.action("status_show")
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.3)

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=30)

    def action(self, name: str, **params):
        query = "&".join(f"{k}={v}" for k, v in params.items())
        with urllib.request.urlopen(f"{self.url}/api/3/action/{name}?{query}", timeout=10) as response:
            return json.load(response)["result"]

    def change(self, code: str) -> None:
        """Run catalog service calls on the source as its site admin (`admin`, made by `hiraku demo`)."""
        prelude = ("from django.contrib.auth import get_user_model\nfrom hiraku.catalog import services\n"
                   "admin = get_user_model().objects.get(username='admin')\n")
        self.hiraku("shell", "-c", prelude + code)


@pytest.fixture(scope="module")
def source_site(tmp_path_factory):
    site = SourceHiraku(tmp_path_factory.mktemp("source-hiraku"))
    site.start()
    yield site
    site.stop()


@pytest.fixture
def target(db):
    organization = Organization.objects.create(name="kagawa", title="香川県")
    return organization


def names(dataset_dicts) -> set[str]:
    return {d["name"] for d in dataset_dicts}


def test_copies_everything_then_follows_changes_and_deletions(source_site, target):
    source = HarvestSource.objects.create(url=source_site.url + "/", source_type="ckan", organization=target)
    remote = source_site.action("package_search", rows=1000)
    assert remote["count"] == 24

    first = services.run_source(source)
    assert (first.status, first.added, first.errors) == ("success", 24, 0), first.report
    local = {d.name: d for d in Dataset.objects.filter(state=State.ACTIVE)}
    assert set(local) == names(remote["results"])
    for package in remote["results"]:
        dataset = local[package["name"]]
        assert dataset.title == package["title"] and dataset.license_id == package["license_id"]
        assert sorted(t.name for t in dataset.tags.all()) == sorted(t["name"] for t in package["tags"])
        assert sorted(r.url for r in dataset.resources.all()) == sorted(r["url"] for r in package["resources"])
        link = HarvestedDataset.objects.get(dataset=dataset)
        assert link.remote_id == package["id"] and link.original_url == f"{source_site.url}/dataset/{package['name']}"
        assert link.remote_modified == package["metadata_modified"]

    changed, removed = sorted(local)[0], sorted(local)[1]
    source_site.change(f"d = services.get_dataset('{changed}', admin)\n"
                       "data = services.dataset_form_data(d)\ndata['title'] = '更新されたタイトル'\n"
                       "services.update_dataset(admin, d, data)\n")
    second = services.run_source(source)
    assert second.incremental_since is not None
    assert (second.status, second.added, second.updated, second.deleted) == ("success", 0, 1, 0), second.report
    assert Dataset.objects.get(name=changed).title == "更新されたタイトル"

    source_site.change(f"services.delete_dataset(admin, services.get_dataset('{removed}', admin))\n")
    third = services.run_source(source)
    assert (third.status, third.deleted, third.added) == ("success", 1, 0), third.report
    assert Dataset.objects.get(name=removed).state == State.DELETED
    assert Dataset.objects.filter(state=State.ACTIVE).count() == 23


def test_a_local_dataset_with_a_remote_name_is_left_untouched(source_site, target):
    remote = source_site.action("package_search", rows=1000)
    taken = sorted(names(remote["results"]))[-1]
    admin = make_user("site-admin", is_superuser=True)
    local = catalog.create_dataset(admin, {"title": "ローカル", "name": taken, "organization": "kagawa",
                                           "license_id": "cc-by-4.0", "update_frequency": "IRREG",
                                           "state": "active"})
    source = HarvestSource.objects.create(url=source_site.url, source_type="ckan", organization=target)
    run = services.run_source(source)
    # The source may have lost a dataset in another test of this module: compare with what it lists now.
    assert run.status == "partial" and run.errors == 1 and run.added == remote["count"] - 1
    assert [line["remote"] for line in run.report if line["level"] == "error"] == [taken]
    local.refresh_from_db()
    assert local.title == "ローカル" and not local.resources.exists()
    assert not HarvestedDataset.objects.filter(dataset=local).exists()


def test_a_source_that_never_answers_times_out_and_writes_nothing(target, settings):
    settings.HIRAKU_HARVEST_TIMEOUT = 1
    with socket.socket() as silent:  # accepts connections (kernel backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        source = HarvestSource.objects.create(url=f"http://127.0.0.1:{port}/", source_type="ckan",
                                              organization=target)
        started = time.monotonic()
        run = services.run_source(source)
    assert time.monotonic() - started < 15
    assert run.status == "failed" and "time-out" in run.report[0]["message"]
    assert not Dataset.objects.exists() and not HarvestedDataset.objects.exists()


class _HtmlHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body = "<!DOCTYPE html><html><body><h1>ようこそ</h1></body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("source_type", ["ckan", "dcat"])
def test_a_source_that_returns_html_is_reported_and_writes_nothing(target, source_type):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HtmlHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        source = HarvestSource.objects.create(url=f"http://127.0.0.1:{server.server_port}/", source_type=source_type,
                                              organization=target)
        run = services.run_source(source)
    finally:
        server.shutdown()
    assert run.status == "failed" and "HTML" in run.report[0]["message"]
    assert not Dataset.objects.exists()


def test_harvests_the_dcat_catalog_of_a_running_hiraku(source_site, target):
    remote = source_site.action("package_search", rows=1000)
    source = HarvestSource.objects.create(url=f"{source_site.url}/catalog.ttl", source_type="dcat",
                                          organization=target)
    run = services.run_source(source)
    assert (run.status, run.added, run.errors) == ("success", remote["count"], 0), run.report
    for package in remote["results"]:
        dataset = Dataset.objects.get(name=package["name"])
        assert (dataset.title, dataset.license_id) == (package["title"], package["license_id"])
        assert sorted(r.url for r in dataset.resources.all()) == sorted(r["url"] for r in package["resources"])
        assert HarvestedDataset.objects.get(dataset=dataset).original_url == f"{source_site.url}/dataset/{package['name']}"
    again = services.run_source(source)
    assert (again.status, again.unchanged, again.updated) == ("success", remote["count"], 0)
