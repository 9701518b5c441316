"""Writes, tokens and activity through the real ckanapi client and its command line."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import ckanapi
import pytest

from hiraku.accounts import tokens
from hiraku.core.tests.test_serve import free_port, wait_for

CKANAPI = Path(sys.executable).with_name("ckanapi")


@pytest.fixture
def site(live_server, catalog):
    return live_server.url


def remote(url: str, user=None) -> ckanapi.RemoteCKAN:
    apikey = tokens.api_token_create(user, user, "ckanapi")[1] if user is not None else None
    return ckanapi.RemoteCKAN(url, apikey=apikey)


def test_dataset_lifecycle(site, catalog):
    ckan = remote(site, catalog.member)
    created = ckan.action.package_create(
        name="bus-stops", title="バス停", owner_org="takamatsu-city", tags=[{"name": "交通"}],
        groups=[{"name": "disaster"}], extras=[{"key": "source", "value": "交通政策課"}],
        resources=[{"name": "CSV", "url": "https://example.jp/bus.csv"}])
    assert created["resources"][0]["format"] == "CSV"
    updated = ckan.action.package_update(**{**created, "title": "バス停一覧", "notes": "説明"})
    assert updated["title"] == "バス停一覧" and updated["tags"] == created["tags"]
    patched = ckan.action.package_patch(id="bus-stops", version="2")
    assert patched["version"] == "2" and patched["notes"] == "説明"
    revised = ckan.action.package_revise(match={"name": "bus-stops"}, update={"title": "改訂"},
                                         update__resources__0={"description": "停留所"})
    assert revised["package"]["title"] == "改訂"
    assert revised["package"]["resources"][0]["description"] == "停留所"

    resource = ckan.action.resource_create(package_id="bus-stops", name="アップロード",
                                           upload=("stops.csv", io.BytesIO("停留所,緯度\n瓦町,34.34\n".encode())))
    assert resource["url_type"] == "upload" and resource["size"] > 0
    resource = ckan.action.resource_patch(id=resource["id"], description="アップロードした表")
    assert resource["url_type"] == "upload"
    resource = ckan.action.resource_update(id=resource["id"], name="リンク", url="https://example.jp/b.csv")
    assert resource["name"] == "リンク"
    ckan.action.resource_delete(id=resource["id"])
    assert ckan.action.resource_view_list(id=created["resources"][0]["id"]) == []

    ckan.action.member_create(id="health", object="bus-stops", object_type="package", capacity="public")
    ckan.action.package_owner_org_update(id="bus-stops", organization_id="takamatsu-city")
    activity = ckan.action.package_activity_list(id="bus-stops")
    assert activity[-1]["activity_type"] == "new package"
    assert activity[0]["activity_type"] == "changed package"
    assert activity[0]["data"]["package"]["name"] == "bus-stops"
    assert activity[0]["user_id"] == str(catalog.member.pk)

    ckan.action.package_delete(id="bus-stops")
    with pytest.raises(ckanapi.NotFound):
        remote(site).action.package_show(id="bus-stops")
    recent = remote(site).action.recently_changed_packages_activity_list(limit=5)
    assert recent[0]["activity_type"] == "deleted package"
    assert recent[0]["data"]["package"]["name"] == "bus-stops"
    with pytest.raises(ckanapi.NotAuthorized):
        ckan.action.dataset_purge(id="bus-stops")
    remote(site, catalog.admin).action.dataset_purge(id="bus-stops")
    with pytest.raises(ckanapi.NotFound):
        remote(site, catalog.admin).action.package_show(id="bus-stops")


def test_organizations_groups_and_members(site, catalog, django_user_model):
    admin = remote(site, catalog.admin)
    org = admin.action.organization_create(name="sakaide-city", title="坂出市", lgcode="372030")
    assert admin.action.organization_patch(id=org["id"], description="説明")["description"] == "説明"
    assert admin.action.organization_update(id="sakaide-city", title="坂出市役所")["description"] == ""
    group = admin.action.group_create(name="transport", title="交通")
    assert admin.action.group_patch(id=group["id"], title_en="Transport")["title"] == "交通"
    assert admin.action.group_update(id="transport", title="交通・運輸")["title_en"] == ""
    django_user_model.objects.create_user("clerk", "clerk@example.jp", "pw-clerk-0001")
    admin.action.organization_member_create(id="sakaide-city", username="clerk", role="editor")
    clerk = remote(site, django_user_model.objects.get(username="clerk"))
    clerk.action.package_create(name="sakaide-data", title="坂出", owner_org="sakaide-city")
    with pytest.raises(ckanapi.NotAuthorized):
        clerk.action.organization_member_create(id="sakaide-city", username="clerk", role="admin")
    with pytest.raises(ckanapi.ValidationError):
        admin.action.organization_delete(id="sakaide-city")
    stream = remote(site).action.organization_activity_list(id="sakaide-city")
    assert {a["activity_type"] for a in stream} >= {"new organization", "changed organization", "new package"}
    admin.action.group_delete(id="transport")
    with pytest.raises(ckanapi.NotFound):
        remote(site).action.group_show(id="transport")


def test_errors_map_to_ckanapi_exceptions(site, catalog):
    member = remote(site, catalog.member)
    with pytest.raises(ckanapi.ValidationError) as raised:
        member.action.package_create(name="x-ok", title="x", owner_org="takamatsu-city", colour="blue")
    assert "colour" in raised.value.error_dict
    with pytest.raises(ckanapi.ValidationError) as raised:
        member.action.package_create(name="X", owner_org="takamatsu-city", private="perhaps")
    assert "private" in raised.value.error_dict
    with pytest.raises(ckanapi.ValidationError) as raised:
        member.action.package_create(name="X", owner_org="takamatsu-city")
    assert {"name", "title"} <= set(raised.value.error_dict)
    with pytest.raises(ckanapi.NotAuthorized):
        member.action.package_patch(id="population-2024", notes="x")
    with pytest.raises(ckanapi.NotFound):
        member.action.package_patch(id="no-such-dataset", notes="x")
    with pytest.raises(ckanapi.NotAuthorized):
        remote(site).action.package_create(name="anonymous", title="x", owner_org="takamatsu-city")
    with pytest.raises(ckanapi.NotAuthorized):
        ckanapi.RemoteCKAN(site, apikey="hiraku_not-a-token").action.package_list()


def test_tokens_users_and_private_search(site, catalog):
    member = remote(site, catalog.member)
    token = member.action.api_token_create(user="member", name="harvester")["token"]
    listed = member.action.api_token_list(user_id="member")
    assert {t["name"] for t in listed} == {"ckanapi", "harvester"}
    harvester = ckanapi.RemoteCKAN(site, apikey=token)
    private = harvester.action.package_search(fq="organization:takamatsu-city", include_private=True)
    assert "staff-budget" in {d["name"] for d in private["results"]}
    public = remote(site).action.package_search(fq="organization:takamatsu-city", include_private=True)
    assert "staff-budget" not in {d["name"] for d in public["results"]}
    member.action.api_token_revoke(jti=next(t["id"] for t in listed if t["name"] == "harvester"))
    with pytest.raises(ckanapi.NotAuthorized):
        harvester.action.package_search()

    assert member.action.user_show(id="member")["email"] == "member@example.jp"
    shown = remote(site).action.user_show(id="member")
    assert shown["name"] == "member" and "email" not in shown and "fullname" not in shown
    assert "email" in remote(site, catalog.admin).action.user_show(id=str(catalog.member.pk))
    with pytest.raises(ckanapi.NotFound):
        remote(site).action.user_show(id="nobody")
    everything = remote(site).action.current_package_list_with_resources(limit=2, offset=1)
    assert [d["name"] for d in everything] == ["aed-locations", "evacuation-sites"]
    assert everything[0]["resources"]


def test_harvest_paging_returns_every_dataset_once_while_datasets_are_added(site, catalog):
    admin = remote(site, catalog.admin)
    # One dataset with an id near the top of the range: new ids must still sort after it.
    admin.action.package_create(name="high-id", title="High", owner_org="marugame-city",
                                id="f0000000-0000-4000-8000-000000000000")
    for number in range(7):
        admin.action.package_create(name=f"seed-{number}", title=f"Seed {number}", owner_org="marugame-city")
    harvester = remote(site)
    query = {"fq": "metadata_modified:[2024-01-01T00:00:00Z TO *]", "sort": "id asc", "rows": 3}
    expected = set(harvester.action.package_list())
    seen: list[str] = []
    start, added = 0, 0
    while True:
        page = harvester.action.package_search(start=start, **query)["results"]
        if not page:
            break
        seen.extend(d["name"] for d in page)
        start += len(page)
        for _ in range(2):  # datasets appear while the harvester pages
            admin.action.package_create(name=f"added-{added}", title="Added", owner_org="marugame-city")
            added += 1
        if added > 40:
            break
    assert len(seen) == len(set(seen)), "a dataset was returned twice"
    assert expected <= set(seen)


def _hiraku(cli_env: dict, *arguments, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hiraku.cli", *arguments], env=cli_env, check=True,
                          capture_output=True, text=True, timeout=180, **kwargs)


def test_ckanapi_dump_and_load_copy_the_catalog(site, catalog, tmp_path):
    target_dir = tmp_path / "target"
    target_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "HIRAKU_S3_BUCKET"}}
    env.update(HIRAKU_DATA_DIR=str(target_dir), PATH=f"{CKANAPI.parent}{os.pathsep}{env.get('PATH', '')}")
    _hiraku(env, "migrate", "-v0")
    token = _hiraku(env, "shell", "-c", (
        "from django.contrib.auth import get_user_model\n"
        "from hiraku.accounts.tokens import api_token_create\n"
        "user = get_user_model().objects.create_superuser('root', '', 'pw-root-long-0001')\n"
        "print(api_token_create(user, user, 'load')[1])"
    )).stdout.strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "hiraku.cli", "serve", "--port", str(port), "--workers", "1"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    target = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{target}/api/3/action/status_show")
        for thing in ("organizations", "groups", "datasets"):
            dump = tmp_path / f"{thing}.jsonl"
            subprocess.run([str(CKANAPI), "dump", thing, "--all", "-r", site, "-O", str(dump), "-p", "1",
                            "-q"], env=env, check=True, timeout=180)
            loaded = subprocess.run([str(CKANAPI), "load", thing, "-I", str(dump), "-r", target, "-a", token,
                                     "-p", "1"], env=env, check=True, timeout=180, capture_output=True, text=True)
            assert "Error" not in loaded.stdout + loaded.stderr, loaded.stdout + loaded.stderr
        source, copy = remote(site), ckanapi.RemoteCKAN(target)
        assert copy.action.package_list() == source.action.package_list()
        assert copy.action.organization_list() == source.action.organization_list()
        assert copy.action.group_list() == source.action.group_list()
        for name in source.action.package_list():
            original, copied = source.action.package_show(id=name), copy.action.package_show(id=name)
            for key in ("id", "title", "notes", "owner_org", "tags", "extras", "license_id", "standard_type"):
                assert _comparable(copied[key]) == _comparable(original[key]), (name, key)
            assert [g["name"] for g in copied["groups"]] == [g["name"] for g in original["groups"]]
            assert [(r["name"], r["url"], r["format"]) for r in copied["resources"]] == [
                (r["name"], r["url"], r["format"]) for r in original["resources"]]
        # Loading again updates in place instead of duplicating.
        dump = tmp_path / "datasets.jsonl"
        subprocess.run([str(CKANAPI), "load", "datasets", "-I", str(dump), "-r", target, "-a", token, "-p", "1"],
                       env=env, check=True, timeout=180, capture_output=True)
        assert copy.action.package_list() == source.action.package_list()
    finally:
        server.terminate()
        server.wait(timeout=30)


def _comparable(value):
    """Tag ids differ between sites; compare tags by name."""
    if isinstance(value, list) and value and isinstance(value[0], dict) and "vocabulary_id" in value[0]:
        return [item["name"] for item in value]
    return json.loads(json.dumps(value))
