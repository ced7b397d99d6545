"""Conditional GETs: every GET answer carries an ETag and Cache-Control:
no-cache (clients keep it and ask again with If-None-Match); an answer the
client holds already is a 304 without a body.

An answer built from nothing but the vocabulary, the learner's record and
settings, and the request's URL (a view marked ``@versioned``) has an ETag
made from the versions that the triggers draw anew on every change to those
(migrations 0013 and 0021): read in one statement before the view runs, it
lets a 304 go out without the answer being built. Every other answer (one
that depends on the time, or on tokens, or reads the review items
themselves) has the hash of its body for an ETag: built, then not sent.
"""
import hashlib
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from flask import current_app, g, request
from werkzeug.http import parse_etags

from lib.store.learners import LEARNER
from lib.web.auth import keep_learner, learner_id
from lib.web.database import get_db

READING = frozenset({"GET", "HEAD"})
NO_CACHE = "no-cache"
# The learner's row (as auth.LEARNER reads it) and both versions, in one
# statement: a 304 reads nothing else.
LEARNER_AND_VERSIONS = f"""
SELECT l.*, (SELECT version FROM vocabulary_version WHERE id = 1) AS vocabulary_version,
       (SELECT version FROM learner_versions WHERE learner_id = l.id) AS learner_version
FROM ({LEARNER}) l
"""
ROOT = Path(__file__).resolve().parents[2]
# What shapes the answers: a deploy that changes any of it changes every ETag.
CODE = ("app.py", "lib/openapi.json", "lib/**/*.py", "routes/**/*.py")
PACKAGES = ("flask", "werkzeug", "fsrs")


def versioned(view):
    """Mark a view whose answer depends on the vocabulary, the learner's
    record and settings and the request's URL alone, nothing else: not the
    time, not the review items read one by one, not tokens. Of the
    schedules it may read only the counts of each group's words by state:
    those, not every schedule written, draw the version (migration 0022)."""
    view.versioned = True
    return view


@lru_cache(maxsize=1)
def code_fingerprint():
    """A digest of the code and packages that shape the answers: the same in
    every worker of one deploy, another after a change to any of them."""
    digest = hashlib.blake2b(digest_size=16)
    for pattern in CODE:
        for path in sorted(ROOT.glob(pattern)):
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    for package in PACKAGES:
        try:
            digest.update(f"{package}={metadata.version(package)}\0".encode())
        except metadata.PackageNotFoundError:
            pass
    return digest.hexdigest()


def versions_etag(environ, public_url):
    """The ETag of the answer a @versioned view would give now: the state it
    would be built from, for this learner, their settings as they apply, and
    this URL (the request's WSGI environ) as this server (at ``public_url``)
    answers it; None when a version's row is gone."""
    row = get_db().execute(LEARNER_AND_VERSIONS, (learner_id(),)).fetchone()
    learner = keep_learner(row)
    vocabulary, record = row["vocabulary_version"], row["learner_version"]
    if vocabulary is None or record is None:  # no row to move (taken out by hand): nothing names the state
        return None
    # the URL as sent: werkzeug's root_url and full_path cost more than the query
    key = "\0".join(map(str, (
        code_fingerprint(), learner.id, learner.time_zone, learner.new_per_day, learner.desired_retention,
        public_url, environ["wsgi.url_scheme"], environ.get("HTTP_HOST"),
        environ.get("SCRIPT_NAME"), environ.get("PATH_INFO"), environ.get("QUERY_STRING"), vocabulary, record)))
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def held(environ, etag, everything=True):
    """Whether the request's (WSGI environ's) If-None-Match names ``etag``
    (weak comparison, RFC 9110), or is ``*`` (unless not ``everything``)."""
    header = environ.get("HTTP_IF_NONE_MATCH")
    if not header:  # most requests: asked before parsing, on every 200
        return False
    if header == f'W/"{etag}"' or header == f'"{etag}"':  # as we sent it: what a client sends back
        return True
    tags = parse_etags(header)
    return (everything or not tags.star_tag) and tags.contains_weak(etag)


def answer_unchanged():
    """Before a @versioned view: a 304 when the client holds its answer as
    it stands. ``*`` asks whether the answer exists at all: the view decides."""
    # on every request: each of flask's request, g and current_app read
    # once (every read of one finds the request's context anew)
    environ = request.environ
    if environ["REQUEST_METHOD"] not in READING:
        return None
    app = current_app._get_current_object()
    view = app.view_functions.get(request.endpoint)
    if not getattr(view, "versioned", False):
        return None
    etag = g.etag = versions_etag(environ, app.config["PUBLIC_URL"])
    if etag is not None and held(environ, etag, everything=False):
        response = app.response_class(status=304)
        response.set_etag(etag, weak=True)
        response.headers["Cache-Control"] = NO_CACHE
        return response
    return None


def conditional(response):
    """Every 200 to a GET gets its ETag (the versions', or its body's hash)
    and no-cache; a 304 when If-None-Match holds it (RFC 9110's weak
    comparison, a list or ``*``). A file sent with its own ETag keeps it."""
    environ = request.environ
    if environ["REQUEST_METHOD"] not in READING or response.status_code != 200:
        return response
    response.headers.setdefault("Cache-Control", NO_CACHE)
    etag = g.get("etag")
    if etag is not None:
        response.set_etag(etag, weak=True)
    elif "ETag" in response.headers or response.direct_passthrough or response.is_streamed:
        return response  # a file (send_file answered If-None-Match itself), or a stream, never held whole
    else:
        etag = hashlib.blake2b(response.get_data(), digest_size=16).hexdigest()
        response.set_etag(etag)
    if held(environ, etag):
        response.status_code = 304  # werkzeug sends no body and no entity headers with it
    return response


def init_app(app):
    """After auth.init_app: the learner is known when the versions are read."""
    app.before_request(answer_unchanged)
    app.after_request(conditional)
