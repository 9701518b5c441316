"""Creating, listing, revoking and checking API tokens.

A token is 256 random bits with a recognisable prefix. Only its SHA-256
digest is stored: a stolen database does not yield usable tokens, and a
high-entropy secret needs no slow password hash."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hiraku.catalog.services import CatalogValidationError, NotFound

from .models import ApiToken

PREFIX = "hiraku_"
MAX_TOKENS_PER_USER = 100
# Recording every use would turn each API read into a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class InvalidToken(Exception):
    """The presented token is unknown, revoked or its user is inactive."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _can_manage(actor, owner) -> bool:
    return getattr(actor, "is_authenticated", False) and (actor.pk == owner.pk or actor.is_superuser)


def api_token_create(actor, owner, name: str) -> tuple[ApiToken, str]:
    """A new token for `owner` (the actor itself, or anyone for a site admin): (record, token)."""
    if not _can_manage(actor, owner):
        raise PermissionDenied(_("you may only create tokens for yourself"))
    name = (name or "").strip()
    if not name:
        raise CatalogValidationError({"name": [_("Missing value")]})
    if len(name) > 200:
        raise CatalogValidationError({"name": [_("Use at most 200 characters.")]})
    with transaction.atomic():
        if ApiToken.objects.filter(user=owner).count() >= MAX_TOKENS_PER_USER:
            raise CatalogValidationError({"name": [_("Too many tokens; revoke some first.")]})
        token = PREFIX + secrets.token_urlsafe(32)
        record = ApiToken.objects.create(user=owner, name=name, digest=digest(token))
    return record, token


def api_token_list(actor, owner):
    if not _can_manage(actor, owner):
        raise PermissionDenied(_("you may only list your own tokens"))
    return ApiToken.objects.filter(user=owner).order_by("-created")


def find_token(token_or_jti: str) -> ApiToken:
    """The token record for a full token or for its id (jti)."""
    value = (token_or_jti or "").strip()
    record = None
    try:
        record = ApiToken.objects.select_related("user").filter(id=uuid.UUID(value)).first()
    except ValueError:
        pass
    if record is None and value:
        record = ApiToken.objects.select_related("user").filter(digest=digest(value)).first()
    if record is None:
        raise NotFound(_("API token"))
    return record


def api_token_revoke(actor, token_or_jti: str) -> None:
    record = find_token(token_or_jti)
    if not _can_manage(actor, record.user):
        # Someone else's token is reported as missing: its existence is not to be confirmed.
        raise NotFound(_("API token"))
    record.delete()


def authenticate(token: str):
    """The active user the token belongs to; InvalidToken otherwise."""
    token = (token or "").strip()
    if not token:
        raise InvalidToken
    record = ApiToken.objects.select_related("user").filter(digest=digest(token)).first()
    if record is None or not record.user.is_active:
        raise InvalidToken
    now = timezone.now()
    if record.last_used is None or now - record.last_used > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=record.pk).update(last_used=now)
    return record.user


def token_from_headers(meta) -> str | None:
    """The token sent in `Authorization` (raw or `Bearer …`) or `X-CKAN-API-Key`; None when neither is set."""
    value = meta.get("HTTP_AUTHORIZATION")
    if value is not None:
        value = value.strip()
        if value[:7].lower() == "bearer ":
            value = value[7:].strip()
        return value
    value = meta.get("HTTP_X_CKAN_API_KEY")
    return value.strip() if value is not None else None
