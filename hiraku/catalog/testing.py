"""Test support shared by the apps' test suites: sample catalog input."""

from __future__ import annotations


def evacuation_dataset_data(**overrides) -> dict:
    """Form data for a complete, valid dataset of Takamatsu City's organization `takamatsu`."""
    data = {
        "title": "指定緊急避難場所一覧",
        "name": "evacuation-sites",
        "organization": "takamatsu",
        "notes": "高松市の指定緊急避難場所の一覧です。",
        "tags": "防災, 避難所",
        "groups": ["disaster"],
        "license_id": "cc-by-4.0",
        "standard_type": "evacuation_space",
        "update_frequency": "MONTHLY",
        "temporal_start": "2024-04-01",
        "temporal_end": "2025-03-31",
        "spatial": "高松市",
        "spatial_lgcode": "372013",
        "maintainer": "危機管理課",
        "maintainer_email": "kikikanri@example.jp",
        "state": "active",
    }
    data.update(overrides)
    return data
