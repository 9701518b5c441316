from django.conf import settings

from hiraku.catalog import permissions


def site(request):
    user = getattr(request, "user", None)
    return {
        "SITE_TITLE": settings.SITE_TITLE,
        "SITE_DESCRIPTION": settings.SITE_DESCRIPTION,
        "MAP_TILE_URL": settings.HIRAKU_MAP_TILE_URL,
        # A callable: templates evaluate it only where the staff link is drawn.
        "user_is_staff": lambda: user is not None and permissions.is_staff_user(user),
    }
