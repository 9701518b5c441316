"""The action registry: every API action is a function registered by name.

Read actions are `side_effect_free` and may be called with GET; anything else
must be POSTed (CKAN's rule). Write actions plug in later with the same
decorator, e.g. ``@action(side_effect_free=False)``."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class ActionContext:
    """Who calls, and through which request (the request may be absent in internal calls)."""

    user: Any
    request: HttpRequest | None = None


ActionFunction = Callable[[ActionContext, dict], Any]


@dataclass(frozen=True)
class Action:
    name: str
    function: ActionFunction
    side_effect_free: bool

    @property
    def help(self) -> str:
        return inspect.getdoc(self.function) or ""


_ACTIONS: dict[str, Action] = {}


def action(name: str | None = None, *, side_effect_free: bool = True) -> Callable[[ActionFunction], ActionFunction]:
    """Register the decorated function as the action `name` (default: the function's name)."""

    def register_function(function: ActionFunction) -> ActionFunction:
        register(Action(name or function.__name__, function, side_effect_free))
        return function

    return register_function


def register(entry: Action) -> None:
    if entry.name in _ACTIONS and _ACTIONS[entry.name].function is not entry.function:
        raise ValueError(f"Action {entry.name!r} is already registered")
    _ACTIONS[entry.name] = entry


def get_action(name: str) -> Action | None:
    _load_actions()
    return _ACTIONS.get(name)


def action_names() -> list[str]:
    _load_actions()
    return sorted(_ACTIONS)


@contextmanager
def temporary_action(entry: Action) -> Iterator[Action]:
    """Register an action for the duration of a block (tests of the dispatcher)."""
    register(entry)
    try:
        yield entry
    finally:
        _ACTIONS.pop(entry.name, None)


def _load_actions() -> None:
    # Importing the package runs the decorators of every action module.
    from . import actions  # noqa: F401


def call(entry: Action, context: ActionContext, data: dict) -> Any:
    """Run an action, translating the catalog's exceptions into API errors."""
    from django.core.exceptions import PermissionDenied

    from hiraku.catalog import services

    from .errors import NotAuthorized, NotFound, ValidationError

    try:
        return entry.function(context, data)
    except services.NotFound as error:
        raise NotFound(str(error.args[0]) if error.args else entry.name) from error
    except services.CatalogValidationError as error:
        raise ValidationError(error.errors) from error
    except PermissionDenied as error:
        raise NotAuthorized(str(error) or entry.name) from error
