"""The dataset score: each criterion on its own, the total and the grade."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from hiraku.quality.scores import POINTS, ResourceFacts, grade_for, score_dataset

NOW = datetime(2026, 4, 1, tzinfo=UTC)


def dataset(**overrides):
    values = {"license_id": "cc-by-4.0", "notes": "公衆トイレの一覧です。" * 10, "update_frequency": "ANNUAL",
              "modified": NOW - timedelta(days=30)}
    values.update(overrides)
    return SimpleNamespace(**values)


def report(errors=0, readable=True, standard=None, fmt="csv", status="done"):
    return SimpleNamespace(errors=errors, readable=readable, status=status,
                           report={"file": {"format": fmt}, "standard": standard})


TOILET = {"id": "public_toilet", "title": "公衆トイレ一覧", "missing_required": []}


def criteria(ds, resources):
    score = score_dataset(ds, resources, now=NOW)
    return score, {c.id: c for c in score.criteria}


def test_points_add_up_to_100():
    assert sum(POINTS.values()) == 100


def test_a_complete_dataset_scores_100_and_grade_a():
    score, by_id = criteria(dataset(), [ResourceFacts("トイレ", "CSV", report(standard=TOILET))])
    assert all(c.met for c in by_id.values()), {c.id: c.reason for c in by_id.values()}
    assert score.score == 100 and score.grade == "A"


@pytest.mark.parametrize("license_id, met, reason", [
    ("cc-by-4.0", True, "license.open"), ("pdl-1.0", True, "license.open"), ("notspecified", False, "license.missing"),
    ("", False, "license.missing"), ("other-closed", False, "license.closed"),
])
def test_license(license_id, met, reason):
    _, by_id = criteria(dataset(license_id=license_id), [])
    assert (by_id["license"].met, by_id["license"].reason) == (met, reason)


def test_short_description_says_how_long_it_should_be():
    _, by_id = criteria(dataset(notes="トイレ"), [])
    assert not by_id["description"].met
    assert "50" in by_id["description"].explanation("en")
    assert "50" in by_id["description"].explanation("ja")


def test_unknown_frequency_is_not_stated_and_nothing_to_keep():
    _, by_id = criteria(dataset(update_frequency="UNKNOWN"), [])
    assert not by_id["frequency_stated"].met
    assert by_id["frequency_met"].met and not by_id["frequency_met"].applicable


@pytest.mark.parametrize("frequency, days, met", [
    ("ANNUAL", 300, True), ("ANNUAL", 500, False), ("MONTHLY", 40, True), ("MONTHLY", 60, False),
    ("DAILY", 5, False), ("IRREG", 2000, True), ("NEVER", 2000, True),
])
def test_frequency_is_compared_with_the_last_change(frequency, days, met):
    _, by_id = criteria(dataset(update_frequency=frequency, modified=NOW - timedelta(days=days)), [])
    assert by_id["frequency_stated"].met
    assert by_id["frequency_met"].met is met
    if not met:
        assert str(days) in by_id["frequency_met"].explanation("en")


def test_only_pdf_is_not_machine_readable():
    _, by_id = criteria(dataset(), [ResourceFacts("報告書", "PDF", report(fmt="pdf"))])
    assert not by_id["machine_readable"].met
    assert "PDF" in by_id["machine_readable"].explanation("ja")
    _, by_id = criteria(dataset(), [ResourceFacts("報告書", "PDF"), ResourceFacts("表", "XLSX")])
    assert by_id["machine_readable"].met
    _, by_id = criteria(dataset(), [])
    assert by_id["machine_readable"].reason == "machine_readable.empty"


def test_a_link_counts_by_its_declared_format():
    _, by_id = criteria(dataset(), [ResourceFacts("API", "JSON")])
    assert by_id["machine_readable"].met
    assert by_id["no_errors"].reason == "no_errors.unchecked" and not by_id["no_errors"].met


def test_standard_needs_every_required_column():
    partial = {**TOILET, "missing_required": ["設置位置"]}
    _, by_id = criteria(dataset(), [ResourceFacts("トイレ", "CSV", report(standard=partial))])
    assert not by_id["standard"].met
    assert "設置位置" in by_id["standard"].explanation("en")
    _, by_id = criteria(dataset(), [ResourceFacts("表", "CSV", report())])
    assert by_id["standard"].reason == "standard.none"


def test_errors_or_unreadable_files_fail_no_errors():
    _, by_id = criteria(dataset(), [ResourceFacts("a", "CSV", report(errors=3)), ResourceFacts("b", "CSV", report())])
    assert not by_id["no_errors"].met
    assert "3" in by_id["no_errors"].explanation("en")
    _, by_id = criteria(dataset(), [ResourceFacts("a", "CSV", report(readable=False))])
    assert not by_id["no_errors"].met


def test_grades():
    assert [grade_for(n) for n in (100, 90, 89, 75, 74, 50, 49, 25, 24, 0)] == list("AABBCCDDEE")


def test_as_dict_has_both_languages():
    data = score_dataset(dataset(license_id="notspecified"), [], now=NOW).as_dict()
    assert data["max_score"] == 100
    first = data["criteria"][0]
    assert first["id"] == "license" and first["points"] == 0 and first["max_points"] == 20
    assert set(first["title"]) == {"ja", "en"} and set(first["explanation"]) == {"ja", "en"}
