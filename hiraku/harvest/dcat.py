"""Harvesting a DCAT catalog: RDF (Turtle, RDF/XML, JSON-LD, N-Triples) from a URL or a local file.

Pages linked with Hydra (`hydra:next`, or `hydra:nextPage` as ckanext-dcat writes
it) are followed. Each dcat:Dataset is mapped back to catalog fields and its
dcat:Distributions to link resources. The whole catalog is read on every run,
so datasets that are no longer in it are deleted locally.
"""

from __future__ import annotations

import mimetypes
import re
from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS

from .http import Fetcher, HarvestError
from .mapping import RemoteDataset, form_data, local_name, map_license, resource_data

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SCHEMA = Namespace("http://schema.org/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
MAX_PAGES = 10_000
ACCEPT = "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8, application/n-triples;q=0.5"

_FORMAT_BY_TYPE = {"text/turtle": "turtle", "application/x-turtle": "turtle", "application/rdf+xml": "xml",
                   "application/xml": "xml", "text/xml": "xml", "application/ld+json": "json-ld",
                   "application/json": "json-ld", "application/n-triples": "nt", "text/n3": "n3"}
_FORMAT_BY_EXTENSION = {"ttl": "turtle", "rdf": "xml", "xml": "xml", "owl": "xml", "jsonld": "json-ld",
                        "json": "json-ld", "nt": "nt", "n3": "n3"}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_NAME_OK = re.compile(r"^[a-z0-9_-]{2,100}$")


def rdf_format(url: str, content_type: str, body: bytes) -> str:
    media_type = content_type.split(";", 1)[0].strip().lower()
    head = body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or media_type == "text/html":
        raise HarvestError(_("%(url)s: expected RDF but received an HTML page.") % {"url": url})
    if media_type in _FORMAT_BY_TYPE:
        return _FORMAT_BY_TYPE[media_type]
    extension = urlsplit(url).path.rsplit(".", 1)[-1].lower() if "." in urlsplit(url).path else ""
    if extension in _FORMAT_BY_EXTENSION:
        return _FORMAT_BY_EXTENSION[extension]
    if head.startswith((b"{", b"[")):
        return "json-ld"
    if head.startswith((b"<?xml", b"<rdf:rdf")):
        return "xml"
    return "turtle"


def parse(url: str, content_type: str, body: bytes) -> Graph:
    fmt = rdf_format(url, content_type, body)
    graph = Graph()
    try:
        graph.parse(data=body, format=fmt, publicID=url)
    except Exception as error:  # noqa: BLE001 - rdflib raises many types for bad input
        reason = str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__
        raise HarvestError(_("%(url)s: cannot read the RDF (%(format)s): %(reason)s")
                           % {"url": url, "format": fmt, "reason": reason}) from None
    return graph


def next_page(graph: Graph) -> str | None:
    for predicate in (HYDRA.next, HYDRA.nextPage):
        for target in graph.objects(None, predicate):
            return str(target)
    return None


def harvest(source, importer, fetcher: Fetcher) -> None:
    local_groups = importer.local_group_names()
    url: str | None = source.url
    visited: set[str] = set()
    present: set[str] = set()
    while url and len(visited) < MAX_PAGES:
        visited.add(url)
        response = fetcher.get(url, accept=ACCEPT)
        graph = parse(url, response.content_type, response.body)
        for subject in sorted(set(graph.subjects(RDF.type, DCAT.Dataset)), key=str):
            try:
                remote = to_remote(graph, subject, importer.organization_name, local_groups)
            except HarvestError as error:
                importer.error(str(subject), str(error))
                continue
            present.add(remote.remote_id)
            importer.import_one(remote)
        url = next_page(graph)
        if url in visited:
            break
    importer.delete_missing(ids=present)


# --- Reading values ---------------------------------------------------------------------

def _text(graph: Graph, subject, *predicates) -> str:
    """The best literal: Japanese, then untagged, then English, then any."""
    values = [value for predicate in predicates for value in graph.objects(subject, predicate)
              if isinstance(value, Literal)]
    for wanted in ("ja", None, "en"):
        for value in values:
            if (value.language or None) == wanted or (wanted == "ja" and (value.language or "").startswith("ja")):
                return str(value).strip()
    return str(values[0]).strip() if values else ""


def _node(graph: Graph, subject, *predicates):
    for predicate in predicates:
        for value in graph.objects(subject, predicate):
            return value
    return None


def _label(graph: Graph, node) -> str:
    if node is None:
        return ""
    if isinstance(node, Literal):
        return str(node).strip()
    return _text(graph, node, SKOS.prefLabel, RDFS.label, DCTERMS.title, LOCN.geographicName, FOAF.name)


def _last_segment(value: str) -> str:
    path = urlsplit(value).path.rstrip("/")
    segment = path.rsplit("/", 1)[-1]
    return re.sub(r"\.(ttl|rdf|xml|jsonld|json|n3|nt)$", "", segment)


def _keywords(graph: Graph, subject) -> list[str]:
    literals = [v for v in graph.objects(subject, DCAT.keyword) if isinstance(v, Literal)]
    preferred = [v for v in literals if not v.language or v.language.startswith("ja")]
    return sorted({str(v).strip() for v in (preferred or literals) if str(v).strip()})


def _format(graph: Graph, distribution) -> str:
    node = _node(graph, distribution, DCTERMS["format"])
    if isinstance(node, URIRef):
        return _last_segment(str(node)).upper()
    if node is not None:
        label = _label(graph, node) or _text(graph, node, RDF.value)
        if label:
            return label
    media = _node(graph, distribution, DCAT.mediaType)
    media_text = str(media or "")
    if "/media-types/" in media_text:  # https://www.iana.org/assignments/media-types/text/csv
        media_text = media_text.split("/media-types/", 1)[1]
    if media_text:
        extension = mimetypes.guess_extension(media_text.split(";")[0].strip()) or ""
        return extension.lstrip(".").upper() or media_text
    return ""


def _remote_name(subject, identifier: str, landing_page: str) -> str:
    candidates = [_last_segment(str(subject)) if isinstance(subject, URIRef) else "",
                  _last_segment(landing_page) if landing_page else "", identifier]
    valid = [c for c in candidates if c and _NAME_OK.match(c)]
    readable = [c for c in valid if not _UUID.match(c)]
    return (readable or valid or [""])[0]


def to_remote(graph: Graph, subject, organization: str, local_groups: set[str]) -> RemoteDataset:
    identifier = _text(graph, subject, DCTERMS.identifier)
    title = _text(graph, subject, DCTERMS.title)
    remote_id = identifier or (str(subject) if not isinstance(subject, BNode) else title)
    landing = _node(graph, subject, DCAT.landingPage)
    landing_page = str(landing) if isinstance(landing, URIRef) else ""
    remote_name = _remote_name(subject, identifier, landing_page)
    # Blank-node labels change between parses: order distributions by what they say, not by node.
    distributions = sorted(graph.objects(subject, DCAT.distribution), key=lambda node: (
        str(_node(graph, node, DCAT.downloadURL, DCAT.accessURL) or ""), _text(graph, node, DCTERMS.title), str(node)))

    license_candidates = []
    for holder in [subject, *distributions]:
        for node in graph.objects(holder, DCTERMS.license):
            license_candidates += [str(node)] if isinstance(node, URIRef | Literal) else []
            if not isinstance(node, Literal):
                license_candidates += [_text(graph, node, DCTERMS.identifier), _label(graph, node)]
    license_id, license_warning = map_license(*license_candidates)

    contact = _node(graph, subject, DCAT.contactPoint)
    email = _node(graph, contact, VCARD.hasEmail) if contact is not None else None
    publisher = _node(graph, subject, DCTERMS.publisher)
    temporal = _node(graph, subject, DCTERMS.temporal)
    start = end = ""
    if temporal is not None and not isinstance(temporal, Literal):
        start = _text(graph, temporal, DCAT.startDate, SCHEMA.startDate)
        end = _text(graph, temporal, DCAT.endDate, SCHEMA.endDate)
    themes = [_last_segment(str(theme)) for theme in graph.objects(subject, DCAT.theme)]

    data = form_data(
        name=local_name(remote_name or title, remote_id), title=title or remote_name or remote_id,
        organization=organization, notes=_text(graph, subject, DCTERMS.description),
        tags=_keywords(graph, subject), groups=[name for name in themes if name in local_groups],
        license_id=license_id, url=landing_page,
        version=_text(graph, subject, OWL.versionInfo, ADMS.version),
        author=_label(graph, publisher),
        maintainer=_text(graph, contact, VCARD.fn, VCARD["organization-name"]) if contact is not None else "",
        maintainer_email=str(email) if email is not None else "",
        update_frequency=str(_node(graph, subject, DCTERMS.accrualPeriodicity) or ""),
        temporal_start=start, temporal_end=end, spatial=_label(graph, _node(graph, subject, DCTERMS.spatial)),
    )
    original = landing_page or (str(subject) if isinstance(subject, URIRef) else "")
    remote = RemoteDataset(remote_id=remote_id, remote_name=remote_name, original_url=original,
                           remote_modified=_text(graph, subject, DCTERMS.modified), data=data)
    if not remote_id:
        raise HarvestError(_("A dcat:Dataset has neither an identifier, an address nor a title."))
    if license_warning:
        remote.warnings.append(license_warning)
    for index, distribution in enumerate(distributions):
        url = _node(graph, distribution, DCAT.downloadURL) or _node(graph, distribution, DCAT.accessURL)
        name = _text(graph, distribution, DCTERMS.title)
        mapped = resource_data(name=name, url=str(url) if url is not None else "",
                               description=_text(graph, distribution, DCTERMS.description),
                               format=_format(graph, distribution))
        if mapped is None:
            remote.warnings.append(_("Distribution %(number)s (“%(name)s”) has no usable URL and was left out.")
                                   % {"number": index + 1, "name": name})
        else:
            remote.resources.append(mapped)
    return remote
