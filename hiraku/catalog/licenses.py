"""The licences a dataset may carry (CKAN `license_list` shape).

A fixed registry rather than a table: licence identifiers are part of the
API contract and of DCAT output, so they must not drift per deployment.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class License:
    id: str
    title: str
    title_en: str
    url: str
    od_conformance: str = "approved"
    osd_conformance: str = "not reviewed"
    attribution_required: bool = True

    def as_ckan_dict(self) -> dict:
        data = asdict(self)
        data.update(status="active", maintainer="", family="", domain_content=True, domain_data=True,
                    domain_software=False, is_generic=False, is_okd_compliant=self.od_conformance == "approved",
                    is_osi_compliant=False)
        return data


LICENSES: tuple[License, ...] = (
    License("cc-by-4.0", "クリエイティブ・コモンズ 表示 4.0 国際", "Creative Commons Attribution 4.0",
            "https://creativecommons.org/licenses/by/4.0/"),
    License("pdl-1.0", "公共データ利用規約（第1.0版）", "Public Data License 1.0 (Japan)",
            "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0"),
    License("cc-zero", "クリエイティブ・コモンズ CC0", "Creative Commons CCZero",
            "https://creativecommons.org/publicdomain/zero/1.0/", attribution_required=False),
    License("cc-by-sa-4.0", "クリエイティブ・コモンズ 表示-継承 4.0 国際", "Creative Commons Attribution Share-Alike 4.0",
            "https://creativecommons.org/licenses/by-sa/4.0/"),
    License("gsl-2.0", "政府標準利用規約（第2.0版）", "Government of Japan Standard Terms of Use 2.0",
            "https://www.kantei.go.jp/jp/singi/it2/densi/kettei/gl2_betten_1.pdf"),
    License("other-open", "その他（オープンライセンス）", "Other (Open)", "", od_conformance="not reviewed"),
    License("other-closed", "その他（非オープン）", "Other (Not Open)", "", od_conformance="not reviewed"),
    License("notspecified", "ライセンス未指定", "License not specified", "", od_conformance="not reviewed",
            attribution_required=False),
)

LICENSES_BY_ID = {lic.id: lic for lic in LICENSES}
DEFAULT_LICENSE_ID = "cc-by-4.0"


def get_license(license_id: str) -> License | None:
    return LICENSES_BY_ID.get(license_id)


def license_choices() -> list[tuple[str, str]]:
    return [(lic.id, lic.title) for lic in LICENSES]
