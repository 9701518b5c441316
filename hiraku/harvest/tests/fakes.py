"""A fake network for harvest tests: canned answers per URL, and a record of every request."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from hiraku.harvest.http import Fetcher, HarvestError, Response


class FakeTransport:
    def __init__(self, handler: Callable[[str, dict], Response | dict | list | str | Exception]):
        self.handler = handler
        self.urls: list[str] = []

    def get(self, url: str, accept: str) -> Response:
        self.urls.append(url)
        parts = urlsplit(url)
        params = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        answer = self.handler(parts.scheme + "://" + parts.netloc + parts.path, params)
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, Response):
            return answer
        if isinstance(answer, str):
            return Response(url, 200, "text/turtle", answer.encode())
        return Response(url, 200, "application/json", json.dumps(answer).encode())

    def params(self, index: int) -> dict:
        return {key: values[-1] for key, values in parse_qs(urlsplit(self.urls[index]).query).items()}


def fetcher(handler) -> Fetcher:
    return Fetcher(FakeTransport(handler), timeout=1, max_bytes=1024 * 1024)


def ok(result) -> dict:
    return {"help": "", "success": True, "result": result}


def package(number: int, **overrides) -> dict:
    data = {
        "id": f"00000000-0000-0000-0000-{number:012d}",
        "name": f"dataset-{number}",
        "title": f"データセット{number}",
        "notes": "説明",
        "license_id": "cc-by-4.0",
        "metadata_modified": "2025-01-01T00:00:00.000000",
        "tags": [{"name": "防災"}, {"name": "避難所"}],
        "groups": [],
        "extras": [],
        "resources": [{"name": "CSV", "url": f"https://data.example.jp/{number}.csv", "format": "CSV",
                       "description": ""}],
    }
    data.update(overrides)
    return data


class FakeCkan:
    """An in-memory CKAN: package_search pages sorted by id, package_list, and a request log."""

    def __init__(self, packages: list[dict]):
        self.packages = {p["id"]: p for p in packages}
        self.transport = FakeTransport(self.handle)
        self.fetcher = Fetcher(self.transport, timeout=1, max_bytes=1024 * 1024)

    def handle(self, url: str, params: dict):
        action = url.rsplit("/", 1)[-1]
        ordered = sorted(self.packages.values(), key=lambda p: p["id"])
        if action == "package_search":
            fq = params.get("fq", "")
            if "metadata_modified:[" in fq:
                since = fq.split("metadata_modified:[", 1)[1].split(" TO", 1)[0].rstrip("Z")
                ordered = [p for p in ordered if p["metadata_modified"] >= since]
            if "organization:" in fq:
                org = fq.split("organization:", 1)[1].split()[0]
                ordered = [p for p in ordered if (p.get("organization") or {}).get("name") == org]
            start, rows = int(params.get("start", 0)), int(params.get("rows", 10))
            return ok({"count": len(ordered), "results": ordered[start:start + rows]})
        if action == "package_list":
            names = sorted(p["name"] for p in ordered)
            offset, limit = int(params.get("offset", 0)), int(params.get("limit", len(names)))
            return ok(names[offset:offset + limit])
        return HarvestError(f"unexpected action {action}")
