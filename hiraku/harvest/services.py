"""Harvest services: add a source, run it, run the sources that are due.

Every dataset write goes through hiraku.catalog.services (validation, activity,
search indexing) inside one transaction per dataset, so a failure leaves the
dataset as it was. Harvested copies are linked to their source through
HarvestedDataset; a local dataset is never overwritten: a remote dataset whose
name is already used locally is skipped with a report line."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hiraku.catalog import permissions
from hiraku.catalog import services as catalog
from hiraku.catalog.models import Capacity, Dataset, Group, Membership, Organization, State

from . import ckan, dcat
from .forms import HarvestSourceForm
from .http import Fetcher, HarvestError
from .mapping import RemoteDataset
from .models import HarvestedDataset, HarvestRun, HarvestSource, RunStatus, SourceType

logger = logging.getLogger(__name__)

HARVESTER_USERNAME = "harvester"
MAX_REPORT_LINES = 2000
STALE_RUN = timedelta(hours=6)


class HarvestBusy(Exception):
    """The source is already being harvested."""


# --- Sources -------------------------------------------------------------------------

def add_source(actor, data: dict, *, allow_files: bool = False) -> HarvestSource:
    """Validate and save a source. `actor` None means the operator at the command line."""
    organizations = Organization.objects.filter(state=State.ACTIVE) if actor is None \
        else permissions.editable_organizations(actor)
    form = HarvestSourceForm(data=data, organizations=organizations, allow_files=allow_files)
    if not form.is_valid():
        raise catalog.CatalogValidationError(catalog.form_errors(form))
    if actor is not None and not permissions.can_create_in(actor, form.cleaned_data["organization"]):
        raise PermissionDenied
    return form.save()


def sources_for(user):
    """The sources `user` may see and run: those of organizations they edit."""
    return (HarvestSource.objects.filter(organization__in=permissions.editable_organizations(user))
            .select_related("organization", "last_run"))


def can_manage(user, source: HarvestSource) -> bool:
    return permissions.can_create_in(user, source.organization)


def harvested_link(dataset: Dataset) -> HarvestedDataset | None:
    return HarvestedDataset.objects.select_related("source").filter(dataset=dataset).first()


# --- Running -------------------------------------------------------------------------

def harvester_account(organization: Organization):
    """The account harvested changes are recorded under: no password, editor of the target organization only."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=HARVESTER_USERNAME).first()
    if user is None:
        user = user_model(username=HARVESTER_USERNAME, is_active=False)
        user.set_unusable_password()
        user.save()
    Membership.objects.get_or_create(user=user, organization=organization, defaults={"capacity": Capacity.EDITOR})
    return user


def last_successful_run(source: HarvestSource) -> HarvestRun | None:
    return source.runs.filter(status=RunStatus.SUCCESS).order_by("-started").first()


def run_source(source: HarvestSource, *, fetcher: Fetcher | None = None, full: bool = False) -> HarvestRun:
    """Harvest one source now; returns the finished run (never raises for remote problems)."""
    with transaction.atomic():
        HarvestRun.objects.filter(source=source, status=RunStatus.RUNNING,
                                  started__lt=timezone.now() - STALE_RUN).update(
            status=RunStatus.FAILED, finished=timezone.now())
        if HarvestRun.objects.filter(source=source, status=RunStatus.RUNNING).exists():
            raise HarvestBusy(str(source))
        previous = last_successful_run(source)
        since = None
        if source.source_type == SourceType.CKAN and previous and not full and not source.config.get("force_all"):
            since = previous.started - ckan.INCREMENTAL_OVERLAP
        run = HarvestRun.objects.create(source=source, incremental_since=since)
        HarvestSource.objects.filter(pk=source.pk).update(last_run=run)
        source.last_run = run
    importer = Importer(source, run)
    fetcher = fetcher or Fetcher()
    fatal = False
    try:
        if source.source_type == SourceType.CKAN:
            ckan.harvest(source, importer, fetcher, since)
        else:
            dcat.harvest(source, importer, fetcher)
    except HarvestError as error:
        fatal = True
        importer.error("", str(error))
    except Exception as error:  # noqa: BLE001 - a run must end with a report, whatever broke
        logger.exception("harvest of source %s failed", source.pk)
        fatal = True
        importer.error("", _("Unexpected error: %(error)s") % {"error": f"{type(error).__name__}: {error}"})
    return importer.finish(fatal)


def run_due_sources(now: datetime | None = None, *, fetcher: Fetcher | None = None) -> list[HarvestRun]:
    now = now or timezone.now()
    runs = []
    for source in HarvestSource.objects.filter(active=True).select_related("organization"):
        if source.is_due(now):
            try:
                runs.append(run_source(source, fetcher=fetcher))
            except HarvestBusy:
                continue
    return runs


class Importer:
    """Applies remote datasets to the local catalog for one run and keeps its counts and report."""

    def __init__(self, source: HarvestSource, run: HarvestRun):
        self.source = source
        self.run = run
        self.organization_name = source.organization.name
        self.actor = harvester_account(source.organization)
        self.links = {link.remote_id: link for link in
                      HarvestedDataset.objects.filter(source=source).select_related("dataset")}
        self.omitted = 0

    def local_group_names(self) -> set[str]:
        return set(Group.objects.filter(state=State.ACTIVE).values_list("name", flat=True))

    # Report ----------------------------------------------------------------------------
    def line(self, level: str, remote: str, message: str) -> None:
        if len(self.run.report) >= MAX_REPORT_LINES:
            self.omitted += 1
            return
        self.run.report.append({"level": level, "remote": remote, "message": message})

    def error(self, remote: str, message: str) -> None:
        self.run.errors += 1
        self.line("error", remote, message)

    def finish(self, fatal: bool) -> HarvestRun:
        run = self.run
        if self.omitted:
            run.report.append({"level": "info", "remote": "",
                               "message": _("%(count)s more lines were left out.") % {"count": self.omitted}})
        changed = run.added + run.updated + run.deleted + run.unchanged
        if fatal:
            run.status = RunStatus.PARTIAL if changed else RunStatus.FAILED
        else:
            run.status = RunStatus.PARTIAL if run.errors else RunStatus.SUCCESS
        run.finished = timezone.now()
        run.save()
        return run

    # Writes ----------------------------------------------------------------------------
    def import_one(self, remote: RemoteDataset) -> None:
        link = self.links.get(remote.remote_id)
        if (link is not None and link.remote_modified == remote.remote_modified and remote.remote_modified
                and link.dataset.state == State.ACTIVE and link.dataset.organization_id == self.source.organization_id):
            self.run.unchanged += 1
            return
        try:
            with transaction.atomic():
                if link is None:
                    written = self._create(remote)
                else:
                    written = self._update(link, remote)
        except catalog.CatalogValidationError as invalid:
            reasons = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in invalid.errors.items())
            self.error(remote.label, _("Rejected by validation: %(reasons)s") % {"reasons": reasons})
            return
        except PermissionDenied:
            self.error(remote.label, _("The harvester may not change this dataset."))
            return
        except Exception as error:  # noqa: BLE001 - one broken dataset must not stop the run
            logger.exception("harvesting %s failed", remote.label)
            self.error(remote.label, _("Unexpected error: %(error)s") % {"error": f"{type(error).__name__}: {error}"})
            return
        if written is None:
            return
        for warning in remote.warnings:
            self.line("warning", remote.label, warning)

    def _name_taken(self, remote: RemoteDataset, own: Dataset | None) -> bool:
        name = remote.data["name"]
        holder = Dataset.objects.filter(name=name).exclude(pk=own.pk if own else None).first()
        if holder is None:
            return False
        if HarvestedDataset.objects.filter(dataset=holder).exists():
            message = _("The name “%(name)s” is used by a dataset harvested from another source; skipped.")
        else:
            message = _("A local dataset named “%(name)s” exists; it was not overwritten and this dataset "
                        "was skipped.")
        self.error(remote.label, message % {"name": name})
        return True

    def _create(self, remote: RemoteDataset) -> Dataset | None:
        if self._name_taken(remote, None):
            return None
        dataset = catalog.create_dataset(self.actor, remote.data, extras=remote.extras)
        for resource in remote.resources:
            catalog.add_resource(self.actor, dataset, resource)
        self.links[remote.remote_id] = HarvestedDataset.objects.create(
            source=self.source, dataset=dataset, remote_id=remote.remote_id, remote_name=remote.remote_name,
            original_url=remote.original_url, remote_modified=remote.remote_modified)
        self.run.added += 1
        self.line("info", remote.label, _("Added as “%(name)s”.") % {"name": dataset.name})
        return dataset

    def _update(self, link: HarvestedDataset, remote: RemoteDataset) -> Dataset | None:
        dataset = Dataset.objects.get(pk=link.dataset_id)
        if self._name_taken(remote, dataset):
            return None
        revived = dataset.state == State.DELETED
        dataset = catalog.update_dataset(self.actor, dataset, remote.data, extras=remote.extras)
        self._sync_resources(dataset, remote.resources)
        link.remote_name = remote.remote_name
        link.original_url = remote.original_url
        link.remote_modified = remote.remote_modified
        link.last_harvested = timezone.now()
        link.save()
        self.run.updated += 1
        message = _("Restored “%(name)s”.") if revived else _("Updated “%(name)s”.")
        self.line("info", remote.label, message % {"name": dataset.name})
        return dataset

    def _sync_resources(self, dataset: Dataset, incoming: list[dict]) -> None:
        current = list(dataset.resources.filter(state=State.ACTIVE).order_by("position", "created"))
        for resource, data in zip(current, incoming, strict=False):
            if (resource.name, resource.url, resource.description, resource.format) != (
                    data["name"], data["url"], data["description"], data["format"]):
                catalog.update_resource(self.actor, resource, data)
        for data in incoming[len(current):]:
            catalog.add_resource(self.actor, dataset, data)
        for resource in current[len(incoming):]:
            catalog.delete_resource(self.actor, resource)

    def delete_missing(self, *, ids: set[str] | None = None, names: set[str] | None = None) -> None:
        """Delete local copies whose remote dataset is no longer listed (by remote id or by remote name)."""
        for remote_id, link in list(self.links.items()):
            present = remote_id in ids if ids is not None else link.remote_name in (names or set())
            if present:
                continue
            dataset = Dataset.objects.select_related("organization").get(pk=link.dataset_id)
            if dataset.state == State.DELETED:
                continue
            try:
                with transaction.atomic():
                    catalog.delete_dataset(self.actor, dataset)
            except Exception as error:  # noqa: BLE001
                logger.exception("deleting %s failed", dataset.name)
                self.error(link.remote_name or remote_id, _("Could not delete: %(error)s") % {"error": error})
                continue
            self.run.deleted += 1
            self.line("info", link.remote_name or remote_id,
                      _("Deleted “%(name)s”: the source no longer lists it.") % {"name": dataset.name})
