"""The built-in study activities' pages: static files under activities/,
each folder one activity (its slug), plus shared/ for what they share,
progress/ (the learner's progress) and home/ (the page at /)."""
import os
from pathlib import PurePosixPath
from urllib.parse import quote

from flask import Blueprint, redirect, request
from werkzeug.security import safe_join

from lib.store.seed import ACTIVITIES_DIR
from lib.web.errors import not_found
from lib.web.static_pages import page_file

bp = Blueprint("activities", __name__)

HOME_PAGE = ("home/", "home/index.html")


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
    if filename in HOME_PAGE:
        # Written to be served at /, where its links resolve: it lives there.
        return redirect("../../", code=308)
    if filename.endswith("/"):
        filename += "index.html"
    return page_file(filename)
