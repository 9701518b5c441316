"""schema.org JSON-LD on dataset pages, Atom activity feeds, the organization's recent changes."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from hiraku.catalog import services
from hiraku.catalog.models import Activity
from hiraku.web.presenters import changed_field_labels

from .conftest import PASSWORD, dataset_data

ATOM = "{http://www.w3.org/2005/Atom}"


def embedded_jsonld(html: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def feed_entries(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    return [{"title": e.findtext(f"{ATOM}title"), "summary": e.findtext(f"{ATOM}summary"),
             "author": e.findtext(f"{ATOM}author/{ATOM}name"), "link": e.find(f"{ATOM}link").get("href"),
             "id": e.findtext(f"{ATOM}id"), "updated": e.findtext(f"{ATOM}updated")}
            for e in root.findall(f"{ATOM}entry")]


def test_dataset_page_embeds_schema_org_dataset(client, public_dataset):
    html = client.get("/dataset/evacuation-sites").content.decode()
    data = embedded_jsonld(html)
    assert data["@type"] == "Dataset" and data["name"] == "指定緊急避難場所一覧"
    assert data["url"] == "http://127.0.0.1:8000/dataset/evacuation-sites"
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["publisher"]["name"] == "高松市" and data["publisher"]["identifier"] == "372013"
    assert data["temporalCoverage"] == "2024-04-01/2025-03-31"
    assert data["spatialCoverage"]["name"] == "高松市"
    assert set(data["keywords"]) == {"防災", "避難所"}
    assert data["isAccessibleForFree"] is True
    downloads = {d["name"]: d for d in data["distribution"]}
    assert downloads["避難場所一覧 CSV"]["encodingFormat"] == "text/csv"
    assert downloads["避難場所一覧 CSV"]["contentUrl"].startswith("http://127.0.0.1:8000/dataset/evacuation-sites/")
    assert '<link rel="alternate" type="application/atom+xml" href="/dataset/evacuation-sites/activity.atom"' in html


def test_user_text_cannot_escape_the_json_ld_script(client, editor, themes, commit):
    hostile = '</script><script>alert("x")</script><!-- &'
    commit(services.create_dataset, editor, dataset_data(name="hostile", title=hostile, notes=hostile,
                                                         tags="x</script>"))
    html = client.get("/dataset/hostile").content.decode()
    assert '<script>alert("x")' not in html
    data = embedded_jsonld(html)
    assert data["name"] == hostile and data["description"] == hostile
    assert "x</script>" in data["keywords"]


def test_site_feed_lists_visible_activity_only(client, public_dataset, private_dataset, editor):
    entries = feed_entries(client.get("/activity.atom"))
    assert entries and all("/dataset/evacuation-sites" in e["link"] for e in entries)
    assert all(e["author"] == "tanaka" for e in entries)
    assert len({e["id"] for e in entries}) == len(entries)
    client.login(username=editor.username, password=PASSWORD)
    links = {e["link"] for e in feed_entries(client.get("/activity.atom"))}
    assert "http://testserver/dataset/internal-list" in links


def test_feed_entries_summarise_the_changed_fields(client, public_dataset, editor, commit):
    data = services.dataset_form_data(public_dataset)
    data.update(title="指定緊急避難場所一覧（令和7年度）", groups=[g.name for g in public_dataset.groups.all()])
    commit(services.update_dataset, editor, public_dataset, data)
    newest = feed_entries(client.get("/dataset/evacuation-sites/activity.atom"))[0]
    with translation.override("ja"):
        label = changed_field_labels({"title": ["a", "b"]})[0]
    assert "指定緊急避難場所一覧（令和7年度）" in newest["title"]
    assert label in newest["summary"] and "tanaka" in newest["summary"]
    assert newest["link"] == "http://testserver/dataset/evacuation-sites"


def test_site_feed_keeps_the_newest_fifty(client, public_dataset):
    model = Activity.objects.filter(dataset=public_dataset).first()
    Activity.objects.bulk_create([Activity(activity_type="changed package", object_type="package",
                                           object_id=public_dataset.id, dataset=public_dataset,
                                           organization=public_dataset.organization, changes={"notes": [1, 2]},
                                           timestamp=model.timestamp) for _ in range(60)])
    assert len(feed_entries(client.get("/activity.atom"))) == 50


def test_dataset_feed_of_a_private_dataset_is_not_found(client, private_dataset, editor):
    assert client.get("/dataset/internal-list/activity.atom").status_code == 404
    client.login(username=editor.username, password=PASSWORD)
    assert feed_entries(client.get("/dataset/internal-list/activity.atom"))


@pytest.mark.parametrize("logged_in", [False, True])
def test_organization_page_shows_recent_changes(client, public_dataset, private_dataset, editor, logged_in):
    if logged_in:
        client.login(username=editor.username, password=PASSWORD)
    html = client.get("/organization/takamatsu").content.decode()
    section = html[html.index('id="activity-title"'):]
    assert 'href="/dataset/evacuation-sites"' in section
    assert ('href="/dataset/internal-list"' in section) is logged_in
