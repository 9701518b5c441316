"""Counting views and downloads by people, not bots."""

from __future__ import annotations

from datetime import date

import pytest

from hiraku.catalog import services
from hiraku.catalog.models import DailyUsage, Dataset

from .conftest import dataset_data

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/18.1 Mobile/15E148 Safari/604.1")
BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
    "python-requests/2.32.3", "curl/8.5.0", "Wget/1.21.4", "Go-http-client/2.0", "Scrapy/2.11",
    "", None,
]


@pytest.mark.parametrize("agent", BOTS)
def test_bots_are_recognized(agent):
    assert services.is_bot(agent or "")


@pytest.mark.parametrize("agent", [FIREFOX, IPHONE])
def test_browsers_are_people(agent):
    assert not services.is_bot(agent)


def test_views_and_downloads_are_counted_per_day_and_weighted(dataset):
    assert services.record_usage(dataset, kind="view", user_agent=FIREFOX)
    assert services.record_usage(dataset, kind="view", user_agent=IPHONE)
    assert services.record_usage(dataset, kind="download", user_agent=FIREFOX)
    dataset.refresh_from_db()
    assert (dataset.view_count, dataset.download_count, dataset.popularity) == (2, 1, 2 + 3)
    today = DailyUsage.objects.get(dataset=dataset, date=date.today())
    assert (today.views, today.downloads) == (2, 1)


def test_bot_traffic_changes_no_counter(dataset):
    for agent in BOTS:
        assert not services.record_usage(dataset, kind="download", user_agent=agent or "")
    dataset.refresh_from_db()
    assert (dataset.view_count, dataset.download_count, dataset.popularity) == (0, 0, 0)
    assert not DailyUsage.objects.exists()


def test_popular_datasets_rank_by_use_and_leave_out_private_ones(dataset, editor, theme):
    quiet = services.create_dataset(editor, dataset_data(name="quiet", title="静かなデータ"))
    hidden = services.create_dataset(editor, dataset_data(name="hidden", title="非公開", private="on"))
    for _ in range(5):
        services.record_usage(hidden, kind="download", user_agent=FIREFOX)
    services.record_usage(dataset, kind="download", user_agent=FIREFOX)
    services.record_usage(quiet, kind="view", user_agent=FIREFOX)
    assert [d.name for d in services.popular_datasets(editor)] == ["public-toilets", "quiet"]
    assert Dataset.objects.get(name="hidden").popularity == 15
