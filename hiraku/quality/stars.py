"""The 5-star open data rating of a file, judged from its format and contents.

Criteria (Tim Berners-Lee's scheme as Japanese guidance uses it):

- 0★: the dataset has no open licence (only judged when dataset metadata is
  given; a file alone says nothing about its licence, so it is rated as if
  the licence were open);
- 1★: on the web in any format: PDF, Word, images, HTML, anything that is not
  structured data;
- 2★: structured data in a proprietary format: Excel (.xls, .xlsx, .xlsm);
- 3★: structured data in an open format: CSV/TSV, JSON, GeoJSON, XML, ODS.
  Japanese guidance treats 3★ CSV as the municipal target;
- 4★: things are identified by URIs: an RDF serialisation (Turtle, RDF/XML,
  N-Triples, JSON-LD), or an open-format table whose identifier column (the
  standard's ID field, or a column named ID/URI) holds an http(s) URI in
  every row, all different;
- 5★: a 4★ table that also links to other data: another column holds http(s)
  URIs on a different host than the identifiers. (Whether the targets are
  data is not verified; RDF files are rated 4★ because their links are not
  examined.)
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from .findings import Stars

DOCUMENT_FORMATS = frozenset({"pdf", "doc", "docx", "ppt", "pptx", "jpg", "jpeg", "png", "gif", "tif", "tiff",
                              "bmp", "html", "htm", "rtf", "jtd"})
PROPRIETARY_FORMATS = frozenset({"xls", "xlsx", "xlsm", "xlsb"})
OPEN_FORMATS = frozenset({"csv", "tsv", "txt", "json", "geojson", "xml", "ods", "parquet"})
RDF_FORMATS = frozenset({"ttl", "rdf", "nt", "jsonld", "n3", "owl", "trig", "nq"})

REASONS: dict[str, Any] = {
    "no_license": _("0★: without an open licence the data is not open data, whatever its format."),
    "document": _("1★: the file (%(format)s) is on the web but is not structured data."),
    "proprietary": _("2★: structured data in a proprietary format (%(format)s). Publish it as CSV for 3★."),
    "open_format": _("3★: structured data in an open format (%(format)s). Identify each record by a URI for 4★."),
    "rdf": _("4★: an RDF serialisation (%(format)s) identifies things by URIs. Links to other data (5★) were not examined."),
    "uri_ids": _("4★: every record is identified by a URI (column %(column)s). Link to other data for 5★."),
    "linked": _("5★: records are identified by URIs (column %(column)s) and link to other data (column %(link)s)."),
}


def rate(fmt: str | None, *, license_open: bool | None = None, uri_column: str | None = None,
         link_column: str | None = None) -> Stars:
    """The rating for a file of format ``fmt``.

    ``license_open`` is None when no dataset metadata was given, else whether
    its licence is open. ``uri_column``/``link_column`` come from the table
    checks (the identifier column holding URIs, a column linking elsewhere).
    """
    fmt = (fmt or "").lower()
    label = fmt.upper() or "?"
    if license_open is False:
        return Stars(0, "no_license")
    if fmt in RDF_FORMATS:
        return Stars(4, "rdf", {"format": label})
    if fmt in PROPRIETARY_FORMATS:
        return Stars(2, "proprietary", {"format": label})
    if fmt in OPEN_FORMATS:
        if uri_column and link_column:
            return Stars(5, "linked", {"format": label, "column": uri_column, "link": link_column})
        if uri_column:
            return Stars(4, "uri_ids", {"format": label, "column": uri_column})
        return Stars(3, "open_format", {"format": label})
    return Stars(1, "document", {"format": label})
