"""Harvesting a CKAN Action API (CKAN itself, or another Hiraku).

Paging follows ckanext-harvest's CKAN harvester, which CKAN sites are used to:
GET <site>/api/3/action/package_search?rows=100&start=N&sort=id asc
[&fq=metadata_modified:[<last successful run − 1 h>Z TO *] organization:<x>], page after page until an
empty page; two identical consecutive pages mean the remote paging is broken (an error, not a loop), and
datasets seen on an earlier page are skipped when the remote catalog changes while we page.
Deleted datasets are found through a full listing of the remote names (package_list) or, when the source
is filtered to one remote organization, of the ids in that organization.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from django.utils.translation import gettext as _

from .http import Fetcher, HarvestError
from .mapping import RemoteDataset, form_data, local_name, map_license, resource_data

PAGE_SIZE = 100
LIST_PAGE_SIZE = 1000
MAX_PAGES = 100_000
INCREMENTAL_OVERLAP = timedelta(hours=1)
# Hiraku fields that CKAN keeps in extras; read from either place.
FIELD_EXTRAS = ("update_frequency", "frequency", "temporal_start", "temporal_end", "spatial", "spatial_lgcode",
                "standard_type")

_API_SUFFIX = re.compile(r"/api(/\d+)?(/action(/[^/]*)?)?/?$")


def site_root(url: str) -> str:
    """The site address from whatever the operator pasted: site root, /api/3 or an action URL."""
    url = url.strip().split("?", 1)[0].split("#", 1)[0].rstrip("/")
    return _API_SUFFIX.sub("", url).rstrip("/")


def modified_filter(since: datetime) -> str:
    moment = since.astimezone(UTC).replace(tzinfo=None) if since.tzinfo else since
    return f"metadata_modified:[{moment.isoformat()}Z TO *]"


class CkanClient:
    def __init__(self, url: str, fetcher: Fetcher):
        self.root = site_root(url)
        self.fetcher = fetcher

    def action(self, name: str, params: dict):
        url = f"{self.root}/api/3/action/{name}"
        reply = self.fetcher.get_json(url, params)
        # CKAN can answer 200 with success false; only the envelope says whether it worked.
        if not isinstance(reply, dict) or "success" not in reply:
            raise HarvestError(_("%(url)s: not a CKAN API answer (no “success” field).") % {"url": url})
        if not reply["success"]:
            error = reply.get("error") or {}
            message = error.get("message") if isinstance(error, dict) else str(error)
            raise HarvestError(_("%(url)s: the CKAN API reported an error: %(message)s")
                               % {"url": url, "message": message or error})
        return reply.get("result")

    def search(self, fq: str = "", rows: int = PAGE_SIZE) -> Iterator[dict]:
        """Every dataset matching `fq`, page by page, as ckanext-harvest pages."""
        params = {"rows": rows, "start": 0, "sort": "id asc"}
        if fq:
            params["fq"] = fq
        seen: set[str] = set()
        previous = None
        for _page in range(MAX_PAGES):
            result = self.action("package_search", params)
            results = result.get("results") if isinstance(result, dict) else None
            if not isinstance(results, list) or not all(isinstance(item, dict) for item in results):
                raise HarvestError(_("package_search did not return a list of datasets (start=%(start)s).")
                                   % {"start": params["start"]})
            if previous is not None and results and results == previous:
                raise HarvestError(_("The remote paging does not work: two consecutive pages are identical "
                                     "(start=%(start)s).") % {"start": params["start"]})
            previous = results
            fresh = [item for item in results if str(item.get("id")) not in seen]
            if not fresh:
                return
            seen.update(str(item.get("id")) for item in fresh)
            yield from fresh
            params["start"] += rows
        raise HarvestError(_("Stopped after %(pages)s pages.") % {"pages": MAX_PAGES})

    def all_names(self) -> set[str]:
        """Every public dataset name (package_list, paged with limit/offset)."""
        names: set[str] = set()
        offset, previous = 0, None
        for _page in range(MAX_PAGES):
            page = self.action("package_list", {"limit": LIST_PAGE_SIZE, "offset": offset})
            if not isinstance(page, list):
                raise HarvestError(_("package_list did not return a list of names."))
            if not page or page == previous:
                return names
            names.update(str(name) for name in page)
            if len(page) > LIST_PAGE_SIZE:  # a server that ignores limit sent everything at once
                return names
            previous = page
            offset += LIST_PAGE_SIZE
        return names


def filters(source, since: datetime | None) -> str:
    terms = []
    if since is not None:
        terms.append(modified_filter(since))
    if source.remote_organization:
        terms.append(f"organization:{source.remote_organization}")
    return " ".join(terms)


def harvest(source, importer, fetcher: Fetcher, since: datetime | None) -> None:
    """Gather, import each dataset, then delete local copies of datasets the remote no longer lists."""
    client = CkanClient(source.url, fetcher)
    local_groups = importer.local_group_names()
    present_ids: set[str] = set()
    for package in client.search(filters(source, since)):
        present_ids.add(str(package.get("id")))
        remote = None
        try:
            remote = to_remote(package, client.root, importer.organization_name, local_groups)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            importer.error(str(package.get("name") or package.get("id") or "?"),
                           _("Unreadable dataset: %(reason)s") % {"reason": error})
        if remote is not None:
            importer.import_one(remote)
    if since is None:
        # A full gather saw every remote dataset: whatever it did not see is gone.
        importer.delete_missing(ids=present_ids)
    elif source.remote_organization:
        ids = {str(package.get("id")) for package in client.search(filters(source, None), rows=LIST_PAGE_SIZE)}
        importer.delete_missing(ids=ids)
    else:
        importer.delete_missing(names=client.all_names())


def _extras(package: dict) -> dict[str, str]:
    raw = package.get("extras") or []
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    return {str(item.get("key")): "" if item.get("value") is None else str(item.get("value"))
            for item in raw if isinstance(item, dict) and item.get("key")}


def to_remote(package: dict, root: str, organization: str, local_groups: set[str]) -> RemoteDataset:
    remote_id = str(package["id"])
    remote_name = str(package.get("name") or remote_id)
    extras = _extras(package)

    def field(key: str) -> str:
        value = package.get(key)
        if value in (None, "") and key in extras:
            value = extras[key]
        return "" if value is None else str(value)

    license_id, license_warning = map_license(str(package.get("license_id") or ""),
                                              str(package.get("license_url") or ""),
                                              str(package.get("license_title") or ""))
    spatial = field("spatial")
    if spatial.lstrip().startswith("{"):  # ckanext-spatial keeps GeoJSON here; not a place name
        spatial = ""
    tags = [tag.get("name") if isinstance(tag, dict) else tag for tag in package.get("tags") or []]
    groups = [group.get("name") for group in package.get("groups") or [] if isinstance(group, dict)]
    data = form_data(
        name=local_name(remote_name, remote_id), title=package.get("title") or remote_name,
        organization=organization, notes=package.get("notes") or "", tags=tags,
        groups=[name for name in groups if name in local_groups], license_id=license_id,
        url=package.get("url") or "", version=package.get("version") or "", author=package.get("author") or "",
        maintainer=package.get("maintainer") or "", maintainer_email=package.get("maintainer_email") or "",
        update_frequency=field("update_frequency") or field("frequency"),
        temporal_start=field("temporal_start"), temporal_end=field("temporal_end"), spatial=spatial,
        spatial_lgcode=field("spatial_lgcode"), standard=field("standard_type"),
    )
    remote = RemoteDataset(
        remote_id=remote_id, remote_name=remote_name, original_url=f"{root}/dataset/{remote_name}",
        remote_modified=str(package.get("metadata_modified") or ""), data=data,
        extras={key: value for key, value in extras.items() if key not in FIELD_EXTRAS},
    )
    if license_warning:
        remote.warnings.append(license_warning)
    for index, resource in enumerate(package.get("resources") or []):
        if not isinstance(resource, dict):
            continue
        mapped = resource_data(name=resource.get("name") or "", url=resource.get("url") or "",
                               description=resource.get("description") or "", format=resource.get("format") or "")
        if mapped is None:
            remote.warnings.append(_("Resource %(number)s (“%(name)s”) has no usable URL and was left out.")
                                   % {"number": index + 1, "name": resource.get("name") or ""})
        else:
            remote.resources.append(mapped)
    return remote
