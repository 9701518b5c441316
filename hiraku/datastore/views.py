"""CKAN's ``/datastore/dump/<resource_id>``: the whole table as a file."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from hiraku.catalog import services as catalog

from . import dumps, services

CHUNK = 1 << 16


@require_safe
def dump(request, resource_id):
    fmt = request.GET.get("format", "csv").lower()
    bom = request.GET.get("bom", "").lower() in ("true", "1", "yes")
    try:
        table = services.get_table(str(resource_id), request.user)
        index = services.table_index(table, request.GET.get("sheet") or None)
    except catalog.NotFound as error:
        raise Http404 from error
    try:
        path = services.dump_file(table, fmt, index)
    except dumps.DumpError as error:
        return HttpResponseBadRequest(str(error.message), content_type="text/plain; charset=utf-8")
    if request.method == "GET":
        catalog.record_usage(table.resource.dataset, kind="download",
                             user_agent=request.headers.get("User-Agent", ""))
    spec = dumps.FORMATS[fmt]
    filename = services.download_name(table, fmt, index)
    if bom and fmt in ("csv", "tsv"):
        response = StreamingHttpResponse(_with_bom(path), content_type=spec.content_type)
        response["Content-Length"] = str(path.stat().st_size + len(dumps.UTF8_BOM))
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
    return FileResponse(path.open("rb"), content_type=spec.content_type, as_attachment=True, filename=filename)


def _with_bom(path):
    yield dumps.UTF8_BOM
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk
