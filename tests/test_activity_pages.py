"""The built-in activities' pages: what the app serves under /activities/,
with which types and headers, and who may write from them."""
import re
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest

from app import create_app
from lib.store.seed import ACTIVITIES_DIR
from tests.helpers import assert_error

SLUGS = ["typing-tutor", "flashcards"]


class Links(HTMLParser):
    """The files a page loads, and anything inline that would run."""

    def __init__(self):
        super().__init__()
        self.loaded, self.inline = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.loaded += [attrs[name] for name in ("src", "href") if name in attrs and tag in ("script", "link")]
        if tag == "script" and "src" not in attrs:
            self.inline.append("<script> without src")
        self.inline += [f"{tag} {name}" for name in attrs if name.startswith("on") or name == "style"]


@pytest.mark.parametrize("slug", SLUGS)
def test_an_activity_page_and_all_it_loads_are_served_with_their_types(client, slug):
    page = client.get(f"/activities/{slug}/")
    assert (page.status_code, page.mimetype) == (200, "text/html")
    links = Links()
    links.feed(page.get_data(as_text=True))
    assert links.inline == []
    types = {".js": "text/javascript", ".css": "text/css"}
    assert len(links.loaded) == 3  # the shared stylesheet, its own stylesheet, its own module
    for link in links.loaded:
        response = client.get(f"/activities/{slug}/{link}")
        assert (response.status_code, response.mimetype) == (200, types[link[link.rindex("."):]]), link


@pytest.mark.parametrize("path", ["/activities/flashcards/", "/activities/shared/api.js",
                                  "/activities/typing-tutor/preview.png"])
def test_pages_forbid_inline_script_and_sniffing(client, path):
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Access-Control-Allow-Origin" not in client.get(path, headers={"Origin": "http://localhost:5173"}).headers


def test_no_script_inserts_markup():
    """Word text is data: the pages never parse anything as HTML."""
    for path in ACTIVITIES_DIR.rglob("*.js"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", source), path


def test_no_script_writes_to_the_console():
    """The token a learner signs in with is in the scripts' hands: none logs anything."""
    for path in ACTIVITIES_DIR.rglob("*.js"):
        assert not re.search(r"\bconsole\s*\.\s*\w+\s*\(", path.read_text(encoding="utf-8")), path


@pytest.mark.parametrize("query, kept", [
    (b"group_id=3&session_id=12", "group_id=3&session_id=12"),
    (b"q=%E6%97%A5", "q=%E6%97%A5"),   # percent-encoded: as sent
    (b"q=\xe6\x97\xa5", "q=%E6%97%A5"),  # raw bytes: encoded, never garbled
    (b"q=a\r\nX-Evil: 1", "q=a%0D%0AX-Evil:%201"),  # no header of its own
])
def test_the_redirect_to_the_folder_keeps_the_query(client, query, kept):
    # as a WSGI server hands the query over: its bytes, read as Latin-1
    response = client.get("/activities/flashcards", environ_overrides={"QUERY_STRING": query.decode("latin-1")})
    assert response.status_code == 308
    assert response.headers["Location"] == f"flashcards/?{kept}"
    assert "X-Evil" not in response.headers


def test_a_folder_without_its_slash_is_redirected_to_it(client):
    response = client.get("/activities/typing-tutor")
    assert response.status_code == 308
    # relative, so that a proxy's path in front of the app is kept
    assert response.headers["Location"] == "typing-tutor/"
    assert urljoin("http://host/portal/activities/typing-tutor", response.headers["Location"]) == \
        "http://host/portal/activities/typing-tutor/"


@pytest.mark.parametrize("path", [
    "/activities/nothing-here/", "/activities/typing-tutor/missing.js", "/activities/../app.py",
    "/activities/%2e%2e/app.py", "/activities/shared/../../lib/store/seed.py", "/activities/typing-tutor/index.py",
    "/activities/typing-tutor/%00.js",
])
def test_anything_else_is_a_404_in_the_one_error_shape(client, path):
    assert_error(client.get(path), 404)


def test_activity_pages_are_not_moved_under_api(client):
    assert client.get("/activities/shared/reading.js").status_code == 200
    assert_error(client.get("/api/activities/shared/reading.js"), 404)
    assert client.get("/study_activities/1").get_json()["slug"] == "typing-tutor"


def post_from(client, origin, base_url):
    return client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1},
                       headers={"Origin": origin}, base_url=base_url)


def test_the_apis_own_origin_may_write(db_path):
    client = create_app({"TESTING": True, "DATABASE": str(db_path), "ALLOWED_HOSTS": "lang.example"}).test_client()
    assert post_from(client, "http://lang.example:8000", "http://lang.example:8000").status_code == 201
    for other in ("http://lang.example:9000", "https://lang.example:8000", "http://other.example"):
        assert_error(post_from(client, other, "http://lang.example:8000"), 403)


def test_the_public_urls_origin_may_write(db_path):
    client = create_app({"TESTING": True, "DATABASE": str(db_path),
                         "PUBLIC_URL": "https://lang.example/portal"}).test_client()
    assert post_from(client, "https://lang.example", "http://127.0.0.1:5000").status_code == 201
    assert_error(post_from(client, "https://other.example", "http://127.0.0.1:5000"), 403)
