from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("api/", include("hiraku.api.urls")),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("hiraku.accounts.urls")),
    path("", include("hiraku.dcat.urls")),
    path("", include("hiraku.datastore.urls")),
    path("staff/harvest/", include("hiraku.harvest.urls")),
    path("", include("hiraku.web.urls")),
]
