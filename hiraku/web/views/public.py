"""Pages anyone may read: home, search, datasets, resources, organizations, themes."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from hiraku.catalog import permissions, services
from hiraku.catalog.licenses import get_license
from hiraku.catalog.models import Group, Organization, Resource, State
from hiraku.catalog.standards import standard_label
from hiraku.dcat.feeds import activity_entries
from hiraku.dcat.views import negotiate_rdf
from hiraku.search.service import SearchQuery, search

from ..listing import build_listing
from ..presenters import attribution_text, display_title, history_entries, license_title
from .preview import datastore_page

HOME_LIST_LENGTH = 5


def _user_agent(request) -> str:
    return request.headers.get("User-Agent", "")


def _public_resource_count() -> int:
    return Resource.objects.filter(state=State.ACTIVE, dataset__state=State.ACTIVE,
                                   dataset__private=False).count()


def _themes_with_counts(user) -> list[tuple[Group, int]]:
    result = search(SearchQuery(rows=0, facet_fields=("groups",), facet_limit=1000), user)
    counts = dict(result.facets.get("groups", []))
    return [(group, counts.get(group.name, 0)) for group in Group.objects.filter(state=State.ACTIVE)]


@require_safe
def home(request):
    public = search(SearchQuery(rows=0, facet_fields=()), None)
    context = {
        "themes": _themes_with_counts(request.user),
        "popular": services.popular_datasets(request.user, limit=HOME_LIST_LENGTH),
        "newest": services.newest_datasets(request.user, limit=HOME_LIST_LENGTH),
        "dataset_count": public.count,
        "organization_count": Organization.objects.filter(state=State.ACTIVE).count(),
        "resource_count": _public_resource_count(),
    }
    return render(request, "web/home.html", context)


@require_safe
def dataset_search(request):
    listing = build_listing(request.GET, request.user)
    return render(request, "web/dataset_search.html", {"listing": listing})


def _dataset_or_404(name: str, user):
    try:
        return services.get_dataset(name, user)
    except services.NotFound as missing:
        raise Http404 from missing


@require_safe
@negotiate_rdf
def dataset_detail(request, dataset):
    dataset = _dataset_or_404(dataset, request.user)
    services.record_usage(dataset, kind="view", user_agent=_user_agent(request))
    context = {
        "dataset": dataset,
        "resources": [r for r in dataset.resources.all() if r.state == State.ACTIVE],
        "license": get_license(dataset.license_id),
        "license_title": license_title(dataset.license_id),
        "attribution": attribution_text(dataset),
        "organization_title": display_title(dataset.organization),
        "standard_label": standard_label(dataset.standard_type) if dataset.standard_type else "",
        "history": history_entries(services.activity_for_dataset(dataset, limit=20)),
        "can_edit": request.user.is_authenticated and permissions.can_edit_dataset(request.user, dataset),
    }
    return render(request, "web/dataset_detail.html", context)


def resource_or_404(dataset_name: str, resource_id, user):
    """A visible, active resource that belongs to the dataset named in the address."""
    try:
        resource = services.get_resource(str(resource_id), user)
    except services.NotFound as missing:
        raise Http404 from missing
    if resource.dataset.name != dataset_name:
        raise Http404
    return resource


@require_safe
def resource_detail(request, dataset, resource_id):
    resource = resource_or_404(dataset, resource_id, request.user)
    datastore = datastore_page(request, resource)
    if datastore is not None and datastore.redirect_to:
        return redirect(datastore.redirect_to)
    context = {
        "resource": resource,
        "dataset": resource.dataset,
        "attribution": attribution_text(resource.dataset),
        "can_edit": request.user.is_authenticated and permissions.can_edit_dataset(request.user, resource.dataset),
        "datastore": datastore,
    }
    return render(request, "web/resource_detail.html", context, status=datastore.status_code if datastore else 200)


def _public_dataset_count():
    return Count("datasets", filter=Q(datasets__state=State.ACTIVE, datasets__private=False))


@require_safe
def organization_list(request):
    organizations = Organization.objects.filter(state=State.ACTIVE).annotate(dataset_count=_public_dataset_count())
    return render(request, "web/organization_list.html", {"organizations": organizations})


@require_safe
def organization_detail(request, organization):
    organization = get_object_or_404(Organization, name=organization, state=State.ACTIVE)
    listing = build_listing(request.GET, request.user, fixed={"organization": organization.name})
    return render(request, "web/organization_detail.html", {
        "organization": organization,
        "organization_title": display_title(organization),
        "listing": listing,
        "activity": activity_entries(request.user, organization=organization),
    })


@require_safe
def group_list(request):
    themes = _themes_with_counts(request.user)
    return render(request, "web/group_list.html", {"themes": themes})


@require_safe
def group_detail(request, group):
    group = get_object_or_404(Group, name=group, state=State.ACTIVE)
    listing = build_listing(request.GET, request.user, fixed={"groups": group.name})
    return render(request, "web/group_detail.html", {
        "group": group,
        "group_title": display_title(group),
        "listing": listing,
    })
