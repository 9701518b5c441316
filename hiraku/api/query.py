"""CKAN/Solr `q` and `fq` syntax, reduced to what Hiraku's search service expresses.

Supported: `field:value`, `field:"quoted value"`, `+field:value` over the facet
fields, `metadata_modified:[<ISO> TO *]` ranges (`[]` inclusive, `{}`
exclusive), `dataset_type:dataset` and `owner_org:<id>`. Everything else in
`fq` is a Search Query Error rather than a silently ignored filter, because a
harvester that gets unfiltered results would import the wrong datasets."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from hiraku.search.service import FACET_FIELDS

from .errors import SearchQueryError

FILTER_FIELDS = frozenset(FACET_FIELDS)
RANGE_FIELDS = frozenset({"metadata_modified"})
# Fields CKAN indexes as text: inside `q` their value is searched as free text.
TEXT_FIELDS = frozenset({"text", "name", "title", "notes"})

_TOKEN = re.compile(
    r"""
    (?P<sign>[+-]?)
    (?:
        (?P<field>[A-Za-z_][A-Za-z0-9_.]*):
        (?P<value>"(?:\\.|[^"\\])*"|[\[{][^\]}]*[\]}]|(?:\\.|[^\s\\])+)
      | (?P<word>"(?:\\.|[^"\\])*"|(?:\\.|[^\s\\])+)
    )
    (?=\s|$)
    """,
    re.VERBOSE,
)
_RANGE = re.compile(r"^(?P<open>[\[{])\s*(?P<low>\S+)\s+TO\s+(?P<high>\S+)\s*(?P<close>[\]}])$")
_MATCH_ALL = {"*:*", "*"}
_CONJUNCTIONS = {"AND", "&&"}
_UNSUPPORTED_OPERATORS = {"OR", "||", "NOT", "!"}
_ONE_MICROSECOND = timedelta(microseconds=1)


@dataclass
class ParsedQuery:
    text_terms: list[str] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    owner_org_ids: list[str] = field(default_factory=list)
    modified_from: datetime | None = None
    modified_to: datetime | None = None
    # A condition no dataset can meet (e.g. another dataset_type): skip the search.
    matches_nothing: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.text_terms)

    def add_filter(self, name: str, value: str) -> None:
        values = self.filters.setdefault(name, [])
        if value not in values:
            values.append(value)

    def narrow_modified(self, low: datetime | None, high: datetime | None) -> None:
        if low is not None and (self.modified_from is None or low > self.modified_from):
            self.modified_from = low
        if high is not None and (self.modified_to is None or high < self.modified_to):
            self.modified_to = high


def parse(q: str = "", fq_list: list[str] | tuple[str, ...] = ()) -> ParsedQuery:
    parsed = ParsedQuery()
    _parse_q(q, parsed)
    for fq in fq_list:
        _parse_fq(fq, parsed)
    return parsed


def _tokens(text: str):
    position = 0
    length = len(text)
    while position < length:
        if text[position].isspace():
            position += 1
            continue
        match = _TOKEN.match(text, position)
        if match is None:
            raise SearchQueryError(_("cannot read the query near “%(text)s”") % {"text": text[position:position + 30]})
        yield match
        position = match.end()


def _parse_q(q: str, parsed: ParsedQuery) -> None:
    for token in _tokens(q):
        word, name = token["word"], token["field"]
        if word is not None:
            if word in _MATCH_ALL or word in _CONJUNCTIONS:
                continue
            _reject_operator(word)
            if token["sign"] == "-":
                raise SearchQueryError(_("excluding words with “-” is not supported"))
            parsed.text_terms.append(word)
        elif name in FILTER_FIELDS or name in RANGE_FIELDS or name in {"dataset_type", "owner_org"}:
            _apply_field_term(parsed, token)
        elif name in TEXT_FIELDS:
            parsed.text_terms.append(token["value"])
        else:
            # Free text that merely contains a colon, such as "15:00".
            parsed.text_terms.append(token.group(0))


def _parse_fq(fq: str, parsed: ParsedQuery) -> None:
    for token in _tokens(fq):
        word = token["word"]
        if word is not None:
            if word in _CONJUNCTIONS:
                continue
            _reject_operator(word)
            raise SearchQueryError(_("“%(term)s” is not a field:value filter") % {"term": token.group(0)})
        _apply_field_term(parsed, token)


def _reject_operator(word: str) -> None:
    if word in _UNSUPPORTED_OPERATORS:
        raise SearchQueryError(_("the operator %(operator)s is not supported; filters are always combined with AND")
                               % {"operator": word})


def _apply_field_term(parsed: ParsedQuery, token: re.Match) -> None:
    name, raw_value = token["field"], token["value"]
    if token["sign"] == "-":
        raise SearchQueryError(_("excluding with “-%(field)s:” is not supported") % {"field": name})
    if name in RANGE_FIELDS:
        parsed.narrow_modified(*_parse_range(name, raw_value))
        return
    value = _unquote(raw_value)
    if name in FILTER_FIELDS:
        parsed.add_filter(name, value)
    elif name == "dataset_type":
        # Every Hiraku dataset is of CKAN type "dataset".
        parsed.matches_nothing = parsed.matches_nothing or value != "dataset"
    elif name == "owner_org":
        parsed.owner_org_ids.append(value)
    else:
        supported = ", ".join(sorted(FILTER_FIELDS | RANGE_FIELDS | {"dataset_type", "owner_org"}))
        raise SearchQueryError(_("unknown filter field “%(field)s”; supported fields: %(fields)s")
                               % {"field": name, "fields": supported})


def _unquote(value: str) -> str:
    if value.startswith('"'):
        if len(value) < 2 or not value.endswith('"'):
            raise SearchQueryError(_("unbalanced quotes in “%(value)s”") % {"value": value})
        value = value[1:-1]
    return re.sub(r"\\(.)", r"\1", value)


def _parse_range(name: str, value: str) -> tuple[datetime | None, datetime | None]:
    match = _RANGE.match(value)
    if match is None:
        if value.startswith(("[", "{")):
            raise SearchQueryError(_("a range must look like %(field)s:[<from> TO <to>]") % {"field": name})
        moment = parse_timestamp(_unquote(value))
        return moment, moment
    low, high = _range_end(match["low"]), _range_end(match["high"])
    if low is not None and match["open"] == "{":
        low += _ONE_MICROSECOND
    if high is not None and match["close"] == "}":
        high -= _ONE_MICROSECOND
    return low, high


def _range_end(text: str) -> datetime | None:
    return None if text == "*" else parse_timestamp(text)


def parse_timestamp(text: str) -> datetime:
    """An ISO 8601 date or date-time (naive means UTC, as CKAN stores it) or NOW."""
    if text == "NOW":
        return timezone.now()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SearchQueryError(_("“%(value)s” is not an ISO 8601 date or time") % {"value": text}) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment
