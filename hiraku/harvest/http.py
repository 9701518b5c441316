"""Fetching remote documents for harvesting: bounded in time and size, failures as HarvestError.

Everything the harvesters need from the network goes through `Fetcher.get`,
so tests replace the transport with a fake and no code path can hang or
read an unbounded body."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlencode, urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _

import hiraku

USER_AGENT = f"Hiraku-Harvester/{getattr(hiraku, '__version__', '1')} (+https://github.com/hiraku)"
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0


class HarvestError(Exception):
    """A remote document could not be fetched or understood; the message is for the run report."""


@dataclass
class Response:
    url: str
    status: int
    content_type: str
    body: bytes


def with_params(url: str, params: dict | None) -> str:
    if not params:
        return url
    return url + ("&" if "?" in url else "?") + urlencode(params)


class RequestsTransport:
    """The real network: streamed GET with connect/read time-outs, a total deadline and a size cap."""

    def __init__(self, *, timeout: float, max_bytes: int):
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT})

    def get(self, url: str, accept: str) -> Response:
        deadline = time.monotonic() + self.timeout * 4
        try:
            with self.session.get(url, headers={"Accept": accept}, stream=True,
                                  timeout=(self.timeout, self.timeout)) as reply:
                declared = reply.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > self.max_bytes:
                    raise HarvestError(_too_large(url, self.max_bytes))
                chunks, size = [], 0
                for chunk in reply.iter_content(65536):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise HarvestError(_too_large(url, self.max_bytes))
                    if time.monotonic() > deadline:
                        raise HarvestError(_("%(url)s: the server took too long to send its answer.") % {"url": url})
                    chunks.append(chunk)
                return Response(reply.url, reply.status_code, reply.headers.get("Content-Type", ""), b"".join(chunks))
        except requests.Timeout:
            raise HarvestError(_("%(url)s: no answer within %(seconds)s seconds (time-out).")
                               % {"url": url, "seconds": f"{self.timeout:g}"}) from None
        except requests.ConnectionError as error:
            raise HarvestError(_("%(url)s: could not connect (%(reason)s).")
                               % {"url": url, "reason": _short_reason(error)}) from None
        except requests.RequestException as error:
            raise HarvestError(_("%(url)s: request failed (%(reason)s).")
                               % {"url": url, "reason": _short_reason(error)}) from None


def _too_large(url: str, limit: int) -> str:
    return _("%(url)s: the answer is larger than the %(megabytes)s MB limit.") % {
        "url": url, "megabytes": f"{limit / 1024 / 1024:g}"}


def _short_reason(error: Exception) -> str:
    text = str(error)
    return text if len(text) <= 200 else text[:200] + "…"


class Fetcher:
    """GET documents and JSON with clear errors; `transport` is swappable for tests."""

    def __init__(self, transport=None, *, timeout: float | None = None, max_bytes: int | None = None):
        # Django settings win (tests), then the environment (operators), then the defaults.
        self.timeout = timeout if timeout is not None else float(getattr(
            settings, "HIRAKU_HARVEST_TIMEOUT", None) or os.environ.get("HIRAKU_HARVEST_TIMEOUT") or DEFAULT_TIMEOUT)
        self.max_bytes = max_bytes if max_bytes is not None else int(getattr(
            settings, "HIRAKU_HARVEST_MAX_BYTES", None) or os.environ.get("HIRAKU_HARVEST_MAX_BYTES")
            or DEFAULT_MAX_BYTES)
        self.transport = transport or RequestsTransport(timeout=self.timeout, max_bytes=self.max_bytes)
        self.requests = 0

    def get(self, url: str, params: dict | None = None, *, accept: str = "*/*") -> Response:
        full_url = with_params(url, params)
        self.requests += 1
        if urlsplit(full_url).scheme == "file":
            return self._read_file(full_url)
        response = self.transport.get(full_url, accept)
        if len(response.body) > self.max_bytes:
            raise HarvestError(_too_large(full_url, self.max_bytes))
        if response.status >= 400:
            raise HarvestError(_("%(url)s: the server answered HTTP %(status)s.")
                               % {"url": full_url, "status": response.status})
        return response

    def _read_file(self, url: str) -> Response:
        path = Path(unquote(urlsplit(url).path))
        try:
            if path.stat().st_size > self.max_bytes:
                raise HarvestError(_too_large(url, self.max_bytes))
            body = path.read_bytes()
        except OSError as error:
            raise HarvestError(_("%(url)s: cannot read the file (%(reason)s).")
                               % {"url": url, "reason": error.strerror or error}) from None
        return Response(url, 200, "", body)

    def get_json(self, url: str, params: dict | None = None):
        response = self.get(url, params, accept="application/json")
        full_url = with_params(url, params)
        if response.body.lstrip()[:1] == b"<" or "html" in response.content_type.lower():
            raise HarvestError(_("%(url)s: expected JSON but received an HTML page; is this the right address?")
                               % {"url": full_url})
        try:
            return json.loads(response.body)
        except (UnicodeDecodeError, ValueError) as error:
            raise HarvestError(_("%(url)s: the answer is not valid JSON (%(reason)s).")
                               % {"url": full_url, "reason": _short_reason(error)}) from None
