import pytest


@pytest.mark.django_db
def test_pages_are_japanese_even_for_an_english_browser(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "ja"
    assert '<html lang="ja"' in response.content.decode()


@pytest.mark.django_db
def test_the_language_switch_cookie_selects_english(client):
    client.cookies["django_language"] = "en"
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.headers["Content-Language"] == "en"


@pytest.mark.django_db
def test_api_errors_follow_accept_language(client):
    english = client.get("/api/3/action/package_show?id=missing", HTTP_ACCEPT_LANGUAGE="en")
    japanese = client.get("/api/3/action/package_show?id=missing", HTTP_ACCEPT_LANGUAGE="ja")
    assert english.status_code == japanese.status_code == 404
    assert english.headers["Content-Language"] == "en"
    assert japanese.headers["Content-Language"] == "ja"
