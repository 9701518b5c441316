"""Staff pages for harvesting: glue between requests and hiraku.harvest.services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hiraku.catalog import permissions
from hiraku.catalog.services import CatalogValidationError
from hiraku.web.views.staff import staff_required, with_service_errors

from . import services
from .forms import HarvestSourceForm
from .jobs import harvest_source
from .models import HarvestRun, HarvestSource

RUNS_SHOWN = 20


def _source_for(user, pk: int) -> HarvestSource:
    source = get_object_or_404(HarvestSource.objects.select_related("organization", "last_run"), pk=pk)
    if not services.can_manage(user, source):
        raise PermissionDenied
    return source


@staff_required
@require_safe
def source_list(request):
    return render(request, "harvest/source_list.html", {"sources": services.sources_for(request.user)})


@staff_required
@require_http_methods(["GET", "POST"])
def source_create(request):
    organizations = permissions.editable_organizations(request.user)
    if request.method == "POST":
        try:
            source = services.add_source(request.user, request.POST)
        except CatalogValidationError as invalid:
            form = with_service_errors(HarvestSourceForm(data=request.POST, organizations=organizations),
                                       invalid.errors)
        else:
            messages.success(request, _("The source was added. Run it to harvest its datasets."))
            return redirect("harvest:source_detail", pk=source.pk)
    else:
        names = list(organizations.values_list("name", flat=True)[:2])
        form = HarvestSourceForm(organizations=organizations,
                                 initial={"organization": names[0]} if len(names) == 1 else {})
    return render(request, "harvest/source_form.html", {"form": form})


@staff_required
@require_safe
def source_detail(request, pk: int):
    source = _source_for(request.user, pk)
    runs = source.runs.order_by("-started")[:RUNS_SHOWN]
    return render(request, "harvest/source_detail.html", {
        "source": source, "runs": runs, "harvested_count": source.harvested.count()})


@staff_required
@require_POST
def source_run(request, pk: int):
    source = _source_for(request.user, pk)
    if not source.active:
        messages.error(request, _("This source is switched off."))
        return redirect("harvest:source_detail", pk=source.pk)
    # Queued by default (SQLite or Redis); with HIRAKU_JOBS=immediate the run is finished when this returns.
    harvest_source.enqueue(source.pk)
    source.refresh_from_db()
    run = source.last_run
    if run is not None and run.status != "running":
        messages.success(request, _("The harvest finished: %(status)s.") % {"status": run.get_status_display()})
        return redirect("harvest:run_detail", pk=run.pk)
    messages.success(request, _("The harvest was started. Its report appears here when it finishes."))
    return redirect("harvest:source_detail", pk=source.pk)


@staff_required
@require_safe
def run_detail(request, pk: int):
    run = get_object_or_404(HarvestRun.objects.select_related("source", "source__organization"), pk=pk)
    if not services.can_manage(request.user, run.source):
        raise PermissionDenied
    return render(request, "harvest/run_detail.html", {"run": run, "source": run.source})
