from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "hiraku.quality"
    label = "quality"
    verbose_name = _("Data quality")

    def ready(self):
        from hiraku.catalog.signals import resource_file_changed

        resource_file_changed.connect(_check_new_file, dispatch_uid="quality-check")


def _check_new_file(sender, resource_id, **kwargs):
    from . import services

    services.schedule_check(resource_id)
