from django.apps import AppConfig


class DcatConfig(AppConfig):
    name = "hiraku.dcat"
    verbose_name = "DCAT-AP, schema.org and activity feeds"
