"""Hiraku catalog → DCAT-AP 2.1.1 RDF graphs.

The mapping lives here and in `vocab.py` only; views call `catalog_graph` /
`dataset_graph` and `serialize`. Every node the profile gives a class range
(licence, format, media type, frequency, language, theme, location, …) is
typed in the graph itself, so the output validates against the DCAT-AP SHACL
shapes without fetching the EU vocabularies.

URIs:
  catalog            SITE_URL/
  dataset            SITE_URL/dataset/<uuid>              (stable across renames)
  distribution       SITE_URL/dataset/<uuid>/resource/<uuid>
  publisher          SITE_URL/organization/<name>         (the organization page)
  local theme        SITE_URL/group/<name>                (the theme page), in scheme SITE_URL/group/
  licence w/o URL    SITE_URL/dcat/license/<licence id>
  area               SITE_URL/dcat/area/<全国地方公共団体コード>
  standard           SITE_URL/dcat/standard/<standard slug>
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import iri_to_uri
from rdflib import BNode, Graph, Literal, URIRef

from hiraku.catalog.licenses import get_license
from hiraku.catalog.models import Dataset, Group, Organization, Resource, State
from hiraku.catalog.serializers import resource_download_url
from hiraku.catalog.standards import STANDARD_TYPES

from . import vocab
from .vocab import ADMS, DCAT, DCT, FOAF, HYDRA, OWL, RDF, RDFS, SKOS, SPDX, VCARD, XSD

# format name in URLs -> (rdflib format, media type)
FORMATS = {
    "ttl": ("turtle", "text/turtle"),
    "rdf": ("xml", "application/rdf+xml"),
    "jsonld": ("json-ld", "application/ld+json"),
}
MEDIA_TYPES = {media_type: name for name, (_rdflib, media_type) in FORMATS.items()}

_STANDARDS = {slug: (ja, en) for slug, ja, en in STANDARD_TYPES}


# --- URIs -----------------------------------------------------------------------

def absolute(path: str) -> str:
    return settings.SITE_URL + path


def catalog_uri() -> URIRef:
    return URIRef(absolute("/"))


def dataset_uri(dataset: Dataset) -> URIRef:
    return URIRef(absolute(f"/dataset/{dataset.id}"))


def distribution_uri(resource: Resource) -> URIRef:
    return URIRef(absolute(f"/dataset/{resource.dataset_id}/resource/{resource.id}"))


def organization_uri(organization: Organization) -> URIRef:
    return URIRef(absolute(reverse("web:organization_detail", kwargs={"organization": organization.name})))


def theme_scheme_uri() -> URIRef:
    return URIRef(absolute(reverse("web:group_list")))


def group_uri(group: Group) -> URIRef:
    return URIRef(absolute(reverse("web:group_detail", kwargs={"group": group.name})))


def license_uri(license_id: str) -> URIRef:
    lic = get_license(license_id)
    if lic and lic.url:
        return URIRef(lic.url)
    return URIRef(absolute(f"/dcat/license/{iri_to_uri(license_id)}"))


def area_uri(lgcode: str) -> URIRef:
    return URIRef(absolute(f"/dcat/area/{lgcode}"))


def standard_uri(slug: str) -> URIRef:
    return URIRef(absolute(f"/dcat/standard/{slug}"))


def landing_page(dataset: Dataset) -> URIRef:
    return URIRef(absolute(reverse("web:dataset_detail", kwargs={"dataset": dataset.name})))


def resource_page(resource: Resource) -> URIRef:
    return URIRef(absolute(reverse("web:resource_detail", kwargs={"dataset": resource.dataset.name,
                                                                  "resource_id": resource.id})))


def _external(url: str) -> URIRef:
    return URIRef(iri_to_uri(url.strip()))


# --- Literals -------------------------------------------------------------------

def _text(value: str, language: str = "ja") -> Literal:
    return Literal(value, lang=language)


def _datetime(value: datetime) -> Literal:
    return Literal(value.astimezone(UTC).replace(microsecond=0).isoformat(), datatype=XSD.dateTime)


def _date(value: date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


# --- Graph building -------------------------------------------------------------

def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in vocab.PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def _concept(graph: Graph, uri: URIRef, scheme: URIRef, labels: dict[str, str], *types: URIRef) -> URIRef:
    """Declare a controlled-vocabulary concept the way its vocabulary does."""
    graph.add((uri, RDF.type, SKOS.Concept))
    for extra in types:
        graph.add((uri, RDF.type, extra))
    graph.add((uri, SKOS.inScheme, scheme))
    for language, label in labels.items():
        if label:
            graph.add((uri, SKOS.prefLabel, _text(label, language)))
    return uri


def _language(graph: Graph) -> URIRef:
    return _concept(graph, vocab.JAPANESE, vocab.LANGUAGE_SCHEME, {"en": "Japanese", "ja": "日本語"},
                    DCT.LinguisticSystem)


def _theme_schemes(graph: Graph) -> list[URIRef]:
    graph.add((vocab.DATA_THEME_SCHEME, RDF.type, SKOS.ConceptScheme))
    graph.add((vocab.DATA_THEME_SCHEME, DCT.title, _text("Data theme", "en")))
    local = theme_scheme_uri()
    graph.add((local, RDF.type, SKOS.ConceptScheme))
    graph.add((local, DCT.title, _text(f"{settings.SITE_TITLE} 分野")))
    return [vocab.DATA_THEME_SCHEME, local]


def add_publisher(graph: Graph, organization: Organization) -> URIRef:
    """The organization as a foaf:Agent named in both languages, with its 全国地方公共団体コード."""
    agent = organization_uri(organization)
    graph.add((agent, RDF.type, FOAF.Agent))
    graph.add((agent, RDF.type, FOAF.Organization))
    graph.add((agent, FOAF.name, _text(organization.title)))
    if organization.title_en:
        graph.add((agent, FOAF.name, _text(organization.title_en, "en")))
    if organization.lgcode:
        graph.add((agent, DCT.identifier, Literal(organization.lgcode)))
        graph.add((vocab.PUBLISHER_TYPE_SCHEME, RDF.type, SKOS.ConceptScheme))
        graph.add((vocab.PUBLISHER_TYPE_SCHEME, DCT.title, _text("Publisher type", "en")))
        graph.add((agent, DCT.type, _concept(graph, vocab.LOCAL_AUTHORITY, vocab.PUBLISHER_TYPE_SCHEME,
                                              {"en": "Local Authority"})))
    if organization.url:
        graph.add((agent, FOAF.homepage, _external(organization.url)))
    return agent


def _add_license(graph: Graph, license_id: str) -> URIRef:
    uri = license_uri(license_id)
    graph.add((uri, RDF.type, DCT.LicenseDocument))
    lic = get_license(license_id)
    if lic:
        graph.add((uri, DCT.title, _text(lic.title)))
        graph.add((uri, DCT.title, _text(lic.title_en, "en")))
        graph.add((uri, DCT.identifier, Literal(lic.id)))
    else:
        graph.add((uri, DCT.identifier, Literal(license_id)))
    return uri


def _rights(graph: Graph, dataset: Dataset) -> BNode | None:
    """The credit line the licence asks for, as a rights statement."""
    from hiraku.web.presenters import attribution_text

    with translation.override("ja"):
        text = attribution_text(dataset)
    if not text:
        return None
    node = BNode()
    graph.add((node, RDF.type, DCT.RightsStatement))
    graph.add((node, RDFS.label, _text(text)))
    return node


def _themes(graph: Graph, dataset_node: URIRef, groups) -> None:
    schemes = _theme_schemes(graph)
    for group in groups:
        local = _concept(graph, group_uri(group), schemes[1], {"ja": group.title, "en": group.title_en})
        for code in vocab.eu_themes_for_group(group.name, group.title, group.title_en):
            eu = _concept(graph, vocab.data_theme(code), vocab.DATA_THEME_SCHEME, {"en": vocab.DATA_THEMES[code]})
            graph.add((dataset_node, DCAT.theme, eu))
            graph.add((local, SKOS.closeMatch, eu))
        graph.add((dataset_node, DCAT.theme, local))


def _spatial(graph: Graph, dataset: Dataset) -> URIRef | BNode | None:
    if not (dataset.spatial or dataset.spatial_lgcode):
        return None
    node = area_uri(dataset.spatial_lgcode) if dataset.spatial_lgcode else BNode()
    graph.add((node, RDF.type, DCT.Location))
    if dataset.spatial:
        graph.add((node, SKOS.prefLabel, _text(dataset.spatial)))
        graph.add((node, LOCN_GEOGRAPHIC_NAME, _text(dataset.spatial)))
    if dataset.spatial_lgcode:
        graph.add((node, DCT.identifier, Literal(dataset.spatial_lgcode)))
    return node


LOCN_GEOGRAPHIC_NAME = vocab.LOCN.geographicName


def _temporal(graph: Graph, dataset: Dataset) -> BNode | None:
    if not (dataset.temporal_start or dataset.temporal_end):
        return None
    node = BNode()
    graph.add((node, RDF.type, DCT.PeriodOfTime))
    if dataset.temporal_start:
        graph.add((node, DCAT.startDate, _date(dataset.temporal_start)))
    if dataset.temporal_end:
        graph.add((node, DCAT.endDate, _date(dataset.temporal_end)))
    return node


def _contact_point(graph: Graph, dataset: Dataset) -> BNode | None:
    if not (dataset.maintainer or dataset.maintainer_email):
        return None
    node = BNode()
    graph.add((node, RDF.type, VCARD.Kind))
    graph.add((node, RDF.type, VCARD.Organization))
    graph.add((node, VCARD.fn, _text(dataset.maintainer or dataset.organization.title)))
    if dataset.maintainer_email:
        graph.add((node, VCARD.hasEmail, URIRef(f"mailto:{dataset.maintainer_email}")))
    return node


def _checksum(graph: Graph, value: str) -> BNode | None:
    algorithm, _sep, digest = (value or "").partition(":")
    if not digest or algorithm not in vocab.CHECKSUM_ALGORITHMS:
        return None
    node = BNode()
    graph.add((node, RDF.type, SPDX.Checksum))
    graph.add((node, SPDX.algorithm, vocab.CHECKSUM_ALGORITHMS[algorithm]))
    graph.add((vocab.CHECKSUM_ALGORITHMS[algorithm], RDF.type, SPDX.ChecksumAlgorithm))
    graph.add((node, SPDX.checksumValue, Literal(digest.lower(), datatype=XSD.hexBinary)))
    return node


def add_distribution(graph: Graph, resource: Resource, dataset: Dataset, *, license_node: URIRef,
                     rights: BNode | None) -> URIRef:
    node = distribution_uri(resource)
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCT.identifier, Literal(str(resource.id))))
    graph.add((node, DCT.title, _text(resource.name)))
    if resource.description:
        graph.add((node, DCT.description, _text(resource.description)))
    if resource.file:
        graph.add((node, DCAT.accessURL, resource_page(resource)))
        graph.add((node, DCAT.downloadURL, _external(resource_download_url(resource))))
    elif resource.url:
        graph.add((node, DCAT.accessURL, _external(resource.url)))
    else:
        graph.add((node, DCAT.accessURL, resource_page(resource)))
    eu_code, format_mime = vocab.format_codes(resource.format)
    if eu_code:
        fmt = _concept(graph, vocab.file_type(eu_code), vocab.FILE_TYPE_SCHEME, {"en": eu_code.replace("_", " ")},
                       DCT.MediaTypeOrExtent)
        graph.add((node, DCT.format, fmt))
    mimetype = resource.mimetype or format_mime
    if mimetype:
        media = vocab.media_type(mimetype)
        graph.add((media, RDF.type, DCT.MediaType))
        graph.add((node, DCAT.mediaType, media))
    if resource.size is not None:
        graph.add((node, DCAT.byteSize, Literal(str(resource.size), datatype=XSD.decimal)))
    checksum = _checksum(graph, resource.hash)
    if checksum is not None:
        graph.add((node, SPDX.checksum, checksum))
    graph.add((node, DCT.license, license_node))
    if rights is not None:
        graph.add((node, DCT.rights, rights))
    graph.add((node, DCT.issued, _datetime(resource.created)))
    graph.add((node, DCT.modified, _datetime(resource.last_modified or resource.modified)))
    return node


def add_dataset(graph: Graph, dataset: Dataset) -> URIRef:
    """Add one dataset (fetched with `datasets_with_relations()`) and its distributions."""
    node = dataset_uri(dataset)
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCT.identifier, Literal(str(dataset.id))))
    graph.add((node, ADMS.identifier, _adms_identifier(graph, dataset)))
    graph.add((node, DCT.title, _text(dataset.title)))
    # DCAT-AP requires a description; an empty one falls back to the title.
    graph.add((node, DCT.description, _text(dataset.notes or dataset.title)))
    for tag in sorted(dataset.tags.all(), key=lambda t: t.name):
        graph.add((node, DCAT.keyword, _text(tag.name)))
    _themes(graph, node, sorted(dataset.groups.all(), key=lambda g: g.name))
    graph.add((node, DCT.publisher, add_publisher(graph, dataset.organization)))
    graph.add((node, DCT.issued, _datetime(dataset.created)))
    graph.add((node, DCT.modified, _datetime(dataset.modified)))
    if dataset.update_frequency in vocab.FREQUENCIES:
        freq = _concept(graph, vocab.frequency(dataset.update_frequency), vocab.FREQUENCY_SCHEME,
                        {"en": vocab.FREQUENCIES[dataset.update_frequency]}, DCT.Frequency)
        graph.add((node, DCT.accrualPeriodicity, freq))
    for prop, value in ((DCT.temporal, _temporal(graph, dataset)), (DCT.spatial, _spatial(graph, dataset)),
                        (DCAT.contactPoint, _contact_point(graph, dataset))):
        if value is not None:
            graph.add((node, prop, value))
    page = landing_page(dataset)
    graph.add((page, RDF.type, FOAF.Document))
    graph.add((node, DCAT.landingPage, page))
    if dataset.url:
        source = _external(dataset.url)
        graph.add((source, RDF.type, FOAF.Document))
        graph.add((node, FOAF.page, source))
    graph.add((node, DCT.language, _language(graph)))
    if dataset.version:
        graph.add((node, OWL.versionInfo, Literal(dataset.version)))
    if dataset.author:
        author = BNode()
        graph.add((author, RDF.type, FOAF.Agent))
        graph.add((author, FOAF.name, _text(dataset.author)))
        graph.add((node, DCT.creator, author))
    if dataset.standard_type:
        standard = standard_uri(dataset.standard_type)
        graph.add((standard, RDF.type, DCT.Standard))
        ja, en = _STANDARDS.get(dataset.standard_type, (dataset.standard_type, ""))
        graph.add((standard, DCT.title, _text(ja)))
        if en:
            graph.add((standard, DCT.title, _text(en, "en")))
        graph.add((node, DCT.conformsTo, standard))
    license_node = _add_license(graph, dataset.license_id)
    rights = _rights(graph, dataset)
    for resource in dataset.resources.all():
        if resource.state == State.ACTIVE:
            graph.add((node, DCAT.distribution,
                       add_distribution(graph, resource, dataset, license_node=license_node, rights=rights)))
    return node


def _adms_identifier(graph: Graph, dataset: Dataset) -> BNode:
    """The URL name as a secondary identifier (what CKAN clients call the dataset)."""
    node = BNode()
    graph.add((node, RDF.type, ADMS.Identifier))
    graph.add((node, SKOS.notation, Literal(dataset.name)))
    return node


def dataset_graph(dataset: Dataset) -> Graph:
    graph = new_graph()
    add_dataset(graph, dataset)
    return graph


# --- Catalog --------------------------------------------------------------------

@dataclass
class Page:
    """One page of the catalog, with absolute URLs of its neighbours."""

    number: int
    per_page: int
    total: int
    url: str
    first: str
    last: str
    next: str | None = None
    previous: str | None = None


def catalog_graph(datasets, *, publisher: Organization | None, modified: datetime | None,
                  page: Page | None = None) -> Graph:
    graph = new_graph()
    catalog = catalog_uri()
    graph.add((catalog, RDF.type, DCAT.Catalog))
    with translation.override("ja"):
        graph.add((catalog, DCT.title, _text(str(settings.SITE_TITLE))))
        graph.add((catalog, DCT.description, _text(str(settings.SITE_DESCRIPTION))))
    with translation.override("en"):
        graph.add((catalog, DCT.description, _text(str(settings.SITE_DESCRIPTION), "en")))
    graph.add((catalog, FOAF.homepage, catalog))
    graph.add((catalog, RDF.type, FOAF.Document))
    graph.add((catalog, DCT.language, _language(graph)))
    for scheme in _theme_schemes(graph):
        graph.add((catalog, DCAT.themeTaxonomy, scheme))
    if publisher is not None:
        agent = add_publisher(graph, publisher)
    else:
        agent = URIRef(absolute("/#publisher"))
        graph.add((agent, RDF.type, FOAF.Agent))
        graph.add((agent, FOAF.name, _text(str(settings.SITE_TITLE))))
    graph.add((catalog, DCT.publisher, agent))
    if modified is not None:
        graph.add((catalog, DCT.modified, _datetime(modified)))
    for dataset in datasets:
        graph.add((catalog, DCAT.dataset, add_dataset(graph, dataset)))
    if page is not None:
        _add_paging(graph, page)
    return graph


def _add_paging(graph: Graph, page: Page) -> None:
    """Hydra paging, under both the current (next, …) and the older (nextPage, …) names that
    CKAN's and udata's harvesters follow."""
    node = URIRef(page.url)
    graph.add((node, RDF.type, HYDRA.PagedCollection))
    graph.add((node, HYDRA.totalItems, Literal(page.total)))
    graph.add((node, HYDRA.itemsPerPage, Literal(page.per_page)))
    for current, legacy, value in ((HYDRA.first, HYDRA.firstPage, page.first),
                                   (HYDRA.last, HYDRA.lastPage, page.last),
                                   (HYDRA.next, HYDRA.nextPage, page.next),
                                   (HYDRA.previous, HYDRA.previousPage, page.previous)):
        if value:
            graph.add((node, current, URIRef(value)))
            graph.add((node, legacy, URIRef(value)))


# --- Output ---------------------------------------------------------------------

JSONLD_CONTEXT = {prefix: str(namespace) for prefix, namespace in vocab.PREFIXES.items()}


def serialize(graph: Graph, fmt: str) -> bytes:
    rdflib_format, _media_type = FORMATS[fmt]
    if fmt == "jsonld":
        return graph.serialize(format=rdflib_format, context=JSONLD_CONTEXT, auto_compact=True,
                               encoding="utf-8")
    return graph.serialize(format=rdflib_format, encoding="utf-8")
