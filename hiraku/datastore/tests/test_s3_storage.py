"""Uploads on S3-compatible storage, end to end, against a real S3 API server (moto's).

The scale-out configuration keeps uploaded files in a bucket: nothing may assume a
local path. An upload lands in the bucket, downloads redirect to a signed URL that
serves the same bytes, the datastore ingests the file, and the quality fix reads it.
"""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

from hiraku.catalog.models import Resource

from .factories import TOILETS_CSV, make_dataset, upload

moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")

BUCKET = "hiraku-files"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings):
    credentials = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "us-east-1"}
    client = boto3.client("s3", endpoint_url=s3_endpoint, **credentials)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": BUCKET, "endpoint_url": s3_endpoint, "region_name": "us-east-1",
            "access_key": "test", "secret_key": "test", "default_acl": None, "querystring_auth": True,
            "file_overwrite": False,
        }},
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_an_upload_on_s3_is_stored_downloaded_ingested_and_fixable(city, bucket, client,
                                                                   django_capture_on_commit_callbacks):
    resource = upload(city, make_dataset(city), capture=django_capture_on_commit_callbacks)

    keys = [item["Key"] for item in bucket.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [resource.file.name]
    assert bucket.get_object(Bucket=BUCKET, Key=resource.file.name)["Body"].read() == TOILETS_CSV

    response = client.get(f"/dataset/{resource.dataset.name}/resource/{resource.id}/download/toilets.csv")
    assert response.status_code == 302
    with urllib.request.urlopen(response["Location"], timeout=10) as signed:  # noqa: S310 - the test's own server
        assert signed.read() == TOILETS_CSV
        assert "toilets.csv" in signed.headers["Content-Disposition"]

    found = client.get("/api/3/action/datastore_search", {
        "resource_id": str(resource.id), "filters": json.dumps({"多目的トイレ": True}), "sort": "ID"}).json()
    assert found["success"], found
    assert [record["名称"] for record in found["result"]["records"]] == ["髙松駅前トイレ", "栗林公園北門トイレ"]

    client.force_login(city)
    base = f"/dataset/{resource.dataset.name}/resource/{resource.id}"
    preview = client.get(f"{base}/fix").content.decode()
    assert "令和2年4月1日" in preview and "2020-04-01" in preview  # a change the fix lists, read from the bucket
    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    assert client.post(f"{base}/fix/apply", {"token": token})["Location"] == base
    fixed = Resource.objects.get(pk=resource.pk)
    assert fixed.file.name != resource.file.name
    body = bucket.get_object(Bucket=BUCKET, Key=fixed.file.name)["Body"].read()
    assert body.startswith(b"\xef\xbb\xbf") and "髙松駅前トイレ" in body.decode("utf-8-sig")
    assert "2020-04-01" in body.decode("utf-8-sig") and "高松市 公衆トイレ一覧" not in body.decode("utf-8-sig")
