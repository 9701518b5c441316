"""Views of the public web UI and of the staff pages."""

from .accounts import LoginView, LogoutView
from .files import resource_download
from .public import (
    dataset_detail,
    dataset_search,
    group_detail,
    group_list,
    home,
    organization_detail,
    organization_list,
    resource_detail,
)
from .staff import (
    dashboard,
    dataset_create,
    dataset_delete,
    dataset_edit,
    resource_create,
    resource_delete,
    resource_edit,
)

__all__ = [
    "LoginView", "LogoutView", "dashboard", "dataset_create", "dataset_delete", "dataset_detail", "dataset_edit",
    "dataset_search", "group_detail", "group_list", "home", "organization_detail", "organization_list",
    "resource_create", "resource_delete", "resource_detail", "resource_download", "resource_edit",
]
