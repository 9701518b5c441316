"""The data dictionary: labels and descriptions per column, set by the dataset's editors only."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from hiraku.catalog.models import Organization
from hiraku.datastore import dictionary, services
from hiraku.datastore.models import DatastoreTable

from .factories import make_dataset, upload


@pytest.fixture
def city(db, settings, tmp_path, django_user_model):
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.DATA_DIR = tmp_path / "data"
    Organization.objects.create(name="takamatsu-city", title="高松市", lgcode="372013")
    return django_user_model.objects.create_superuser("admin", "admin@example.jp", "pw-admin-0001")


@pytest.fixture
def table(city, django_capture_on_commit_callbacks):
    resource = upload(city, make_dataset(city), capture=django_capture_on_commit_callbacks)
    return DatastoreTable.objects.select_related("resource__dataset").get(resource=resource)


def test_labels_and_descriptions_are_stored_and_reported(table, city):
    info = dictionary.update_dictionary(city, table, {
        "男性トイレ総数": {"label": " 男性用トイレの数 ", "description": "小便器と大便器の合計"},
        "名称": {"label": "施設名"},
    })
    assert info == {"男性トイレ総数": {"label": "男性用トイレの数", "description": "小便器と大便器の合計"},
                    "名称": {"label": "施設名"}}
    table.refresh_from_db()
    assert table.fields_info == info
    fields = {f["id"]: f for f in services.fields(table)}
    assert fields["男性トイレ総数"]["info"]["label"] == "男性用トイレの数"
    assert fields["所在地"]["info"]["label"] == "所在地"  # the header, when no label was given
    # Empty texts remove the entry again.
    assert "名称" not in dictionary.update_dictionary(city, table, {"名称": {"label": "", "description": ""}})


@pytest.mark.parametrize("entries", [
    {"無い列": {"label": "x"}},
    {"名称": {"label": "x" * (dictionary.MAX_LABEL + 1)}},
    {"名称": {"description": "x" * (dictionary.MAX_DESCRIPTION + 1)}},
    {"名称": {"label": "x", "type": "int"}},
    {"名称": "施設名"},
])
def test_bad_entries_change_nothing(table, city, entries):
    with pytest.raises(dictionary.DictionaryError):
        dictionary.update_dictionary(city, table, {"所在地": {"label": "住所"}, **entries})
    table.refresh_from_db()
    assert table.fields_info == {}


def test_only_editors_of_the_dataset(table, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    stranger = django_user_model.objects.create_user("stranger", "s@example.jp", "pw-stranger-0001")
    for actor in (AnonymousUser(), stranger):
        with pytest.raises(PermissionDenied):
            dictionary.update_dictionary(actor, table, {"名称": {"label": "x"}})
