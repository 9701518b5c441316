"""Who may see and change what. Least privilege: anonymous users read public
datasets; registered users read public datasets; organization members read
their organization's private datasets; editors and admins change their
organization's datasets; organization admins also manage members; site admins
(superusers) do everything."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Capacity, Dataset, Membership, Organization, State

WRITE_CAPACITIES = (Capacity.ADMIN, Capacity.EDITOR)


def _memberships(user) -> QuerySet[Membership]:
    if not getattr(user, "is_authenticated", False):
        return Membership.objects.none()
    return Membership.objects.filter(user=user)


def member_organization_ids(user) -> set:
    return set(_memberships(user).values_list("organization_id", flat=True))


def editable_organizations(user) -> QuerySet[Organization]:
    if getattr(user, "is_superuser", False):
        return Organization.objects.filter(state=State.ACTIVE)
    ids = _memberships(user).filter(capacity__in=WRITE_CAPACITIES).values_list("organization_id", flat=True)
    return Organization.objects.filter(id__in=list(ids), state=State.ACTIVE)


def is_staff_user(user) -> bool:
    """City staff: may open the staff pages (create/edit datasets)."""
    return getattr(user, "is_superuser", False) or editable_organizations(user).exists()


def can_create_in(user, organization: Organization) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return _memberships(user).filter(organization=organization, capacity__in=WRITE_CAPACITIES).exists()


def can_edit_dataset(user, dataset: Dataset) -> bool:
    return can_create_in(user, dataset.organization)


def can_admin_organization(user, organization: Organization) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return _memberships(user).filter(organization=organization, capacity=Capacity.ADMIN).exists()


def can_view_dataset(user, dataset: Dataset) -> bool:
    if dataset.is_public:
        return True
    if getattr(user, "is_superuser", False):
        return True
    if dataset.state == State.DELETED:
        return False
    if dataset.private or dataset.state == State.DRAFT:
        capacities = WRITE_CAPACITIES if dataset.state == State.DRAFT else tuple(Capacity)
        return _memberships(user).filter(organization=dataset.organization_id, capacity__in=capacities).exists()
    return False


def visible_datasets_q(user, include_private: bool = True, include_drafts: bool = False) -> Q:
    """A filter for the datasets `user` may list."""
    public = Q(state=State.ACTIVE, private=False)
    if getattr(user, "is_superuser", False):
        allowed = Q(state=State.ACTIVE)
        if include_drafts:
            allowed |= Q(state=State.DRAFT)
        return allowed if include_private else public
    org_ids = member_organization_ids(user)
    q = public
    if include_private and org_ids:
        q |= Q(state=State.ACTIVE, private=True, organization_id__in=org_ids)
    if include_drafts and org_ids:
        # Drafts belong to those who can edit them, as in can_view_dataset.
        writable = _memberships(user).filter(capacity__in=WRITE_CAPACITIES).values_list("organization_id", flat=True)
        q |= Q(state=State.DRAFT, organization_id__in=list(writable))
    return q
