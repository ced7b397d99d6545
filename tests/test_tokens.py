"""The learner a request acts for (/api/me): their settings, their tokens.
The test client acts anonymously from this machine, as the default learner
with every scope; a token makes it act for another learner."""
import hashlib
from contextlib import closing

import pytest

from app import create_app
from lib.core.scheduler import SeededScheduler
from lib.store import learners, schedules
from lib.store.connection import connect, immediate
from lib.web.database import close_all
from tests.helpers import add_learner, assert_error, assert_fields, bearer, integer, number, rows, study, text, \
    timestamp

ME = {"id": integer, "name": text, "admin": lambda value: isinstance(value, bool), "time_zone": text,
      "new_per_day": integer, "desired_retention": number, "scopes": lambda value: isinstance(value, list)}
TOKEN = {"id": integer, "name": text, "scopes": lambda value: isinstance(value, list), "created_at": timestamp,
         "last_used_at": lambda value: value is None or timestamp(value)}
NEW_TOKEN = {**{key: TOKEN[key] for key in ("id", "name", "scopes", "created_at")}, "token": text}
SERVER_SETTINGS = {"time_zone": "UTC", "new_per_day": 20, "desired_retention": 0.9}


def make_token(client, scopes=None, token=None, name="laptop"):
    """A new token of the default learner (or of the learner of ``token``)."""
    body = {"name": name, **({"scopes": scopes} if scopes is not None else {})}
    response = client.post("/api/me/tokens", json=body, headers=bearer(token) if token else {})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def stored_schedules(db, learner_id):
    return rows(db, "SELECT * FROM word_schedules WHERE learner_id = ? ORDER BY word_id", (learner_id,))


# --- GET /api/me -------------------------------------------------------------

def test_an_anonymous_request_from_this_machine_is_the_default_learner_with_every_scope(client):
    me = client.get("/api/me").get_json()
    assert_fields(me, ME)
    assert me == {"id": 1, "name": "default", "admin": True, **SERVER_SETTINGS,
                  "scopes": ["read", "review", "vocabulary", "admin"]}


def test_a_token_acts_for_its_learner_with_its_scopes(client):
    ann_id, ann = add_learner(client, "ann")
    assert client.get("/api/me", headers=bearer(ann)).get_json() == {
        "id": ann_id, "name": "ann", "admin": False, **SERVER_SETTINGS, "scopes": ["read", "review"]}
    narrow = make_token(client, ["read"], token=ann)
    assert client.get("/api/me", headers=bearer(narrow)).get_json()["scopes"] == ["read"]


def test_without_anonymous_access_me_needs_a_token(db_path):
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "INIT_DATABASE": False, "ANONYMOUS": "none"})
    try:
        with closing(connect(str(db_path))) as conn, immediate(conn):
            _, token = learners.create(conn, "ann", admin=False)
        client = app.test_client()
        response = client.get("/api/me")
        assert_error(response, 401, "token")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert client.get("/api/me", headers=bearer(token)).get_json()["name"] == "ann"
    finally:
        close_all(app)


# --- PATCH /api/me -----------------------------------------------------------

def test_settings_are_set_and_a_null_gives_back_the_servers(client, db):
    response = client.patch("/api/me", json={"time_zone": "Asia/Tokyo", "new_per_day": 5,
                                              "desired_retention": 0.85})
    assert response.status_code == 200
    assert response.get_json() == {"id": 1, "name": "default", "admin": True, "time_zone": "Asia/Tokyo",
                                   "new_per_day": 5, "desired_retention": 0.85,
                                   "scopes": ["read", "review", "vocabulary", "admin"]}
    assert client.get("/api/me").get_json() == response.get_json()
    assert tuple(db.execute("SELECT time_zone, new_per_day, desired_retention FROM learners WHERE id = 1")
                 .fetchone()) == ("Asia/Tokyo", 5, 0.85)
    response = client.patch("/api/me", json={"new_per_day": None, "desired_retention": None})
    assert response.get_json()["new_per_day"] == 20 and response.get_json()["desired_retention"] == 0.9
    assert response.get_json()["time_zone"] == "Asia/Tokyo"
    assert tuple(db.execute("SELECT new_per_day, desired_retention FROM learners WHERE id = 1")
                 .fetchone()) == (None, None)


def test_settings_apply_to_the_learner_alone(client):
    _, ann = add_learner(client, "ann")
    client.patch("/api/me", json={"new_per_day": 3}, headers=bearer(ann))
    assert client.get("/api/me", headers=bearer(ann)).get_json()["new_per_day"] == 3
    assert client.get("/api/me").get_json()["new_per_day"] == 20


@pytest.mark.parametrize("body, mention", [
    ({"time_zone": "Mars/Olympus"}, "time_zone must be an IANA time zone name"),
    ({"time_zone": 9}, "time_zone must be"),
    ({"time_zone": ""}, "time_zone must be"),
    ({"new_per_day": -1}, "new_per_day must be a whole number, at least 0"),
    ({"new_per_day": 1.5}, "new_per_day must be"),
    ({"new_per_day": "5"}, "new_per_day must be"),
    ({"new_per_day": True}, "new_per_day must be"),
    # past SQLite's 64-bit integers it could not be stored
    ({"new_per_day": 2**63}, "new_per_day must be a whole number, at least 0 and at most 9223372036854775807"),
    ({"desired_retention": 0.5}, "desired_retention must be a number from 0.7 to 0.99"),
    ({"desired_retention": 1}, "desired_retention must be"),
    ({"desired_retention": "0.9"}, "desired_retention must be"),
    ({"desired_retention": False}, "desired_retention must be"),
    ({"name": "me"}, "name is not a field"),
    ({"admin": True}, "admin is not a field"),
    ({}, "Send at least one of: time_zone, new_per_day, desired_retention"),
])
def test_a_bad_setting_is_a_400_and_changes_nothing(client, db, body, mention):
    assert_error(client.patch("/api/me", json=body), 400, mention)
    assert tuple(db.execute("SELECT time_zone, new_per_day, desired_retention FROM learners WHERE id = 1")
                 .fetchone()) == (None, None, None)


def test_changing_settings_needs_the_review_scope(client):
    reader = make_token(client, ["read"])
    response = client.patch("/api/me", json={"new_per_day": 3}, headers=bearer(reader))
    assert_error(response, 403, "review")


def test_a_new_retention_reschedules_the_learners_words_and_no_one_elses(client, db, db_path):
    _, ann = add_learner(client, "ann")
    study(client, db)
    study(client, db, token=ann)
    mine_before, anns_before = stored_schedules(db, 1), stored_schedules(db, 2)
    assert mine_before and anns_before

    response = client.patch("/api/me", json={"desired_retention": 0.8})
    assert response.status_code == 200

    mine = stored_schedules(db, 1)
    assert mine != mine_before  # the review-state intervals follow the retention
    assert stored_schedules(db, 2) == anns_before
    # what a replay with a scheduler made afresh for 0.8 gives, rolled back
    with closing(connect(str(db_path))) as conn:
        conn.execute("BEGIN IMMEDIATE")
        schedules.replay(conn, SeededScheduler(desired_retention=0.8), 1)
        replayed = stored_schedules(conn, 1)
        conn.execute("ROLLBACK")
    assert mine == replayed
    # and back at the server's retention, as they were
    client.patch("/api/me", json={"desired_retention": None})
    assert stored_schedules(db, 1) == mine_before


# --- tokens ------------------------------------------------------------------

def test_a_new_token_is_shown_once_with_read_and_review(client, db):
    response = client.post("/api/me/tokens", json={"name": " laptop "})
    assert response.status_code == 201
    body = response.get_json()
    assert_fields(body, NEW_TOKEN)
    assert body["name"] == "laptop" and body["scopes"] == ["read", "review"]
    assert body["token"].startswith("lp_") and len(body["token"]) > 40
    assert client.get("/api/me", headers=bearer(body["token"])).get_json()["scopes"] == ["read", "review"]


def test_the_database_holds_only_the_hash_of_a_token(client, db):
    token = make_token(client)
    stored = db.execute("SELECT secret_hash FROM tokens WHERE learner_id = 1").fetchone()[0]
    assert stored == hashlib.sha256(token.encode()).digest()
    everything = "\n".join(db.iterdump())
    assert token not in everything and token.removeprefix("lp_") not in everything


@pytest.mark.parametrize("scopes, shown", [
    (["vocabulary", "read", "read"], ["read", "vocabulary"]),
    (["admin"], ["admin"]),
    (["read", "review", "vocabulary", "admin"], ["read", "review", "vocabulary", "admin"]),
])
def test_a_token_has_the_scopes_asked_for(client, db, scopes, shown):
    response = client.post("/api/me/tokens", json={"name": "scoped", "scopes": scopes})
    assert response.status_code == 201
    assert response.get_json()["scopes"] == shown
    assert db.execute("SELECT scopes FROM tokens").fetchone()[0] == " ".join(shown)
    assert client.get("/api/me/tokens").get_json()[0]["scopes"] == shown


@pytest.mark.parametrize("body, mention", [
    ({}, "name must be a non-empty string"),
    ({"name": ""}, "name must be a non-empty string"),
    ({"name": "   "}, "name must be a non-empty string"),
    ({"name": 5}, "name must be a non-empty string"),
    ({"name": "x" * 101}, "name may be at most 100 characters"),
    ({"name": "two\nlines"}, "control character"),
    ({"name": "t", "scopes": []}, "scopes must be a non-empty list"),
    ({"name": "t", "scopes": "read"}, "scopes must be a non-empty list"),
    ({"name": "t", "scopes": ["read", "root"]}, '"root" is not one'),
    ({"name": "t", "scopes": [1]}, "1 is not one"),
    ({"name": "t", "expires": "never"}, "expires is not a field of a token"),
])
def test_a_bad_token_request_is_a_400(client, db, body, mention):
    assert_error(client.post("/api/me/tokens", json=body), 400, mention)
    assert db.execute("SELECT count(*) FROM tokens").fetchone()[0] == 0


def test_a_token_cannot_make_a_token_with_more_than_its_own_scopes(client, db):
    _, ann = add_learner(client, "ann")
    response = client.post("/api/me/tokens", json={"name": "more", "scopes": ["read", "vocabulary"]},
                           headers=bearer(ann))
    assert_error(response, 403, "lacks vocabulary")
    response = client.post("/api/me/tokens", json={"name": "more", "scopes": ["admin"]}, headers=bearer(ann))
    assert_error(response, 403, "lacks admin")
    assert db.execute("SELECT count(*) FROM tokens WHERE learner_id = 2").fetchone()[0] == 1


def test_only_an_admins_tokens_have_the_admin_scope(client, db):
    # the default learner made no admin: anonymous requests keep every scope
    # from this machine, but their tokens cannot be admins'
    add_learner(client, "boss", admin=True)
    assert client.patch("/api/learners/1", json={"admin": False}).status_code == 200
    response = client.post("/api/me/tokens", json={"name": "t", "scopes": ["admin"]})
    assert_error(response, 403, "Only an admin's tokens")


def test_making_a_token_needs_the_review_scope(client):
    reader = make_token(client, ["read"])
    assert_error(client.post("/api/me/tokens", json={"name": "t", "scopes": ["read"]}, headers=bearer(reader)),
                 403, "review")


def test_a_learner_holds_at_most_a_hundred_tokens(client, db):
    with immediate(db):
        db.executemany("INSERT INTO tokens (learner_id, name, scopes, secret_hash, created_at)"
                       " VALUES (1, 'old', 'read', ?, '2026-01-01T00:00:00Z')",
                       [(bytes([n]) * 32,) for n in range(100)])
    assert_error(client.post("/api/me/tokens", json={"name": "one more"}), 409, "at most 100 tokens")


def test_the_token_list_is_the_learners_own_and_never_shows_a_secret(client):
    _, ann = add_learner(client, "ann")
    laptop = make_token(client, ["read"], name="laptop")
    make_token(client, name="phone")
    mine = client.get("/api/me/tokens").get_json()
    assert [token["name"] for token in mine] == ["laptop", "phone"]
    for token in mine:
        assert_fields(token, TOKEN)
    assert mine[0]["scopes"] == ["read"] and mine[0]["last_used_at"] is None
    client.get("/api/me", headers=bearer(laptop))
    assert timestamp(client.get("/api/me/tokens").get_json()[0]["last_used_at"])
    anns = client.get("/api/me/tokens", headers=bearer(ann)).get_json()
    assert [token["name"] for token in anns] == ["first token"]
    assert laptop not in str(mine) and "secret" not in str(mine)


def test_a_revoked_token_fails_on_its_next_request(client, db):
    token = make_token(client)
    token_id = client.get("/api/me/tokens").get_json()[0]["id"]
    response = client.delete(f"/api/me/tokens/{token_id}")
    assert response.status_code == 200
    assert response.get_json() == {"message": f"Token {token_id} (laptop) was revoked."}
    assert db.execute("SELECT count(*) FROM tokens WHERE id = ?", (token_id,)).fetchone()[0] == 0
    assert_error(client.get("/api/me", headers=bearer(token)), 401)


def test_a_token_can_revoke_itself(client):
    token = make_token(client)
    token_id = client.get("/api/me/tokens").get_json()[0]["id"]
    assert client.delete(f"/api/me/tokens/{token_id}", headers=bearer(token)).status_code == 200
    assert_error(client.get("/api/me", headers=bearer(token)), 401)


def test_another_learners_token_id_is_a_404_like_a_missing_one(client, db):
    _, ann = add_learner(client, "ann")
    anns_token_id = db.execute("SELECT id FROM tokens WHERE learner_id = 2").fetchone()[0]
    other = client.delete(f"/api/me/tokens/{anns_token_id}")
    missing = client.delete("/api/me/tokens/999")
    assert_error(other, 404)
    assert_error(missing, 404)
    assert other.get_json()["error"] == missing.get_json()["error"].replace("999", str(anns_token_id))
    assert client.get("/api/me", headers=bearer(ann)).status_code == 200


def test_revoking_needs_the_review_scope(client):
    reader = make_token(client, ["read"])
    token_id = client.get("/api/me/tokens").get_json()[0]["id"]
    assert_error(client.delete(f"/api/me/tokens/{token_id}", headers=bearer(reader)), 403, "review")
