"""The API token page and the token service."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from hiraku.accounts import tokens
from hiraku.accounts.models import ApiToken


@pytest.fixture
def user(db, django_user_model):
    return django_user_model.objects.create_user("tanaka", "tanaka@example.jp", "pw-tanaka-0001")


@pytest.fixture
def browser(user):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _csrf(client) -> str:
    client.get("/user/tokens")
    return client.cookies["csrftoken"].value


def test_login_required(db):
    response = Client().get("/user/tokens")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_create_shows_token_once_and_stores_only_its_digest(browser, user):
    response = browser.post("/user/tokens", {"name": "harvester", "csrfmiddlewaretoken": _csrf(browser)})
    assert response.status_code == 200
    token = re.search(r'id="new-token"[^>]*value="([^"]+)"', response.content.decode())[1]
    record = ApiToken.objects.get(user=user)
    assert record.name == "harvester" and record.digest == tokens.digest(token)
    assert token not in record.digest
    assert tokens.authenticate(token) == user
    listing = browser.get("/user/tokens").content.decode()
    assert "harvester" in listing and token not in listing


def test_create_needs_csrf_and_a_name(browser, user):
    assert browser.post("/user/tokens", {"name": "x"}).status_code == 403
    response = browser.post("/user/tokens", {"name": " ", "csrfmiddlewaretoken": _csrf(browser)})
    assert response.status_code == 400 and 'aria-invalid="true"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoke(browser, user, django_user_model):
    record, token = tokens.api_token_create(user, user, "script")
    csrf = _csrf(browser)
    assert browser.post(f"/user/tokens/{record.id}/revoke").status_code == 403
    assert browser.get(f"/user/tokens/{record.id}/revoke").status_code == 405
    response = browser.post(f"/user/tokens/{record.id}/revoke", {"csrfmiddlewaretoken": csrf})
    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    with pytest.raises(tokens.InvalidToken):
        tokens.authenticate(token)
    # Someone else's token cannot be revoked from this page.
    other = django_user_model.objects.create_user("sato", "sato@example.jp", "pw-sato-0001")
    theirs, _token = tokens.api_token_create(other, other, "theirs")
    browser.post(f"/user/tokens/{theirs.id}/revoke", {"csrfmiddlewaretoken": csrf})
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


def test_page_in_japanese(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(user)
    response = client.get("/user/tokens")
    page = response.content.decode()
    assert response.status_code == 200 and '<html lang="ja">' in page
    assert "APIトークン" in page and "トークンを作成" in page


def test_last_used_is_recorded(user):
    record, token = tokens.api_token_create(user, user, "script")
    assert record.last_used is None
    tokens.authenticate(token)
    record.refresh_from_db()
    assert record.last_used is not None
