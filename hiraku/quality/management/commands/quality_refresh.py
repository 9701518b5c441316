"""`hiraku quality_refresh`: recompute the stored quality scores, optionally re-checking files.

Scores are stored when a dataset, a resource or a report changes; run this
after installing the quality app (datasets published before have no score),
and from time to time so the "updated on schedule" criterion follows the
calendar. ``--check`` also re-checks uploaded files (``--missing`` only those
without a report), for example after the rules changed.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from hiraku.catalog.models import Dataset, Resource, State
from hiraku.quality import services
from hiraku.quality.models import QualityReport


class Command(BaseCommand):
    help = "Recompute dataset quality scores; with --check, re-check uploaded files first."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="re-check every uploaded file")
        parser.add_argument("--missing", action="store_true", help="check only uploaded files without a report")

    def handle(self, *args, check=False, missing=False, **options):
        if check or missing:
            resources = Resource.objects.filter(state=State.ACTIVE).exclude(file="").exclude(
                dataset__state=State.DELETED)
            if missing and not check:
                resources = resources.exclude(pk__in=QualityReport.objects.values("resource_id"))
            checked = 0
            for resource_id in resources.values_list("pk", flat=True).iterator():
                services.check_resource(str(resource_id))
                checked += 1
            self.stdout.write(f"checked {checked} files")
        scored = 0
        for dataset_id in Dataset.objects.exclude(state=State.DELETED).values_list("pk", flat=True).iterator():
            services.refresh_score_safely(dataset_id)
            scored += 1
        self.stdout.write(f"scored {scored} datasets")
