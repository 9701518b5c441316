"""Keep the search index in step with the catalog."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from hiraku.catalog.models import Dataset, Resource

from .service import index_dataset_later


@receiver(post_save, sender=Dataset)
def _dataset_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        index_dataset_later(instance.pk)


@receiver(post_save, sender=Resource)
def _resource_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        index_dataset_later(instance.dataset_id)
