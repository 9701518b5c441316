"""Keep the search index in step with the catalog: dataset and resource saves,
tag and theme changes, deletions, and renamed organizations or themes (their
names are facet values and their titles are indexed text).

The index also stores each dataset's CKAN package dict, so everything that
changes that dict re-indexes, including deletions that the database carries
out without model signals (link rows of a deleted theme or tag, the creator
of a deleted user set to NULL). The quality grade is a facet too: a stored
dataset score whose grade changes re-indexes its dataset. Every handler only
collects dataset ids: they are indexed once, after the transaction commits."""

from django.conf import settings
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from hiraku.catalog.models import Dataset, Group, Organization, Resource, Tag
from hiraku.quality.models import DatasetScore

from .service import index_dataset_later, index_datasets_later


@receiver(post_save, sender=Dataset)
def _dataset_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        index_dataset_later(instance.pk)


@receiver(post_delete, sender=Dataset)
def _dataset_deleted(sender, instance, **kwargs):
    index_dataset_later(instance.pk)


@receiver(post_save, sender=Resource)
@receiver(post_delete, sender=Resource)
def _resource_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        index_dataset_later(instance.dataset_id)


@receiver(m2m_changed, sender=Dataset.tags.through)
@receiver(m2m_changed, sender=Dataset.groups.through)
def _dataset_relations_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear", "pre_clear"}:
        return
    if not reverse:
        if action != "pre_clear":
            index_dataset_later(instance.pk)
    elif action == "pre_clear":
        # pk_set is empty on clear; remember the datasets before the rows go.
        index_datasets_later(list(instance.datasets.values_list("pk", flat=True)))
    elif pk_set:
        index_datasets_later(list(pk_set))


@receiver(post_save, sender=Organization)
def _organization_saved(sender, instance, created=False, raw=False, **kwargs):
    if not raw and not created:
        index_datasets_later(list(Dataset.objects.filter(organization=instance).values_list("pk", flat=True)))


@receiver(post_save, sender=Group)
def _group_saved(sender, instance, created=False, raw=False, **kwargs):
    if not raw and not created:
        index_datasets_later(list(instance.datasets.values_list("pk", flat=True)))


@receiver(pre_delete, sender=Group)
@receiver(pre_delete, sender=Tag)
def _group_or_tag_deleted(sender, instance, **kwargs):
    # The link rows go with a bulk delete that sends no m2m_changed.
    index_datasets_later(list(instance.datasets.values_list("pk", flat=True)))


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL)
def _user_deleted(sender, instance, **kwargs):
    # Dataset.creator is set to NULL by a bulk update: creator_user_id changes.
    index_datasets_later(list(Dataset.objects.filter(creator=instance).values_list("pk", flat=True)))


# Where a score being saved keeps the grade stored before the save (None: no row yet).
_PREVIOUS_GRADE = "_search_indexed_grade"


@receiver(pre_save, sender=DatasetScore)
def _score_saving(sender, instance, raw=False, using=None, **kwargs):
    # Scores are recomputed after every dataset, resource and report change, mostly to the
    # same grade: remember the stored grade so that only a new grade re-indexes.
    if not raw:
        setattr(instance, _PREVIOUS_GRADE, sender.objects.using(using).filter(pk=instance.pk)
                .values_list("grade", flat=True).first())


@receiver(post_save, sender=DatasetScore)
def _score_saved(sender, instance, raw=False, using="default", **kwargs):
    if raw:
        return
    previous = instance.__dict__.pop(_PREVIOUS_GRADE, None)
    if previous != instance.grade:
        index_dataset_later(instance.dataset_id, using=using)


@receiver(post_delete, sender=DatasetScore)
def _score_deleted(sender, instance, using="default", **kwargs):
    index_dataset_later(instance.dataset_id, using=using)
