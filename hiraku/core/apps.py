from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "hiraku.core"
    label = "core"
    verbose_name = "Core"
