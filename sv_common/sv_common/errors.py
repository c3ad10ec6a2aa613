"""Domain exceptions.

Services raise these; the web layer maps each to the one JSON envelope (or an HTML
error page) with the real HTTP status, so no route has to translate errors itself.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class: ``code`` is machine-readable, ``message`` is safe to show a user."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str | None = None, *, code: str | None = None, details: object = None):
        self.message = message or self.__class__.__doc__ or self.code
        if code:
            self.code = code
        self.details = details
        super().__init__(self.message)


class ValidationFailed(DomainError):
    """The request is not valid."""

    status = 422
    code = "validation_failed"


class Unauthorized(DomainError):
    """You need to log in."""

    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    """You are not allowed to do that."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    """Not found."""

    status = 404
    code = "not_found"


class Conflict(DomainError):
    """That conflicts with the current state."""

    status = 409
    code = "conflict"


class NotConfigured(Conflict):
    """This site is not configured for that yet."""

    # A missing setting is not an outage: nothing is down and retrying will not help, so it
    # is a 409 (the request conflicts with the site's configuration), never a 5xx that tells
    # monitors and clients the server failed.
    code = "not_configured"


class RateLimited(DomainError):
    """Too many attempts. Try again later."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str | None = None, *, retry_after: float = 60.0, **kw):
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServiceUnavailable(DomainError):
    """A service this needs is not available right now."""

    status = 503
    code = "service_unavailable"
