"""Demo sign-in accounts: a site admin and an editor of the demo city.

Passwords are random, made on the first run and kept in HIRAKU_DATA_DIR with
owner-only permissions, so `hiraku demo` can print them again later without a
fixed password ever being part of the code.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

from hiraku.catalog.models import Capacity, Membership, Organization

CREDENTIALS_FILENAME = "demo-credentials.json"
ADMIN_USERNAME = "admin"
EDITOR_USERNAME = "takamatsu-editor"


@dataclass
class Account:
    username: str
    # None when the account existed before the demo and its password is not known.
    password: str | None
    created: bool


def credentials_path() -> Path:
    return Path(settings.DATA_DIR) / CREDENTIALS_FILENAME


def read_credentials() -> dict[str, str]:
    path = credentials_path()
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def write_credentials(credentials: dict[str, str]) -> None:
    """Write atomically, readable by the owner only (0600) from the first byte."""
    path = credentials_path()
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(credentials, handle, ensure_ascii=False, indent=2)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def ensure_account(username: str, *, superuser: bool = False) -> Account:
    """The account, created with a fresh random password if it does not exist yet."""
    user_model = get_user_model()
    credentials = read_credentials()
    user = user_model.objects.filter(username=username).first()
    if user is not None:
        known = credentials.get(username)
        # Someone may have changed the password since; never print a stale one.
        still_valid = known is not None and user.check_password(known)
        return Account(username, known if still_valid else None, created=False)
    password = secrets.token_urlsafe(12)
    if superuser:
        user_model.objects.create_superuser(username=username, email="", password=password)
    else:
        user_model.objects.create_user(username=username, email="", password=password)
    credentials[username] = password
    write_credentials(credentials)
    return Account(username, password, created=True)


def ensure_site_admin() -> Account:
    return ensure_account(ADMIN_USERNAME, superuser=True)


def ensure_editor(organization: Organization, username: str = EDITOR_USERNAME) -> Account:
    account = ensure_account(username)
    user = get_user_model().objects.get(username=username)
    Membership.objects.get_or_create(user=user, organization=organization,
                                     defaults={"capacity": Capacity.EDITOR})
    return account
