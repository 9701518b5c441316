"""Who may see and change what, role by role."""

from __future__ import annotations

import pytest

from hiraku.catalog import permissions, services
from hiraku.catalog.models import Dataset

from .conftest import dataset_data

pytestmark = pytest.mark.django_db

ROLES = ("site_admin", "org_admin", "editor", "member", "other_editor", "registered", "anonymous")


@pytest.fixture
def private_dataset(editor, theme):
    return services.create_dataset(editor, dataset_data(name="internal", private="on"))


@pytest.fixture
def draft_dataset(editor, theme):
    return services.create_dataset(editor, dataset_data(name="work-in-progress", state="draft"))


def who(users, check) -> set[str]:
    return {role for role in ROLES if check(users[role])}


def test_public_datasets_are_visible_to_everyone(dataset, users):
    assert who(users, lambda u: permissions.can_view_dataset(u, dataset)) == set(ROLES)


def test_private_datasets_are_visible_to_the_city_and_site_admins(private_dataset, users):
    assert who(users, lambda u: permissions.can_view_dataset(u, private_dataset)) == \
        {"site_admin", "org_admin", "editor", "member"}


def test_drafts_are_visible_to_those_who_can_edit(draft_dataset, users):
    assert who(users, lambda u: permissions.can_view_dataset(u, draft_dataset)) == \
        {"site_admin", "org_admin", "editor"}


def test_only_site_admins_see_deleted_datasets(dataset, users, editor):
    services.delete_dataset(editor, dataset)
    assert who(users, lambda u: permissions.can_view_dataset(u, dataset)) == {"site_admin"}


def test_editing_is_for_the_city_editors_org_admins_and_site_admins(dataset, users):
    assert who(users, lambda u: permissions.can_edit_dataset(u, dataset)) == {"site_admin", "org_admin", "editor"}


def test_managing_members_is_for_org_admins_and_site_admins(city, users):
    assert who(users, lambda u: permissions.can_admin_organization(u, city)) == {"site_admin", "org_admin"}


def test_staff_pages_are_for_those_who_can_write_somewhere(users):
    assert who(users, permissions.is_staff_user) == {"site_admin", "org_admin", "editor", "other_editor"}


def test_editable_organizations_per_role(users, city, other_city):
    names = {role: set(permissions.editable_organizations(users[role]).values_list("name", flat=True))
             for role in ROLES}
    assert names["site_admin"] == {"takamatsu", "marugame"}
    assert names["editor"] == names["org_admin"] == {"takamatsu"}
    assert names["other_editor"] == {"marugame"}
    assert names["member"] == names["registered"] == names["anonymous"] == set()


def test_listing_filter_matches_the_single_dataset_rule(dataset, private_dataset, draft_dataset, users):
    for role in ROLES:
        user = users[role]
        listed = set(Dataset.objects.filter(permissions.visible_datasets_q(user, include_drafts=True))
                     .values_list("name", flat=True))
        viewable = {d.name for d in Dataset.objects.all() if permissions.can_view_dataset(user, d)}
        assert listed == viewable, role


def test_public_listings_never_include_private_datasets(dataset, private_dataset, users):
    for role in ROLES:
        public = Dataset.objects.filter(permissions.visible_datasets_q(users[role], include_private=False))
        assert list(public.values_list("name", flat=True)) == ["public-toilets"], role


def test_get_dataset_hides_what_the_user_cannot_see(private_dataset, users):
    for role in ("other_editor", "registered", "anonymous"):
        with pytest.raises(services.NotFound):
            services.get_dataset("internal", users[role])
    assert services.get_dataset("internal", users["member"]).name == "internal"


def test_for_edit_refuses_members(private_dataset, users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.get_dataset("internal", users["member"], for_edit=True)
    assert services.get_dataset("internal", users["org_admin"], for_edit=True).name == "internal"
