"""Background job: harvest one source (queued for the consumer, or immediate with HIRAKU_JOBS=immediate)."""

from __future__ import annotations

from hiraku.core.jobs import job


@job
def harvest_source(source_id: int) -> int | None:
    """Run the source; returns the run id, or None when the source is gone or already running."""
    from . import services
    from .models import HarvestSource

    source = HarvestSource.objects.select_related("organization").filter(pk=source_id).first()
    if source is None:
        return None
    try:
        return services.run_source(source).pk
    except services.HarvestBusy:
        return None
