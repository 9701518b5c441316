"""Write actions through Django's test client: shapes, permissions, errors, atomicity."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hiraku.accounts import tokens
from hiraku.catalog.models import Activity, Dataset, Group, Membership, Organization, Resource

from .helpers import call_get, error_of, result_of


def token_for(user) -> str:
    return tokens.api_token_create(user, user, "tests")[1]


def post(client, action: str, token: str | None = None, /, **data):
    headers = {"HTTP_AUTHORIZATION": token} if token else {}
    return client.post("/api/3/action/" + action, data=json.dumps(data), content_type="application/json",
                       **headers)


@pytest.fixture
def admin_token(catalog):
    return token_for(catalog.admin)


@pytest.fixture
def member_token(catalog):
    return token_for(catalog.member)


@pytest.fixture
def outsider_token(catalog):
    return token_for(catalog.outsider)


def new_package(**overrides) -> dict:
    return {
        "name": "bus-stops", "title": "バス停一覧", "owner_org": "takamatsu-city", "notes": "市内のバス停",
        "tags": [{"name": "交通"}, {"name": "バス"}], "groups": [{"name": "disaster"}],
        "extras": [{"key": "source", "value": "交通政策課"}, {"key": "update_frequency", "value": "MONTHLY"}],
        "resources": [{"name": "CSV", "url": "https://example.jp/bus.csv"},
                      {"name": "地図", "url": "https://example.jp/bus.geojson", "format": "GeoJSON"}],
        **overrides,
    }


# --- package_create -----------------------------------------------------------------------

def test_package_create_accepts_ckan_shapes(client, catalog, member_token, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = result_of(post(client, "package_create", member_token, **new_package()))
    assert created["name"] == "bus-stops"
    assert created["owner_org"] == str(catalog.organizations["takamatsu-city"].id)
    assert [t["name"] for t in created["tags"]] == ["バス", "交通"]
    assert [g["name"] for g in created["groups"]] == ["disaster"]
    assert {"key": "source", "value": "交通政策課"} in created["extras"]
    assert created["update_frequency"] == "MONTHLY"
    assert [(r["name"], r["format"], r["position"]) for r in created["resources"]] == [
        ("CSV", "CSV", 0), ("地図", "GeoJSON", 1)]
    assert created["creator_user_id"] == str(catalog.member.pk)
    activity = Activity.objects.get(dataset__name="bus-stops")
    assert activity.activity_type == "new package" and activity.actor == catalog.member
    # The new dataset is searchable at once.
    found = result_of(call_get(client, "package_search", q="バス停"))
    assert [d["name"] for d in found["results"]] == ["bus-stops"]


def test_package_create_owner_org_by_id(client, catalog, admin_token):
    org = catalog.organizations["marugame-city"]
    created = result_of(post(client, "package_create", admin_token, **new_package(owner_org=str(org.id))))
    assert created["organization"]["name"] == "marugame-city"


def test_package_create_validation_error_shape(client, catalog, member_token):
    response = post(client, "package_create", member_token, name="A", title="", owner_org="takamatsu-city",
                    license_id="no-such-licence")
    error = error_of(response, 409, "Validation Error")
    assert set(error) >= {"name", "title", "license_id", "__type"}
    assert all(isinstance(messages, list) and messages for k, messages in error.items() if k != "__type")


def test_package_create_rejects_unknown_fields_and_wrong_types(client, catalog, member_token):
    error = error_of(post(client, "package_create", member_token, **new_package(colour="blue")),
                     409, "Validation Error")
    assert "Unknown field" in error["colour"][0]
    error = error_of(post(client, "package_create", member_token,
                          **new_package(title=["a"], private="maybe", tags="x", extras={"a": 1})),
                     409, "Validation Error")
    assert set(error) >= {"title", "private", "tags", "extras"}
    assert not Dataset.objects.filter(name="bus-stops").exists()


def test_package_create_bad_resource_writes_nothing(client, catalog, member_token):
    before = (Dataset.objects.count(), Resource.objects.count(), Activity.objects.count())
    package = new_package(resources=[{"name": "ok", "url": "https://example.jp/a.csv"}, {"name": "no data"}])
    error = error_of(post(client, "package_create", member_token, **package), 409, "Validation Error")
    assert error["resources"][0] == {} and "__all__" in error["resources"][1]
    assert (Dataset.objects.count(), Resource.objects.count(), Activity.objects.count()) == before


def test_package_create_unknown_organization_and_missing_owner(client, catalog, admin_token):
    error = error_of(post(client, "package_create", admin_token, **new_package(owner_org="atlantis")),
                     409, "Validation Error")
    assert error["owner_org"] == ["Organization does not exist"]
    package = new_package()
    del package["owner_org"]
    assert "owner_org" in error_of(post(client, "package_create", admin_token, **package), 409, "Validation Error")


def test_package_create_authorization(client, catalog, outsider_token):
    # Anonymous, and a mere member of another organization, are refused.
    error_of(post(client, "package_create", None, **new_package()), 403, "Authorization Error")
    error_of(post(client, "package_create", outsider_token, **new_package()), 403, "Authorization Error")
    error_of(post(client, "package_create", outsider_token, **new_package(owner_org="marugame-city")),
             403, "Authorization Error")
    assert not Dataset.objects.filter(name="bus-stops").exists()


def test_package_create_id_only_for_site_admins(client, catalog, admin_token, member_token):
    wanted = "0b6f6a4c-8f2e-4a57-9c1e-3f6d2f7f0001"
    created = result_of(post(client, "package_create", admin_token, **new_package(id=wanted)))
    assert created["id"] == wanted
    created = result_of(post(client, "package_create", member_token,
                             **new_package(name="other", id="0b6f6a4c-8f2e-4a57-9c1e-3f6d2f7f0002")))
    assert created["id"] != "0b6f6a4c-8f2e-4a57-9c1e-3f6d2f7f0002"
    error = error_of(post(client, "package_create", admin_token, **new_package(name="third", id=wanted)),
                     409, "Validation Error")
    assert "id" in error


def test_write_actions_need_post(client, catalog):
    response = client.get("/api/3/action/package_create", {"name": "x"})
    assert response.status_code == 400
    assert "Please use POST" in response.json()


def test_malformed_json_and_non_object_body(client, catalog, admin_token):
    response = client.post("/api/3/action/package_create", data="{not json", content_type="application/json",
                           HTTP_AUTHORIZATION=admin_token)
    assert response.status_code == 400 and "JSON" in response.json()
    response = client.post("/api/3/action/package_create", data="[1, 2]", content_type="application/json",
                           HTTP_AUTHORIZATION=admin_token)
    assert response.status_code == 400


def test_oversized_body_is_refused(client, catalog, admin_token, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post(client, "package_create", admin_token, **new_package(notes="x" * 5000))
    assert response.status_code == 400 and "too large" in response.json()
    assert not Dataset.objects.filter(name="bus-stops").exists()


# --- package_update / patch / revise ------------------------------------------------------------

def test_package_update_replaces(client, catalog, member_token):
    current = result_of(call_get(client, "package_show", id="evacuation-sites"))
    updated = result_of(post(client, "package_update", member_token, id=current["id"], name="evacuation-sites",
                             title="新しい題名", owner_org="takamatsu-city",
                             resources=[{"id": current["resources"][1]["id"], "name": "GeoJSON",
                                         "url": current["resources"][1]["url"]},
                                        {"name": "追加", "url": "https://example.jp/new.csv"}]))
    assert updated["title"] == "新しい題名"
    assert updated["notes"] == ""  # left out: reset
    assert updated["standard_type"] is None
    assert [t["name"] for t in updated["tags"]] == ["避難所", "防災"]  # tags key absent: kept
    assert [r["name"] for r in updated["resources"]] == ["GeoJSON", "追加"]
    assert updated["resources"][0]["id"] == current["resources"][1]["id"]
    assert updated["resources"][0]["url_type"] == "upload"  # the file stays
    activity = Activity.objects.filter(dataset__name="evacuation-sites").order_by("-timestamp").first()
    assert activity.activity_type == "changed package" and "title" in activity.changes


def test_package_show_round_trips_through_update(client, catalog, admin_token):
    current = result_of(call_get(client, "package_show", id="aed-locations"))
    again = result_of(post(client, "package_update", admin_token, **current))
    for key in ("name", "title", "notes", "tags", "groups", "extras", "license_id", "standard_type", "owner_org"):
        assert again[key] == current[key], key
    assert [r["id"] for r in again["resources"]] == [r["id"] for r in current["resources"]]


def test_package_patch_merges(client, catalog, member_token):
    patched = result_of(post(client, "package_patch", member_token, id="evacuation-sites", notes="更新"))
    assert patched["notes"] == "更新"
    assert patched["title"] == "指定緊急避難場所一覧"
    assert len(patched["resources"]) == 2


def test_update_of_invisible_or_foreign_dataset(client, catalog, outsider_token, member_token):
    error_of(post(client, "package_patch", outsider_token, id="staff-budget", notes="x"), 404, "Not Found Error")
    error_of(post(client, "package_patch", outsider_token, id="aed-locations", notes="x"), 403,
             "Authorization Error")
    error_of(post(client, "package_patch", member_token, id="no-such", notes="x"), 404, "Not Found Error")
    # Moving a dataset to an organization one cannot publish in is refused.
    error_of(post(client, "package_patch", member_token, id="aed-locations", owner_org="marugame-city"), 403,
             "Authorization Error")


def test_package_revise(client, catalog, member_token):
    current = result_of(call_get(client, "package_show", id="evacuation-sites"))
    first, second = current["resources"]
    revised = result_of(post(client, "package_revise", member_token,
                             match={"name": "evacuation-sites"}, update={"notes": "改訂"},
                             **{"update__resources__" + first["id"]: {"description": "説明"},
                                "update__resources__-1": {"name": "最後"}}))["package"]
    assert revised["notes"] == "改訂"
    assert revised["resources"][0]["description"] == "説明"
    assert revised["resources"][1]["name"] == "最後"
    assert revised["title"] == current["title"]
    # filter removes a resource, extend appends one.
    revised = result_of(post(client, "package_revise", member_token, match={"id": current["id"]},
                             filter=["-resources__" + second["id"]],
                             update__resources__extend=[{"name": "新", "url": "https://example.jp/n.csv"}]))
    assert [r["name"] for r in revised["package"]["resources"]] == [first["name"], "新"]
    # A match that fails changes nothing.
    error = error_of(post(client, "package_revise", member_token, match={"name": "evacuation-sites", "title": "x"},
                          update={"notes": "no"}), 409, "Validation Error")
    assert error["match"] == ["title field value does not match"]
    assert Dataset.objects.get(name="evacuation-sites").notes == "改訂"


def test_package_owner_org_update_and_member_create(client, catalog, admin_token, member_token):
    result_of(post(client, "member_create", member_token, id="health", object="evacuation-sites",
                   object_type="package", capacity="public"))
    assert set(Dataset.objects.get(name="evacuation-sites").groups.values_list("name", flat=True)) == {
        "disaster", "health"}
    error_of(post(client, "member_create", member_token, id="nope", object="evacuation-sites",
                  object_type="package"), 404, "Not Found Error")
    error_of(post(client, "package_owner_org_update", member_token, id="evacuation-sites",
                  organization_id="marugame-city"), 403, "Authorization Error")
    result_of(post(client, "package_owner_org_update", admin_token, id="evacuation-sites",
                   organization_id=str(catalog.organizations["marugame-city"].id)))
    assert Dataset.objects.get(name="evacuation-sites").organization.name == "marugame-city"


# --- delete and purge ------------------------------------------------------------------------

def test_package_delete_and_purge(client, catalog, admin_token, member_token):
    result_of(post(client, "package_delete", member_token, id="aed-locations"))
    assert Dataset.objects.get(name="aed-locations").state == "deleted"
    error_of(post(client, "package_show", None, id="aed-locations"), 404, "Not Found Error")
    error_of(post(client, "dataset_purge", member_token, id="evacuation-sites"), 403, "Authorization Error")
    result_of(post(client, "dataset_purge", admin_token, id="aed-locations"))
    assert not Dataset.objects.filter(name="aed-locations").exists()
    error_of(post(client, "dataset_purge", admin_token, id="aed-locations"), 404, "Not Found Error")


# --- resources -----------------------------------------------------------------------------------

def test_resource_create_update_patch_delete(client, catalog, member_token):
    created = result_of(post(client, "resource_create", member_token, package_id="aed-locations",
                             url="https://example.jp/aed.json", name="JSON"))
    assert created["format"] == "JSON"
    updated = result_of(post(client, "resource_update", member_token, id=created["id"],
                             url="https://example.jp/aed2.json"))
    assert updated["name"] == "aed2.json" and updated["url"] == "https://example.jp/aed2.json"
    patched = result_of(post(client, "resource_patch", member_token, id=created["id"], description="説明"))
    assert patched["description"] == "説明" and patched["url"] == "https://example.jp/aed2.json"
    error = error_of(post(client, "resource_update", member_token, id=created["id"], name="no url"),
                     409, "Validation Error")
    assert "__all__" in error
    error_of(post(client, "resource_patch", member_token, id=created["id"], colour="red"), 409, "Validation Error")
    result_of(post(client, "resource_delete", member_token, id=created["id"]))
    error_of(post(client, "resource_show", None, id=created["id"]), 404, "Not Found Error")
    error_of(post(client, "resource_create", member_token, package_id="population-2024",
                  url="https://example.jp/x.csv"), 403, "Authorization Error")


def test_resource_create_multipart_upload(client, catalog, member_token, settings):
    upload = SimpleUploadedFile("stations.csv", "名前,緯度\n高松駅,34.35\n".encode())
    response = client.post("/api/3/action/resource_create",
                           {"package_id": "aed-locations", "name": "駅", "upload": upload},
                           HTTP_AUTHORIZATION=member_token)
    created = result_of(response)
    assert created["url_type"] == "upload" and created["format"] == "CSV" and created["size"] > 0
    assert created["hash"].startswith("sha256:")
    settings.HIRAKU_MAX_UPLOAD_BYTES = 10
    big = SimpleUploadedFile("big.csv", b"x" * 100)
    response = client.post("/api/3/action/resource_create", {"package_id": "aed-locations", "upload": big},
                           HTTP_AUTHORIZATION=member_token)
    assert "upload" in error_of(response, 409, "Validation Error")
    error = error_of(post(client, "resource_create", member_token, package_id="aed-locations", upload="text"),
                     409, "Validation Error")
    assert "upload" in error


# --- organizations, groups, membership ---------------------------------------------------------

def test_organization_crud(client, catalog, admin_token, member_token):
    error_of(post(client, "organization_create", member_token, name="sakaide-city", title="坂出市"),
             403, "Authorization Error")
    created = result_of(post(client, "organization_create", admin_token, name="sakaide-city", title="坂出市",
                             lgcode="372030"))
    assert created["name"] == "sakaide-city" and created["is_organization"] is True
    error = error_of(post(client, "organization_create", admin_token, name="sakaide-city", title="x",
                          lgcode="123"), 409, "Validation Error")
    assert {"name", "lgcode"} <= set(error)
    patched = result_of(post(client, "organization_patch", admin_token, id="sakaide-city",
                             description="香川県の市"))
    assert patched["title"] == "坂出市" and patched["description"] == "香川県の市"
    updated = result_of(post(client, "organization_update", admin_token, id=created["id"], title="坂出"))
    assert updated["description"] == "" and updated["name"] == "sakaide-city"
    kinds = list(Activity.objects.filter(object_id=created["id"]).values_list("activity_type", flat=True))
    assert sorted(kinds) == ["changed organization", "changed organization", "new organization"]
    # An organization with datasets cannot be deleted; an empty one can.
    error_of(post(client, "organization_delete", admin_token, id="takamatsu-city"), 409, "Validation Error")
    result_of(post(client, "organization_delete", admin_token, id="sakaide-city"))
    assert Organization.objects.get(name="sakaide-city").state == "deleted"
    error_of(post(client, "organization_show", None, id="sakaide-city"), 404, "Not Found Error")


def test_group_crud(client, catalog, admin_token, member_token):
    error_of(post(client, "group_create", member_token, name="transport", title="交通"), 403, "Authorization Error")
    created = result_of(post(client, "group_create", admin_token, name="transport", title="交通"))
    assert created["type"] == "group"
    patched = result_of(post(client, "group_patch", admin_token, id="transport", title_en="Transport"))
    assert patched["title"] == "交通" and patched["title_en"] == "Transport"
    error_of(post(client, "group_update", admin_token, id="transport", title=""), 409, "Validation Error")
    result_of(post(client, "group_delete", admin_token, id="disaster"))
    assert Group.objects.get(name="disaster").state == "deleted"
    assert not Dataset.objects.filter(groups__name="disaster").exists()


def test_organization_member_create(client, catalog, admin_token, member_token, django_user_model):
    newcomer = django_user_model.objects.create_user("newcomer", "n@example.jp", "pw-newcomer-0001")
    error_of(post(client, "organization_member_create", member_token, id="takamatsu-city", username="newcomer",
                  role="editor"), 403, "Authorization Error")
    result_of(post(client, "organization_member_create", admin_token, id="takamatsu-city", username="newcomer",
                   role="admin"))
    assert Membership.objects.get(user=newcomer).capacity == "admin"
    # The new admin may now manage members of that organization.
    newcomer_token = token_for(newcomer)
    result_of(post(client, "organization_member_create", newcomer_token, id="takamatsu-city", username="member",
                   role="member"))
    assert Membership.objects.get(user=catalog.member).capacity == "member"
    error_of(post(client, "organization_member_create", newcomer_token, id="takamatsu-city", username="member",
                  role="owner"), 409, "Validation Error")
    error_of(post(client, "organization_member_create", newcomer_token, id="takamatsu-city", username="ghost",
                  role="member"), 404, "Not Found Error")


# --- tokens and CSRF ---------------------------------------------------------------------------------

def test_token_headers(client, catalog, member_token):
    for headers in ({"HTTP_AUTHORIZATION": member_token}, {"HTTP_AUTHORIZATION": "Bearer " + member_token},
                    {"HTTP_X_CKAN_API_KEY": member_token}):
        result = result_of(client.get("/api/3/action/package_show", {"id": "staff-budget"}, **headers))
        assert result["private"] is True
    error_of(client.get("/api/3/action/package_show", {"id": "aed-locations"}, HTTP_AUTHORIZATION="wrong"),
             403, "Authorization Error")
    error_of(client.get("/api/3/action/package_show", {"id": "aed-locations"}, HTTP_AUTHORIZATION=""),
             403, "Authorization Error")


def test_token_actions(client, catalog, member_token, outsider_token):
    created = result_of(post(client, "api_token_create", member_token, user="member", name="harvester"))
    listed = result_of(post(client, "api_token_list", member_token, user_id="member"))
    assert {t["name"] for t in listed} == {"tests", "harvester"}
    assert all("token" not in t for t in listed)
    error_of(post(client, "api_token_list", outsider_token, user_id="member"), 403, "Authorization Error")
    error_of(post(client, "api_token_create", outsider_token, user="member", name="x"), 403, "Authorization Error")
    jti = next(t["id"] for t in listed if t["name"] == "harvester")
    error_of(post(client, "api_token_revoke", outsider_token, jti=jti), 404, "Not Found Error")
    result_of(post(client, "api_token_revoke", member_token, jti=jti))
    error_of(post(client, "package_list", created["token"]), 403, "Authorization Error")
    result_of(post(client, "api_token_revoke", member_token, token=member_token))
    error_of(post(client, "package_list", member_token), 403, "Authorization Error")


def test_inactive_user_token_is_refused(client, catalog, member_token):
    catalog.member.is_active = False
    catalog.member.save()
    error_of(post(client, "package_list", member_token), 403, "Authorization Error")


def test_session_writes_need_csrf(catalog):
    browser = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(catalog.member)
    response = post(browser, "package_patch", None, id="evacuation-sites", notes="via session")
    error_of(response, 403, "Authorization Error")
    assert Dataset.objects.get(name="evacuation-sites").notes != "via session"
    # Reads need no CSRF token.
    result_of(post(browser, "package_show", None, id="staff-budget"))
    # With the CSRF token (as the site's own pages send it) the write goes through.
    browser.get("/user/tokens")
    csrf = browser.cookies["csrftoken"].value
    response = browser.post("/api/3/action/package_patch", data=json.dumps({"id": "evacuation-sites",
                                                                            "notes": "via session"}),
                            content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert result_of(response)["notes"] == "via session"
    # A token needs no CSRF token even when a session cookie is present.
    token = token_for(catalog.member)
    result_of(post(browser, "package_patch", token, id="evacuation-sites", notes="via token"))
