"""The home page at /, for a browser: what this server is, its activities,
the learner's progress. A client asking for JSON at / is answered as /api/
is (ClientPathAliases sends it there)."""
from flask import Blueprint

from lib.web.static_pages import page_file

bp = Blueprint("home", __name__)


@bp.get("/")
def home():
    return page_file("home/index.html")
