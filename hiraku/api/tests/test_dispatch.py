"""The HTTP contract of the Action API: routes, envelopes, error shapes, JSONP."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import translation

from hiraku.api import registry
from hiraku.api.registry import Action

from .helpers import call_get, call_post, error_of, result_of

PREFIXES = ["/api/3/action/", "/api/action/"]


@pytest.mark.django_db
def test_api_version_answers_without_redirect(client):
    response = client.get("/api/3")
    assert response.status_code == 200
    assert response.json() == {"version": 3}
    assert client.get("/api/3/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", PREFIXES)
def test_both_routes_answer_get_and_post_with_the_envelope(client, settings, prefix):
    settings.SITE_URL = "https://opendata.example.jp"
    for response in (call_get(client, "status_show", prefix), call_post(client, "status_show", prefix)):
        body = response.json()
        assert response.status_code == 200
        assert body["success"] is True
        assert body["help"] == "https://opendata.example.jp/api/3/action/help_show?name=status_show"
        assert body["result"]["site_url"] == "https://opendata.example.jp"


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", PREFIXES)
def test_trailing_slash_is_not_redirected(client, prefix):
    for response in (client.get(prefix + "package_list/"), client.post(prefix + "package_list/")):
        assert response.status_code == 404
        assert "Location" not in response


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", PREFIXES)
def test_unknown_action_is_a_bare_json_string(client, prefix):
    for response in (call_get(client, "no_such_action", prefix), call_post(client, "no_such_action", prefix)):
        assert response.status_code == 400
        assert response.json() == "Bad request: Action name not known: no_such_action"


@pytest.mark.django_db
@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe{}"])
def test_malformed_json_body_is_a_clear_400(client, body):
    response = client.post("/api/action/package_list", data=body, content_type="application/json")
    assert response.status_code == 400
    message = response.json()
    assert message.startswith("Bad request: JSON Error:")


@pytest.mark.django_db
def test_empty_post_body_means_no_parameters(client):
    response = client.post("/api/action/package_list", data=b"", content_type="application/json")
    assert result_of(response) == []


def test_form_encoded_post_is_accepted(client, catalog):
    response = client.post("/api/3/action/package_show", {"id": "evacuation-sites"})
    assert result_of(response)["name"] == "evacuation-sites"


def test_json_sent_as_a_form_is_accepted(client, catalog):
    # What `curl -d '{"id": "..."}'` sends.
    response = client.post("/api/3/action/package_show", data='{"id": "aed-locations"}',
                           content_type="application/x-www-form-urlencoded")
    assert result_of(response)["name"] == "aed-locations"


def test_post_is_exempt_from_csrf(catalog):
    client = Client(enforce_csrf_checks=True)
    response = call_post(client, "package_show", id="evacuation-sites")
    assert result_of(response)["name"] == "evacuation-sites"


@pytest.mark.django_db
def test_other_methods_are_refused(client):
    response = client.put("/api/3/action/package_list")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"


def _write_action(context, data):
    """A write action used only by this test."""
    return {"written": data.get("value")}


@pytest.mark.django_db
def test_get_on_an_action_with_side_effects_asks_for_post(client):
    with registry.temporary_action(Action("test_write_thing", _write_action, side_effect_free=False)):
        response = call_get(client, "test_write_thing", value="x")
        assert response.status_code == 400
        assert "Please use POST method" in response.json()
        posted = call_post(client, "test_write_thing", value="x")
        assert result_of(posted) == {"written": "x"}
        # Query parameters do not leak into a write action's data.
        mixed = client.post("/api/3/action/test_write_thing?value=from-url", data="{}",
                            content_type="application/json")
        assert result_of(mixed) == {"written": None}


def _denied_action(context, data):
    raise PermissionDenied("you may not do this")


def _broken_action(context, data):
    raise RuntimeError("a bug")


@pytest.mark.django_db
def test_authorization_error_shape(client):
    with registry.temporary_action(Action("test_denied", _denied_action, side_effect_free=True)):
        error = error_of(call_post(client, "test_denied"), 403, "Authorization Error")
    assert error["message"] == "Access denied: you may not do this"


@pytest.mark.django_db
def test_unexpected_failure_still_answers_json(client):
    with registry.temporary_action(Action("test_broken", _broken_action, side_effect_free=True)):
        error = error_of(call_get(client, "test_broken"), 500, "Internal Server Error")
    assert "a bug" not in error["message"]


def test_not_found_error_shape(client, catalog):
    for response in (call_get(client, "package_show", id="missing"), call_post(client, "package_show", id="missing")):
        error = error_of(response, 404, "Not Found Error")
        assert error["message"] == "Not found: missing"


@pytest.mark.django_db
def test_validation_error_shape(client):
    for response in (call_get(client, "package_search", rows="abc", start="-1"),
                     call_post(client, "package_search", rows="abc", start=-1)):
        error = error_of(response, 409, "Validation Error")
        assert set(error) == {"__type", "rows", "start"}
        assert isinstance(error["rows"], list) and error["rows"]


@pytest.mark.django_db
def test_search_query_error_shape(client):
    error = error_of(call_get(client, "package_search", fq="colour:blue"), 400, "Search Query Error")
    assert error["message"].startswith("Search Query is invalid: ")
    assert "colour" in error["message"]


def test_jsonp_wraps_successful_get(client, catalog):
    response = client.get("/api/3/action/package_show", {"id": "aed-locations", "callback": "handle.result"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    text = response.content.decode()
    assert text.startswith("/**/handle.result(") and text.endswith(");")
    body = json.loads(text[len("/**/handle.result("):-2])
    assert body["result"]["name"] == "aed-locations"


def test_jsonp_is_not_applied_to_errors(client, catalog):
    response = client.get("/api/3/action/package_show", {"id": "missing", "callback": "cb"})
    assert response.status_code == 404
    assert response.json()["error"]["__type"] == "Not Found Error"


@pytest.mark.django_db
@pytest.mark.parametrize("callback", ["alert(1)//", "a b", "1abc", "x;y", "a" * 200])
def test_jsonp_callback_must_be_a_function_name(client, callback):
    response = client.get("/api/3/action/package_list", {"callback": callback})
    assert response.status_code == 400
    assert "callback" in response.json()


def test_jsonp_answers_as_anonymous_even_when_logged_in(client, catalog):
    client.force_login(catalog.member)
    plain = result_of(call_get(client, "package_show", id="staff-budget"))
    assert plain["name"] == "staff-budget"
    response = client.get("/api/3/action/package_show", {"id": "staff-budget", "callback": "cb"})
    assert response.status_code == 404


@pytest.mark.django_db
def test_help_show_returns_the_action_documentation(client):
    text = result_of(call_get(client, "help_show", name="package_search"))
    assert "fq" in text and "rows" in text
    error_of(call_get(client, "help_show", name="nothing_here"), 404, "Not Found Error")
    error_of(call_get(client, "help_show"), 409, "Validation Error")


@pytest.mark.django_db
def test_messages_follow_the_request_language_but_contract_strings_do_not():
    with translation.override("ja"):
        japanese = translation.gettext("Missing value")
    assert japanese != "Missing value"
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    assert error_of(call_get(client, "package_show"), 409, "Validation Error")["id"] == [japanese]
    assert call_get(client, "nope").json() == "Bad request: Action name not known: nope"
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert error_of(call_get(english, "package_show"), 409, "Validation Error")["id"] == ["Missing value"]


@pytest.mark.django_db
def test_web_apps_on_other_sites_may_call_the_api_without_credentials(client):
    """CORS as open data portals allow it: any origin, never with cookies."""
    response = client.get("/api/3/action/package_list", headers={"origin": "https://app.example.org"})
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    preflight = client.options("/api/3/action/datastore_upsert", headers={
        "origin": "https://app.example.org", "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type"})
    assert preflight.status_code == 204 and preflight["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    assert "Authorization" in preflight["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in preflight
    assert "Access-Control-Allow-Origin" not in client.get("/", headers={"origin": "https://app.example.org"})
    # A plain OPTIONS (no preflight) is still the API's own answer.
    assert client.options("/api/3/action/package_list").status_code == 405


@pytest.mark.django_db
def test_cors_can_be_turned_off(settings):
    settings.HIRAKU_CORS_PATHS = []
    response = Client().get("/api/3/action/package_list")
    assert response.status_code == 200 and "Access-Control-Allow-Origin" not in response
