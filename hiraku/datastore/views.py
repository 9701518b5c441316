"""CKAN's ``/datastore/dump/<resource_id>``: the whole table, or the rows a query selects, as a file."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from hiraku.catalog import services as catalog

from . import dumps, services
from . import search as table_search

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
        selection = table_search.dump_request(request.GET)
        if selection is None:
            response = _file_response(services.dump_file(table, fmt, index).open("rb"), fmt, bom)
        else:
            with services.selected_rows_file(table, fmt, selection, index) as path:
                response = _file_response(path.open("rb"), fmt, bom)  # still readable once removed
    except dumps.DumpError as error:
        return _bad_request(error.message)
    except table_search.SearchInputError as error:
        return _bad_request(f"{error.field}: {error.message}")
    except table_search.ExportTooLarge as error:
        return HttpResponse(str(error.message), status=503, content_type="text/plain; charset=utf-8")
    if request.method == "GET":
        catalog.record_usage(table.resource.dataset, kind="download",
                             user_agent=request.headers.get("User-Agent", ""))
    response["Content-Disposition"] = content_disposition_header(True, services.download_name(table, fmt, index))
    return response


def _bad_request(message) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(str(message), content_type="text/plain; charset=utf-8")


def _file_response(handle, fmt: str, bom: bool):
    content_type = dumps.FORMATS[fmt].content_type
    if bom and fmt in ("csv", "tsv"):
        size = handle.seek(0, 2)
        handle.seek(0)
        response = StreamingHttpResponse(_with_bom(handle), content_type=content_type)
        response["Content-Length"] = str(size + len(dumps.UTF8_BOM))
        return response
    return FileResponse(handle, content_type=content_type)


def _with_bom(handle):
    yield dumps.UTF8_BOM
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk
