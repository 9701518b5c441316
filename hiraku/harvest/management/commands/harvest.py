"""`hiraku harvest add|run|list`: manage harvest sources from the command line."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hiraku.catalog.services import CatalogValidationError
from hiraku.harvest import services
from hiraku.harvest.models import HarvestSource, Schedule, SourceType


class Command(BaseCommand):
    help = "Harvest datasets from other catalogs (CKAN API or DCAT)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", metavar="{add,run,list}")
        sub.required = True
        kwargs = {"called_from_command_line": getattr(parser, "called_from_command_line", None)}
        add = sub.add_parser("add", help="Add a source.", **kwargs)
        add.add_argument("url", help="CKAN site address, DCAT catalog URL or a local RDF file (DCAT)")
        add.add_argument("--type", dest="source_type", required=True, choices=SourceType.values)
        add.add_argument("--org", required=True, help="URL name of the local organization to harvest into")
        add.add_argument("--schedule", default=Schedule.MANUAL, choices=Schedule.values)
        add.add_argument("--title", default="")
        add.add_argument("--remote-org", default="", help="CKAN only: harvest one remote organization")
        add.add_argument("--inactive", action="store_true", help="Add the source switched off")
        run = sub.add_parser("run", help="Run one source, every active source, or those that are due.", **kwargs)
        run.add_argument("--source", type=int, help="Source id (see `hiraku harvest list`)")
        run.add_argument("--all-due", action="store_true", help="Run the scheduled sources that are due")
        run.add_argument("--full", action="store_true", help="Re-read every remote dataset (no incremental run)")
        sub.add_parser("list", help="List sources and their last run.", **kwargs)

    def handle(self, *args, action: str, **options):
        getattr(self, f"handle_{action}")(options)

    def handle_add(self, options):
        data = {"url": options["url"], "source_type": options["source_type"], "organization": options["org"],
                "schedule": options["schedule"], "title": options["title"],
                "remote_organization": options["remote_org"], "active": "" if options["inactive"] else "on"}
        try:
            source = services.add_source(None, data, allow_files=True)
        except CatalogValidationError as invalid:
            lines = [f"{field}: {' '.join(messages)}" for field, messages in invalid.errors.items()]
            raise CommandError("Source not added / 追加できません:\n  " + "\n  ".join(lines)) from None
        self.stdout.write(f"Added source {source.pk} / ソース {source.pk} を追加しました: {source.url}"
                          f" → {source.organization.name} ({source.source_type}, {source.schedule})")

    def handle_run(self, options):
        if options["all_due"] and options["source"]:
            raise CommandError("Use either --source or --all-due / どちらか一方を指定してください")
        if options["all_due"]:
            runs = services.run_due_sources(timezone.now())
            if not runs:
                self.stdout.write("No source is due / 実行予定のソースはありません")
        else:
            sources = HarvestSource.objects.select_related("organization")
            if options["source"]:
                sources = sources.filter(pk=options["source"])
                if not sources:
                    raise CommandError(f"No source {options['source']} / ソース {options['source']} はありません")
            else:
                sources = sources.filter(active=True)
            runs = []
            for source in sources:
                try:
                    runs.append(services.run_source(source, full=options["full"]))
                except services.HarvestBusy:
                    self.stderr.write(f"Source {source.pk} is already running / 実行中です")
        for run in runs:
            self.write_run(run)
        if any(run.status == "failed" for run in runs):
            raise CommandError("At least one harvest failed / 失敗したハーベストがあります")

    def write_run(self, run):
        seconds = run.duration.total_seconds() if run.duration else 0
        self.stdout.write(f"[{run.source_id}] {run.source}: {run.status} in {seconds:.1f} s — added {run.added},"
                          f" updated {run.updated}, deleted {run.deleted}, unchanged {run.unchanged},"
                          f" errors {run.errors}")
        for line in run.report:
            if line["level"] != "info":
                remote = f"{line['remote']}: " if line["remote"] else ""
                self.stdout.write(f"  {line['level']}: {remote}{line['message']}")

    def handle_list(self, options):
        sources = HarvestSource.objects.select_related("organization", "last_run").order_by("pk")
        if not sources:
            self.stdout.write("No harvest sources / ハーベストソースはありません")
        for source in sources:
            run = source.last_run
            last = (f"{timezone.localtime(run.started):%Y-%m-%d %H:%M} {run.status} +{run.added}"
                    f" ~{run.updated} -{run.deleted} !{run.errors}") if run else "never run / 未実行"
            state = "" if source.active else " (inactive)"
            self.stdout.write(f"{source.pk:>4}  {source.source_type:<4}  {source.schedule:<6}  "
                              f"{source.organization.name:<20}  {source.url}{state}\n      last run: {last}")
