"""Resources: uploads with size, hash and format; links; updates; deletion; limits."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from hiraku.catalog import services
from hiraku.catalog.models import Activity, Resource, State

pytestmark = pytest.mark.django_db

CSV = "名称,住所\n高松市片原町公衆便所,香川県高松市片原町9番地9\n".encode()


def upload(name: str = "公衆トイレ 一覧.csv", content: bytes = CSV) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture(autouse=True)
def media(isolated_media):
    return isolated_media


def test_an_upload_gets_size_hash_format_and_mimetype(dataset, editor):
    resource = services.add_resource(editor, dataset, {"name": "一覧"}, {"file": upload()})
    resource.refresh_from_db()
    assert resource.size == len(CSV)
    assert resource.hash == "sha256:" + hashlib.sha256(CSV).hexdigest()
    assert (resource.format, resource.mimetype) == ("CSV", "text/csv")
    with resource.file.open("rb") as stored:
        assert stored.read() == CSV
    assert resource.last_modified is not None and resource.position == 0


def test_adding_a_resource_records_a_change_of_the_dataset(dataset, editor):
    services.add_resource(editor, dataset, {"name": "一覧"}, {"file": upload()})
    activity = Activity.objects.filter(dataset=dataset, activity_type="changed package").get()
    before, after = activity.changes["resources"]
    assert before == [] and after[0]["name"] == "一覧" and after[0]["format"] == "CSV"


def test_a_link_resource_takes_its_format_from_the_url(dataset, editor):
    resource = services.add_resource(editor, dataset, {"url": "https://example.jp/data/toilets.xlsx"})
    assert (resource.format, resource.name, resource.size, resource.hash) == ("XLSX", "toilets.xlsx", None, "")


def test_resources_are_numbered_in_order(dataset, editor):
    first = services.add_resource(editor, dataset, {"url": "https://example.jp/a.csv"})
    second = services.add_resource(editor, dataset, {"url": "https://example.jp/b.json"})
    assert (first.position, second.position) == (0, 1)
    assert second.format == "JSON"


def test_replacing_the_file_recomputes_hash_and_size(dataset, editor):
    resource = services.add_resource(editor, dataset, {"name": "一覧"}, {"file": upload()})
    new_content = CSV + "高松市天神前公衆便所,香川県高松市番町五丁目\n".encode()
    services.update_resource(editor, resource, {"name": "一覧（更新）"}, {"file": upload("toilets.xlsx", new_content)})
    resource.refresh_from_db()
    assert resource.name == "一覧（更新）" and resource.size == len(new_content)
    assert resource.hash == "sha256:" + hashlib.sha256(new_content).hexdigest()


def test_renaming_keeps_the_file_and_its_hash(dataset, editor):
    resource = services.add_resource(editor, dataset, {"name": "一覧"}, {"file": upload()})
    old_hash, old_file = resource.hash, resource.file.name
    services.update_resource(editor, resource, {"name": "新しい名前"})
    resource.refresh_from_db()
    assert (resource.name, resource.hash, resource.file.name) == ("新しい名前", old_hash, old_file)


def test_deleting_hides_the_resource_and_records_it(dataset, editor):
    resource = services.add_resource(editor, dataset, {"name": "一覧"}, {"file": upload()})
    services.delete_resource(editor, resource)
    resource.refresh_from_db()
    assert resource.state == State.DELETED
    with pytest.raises(services.NotFound):
        services.get_resource(str(resource.id))
    latest = Activity.objects.filter(dataset=dataset).order_by("-timestamp").first()
    assert latest.changes["resources"][1] == []


def test_an_empty_upload_is_refused_and_nothing_is_saved(dataset, editor, media):
    with pytest.raises(services.CatalogValidationError) as raised:
        services.add_resource(editor, dataset, {"name": "空"}, {"file": upload(content=b"")})
    assert "file" in raised.value.errors
    assert not Resource.objects.exists()
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_an_upload_over_the_limit_is_refused(dataset, editor, settings, media):
    settings.HIRAKU_MAX_UPLOAD_BYTES = 10
    with pytest.raises(services.CatalogValidationError) as raised:
        services.add_resource(editor, dataset, {"name": "大きい"}, {"file": upload()})
    assert "file" in raised.value.errors
    assert not Resource.objects.exists()
    assert Activity.objects.filter(activity_type="changed package").count() == 0


def test_an_upload_at_the_limit_is_accepted(dataset, editor, settings):
    settings.HIRAKU_MAX_UPLOAD_BYTES = len(CSV)
    assert services.add_resource(editor, dataset, {"name": "ちょうど"}, {"file": upload()}).size == len(CSV)


def test_a_resource_needs_a_file_or_a_url(dataset, editor):
    with pytest.raises(services.CatalogValidationError) as raised:
        services.add_resource(editor, dataset, {"name": "中身なし"})
    assert "__all__" in raised.value.errors
    assert not Resource.objects.exists()


def test_only_editors_of_the_city_change_resources(dataset, editor, users):
    resource = services.add_resource(editor, dataset, {"url": "https://example.jp/a.csv"})
    for role in ("member", "other_editor", "registered", "anonymous"):
        with pytest.raises(PermissionDenied):
            services.add_resource(users[role], dataset, {"url": "https://example.jp/b.csv"})
        with pytest.raises(PermissionDenied):
            services.update_resource(users[role], resource, {"name": "x", "url": "https://example.jp/a.csv"})
        with pytest.raises(PermissionDenied):
            services.delete_resource(users[role], resource)
    assert Resource.objects.filter(state=State.ACTIVE).count() == 1


@pytest.mark.parametrize("filename, expected", [
    ("data.csv", "CSV"), ("DATA.XLSX", "XLSX"), ("map.geojson", "GeoJSON"), ("a.b.json", "JSON"),
    ("noextension", ""), ("archive.7z", "7Z"),
])
def test_guess_format(filename, expected):
    assert services.guess_format(filename) == expected
