"""自治体標準オープンデータセット types a dataset can declare it follows.

The slug doubles as the English file-name suffix of the standard
(`<lgcode>_<slug>.csv`), so it is stable API vocabulary. Labels are domain
vocabulary in both languages rather than UI strings.
"""

from __future__ import annotations

from django.utils.translation import get_language

# slug, Japanese name, English name
STANDARD_TYPES: tuple[tuple[str, str, str], ...] = (
    ("public_facility", "公共施設一覧", "Public facilities"),
    ("cultural_property", "文化財一覧", "Cultural properties"),
    ("evacuation_space", "指定緊急避難場所一覧", "Designated emergency evacuation sites"),
    ("population", "地域・年齢別人口", "Population by area and age"),
    ("preschool", "子育て施設一覧", "Childcare facilities"),
    ("open_data_list", "オープンデータ一覧", "Open data list"),
    ("public_wireless_lan", "公衆無線LANアクセスポイント一覧", "Public Wi-Fi access points"),
    ("aed", "AED設置箇所一覧", "AED locations"),
    ("care_service", "介護サービス事業所一覧", "Care service providers"),
    ("medical_institution", "医療機関一覧", "Medical institutions"),
    ("tourist_facility", "観光施設一覧", "Tourist facilities"),
    ("event", "イベント一覧", "Events"),
    ("public_toilet", "公衆トイレ一覧", "Public toilets"),
    ("fire_hydrant", "消防水利施設一覧", "Fire water supply facilities"),
    ("food_business", "食品等営業許可・届出一覧", "Food business permits"),
)

_LABELS = {slug: (ja, en) for slug, ja, en in STANDARD_TYPES}


def standard_label(slug: str, language: str | None = None) -> str:
    if slug not in _LABELS:
        return slug
    ja, en = _LABELS[slug]
    return en if (language or get_language() or "ja").startswith("en") else ja


def standard_choices() -> list[tuple[str, str]]:
    return [(slug, f"{ja} / {en}") for slug, ja, en in STANDARD_TYPES]
