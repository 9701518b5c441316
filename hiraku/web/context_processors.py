from django.conf import settings


def site(request):
    return {"SITE_TITLE": settings.SITE_TITLE, "MAP_TILE_URL": settings.HIRAKU_MAP_TILE_URL}
