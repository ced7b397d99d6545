"""One learner never meets another's record. Learner A (the default one, the
anonymous client of this machine) studies; learner B, with a token, walks
every route of the OpenAPI document with A's ids, then studies and resets
too: B gets a 404 for each of A's sessions (as for one that does not
exist), B's own figures everywhere else, and A's answers do not move."""
import json
import shutil

import pytest

from app import OPENAPI_PATH, create_app
from lib.core import clock
from lib.store.connection import connect, immediate
from lib.store.learners import add_learner, add_token
from lib.store.learners import new_token
from lib.web.database import close_all
from tests.helpers import freeze_clock, group_word_ids

DOCUMENT = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
GROUP = 2
# Bodies that would be stored, were the ids the caller's: a refusal is then for the id alone.
VALID_BODIES = {
    "/api/study-sessions/{session_id}/review": lambda ids: {"reviews": [{"word_id": ids["word_id"], "is_correct": True}]},
    "/api/study-sessions/{session_id}/words/{word_id}/review": lambda ids: {"correct": True},
    "/api/learners": lambda ids: {"name": "c"},
    "/api/learners/{learner_id}": lambda ids: {"name": "renamed"},
}
# Routes answered the same to everybody, or of the caller's own account.
NOT_PER_LEARNER = ("/api/openapi.json", "/api/about", "/api/me")


def operations(methods):
    return [(method.upper(), path) for path, item in DOCUMENT["paths"].items() if path.startswith("/api/")
            for method in item if method.upper() in methods]


def filled(path, ids):
    for name, value in ids.items():
        path = path.replace("{" + name + "}", str(value))
    assert "{" not in path, path
    return path


def answer(response):
    return response.status_code, (response.get_json() if response.is_json else response.get_data())


@pytest.fixture
def learners(client, db, db_path, monkeypatch):
    """A's history over two days; B and a token of B's (every scope but admin)."""
    freeze_clock(monkeypatch, "2026-03-09T10:00:00Z")
    words = group_word_ids(db, GROUP)[:6]
    sessions = []
    for moment in ("2026-03-09T10:00:00Z", "2026-03-10T11:00:00Z"):
        freeze_clock(monkeypatch, moment)
        session = client.post("/api/study-sessions", json={"group_id": GROUP, "study_activity_id": 1},
                              headers={"Idempotency-Key": f"a-{moment}"}).get_json()["id"]
        assert client.post(f"/api/study-sessions/{session}/review", json={"reviews": [
            {"word_id": word, "rating": rating} for word, rating in zip(words, ["again", "good", "easy"] * 2)]}
        ).status_code == 201
        sessions.append(session)
    freeze_clock(monkeypatch, "2026-03-11T09:00:00Z")
    conn = connect(str(db_path))
    try:
        with immediate(conn):
            b = add_learner(conn, "b", False, clock.now_iso())
            token, secret_hash = new_token()
            add_token(conn, b, "b's", ["read", "review", "vocabulary"], secret_hash, clock.now_iso())
            a_token = add_token(conn, 1, "a's", ["read"], new_token()[1], clock.now_iso())
    finally:
        conn.close()
    ids = {"session_id": sessions[-1], "word_id": words[0], "group_id": GROUP, "activity_id": 1,
           "token_id": a_token, "learner_id": 1}
    return ids, {"Authorization": f"Bearer {token}"}, sessions, words


def answers_of(client, ids, headers=None):
    return {path: answer(client.get(filled(path, ids), headers=headers or {}))
            for _, path in operations({"GET"}) if not path.startswith(NOT_PER_LEARNER)}


def nobodys_answers(tmp_path, seeded_template, ids):
    """What each route answers a learner with no history, on the same vocabulary."""
    path = tmp_path / "fresh.db"
    shutil.copy(seeded_template, path)
    app = create_app({"TESTING": True, "DATABASE": str(path), "INIT_DATABASE": False})
    try:
        return answers_of(app.test_client(), ids)
    finally:
        close_all(app)


def test_a_learner_meets_nothing_of_anothers_record(client, learners, tmp_path, seeded_template):
    ids, as_b, sessions, words = learners
    a_before = answers_of(client, ids)
    fresh = nobodys_answers(tmp_path, seeded_template, ids)

    for method, path in operations({"GET", "POST", "PATCH", "DELETE"}):
        if path.startswith(NOT_PER_LEARNER) and "{" not in path:
            continue
        url = filled(path, ids)
        # every admin's write too: B, no admin, must not change A or make a learner
        if (method != "GET" and not path.startswith("/api/learners")
                and "{session_id}" not in path and "{token_id}" not in path):
            continue  # B's own writes come below
        body = VALID_BODIES.get(path, lambda ids: {})(ids) if method in ("POST", "PATCH") else None
        response = client.open(url, method=method, headers=as_b, json=body)
        if "{session_id}" in path or "/api/me/tokens/" in path:
            assert response.status_code == 404, (method, url, response.get_data(as_text=True))
        elif path.startswith("/api/learners"):
            assert response.status_code == 403, (method, url)  # B is no admin
        elif method == "GET":
            assert answer(response) == fresh[path], url

    # B studies the same words in the same group, with A's idempotency key, then resets
    session = client.post("/api/study-sessions", json={"group_id": GROUP, "study_activity_id": 1},
                          headers={**as_b, "Idempotency-Key": "a-2026-03-10T11:00:00Z"})
    assert session.status_code == 201 and session.get_json()["id"] not in sessions  # not A's answer
    b_session = session.get_json()["id"]
    assert client.post(f"/api/study-sessions/{b_session}/review", headers=as_b, json={"reviews": [
        {"word_id": word, "is_correct": False} for word in words]}).status_code == 201
    assert client.post(f"/api/study-sessions/{b_session}/words/{words[0]}/review", headers=as_b,
                       json={"rating": "easy"}).status_code == 201
    assert client.get("/api/dashboard/stats", headers=as_b).get_json()["total_sessions"] == 1
    assert answers_of(client, ids) == a_before
    assert client.post("/api/study-sessions/reset", headers=as_b).status_code == 200
    assert answers_of(client, ids) == a_before
    assert answer(client.get(f"/api/study-sessions/{b_session}")) [0] == 404  # nor A B's
