"""Signals other domains subscribe to, so the catalog never imports them.

``resource_file_changed`` is sent after the transaction that stored a new
uploaded file on a resource commits (the datastore ingests it); receivers get
``resource_id``.
"""

from django.db import transaction
from django.dispatch import Signal

resource_file_changed = Signal()


def announce_file_change(resource) -> None:
    resource_id = str(resource.pk)
    transaction.on_commit(lambda: resource_file_changed.send(sender=type(resource), resource_id=resource_id))
