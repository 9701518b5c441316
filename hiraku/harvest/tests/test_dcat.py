"""DCAT harvesting: Turtle, RDF/XML and JSON-LD files, Hydra paging, mapping, deletions, syntax errors."""

from __future__ import annotations

import pytest
from rdflib import Graph

from hiraku.catalog.models import Dataset, State
from hiraku.harvest import services
from hiraku.harvest.forms import HarvestSourceForm
from hiraku.harvest.http import Response
from hiraku.harvest.models import HarvestedDataset, HarvestSource

from .fakes import fetcher

pytestmark = pytest.mark.django_db

PREFIXES = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
"""

TOILETS = """
<https://pref.example.jp/dataset/public-toilets> a dcat:Dataset ;
    dct:identifier "public-toilets" ;
    dct:title "公衆トイレ一覧"@ja, "Public toilets"@en ;
    dct:description "県内の公衆トイレ。"@ja ;
    dcat:keyword "トイレ"@ja, "toilet"@en, "バリアフリー"@ja ;
    dct:license <https://creativecommons.org/licenses/by/4.0/> ;
    dct:modified "2025-03-01T09:00:00"^^xsd:dateTime ;
    dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/MONTHLY> ;
    dct:publisher [ a foaf:Organization ; foaf:name "香川県"@ja ] ;
    dcat:contactPoint [ a vcard:Kind ; vcard:fn "環境政策課" ; vcard:hasEmail <mailto:kankyo@pref.example.jp> ] ;
    dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "2024-04-01"^^xsd:date ; dcat:endDate "2025-03-31"^^xsd:date ] ;
    dct:spatial [ a dct:Location ; <http://www.w3.org/2004/02/skos/core#prefLabel> "香川県"@ja ] ;
    owl:versionInfo "2025年3月版" ;
    dcat:landingPage <https://pref.example.jp/dataset/public-toilets> ;
    dcat:theme <https://pref.example.jp/group/disaster> ;
    dcat:distribution [ a dcat:Distribution ; dct:title "一覧（CSV）" ;
        dcat:downloadURL <https://pref.example.jp/files/toilets.csv> ;
        dcat:mediaType <https://www.iana.org/assignments/media-types/text/csv> ] ,
      [ a dcat:Distribution ; dct:title "地図" ; dcat:accessURL <https://map.example.jp/toilets> ;
        dct:format <http://publications.europa.eu/resource/authority/file-type/HTML> ] .
"""

BUDGET = """
<https://pref.example.jp/dataset/budget> a dcat:Dataset ;
    dct:title "予算書" ;
    dct:license <https://example.org/licences/custom> ;
    dcat:distribution [ a dcat:Distribution ; dct:title "リンク切れ" ] .
"""


def catalog_ttl(*datasets: str, extra: str = "") -> str:
    return PREFIXES + "<https://pref.example.jp/catalog> a dcat:Catalog .\n" + "".join(datasets) + extra


@pytest.fixture
def dcat_source(organization):
    return HarvestSource.objects.create(url="https://pref.example.jp/catalog.ttl", source_type="dcat",
                                        organization=organization)


def test_maps_datasets_and_distributions_back_to_catalog_fields(dcat_source, disaster_group):
    run = services.run_source(dcat_source, fetcher=fetcher(lambda url, params: catalog_ttl(TOILETS, BUDGET)))
    assert (run.status, run.added) == ("success", 2)
    toilets = Dataset.objects.get(name="public-toilets")
    assert (toilets.title, toilets.notes, toilets.license_id) == ("公衆トイレ一覧", "県内の公衆トイレ。", "cc-by-4.0")
    assert sorted(t.name for t in toilets.tags.all()) == ["トイレ", "バリアフリー"]
    assert (toilets.update_frequency, toilets.author, toilets.spatial) == ("MONTHLY", "香川県", "香川県")
    assert (toilets.maintainer, toilets.maintainer_email) == ("環境政策課", "kankyo@pref.example.jp")
    assert (str(toilets.temporal_start), str(toilets.temporal_end)) == ("2024-04-01", "2025-03-31")
    assert toilets.version == "2025年3月版" and toilets.url == "https://pref.example.jp/dataset/public-toilets"
    assert [g.name for g in toilets.groups.all()] == ["disaster"]
    assert [(r.name, r.url, r.format) for r in toilets.resources.order_by("position")] == [
        ("地図", "https://map.example.jp/toilets", "HTML"),
        ("一覧（CSV）", "https://pref.example.jp/files/toilets.csv", "CSV")]
    link = HarvestedDataset.objects.get(dataset=toilets)
    assert (link.remote_id, link.remote_modified) == ("public-toilets", "2025-03-01T09:00:00")
    budget = Dataset.objects.get(name="budget")
    assert budget.license_id == "other-open" and not budget.resources.exists()
    warnings = [line["message"] for line in run.report if line["level"] == "warning"]
    assert any("https://example.org/licences/custom" in w for w in warnings)
    assert any("リンク切れ" in w for w in warnings)


@pytest.mark.parametrize("fmt,suffix", [("xml", "rdf"), ("json-ld", "jsonld"), ("turtle", "ttl"), ("nt", "nt")])
def test_local_files_in_every_rdf_syntax_give_the_same_catalog(organization, tmp_path, fmt, suffix):
    graph = Graph().parse(data=catalog_ttl(TOILETS, BUDGET), format="turtle")
    path = tmp_path / f"catalog.{suffix}"
    path.write_text(graph.serialize(format=fmt), encoding="utf-8")
    form = HarvestSourceForm(data={"url": str(path), "source_type": "dcat", "organization": "kagawa",
                                   "schedule": "manual", "active": "on"}, allow_files=True)
    assert form.is_valid(), form.errors
    source = form.save()
    assert source.url == path.as_uri()
    run = services.run_source(source)
    assert (run.status, run.added) == ("success", 2), run.report
    assert Dataset.objects.get(name="public-toilets").resources.count() == 2


def test_follows_hydra_pages_and_deletes_what_left_the_catalog(dcat_source):
    first = catalog_ttl(TOILETS, extra="""
<https://pref.example.jp/catalog.ttl?page=1> a hydra:PagedCollection ;
    hydra:nextPage "https://pref.example.jp/catalog.ttl?page=2" .""")
    second = catalog_ttl(BUDGET, extra="""
<https://pref.example.jp/catalog.ttl?page=2> a hydra:PartialCollectionView ;
    hydra:next <https://pref.example.jp/catalog.ttl?page=2> .""")
    pages = {"1": first, "2": second}
    source_fetcher = fetcher(lambda url, params: pages[params.get("page", "1")])
    run = services.run_source(dcat_source, fetcher=source_fetcher)
    assert run.added == 2 and len(source_fetcher.transport.urls) == 2  # a self-link does not loop
    pages["2"] = catalog_ttl()
    run = services.run_source(dcat_source, fetcher=fetcher(lambda url, params: pages[params.get("page", "1")]))
    assert (run.deleted, run.unchanged) == (1, 1)
    assert Dataset.objects.get(name="budget").state == State.DELETED


@pytest.mark.parametrize(("answer", "expected"), [
    (Response("u", 200, "text/turtle", b"<https://x> a dcat:Dataset ."), "cannot read the RDF"),
    (Response("u", 200, "application/rdf+xml", b"<rdf:RDF><unclosed>"), "cannot read the RDF"),
    (Response("u", 200, "text/html", b"<!DOCTYPE html><title>Not found</title>"), "HTML"),
    (Response("u", 404, "text/plain", b"missing"), "HTTP 404"),
])
def test_unreadable_catalogs_fail_cleanly(dcat_source, answer, expected):
    run = services.run_source(dcat_source, fetcher=fetcher(lambda url, params: answer))
    assert run.status == "failed" and expected in run.report[0]["message"]
    assert not Dataset.objects.exists()


def test_missing_local_file_is_reported(organization, tmp_path):
    source = HarvestSource.objects.create(url=(tmp_path / "gone.ttl").as_uri(), source_type="dcat",
                                          organization=organization)
    run = services.run_source(source)
    assert run.status == "failed" and "cannot read the file" in run.report[0]["message"]
