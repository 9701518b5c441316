"""Staff pages: city staff create and change their organizations' datasets.

Every change goes through hiraku.catalog.services, which validates with the
catalog forms and raises CatalogValidationError; the page then shows the same
form again, bound to what the user typed, with each message beside its field."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.paginator import Paginator
from django.forms.utils import ErrorDict
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hiraku.catalog import permissions, services
from hiraku.catalog.forms import DatasetForm, ResourceForm
from hiraku.catalog.models import Dataset, State

from .public import resource_or_404

DASHBOARD_PAGE_SIZE = 30


def staff_required(view):
    """Anonymous visitors are sent to log in; signed-in users who are not staff get 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not permissions.is_staff_user(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def with_service_errors(form, errors: dict[str, list[str]]):
    """Show the service's validation messages on a form bound to the submitted data."""
    form._errors = ErrorDict()
    for field, field_messages in errors.items():
        key = field if field in form.fields else NON_FIELD_ERRORS
        error_list = form._errors.setdefault(key, form.error_class(
            error_class="nonfield" if key == NON_FIELD_ERRORS else None))
        error_list.extend(field_messages)
    return form


def _dataset_for_edit(name: str, user) -> Dataset:
    try:
        return services.get_dataset(name, user, for_edit=True)
    except services.NotFound as missing:
        raise Http404 from missing


def _dataset_url(dataset: Dataset) -> str:
    return reverse("web:dataset_detail", kwargs={"dataset": dataset.name})


@staff_required
def dashboard(request):
    organizations = permissions.editable_organizations(request.user)
    datasets = (Dataset.objects.filter(organization__in=organizations)
                .exclude(state=State.DELETED).select_related("organization").order_by("-modified"))
    page = Paginator(datasets, DASHBOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/staff/dashboard.html", {"organizations": organizations, "page": page})


@staff_required
@require_http_methods(["GET", "POST"])
def dataset_create(request):
    organizations = permissions.editable_organizations(request.user)
    if request.method == "POST":
        try:
            dataset = services.create_dataset(request.user, request.POST)
        except services.CatalogValidationError as invalid:
            form = with_service_errors(DatasetForm(data=request.POST, organizations=organizations), invalid.errors)
        else:
            messages.success(request, _("The dataset was created. Now add its data."))
            return redirect("web:resource_create", dataset=dataset.name)
    else:
        form = DatasetForm(organizations=organizations, initial=_default_organization(organizations))
    return render(request, "web/staff/dataset_form.html", {"form": form, "creating": True})


def _default_organization(organizations) -> dict:
    names = list(organizations.values_list("name", flat=True)[:2])
    return {"organization": names[0]} if len(names) == 1 else {}


@staff_required
@require_http_methods(["GET", "POST"])
def dataset_edit(request, dataset):
    dataset = _dataset_for_edit(dataset, request.user)
    organizations = permissions.editable_organizations(request.user)
    if request.method == "POST":
        try:
            dataset = services.update_dataset(request.user, dataset, request.POST)
        except services.CatalogValidationError as invalid:
            # The failed form wrote the rejected values onto the instance; show the stored one.
            dataset = _dataset_for_edit(dataset.pk.hex, request.user)
            form = with_service_errors(DatasetForm(data=request.POST, organizations=organizations), invalid.errors)
        else:
            messages.success(request, _("The dataset was saved."))
            return redirect(_dataset_url(dataset))
    else:
        form = DatasetForm(instance=dataset, organizations=organizations)
    return render(request, "web/staff/dataset_form.html", {"form": form, "creating": False, "dataset": dataset})


@staff_required
@require_http_methods(["GET", "POST"])
def dataset_delete(request, dataset):
    dataset = _dataset_for_edit(dataset, request.user)
    if request.method == "POST":
        services.delete_dataset(request.user, dataset)
        messages.success(request, _("The dataset “%(title)s” was deleted.") % {"title": dataset.title})
        return redirect("web:staff_dashboard")
    return render(request, "web/staff/confirm_delete.html", {
        "dataset": dataset, "object_title": dataset.title, "cancel_url": _dataset_url(dataset),
    })


@staff_required
@require_http_methods(["GET", "POST"])
def resource_create(request, dataset):
    dataset = _dataset_for_edit(dataset, request.user)
    if request.method == "POST":
        try:
            services.add_resource(request.user, dataset, request.POST, request.FILES)
        except services.CatalogValidationError as invalid:
            form = with_service_errors(ResourceForm(data=request.POST, files=request.FILES), invalid.errors)
        else:
            messages.success(request, _("The data was added."))
            return redirect(_dataset_url(dataset))
    else:
        form = ResourceForm()
    return render(request, "web/staff/resource_form.html", {"form": form, "dataset": dataset, "creating": True})


def _resource_for_edit(request, dataset_name: str, resource_id):
    resource = resource_or_404(dataset_name, resource_id, request.user)
    if not permissions.can_edit_dataset(request.user, resource.dataset):
        raise PermissionDenied
    return resource


@staff_required
@require_http_methods(["GET", "POST"])
def resource_edit(request, dataset, resource_id):
    resource = _resource_for_edit(request, dataset, resource_id)
    if request.method == "POST":
        try:
            services.update_resource(request.user, resource, request.POST, request.FILES)
        except services.CatalogValidationError as invalid:
            resource.refresh_from_db()
            form = with_service_errors(ResourceForm(data=request.POST, files=request.FILES, instance=resource),
                                       invalid.errors)
        else:
            messages.success(request, _("The data was saved."))
            return redirect(_dataset_url(resource.dataset))
    else:
        form = ResourceForm(instance=resource)
    return render(request, "web/staff/resource_form.html",
                  {"form": form, "dataset": resource.dataset, "resource": resource, "creating": False})


@staff_required
@require_http_methods(["GET", "POST"])
def resource_delete(request, dataset, resource_id):
    resource = _resource_for_edit(request, dataset, resource_id)
    if request.method == "POST":
        services.delete_resource(request.user, resource)
        messages.success(request, _("The data “%(name)s” was deleted.") % {"name": resource.name})
        return redirect(_dataset_url(resource.dataset))
    return render(request, "web/staff/confirm_delete.html", {
        "dataset": resource.dataset, "resource": resource, "object_title": resource.name,
        "cancel_url": _dataset_url(resource.dataset),
    })
