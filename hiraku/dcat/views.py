"""DCAT-AP endpoints: the paged catalog, one dataset, and content negotiation."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from hiraku.catalog import services as catalog_services

from . import serialize, services

HTML = "text/html"


def _rdf_response(graph, fmt: str) -> HttpResponse:
    _rdflib_format, media_type = serialize.FORMATS[fmt]
    response = HttpResponse(serialize.serialize(graph, fmt), content_type=f"{media_type}; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _parse_modified_since(value: str):
    value = value.strip()
    moment = parse_datetime(value.replace(" ", "+"))  # a '+' offset arrives as a space when not escaped
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ValueError(value)
        moment = timezone.datetime(day.year, day.month, day.day)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@require_safe
def catalog(request, fmt: str):
    try:
        page_number = int(request.GET.get("page", "1"))
    except ValueError:
        return HttpResponseBadRequest(_("page must be a positive whole number."))
    modified_since = None
    if request.GET.get("modified_since"):
        try:
            modified_since = _parse_modified_since(request.GET["modified_since"])
        except ValueError:
            return HttpResponseBadRequest(_("modified_since must be an ISO 8601 date or date and time."))
    q = request.GET.get("q", "").strip()
    try:
        page = services.catalog_page(request.user, page=page_number, q=q, modified_since=modified_since)
    except services.InvalidPage:
        if page_number < 1:
            return HttpResponseBadRequest(_("page must be a positive whole number."))
        raise Http404 from None

    def page_url(number: int) -> str:
        params = {key: value for key, value in (("q", q), ("modified_since", request.GET.get("modified_since", "")))
                  if value}
        params["page"] = str(number)
        return serialize.absolute(f"{request.path}?{urlencode(params)}")

    paging = serialize.Page(
        number=page.number, per_page=page.per_page, total=page.total, url=page_url(page.number),
        first=page_url(1), last=page_url(page.last),
        next=page_url(page.number + 1) if page.number < page.last else None,
        previous=page_url(page.number - 1) if page.number > 1 else None,
    )
    graph = serialize.catalog_graph(page.datasets, publisher=services.catalog_publisher(),
                                    modified=services.catalog_modified(request.user), page=paging)
    return _rdf_response(graph, fmt)


@require_safe
def dataset(request, dataset: str, fmt: str):
    try:
        found = catalog_services.get_dataset(dataset, request.user)
    except catalog_services.NotFound as missing:
        raise Http404 from missing
    return _rdf_response(serialize.dataset_graph(found), fmt)


def negotiate_rdf(view):
    """Serve the dataset as RDF when the client prefers an RDF media type over HTML.

    Wraps the dataset page view; browsers keep getting HTML. Every answer varies on Accept."""
    choices = [HTML, *serialize.MEDIA_TYPES]

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        preferred = request.get_preferred_type(choices)
        if preferred and preferred != HTML and request.method in ("GET", "HEAD"):
            response = dataset(request, kwargs["dataset"], serialize.MEDIA_TYPES[preferred])
        else:
            response = view(request, *args, **kwargs)
        patch_vary_headers(response, ("Accept",))
        return response

    return wrapper
