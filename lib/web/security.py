"""Who may call the API from a browser, and from which host names.

The same list of origins decides CORS headers and whether a state-changing
request carrying an ``Origin`` header is accepted, so the two never disagree.
"""
import re
from functools import wraps
from urllib.parse import urlsplit

from flask import request
from flask_cors import CORS

from lib.web.database import READING_METHODS
from lib.web.errors import ApiError

# Anchored at both ends (\Z): flask-cors matches from the start only, and
# http://localhost.evil.example must not pass for http://localhost.
LOCAL_ORIGINS = [
    re.compile(r"https?://localhost(:[0-9]{1,5})?\Z"),
    re.compile(r"https?://127\.0\.0\.1(:[0-9]{1,5})?\Z"),
]
# IPv6 literals cannot be matched by Werkzeug's trusted-host check; we bind to IPv4.
LOCAL_HOSTS = ["localhost", "127.0.0.1"]


def origin_of(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def allowed_origins(app, activity_urls):
    # Relative URLs are the API's own pages: its own origin, always allowed.
    exact = {origin_of(url) for url in activity_urls if urlsplit(url).netloc}
    if app.config.get("PUBLIC_URL"):
        exact.add(origin_of(app.config["PUBLIC_URL"]))
    exact.update(app.config["CORS_ORIGINS"])
    return LOCAL_ORIGINS + [re.compile(re.escape(origin) + r"\Z") for origin in sorted(exact)]


def for_cross_origin_requests(add_cors_headers):
    @wraps(add_cors_headers)
    def hook(response):
        return add_cors_headers(response) if "HTTP_ORIGIN" in request.environ else response
    return hook


def init_app(app, activity_urls):
    origins = allowed_origins(app, activity_urls)
    public_host = [urlsplit(app.config["PUBLIC_URL"]).hostname] if app.config["PUBLIC_URL"] else []
    app.config["TRUSTED_HOSTS"] = LOCAL_HOSTS + app.config["ALLOWED_HOSTS"] + public_host
    CORS(app, resources={r"/api/*": {"origins": origins}},
         allow_headers=["Content-Type", "Idempotency-Key", "Authorization", "If-None-Match"],
         expose_headers=["Location", "Idempotent-Replayed", "WWW-Authenticate", "Retry-After", "ETag"], methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"])
    # flask-cors looks at every answer, and adds nothing to one whose request
    # has no Origin (curl, a page's own GETs), after costing it as much as a
    # query: it runs only for those that have one.
    after = app.after_request_funcs[None]
    [at] = [n for n, hook in enumerate(after) if hook.__name__ == "cors_after_request"]
    after[at] = for_cross_origin_requests(after[at])

    @app.before_request
    def refuse_foreign_writes():
        # A browser sends Origin on cross-site POSTs: a page elsewhere must not
        # be able to record results or wipe history.
        environ = request.environ  # as sent: asked on every request, werkzeug's wrappers cost more
        if environ["REQUEST_METHOD"] in READING_METHODS:
            return
        origin = environ.get("HTTP_ORIGIN")
        if origin is None or origin == origin_of(request.host_url):
            return
        if not any(pattern.fullmatch(origin) for pattern in origins):
            raise ApiError(403, "Requests from this origin may not change data.")
