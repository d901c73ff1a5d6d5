"""Errors that services raise; views and the API turn them into Chinese messages and status codes."""

from __future__ import annotations


class ServiceError(Exception):
    """A business rule refused the action. `message` is shown to the user as is (Chinese)."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class ConflictError(ServiceError):
    """The action is not allowed in the object's current state."""

    status = 409
    code = "conflict"


class PermissionDeniedError(ServiceError):
    """The actor may see the object but not do this to it."""

    status = 403
    code = "permission_denied"
