"""Staff pages: permissions, the create/edit/delete flows and every form error path."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hiraku.catalog.models import Activity, Dataset, Resource, State

from .conftest import STAFF_PASSWORD, dataset_data, toilet_csv_bytes

pytestmark = pytest.mark.django_db

STAFF_URLS = [
    "/staff/",
    "/dataset/new",
    "/dataset/evacuation-sites/edit",
    "/dataset/evacuation-sites/delete",
    "/dataset/evacuation-sites/resource/new",
]


def text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("url", STAFF_URLS)
def test_anonymous_visitors_are_sent_to_log_in(client, public_dataset, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login?next=")


@pytest.mark.parametrize("url", STAFF_URLS)
def test_non_staff_get_403_in_the_site_layout(client, public_dataset, plain_user, url):
    client.force_login(plain_user)
    response = client.get(url)
    assert response.status_code == 403
    assert "site-header" in text(response) and "アクセスできません" in text(response)


def test_staff_of_another_organization_cannot_edit(client, public_dataset, other_staff_user):
    client.force_login(other_staff_user)
    assert client.get("/dataset/evacuation-sites/edit").status_code == 403
    response = client.post("/dataset/evacuation-sites/delete")
    assert response.status_code == 403
    assert Dataset.objects.get(name="evacuation-sites").state == State.ACTIVE
    resource = public_dataset.resources.all()[0]
    assert client.get(f"/dataset/evacuation-sites/resource/{resource.id}/edit").status_code == 403


def test_login_page_and_login(client, staff_user):
    page = client.get("/login")
    assert page.status_code == 200 and 'for="id_username"' in text(page)
    bad = client.post("/login", {"username": "tanaka", "password": "wrong"})
    assert bad.status_code == 200 and "error-summary" in text(bad)
    response = client.post("/login", {"username": "tanaka", "password": STAFF_PASSWORD, "next": "/staff/"})
    assert response.status_code == 302 and response["Location"] == "/staff/"


def test_logout_needs_post(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/logout").status_code == 200
    assert "_auth_user_id" in client.session
    client.post("/logout")
    assert "_auth_user_id" not in client.session


def test_dashboard_lists_own_organization_datasets(client, public_dataset, private_dataset, staff_user):
    client.force_login(staff_user)
    page = text(client.get("/staff/"))
    assert public_dataset.title in page and private_dataset.title in page


def test_create_dataset_then_upload_a_file(client, staff_user, themes, media_root):
    client.force_login(staff_user)
    form_page = client.get("/dataset/new")
    assert 'name="csrfmiddlewaretoken"' in text(form_page)
    response = client.post("/dataset/new", dataset_data(name="toilets", title="公衆トイレ一覧"))
    assert response.status_code == 302 and response["Location"] == "/dataset/toilets/resource/new"
    dataset = Dataset.objects.get(name="toilets")
    assert dataset.creator == staff_user and [g.name for g in dataset.groups.all()] == ["disaster"]
    upload = SimpleUploadedFile("data.csv", toilet_csv_bytes(), content_type="text/csv")
    response = client.post("/dataset/toilets/resource/new", {"name": "一覧", "file": upload})
    assert response.status_code == 302 and response["Location"] == "/dataset/toilets"
    resource = Resource.objects.get(dataset=dataset)
    assert resource.format == "CSV" and resource.size == len(toilet_csv_bytes())
    assert "一覧" in text(client.get("/dataset/toilets"))


def test_add_link_resource(client, public_dataset, staff_user):
    client.force_login(staff_user)
    response = client.post("/dataset/evacuation-sites/resource/new",
                           {"name": "API", "url": "https://example.jp/api/shelters.json"})
    assert response.status_code == 302
    assert Resource.objects.get(name="API").format == "JSON"


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"name": "Bad Name!"}, "name", "URL名は半角英小文字"),
    ({"name": "new"}, "name", "予約されています"),
    ({"license_id": "wtfpl"}, "license_id", "wtfpl"),
    ({"spatial_lgcode": "37201"}, "spatial_lgcode", "半角数字6桁"),
    ({"spatial_lgcode": "372010"}, "spatial_lgcode", "検査数字が誤っています"),
    ({"temporal_start": "2025-04-01", "temporal_end": "2024-03-31"}, "temporal_end", "期間の終わり"),
    ({"title": ""}, "title", "このフィールドは必須です"),
])
def test_create_dataset_errors_are_shown_and_nothing_saved(client, staff_user, themes, overrides, field, message):
    client.force_login(staff_user)
    before = (Dataset.objects.count(), Activity.objects.count())
    data = dataset_data(name="new-dataset", **{k: v for k, v in overrides.items() if k != "name"})
    data.update({k: v for k, v in overrides.items() if k == "name"})
    response = client.post("/dataset/new", data)
    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert f'id="id_{field}_error"' in page  # the message sits beside its field ...
    assert f'aria-describedby="id_{field}_helptext id_{field}_error"' in page or \
        f'aria-describedby="id_{field}_error"' in page  # ... and the field points at it
    assert 'aria-invalid="true"' in page
    assert "指定緊急避難場所一覧" in page  # the user's input is kept
    assert (Dataset.objects.count(), Activity.objects.count()) == before


def test_duplicate_name_is_rejected(client, public_dataset, staff_user):
    client.force_login(staff_user)
    before = Dataset.objects.count()
    response = client.post("/dataset/new", dataset_data(title="重複"))
    assert response.status_code == 200
    assert 'id="id_name_error"' in text(response)
    assert Dataset.objects.count() == before


def test_create_in_foreign_organization_is_rejected(client, staff_user, other_organization, themes):
    client.force_login(staff_user)
    response = client.post("/dataset/new", dataset_data(organization="marugame"))
    assert response.status_code == 200
    assert 'id="id_organization_error"' in text(response)
    assert not Dataset.objects.exists()


def test_errors_in_english(client, staff_user, themes):
    client.force_login(staff_user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.post("/dataset/new", dataset_data(name="Bad Name!"))
    page = text(response)
    assert '<html lang="en">' in page
    assert "Use 2–100 lowercase half-width letters" in page


def test_empty_upload_is_rejected(client, public_dataset, staff_user, media_root):
    client.force_login(staff_user)
    before = Resource.objects.count()
    empty = SimpleUploadedFile("empty.csv", b"", content_type="text/csv")
    response = client.post("/dataset/evacuation-sites/resource/new", {"name": "空", "file": empty})
    assert response.status_code == 200
    page = text(response)
    assert "ファイルは空です" in page or "ファイルが空です" in page
    assert 'value="空"' in page
    assert Resource.objects.count() == before


def test_resource_without_file_or_url_is_rejected(client, public_dataset, staff_user):
    client.force_login(staff_user)
    response = client.post("/dataset/evacuation-sites/resource/new", {"name": "何もない"})
    assert response.status_code == 200
    assert "ファイルをアップロードするか、URLを指定してください" in text(response)


def test_edit_dataset_records_history(client, public_dataset, staff_user):
    client.force_login(staff_user)
    data = dataset_data(title="指定緊急避難場所一覧（令和7年度）")
    response = client.post("/dataset/evacuation-sites/edit", data)
    assert response.status_code == 302
    page = text(client.get("/dataset/evacuation-sites"))
    assert "指定緊急避難場所一覧（令和7年度）" in page
    assert "データセットを更新: タイトル" in page


def test_failed_edit_keeps_the_stored_dataset(client, public_dataset, staff_user):
    client.force_login(staff_user)
    response = client.post("/dataset/evacuation-sites/edit", dataset_data(name="BAD NAME", title="変更後"))
    assert response.status_code == 200
    assert 'value="変更後"' in text(response)
    stored = Dataset.objects.get(pk=public_dataset.pk)
    assert (stored.name, stored.title) == ("evacuation-sites", "指定緊急避難場所一覧")


def test_edit_resource(client, public_dataset, staff_user):
    client.force_login(staff_user)
    resource = next(r for r in public_dataset.resources.all() if r.file)
    url = f"/dataset/evacuation-sites/resource/{resource.id}/edit"
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "公衆トイレ一覧（CSV）", "format": "CSV"})
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.name == "公衆トイレ一覧（CSV）" and resource.file


def test_delete_resource(client, public_dataset, staff_user):
    client.force_login(staff_user)
    resource = public_dataset.resources.all()[0]
    url = f"/dataset/evacuation-sites/resource/{resource.id}/delete"
    assert "削除する" in text(client.get(url))
    assert client.post(url).status_code == 302
    resource.refresh_from_db()
    assert resource.state == State.DELETED
    assert client.get(f"/dataset/evacuation-sites/resource/{resource.id}").status_code == 404


def test_delete_dataset(client, public_dataset, staff_user):
    client.force_login(staff_user)
    response = client.post("/dataset/evacuation-sites/delete")
    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert Dataset.objects.get(pk=public_dataset.pk).state == State.DELETED
    client.logout()
    assert client.get("/dataset/evacuation-sites").status_code == 404


def test_post_without_csrf_token_is_refused(public_dataset, staff_user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff_user)
    assert strict.post("/dataset/new", dataset_data(name="no-csrf")).status_code == 403
    assert not Dataset.objects.filter(name="no-csrf").exists()
