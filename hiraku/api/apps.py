from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "hiraku.api"
    label = "ckan_api"
    verbose_name = "CKAN-compatible API"
