"""The errors an action may raise, each knowing its CKAN `__type` and HTTP status.

CKAN clients (ckanapi in particular) turn `__type` back into exceptions, so
these strings are part of the contract and are never translated."""

from __future__ import annotations


class ActionError(Exception):
    type_name = "Internal Server Error"
    status = 500
    prefix = ""

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = str(message)

    def error_body(self) -> dict:
        # ckanapi drops everything up to the first ": ", so the prefix must end with one.
        return {"__type": self.type_name, "message": f"{self.prefix}{self.message}"}


class NotFound(ActionError):
    type_name = "Not Found Error"
    status = 404
    prefix = "Not found: "


class NotAuthorized(ActionError):
    type_name = "Authorization Error"
    status = 403
    prefix = "Access denied: "


class SearchQueryError(ActionError):
    type_name = "Search Query Error"
    status = 400
    prefix = "Search Query is invalid: "


class ValidationError(ActionError):
    """Field name → list of messages, CKAN's Validation Error shape."""

    type_name = "Validation Error"
    status = 409

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = {field: [_plain(m) for m in messages] for field, messages in errors.items()}
        super().__init__("; ".join(f"{field}: {messages}" for field, messages in self.errors.items()))

    def error_body(self) -> dict:
        return {"__type": self.type_name, **self.errors}


def _plain(message):
    """A message as a string; nested errors (one dict per resource, as CKAN reports them) stay dicts."""
    if isinstance(message, dict):
        return {key: [_plain(m) for m in value] if isinstance(value, list) else _plain(value)
                for key, value in message.items()}
    return str(message)
