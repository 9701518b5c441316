"""Dataset search benchmark: package_search over HTTP against a synthetic catalog.

`hiraku bench search --datasets N` builds N synthetic Japanese municipal
datasets in a scratch data directory (SQLite, the embedded default), builds
the search index, serves the site with gunicorn on loopback and fires a query
mix at /api/3/action/package_search. For comparison it loads the same rows
into a scratch PostgreSQL database and runs the same query mix as a naive
ILIKE search with GROUP BY facets. Nothing touches the deployment's own data.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from hiraku.core.benchkit import Figures, fire, free_port, time_each, wait_until_serving
from hiraku.core.lgcode import check_digit

# --- Word lists ---------------------------------------------------------------------

# (name, five-digit code) of real municipalities; the check digit is computed.
MUNICIPALITIES = (
    ("高松市", "37201"), ("丸亀市", "37202"), ("坂出市", "37203"), ("善通寺市", "37204"), ("観音寺市", "37205"),
    ("さぬき市", "37206"), ("東かがわ市", "37207"), ("三豊市", "37208"), ("松山市", "38201"), ("今治市", "38202"),
    ("徳島市", "36201"), ("高知市", "39201"), ("岡山市", "33100"), ("倉敷市", "33202"), ("広島市", "34100"),
    ("福山市", "34207"), ("札幌市", "01100"), ("仙台市", "04100"), ("さいたま市", "11100"), ("千葉市", "12100"),
    ("横浜市", "14100"), ("川崎市", "14130"), ("新潟市", "15100"), ("静岡市", "22100"), ("浜松市", "22130"),
    ("名古屋市", "23100"), ("京都市", "26100"), ("大阪市", "27100"), ("堺市", "27140"), ("神戸市", "28100"),
    ("北九州市", "40100"), ("福岡市", "40130"), ("熊本市", "43100"), ("那覇市", "47201"), ("金沢市", "17201"),
    ("長野市", "20201"), ("岐阜市", "21201"), ("奈良市", "29201"), ("和歌山市", "30201"), ("鳥取市", "31201"),
    ("松江市", "32201"), ("佐賀市", "41201"), ("長崎市", "42201"), ("大分市", "44201"), ("宮崎市", "45201"),
    ("鹿児島市", "46201"),
)
DEPARTMENTS = (("", ""), ("kikikanri", "危機管理課"), ("toshikeikaku", "都市計画課"), ("kosodate", "子育て支援課"),
               ("kankyo", "環境政策課"))
GROUPS = (("bosai", "防災"), ("kosodate", "子育て"), ("kanko", "観光"), ("kotsu", "交通"), ("kenko", "健康・医療"),
          ("fukushi", "福祉"), ("kankyo", "環境"), ("tokei", "統計"), ("kyoiku", "教育"), ("gyosei", "行政"))
# topic, groups, tags, standard type
TOPICS = (
    ("指定緊急避難場所", ("bosai",), ("防災", "避難所", "地図"), "evacuation_space"),
    ("津波避難ビル", ("bosai",), ("防災", "津波", "避難所"), ""),
    ("AED設置箇所", ("bosai", "kenko"), ("AED", "救急", "施設"), "aed"),
    ("消防水利施設", ("bosai",), ("消防", "防災"), "fire_hydrant"),
    ("洪水浸水想定区域", ("bosai",), ("防災", "ハザードマップ", "河川"), ""),
    ("土砂災害警戒区域", ("bosai",), ("防災", "ハザードマップ"), ""),
    ("公衆トイレ", ("kanko",), ("トイレ", "施設", "観光"), "public_toilet"),
    ("公衆無線LANアクセスポイント", ("kanko",), ("Wi-Fi", "観光", "施設"), "public_wireless_lan"),
    ("観光施設", ("kanko",), ("観光", "施設", "地図"), "tourist_facility"),
    ("イベント情報", ("kanko",), ("イベント", "観光"), "event"),
    ("観光客数", ("kanko", "tokei"), ("観光", "統計"), ""),
    ("文化財", ("kanko", "kyoiku"), ("文化財", "歴史"), "cultural_property"),
    ("公園", ("kankyo",), ("公園", "施設", "地図"), "public_facility"),
    ("バス停留所", ("kotsu",), ("バス", "交通", "地図"), ""),
    ("コミュニティバス時刻表", ("kotsu",), ("バス", "交通", "GTFS"), ""),
    ("駅別乗降客数", ("kotsu", "tokei"), ("駅", "交通", "統計"), ""),
    ("駐輪場", ("kotsu",), ("駐輪場", "交通", "施設"), ""),
    ("交通事故発生状況", ("kotsu", "tokei"), ("交通", "事故", "統計"), ""),
    ("地域・年齢別人口", ("tokei",), ("人口", "統計"), "population"),
    ("世帯数", ("tokei",), ("人口", "世帯", "統計"), ""),
    ("出生数・死亡数", ("tokei", "kenko"), ("人口", "統計"), ""),
    ("将来推計人口", ("tokei",), ("人口", "推計"), ""),
    ("保育所", ("kosodate",), ("保育", "子育て", "施設"), "preschool"),
    ("待機児童数", ("kosodate", "tokei"), ("保育", "子育て", "統計"), ""),
    ("小学校", ("kyoiku",), ("学校", "教育", "施設"), ""),
    ("図書館蔵書", ("kyoiku",), ("図書館", "教育"), ""),
    ("医療機関", ("kenko",), ("医療", "病院", "施設"), "medical_institution"),
    ("介護サービス事業所", ("fukushi",), ("介護", "福祉", "施設"), "care_service"),
    ("ごみ収集日", ("kankyo",), ("ごみ", "環境", "くらし"), ""),
    ("ごみ分別", ("kankyo",), ("ごみ", "環境", "くらし"), ""),
    ("大気汚染測定結果", ("kankyo",), ("環境", "測定"), ""),
    ("投票所", ("gyosei",), ("選挙", "施設"), ""),
    ("市税決算", ("gyosei", "tokei"), ("財政", "税"), ""),
    ("予算", ("gyosei",), ("財政", "予算"), ""),
    ("食品営業許可", ("kenko", "gyosei"), ("食品", "許可"), "food_business"),
    ("オープンデータ一覧", ("gyosei",), ("オープンデータ",), "open_data_list"),
)
SUFFIXES = ("一覧", "一覧", "データ", "統計", "推移", "位置情報", "年報", "マップ")
NOTE_SENTENCES = (
    "{muni}が公開する{topic}のデータです。",
    "{year}年{month}月1日時点の情報を掲載しています。",
    "緯度・経度の位置情報を含みます。",
    "内容は定期的に更新します。利用の際は最新版をご確認ください。",
    "自治体標準オープンデータセットの項目に準拠しています。",
    "{muni}内の{topic}について、名称・所在地・電話番号を収録しています。",
    "前年度の数値は確定値、当年度は速報値です。",
    "ご意見は担当課までお寄せください。",
)
FORMATS = (("CSV", 50), ("XLSX", 15), ("PDF", 15), ("JSON", 6), ("GeoJSON", 6), ("ZIP", 4), ("XML", 4))
LICENSES = (("cc-by-4.0", 55), ("pdl-1.0", 25), ("cc-zero", 10), ("gsl-2.0", 7), ("cc-by-sa-4.0", 3))
QUERY_WORDS = ("駅", "バス", "公園", "人口", "避難所", "AED", "ＡＥＤ", "トイレ", "観光", "保育所", "ごみ", "医療機関",
               "交通事故", "図書館", "文化財", "Wi-Fi", "津波", "統計", "一覧", "予算", "介護", "世帯数", "イベント",
               "小学校", "駐輪場", "ハザードマップ", "位置情報", "高松市", "横浜市", "福岡市", "2020", "令和")
SORT_MIX = ("score desc, metadata_modified desc",) * 6 + ("metadata_modified desc", "name asc", "popularity desc")


# --- Synthetic catalog --------------------------------------------------------------------

def lgcode(five: str) -> str:
    return five + str(check_digit(five))


@dataclass
class Organization:
    id: uuid.UUID
    name: str
    title: str
    lgcode: str


@dataclass
class SyntheticDataset:
    id: uuid.UUID
    name: str
    title: str
    notes: str
    organization: Organization
    tags: list[str]
    groups: list[str]
    formats: list[str]
    license_id: str
    standard_type: str
    state: str
    private: bool
    created: datetime
    modified: datetime
    popularity: int
    spatial: str = ""
    lg5: str = field(default="", repr=False)


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def organizations(seed: int) -> list[Organization]:
    rng = random.Random(seed)
    orgs = []
    for muni, five in MUNICIPALITIES:
        for slug, department in DEPARTMENTS:
            name = f"city-{lgcode(five)}" + (f"-{slug}" if slug else "")
            orgs.append(Organization(_uuid(rng), name, muni + department, lgcode(five)))
    return orgs


def _weighted(rng: random.Random, pairs) -> str:
    return rng.choices([value for value, _ in pairs], weights=[weight for _, weight in pairs])[0]


def generate(n: int, seed: int = 37201):
    """N datasets, always the same for the same seed (so two stores hold the same rows)."""
    rng = random.Random(seed)
    orgs = organizations(seed)
    start = datetime(2015, 4, 1, tzinfo=UTC)
    span = (datetime(2025, 10, 1, tzinfo=UTC) - start).total_seconds()
    for index in range(n):
        org = rng.choice(orgs)
        muni = org.title.split("市")[0] + "市"
        topic, groups, tags, standard = rng.choice(TOPICS)
        year = rng.randint(2015, 2025)
        title = f"{muni}{topic}{rng.choice(SUFFIXES)}" + (f"（{year}年度）" if rng.random() < 0.5 else "")
        sentences = rng.sample(NOTE_SENTENCES, rng.randint(2, 4))
        notes = "".join(s.format(muni=muni, topic=topic, year=year, month=rng.randint(1, 12)) for s in sentences)
        extra_tags = rng.sample(("オープンデータ", "くらし", "地図", "統計", "施設", str(year)), rng.randint(0, 2))
        created = start + timedelta(seconds=rng.random() * span)
        modified = created + timedelta(days=rng.random() * 400)
        roll = rng.random()
        state, private = ("deleted", False) if roll < 0.01 else ("draft", False) if roll < 0.03 else (
            ("active", True) if roll < 0.06 else ("active", False))
        yield SyntheticDataset(
            id=_uuid(rng), name=f"{org.name}-{index:07d}", title=title, notes=notes, organization=org,
            tags=sorted(set(tags) | set(extra_tags)), groups=list(groups),
            formats=sorted({_weighted(rng, FORMATS) for _ in range(rng.randint(1, 2))}),
            license_id=_weighted(rng, LICENSES), standard_type=standard if rng.random() < 0.6 else "",
            state=state, private=private, created=created, modified=modified,
            popularity=int(rng.paretovariate(1.2)) - 1, spatial=muni,
        )


def query_mix(count: int, seed: int, org_names: list[str], tag_names: list[str]) -> list[dict]:
    """package_search parameter sets: 1–3 word queries, some fq filters, paging, sorts."""
    rng = random.Random(seed + 1)
    facet_fields = json.dumps(["organization", "groups", "tags", "res_format", "license_id", "standard_type"])
    queries = []
    for _ in range(count):
        params = {"q": " ".join(rng.sample(QUERY_WORDS, rng.choices((1, 2, 3), weights=(60, 30, 10))[0])),
                  "facet.field": facet_fields, "rows": "10",
                  "start": str(rng.choice((0, 0, 0, 0, 10, 20, 50))), "sort": rng.choice(SORT_MIX)}
        filters = []
        if rng.random() < 0.15:
            params["q"] = ""  # browsing without words, as on the search page
        if rng.random() < 0.2:
            filters.append(f'organization:"{rng.choice(org_names)}"')
        if rng.random() < 0.15:
            filters.append(f'tags:"{rng.choice(tag_names)}"')
        if rng.random() < 0.15:
            filters.append(f'res_format:"{_weighted(rng, FORMATS)}"')
        if rng.random() < 0.1:
            filters.append(f'groups:"{rng.choice(GROUPS)[0]}"')
        if filters:
            params["fq"] = " ".join(filters)
        queries.append(params)
    return queries


def all_tags() -> list[str]:
    return sorted({tag for topic in TOPICS for tag in topic[2]})


# --- Loading (runs inside the scratch environment) -----------------------------------

def load_catalog(n: int, seed: int, batch: int = 5000) -> dict:
    """Bulk-load the synthetic catalog into the current (scratch) database, then build the index."""
    from django.db import transaction

    from hiraku.catalog import models as catalog

    from .service import rebuild_index

    started = time.perf_counter()
    with transaction.atomic():
        org_rows = {org.name: catalog.Organization(id=org.id, name=org.name, title=org.title, lgcode=org.lgcode)
                    for org in organizations(seed)}
        catalog.Organization.objects.bulk_create(org_rows.values())
        groups = {name: catalog.Group(name=name, title=title) for name, title in GROUPS}
        catalog.Group.objects.bulk_create(groups.values())
        tags: dict[str, catalog.Tag] = {}
        pending: list[SyntheticDataset] = []
        for synthetic in generate(n, seed):
            pending.append(synthetic)
            if len(pending) >= batch:
                _load_batch(pending, groups, tags)
                pending = []
        _load_batch(pending, groups, tags)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    indexed = rebuild_index()
    return {"load_seconds": loaded, "index_seconds": time.perf_counter() - started, "indexed": indexed,
            "names": [s.name for s in generate(min(n, 2000), seed) if s.state == "active" and not s.private]}


def _load_batch(batch: list[SyntheticDataset], groups: dict, tags: dict) -> None:
    from hiraku.catalog import models as catalog

    if not batch:
        return
    new_tags = [catalog.Tag(name=name) for s in batch for name in s.tags if name not in tags]
    for tag in {t.name: t for t in new_tags}.values():
        tag.save()
        tags[tag.name] = tag
    catalog.Dataset.objects.bulk_create([
        catalog.Dataset(id=s.id, name=s.name, title=s.title, notes=s.notes, organization_id=s.organization.id,
                        license_id=s.license_id, standard_type=s.standard_type, state=s.state, private=s.private,
                        created=s.created, modified=s.modified, popularity=s.popularity, spatial=s.spatial,
                        spatial_lgcode=s.organization.lgcode)
        for s in batch
    ])
    catalog.Dataset.tags.through.objects.bulk_create([
        catalog.Dataset.tags.through(dataset_id=s.id, tag_id=tags[name].id) for s in batch for name in s.tags])
    catalog.Dataset.groups.through.objects.bulk_create([
        catalog.Dataset.groups.through(dataset_id=s.id, group_id=groups[name].id) for s in batch for name in s.groups])
    catalog.Resource.objects.bulk_create([
        catalog.Resource(dataset_id=s.id, name=f"{s.title}（{fmt}）", format=fmt, position=position,
                         url=f"https://opendata.example.jp/{s.name}/data.{fmt.lower()}",
                         created=s.created, modified=s.modified)
        for s in batch for position, fmt in enumerate(s.formats)])


# --- Naive PostgreSQL comparison ---------------------------------------------------

NAIVE_SCHEMA = """
CREATE TABLE naive_dataset (id uuid PRIMARY KEY, name text, title text, notes text, organization text,
  license_id text, standard_type text, state text, private boolean, modified timestamptz, popularity int);
CREATE TABLE naive_tag (dataset_id uuid, name text);
CREATE TABLE naive_group (dataset_id uuid, name text);
CREATE TABLE naive_resource (dataset_id uuid, format text);
"""
NAIVE_INDEXES = """
CREATE INDEX ON naive_dataset (modified); CREATE INDEX ON naive_dataset (organization);
CREATE INDEX ON naive_tag (dataset_id); CREATE INDEX ON naive_tag (name);
CREATE INDEX ON naive_group (dataset_id); CREATE INDEX ON naive_group (name);
CREATE INDEX ON naive_resource (dataset_id); CREATE INDEX ON naive_resource (format);
ANALYZE;
"""
NAIVE_FACETS = {
    "organization": "SELECT organization, count(*) FROM hits JOIN naive_dataset d USING (id) GROUP BY 1",
    "license_id": "SELECT license_id, count(*) FROM hits JOIN naive_dataset d USING (id) GROUP BY 1",
    "standard_type": "SELECT standard_type, count(*) FROM hits JOIN naive_dataset d USING (id)"
                     " WHERE standard_type <> '' GROUP BY 1",
    "tags": "SELECT name, count(*) FROM hits JOIN naive_tag t ON t.dataset_id = hits.id GROUP BY 1",
    "groups": "SELECT name, count(*) FROM hits JOIN naive_group g ON g.dataset_id = hits.id GROUP BY 1",
    "res_format": "SELECT format, count(DISTINCT hits.id) FROM hits JOIN naive_resource r"
                  " ON r.dataset_id = hits.id GROUP BY 1",
}
_NAIVE_FILTER = {
    "organization": "d.organization = %s",
    "tags": "EXISTS (SELECT 1 FROM naive_tag t WHERE t.dataset_id = d.id AND t.name = %s)",
    "groups": "EXISTS (SELECT 1 FROM naive_group g WHERE g.dataset_id = d.id AND g.name = %s)",
    "res_format": "EXISTS (SELECT 1 FROM naive_resource r WHERE r.dataset_id = d.id AND r.format = %s)",
}


def load_naive(dsn: str, n: int, seed: int) -> float:
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(dsn) as conn:
        conn.execute(NAIVE_SCHEMA)
        for table, rows in (("naive_dataset", _naive_datasets), ("naive_tag", _naive_tags),
                            ("naive_group", _naive_groups), ("naive_resource", _naive_resources)):
            with conn.cursor() as cur, cur.copy(f"COPY {table} FROM STDIN") as copy:
                for row in rows(generate(n, seed)):
                    copy.write_row(row)
        conn.execute(NAIVE_INDEXES)
    return time.perf_counter() - started


def _naive_datasets(datasets):
    for s in datasets:
        yield (s.id, s.name, s.title, s.notes, s.organization.name, s.license_id, s.standard_type, s.state,
               s.private, s.modified, s.popularity)


def _naive_tags(datasets):
    return ((s.id, tag) for s in datasets for tag in s.tags)


def _naive_groups(datasets):
    return ((s.id, group) for s in datasets for group in s.groups)


def _naive_resources(datasets):
    return ((s.id, fmt) for s in datasets for fmt in s.formats)


def _parse_fq(fq: str) -> list[tuple[str, str]]:
    return [(part.split(":", 1)[0], part.split(":", 1)[1].strip('"'))
            for part in fq.split('" ') if ":" in part] if fq else []


def naive_search(conn, params: dict) -> None:
    conditions, args = ["d.state = 'active'", "NOT d.private"], []
    for word in params["q"].split():
        pattern = f"%{word}%"
        conditions.append("(d.title ILIKE %s OR d.notes ILIKE %s OR EXISTS (SELECT 1 FROM naive_tag t"
                          " WHERE t.dataset_id = d.id AND t.name ILIKE %s))")
        args += [pattern] * 3
    for field_name, value in _parse_fq(params.get("fq", "")):
        conditions.append(_NAIVE_FILTER[field_name])
        args.append(value.rstrip('"'))
    hits = f"WITH hits AS MATERIALIZED (SELECT d.id FROM naive_dataset d WHERE {' AND '.join(conditions)})"
    with conn.cursor() as cur:
        cur.execute(f"{hits} SELECT count(*) FROM hits", args)
        cur.execute(f"{hits} SELECT d.id FROM hits JOIN naive_dataset d USING (id) ORDER BY d.modified DESC"
                    f" LIMIT 10 OFFSET {int(params['start'])}", args)
        for sql in NAIVE_FACETS.values():
            cur.execute(f"{hits} {sql}", args)
            cur.fetchall()


# --- HTTP measurement ----------------------------------------------------------------

# --- Orchestration ---------------------------------------------------------------------

def add_arguments(parser) -> None:
    parser.add_argument("--datasets", type=int, default=10000, help="number of synthetic datasets")
    parser.add_argument("--queries", type=int, default=2000, help="package_search requests to time")
    parser.add_argument("--concurrency", type=int, default=2, help="parallel HTTP clients")
    parser.add_argument("--seed", type=int, default=37201)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory and database")
    parser.add_argument("--postgres-url", default=os.environ.get("HIRAKU_BENCH_POSTGRES_URL",
                                                                 "postgres://postgres@127.0.0.1:5432/postgres"),
                        help="server for the naive ILIKE comparison (a scratch database is created there)")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive PostgreSQL comparison")
    parser.add_argument("--naive-queries", type=int, default=300,
                        help="how many of the same queries to time on the naive search (it is slow)")
    parser.add_argument("--load-into-current-database", action="store_true", help=argparse.SUPPRESS)


def main(options: dict, stdout) -> None:
    if options["load_into_current_database"]:
        # Internal stage: runs in a child process whose settings point at the scratch directory.
        stdout.write(json.dumps(load_catalog(options["datasets"], options["seed"])) + "\n")
        return
    BenchRun(options, stdout).run()


class BenchRun:
    def __init__(self, options: dict, stdout):
        self.options = options
        self.out = stdout
        self.scratch = tempfile.mkdtemp(prefix="hiraku-bench-search-")
        self.env = {key: value for key, value in os.environ.items()
                    if key not in {"DATABASE_URL", "REDIS_URL", "HIRAKU_SEARCH_BACKEND"}}
        # Jobs in process: the timed server must not share the cores with a queue consumer.
        self.env.update(HIRAKU_DATA_DIR=self.scratch, HIRAKU_LOG_LEVEL="WARNING", HIRAKU_DEBUG="0",
                        DJANGO_SETTINGS_MODULE="hiraku.settings", HIRAKU_JOBS="immediate")
        self.rows: list[tuple[str, str]] = []
        self.load_averages: list[float] = []

    def log(self, message: str) -> None:
        self.out.write(message + "\n")
        self.out.flush()

    def hiraku(self, *args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "hiraku.cli", *args], env=self.env, check=True,
                                capture_output=True, text=True)
        return result.stdout

    def run(self) -> None:
        n = self.options["datasets"]
        self.log(f"Scratch data directory: {self.scratch}")
        try:
            self.hiraku("migrate", "-v", "0")
            self.log(f"Loading {n:,} synthetic datasets and building the index…")
            output = self.hiraku("bench", "search", "--load-into-current-database", "--datasets", str(n),
                                 "--seed", str(self.options["seed"]))
            loaded = json.loads(output.strip().splitlines()[-1])
            self.log(f"  bulk load {loaded['load_seconds']:.1f} s; index build {loaded['index_seconds']:.1f} s"
                     f" for {loaded['indexed']:,} indexed datasets")
            queries = query_mix(self.options["queries"], self.options["seed"],
                                [org.name for org in organizations(self.options["seed"])], all_tags())
            figures = self.measure_http(queries, loaded["names"])
            # Print the indexed figures first: the naive comparison can take long.
            self.report(loaded, figures)
            if not self.options["no_naive"]:
                naive = self.measure_naive(queries)
                if naive:
                    self.table_line("naive PostgreSQL ILIKE + GROUP BY facets (SQL only)", naive[0])
                    self.log(f"(naive PostgreSQL load incl. indexes: {naive[1]:.1f} s;"
                             f" {len(naive[0].latencies)} queries)")
        finally:
            if not self.options["keep"]:
                shutil.rmtree(self.scratch, ignore_errors=True)

    def measure_http(self, queries: list[dict], names: list[str]) -> dict[str, Figures]:
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "hiraku.wsgi:application", "--workers", "2",
             "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_until_serving(port, server, "/api/3/action/package_search?rows=0")
            paths = ["/api/3/action/package_search?" + urlencode(params) for params in queries]
            warmup = ["/api/3/action/package_search?" + urlencode(params) for params in queries[:50]]
            fire(port, warmup, self.options["concurrency"])
            self.log(f"Timing {len(paths):,} package_search requests, concurrency {self.options['concurrency']}…")
            self.load_averages.append(os.getloadavg()[0])
            search_figures = fire(port, paths, self.options["concurrency"])
            self.load_averages.append(os.getloadavg()[0])
            # Cold: the first time the run sends this exact request (no cache entry
            # can exist); repeats of a request within the mix are reported apart.
            seen = set(warmup)
            cold, repeated = [], []
            for path, latency in zip(paths, search_figures.latencies, strict=True):
                (repeated if path in seen else cold).append(latency)
                seen.add(path)
            self.log("Timing the same requests again (warm: the results of the first pass may be cached)…")
            warm_figures = fire(port, paths, self.options["concurrency"])
            self.load_averages.append(os.getloadavg()[0])
            rng = random.Random(self.options["seed"] + 2)
            pages = [f"/dataset/{rng.choice(names)}" for _ in range(300)]
            page_figures = fire(port, pages, 1)
            self.load_averages.append(os.getloadavg()[0])
            return {
                "all": search_figures,
                "cold": Figures(cold, 0.0),
                "repeated": Figures(repeated, 0.0),
                "warm": warm_figures,
                "page": page_figures,
            }
        finally:
            server.terminate()
            server.wait(timeout=30)

    def measure_naive(self, queries: list[dict]) -> tuple[Figures, float] | None:
        import psycopg

        server_url = self.options["postgres_url"]
        database = f"hiraku_bench_naive_{os.getpid()}"
        try:
            with psycopg.connect(server_url, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{database}"')
        except psycopg.Error as error:
            self.log(f"Naive PostgreSQL comparison skipped: {error}")
            return None
        dsn = server_url.rsplit("/", 1)[0] + "/" + database
        try:
            self.log(f"Loading the same rows into PostgreSQL database {database} for the naive ILIKE search…")
            load_seconds = load_naive(dsn, self.options["datasets"], self.options["seed"])
            with psycopg.connect(dsn, autocommit=True) as conn:
                for params in queries[:20]:
                    naive_search(conn, params)
                self.log("Timing the naive ILIKE search (same query mix, one connection)…")
                timed = queries[:self.options["naive_queries"]]
                return time_each(lambda params: naive_search(conn, params), timed), load_seconds
        finally:
            if not self.options["keep"]:
                with psycopg.connect(server_url, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{database}"')

    def report(self, loaded: dict, figures: dict[str, Figures]) -> None:
        header = f"{'measurement':<52}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>9}{'errors':>8}"
        search_figures = figures["all"]
        self.log("")
        self.log(f"Datasets: {self.options['datasets']:,} (indexed {loaded['indexed']:,});"
                 f" bulk load {loaded['load_seconds']:.1f} s; index build {loaded['index_seconds']:.1f} s")
        self.log(f"mean package_search latency {statistics.fmean(search_figures.latencies) * 1000:.1f} ms;"
                 f" {len(figures['cold'].latencies)} cold (first time sent),"
                 f" {len(figures['repeated'].latencies)} repeated within the mix")
        self.log("1-minute load average during the HTTP timing: "
                 + ", ".join(f"{value:.2f}" for value in self.load_averages))
        self.log(header)
        self.log("-" * len(header))
        self.table_line("package_search + facets, HTTP, SQLite FTS5 index", search_figures)
        self.table_line("  of which cold (first time the query is sent)", figures["cold"])
        self.table_line("  of which repeated within the mix", figures["repeated"])
        self.table_line("package_search, second pass (warm)", figures["warm"])
        self.table_line("dataset page /dataset/<name>, HTTP", figures["page"])

    def table_line(self, label: str, figures: Figures) -> None:
        if not figures.latencies:
            return
        self.log(f"{label:<52}{figures.percentile(50):>9.1f}{figures.percentile(95):>9.1f}"
                 f"{figures.percentile(99):>9.1f}{figures.rate:>9.1f}{figures.errors:>8}")
