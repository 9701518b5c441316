from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "hiraku.demo"
    label = "demo"
    verbose_name = "Demo catalog"
