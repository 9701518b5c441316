"""A consumer stopped in the middle of an ingestion queues it again; the table must not read "running"."""

from huey.signals import SIGNAL_INTERRUPTED

from hiraku.core.jobs import get_huey
from hiraku.datastore import services
from hiraku.datastore.models import DatastoreTable


def test_an_interrupted_ingestion_reads_pending_until_it_runs_again(toilets):
    table = DatastoreTable.objects.get(resource=toilets)
    DatastoreTable.objects.filter(pk=table.pk).update(status=DatastoreTable.Status.RUNNING, phase="read")
    get_huey()._signal.send(SIGNAL_INTERRUPTED, services.ingest_resource.enqueue.s(str(toilets.pk)))
    table.refresh_from_db()
    assert (table.status, table.phase) == (DatastoreTable.Status.PENDING, "")


def test_other_interrupted_jobs_leave_tables_alone(toilets):
    DatastoreTable.objects.filter(resource=toilets).update(status=DatastoreTable.Status.RUNNING)
    get_huey()._signal.send(SIGNAL_INTERRUPTED, services.build_copy.enqueue.s(str(toilets.pk), 1, 0))
    assert DatastoreTable.objects.get(resource=toilets).status == DatastoreTable.Status.RUNNING
