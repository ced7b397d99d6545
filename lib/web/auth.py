"""Who a request acts for, and what it may do.

A request names its learner with ``Authorization: Bearer <token>``. Only the
SHA-256 of a token is stored, and a token is found by that hash: one indexed
lookup, made on every request, so a revoked token fails on its very next
one in every worker. A token carries scopes: ``read`` (every GET),
``review`` (one's own study: sessions, reviews, resets, settings, tokens),
``vocabulary`` (words and groups) and ``admin`` (learners, every token, the
full reset).

A request without the header from this machine acts for the default learner
with every scope (LANG_PORTAL_ANONYMOUS=loopback, the default): the portal,
curl and the tests work unchanged where the API is served. A request that
came through a proxy is from this machine only if the proxy is trusted
(LANG_PORTAL_TRUSTED_PROXIES) and says so in X-Forwarded-For.

More than FAILURES_ALLOWED requests with a bad token from one address in
FAILURE_WINDOW are answered 429 from then on, whatever token they carry,
until the window has passed: the count is kept in the database, so every
worker process sees it.
"""
import ipaddress
from datetime import timedelta
from functools import lru_cache
from typing import NamedTuple

from flask import current_app, g, request

from lib.core import clock
# the scopes, and tokens made and hashed, are the store's: the commands make tokens too
from lib.store.learners import DEFAULT_LEARNER_ID, LEARNER, SCOPES, token_hash
from lib.web.database import connections, get_db
from lib.web.errors import ApiError

REALM = 'Bearer realm="lang-portal"'
FAILURES_ALLOWED = 20
FAILURE_WINDOW = timedelta(seconds=60)
# last_used_at is written at most this often per token: a read stays a read
LAST_USE_PRECISION = timedelta(seconds=60)
# Answered to anybody: what the API is, and its licences.
OPEN_ENDPOINTS = frozenset({"openapi", "about.about"})
# Set on a request for / (lib/web/wsgi.py): the home page, or the JSON 404
# a client that asks for JSON gets there, is answered to anybody (a GET).
HOME_REQUEST = "lang_portal.home"
# The pages are files for anyone; their scripts call the API with a token.
PAGES = frozenset({"activities", "home"})

TOKEN_LEARNER = """
SELECT t.id AS token_id, t.scopes, t.last_used_at, l.id, l.name, l.admin, l.time_zone, l.new_per_day,
       l.desired_retention
FROM tokens t JOIN learners l ON l.id = t.learner_id WHERE t.secret_hash = ?
"""
RECENT_FAILURES = "SELECT count(*) FROM token_failures WHERE address = ? AND failed_at > ?"


class Learner(NamedTuple):
    """The learner a request acts for, their settings as they apply (their
    own or the server's), and the scopes of the request."""
    id: int
    name: str
    admin: bool
    time_zone: str
    new_per_day: int
    desired_retention: float
    scopes: tuple
    token_id: int | None = None


def requires(scope):
    """The scope a view needs beyond the method's (GET: read; others: none
    unless named). Every view that writes names one (tests/test_auth.py)."""
    def mark(view):
        view.required_scope = scope
        return view
    return mark


# Each of a learner's settings, and the server's that applies while theirs is NULL.
SERVER_SETTINGS = {"time_zone": "TIMEZONE", "new_per_day": "NEW_PER_DAY", "desired_retention": "DESIRED_RETENTION"}


def applied_settings(row):
    """The learner's settings as they apply: their own, or the server's."""
    config = current_app.config
    return {field: row[field] if row[field] is not None else config[setting]
            for field, setting in SERVER_SETTINGS.items()}


def learner_from(row, scopes, token_id=None):
    return Learner(id=row["id"], name=row["name"], admin=bool(row["admin"]), **applied_settings(row),
                   scopes=scopes, token_id=token_id)


def current_learner():
    """The request's learner: read when first asked for, on a request that
    came without a token (a new session or a review batch never needs the
    default learner's name, and a versioned answer reads it with its
    versions: lib/web/caching.py)."""
    learner = g.get("learner")
    if learner is None:
        learner = keep_learner(get_db().execute(LEARNER, (g.learner_id,)).fetchone())
    return learner


def keep_learner(row):
    """The request's learner from their row as just read (columns as in LEARNER)."""
    if row is None:  # removed since the request was let in
        raise unauthorized("The learner this request acts for no longer exists.", "invalid_token")
    learner = g.learner = learner_from(row, g.scopes, g.get("token_id"))
    return learner


def learner_id():
    return g.learner_id


def client_address(environ):
    """The address a request (its WSGI environ, read as sent: werkzeug's
    wrappers cost more) came from: the peer, or, when the peer is a trusted
    proxy, the last address in X-Forwarded-For that is not one."""
    peer = environ.get("REMOTE_ADDR") or ""
    trusted = current_app.config["TRUSTED_PROXIES"]
    if peer not in trusted:
        return peer
    forwarded = [part.strip() for part in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    for address in reversed(forwarded):
        if address not in trusted:
            return address
    return peer


@lru_cache(maxsize=1024)  # asked on every anonymous request, of a few addresses
def is_loopback(address):
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def from_this_machine(environ):
    """A request (its WSGI environ) from this machine: its address is a
    loopback one, and it did not come through a proxy this server does not
    know (one on this machine would make every client look local)."""
    proxied = "HTTP_X_FORWARDED_FOR" in environ or "HTTP_FORWARDED" in environ
    if proxied and environ.get("REMOTE_ADDR") not in current_app.config["TRUSTED_PROXIES"]:
        return False
    return is_loopback(client_address(environ))


def unauthorized(message, error=None):
    challenge = REALM + (f', error="{error}"' if error else "")
    return ApiError(401, message, {"WWW-Authenticate": challenge})


def authenticate():
    """Set the request's learner (``g.learner_id``, ``g.scopes``; their row
    is read with the token, or when first asked for: current_learner()), or
    refuse it: 401 without a usable token, 403 without the scope, 429 after
    too many bad tokens."""
    # Every read through flask's request, g or current_app finds the
    # request's context anew (about a microsecond): on every request, each
    # is read once.
    environ = request.environ
    method, endpoint = environ["REQUEST_METHOD"], request.endpoint
    if (method == "OPTIONS" or endpoint in OPEN_ENDPOINTS or request.blueprint in PAGES
            or (environ.get(HOME_REQUEST) and method in ("GET", "HEAD"))):
        return
    header = environ.get("HTTP_AUTHORIZATION")
    if header is None:
        if current_app.config["ANONYMOUS"] != "loopback" or not from_this_machine(environ):
            raise unauthorized("This request needs a token: send Authorization: Bearer <token>.")
        acting_for, scopes = DEFAULT_LEARNER_ID, SCOPES  # the row when asked for: current_learner()
    else:
        learner = g.learner = learner_of_token(header)
        acting_for, scopes = learner.id, learner.scopes
        g.token_id = learner.token_id
    g.learner_id, g.scopes = acting_for, scopes
    needed = required_scope()
    if needed not in scopes:
        raise ApiError(403, f"This request needs a token with the {needed} scope.",
                       {"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{needed}"'})


def required_scope():
    view = current_app.view_functions.get(request.endpoint)
    return getattr(view, "required_scope", None) or "read"


def learner_of_token(header):
    address = client_address(request.environ)
    now = clock.utcnow()
    db = get_db()
    if db.execute(RECENT_FAILURES, (address, clock.iso(now - FAILURE_WINDOW))).fetchone()[0] >= FAILURES_ALLOWED:
        raise ApiError(429, "Too many requests with a bad token from this address: wait a minute.",
                       {"Retry-After": str(int(FAILURE_WINDOW.total_seconds()))})
    scheme, _, token = header.partition(" ")
    row = None
    if scheme.lower() == "bearer" and token.strip():
        row = db.execute(TOKEN_LEARNER, (token_hash(token.strip()),)).fetchone()
    if row is None:
        record_failure(address, now)
        raise unauthorized("The token is unknown, revoked or malformed.", "invalid_token")
    if row["last_used_at"] is None or row["last_used_at"] < clock.iso(now - LAST_USE_PRECISION):
        with connections().writing(connections().get(read_only=False)) as writer:
            writer.execute("UPDATE tokens SET last_used_at = ? WHERE id = ?", (clock.iso(now), row["token_id"]))
    return learner_from(row, tuple(scope for scope in SCOPES if scope in row["scopes"].split()), row["token_id"])


def record_failure(address, now):
    with connections().writing(connections().get(read_only=False)) as writer:
        writer.execute("DELETE FROM token_failures WHERE failed_at <= ?", (clock.iso(now - FAILURE_WINDOW),))
        writer.execute("INSERT INTO token_failures (address, failed_at) VALUES (?, ?)", (address, clock.iso(now)))


def init_app(app):
    app.before_request(authenticate)

    @app.after_request
    def vary_by_token(response):
        # the same URL answers each learner their own
        if request.environ["PATH_INFO"].startswith("/api/"):
            # as a header's text: parsing Vary into a set and back costs more than the request's query
            vary = response.headers.get("Vary")
            response.headers["Vary"] = f"{vary}, Authorization" if vary else "Authorization"
        return response
