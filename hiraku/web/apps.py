from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "hiraku.web"
    label = "web"
    verbose_name = "Web UI"
