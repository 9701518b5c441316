"""Chart figures: one aggregate per category, with every parameter checked."""

from __future__ import annotations

import pytest

from hiraku.datastore import charts, profile
from hiraku.datastore.ingest import ingest_file

POPULATION_CSV = (
    "年度,地区,世帯数,人口,調査日\n"
    "2022,中央,1200,2500,2022-10-01\n"
    "2022,北部,800,1900,2022-10-01\n"
    "2022,南部,,1500,2022-10-01\n"
    "2023,中央,1250,2550,2023-10-01\n"
    "2023,北部,790,1850,2023-10-01\n"
    "2021,南部,610,1520,\n"
    "2023,,100,200,2023-10-01\n"
).encode()


@pytest.fixture
def population(data_dir, tmp_path):
    source = tmp_path / "population.csv"
    source.write_bytes(POPULATION_CSV)
    result = ingest_file(source, "population", data_dir)
    return result.directory / result.table.file


def test_count_rows_per_text_category_largest_first(population):
    figures = charts.aggregate(population, "地区", None, "count")
    assert figures["labels"] == ["中央", "北部", "南部", None]
    assert figures["values"] == [2, 2, 2, 1]
    assert figures["groups"] == 4 and figures["truncated"] is False


def test_sum_avg_min_max_of_a_number_column(population):
    assert charts.aggregate(population, "地区", "人口", "sum")["values"][:3] == [5050, 3750, 3020]
    average = charts.aggregate(population, "地区", "世帯数", "avg")
    assert dict(zip(average["labels"], average["values"], strict=True))["南部"] == 610
    assert charts.aggregate(population, "地区", "人口", "max")["values"][0] == 2550
    assert charts.aggregate(population, "地区", "世帯数", "count")["values"] == [2, 2, 1, 1]


def test_numbers_and_dates_as_categories_keep_their_order(population):
    by_year = charts.aggregate(population, "年度", "人口", "sum")
    assert by_year == {"labels": [2021, 2022, 2023], "values": [1520, 5900, 4600], "groups": 3,
                       "truncated": False}
    by_day = charts.aggregate(population, "調査日", None, "count")
    assert by_day["labels"] == ["2022-10-01", "2023-10-01", None]
    assert charts.aggregate(population, "年度", "人口", "sum", order="value")["labels"][0] == 2022


def test_limit_reports_truncation(population):
    figures = charts.aggregate(population, "地区", None, "count", limit=2)
    assert len(figures["labels"]) == 2 and figures["groups"] == 4 and figures["truncated"] is True


@pytest.mark.parametrize(("args", "field"), [
    (("存在しない列", None, "count"), "group_by"),
    (("地区", "存在しない列", "sum"), "value"),
    (("地区", None, "sum"), "value"),
    (("地区", "人口", "median"), "function"),
    (("地区", "地区", "sum"), "function"),
    (("地区", "調査日", "avg"), "function"),
    (('地区" FROM data; --', None, "count"), "group_by"),
])
def test_bad_parameters_are_input_errors(population, args, field):
    with pytest.raises(charts.ChartInputError) as caught:
        charts.aggregate(population, *args)
    assert caught.value.field == field and str(caught.value.message)


def test_limit_and_order_are_checked(population):
    with pytest.raises(charts.ChartInputError):
        charts.aggregate(population, "地区", None, "count", limit=0)
    with pytest.raises(charts.ChartInputError):
        charts.aggregate(population, "地区", None, "count", limit="many")
    with pytest.raises(charts.ChartInputError):
        charts.aggregate(population, "地区", None, "count", order="random")


def test_functions_offered_per_type():
    assert charts.value_functions("int") == charts.FUNCTIONS
    assert charts.value_functions("date") == ("count", "min", "max")
    assert charts.value_functions("text") == ("count",)


def test_suggestion_prefers_a_text_column_with_few_categories(population):
    assert charts.suggest(profile.profile_table(population)) == {"group_by": "地区", "value": None,
                                                                 "function": "count"}
    assert charts.suggest([{"id": "名称", "type": "text", "count": 3, "distinct": 3}]) is None
