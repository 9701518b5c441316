"""Harvest benchmark: datasets per second copied from a CKAN-API source over HTTP.

`hiraku bench harvest --datasets N` builds a SOURCE Hiraku in a scratch data
directory (the search benchmark's synthetic municipal catalog, bulk-loaded and
indexed), serves it with `hiraku serve` on loopback, then runs a full harvest
into a second scratch data directory (SQLite, the embedded default) and an
incremental re-run. Every dataset goes through the catalog services (validation,
activity, search index), as in production. Nothing touches the deployment's data.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile

from hiraku.core.benchkit import free_port, http_get, wait_until_serving

RUN_SNIPPET = """
import json
from hiraku.harvest.models import HarvestSource
from hiraku.harvest.services import run_source
run = run_source(HarvestSource.objects.get(pk=1))
print("RESULT " + json.dumps({"status": run.status, "added": run.added, "updated": run.updated,
      "unchanged": run.unchanged, "deleted": run.deleted, "errors": run.errors,
      "seconds": (run.finished - run.started).total_seconds(),
      "report": [line for line in run.report if line["level"] != "info"][:5]}))
"""


def add_arguments(parser) -> None:
    parser.add_argument("--datasets", type=int, default=10_000, help="datasets in the source catalog")
    parser.add_argument("--seed", type=int, default=37201)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directories")


class Site:
    def __init__(self, data_dir: str):
        self.env = {k: v for k, v in os.environ.items()
                    if k not in {"DATABASE_URL", "REDIS_URL", "HIRAKU_S3_BUCKET", "HIRAKU_SEARCH_BACKEND"}}
        # Jobs run in process, as the runs measured here always did: no consumer beside the servers.
        self.env.update(HIRAKU_DATA_DIR=data_dir, HIRAKU_LOG_LEVEL="WARNING", HIRAKU_DEBUG="0",
                        DJANGO_SETTINGS_MODULE="hiraku.settings", HIRAKU_JOBS="immediate")

    def hiraku(self, *args: str) -> str:
        return subprocess.run([sys.executable, "-m", "hiraku.cli", *args], env=self.env, check=True,
                              capture_output=True, text=True).stdout


def main(options: dict, stdout) -> None:
    def log(message: str) -> None:
        stdout.write(message + "\n")
        stdout.flush()

    n = options["datasets"]
    scratch = tempfile.mkdtemp(prefix="hiraku-bench-harvest-")
    source, target = Site(os.path.join(scratch, "source")), Site(os.path.join(scratch, "target"))
    server = None
    log(f"Scratch data directories: {scratch}/source and {scratch}/target")
    try:
        source.hiraku("migrate", "-v", "0")
        log(f"Building a source catalog of {n:,} synthetic datasets (bulk load + index)…")
        loaded = json.loads(source.hiraku("bench", "search", "--load-into-current-database", "--datasets", str(n),
                                          "--seed", str(options["seed"])).strip().splitlines()[-1])
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "hiraku.cli", "serve", "--port", str(port),
                                   "--workers", "1"], env=source.env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(port, server, "/api/3/action/status_show")
        public = json.loads(http_get(port, "/api/3/action/package_search?rows=0")[2])["result"]["count"]
        log(f"  source serves {public:,} public datasets at {url} (bulk load {loaded['load_seconds']:.1f} s,"
            f" index {loaded['index_seconds']:.1f} s)")
        target.hiraku("migrate", "-v", "0")
        target.hiraku("shell", "-c", "from hiraku.catalog.models import Organization\n"
                                     "Organization.objects.create(name='harvested', title='Harvested')")
        target.hiraku("harvest", "add", url, "--type", "ckan", "--org", "harvested")
        log("Full harvest into an empty catalog…")
        full = _run(target)
        log("Incremental re-run (nothing changed)…")
        again = _run(target)
        rate = full["added"] / full["seconds"] if full["seconds"] else 0.0
        log("")
        log(f"Source datasets (public): {public:,}")
        log(f"Full harvest:        {full['added']:,} added, {full['errors']} errors, status {full['status']},"
            f" {full['seconds']:.1f} s → {rate:.1f} datasets/s")
        log(f"Incremental re-run:  {again['unchanged']:,} unchanged, {again['updated']} updated,"
            f" {again['seconds']:.1f} s")
        for line in full["report"]:
            log(f"  {line['level']}: {line['remote']}: {line['message']}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if not options["keep"]:
            shutil.rmtree(scratch, ignore_errors=True)


def _run(site: Site) -> dict:
    output = site.hiraku("shell", "-c", RUN_SNIPPET)
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))
