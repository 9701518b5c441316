"""API action functions, one module per domain; importing registers them."""

from . import activity, datasets, datastore, group_writes, groups, package_writes, quality, site, tokens  # noqa: F401
