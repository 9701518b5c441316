"""API action functions, one module per domain; importing registers them."""

from . import datasets, groups, site  # noqa: F401
