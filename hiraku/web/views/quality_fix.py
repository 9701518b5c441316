"""Staff pages: fix an uploaded file automatically.

The preview page lists every change the automatic fix would make
(:func:`hiraku.quality.fixes.plan_fix`): header renames, removed rows and
columns, and each changed cell with its reason. Confirming stores the fixed
CSV as a new version of the resource through the catalog service, which
records the activity and checks the new file again. The confirmation carries
the checksum of the previewed file; if the file changed in between, nothing is
stored and the editor is asked to look at the changes again.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePath

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hiraku.catalog import services
from hiraku.catalog.files import local_file
from hiraku.quality.fixes import FixPlan, plan_fix, write_fixed_csv

from .staff import _resource_for_edit, staff_required

CHANGES_PAGE_SIZE = 100


def _uploaded_resource(request, dataset: str, resource_id):
    resource = _resource_for_edit(request, dataset, resource_id)
    if not resource.file:
        raise Http404
    return resource


def file_token(resource) -> str:
    """What identifies the stored file version: its checksum (or name and size when there is none)."""
    return resource.hash or f"{resource.file.name}:{resource.size}"


@contextmanager
def _planned(resource) -> Iterator[FixPlan]:
    """The fix plan of the resource's file, readable (for writing the fixed file) within the block."""
    with local_file(resource) as path:
        yield plan_fix(path, filename=resource.original_filename, format=(resource.format or "").lower() or None,
                       dataset=resource.dataset)


def fixed_filename(resource) -> str:
    return f"{PurePath(resource.original_filename).stem or 'data'}.csv"


def _resource_url(resource) -> str:
    return reverse("web:resource_detail", kwargs={"dataset": resource.dataset.name, "resource_id": resource.id})


def _preview_url(resource) -> str:
    return reverse("web:resource_quality_fix", kwargs={"dataset": resource.dataset.name, "resource_id": resource.id})


@staff_required
@require_http_methods(["GET", "HEAD"])
def quality_fix_preview(request, dataset, resource_id):
    resource = _uploaded_resource(request, dataset, resource_id)
    with _planned(resource) as plan:
        page = Paginator(plan.changes, CHANGES_PAGE_SIZE).get_page(request.GET.get("page"))
    japanese = (get_language() or "ja").startswith("ja")
    return render(request, "web/staff/quality_fix.html", {
        "dataset": resource.dataset,
        "resource": resource,
        "plan": plan,
        "page": page,
        "japanese": japanese,
        "token": file_token(resource),
        "fixed_filename": fixed_filename(resource),
        "rule_counts": plan.counts_by_rule(),
    })


@staff_required
@require_POST
def quality_fix_apply(request, dataset, resource_id):
    resource = _uploaded_resource(request, dataset, resource_id)
    if request.POST.get("token", "") != file_token(resource):
        messages.error(request, _("The file changed after the preview. Check the changes again before fixing it."))
        return redirect(_preview_url(resource))
    with _planned(resource) as plan, tempfile.TemporaryFile() as fh:
        if not plan.readable:
            messages.error(request, _("The file cannot be read as a table, so it cannot be fixed automatically."))
            return redirect(_preview_url(resource))
        if plan.is_empty:
            messages.info(request, _("There is nothing to fix automatically in this file."))
            return redirect(_resource_url(resource))
        write_fixed_csv(plan, fh)
        size = fh.tell()
        fh.seek(0)
        upload = UploadedFile(file=fh, name=fixed_filename(resource), content_type="text/csv", size=size,
                              charset="utf-8")
        data = {"name": resource.name, "description": resource.description, "url": resource.url, "format": "CSV"}
        try:
            services.update_resource(request.user, resource, data, {"file": upload})
        except services.CatalogValidationError as invalid:
            details = " ".join(str(m) for field_messages in invalid.errors.values() for m in field_messages)
            messages.error(request, _("The fixed file could not be saved: %(details)s") % {"details": details})
            return redirect(_preview_url(resource))
    messages.success(request, _("The file was fixed automatically (%(count)s changes) and saved as a new version.")
                     % {"count": plan.total_changes})
    return redirect(_resource_url(resource))
