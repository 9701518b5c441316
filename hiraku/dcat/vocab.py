"""Vocabularies of the DCAT-AP output and the tables that map Hiraku's values
onto them.

Every table maps a Hiraku value to a controlled-vocabulary code and is
invertible (see the `*_FROM_URI` helpers), so a harvester can read DCAT-AP
back into Hiraku values with the same tables.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

ADMS = Namespace("http://www.w3.org/ns/adms#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
SCHEMA = Namespace("http://schema.org/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")

DCT = DCTERMS

PREFIXES = {
    "adms": ADMS, "dcat": DCAT, "dct": DCT, "foaf": FOAF, "hydra": HYDRA, "locn": LOCN, "owl": OWL,
    "rdf": RDF, "rdfs": RDFS, "skos": SKOS, "spdx": SPDX, "vcard": VCARD, "xsd": XSD,
}

EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
DATA_THEME_SCHEME = URIRef(EU_AUTHORITY + "data-theme")
FILE_TYPE_SCHEME = URIRef(EU_AUTHORITY + "file-type")
FREQUENCY_SCHEME = URIRef(EU_AUTHORITY + "frequency")
LANGUAGE_SCHEME = URIRef(EU_AUTHORITY + "language")
PUBLISHER_TYPE_SCHEME = URIRef("http://purl.org/adms/publishertype/1.0")
IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"

JAPANESE = URIRef(EU_AUTHORITY + "language/JPN")
LOCAL_AUTHORITY = URIRef("http://purl.org/adms/publishertype/LocalAuthority")

# EU data themes: code -> English label (the labels of the EU vocabulary).
DATA_THEMES = {
    "AGRI": "Agriculture, fisheries, forestry and food",
    "ECON": "Economy and finance",
    "EDUC": "Education, culture and sport",
    "ENER": "Energy",
    "ENVI": "Environment",
    "GOVE": "Government and public sector",
    "HEAL": "Health",
    "INTR": "International issues",
    "JUST": "Justice, legal system and public safety",
    "REGI": "Regions and cities",
    "SOCI": "Population and society",
    "TECH": "Science and technology",
    "TRAN": "Transport",
}

# Hiraku groups are free-form themes (分野). They are mapped to EU data themes
# by words in their URL name or Japanese title; the first matches win.
THEME_KEYWORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("disaster", "safety", "bousai", "fire", "police", "防災", "消防", "安全", "防犯", "危機"), "JUST"),
    (("health", "welfare", "medical", "care", "健康", "福祉", "医療", "介護", "保健"), "HEAL"),
    (("education", "child", "school", "culture", "sport", "tourism", "子育て", "教育", "学校", "文化",
      "スポーツ", "観光"), "EDUC"),
    (("population", "statistic", "society", "人口", "統計", "世帯"), "SOCI"),
    (("environment", "living", "garbage", "waste", "park", "環境", "くらし", "ごみ", "公園"), "ENVI"),
    (("administration", "government", "finance", "election", "tax", "行政", "財政", "選挙", "税"), "GOVE"),
    (("econom", "industry", "business", "commerce", "経済", "産業", "商工", "雇用"), "ECON"),
    (("transport", "traffic", "road", "交通", "道路", "バス"), "TRAN"),
    (("agri", "fish", "forest", "food", "農", "林業", "水産", "食"), "AGRI"),
    (("energy", "エネルギー"), "ENER"),
    (("science", "technology", "科学", "技術"), "TECH"),
    (("international", "国際"), "INTR"),
    (("region", "city", "urban", "town", "地域", "まちづくり", "都市"), "REGI"),
)

# UpdateFrequency values are EU frequency codes already; labels from the EU vocabulary.
FREQUENCIES = {
    "IRREG": "irregular", "DAILY": "daily", "WEEKLY": "weekly", "MONTHLY": "monthly",
    "QUARTERLY": "quarterly", "ANNUAL": "annual", "NEVER": "never", "UNKNOWN": "unknown",
}

# Hiraku format label (upper case) -> (EU file-type code, IANA media type).
FORMATS: dict[str, tuple[str, str]] = {
    "CSV": ("CSV", "text/csv"),
    "TSV": ("TSV", "text/tab-separated-values"),
    "TXT": ("TXT", "text/plain"),
    "XLSX": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "XLS": ("XLS", "application/vnd.ms-excel"),
    "ODS": ("ODS", "application/vnd.oasis.opendocument.spreadsheet"),
    "JSON": ("JSON", "application/json"),
    "GEOJSON": ("GEOJSON", "application/geo+json"),
    "PDF": ("PDF", "application/pdf"),
    "ZIP": ("ZIP", "application/zip"),
    "XML": ("XML", "application/xml"),
    "RDF": ("RDF_XML", "application/rdf+xml"),
    "TTL": ("RDF_TURTLE", "text/turtle"),
    "JSON-LD": ("JSON_LD", "application/ld+json"),
    "KML": ("KML", "application/vnd.google-earth.kml+xml"),
    "SHP": ("SHP", ""),
    "PARQUET": ("PARQUET", "application/vnd.apache.parquet"),
    "DOCX": ("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "DOC": ("DOC", "application/msword"),
    "HTML": ("HTML", "text/html"),
}

# DCAT-AP 2.1.1 allows only SHA-1 checksums. Resources record SHA-256 (published through
# the CKAN API as `hash`), so distributions carry no spdx:checksum rather than a
# non-conforming one.
CHECKSUM_ALGORITHMS = {"sha1": SPDX.checksumAlgorithm_sha1}


def data_theme(code: str) -> URIRef:
    return URIRef(f"{EU_AUTHORITY}data-theme/{code}")


def frequency(code: str) -> URIRef:
    return URIRef(f"{EU_AUTHORITY}frequency/{code}")


def file_type(code: str) -> URIRef:
    return URIRef(f"{EU_AUTHORITY}file-type/{code}")


def media_type(mimetype: str) -> URIRef:
    return URIRef(IANA_MEDIA_TYPES + mimetype)


def eu_themes_for_group(name: str, title: str = "", title_en: str = "") -> list[str]:
    """EU data-theme codes for a Hiraku group, judged by its name and titles."""
    haystack = f"{name} {title} {title_en}".lower()
    codes: list[str] = []
    for words, code in THEME_KEYWORDS:
        if code not in codes and any(word in haystack for word in words):
            codes.append(code)
    return codes


def format_codes(label: str) -> tuple[str, str]:
    """(EU file-type code, IANA media type) of a Hiraku format label; empty strings when unknown."""
    return FORMATS.get((label or "").strip().upper(), ("", ""))


# --- Reverse mappings (for reading DCAT-AP back) ----------------------------------

def code_from_uri(uri: str, scheme: URIRef) -> str:
    """The code at the end of a controlled-vocabulary URI of `scheme`, or ''."""
    prefix = str(scheme) + "/"
    return str(uri)[len(prefix):] if str(uri).startswith(prefix) else ""


def frequency_from_uri(uri: str) -> str:
    code = code_from_uri(uri, FREQUENCY_SCHEME)
    return code if code in FREQUENCIES else ""


def format_from_uri(uri: str) -> str:
    code = code_from_uri(uri, FILE_TYPE_SCHEME)
    for label, (eu_code, _mime) in FORMATS.items():
        if eu_code == code:
            return label
    return code
