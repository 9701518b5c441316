"""API token actions (CKAN's api_token_*)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from hiraku.accounts import tokens
from hiraku.catalog.serializers import iso

from .. import registry
from ..params import Params
from .activity import find_user
from .package_writes import require_login


def token_dict(record) -> dict:
    return {"id": str(record.id), "name": record.name, "user_id": str(record.user_id),
            "created_at": iso(record.created), "last_access": iso(record.last_used)}


@registry.action(side_effect_free=False)
def api_token_create(context, data):
    """Create an API token; the token is returned once and only its digest is kept.

    :param user: name or id of the owner (yourself; site admins may name anyone)
    :param name: what the token is for
    """
    require_login(context)
    params = Params(data)
    username = params.string("user", required=True)
    name = params.string("name", required=True)
    params.raise_if_invalid()
    _record, token = tokens.api_token_create(context.user, find_user(username), name)
    return {"token": token}


@registry.action()
def api_token_list(context, data):
    """The tokens of a user (never the tokens themselves: id, name, created_at, last_access).

    :param user_id: name or id of the owner (``user`` also works)
    """
    require_login(context)
    params = Params(data)
    username = params.string("user_id") or params.string("user")
    if not username:
        params.add_error("user_id", _("Missing value"))
    params.raise_if_invalid()
    return [token_dict(t) for t in tokens.api_token_list(context.user, find_user(username))]


@registry.action(side_effect_free=False)
def api_token_revoke(context, data):
    """Revoke a token, given the token itself or its id (``jti``).

    :param token: the token
    :param jti: the token's id, as api_token_list gives it
    """
    require_login(context)
    params = Params(data)
    value = params.string("token") or params.string("jti")
    if not value:
        params.add_error("token", _("Missing value"))
    params.raise_if_invalid()
    tokens.api_token_revoke(context.user, value)
    return None
