"""The whole demo catalog, as served, against the official DCAT-AP 2.1.1 SHACL shapes."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from hiraku.catalog.models import Dataset
from hiraku.dcat import vocab

# Every shape file of the release except the two that only list owl:imports of
# vocabularies to fetch over the network (the output declares the vocabulary
# terms it uses itself, see hiraku.dcat.serialize).
SHAPE_FILES = (
    "dcat-ap_2.1.1_shacl_shapes.ttl",  # cardinalities and literal ranges
    "dcat-ap_2.1.1_shacl_range.ttl",  # classes of the values
    "dcat-ap_2.1.1_shacl_mdr-vocabularies.shape.ttl",  # EU controlled vocabularies
    "dcat-ap_2.1.1_shacl_shapes_recommended.ttl",  # recommendations (warnings)
    "dcat-ap_2.1.1_shacl_deprecateduris.ttl",  # deprecated terms (warnings)
)


@pytest.fixture
def dcat_ap_shapes(shared_dir) -> Graph:
    shapes = Graph()
    for name in SHAPE_FILES:
        shapes.parse(shared_dir / "reference" / "dcat-ap" / name, format="turtle")
    return shapes


@pytest.fixture
def demo_catalog(db, settings, tmp_path, isolated_media):
    settings.DATA_DIR = tmp_path
    call_command("demo", stdout=StringIO())
    assert Dataset.objects.count() > 20


def describe(results: Graph, nodes) -> str:
    lines = []
    for node in nodes:
        lines.append(" | ".join(str(results.value(node, p)) for p in
                                (SH.focusNode, SH.resultPath, SH.sourceConstraintComponent, SH.resultMessage)))
    return "\n".join(lines)


def test_the_demo_catalog_has_no_dcat_ap_violations(client, demo_catalog, dcat_ap_shapes):
    response = client.get("/catalog.ttl")
    assert response.status_code == 200
    data = Graph().parse(data=response.content, format="turtle")
    assert len(list(data.subjects(RDF.type, vocab.DCAT.Dataset))) == Dataset.objects.count()

    _conforms, results, _text = validate(data, shacl_graph=dcat_ap_shapes)
    violations = [r for r in results.objects(None, SH.result)
                  if results.value(r, SH.resultSeverity) == SH.Violation]
    assert not violations, f"{len(violations)} DCAT-AP violations:\n{describe(results, violations)}"


def test_every_format_carries_the_same_graph(client, demo_catalog):
    graphs = {fmt: Graph().parse(data=client.get(f"/catalog.{fmt}").content, format=parser)
              for fmt, parser in (("ttl", "turtle"), ("rdf", "xml"), ("jsonld", "json-ld"))}
    sizes = {fmt: len(graph) for fmt, graph in graphs.items()}
    assert len(set(sizes.values())) == 1, sizes
    titles = {fmt: {str(o) for o in graph.objects(None, URIRef("http://purl.org/dc/terms/title"))}
              for fmt, graph in graphs.items()}
    assert titles["ttl"] == titles["rdf"] == titles["jsonld"]
    assert "AED設置場所" in titles["ttl"]
