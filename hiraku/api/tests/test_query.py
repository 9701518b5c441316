"""Parsing of CKAN's q / fq syntax (no database needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from hiraku.api.errors import SearchQueryError
from hiraku.api.query import parse


@pytest.mark.parametrize("q", ["", "*:*", "  *:*  "])
def test_match_all(q):
    parsed = parse(q)
    assert parsed.text == "" and parsed.filters == {} and not parsed.matches_nothing


def test_field_terms_in_q_become_filters_and_the_rest_stays_text():
    parsed = parse('避難所 organization:takamatsu-city tags:"防災 情報" 一覧')
    assert parsed.text == "避難所 一覧"
    assert parsed.filters == {"organization": ["takamatsu-city"], "tags": ["防災 情報"]}


def test_text_fields_in_q_search_their_value_and_colons_in_text_survive():
    parsed = parse("title:公園 開館 9:00 AND +トイレ")
    assert parsed.text == "公園 開館 9:00 トイレ"
    assert parsed.filters == {}


def test_fq_terms_with_plus_quotes_and_escapes():
    parsed = parse("", ['+organization:takamatsu-city tags:"防災" res_format:CSV', r"license_id:cc-by-4.0 tags:a\ b"])
    assert parsed.filters == {"organization": ["takamatsu-city"], "tags": ["防災", "a b"],
                              "res_format": ["CSV"], "license_id": ["cc-by-4.0"]}


def test_repeated_field_means_all_values_must_match():
    parsed = parse("", ["groups:disaster groups:health groups:disaster"])
    assert parsed.filters == {"groups": ["disaster", "health"]}


def test_modified_ranges():
    parsed = parse("", ["metadata_modified:[2024-01-01T00:00:00Z TO *]"])
    assert parsed.modified_from == datetime(2024, 1, 1, tzinfo=UTC) and parsed.modified_to is None
    parsed = parse("", ["metadata_modified:[* TO 2024-06-30T12:00:00.000000]"])
    assert parsed.modified_from is None and parsed.modified_to == datetime(2024, 6, 30, 12, tzinfo=UTC)
    parsed = parse("", ["metadata_modified:[2024-01-01 TO 2024-12-31T23:59:59+09:00]"])
    assert parsed.modified_from == datetime(2024, 1, 1, tzinfo=UTC)
    assert parsed.modified_to == datetime(2024, 12, 31, 14, 59, 59, tzinfo=UTC)


def test_exclusive_range_ends_and_intersection_of_ranges():
    parsed = parse("metadata_modified:{2024-01-01T00:00:00Z TO *}",
                   ["metadata_modified:[2023-01-01T00:00:00Z TO 2024-03-01T00:00:00Z}"])
    assert parsed.modified_from == datetime(2024, 1, 1, tzinfo=UTC) + timedelta(microseconds=1)
    assert parsed.modified_to == datetime(2024, 3, 1, tzinfo=UTC) - timedelta(microseconds=1)


def test_harvester_style_fq():
    parsed = parse("", ["metadata_modified:[2024-05-01T08:00:00.000000Z TO *] organization:marugame-city"])
    assert parsed.filters == {"organization": ["marugame-city"]}
    assert parsed.modified_from == datetime(2024, 5, 1, 8, tzinfo=UTC)


def test_dataset_type_and_owner_org():
    assert not parse("", ["+dataset_type:dataset"]).matches_nothing
    assert parse("", ["dataset_type:harvest"]).matches_nothing
    assert parse("", ['owner_org:"0b3c2f0e-8a55-4d7e-9c55-5b1f3f0c1a2b"']).owner_org_ids == [
        "0b3c2f0e-8a55-4d7e-9c55-5b1f3f0c1a2b"]


@pytest.mark.parametrize("fq, fragment", [
    ("colour:blue", "colour"),
    ("just words", "field:value"),
    ("organization:a OR organization:b", "OR"),
    ("-tags:secret", "-tags"),
    ('tags:"unbalanced', "quotes"),
    ("metadata_modified:[yesterday TO *]", "yesterday"),
    ("metadata_modified:[2024-01-01]", "range"),
    ("tags:ok \\", "near"),
])
def test_unsupported_fq_is_a_search_query_error(fq, fragment):
    # The message is translated; check the English wording.
    with translation.override("en"), pytest.raises(SearchQueryError) as raised:
        parse("", [fq])
    assert fragment in raised.value.message


@pytest.mark.parametrize("q", ["公園 OR 広場", "-公園", "colour:blue NOT red"])
def test_unsupported_operators_in_q(q):
    with pytest.raises(SearchQueryError):
        parse(q)
