"""DCAT endpoints: paging, filters, visibility, content negotiation and the mapping itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from hiraku.catalog import services
from hiraku.catalog.models import Dataset
from hiraku.dcat import vocab

from .conftest import PASSWORD, dataset_data

DCAT, DCT, HYDRA, SPDX, VCARD, SKOS = vocab.DCAT, vocab.DCT, vocab.HYDRA, vocab.SPDX, vocab.VCARD, vocab.SKOS
PARSERS = {"ttl": "turtle", "rdf": "xml", "jsonld": "json-ld"}


def get_graph(client, url: str, fmt: str = "ttl") -> Graph:
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return Graph().parse(data=response.content, format=PARSERS[fmt])


def dataset_titles(graph: Graph) -> set[str]:
    return {str(graph.value(node, DCT.title)) for node in graph.subjects(RDF.type, DCAT.Dataset)}


def paging(graph: Graph) -> dict:
    node = next(graph.subjects(RDF.type, HYDRA.PagedCollection))
    return {str(p).rsplit("#", 1)[-1]: o.toPython() if isinstance(o, Literal) else str(o)
            for p, o in graph.predicate_objects(node) if p != RDF.type}


@pytest.fixture
def three_datasets(editor, themes, commit):
    return [commit(services.create_dataset, editor, dataset_data(name=f"ds-{n}", title=f"データ{n}"))
            for n in range(3)]


def test_catalog_pages_with_hydra_links(client, three_datasets, monkeypatch):
    monkeypatch.setattr("hiraku.dcat.services.PAGE_SIZE", 2)
    first = get_graph(client, "/catalog.ttl")
    assert len(dataset_titles(first)) == 2
    links = paging(first)
    assert links["totalItems"] == 3 and links["itemsPerPage"] == 2
    assert links["next"] == links["nextPage"] == "http://127.0.0.1:8000/catalog.ttl?page=2"
    assert links["last"] == links["lastPage"] == "http://127.0.0.1:8000/catalog.ttl?page=2"
    assert links["first"].endswith("?page=1") and "previous" not in links

    second = get_graph(client, "/catalog.ttl?page=2")
    assert len(dataset_titles(second)) == 1
    assert dataset_titles(first) | dataset_titles(second) == {"データ0", "データ1", "データ2"}
    assert paging(second)["previous"].endswith("?page=1") and "next" not in paging(second)

    assert client.get("/catalog.ttl?page=3").status_code == 404
    assert client.get("/catalog.ttl?page=0").status_code == 400
    assert client.get("/catalog.ttl?page=two").status_code == 400


def test_modified_since_keeps_only_newer_changes(client, three_datasets):
    long_ago = timezone.now() - timedelta(days=400)
    Dataset.objects.filter(name__in=["ds-0", "ds-1"]).update(modified=long_ago)
    since = (timezone.now() - timedelta(days=30)).date().isoformat()
    assert dataset_titles(get_graph(client, f"/catalog.ttl?modified_since={since}")) == {"データ2"}
    moment = (long_ago - timedelta(days=1)).isoformat()
    graph = get_graph(client, "/catalog.ttl?" + "modified_since=" + moment.replace("+", "%2B"))
    assert len(dataset_titles(graph)) == 3
    assert paging(graph)["first"].startswith("http://127.0.0.1:8000/catalog.ttl?modified_since=")
    assert client.get("/catalog.ttl?modified_since=yesterday").status_code == 400


def test_q_goes_through_the_search_service(client, three_datasets, editor, commit):
    commit(services.create_dataset, editor, dataset_data(name="aed", title="AED設置箇所一覧", tags="AED"))
    graph = get_graph(client, "/catalog.ttl?q=AED")
    assert dataset_titles(graph) == {"AED設置箇所一覧"}
    assert paging(graph)["totalItems"] == 1
    assert dataset_titles(get_graph(client, "/catalog.ttl?q=存在しない語")) == set()


def test_private_datasets_only_reach_their_organization(client, public_dataset, private_dataset, editor):
    assert dataset_titles(get_graph(client, "/catalog.ttl")) == {public_dataset.title}
    assert client.get("/dataset/internal-list.ttl").status_code == 404
    assert client.get("/dataset/internal-list", HTTP_ACCEPT="text/turtle").status_code == 404
    client.login(username=editor.username, password=PASSWORD)
    assert dataset_titles(get_graph(client, "/catalog.ttl")) == {public_dataset.title, private_dataset.title}
    assert dataset_titles(get_graph(client, "/dataset/internal-list.ttl")) == {private_dataset.title}


@pytest.mark.parametrize("accept, fmt", [("text/turtle", "ttl"), ("application/rdf+xml", "rdf"),
                                         ("application/ld+json", "jsonld")])
def test_dataset_page_negotiates_rdf(client, public_dataset, accept, fmt):
    response = client.get("/dataset/evacuation-sites", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(accept)
    assert "Accept" in response["Vary"]
    graph = Graph().parse(data=response.content, format=PARSERS[fmt])
    assert dataset_titles(graph) == {public_dataset.title}
    assert dataset_titles(get_graph(client, f"/dataset/evacuation-sites.{fmt}", fmt)) == {public_dataset.title}


def test_browsers_still_get_the_page(client, public_dataset):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/dataset/evacuation-sites", HTTP_ACCEPT=browser)
    assert response["Content-Type"].startswith("text/html")
    assert "Accept" in response["Vary"]
    assert 'href="/dataset/evacuation-sites.ttl"' in response.content.decode()
    assert client.get("/dataset/evacuation-sites")["Content-Type"].startswith("text/html")


def test_dataset_mapping(client, public_dataset, organization):
    graph = get_graph(client, "/dataset/evacuation-sites.ttl")
    node = URIRef(f"http://127.0.0.1:8000/dataset/{public_dataset.id}")
    assert graph.value(node, DCT.identifier) == Literal(str(public_dataset.id))
    assert {str(k) for k in graph.objects(node, DCAT.keyword)} == {"防災", "避難所"}
    themes = set(graph.objects(node, DCAT.theme))
    assert URIRef("http://publications.europa.eu/resource/authority/data-theme/JUST") in themes
    assert URIRef("http://127.0.0.1:8000/group/disaster") in themes
    assert graph.value(node, DCT.accrualPeriodicity) == URIRef(
        "http://publications.europa.eu/resource/authority/frequency/MONTHLY")
    assert graph.value(node, DCT.modified).datatype == XSD.dateTime
    period = graph.value(node, DCT.temporal)
    assert graph.value(period, DCAT.startDate) == Literal("2024-04-01", datatype=XSD.date)
    assert graph.value(period, DCAT.endDate) == Literal("2025-03-31", datatype=XSD.date)
    assert graph.value(node, DCT.spatial) == URIRef("http://127.0.0.1:8000/dcat/area/372013")
    publisher = graph.value(node, DCT.publisher)
    assert publisher == URIRef("http://127.0.0.1:8000/organization/takamatsu")
    assert graph.value(publisher, DCT.identifier) == Literal("372013")
    assert Literal("高松市", lang="ja") in set(graph.objects(publisher, vocab.FOAF.name))
    contact = graph.value(node, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Kind) in graph
    assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:kikikanri@example.jp")
    assert graph.value(node, DCAT.landingPage) == URIRef("http://127.0.0.1:8000/dataset/evacuation-sites")

    distributions = {str(graph.value(d, DCT.title)): d for d in graph.objects(node, DCAT.distribution)}
    upload, link = distributions["避難場所一覧 CSV"], distributions["市のページ"]
    assert graph.value(upload, DCT.format) == URIRef("http://publications.europa.eu/resource/authority/file-type/CSV")
    assert graph.value(upload, DCAT.mediaType) == URIRef("http://www.iana.org/assignments/media-types/text/csv")
    resource = next(r for r in public_dataset.resources.all() if r.file)
    size = graph.value(upload, DCAT.byteSize)
    assert size.datatype == XSD.decimal and size.toPython() == resource.size
    # DCAT-AP 2.1.1 admits SHA-1 checksums only; the SHA-256 hash is not published as one.
    assert resource.hash.startswith("sha256:")
    assert graph.value(upload, SPDX.checksum) is None
    assert str(graph.value(upload, DCAT.downloadURL)).startswith("http://127.0.0.1:8000/dataset/evacuation-sites/")
    assert graph.value(link, DCAT.accessURL) == URIRef("https://www.city.takamatsu.kagawa.jp/kurashi/bousai.html")
    licence = URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert graph.value(upload, DCT.license) == licence and (licence, RDF.type, DCT.LicenseDocument) in graph
    rights = graph.value(upload, DCT.rights)
    assert "高松市" in str(graph.value(rights, vocab.RDFS.label))


def test_a_licence_without_url_gets_a_stable_local_uri(client, editor, themes, commit):
    commit(services.create_dataset, editor, dataset_data(name="odd", license_id="other-open"))
    graph = get_graph(client, "/dataset/odd.ttl")
    licence = URIRef("http://127.0.0.1:8000/dcat/license/other-open")
    assert (licence, RDF.type, DCT.LicenseDocument) in graph
    assert graph.value(licence, DCT.identifier) == Literal("other-open")


def test_theme_mapping_uses_names_and_titles():
    assert vocab.eu_themes_for_group("disaster-prevention", "防災") == ["JUST"]
    assert vocab.eu_themes_for_group("kenko", "健康・福祉") == ["HEAL"]
    assert vocab.eu_themes_for_group("misc", "その他") == []
    assert vocab.format_from_uri(str(vocab.file_type("RDF_TURTLE"))) == "TTL"
    assert vocab.frequency_from_uri(str(vocab.frequency("ANNUAL"))) == "ANNUAL"
