"""Template helpers for quality pages: the dataset panel and texts stored in both languages."""

from __future__ import annotations

from django import template
from django.utils import translation

from hiraku.quality import services
from hiraku.quality.rules import RULES, SEVERITY_LABELS

register = template.Library()


def _language() -> str:
    return "en" if (translation.get_language() or "ja").startswith("en") else "ja"


@register.filter
def localized(value):
    """The current language's entry of a {ja, en} mapping stored in a report."""
    if isinstance(value, dict):
        return value.get(_language()) or value.get("ja") or value.get("en") or ""
    return value or ""


@register.filter
def rule_title(rule_id: str) -> str:
    rule = RULES.get(rule_id)
    return str(rule.title) if rule else rule_id


@register.filter
def severity_label(severity: str) -> str:
    label = SEVERITY_LABELS.get(severity)
    return str(label) if label else severity


@register.filter
def standard_title(standard: dict | None) -> str:
    if not standard:
        return ""
    if _language() == "en" and standard.get("title_en"):
        return standard["title_en"]
    return standard.get("title") or standard.get("id") or ""


@register.inclusion_tag("web/quality/panel.html")
def quality_panel(dataset):
    """The dataset's score, grade and criteria, with a link to each checked file's findings."""
    return {"dataset": dataset, "quality": services.cached_dataset_quality(dataset)}
