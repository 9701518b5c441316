"""The automatic fix flow: preview the changes, confirm, and a new version of the file is stored."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hiraku.catalog import services
from hiraku.catalog.models import Activity, Resource
from hiraku.quality.tests.helpers import csv_text, toilet_header, toilet_row

from .conftest import dataset_data

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def messy_csv() -> bytes:
    header = ["住所" if h == "所在地_連結表記" else h for h in toilet_header()]
    rows = [["公衆トイレ一覧"], header,
            toilet_row(**{"全国地方公共団体コード": "37201", "名称": "ｶﾀﾊﾗ便所", "男性トイレ総数": "２"}),
            toilet_row(ID="T0002", 設置位置="令和5年4月1日")]
    return csv_text(rows).encode("cp932")


@pytest.fixture
def toilet_resource(staff_user, themes, run_on_commit, media_root):
    dataset = run_on_commit(services.create_dataset, staff_user,
                            dataset_data(name="toilets", title="公衆トイレ一覧", standard_type="public_toilet"))
    upload = SimpleUploadedFile("372013_public_toilet.csv", messy_csv(), content_type="text/csv")
    return services.add_resource(staff_user, dataset, {"name": "公衆トイレ一覧"}, {"file": upload})


def urls(resource) -> tuple[str, str, str]:
    base = f"/dataset/{resource.dataset.name}/resource/{resource.id}"
    return base, f"{base}/fix", f"{base}/fix/apply"


def token_of(page: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def test_resource_page_links_to_the_fix_only_for_editors(client, toilet_resource, staff_user, other_staff_user):
    base, preview, _ = urls(toilet_resource)
    assert preview not in text(client.get(base))
    client.force_login(other_staff_user)
    assert preview not in text(client.get(base))
    client.force_login(staff_user)
    assert preview in text(client.get(base))


def test_preview_lists_every_change_then_confirm_stores_a_new_version(client, toilet_resource, staff_user):
    base, preview, apply = urls(toilet_resource)
    client.force_login(staff_user)
    page = text(client.get(preview))
    for before, after in (("37201", "372013"), ("ｶﾀﾊﾗ便所", "カタハラ便所"), ("２", "2"),
                          ("令和5年4月1日", "2023-04-01"), ("住所", "所在地_連結表記")):
        assert before in page and after in page
    assert "半角カタカナ" in page and "自動で修正" in page
    old_hash = toilet_resource.hash
    activities = Activity.objects.count()
    response = client.post(apply, {"token": token_of(page)})
    assert response.status_code == 302 and response["Location"] == base
    resource = Resource.objects.get(pk=toilet_resource.pk)
    assert resource.hash != old_hash and resource.format == "CSV"
    # Stored as <original stem>.csv (the storage adds a suffix when the old version holds that name).
    assert resource.original_filename.startswith("372013_public_toilet") and resource.original_filename.endswith(".csv")
    assert Activity.objects.count() == activities + 1
    data = resource.file.open("rb").read()
    assert data.startswith(b"\xef\xbb\xbf")
    body = data.decode("utf-8-sig")
    assert body.splitlines()[0].split(",")[:2] == ["全国地方公共団体コード", "ID"]
    assert "カタハラ便所" in body and "2023-04-01" in body and "公衆トイレ一覧" not in body
    # The fixed file has nothing left to fix.
    followed = client.get(base)
    assert "保存しました" in text(followed) or "saved" in text(followed)
    assert "自動で修正できるものはありません" in text(client.get(preview))


def test_a_stale_preview_is_refused(client, toilet_resource, staff_user):
    _, preview, apply = urls(toilet_resource)
    client.force_login(staff_user)
    token = token_of(text(client.get(preview)))
    services.update_resource(staff_user, toilet_resource,
                             {"name": toilet_resource.name, "format": "CSV"},
                             {"file": SimpleUploadedFile("other.csv", messy_csv() + b"\r\n", content_type="text/csv")})
    changed = Resource.objects.get(pk=toilet_resource.pk)
    response = client.post(apply, {"token": token}, follow=True)
    assert response.redirect_chain[0][0] == preview
    assert "もう一度" in text(response)
    assert Resource.objects.get(pk=toilet_resource.pk).hash == changed.hash


def test_outsiders_are_refused(client, toilet_resource, other_staff_user, plain_user):
    _, preview, apply = urls(toilet_resource)
    assert client.get(preview).status_code == 302  # to the login page
    client.force_login(plain_user)
    assert client.get(preview).status_code == 403
    client.force_login(other_staff_user)
    assert client.get(preview).status_code == 403
    old = toilet_resource.hash
    assert client.post(apply, {"token": old}).status_code == 403
    assert Resource.objects.get(pk=toilet_resource.pk).hash == old


def test_confirm_needs_a_csrf_token_and_post(toilet_resource, staff_user):
    _, preview, apply = urls(toilet_resource)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    assert client.get(apply).status_code == 405
    assert client.post(apply, {"token": toilet_resource.hash}).status_code == 403
    assert Resource.objects.get(pk=toilet_resource.pk).hash == toilet_resource.hash


def test_a_clean_file_has_nothing_to_fix(client, staff_user, themes, run_on_commit, media_root):
    dataset = run_on_commit(services.create_dataset, staff_user,
                            dataset_data(name="clean", title="きれいな一覧", standard_type="public_toilet"))
    clean = csv_text([toilet_header(), toilet_row()], newline="\r\n").encode()
    resource = services.add_resource(staff_user, dataset, {"name": "一覧"},
                                     {"file": SimpleUploadedFile("372013_public_toilet.csv", clean)})
    base, preview, apply = urls(resource)
    client.force_login(staff_user)
    page = text(client.get(preview))
    assert "自動で修正できるものはありません" in page and 'name="token"' not in page
    response = client.post(apply, {"token": resource.hash})
    assert response.status_code == 302 and response["Location"] == base
    assert Resource.objects.get(pk=resource.pk).hash == resource.hash


def test_long_change_lists_are_paged(client, staff_user, themes, run_on_commit, media_root):
    dataset = run_on_commit(services.create_dataset, staff_user,
                            dataset_data(name="long", title="長い一覧", standard_type="public_toilet"))
    rows = [toilet_header()] + [toilet_row(ID=f"T{i:04d}", 男性トイレ総数="２") for i in range(150)]
    resource = services.add_resource(staff_user, dataset, {"name": "一覧"},
                                     {"file": SimpleUploadedFile("372013_public_toilet.csv", csv_text(rows).encode())})
    _, preview, _ = urls(resource)
    client.force_login(staff_user)
    first = text(client.get(preview))
    assert "?page=2" in first and first.count("<ins") == 100
    assert text(client.get(preview + "?page=2")).count("<ins") == 50
