"""`hiraku demo`: load the shipped demo catalog and print the sign-in accounts.

Console output is bilingual (Japanese / English) in one line rather than
translated, so it reads the same whatever locale the shell runs in.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from hiraku.catalog.models import Organization
from hiraku.catalog.services import CatalogValidationError
from hiraku.core import jobs
from hiraku.demo import accounts
from hiraku.demo.loader import DemoDataError, LoadReport, load_demo_catalog, read_manifest

DEMO_CITY = "takamatsu-city"


class Command(BaseCommand):
    help = "Load the demo catalog (Takamatsu City open data); running it again changes nothing."

    def handle(self, *args, **options):
        try:
            manifest = read_manifest()
            admin = accounts.ensure_site_admin()
            admin_user = get_user_model().objects.get(username=admin.username)
            # The catalog must be fully ingested when the command exits (`make demo` serves it next),
            # so the demo's own jobs run here whatever queue the site uses.
            with jobs.run_immediately():
                report = load_demo_catalog(admin_user, manifest)
            editor = accounts.ensure_editor(Organization.objects.get(name=DEMO_CITY))
        except DemoDataError as error:
            raise CommandError(str(error)) from error
        except CatalogValidationError as error:
            raise CommandError(f"The demo data was refused / デモデータが受け付けられませんでした: {error.errors}") from error
        self.print_report(report)
        self.print_account("管理者ログイン / Admin login", admin, "/admin/")
        self.print_account("編集者ログイン / Editor login", editor, "/login")

    def print_report(self, report: LoadReport) -> None:
        for kind, counts in sorted(report.counts.items()):
            self.stdout.write(f"{kind}: " + ", ".join(f"{counts[k]} {k}" for k in ("created", "updated", "unchanged")))
        for name in report.skipped:
            self.stdout.write(f"Skipped {name}: deleted by staff / スタッフが削除済みのため読み込みません")
        if not report.changed:
            self.stdout.write("The demo catalog is already up to date / デモカタログは最新です")

    def print_account(self, label: str, account: accounts.Account, path: str) -> None:
        password = account.password or "(existing account; password unchanged / 既存のアカウントです)"
        self.stdout.write(self.style.SUCCESS(f"{label}: {account.username} / {password} — {settings.SITE_URL}{path}"))
