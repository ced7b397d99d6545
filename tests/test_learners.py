"""Learners as an admin manages them (/api/learners), their removal with
their whole record, the export of one learner's record, and the ``flask
learners`` commands. The test client acts anonymously from this machine, as
the default learner, an admin with every scope."""
import json
import tracemalloc
from contextlib import closing

import pytest

from lib.store import integrity, learners
from lib.store.connection import connect, immediate
from tests.helpers import (BAD_PAGING, PAGED_ITEMS, add_learner, assert_each, assert_error, assert_fields, bearer,
                           integer, number, rows, study, text, timestamp)

LEARNER_ITEM = {"id": integer, "name": text, "admin": lambda value: isinstance(value, bool), "created_at": timestamp}
LEARNER = {**LEARNER_ITEM, "time_zone": text, "new_per_day": integer, "desired_retention": number,
           "sessions_count": integer, "reviews_count": integer}
CREATED = {"id": integer, "name": text, "admin": lambda value: isinstance(value, bool), "token": text}
# Every table holding a learner's record, by the column that names the learner
RECORD_TABLES = ("study_sessions", "word_review_items", "word_schedules", "learner_words", "learner_groups",
                 "learner_activities", "study_days", "study_quarters", "idempotency_keys", "tokens",
                 "learner_totals", "learner_group_states")
ADMIN_ROUTES = [("get", "/api/learners"), ("post", "/api/learners"), ("get", "/api/learners/1"),
                ("patch", "/api/learners/1"), ("delete", "/api/learners/2"), ("get", "/api/learners/1/tokens"),
                ("delete", "/api/learners/1/tokens/1")]


def records_of(db, learner_id):
    """{table: the learner's rows}, for every table of a learner's record."""
    return {table: rows(db, f"SELECT * FROM {table} WHERE learner_id = ? ORDER BY 1, 2", (learner_id,))
            for table in RECORD_TABLES}


# --- who may ----------------------------------------------------------------

@pytest.mark.parametrize("method, path", ADMIN_ROUTES)
def test_every_admin_route_needs_the_admin_scope_reading_ones_too(client, db, method, path):
    _, ann = add_learner(client, "ann")
    full = client.post("/api/me/tokens", json={"name": "all but admin",
                                               "scopes": ["read", "review", "vocabulary"]}).get_json()["token"]
    for token in (ann, full):
        response = getattr(client, method)(path, json={"name": "x"}, headers=bearer(token))
        assert_error(response, 403, "admin scope")
    assert db.execute("SELECT count(*) FROM learners").fetchone()[0] == 2


def test_an_admins_token_may_do_it(client):
    _, boss = add_learner(client, "boss", admin=True)
    assert client.get("/api/me", headers=bearer(boss)).get_json()["scopes"] == [
        "read", "review", "vocabulary", "admin"]
    response = client.post("/api/learners", json={"name": "ann"}, headers=bearer(boss))
    assert response.status_code == 201
    assert client.get("/api/learners", headers=bearer(boss)).get_json()["total"] == 3


# --- listing and reading ----------------------------------------------------

def test_learners_are_paged_in_id_order(client):
    for name in ("ann", "bob", "cy", "di"):
        add_learner(client, name)
    first = client.get("/api/learners", query_string={"per_page": 2}).get_json()
    assert_fields(first, PAGED_ITEMS)
    assert_each(first["items"], LEARNER_ITEM)
    assert (first["total"], first["page"], first["per_page"], first["total_pages"]) == (5, 1, 2, 3)
    names = [item["name"] for page in (1, 2, 3)
             for item in client.get("/api/learners", query_string={"per_page": 2, "page": page}).get_json()["items"]]
    assert names == ["default", "ann", "bob", "cy", "di"]
    assert client.get("/api/learners").get_json()["per_page"] == 10
    assert client.get("/api/learners", query_string={"page": 9}).get_json()["items"] == []


@pytest.mark.parametrize("name, value", BAD_PAGING)
def test_bad_paging_of_learners_is_a_400(client, name, value):
    assert_error(client.get("/api/learners", query_string={name: value}), 400, name)


def test_a_learner_is_shown_with_their_counts_and_settings(client, db):
    ann_id, ann = add_learner(client, "ann")
    study(client, db, token=ann)
    client.patch("/api/me", json={"new_per_day": 4}, headers=bearer(ann))
    found = client.get(f"/api/learners/{ann_id}").get_json()
    assert_fields(found, LEARNER)
    assert {key: found[key] for key in ("name", "admin", "time_zone", "new_per_day", "desired_retention",
                                        "sessions_count", "reviews_count")} == {
        "name": "ann", "admin": False, "time_zone": "UTC", "new_per_day": 4, "desired_retention": 0.9,
        "sessions_count": 1, "reviews_count": 8}
    assert client.get("/api/learners/1").get_json()["sessions_count"] == 0


def test_a_missing_learner_is_a_404(client):
    for method in ("get", "patch", "delete"):
        assert_error(getattr(client, method)("/api/learners/99", json={"name": "x"}), 404, "Learner 99")
    assert_error(client.get("/api/learners/99/tokens"), 404, "Learner 99")
    assert_error(client.delete("/api/learners/99/tokens/1"), 404, "Learner 99")


# --- adding -------------------------------------------------------------------

def test_a_new_learner_comes_with_a_first_token_for_study(client, db):
    response = client.post("/api/learners", json={"name": "  ann  "})
    assert response.status_code == 201
    body = response.get_json()
    assert_fields(body, CREATED)
    assert (body["name"], body["admin"]) == ("ann", False)
    assert response.headers["Location"].endswith(f"/api/learners/{body['id']}")
    assert client.get(response.headers["Location"]).get_json()["name"] == "ann"
    me = client.get("/api/me", headers=bearer(body["token"])).get_json()
    assert (me["id"], me["scopes"]) == (body["id"], ["read", "review"])
    stored = db.execute("SELECT name, admin FROM learners WHERE id = ?", (body["id"],)).fetchone()
    assert tuple(stored) == ("ann", 0)
    # their totals row comes with them
    assert db.execute("SELECT sessions_count FROM learner_totals WHERE learner_id = ?",
                      (body["id"],)).fetchone()[0] == 0
    assert body["token"] not in "\n".join(db.iterdump())


def test_a_new_admins_first_token_has_every_scope(client):
    body = client.post("/api/learners", json={"name": "boss", "admin": True}).get_json()
    assert body["admin"] is True
    assert client.get("/api/me", headers=bearer(body["token"])).get_json()["scopes"] == [
        "read", "review", "vocabulary", "admin"]


@pytest.mark.parametrize("body, status, mention", [
    ({}, 400, "name must be a non-empty string"),
    ({"name": " "}, 400, "name must be a non-empty string"),
    ({"name": ["ann"]}, 400, "name must be a non-empty string"),
    ({"name": "a" * 101}, 400, "at most 100 characters"),
    ({"name": "a\tb"}, 400, "control character"),
    ({"name": "ann", "admin": "yes"}, 400, "admin must be true or false"),
    ({"name": "ann", "scopes": ["read"]}, 400, "scopes is not a field of a learner"),
    ({"name": "default"}, 409, "already a learner named default"),
    ({"name": " default "}, 409, "already a learner named default"),
])
def test_a_bad_new_learner_is_refused(client, db, body, status, mention):
    assert_error(client.post("/api/learners", json=body), status, mention)
    assert db.execute("SELECT count(*) FROM learners").fetchone()[0] == 1


def test_a_name_of_a_hundred_characters_is_taken(client):
    assert client.post("/api/learners", json={"name": "a" * 100}).status_code == 201


# --- changing -----------------------------------------------------------------

def test_an_admin_renames_and_sets_a_learners_settings(client, db):
    ann_id, ann = add_learner(client, "ann")
    response = client.patch(f"/api/learners/{ann_id}", json={"name": " anna ", "time_zone": "Europe/Paris",
                                                             "new_per_day": 7})
    assert response.status_code == 200
    body = response.get_json()
    assert_fields(body, LEARNER)
    assert (body["name"], body["time_zone"], body["new_per_day"], body["desired_retention"]) == (
        "anna", "Europe/Paris", 7, 0.9)
    assert client.get("/api/me", headers=bearer(ann)).get_json()["time_zone"] == "Europe/Paris"
    assert client.patch(f"/api/learners/{ann_id}", json={"time_zone": None}).get_json()["time_zone"] == "UTC"


def test_an_admin_changing_a_retention_reschedules_that_learner_alone(client, db):
    ann_id, ann = add_learner(client, "ann")
    study(client, db)
    study(client, db, token=ann)
    mine, anns = (rows(db, "SELECT * FROM word_schedules WHERE learner_id = ? ORDER BY word_id", (learner_id,))
                  for learner_id in (1, ann_id))
    assert client.patch(f"/api/learners/{ann_id}", json={"desired_retention": 0.75}).status_code == 200
    assert rows(db, "SELECT * FROM word_schedules WHERE learner_id = 1 ORDER BY word_id") == mine
    assert rows(db, "SELECT * FROM word_schedules WHERE learner_id = ? ORDER BY word_id", (ann_id,)) != anns


@pytest.mark.parametrize("body, status, mention", [
    ({}, 400, "Send at least one of: name, admin"),
    ({"name": ""}, 400, "name must be"),
    ({"admin": 1}, 400, "admin must be true or false"),
    ({"desired_retention": 2}, 400, "desired_retention must be a number from 0.7 to 0.99"),
    ({"new_per_day": 2**63}, 400, "new_per_day must be a whole number, at least 0 and at most"),
    ({"password": "x"}, 400, "password is not a field"),
    ({"name": "default"}, 409, "already a learner named default"),
])
def test_a_bad_change_is_refused_and_changes_nothing(client, db, body, status, mention):
    ann_id, _ = add_learner(client, "ann")
    before = rows(db, "SELECT * FROM learners")
    assert_error(client.patch(f"/api/learners/{ann_id}", json=body), status, mention)
    assert rows(db, "SELECT * FROM learners") == before


def test_a_learner_no_longer_an_admin_keeps_no_admin_token(client, db):
    boss_id, boss = add_learner(client, "boss", admin=True)
    only_admin = client.post("/api/me/tokens", json={"name": "admin alone", "scopes": ["admin"]},
                             headers=bearer(boss)).get_json()["token"]
    response = client.patch(f"/api/learners/{boss_id}", json={"admin": False})
    assert response.status_code == 200 and response.get_json()["admin"] is False
    assert client.get("/api/me", headers=bearer(boss)).get_json()["scopes"] == ["read", "review", "vocabulary"]
    assert_error(client.get("/api/learners", headers=bearer(boss)), 403, "admin scope")
    # a token that had nothing but the admin scope can do nothing now: it went
    assert_error(client.get("/api/learners", headers=bearer(only_admin)), 401)
    assert [row["scopes"] for row in rows(db, "SELECT scopes FROM tokens WHERE learner_id = ?", (boss_id,))] == [
        "read review vocabulary"]


def test_the_last_admin_stays_one(client, db):
    assert_error(client.patch("/api/learners/1", json={"admin": False}), 409, "only admin")
    boss_id, _ = add_learner(client, "boss", admin=True)
    assert client.patch("/api/learners/1", json={"admin": False}).status_code == 200
    assert_error(client.patch(f"/api/learners/{boss_id}", json={"admin": False}), 409, "only admin")
    assert_error(client.delete(f"/api/learners/{boss_id}"), 409, "only admin")
    assert db.execute("SELECT admin FROM learners WHERE id = ?", (boss_id,)).fetchone()[0] == 1


# --- removing -----------------------------------------------------------------

def test_removing_a_learner_removes_their_whole_record_and_recounts(client, db):
    ann_id, ann = add_learner(client, "ann")
    bob_id, bob = add_learner(client, "bob")
    study(client, db)
    for group_id in (1, 2):
        study(client, db, token=ann, group_id=group_id)
    study(client, db, token=bob, group_id=2)
    client.post("/api/study-sessions", json={"group_id": 3, "study_activity_id": 1},
                headers={**bearer(ann), "Idempotency-Key": "k1"})
    client.post("/api/me/tokens", json={"name": "phone"}, headers=bearer(ann))
    others = {learner_id: records_of(db, learner_id) for learner_id in (1, bob_id)}
    assert all(records_of(db, ann_id).values())

    response = client.delete(f"/api/learners/{ann_id}")
    assert response.status_code == 200
    assert response.get_json() == {"message": "Learner ann was removed with their whole record.",
                                   "deleted_sessions": 3, "deleted_reviews": 16}
    assert not any(records_of(db, ann_id).values())
    assert db.execute("SELECT count(*) FROM learners WHERE id = ?", (ann_id,)).fetchone()[0] == 0
    assert {learner_id: records_of(db, learner_id) for learner_id in (1, bob_id)} == others
    assert integrity.counter_problems(db) == []
    assert_error(client.get("/api/me", headers=bearer(ann)), 401)
    assert_error(client.get(f"/api/learners/{ann_id}"), 404)
    assert client.get("/api/me", headers=bearer(bob)).status_code == 200


def test_the_default_learner_cannot_be_removed(client, db):
    study(client, db)
    assert_error(client.delete("/api/learners/1"), 409, "default learner cannot be removed")
    assert db.execute("SELECT sessions_count FROM learner_totals WHERE learner_id = 1").fetchone()[0] == 1


# --- every token, as an admin -------------------------------------------------

def test_an_admin_lists_and_revokes_a_learners_tokens(client, db):
    ann_id, ann = add_learner(client, "ann")
    tokens = client.get(f"/api/learners/{ann_id}/tokens").get_json()
    assert [(token["name"], token["scopes"]) for token in tokens] == [("first token", ["read", "review"])]
    assert "token" not in tokens[0]
    response = client.delete(f"/api/learners/{ann_id}/tokens/{tokens[0]['id']}")
    assert response.status_code == 200
    assert response.get_json()["message"] == f"Token {tokens[0]['id']} (first token) of learner {ann_id} was revoked."
    assert_error(client.get("/api/me", headers=bearer(ann)), 401)
    assert client.get(f"/api/learners/{ann_id}/tokens").get_json() == []


def test_a_token_of_another_learner_is_a_404_under_this_one(client, db):
    ann_id, ann = add_learner(client, "ann")
    bob_id, _ = add_learner(client, "bob")
    anns_token = client.get(f"/api/learners/{ann_id}/tokens").get_json()[0]["id"]
    assert_error(client.delete(f"/api/learners/{bob_id}/tokens/{anns_token}"), 404, f"no token {anns_token}")
    assert client.get("/api/me", headers=bearer(ann)).status_code == 200


# --- the export -----------------------------------------------------------------

def test_the_export_is_the_learners_whole_record_streamed(client, db):
    ann_id, ann = add_learner(client, "ann")
    study(client, db)
    session_ids = [study(client, db, token=ann, group_id=group_id) for group_id in (2, 1)]
    client.patch("/api/me", json={"desired_retention": 0.8}, headers=bearer(ann))

    response = client.get("/api/me/export", headers=bearer(ann))
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="learner-ann.json"'
    document = json.loads(response.get_data(as_text=True))
    assert list(document) == ["exported_at", "learner", "sessions", "reviews", "words", "schedules"]
    assert timestamp(document["exported_at"])
    assert document["learner"] == {
        "id": ann_id, "name": "ann", "admin": False, "created_at": document["learner"]["created_at"],
        "settings": {"time_zone": None, "new_per_day": None, "desired_retention": 0.8}}
    assert [session["id"] for session in document["sessions"]] == session_ids
    assert document["sessions"][0] | {"start_time": None, "end_time": None} == {
        "id": session_ids[0], "group_id": 2, "group_name": document["sessions"][0]["group_name"],
        "study_activity_id": 1, "activity_name": document["sessions"][0]["activity_name"],
        "start_time": None, "end_time": None, "review_items_count": 8, "correct_count": 6}
    stored_reviews = rows(db, "SELECT id, study_session_id, word_id, correct, rating, created_at"
                              " FROM word_review_items WHERE learner_id = ? ORDER BY id", (ann_id,))
    names = {1: "again", 2: "hard", 3: "good", 4: "easy"}
    assert document["reviews"] == [{**review, "correct": bool(review["correct"]), "rating": names[review["rating"]]}
                                   for review in stored_reviews]
    assert [word["id"] for word in document["words"]] == [
        row[0] for row in db.execute("SELECT word_id FROM learner_words WHERE learner_id = ? ORDER BY word_id",
                                     (ann_id,))]
    assert {"kanji", "kana", "romaji", "english", "correct_count", "wrong_count"} <= set(document["words"][0])
    stored_schedules = rows(db, "SELECT * FROM word_schedules WHERE learner_id = ? ORDER BY word_id", (ann_id,))
    states = {1: "learning", 2: "review", 3: "relearning"}
    assert document["schedules"] == [
        {**{key: value for key, value in schedule.items() if key != "learner_id"}, "state": states[schedule["state"]]}
        for schedule in stored_schedules]
    # and nothing of the default learner's
    assert client.get("/api/me/export").get_data(as_text=True).count('"study_session_id"') == 8


def test_an_export_names_its_file_after_any_learner(client):
    _, token = add_learner(client, "花子 \"x\"")
    response = client.get("/api/me/export", headers=bearer(token))
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"learner-____x_.json\"; filename*=UTF-8''learner-%E8%8A%B1%E5%AD%90%20%22x%22.json")
    assert json.loads(response.get_data(as_text=True))["learner"]["name"] == "花子 \"x\""


def test_an_export_reads_one_moment_and_lets_it_go_when_it_stops(client, db_path):
    add_long_history(db_path, 1, sessions=10, reviews_per_session=200)  # several pieces
    response = client.get("/api/me/export")
    pieces = iter(response.response)
    text = next(pieces).decode()
    # a write meanwhile neither waits for the export nor shows in it
    add_long_history(db_path, 1, sessions=1, reviews_per_session=1)
    text += "".join(piece.decode() for piece in pieces)
    response.close()
    assert len(json.loads(text)["sessions"]) == 10

    stopped = client.get("/api/me/export")
    next(iter(stopped.response))
    with closing(connect(str(db_path))) as conn:
        # a read transaction still open would keep the log from being emptied
        assert conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[0] == 0
        stopped.close()
        assert conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0


def add_long_history(db_path, learner_id, sessions, reviews_per_session):
    """A learner's sessions, an hour apart, each with its reviews, written
    straight into the database: in time order, as they would come."""
    with closing(connect(str(db_path))) as conn, immediate(conn):
        for hour in range(sessions):
            when = f"2025-{1 + hour // 672:02d}-{1 + hour % 672 // 24:02d}T{hour % 24:02d}:00:00Z"
            session_id = conn.execute(
                "INSERT INTO study_sessions (learner_id, group_id, study_activity_id, created_at, ended_at)"
                " VALUES (?, 1, 1, ?, ?)", (learner_id, when, when)).lastrowid
            conn.execute("""
                WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                INSERT INTO word_review_items (learner_id, word_id, study_session_id, correct, rating, created_at)
                SELECT ?, i, ?, i % 3 > 0, CASE i % 3 WHEN 0 THEN 1 ELSE 3 END, ? FROM n""",
                         (reviews_per_session, learner_id, session_id, when))


def test_exporting_a_long_history_keeps_memory_bounded(client, db_path):
    ann_id, ann = add_learner(client, "ann")
    add_long_history(db_path, ann_id, sessions=1000, reviews_per_session=200)
    tracemalloc.start()
    try:
        response = client.get("/api/me/export", headers=bearer(ann))
        assert response.is_streamed
        size = 0
        for piece in response.response:
            size += len(piece)
        response.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > 20 * 1024 * 1024  # 200,000 reviews as JSON
    assert peak < 2 * 1024 * 1024, f"{peak} bytes at the peak for {size} bytes written"


# --- the commands ---------------------------------------------------------------

def last_line(result):
    return result.output.strip().splitlines()[-1]


def test_learners_add_prints_the_first_token_last(runner, client):
    result = runner.invoke(args=["learners", "add", "ann"])
    assert result.exit_code == 0, result.output
    me = client.get("/api/me", headers=bearer(last_line(result))).get_json()
    assert (me["name"], me["admin"], me["scopes"]) == ("ann", False, ["read", "review"])
    result = runner.invoke(args=["learners", "add", "boss", "--admin"])
    me = client.get("/api/me", headers=bearer(last_line(result))).get_json()
    assert (me["admin"], me["scopes"]) == (True, ["read", "review", "vocabulary", "admin"])


@pytest.mark.parametrize("args, mention", [
    (["learners", "add", "default"], "already a learner named default"),
    (["learners", "add", " "], "name must be a non-empty string"),
    (["learners", "add", "a" * 101], "at most 100 characters"),
    (["learners", "token", "nobody"], "no learner named nobody"),
    (["learners", "token", "default", "--scopes", "read,root"], '"root" is not one'),
    (["learners", "token", "default", "--scopes", ","], "--scopes must be a non-empty list"),
    (["learners", "remove", "nobody", "--yes"], "no learner named nobody"),
    (["learners", "remove", "default", "--yes"], "default learner cannot be removed"),
    (["learners", "export", "nobody", "out.json"], "no learner named nobody"),
    (["learners", "export", "default", "/no/such/folder/out.json"], "could not write /no/such/folder/out.json"),
])
def test_a_mistake_on_the_command_line_is_one_line(runner, db, args, mention):
    before = rows(db, "SELECT * FROM learners"), rows(db, "SELECT id FROM tokens")
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and mention in lines[0], result.output
    assert (rows(db, "SELECT * FROM learners"), rows(db, "SELECT id FROM tokens")) == before


def test_learners_token_prints_a_new_token_with_its_scopes(runner, client, db):
    runner.invoke(args=["learners", "add", "ann"])
    result = runner.invoke(args=["learners", "token", "ann", "--scopes", "vocabulary,read"])
    assert result.exit_code == 0, result.output
    me = client.get("/api/me", headers=bearer(last_line(result))).get_json()
    assert (me["name"], me["scopes"]) == ("ann", ["read", "vocabulary"])
    refused = runner.invoke(args=["learners", "token", "ann", "--scopes", "read,admin"])
    assert refused.exit_code != 0 and "not an admin" in refused.output
    assert len(client.get("/api/learners/2/tokens").get_json()) == 2


def test_learners_list_names_each_learner(runner):
    runner.invoke(args=["learners", "add", "ann"])
    result = runner.invoke(args=["learners", "list"])
    assert result.exit_code == 0
    assert [line.split("\t")[:3] for line in result.output.splitlines()] == [
        ["1", "default", "admin"], ["2", "ann", "learner"]]


def test_learners_remove_needs_yes_and_removes_the_record(runner, client, db):
    runner.invoke(args=["learners", "add", "ann"])
    token = last_line(runner.invoke(args=["learners", "token", "ann"]))
    study(client, db, token=token)
    refused = runner.invoke(args=["learners", "remove", "ann"])
    assert refused.exit_code != 0 and "--yes" in refused.output
    assert db.execute("SELECT count(*) FROM learners").fetchone()[0] == 2
    result = runner.invoke(args=["learners", "remove", "ann", "--yes"])
    assert result.exit_code == 0, result.output
    assert "1 study sessions and 8 reviews" in result.output
    assert not any(records_of(db, 2).values())
    assert integrity.counter_problems(db) == []


def test_learners_export_writes_what_the_api_answers(runner, client, db, tmp_path):
    _, ann = add_learner(client, "ann")
    study(client, db, token=ann)
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "ann.json"
    result = runner.invoke(args=["learners", "export", "ann", str(path)])
    assert result.exit_code == 0, result.output
    written = json.loads(path.read_text(encoding="utf-8"))
    answered = json.loads(client.get("/api/me/export", headers=bearer(ann)).get_data(as_text=True))
    assert written | {"exported_at": None} == answered | {"exported_at": None}
    assert len(written["reviews"]) == 8
    assert list(path.parent.iterdir()) == [path]  # nothing left beside it
