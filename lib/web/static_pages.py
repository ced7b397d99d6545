"""The pages the app serves itself (activities/: the study activities, the
home page and the progress page): static files, sent with headers that let
nothing run but their own scripts."""
from pathlib import PurePosixPath

from flask import send_from_directory

from lib.store.seed import ACTIVITIES_DIR
from lib.web.errors import not_found

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


def page_file(filename):
    """The file ``filename`` of activities/ (a path already checked to stay
    inside it), or a 404 for a kind of file that is not served."""
    mimetype = MIME_TYPES.get(PurePosixPath(filename).suffix)
    if mimetype is None:
        raise not_found("There is nothing at this URL.")
    response = send_from_directory(ACTIVITIES_DIR, filename, mimetype=mimetype)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
