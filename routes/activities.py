"""The built-in study activities' pages: static files under activities/,
each folder one activity (its slug), plus shared/ for what they share."""
import os
from pathlib import PurePosixPath
from urllib.parse import quote

from flask import Blueprint, redirect, request, send_from_directory
from werkzeug.security import safe_join

from lib.store.seed import ACTIVITIES_DIR
from lib.web.errors import not_found

bp = Blueprint("activities", __name__)

# Only these kinds of file are served: nothing else in the folder leaks out.
MIME_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
}
# The pages show user data (word text): no inline script or style may run,
# and nothing is loaded from another host.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self'",
    "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'",
    "frame-ancestors 'none'",
])


@bp.get("/<path:filename>")
def page(filename):
    path = safe_join(str(ACTIVITIES_DIR), filename)
    if path is None or "\0" in path:
        raise not_found("There is nothing at this URL.")
    if os.path.isdir(path) and not filename.endswith("/"):
        # Relative links in the page resolve against the folder, so it ends in
        # a slash; the Location is relative too, so that an app served under a
        # path behind a proxy (https://host/portal/) keeps it, and keeps the
        # query (?group_id=...&session_id=...).
        query = quote(request.query_string, safe="=&;%+/:@!$'()*,~?")  # as sent, in ASCII
        return redirect(f"{PurePosixPath(filename).name}/" + (f"?{query}" if query else ""), code=308)
    if filename.endswith("/"):
        filename += "index.html"
    mimetype = MIME_TYPES.get(PurePosixPath(filename).suffix)
    if mimetype is None:
        raise not_found("There is nothing at this URL.")
    response = send_from_directory(ACTIVITIES_DIR, filename, mimetype=mimetype)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
