import io
import json
import sys
from pathlib import Path

import pytest

from app import create_app
from tests.live_server import LISTENING, LiveServer, tcp_sockets


def count_sessions(db):
    return db.execute("SELECT count(*) FROM study_sessions").fetchone()[0]


@pytest.mark.parametrize("content_type, data", [
    ("text/plain", '{"group_id": 1, "study_activity_id": 1}'),
    ("application/x-www-form-urlencoded", "group_id=1&study_activity_id=1"),
    ("multipart/form-data; boundary=x", "--x--"),
])
def test_a_post_that_is_not_json_is_415_and_changes_nothing(client, db, content_type, data):
    response = client.post("/api/study-sessions", data=data, content_type=content_type)
    assert response.status_code == 415 and "JSON" in response.get_json()["error"]
    assert count_sessions(db) == 0


@pytest.mark.parametrize("path", ["/api/study-sessions/reset", "/api/full-reset"])
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_form_or_text_post_cannot_reset(client, db, path, content_type):
    client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1})
    response = client.post(path, data="x", content_type=content_type)
    assert response.status_code == 415
    assert count_sessions(db) == 1


@pytest.mark.parametrize("path", ["/api/study-sessions/reset", "/api/full-reset"])
def test_a_post_from_another_website_cannot_reset(client, db, path):
    client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1})
    response = client.post(path, json={}, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and response.get_json()["error"]
    assert "Access-Control-Allow-Origin" not in response.headers
    assert count_sessions(db) == 1


def test_a_post_from_the_portal_origin_is_allowed(client, db):
    response = client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1},
                           headers={"Origin": "http://localhost:5173"})
    assert response.status_code == 201
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"


@pytest.mark.parametrize("host", ["evil.example", "attacker.example:5000", "10.0.0.5"])
def test_an_unknown_host_name_is_400(client, host):
    response = client.get("/api/words", headers={"Host": host})
    assert response.status_code == 400 and response.get_json()["error"]


@pytest.mark.parametrize("host", ["localhost", "localhost:5000", "127.0.0.1:5000"])
def test_local_host_names_are_served(client, host):
    assert client.get("/api/words", headers={"Host": host}).status_code == 200


def test_configured_host_names_are_served(db_path, monkeypatch):
    monkeypatch.setenv("LANG_PORTAL_ALLOWED_HOSTS", "portal.lan, study.lan")
    client = create_app({"TESTING": True, "DATABASE": str(db_path)}).test_client()
    assert client.get("/api/words", headers={"Host": "study.lan:5000"}).status_code == 200
    assert client.get("/api/words", headers={"Host": "other.lan"}).status_code == 400


def test_a_body_over_the_size_limit_is_413_and_changes_nothing(client, db):
    padding = "x" * (1024 * 1024)
    response = client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1, "pad": padding})
    assert response.status_code == 413 and response.get_json()["error"]
    assert count_sessions(db) == 0


def test_the_size_limit_is_configurable(db_path, db):
    client = create_app({"TESTING": True, "DATABASE": str(db_path), "MAX_CONTENT_LENGTH": 100}).test_client()
    response = client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1, "pad": "x" * 200})
    assert response.status_code == 413
    assert count_sessions(db) == 0


def test_per_page_is_bounded(client):
    response = client.get("/api/words?per_page=1000")
    assert response.status_code == 400 and "1 to 100" in response.get_json()["error"]


class MakeRun(LiveServer):
    """`make run` as a user types it, with no HOST given; the virtualenv the
    tests run in stands in for the one make would build."""

    def command(self):
        return ["make", "--no-print-directory", "-o", "install", "run", f"VENV={Path(sys.executable).parent.parent}",
                f"PORT={self.port}", "WORKERS=1"]

    def environment(self):
        return {name: value for name, value in super().environment().items()
                if name != "HOST" and not name.startswith("MAKE")}


def test_make_run_serves_on_loopback_only_by_default(db_path):
    server = MakeRun(db_path).start()
    try:
        assert server.request("GET", "/api/groups")[0] == 200
        listening = {sock.local[0] for sock in tcp_sockets() if sock.local[1] == server.port
                     and sock.state == LISTENING}
        assert listening == {"127.0.0.1"}  # neither every address (0.0.0.0, ::) nor a network interface's
    finally:
        server.stop()


def test_a_writer_kept_waiting_past_the_busy_timeout_gets_a_503(client, db, monkeypatch):
    from lib.store import connection as database
    monkeypatch.setattr(database, "BUSY_TIMEOUT_SECONDS", 0.05)
    db.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        response = client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1})
    finally:
        db.execute("ROLLBACK")
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert "busy" in response.get_json()["error"]
    assert count_sessions(db) == 0


def post_routes(client, db):
    session_id = client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()["id"]
    word = db.execute("SELECT word_id FROM word_groups WHERE group_id = 1 LIMIT 1").fetchone()[0]
    return ["/api/study-sessions", f"/api/study-sessions/{session_id}/review",
            f"/api/study-sessions/{session_id}/words/{word}/review", "/api/study-sessions/reset", "/api/full-reset"]


def stored_rows(db):
    return [db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("study_sessions", "word_review_items", "words")]


def test_every_post_refuses_a_body_that_is_not_json(client, db):
    for path in post_routes(client, db):
        before = stored_rows(db)
        response = client.post(path, data="correct=true", content_type="application/x-www-form-urlencoded")
        assert response.status_code == 415, path
        assert stored_rows(db) == before


def test_every_post_refuses_a_body_over_the_limit(client, db):
    for path in post_routes(client, db):
        before = stored_rows(db)
        response = client.post(path, json={"pad": "x" * (1024 * 1024)})
        assert response.status_code == 413, path
        assert stored_rows(db) == before


def chunked(client, path, body, **headers):
    """A POST with Transfer-Encoding: chunked: no Content-Length announces the
    size. The server (gunicorn) marks such input as ending by itself."""
    return client.post(path, input_stream=io.BytesIO(body), environ_overrides={"wsgi.input_terminated": True},
                       headers={"Transfer-Encoding": "chunked", **headers})


def test_a_chunked_body_without_a_content_type_cannot_reset(client, db):
    client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1})
    assert chunked(client, "/api/study-sessions/reset", b"x").status_code == 415
    assert count_sessions(db) == 1


def test_a_chunked_body_over_the_limit_is_413(client, db):
    body = json.dumps({"group_id": 1, "study_activity_id": 1, "pad": "x" * (1024 * 1024)}).encode()
    response = chunked(client, "/api/study-sessions", body, **{"Content-Type": "application/json"})
    assert response.status_code == 413
    assert count_sessions(db) == 0


def test_cors_lets_a_browser_read_the_retry_and_location_headers(client):
    response = client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1},
                           headers={"Origin": "http://localhost:5173"})
    exposed = {name.strip() for name in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"Location", "Idempotent-Replayed"} <= exposed


def test_only_localhost_and_127_0_0_1_are_local_origins(client):
    response = client.get("/api/words", headers={"Origin": "http://[::1]:5173"})
    assert "Access-Control-Allow-Origin" not in response.headers
