"""Data quality pages: a resource's findings and an organization's datasets, worst first.

The problems found in published data are public information; private
datasets follow the catalog's permissions (not found for others)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from hiraku.catalog.models import Organization, State
from hiraku.quality import services
from hiraku.quality.rules import RULES

from ..presenters import display_title
from .public import resource_or_404

FINDINGS_PAGE_SIZE = 50
DATASETS_PAGE_SIZE = 50


@require_safe
def resource_quality(request, dataset, resource_id):
    resource = resource_or_404(dataset, resource_id, request.user)
    report = services.report_for(resource)
    severity = request.GET.get("severity", "")
    severity = severity if severity in services.SEVERITIES else ""
    rules = dict(report.report.get("summary", {}).get("rules", {})) if report and report.report else {}
    rule = request.GET.get("rule", "")
    rule = rule if rule in rules else ""
    findings = services.filter_findings(report.findings, severity=severity, rule=rule) if report else []
    page = Paginator(findings, FINDINGS_PAGE_SIZE).get_page(request.GET.get("page"))
    rule_choices = sorted(rules.items(), key=lambda item: (_severity_order(item[0]), item[0]))
    return render(request, "web/quality/resource.html", {
        "resource": resource,
        "dataset": resource.dataset,
        "organization_title": display_title(resource.dataset.organization),
        "report": report,
        "data": report.report if report else {},
        "page": page,
        "severity": severity,
        "rule": rule,
        "severities": services.SEVERITIES,
        "rule_choices": rule_choices,
        "filtered": bool(severity or rule),
        "filter_query": _query(severity=severity, rule=rule),
    })


def _severity_order(rule_id: str) -> int:
    rule = RULES.get(rule_id)
    return {"error": 0, "warning": 1, "info": 2}.get(rule.severity if rule else "", 3)


def _query(**values: str) -> str:
    kept = {k: v for k, v in values.items() if v}
    return ("&" + urlencode(kept)) if kept else ""


@require_safe
def organization_quality(request, organization):
    organization = get_object_or_404(Organization, name=organization, state=State.ACTIVE)
    rows = services.organization_quality(organization, request.user)
    page = Paginator(rows, DATASETS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/quality/organization.html", {
        "organization": organization,
        "organization_title": display_title(organization),
        "page": page,
    })
