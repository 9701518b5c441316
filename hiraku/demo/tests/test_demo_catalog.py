"""The demo catalog: shipped files, manifest, idempotent loading, accounts."""

from __future__ import annotations

import copy
import hashlib
import json
import stat
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from hiraku.catalog import services
from hiraku.catalog.models import (
    Activity,
    Capacity,
    Dataset,
    Group,
    Membership,
    Organization,
    Resource,
    State,
    Tag,
)
from hiraku.catalog.standards import STANDARD_TYPES
from hiraku.core.lgcode import is_valid_lgcode
from hiraku.demo import accounts
from hiraku.demo.loader import DATA_DIR, DemoDataError, load_demo_catalog, read_manifest, resource_path

TAKAMATSU_ATTRIBUTION = "出典：高松市オープンデータ（CC BY 4.0）"
NOT_DATA = {"LICENSE-CC-BY-4.0.txt", "README.md", "manifest.json"}


@pytest.fixture
def manifest():
    return read_manifest()


@pytest.fixture
def demo_env(settings, tmp_path, isolated_media):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def site_admin(db):
    return get_user_model().objects.create_superuser("loader-admin", "", "x-Strong-passphrase-1")


def shipped_data_files() -> set[str]:
    return {str(p.relative_to(DATA_DIR)) for p in DATA_DIR.rglob("*") if p.is_file() and p.name not in NOT_DATA}


def sha256(path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


# --- The shipped data and its manifest --------------------------------------------

def test_manifest_references_every_shipped_file_exactly_once(manifest):
    referenced = [str(resource_path(ds, r).relative_to(DATA_DIR)) for ds in manifest["datasets"] for r in ds["resources"]]
    assert len(referenced) == len(set(referenced))
    assert set(referenced) == shipped_data_files()


def test_shipped_files_are_the_published_ones(shared_dir):
    sample = shared_dir / "data" / "takamatsu-sample"
    published = {str(p.relative_to(sample)) for p in sample.rglob("*") if p.is_file() and p.name != "config.yml"}
    shipped = {p.removeprefix("takamatsu/") for p in shipped_data_files() if p.startswith("takamatsu/")}
    assert shipped | {"LICENSE-CC-BY-4.0.txt"} == published
    for name in shipped:
        assert sha256(DATA_DIR / "takamatsu" / name) == sha256(sample / name), name
    assert (DATA_DIR / "takamatsu" / "LICENSE-CC-BY-4.0.txt").read_bytes() == \
        (sample / "LICENSE-CC-BY-4.0.txt").read_bytes()
    localgov = shared_dir / "data" / "localgovjp" / "localgovjp-utf8.csv"
    assert sha256(DATA_DIR / "localgovjp" / "localgovjp-utf8.csv") == sha256(localgov)


def test_manifest_describes_every_dataset_fully(manifest):
    standard_slugs = {slug for slug, _ja, _en in STANDARD_TYPES}
    group_names = {g["name"] for g in manifest["groups"]}
    assert len(manifest["datasets"]) == 24
    for spec in manifest["datasets"]:
        assert spec["notes"].strip(), spec["name"]
        assert spec["tags"] and spec["groups"], spec["name"]
        assert set(spec["groups"]) <= group_names, spec["name"]
        assert spec["standard_type"] in standard_slugs | {""}, spec["name"]
        names = [r["name"] for r in spec["resources"]]
        assert len(names) == len(set(names)), f"resource names must be unique in {spec['name']}"
    for group in manifest["groups"]:
        assert group["title"] and group["title_en"]
    assert all(is_valid_lgcode(o["lgcode"]) for o in manifest["organizations"] if o["lgcode"])


def test_a_manifest_naming_a_missing_file_is_refused(tmp_path, manifest):
    broken = copy.deepcopy(manifest)
    broken["datasets"][0]["resources"].append({"file": "nowhere.xlsx", "name": "missing"})
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(DemoDataError, match="nowhere.xlsx"):
        read_manifest(path)


def test_an_unreadable_manifest_is_refused(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(DemoDataError):
        read_manifest(path)


# --- Loading ----------------------------------------------------------------------

def catalog_state() -> dict:
    return {
        "organizations": Organization.objects.count(), "groups": Group.objects.count(),
        "datasets": Dataset.objects.count(), "resources": Resource.objects.count(), "tags": Tag.objects.count(),
        "activities": Activity.objects.count(),
        "modified": sorted(Dataset.objects.values_list("modified", flat=True)),
    }


@pytest.mark.django_db
def test_loading_twice_changes_nothing_the_second_time(demo_env, site_admin, manifest):
    first = load_demo_catalog(site_admin, manifest)
    assert first.changed
    before = catalog_state()
    second = load_demo_catalog(site_admin, manifest)
    assert not second.changed
    assert catalog_state() == before
    assert second.counts["datasets"]["unchanged"] == len(manifest["datasets"])


@pytest.mark.django_db
def test_counts_match_the_manifest(demo_env, site_admin, manifest):
    load_demo_catalog(site_admin, manifest)
    assert Organization.objects.count() == len(manifest["organizations"])
    assert Group.objects.count() == len(manifest["groups"])
    assert Dataset.objects.count() == len(manifest["datasets"])
    assert Resource.objects.count() == sum(len(ds["resources"]) for ds in manifest["datasets"])
    assert Activity.objects.filter(activity_type="new package").count() == len(manifest["datasets"])
    city = Organization.objects.get(name="takamatsu-city")
    assert (city.title, city.lgcode) == ("高松市", "372013")


@pytest.mark.django_db
def test_every_dataset_has_its_files_with_size_and_hash(demo_env, site_admin, manifest):
    load_demo_catalog(site_admin, manifest)
    for spec in manifest["datasets"]:
        dataset = Dataset.objects.get(name=spec["name"])
        resources = {r.name: r for r in dataset.resources.filter(state=State.ACTIVE)}
        assert set(resources) == {r["name"] for r in spec["resources"]}
        for resource_spec in spec["resources"]:
            resource, source = resources[resource_spec["name"]], resource_path(spec, resource_spec)
            assert resource.file and resource.file.storage.exists(resource.file.name)
            assert resource.size == source.stat().st_size
            assert resource.hash == sha256(source)
            with resource.file.open("rb") as stored:
                assert stored.read() == source.read_bytes()
            assert resource.format == source.suffix.lstrip(".").upper()


@pytest.mark.django_db
def test_metadata_attribution_and_themes_come_from_the_manifest(demo_env, site_admin, manifest):
    load_demo_catalog(site_admin, manifest)
    population = services.get_dataset("population")
    assert population.extras["attribution"] == TAKAMATSU_ATTRIBUTION
    assert (population.license_id, population.spatial, population.spatial_lgcode) == \
        ("cc-by-4.0", "香川県高松市", "372013")
    assert population.standard_type == "population" and population.update_frequency == "MONTHLY"
    assert {g.name for g in population.groups.all()} == {"population-statistics"}
    localgov = services.get_dataset("localgovjp")
    assert localgov.license_id == "cc-zero" and localgov.organization.name == "code-for-fukui"


@pytest.mark.django_db
def test_a_changed_manifest_updates_through_the_services(demo_env, site_admin, manifest):
    load_demo_catalog(site_admin, manifest)
    changed = copy.deepcopy(manifest)
    changed["datasets"][0]["title"] = "AED設置場所（改訂）"
    report = load_demo_catalog(site_admin, changed)
    assert report.counts["datasets"] == {"created": 0, "updated": 1, "unchanged": len(manifest["datasets"]) - 1}
    dataset = Dataset.objects.get(name=manifest["datasets"][0]["name"])
    assert dataset.title == "AED設置場所（改訂）"
    activity = Activity.objects.filter(dataset=dataset, activity_type="changed package").latest("timestamp")
    assert activity.changes["title"] == ["AED設置場所", "AED設置場所（改訂）"]
    assert activity.actor == site_admin


@pytest.mark.django_db
def test_a_dataset_deleted_by_staff_stays_deleted(demo_env, site_admin, manifest):
    load_demo_catalog(site_admin, manifest)
    services.delete_dataset(site_admin, Dataset.objects.get(name="park"))
    report = load_demo_catalog(site_admin, manifest)
    assert report.skipped == ["park"] and not report.changed
    assert Dataset.objects.get(name="park").state == State.DELETED


# --- The command and its accounts ---------------------------------------------------

@pytest.mark.django_db
def test_demo_command_prints_the_same_generated_logins_on_every_run(demo_env):
    first, second = StringIO(), StringIO()
    call_command("demo", stdout=first)
    call_command("demo", stdout=second)
    stored = json.loads((demo_env / accounts.CREDENTIALS_FILENAME).read_text())
    password = stored["admin"]
    line = f"管理者ログイン / Admin login: admin / {password} — http://127.0.0.1:8000/admin/"
    assert line in first.getvalue() and line in second.getvalue()
    assert stored[accounts.EDITOR_USERNAME] in second.getvalue()
    assert stat.S_IMODE((demo_env / accounts.CREDENTIALS_FILENAME).stat().st_mode) == 0o600
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)
    editor = get_user_model().objects.get(username=accounts.EDITOR_USERNAME)
    membership = Membership.objects.get(user=editor)
    assert (membership.organization.name, membership.capacity) == ("takamatsu-city", Capacity.EDITOR)
    assert not editor.is_superuser


@pytest.mark.django_db
def test_passwords_differ_between_installations(settings, tmp_path, isolated_media):
    passwords = []
    for name in ("one", "two"):
        settings.DATA_DIR = tmp_path / name
        settings.DATA_DIR.mkdir()
        get_user_model().objects.filter(username="admin").delete()
        passwords.append(accounts.ensure_site_admin().password)
    assert passwords[0] != passwords[1] and all(len(p) >= 16 for p in passwords)


@pytest.mark.django_db
def test_a_password_changed_by_the_admin_is_not_printed(demo_env):
    accounts.ensure_site_admin()
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("changed-by-the-Owner-77")
    admin.save()
    assert accounts.ensure_site_admin().password is None


@pytest.mark.django_db
def test_demo_command_runs_its_jobs_in_process_whatever_the_queue(demo_env, monkeypatch):
    """`make demo` serves right after loading: the demo's ingestion must not wait in a queue."""
    from hiraku.core import jobs
    from hiraku.demo.management.commands import demo as command

    ran = []

    @jobs.job
    def note(value):
        ran.append(value)

    real_load = command.load_demo_catalog

    def load(*args):
        note.enqueue("during the demo")
        return real_load(*args)

    monkeypatch.setattr(command, "load_demo_catalog", load)
    huey = jobs.get_huey()
    was_immediate = huey.immediate
    huey.immediate = False  # jobs queue, as with the SQLite or Redis queue
    try:
        call_command("demo", stdout=StringIO())
        note.enqueue("after the demo")
        assert huey.pending_count() == 1
    finally:
        huey.immediate = was_immediate
    assert ran == ["during the demo"]
