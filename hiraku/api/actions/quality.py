"""Data quality: the stored validation reports and the dataset scores."""

from __future__ import annotations

from django.utils.translation import gettext as _

from hiraku.quality import services

from .. import registry
from ..params import Params


def _id(params: Params) -> str:
    value = params.string("id")
    if not value:
        params.add_error("id", _("Missing value"))
    return value


@registry.action()
def quality_resource_show(context, data):
    """The latest quality report of a resource's uploaded file.

    :param id: the resource (alias: ``resource_id``)
    :param severity: only findings of this severity (error, warning or info)
    :param rule: only findings of this rule (e.g. ``value.fullwidth``)
    :param limit: at most this many findings (default: all that were kept)
    :param offset: findings to skip
    """
    params = Params(data)
    resource_id = params.string("id") or params.string("resource_id")
    if not resource_id:
        params.add_error("id", _("Missing value"))
    severity = params.string("severity")
    if severity and severity not in services.SEVERITIES:
        params.add_error("severity", _("Must be one of: %(choices)s") % {"choices": ", ".join(services.SEVERITIES)})
    rule = params.string("rule")
    limit = params.integer("limit", 0, minimum=0) or None
    offset = params.integer("offset", 0, minimum=0)
    params.raise_if_invalid()
    result = services.report_dict(services.get_report(resource_id, context.user))
    if result["report"]:
        findings = services.filter_findings(result["report"].get("findings", []), severity=severity, rule=rule)
        result["report"] = {**result["report"], "findings": findings[offset:offset + limit if limit else None]}
        result["findings_matched"] = len(findings)
    return result


@registry.action()
def quality_dataset_show(context, data):
    """A dataset's quality score (0–100), grade, each criterion and a summary of each resource's report.

    :param id: the dataset's id or name
    """
    params = Params(data)
    dataset_id = _id(params)
    params.raise_if_invalid()
    return services.dataset_quality_for(dataset_id, context.user).as_dict()


@registry.action()
def quality_organization_show(context, data):
    """An organization's datasets the caller may see, worst score first, with their error counts.

    :param id: the organization's id or name
    """
    params = Params(data)
    organization_id = _id(params)
    params.raise_if_invalid()
    organization = services.get_organization(organization_id)
    rows = services.organization_quality(organization, context.user)
    return {
        "organization_id": str(organization.pk), "name": organization.name, "title": organization.title,
        "count": len(rows),
        "datasets": [{"id": str(q.dataset.pk), "name": q.dataset.name, "title": q.dataset.title,
                      "private": q.dataset.private, "score": q.score.score, "grade": q.score.grade,
                      "errors": q.errors, "warnings": q.warnings,
                      "unmet": [c.id for c in q.score.criteria if not c.met]} for q in rows],
    }
