"""Calling the Action API through Django's test client."""

from __future__ import annotations

import json


def call_get(client, action: str, prefix: str = "/api/3/action/", **params):
    return client.get(prefix + action, params)


def call_post(client, action: str, prefix: str = "/api/3/action/", **data):
    return client.post(prefix + action, data=json.dumps(data), content_type="application/json")


def result_of(response) -> object:
    body = response.json()
    assert response.status_code == 200, body
    assert body["success"] is True, body
    return body["result"]


def error_of(response, status: int, type_name: str) -> dict:
    body = response.json()
    assert response.status_code == status, body
    assert body["success"] is False
    assert body["error"]["__type"] == type_name
    assert body["help"].endswith("/api/3/action/help_show?name=" + response.wsgi_request.path.rsplit("/", 1)[-1])
    return body["error"]
