import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from hiraku.search.service import rebuild_index


class Command(BaseCommand):
    help = "Rebuild the dataset search index from the catalog."

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = rebuild_index()
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            _("Indexed %(count)d datasets in %(seconds).1f s.") % {"count": count, "seconds": elapsed}))
