from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "hiraku.catalog"
    label = "catalog"
    verbose_name = "Catalog"
