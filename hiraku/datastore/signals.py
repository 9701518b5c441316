"""Signals other domains subscribe to, so the datastore never imports them.

``table_published`` is sent after a new version of a resource's table is
published and committed; receivers get ``resource_id`` and ``version``.
"""

from django.db import transaction
from django.dispatch import Signal

table_published = Signal()


def announce_table(resource_id, version: int) -> None:
    resource_id = str(resource_id)
    transaction.on_commit(lambda: table_published.send(sender=None, resource_id=resource_id, version=version))
