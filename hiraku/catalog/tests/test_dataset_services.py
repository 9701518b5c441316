"""Creating, changing and deleting datasets through the service layer."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from hiraku.catalog import services
from hiraku.catalog.models import Activity, Dataset, State, Tag

from .conftest import dataset_data

pytestmark = pytest.mark.django_db


def test_create_saves_relations_creator_and_an_activity(dataset, editor):
    dataset = services.get_dataset("public-toilets", editor)
    assert dataset.title == "公衆トイレ一覧" and dataset.organization.name == "takamatsu"
    assert sorted(t.name for t in dataset.tags.all()) == ["トイレ", "バリアフリー"]
    assert [g.name for g in dataset.groups.all()] == ["living"]
    assert dataset.creator == editor
    activity = Activity.objects.get(dataset=dataset)
    assert (activity.activity_type, activity.object_type, activity.actor) == ("new package", "package", editor)
    assert activity.data["name"] == "public-toilets"
    assert activity.changes["title"] == [None, "公衆トイレ一覧"]


def test_tags_are_normalized_and_deduplicated(editor, theme):
    dataset = services.create_dataset(editor, dataset_data(tags="ＡＥＤ、AED, 防災，防災\n救命"))
    assert sorted(t.name for t in dataset.tags.all()) == ["AED", "救命", "防災"]


def test_update_records_a_diff_of_what_changed(dataset, editor):
    data = services.dataset_form_data(dataset)
    data.update(title="公衆トイレ一覧（令和7年度）", tags="トイレ, 多目的トイレ")
    services.update_dataset(editor, dataset, data)
    activity = Activity.objects.filter(dataset=dataset, activity_type="changed package").get()
    assert activity.changes["title"] == ["公衆トイレ一覧", "公衆トイレ一覧（令和7年度）"]
    before, after = activity.changes["tags"]
    assert [t["name"] for t in before] == ["トイレ", "バリアフリー"]
    assert [t["name"] for t in after] == ["トイレ", "多目的トイレ"]
    assert "notes" not in activity.changes


def test_partial_form_data_round_trips_without_changes(dataset, editor):
    services.update_dataset(editor, dataset, services.dataset_form_data(dataset))
    activity = Activity.objects.filter(dataset=dataset, activity_type="changed package").get()
    assert activity.changes == {}


def test_extras_are_stored_and_diffed(editor, theme):
    dataset = services.create_dataset(editor, dataset_data(), extras={"attribution": "出典：高松市"})
    assert Dataset.objects.get(pk=dataset.pk).extras == {"attribution": "出典：高松市"}
    services.update_dataset(editor, dataset, services.dataset_form_data(dataset), extras={"attribution": "出典：X"})
    change = Activity.objects.filter(activity_type="changed package").get().changes["extras"]
    assert {"key": "attribution", "value": "出典：X"} in change[1]


def test_delete_marks_deleted_hides_it_and_records_it(dataset, editor, users):
    services.delete_dataset(editor, dataset)
    dataset.refresh_from_db()
    assert dataset.state == State.DELETED
    assert Activity.objects.filter(dataset=dataset, activity_type="deleted package").exists()
    for role in ("editor", "registered", "anonymous"):
        with pytest.raises(services.NotFound):
            services.get_dataset("public-toilets", users[role])


def test_dataset_found_by_id_as_well_as_name(dataset):
    assert services.get_dataset(str(dataset.id)).pk == dataset.pk
    with pytest.raises(services.NotFound):
        services.get_dataset("no-such-dataset")


# --- Validation: refused input leaves nothing behind ------------------------------

def assert_nothing_saved(counts_before: tuple) -> None:
    assert (Dataset.objects.count(), Activity.objects.count(), Tag.objects.count()) == counts_before


@pytest.mark.parametrize("overrides, field, code_text", [
    ({"name": "Public Toilets"}, "name", ""),
    ({"name": "公衆トイレ"}, "name", ""),
    ({"name": "a"}, "name", ""),
    ({"name": "x" * 101}, "name", ""),
    ({"name": "new"}, "name", "new"),
    ({"name": "search"}, "name", "search"),
    ({"license_id": "wtfpl"}, "license_id", ""),
    ({"spatial_lgcode": "372014"}, "spatial_lgcode", "372013"),
    ({"spatial_lgcode": "37201"}, "spatial_lgcode", ""),
    ({"title": ""}, "title", ""),
    ({"organization": "nowhere"}, "organization", ""),
    ({"temporal_start": "2025-04-01", "temporal_end": "2024-03-31"}, "temporal_end", ""),
    ({"standard_type": "unicorn"}, "standard_type", ""),
])
def test_invalid_dataset_input_is_refused_whole(editor, theme, overrides, field, code_text):
    counts = (Dataset.objects.count(), Activity.objects.count(), Tag.objects.count())
    with pytest.raises(services.CatalogValidationError) as raised:
        services.create_dataset(editor, dataset_data(tags="新しいタグ", **overrides))
    assert field in raised.value.errors
    assert all(isinstance(m, str) and m for m in raised.value.errors[field])
    if code_text:
        assert code_text in " ".join(raised.value.errors[field])
    assert_nothing_saved(counts)


def test_duplicate_names_are_refused(dataset, editor):
    counts = (Dataset.objects.count(), Activity.objects.count(), Tag.objects.count())
    with pytest.raises(services.CatalogValidationError) as raised:
        services.create_dataset(editor, dataset_data(title="別のデータ"))
    assert "name" in raised.value.errors
    assert_nothing_saved(counts)


def test_messages_follow_the_active_language(editor, theme):
    from django.utils import translation

    with translation.override("en"):
        with pytest.raises(services.CatalogValidationError) as english:
            services.create_dataset(editor, dataset_data(name="new"))
    assert "reserved" in english.value.errors["name"][0]
    with translation.override("ja"):
        with pytest.raises(services.CatalogValidationError) as japanese:
            services.create_dataset(editor, dataset_data(name="new"))
    assert japanese.value.errors["name"][0] != english.value.errors["name"][0]


def test_a_failed_update_changes_nothing(dataset, editor):
    data = services.dataset_form_data(dataset)
    data.update(title="", spatial_lgcode="999999")
    with pytest.raises(services.CatalogValidationError):
        services.update_dataset(editor, dataset, data)
    stored = Dataset.objects.get(pk=dataset.pk)
    assert (stored.title, stored.spatial_lgcode) == ("公衆トイレ一覧", "372013")
    assert not Activity.objects.filter(activity_type="changed package").exists()


def test_an_editor_cannot_move_a_dataset_to_another_city(dataset, editor, other_city):
    data = services.dataset_form_data(dataset)
    data["organization"] = "marugame"
    with pytest.raises(services.CatalogValidationError):
        services.update_dataset(editor, dataset, data)
    assert Dataset.objects.get(pk=dataset.pk).organization.name == "takamatsu"


def test_a_write_without_permission_saves_nothing(dataset, users):
    for role in ("member", "other_editor", "registered", "anonymous"):
        # Organizations the user cannot write to are not even offered as a choice.
        with pytest.raises(services.CatalogValidationError) as raised:
            services.create_dataset(users[role], dataset_data(name=f"by-{role.replace('_', '-')}"))
        assert list(raised.value.errors) == ["organization"]
        with pytest.raises(PermissionDenied):
            services.update_dataset(users[role], dataset, services.dataset_form_data(dataset))
        with pytest.raises(PermissionDenied):
            services.delete_dataset(users[role], dataset)
    assert Dataset.objects.count() == 1 and Activity.objects.count() == 1
    assert Dataset.objects.get().state == State.ACTIVE
