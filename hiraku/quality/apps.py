from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "hiraku.quality"
    label = "quality"
    verbose_name = _("Data quality")

    def ready(self):
        from django.db.models.signals import post_save

        from hiraku.catalog.models import Dataset, Resource
        from hiraku.catalog.signals import resource_file_changed

        resource_file_changed.connect(_check_new_file, dispatch_uid="quality-check")
        post_save.connect(_dataset_saved, sender=Dataset, dispatch_uid="quality-score-dataset")
        post_save.connect(_resource_saved, sender=Resource, dispatch_uid="quality-score-resource")


def _check_new_file(sender, resource_id, **kwargs):
    from . import services

    services.schedule_check(resource_id)


def _rescore_on_commit(dataset_id) -> None:
    from django.db import transaction

    from . import services

    transaction.on_commit(lambda: services.refresh_score_safely(dataset_id))


def _dataset_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _rescore_on_commit(instance.pk)


def _resource_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _rescore_on_commit(instance.dataset_id)
