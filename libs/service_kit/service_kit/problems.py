"""Errors as `application/problem+json` (RFC 9457), raised as exceptions and rendered in one place."""

from __future__ import annotations

from typing import Any

from marshmallow import INCLUDE, Schema, fields

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://shopsmart.example/problems/"


class Problem(Exception):
    """A request that ends in an error response; subclasses fix the status and type."""

    status = 500
    title = "Internal Server Error"
    slug = "internal-error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Any = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors
        self.headers = headers or {}
        self.extensions = extensions

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors is not None:
            body["errors"] = self.errors
        body.update(self.extensions)
        return body


class BadRequest(Problem):
    """The request could not be read (malformed JSON, bad header, forged cursor)."""

    status, title, slug = 400, "Bad Request", "bad-request"


class Unauthorized(Problem):
    """No credential, or one that does not verify."""

    status, title, slug = 401, "Unauthorized", "unauthorized"

    def __init__(self, detail: str | None = None, **kwargs: Any):
        kwargs.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="shopsmart"'})
        super().__init__(detail, **kwargs)


class Forbidden(Problem):
    """A verified caller who may not do this."""

    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(Problem):
    """No such resource, or not the caller's."""

    status, title, slug = 404, "Not Found", "not-found"


class Conflict(Problem):
    """The resource is in a state that does not allow this."""

    status, title, slug = 409, "Conflict", "conflict"


class UriTooLong(Problem):
    """The URL is longer than a service reads (`MAX_URL_BYTES`)."""

    status, title, slug = 414, "URI Too Long", "uri-too-long"


class PreconditionFailed(Problem):
    """`If-Match` named a version that is no longer current."""

    status, title, slug = 412, "Precondition Failed", "precondition-failed"


class PreconditionRequired(Problem):
    """A write that must name the version it is based on (`If-Match`) came without one."""

    status, title, slug = 428, "Precondition Required", "precondition-required"


class ValidationFailed(Problem):
    """A well-formed body that breaks the schema; `errors` holds the field messages."""

    status, title, slug = 422, "Unprocessable Content", "validation-failed"


class ServiceUnavailable(Problem):
    """A dependency is down, slow or throttled; the client may retry after `Retry-After`."""

    status, title, slug = 503, "Service Unavailable", "service-unavailable"

    def __init__(self, detail: str | None = None, retry_after: int = 2, **kwargs: Any):
        kwargs.setdefault("headers", {"Retry-After": str(retry_after)})
        super().__init__(detail, **kwargs)


class ProblemSchema(Schema):
    """The documented shape of every error response; a problem type may add members (RFC 9457 §3.2)."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Raw()
