from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DatastoreConfig(AppConfig):
    name = "hiraku.datastore"
    label = "datastore"
    verbose_name = _("Datastore")

    def ready(self):
        from hiraku.catalog.signals import resource_file_changed

        resource_file_changed.connect(_ingest_new_file, dispatch_uid="datastore-ingest")


def _ingest_new_file(sender, resource_id, **kwargs):
    from . import services

    services.schedule_ingest(resource_id)
