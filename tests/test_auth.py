"""Who a request acts for: tokens, scopes, anonymous requests from this
machine, and the refusals, each with its status and WWW-Authenticate."""
import re
import shutil

import pytest

from app import create_app
from lib.core import clock
from lib.store.connection import connect, immediate
from lib.store.learners import add_learner, add_token
from lib.store.learners import SCOPES, new_token
from lib.web.auth import FAILURES_ALLOWED
from lib.web.database import close_all
from tests.helpers import assert_error, bearer, freeze_clock
from tests.live_server import LiveServer

ALL_SCOPES = list(SCOPES)


def make_learner(db_path, name, scopes=("read", "review"), admin=False):
    """(learner id, token) of a new learner with one token."""
    conn = connect(str(db_path))
    try:
        with immediate(conn):
            learner_id = add_learner(conn, name, admin, clock.now_iso())
            token, secret_hash = new_token()
            add_token(conn, learner_id, f"{name}'s", scopes, secret_hash, clock.now_iso())
    finally:
        conn.close()
    return learner_id, token


@pytest.fixture
def closed_app(db_path):
    """An app that serves nobody without a token (LANG_PORTAL_ANONYMOUS=none)."""
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "INIT_DATABASE": False, "ANONYMOUS": "none"})
    yield app
    close_all(app)


def test_without_a_token_a_closed_server_answers_401_with_the_challenge(closed_app):
    client = closed_app.test_client()
    for method, path in [("GET", "/api/words"), ("GET", "/api/dashboard/stats"), ("POST", "/api/study-sessions"),
                         ("GET", "/api/nothing-here"), ("GET", "/words")]:
        response = client.open(path, method=method, json={} if method == "POST" else None)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="lang-portal"'
        assert "token" in response.get_json()["error"]


def test_a_closed_server_still_answers_its_document_its_licences_preflights_and_pages(closed_app):
    client = closed_app.test_client()
    assert client.get("/api/openapi.json").status_code == 200
    assert client.get("/api/about").status_code == 200
    assert client.get("/activities/flashcards/").status_code == 200
    preflight = client.options("/api/study-sessions", headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code == 200
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()


def test_a_token_names_its_learner_on_a_closed_server(closed_app, db_path):
    _, token = make_learner(db_path, "ann")
    client = closed_app.test_client()
    response = client.get("/api/dashboard/stats", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json()["total_sessions"] == 0
    assert "Authorization" in response.headers["Vary"]


def test_anonymous_requests_from_this_machine_act_for_the_default_learner(client):
    response = client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1})
    assert response.status_code == 201
    assert client.get("/api/study-sessions").get_json()["total"] == 1


@pytest.mark.parametrize("environ, headers", [
    ({"REMOTE_ADDR": "192.0.2.7"}, {}),
    ({"REMOTE_ADDR": "203.0.113.9"}, {}),
    # a proxy on this machine this server was not told of: every client would look local
    ({"REMOTE_ADDR": "127.0.0.1"}, {"X-Forwarded-For": "198.51.100.4"}),
    ({"REMOTE_ADDR": "127.0.0.1"}, {"X-Forwarded-For": "127.0.0.1"}),
    ({"REMOTE_ADDR": "127.0.0.1"}, {"Forwarded": "for=127.0.0.1"}),
])
def test_anonymous_requests_from_elsewhere_need_a_token(client, environ, headers):
    response = client.get("/api/dashboard/stats", environ_base=environ, headers=headers)
    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="lang-portal"'


def test_a_trusted_proxy_names_the_client(db_path):
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "INIT_DATABASE": False,
                      "TRUSTED_PROXIES": ["10.0.0.2"]})
    try:
        client = app.test_client()
        through_proxy = {"REMOTE_ADDR": "10.0.0.2"}
        assert client.get("/api/dashboard/stats", environ_base=through_proxy,
                          headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200
        # the last address the trusted proxy did not add is the client: a sent one is not believed
        assert client.get("/api/dashboard/stats", environ_base=through_proxy,
                          headers={"X-Forwarded-For": "127.0.0.1, 198.51.100.4"}).status_code == 401
        assert client.get("/api/dashboard/stats", environ_base={"REMOTE_ADDR": "10.0.0.3"},
                          headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 401
    finally:
        close_all(app)


@pytest.mark.parametrize("header", ["Bearer lp_notatoken", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "lp_x",
                                    "Bearer lp_x extra"])
def test_an_unknown_or_malformed_token_is_401_even_from_this_machine(client, header):
    response = client.get("/api/words", headers={"Authorization": header})
    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="lang-portal", error="invalid_token"'


@pytest.mark.parametrize("method, path, body, scope", [
    ("POST", "/api/study-sessions", {"group_id": 1, "study_activity_id": 1}, "review"),
    ("POST", "/api/study-sessions/reset", None, "review"),
    ("POST", "/api/words", {"kanji": "猫", "kana": "ねこ", "english": "cat"}, "vocabulary"),
    ("PATCH", "/api/groups/1", {"name": "Renamed"}, "vocabulary"),
    ("DELETE", "/api/groups/1/words/1", None, "vocabulary"),
    ("POST", "/api/full-reset", None, "admin"),
])
def test_a_token_without_the_scope_is_403_and_changes_nothing(client, db, db_path, method, path, body, scope):
    _, token = make_learner(db_path, "reader", scopes=["read"])
    before = db.execute("SELECT (SELECT count(*) FROM study_sessions), (SELECT count(*) FROM words),"
                        " (SELECT name FROM groups WHERE id = 1), (SELECT count(*) FROM word_groups)").fetchone()
    response = client.open(path, method=method, json=body, headers=bearer(token))
    assert_error(response, 403)
    assert response.headers["WWW-Authenticate"] == f'Bearer error="insufficient_scope", scope="{scope}"'
    assert scope in response.get_json()["error"]
    assert tuple(db.execute("SELECT (SELECT count(*) FROM study_sessions), (SELECT count(*) FROM words),"
                            " (SELECT name FROM groups WHERE id = 1), (SELECT count(*) FROM word_groups)"
                            ).fetchone()) == tuple(before)


def test_a_read_token_reads_and_a_review_token_studies(client, db_path):
    _, reader = make_learner(db_path, "reader", scopes=["read"])
    _, student = make_learner(db_path, "student")
    assert client.get("/api/words", headers=bearer(reader)).status_code == 200
    assert client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1},
                       headers=bearer(student)).status_code == 201


def test_every_view_that_writes_names_the_scope_it_needs(app):
    unnamed = [f"{sorted(rule.methods)} {rule.rule}" for rule in app.url_map.iter_rules()
               if rule.methods & {"POST", "PATCH", "PUT", "DELETE"}
               and getattr(app.view_functions[rule.endpoint], "required_scope", None) not in SCOPES]
    assert unnamed == []


def test_too_many_bad_tokens_from_one_address_are_429_whatever_the_token(client, db_path, monkeypatch):
    freeze_clock(monkeypatch, "2026-03-10T09:00:00Z")
    _, token = make_learner(db_path, "ann")
    attacker = {"REMOTE_ADDR": "192.0.2.66"}
    for attempt in range(FAILURES_ALLOWED):
        assert client.get("/api/words", headers=bearer(f"lp_guess{attempt}"), environ_base=attacker).status_code == 401
    refused = client.get("/api/words", headers=bearer("lp_guess-again"), environ_base=attacker)
    assert_error(refused, 429)
    assert refused.headers["Retry-After"] == "60"
    # a right guess is not told apart from a wrong one from then on
    assert client.get("/api/words", headers=bearer(token), environ_base=attacker).status_code == 429
    # another address is not held back, nor the same one a minute later
    assert client.get("/api/words", headers=bearer(token), environ_base={"REMOTE_ADDR": "192.0.2.67"}
                      ).status_code == 200
    freeze_clock(monkeypatch, "2026-03-10T09:00:59Z")
    assert client.get("/api/words", headers=bearer(token), environ_base=attacker).status_code == 429
    freeze_clock(monkeypatch, "2026-03-10T09:01:01Z")
    assert client.get("/api/words", headers=bearer(token), environ_base=attacker).status_code == 200


def test_the_bad_token_count_is_shared_by_every_worker(db_path):
    server = LiveServer(db_path, workers=3, env={"LANG_PORTAL_TRUSTED_PROXIES": "127.0.0.1"}).start()
    try:
        answers = [server.request("GET", "/api/words", headers={
            "Authorization": f"Bearer lp_guess{n}", "X-Forwarded-For": "192.0.2.99"})[0]
            for n in range(FAILURES_ALLOWED + 5)]
    finally:
        server.stop()
    # each request on a connection of its own: the workers took turns, one count
    assert answers == [401] * FAILURES_ALLOWED + [429] * 5


def test_a_revoked_token_fails_at_once_in_every_worker(db_path):
    learner_id, token = make_learner(db_path, "ann")
    server = LiveServer(db_path, workers=3).start()
    try:
        headers = {"Authorization": f"Bearer {token}"}
        assert {server.request("GET", "/api/study-sessions", headers=headers)[0] for _ in range(12)} == {200}
        conn = connect(str(db_path))
        try:
            with immediate(conn):
                conn.execute("DELETE FROM tokens WHERE learner_id = ?", (learner_id,))
        finally:
            conn.close()
        assert {server.request("GET", "/api/study-sessions", headers=headers)[0] for _ in range(12)} == {401}
    finally:
        server.stop()


def test_no_token_a_client_was_given_is_anywhere_in_the_database_files(client, db_path):
    tokens = [make_learner(db_path, f"learner {n}", scopes=ALL_SCOPES)[1] for n in range(5)]
    for token in tokens:
        assert client.get("/api/words", headers=bearer(token)).status_code == 200  # last_used_at written
    stored = b"".join(path.read_bytes() for path in db_path.parent.glob(f"{db_path.name}*")
                      if path.is_file() and not path.name.endswith(".lock"))
    assert stored
    for token in tokens:
        assert token.encode() not in stored
        assert token[3:].encode() not in stored  # nor its secret part alone


def test_tokens_are_long_random_secrets_with_a_prefix():
    tokens = {new_token()[0] for _ in range(100)}
    assert len(tokens) == 100
    assert all(re.fullmatch(r"lp_[A-Za-z0-9_-]{43}", token) for token in tokens)  # 256 bits
