"""Every path the gateway has no route of its own for: the public API, forwarded with the routes
table the load balancer's listener rules are tested against; the web shop's files; or 404."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, current_app, g, request, send_from_directory

from gateway.routes import service_for
from gateway.upstreams import Upstreams
from service_kit.http_cache import SharedCaching, caching_headers
from service_kit.observability import REQUEST_ID_HEADER
from service_kit.problems import NotFound
from service_kit.routes import INTERNAL_PREFIX

UPSTREAMS_EXTENSION = "gateway.upstreams"
SIGN_IN_ORIGINS_EXTENSION = "gateway.sign_in_origins"
FORWARDED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
FILE_METHODS = frozenset({"GET", "HEAD"})
INDEX_FILE = "index.html"
FORWARDED_FOR_HEADER = "X-Forwarded-For"
FORWARDED_PROTO_HEADER = "X-Forwarded-Proto"
# A sale's visitors all load the same page and scripts: a CDN serves them, and an edited file
# shows within a minute (at once after a revalidation, which the file's ETag makes a bodiless 304).
SHOP_FILE_CACHING = SharedCaching(max_age=60, stale_while_revalidate=300)
# The gateway sets these itself, as the load balancer does.
_REPLACED_HEADERS = frozenset(
    name.lower() for name in (REQUEST_ID_HEADER, FORWARDED_FOR_HEADER, FORWARDED_PROTO_HEADER)
)
# The page loads nothing from elsewhere, so the browser may refuse anything that tries to; it
# talks to one other party, its OpenID provider, while signing in (the origins of /config.json).
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'; connect-src 'self'{sign_in}"
)
PAGE_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

front_door = Blueprint("front_door", __name__)


@front_door.route("/", defaults={"path": ""}, methods=FORWARDED_METHODS)
@front_door.route("/<path:path>", methods=FORWARDED_METHODS)
def dispatch(path: str) -> Response:
    """Forward a public API path to its service; serve a file of the shop for anything else."""
    public_path = request.path
    if _is_internal(public_path) or _has_dot_segment(public_path):
        raise NotFound(f"No route for {public_path}.")
    service = service_for(public_path)
    if service is not None:
        return _forwarded(service)
    if request.method not in FILE_METHODS:
        raise NotFound(f"No route for {request.method} {public_path}.")
    return _shop_file(path or INDEX_FILE)


def _is_internal(path: str) -> bool:
    return path == INTERNAL_PREFIX or path.startswith(INTERNAL_PREFIX + "/")


def _has_dot_segment(path: str) -> bool:
    # The HTTP client would collapse `/products/../internal/x` to `/internal/x` after routing.
    return any(segment in {".", ".."} for segment in path.split("/"))


def _forwarded(service: str) -> Response:
    upstreams: Upstreams = current_app.extensions[UPSTREAMS_EXTENSION]
    headers = [
        (name, value) for name, value in request.headers.items() if name.lower() not in _REPLACED_HEADERS
    ]
    forwarded_for = ", ".join(
        part for part in (request.headers.get(FORWARDED_FOR_HEADER), request.remote_addr) if part
    )
    headers += [
        (REQUEST_ID_HEADER, g.request_id),
        (FORWARDED_FOR_HEADER, forwarded_for),
        (FORWARDED_PROTO_HEADER, request.scheme),
    ]
    reply = upstreams.forward(service, request.method, _request_target(), headers, request.get_data())
    response = Response(reply.body, status=reply.status, headers=reply.headers)
    if not any(name.lower() == "content-type" for name, _ in reply.headers):
        # Response() adds a default type; a bodiless answer such as 204 had none.
        del response.headers["Content-Type"]
    return response


def _request_target() -> str:
    """The path and query exactly as the client sent them, so nothing is decoded on the way."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or ""
    if raw.startswith("/"):
        return raw
    query = request.query_string.decode("latin-1")
    return quote(request.path) + (f"?{query}" if query else "")


def _shop_file(name: str) -> Response:
    # Werkzeug gives the file a strong ETag and answers a matching If-None-Match with 304.
    response = send_from_directory(current_app.config["FRONTEND_DIR"], name)
    response.headers.update(caching_headers(SHOP_FILE_CACHING))
    response.headers.update(PAGE_SECURITY_HEADERS)
    origins = current_app.extensions.get(SIGN_IN_ORIGINS_EXTENSION, ())
    response.headers["Content-Security-Policy"] = PAGE_POLICY.format(
        sign_in="".join(f" {origin}" for origin in origins)
    )
    return response
