"""How a request reaches the views: the app itself, the paths the portal
spells its own way, the ids in URLs, and JSON read strictly."""
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header
from werkzeug.routing import IntegerConverter

from lib.core.json_text import unique_keys
from lib.web.auth import HOME_REQUEST
from lib.web.validation import MAX_ID

# The portal web app calls some routes without /api and with underscores
# (/study_sessions). Those spellings are rewritten to the canonical /api path
# before routing, so that they reach the very same views.
CLIENT_SPELLINGS = {"study_sessions": "study-sessions", "study_activities": "study-activities"}


# Functions whose answer App.ensure_sync keeps: every view and hook, and
# room to spare. A function made per request (none is) would be kept too,
# until this many are; then each one after is asked about anew.
KEPT_SYNC_ANSWERS = 1000


class App(Flask):
    """Flask, asking once per function whether it is a coroutine to run:
    Flask asks on each call of every view and hook, eight times a request,
    which cost a 304 4 % of its time."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sync_functions = {}

    def ensure_sync(self, func):
        synced = self.sync_functions.get(func)
        if synced is None:
            synced = super().ensure_sync(func)
            if len(self.sync_functions) < KEPT_SYNC_ANSWERS:
                self.sync_functions[func] = synced
        return synced


class JSONProvider(DefaultJSONProvider):
    """UTF-8 out, keys in the order the views build them; and a body nested
    too deeply to parse is invalid JSON (a 400), not a RecursionError (500),
    as is an object that names a key twice."""

    ensure_ascii = False
    sort_keys = False

    def loads(self, s, **kwargs):
        kwargs.setdefault("object_pairs_hook", unique_keys)
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


class IdConverter(IntegerConverter):
    """``<int:...>`` in our routes: an id from 1 to SQLite's largest integer,
    in ASCII digits without a leading zero, so that one id has one URL.
    Anything else names no row, so it is a 404 before any SQL runs."""

    regex = r"[1-9][0-9]*"

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def wants_html(environ):
    """The client prefers HTML to JSON, as a browser opening a page does
    (curl's */* and no Accept at all take JSON, the first choice)."""
    accept = parse_accept_header(environ.get("HTTP_ACCEPT"), MIMEAccept)
    return accept.best_match(["application/json", "text/html"]) == "text/html"


def varied_by_accept(start_response):
    def start(status, headers, exc_info=None):
        return start_response(status, [*headers, ("Vary", "Accept")], exc_info)
    return start


class ClientPathAliases:
    """Every path outside /api is the same path under /api, except the
    built-in pages under /activities/, and / for a browser (the home page).
    And host names are case-insensitive, so the Host header is read in lower
    case (the trusted-host check compares it as sent)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if "HTTP_HOST" in environ:
            environ["HTTP_HOST"] = environ["HTTP_HOST"].lower()
        if environ.get("PATH_INFO", "") == "/":
            environ[HOME_REQUEST] = True
            start_response = varied_by_accept(start_response)
            # a method the page does not answer is the 405 that says which it does
            if wants_html(environ) or environ.get("REQUEST_METHOD") not in ("GET", "HEAD", "OPTIONS"):
                return self.wsgi_app(environ, start_response)
        segments = environ.get("PATH_INFO", "").split("/")
        if len(segments) > 1 and segments[1] == "activities":
            return self.wsgi_app(environ, start_response)
        segments = [CLIENT_SPELLINGS.get(segment, segment) for segment in segments]
        if len(segments) > 1 and segments[1] != "api":
            segments.insert(1, "api")
        environ["PATH_INFO"] = "/".join(segments)
        return self.wsgi_app(environ, start_response)
