"""Downloading resources: streamed uploads, redirected links, counting, permissions."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.core.files.storage import default_storage
from django.utils.encoding import iri_to_uri

from hiraku.catalog import services

from .conftest import toilet_csv_bytes

pytestmark = pytest.mark.django_db
BROWSER_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0"


def uploaded(dataset):
    return next(r for r in dataset.resources.all() if r.file)


def linked(dataset):
    return next(r for r in dataset.resources.all() if not r.file)


def download_url(dataset, resource, filename):
    return f"/dataset/{dataset.name}/resource/{resource.id}/download/{quote(filename)}"


def test_upload_streams_with_utf8_filename_and_counts(client, public_dataset):
    resource = uploaded(public_dataset)
    response = client.get(download_url(public_dataset, resource, resource.original_filename),
                          HTTP_USER_AGENT=BROWSER_UA)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == toilet_csv_bytes()
    assert response["Content-Type"] == "text/csv"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''" + quote("公衆トイレ_一覧.csv") in disposition
    public_dataset.refresh_from_db()
    assert public_dataset.download_count == 1


def test_serializer_download_url_resolves(client, public_dataset):
    from hiraku.catalog.serializers import resource_download_url

    resource = uploaded(public_dataset)
    path = resource_download_url(resource).split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 200


def test_bots_download_without_being_counted(client, public_dataset):
    resource = uploaded(public_dataset)
    response = client.get(download_url(public_dataset, resource, resource.original_filename),
                          HTTP_USER_AGENT="curl/8.0")
    assert response.status_code == 200
    public_dataset.refresh_from_db()
    assert public_dataset.download_count == 0


def test_link_resource_redirects_and_counts(client, public_dataset):
    resource = linked(public_dataset)
    response = client.get(download_url(public_dataset, resource, "opendata.html"), HTTP_USER_AGENT=BROWSER_UA)
    assert response.status_code == 302
    assert response["Location"] == "https://www.city.takamatsu.kagawa.jp/opendata.html"
    public_dataset.refresh_from_db()
    assert public_dataset.download_count == 1


def test_private_dataset_download_is_404_for_strangers(client, private_dataset, staff_user, plain_user,
                                                       media_root, run_on_commit):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("internal.csv", b"a,b\n1,2\n")
    resource = run_on_commit(services.add_resource, staff_user, private_dataset, {}, {"file": upload})
    url = download_url(private_dataset, resource, "internal.csv")
    assert client.get(url).status_code == 404
    client.force_login(plain_user)
    assert client.get(url).status_code == 404
    client.force_login(staff_user)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"a,b\n1,2\n"


def test_deleted_resource_is_gone(client, public_dataset, staff_user):
    resource = uploaded(public_dataset)
    services.delete_resource(staff_user, resource)
    assert client.get(download_url(public_dataset, resource, resource.original_filename)).status_code == 404


def test_missing_file_in_storage_is_404(client, public_dataset):
    resource = uploaded(public_dataset)
    default_storage.delete(resource.file.name)
    assert client.get(download_url(public_dataset, resource, resource.original_filename)).status_code == 404


def test_remote_storage_redirects_to_its_url(client, public_dataset, monkeypatch):
    from hiraku.web.views import files

    resource = uploaded(public_dataset)
    monkeypatch.setattr(files, "_is_local", lambda storage: False)
    monkeypatch.setattr(files.default_storage, "url", lambda name: f"https://bucket.example/{name}", raising=False)
    response = client.get(download_url(public_dataset, resource, resource.original_filename))
    assert response.status_code == 302
    assert response["Location"] == iri_to_uri(f"https://bucket.example/{resource.file.name}")
