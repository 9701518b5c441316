"""Downloading a resource: uploaded files stream from the configured storage,
linked resources redirect to their address. Each download by a person counts."""

from __future__ import annotations

import mimetypes

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from hiraku.catalog import services

from .public import resource_or_404


def _content_type(resource) -> str:
    return resource.mimetype or mimetypes.guess_type(resource.original_filename)[0] or "application/octet-stream"


def _is_local(storage) -> bool:
    try:
        storage.path("probe")
    except NotImplementedError:
        return False
    return True


def _remote_file_url(storage, resource) -> str:
    """A (signed) storage URL that makes the store send our name and type itself."""
    name = resource.file.name
    if hasattr(storage, "bucket_name"):  # S3-compatible: ask for the response headers we would send
        return storage.url(name, parameters={
            "ResponseContentDisposition": content_disposition_header(True, resource.original_filename),
            "ResponseContentType": _content_type(resource),
        })
    return storage.url(name)


def _stream_file(storage, resource) -> FileResponse:
    try:
        handle = storage.open(resource.file.name, "rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    return FileResponse(handle, as_attachment=True, filename=resource.original_filename,
                            content_type=_content_type(resource))


@require_safe
def resource_download(request, dataset, resource_id, filename):
    resource = resource_or_404(dataset, resource_id, request.user)
    if not resource.file and not resource.url:
        raise Http404
    if request.method == "GET":
        services.record_usage(resource.dataset, kind="download", user_agent=request.headers.get("User-Agent", ""))
    if not resource.file:
        return HttpResponseRedirect(resource.url)
    storage = default_storage
    if _is_local(storage):
        return _stream_file(storage, resource)
    return HttpResponseRedirect(_remote_file_url(storage, resource))
