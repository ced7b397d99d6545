"""Conditional GETs: every GET answer has an ETag and Cache-Control:
no-cache, and If-None-Match naming it is a 304 without a body. An unchanged
ETag must mean an unchanged answer: after every kind of write the API takes,
and writes made through SQL by another connection, each route is asked with
the ETag it gave before; a 304 is only right if the answer is the same."""
import json
import shutil
import sqlite3

import pytest

from flask import request

from app import OPENAPI_PATH, create_app
from lib.web.caching import LEARNER_AND_VERSIONS
from lib.web.database import close_all, get_db
from tests.sql_trace import selects
from tests.helpers import add_learner, bearer, freeze_clock, group_word_ids, rows_in

DOCUMENT = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
GROUP = 2
NOW = "2026-03-10T11:00:00Z"
# Streamed, and stamped with the moment it was made: documented without an ETag.
WITHOUT_ETAG = {"/api/me/export"}
# The home page is for a browser; asked for JSON, / answers as /api/ does.
HEADERS = {"/": {"Accept": "text/html"}}
# Beside each GET of the document: a second sort, and a later page.
VARIANTS = ["/api/words?sort_by=wrong_count&order=desc", "/api/words?page=2",
            "/api/groups/{group_id}/words?sort_by=correct_count&order=desc",
            "/api/groups/{group_id}/study-sessions?sort_by=review_items_count"]
ROUTES = [path for path, item in DOCUMENT["paths"].items() if "get" in item and path not in WITHOUT_ETAG] + VARIANTS


def filled(path, ids):
    for name, value in ids.items():
        path = path.replace("{" + name + "}", str(value))
    assert "{" not in path, path
    return path


@pytest.fixture(scope="module")
def studied(tmp_path_factory, seeded_template):
    """A seeded file where the default learner (A) has two sessions with
    reviews and a token, and learner B, who has a token, one session; and
    the ids the routes are asked with."""
    path = tmp_path_factory.mktemp("studied") / "studied.db"
    shutil.copy(seeded_template, path)
    app = create_app({"TESTING": True, "DATABASE": str(path), "INIT_DATABASE": False})
    client = app.test_client()
    mp = pytest.MonkeyPatch()
    try:
        conn = sqlite3.connect(path)
        words = group_word_ids(conn, GROUP)
        conn.close()
        sessions = []
        for moment in ("2026-03-09T10:00:00Z", NOW):
            freeze_clock(mp, moment)
            session = client.post("/api/study-sessions", json={"group_id": GROUP, "study_activity_id": 1})
            sessions.append(session.get_json()["id"])
            assert client.post(f"/api/study-sessions/{sessions[-1]}/review", json={"reviews": [
                {"word_id": word, "rating": rating} for word, rating in zip(words, ["again", "good", "easy"] * 3)]}
            ).status_code == 201
        b_id, b_token = add_learner(client, "b")
        b_session = client.post("/api/study-sessions", json={"group_id": GROUP, "study_activity_id": 1},
                                headers=bearer(b_token)).get_json()["id"]
        assert client.post(f"/api/study-sessions/{b_session}/review", headers=bearer(b_token), json={"reviews": [
            {"word_id": word, "is_correct": False} for word in words[:4]]}).status_code == 201
        token = client.post("/api/me/tokens", json={"name": "spare"}).get_json()
        b_tokens = client.get(f"/api/learners/{b_id}/tokens").get_json()
    finally:
        mp.undo()
        close_all(app)
    conn = sqlite3.connect(path)  # all of it in the file that is copied: a read connection may close last
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    ids = {"session_id": sessions[-1], "word_id": words[0], "group_id": GROUP, "activity_id": 1,
           "learner_id": b_id, "filename": "typing-tutor/index.html"}
    others = {"first_session": sessions[0], "b_session": b_session, "b_token": b_token, "words": words,
              "my_token_id": token["id"], "b_token_id": b_tokens[0]["id"]}
    return path, ids, others


@pytest.fixture
def world(studied, tmp_path, monkeypatch):
    """A copy of the studied file served by an app of its own, the clock at NOW."""
    template, ids, others = studied
    path = tmp_path / "lang_portal.db"
    shutil.copy(template, path)
    freeze_clock(monkeypatch, NOW)
    app = create_app({"TESTING": True, "DATABASE": str(path), "INIT_DATABASE": False})
    yield app.test_client(), path, ids, others
    close_all(app)


def fetch(client, route, ids, headers=None):
    return client.get(filled(route, ids), headers={**HEADERS.get(route, {}), **(headers or {})})


def answers(client, ids, headers=None):
    """{route: (etag, body)} of every route answered 200."""
    found = {}
    for route in ROUTES:
        response = fetch(client, route, ids, headers)
        if response.status_code == 200:
            found[route] = (response.headers["ETag"], response.get_data())
    return found


def test_every_get_has_an_etag_and_a_304_for_it(world):
    client, _, ids, _ = world
    for route in ROUTES:
        response = fetch(client, route, ids)
        assert response.status_code == 200, (route, response.get_data(as_text=True))
        etag, body = response.headers.get("ETag"), response.get_data()
        assert etag and response.headers["Cache-Control"] == "no-cache", route
        weak_form = etag if etag.startswith("W/") else "W/" + etag
        for held in (etag, f'"other", {etag}', weak_form, "*"):
            again = fetch(client, route, ids, {"If-None-Match": held})
            assert again.status_code == 304 and again.get_data() == b"", (route, held)
            assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == "no-cache", route
            assert again.headers.get("Vary") == response.headers.get("Vary"), route
        other = fetch(client, route, ids, {"If-None-Match": '"other", W/"another"'})
        assert other.status_code == 200 and other.get_data() == body, route
        assert fetch(client, route, ids, {"If-None-Match": etag}).status_code == 304, route  # nothing moved


LISTS = ["/api/words", "/api/groups", "/api/study-sessions", "/api/groups/{group_id}/words",
         "/api/groups/{group_id}/study-sessions", "/api/study-activities", "/api/study-activities/{activity_id}/sessions"]


def test_a_304_of_a_list_reads_the_learner_and_two_versions_not_the_list(world):
    client, _, ids, _ = world
    statements = []

    def trace():  # from the request's first statement on: before the learner is known
        if request.method == "GET":
            get_db().set_trace_callback(statements.append)
    client.application.before_request_funcs.setdefault(None, []).insert(0, trace)
    for route in LISTS:
        etag = fetch(client, route, ids).headers["ETag"]
        statements.clear()
        assert fetch(client, route, ids, {"If-None-Match": etag}).status_code == 304
        reads = selects(statements)
        # the learner and the versions, in one statement (the trace shows the parameters in place)
        assert reads == [LEARNER_AND_VERSIONS.replace("?", "1")], (route, reads)


def test_the_versions_are_read_by_their_keys(world):
    _, path, _, _ = world
    conn = sqlite3.connect(path)
    try:
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + LEARNER_AND_VERSIONS, (1,))]
    finally:
        conn.close()
    assert [step for step in plan if step.startswith(("SCAN", "SEARCH"))] == [
        "SEARCH learners USING INTEGER PRIMARY KEY (rowid=?)",
        "SEARCH vocabulary_version USING INTEGER PRIMARY KEY (rowid=?)",
        "SEARCH learner_versions USING PRIMARY KEY (learner_id=?)"], plan


def test_a_learner_without_a_version_is_answered_by_the_body(world):
    client, path, _, _ = world
    etag = client.get("/api/words").headers["ETag"]
    raw_sql(path, ("DELETE FROM learner_versions WHERE learner_id = 1", ()))
    response = client.get("/api/words", headers={"If-None-Match": etag})
    assert response.status_code == 200 and not response.headers["ETag"].startswith("W/")
    assert client.get("/api/words", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_without_the_vocabularys_version_an_edit_is_seen_at_once(world):
    """With its row taken out by hand, nothing names the vocabulary's state:
    ETags come from the body and nothing is kept."""
    client, path, _, _ = world
    raw_sql(path, ("DELETE FROM vocabulary_version", ()))
    etag = client.get("/api/groups/1").headers["ETag"]
    assert client.get("/api/groups/1/words/raw").status_code == 200
    raw_sql(path, ("UPDATE groups SET name = 'Renamed by hand' WHERE id = 1", ()),
            ("DELETE FROM word_groups WHERE group_id = 1 AND word_id = (SELECT min(word_id) FROM word_groups"
             " WHERE group_id = 1)", ()))
    response = client.get("/api/groups/1", headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.get_json()["group_name"] == "Renamed by hand"
    raw = client.get("/api/groups/1/words/raw").get_json()
    assert raw["group_name"] == "Renamed by hand"
    assert len(raw["words"]) == rows_in(path, "SELECT count(*) FROM word_groups WHERE group_id = 1")[0][0]


def test_head_is_answered_as_get(world):
    client, _, _, _ = world
    etag = client.get("/api/words").headers["ETag"]
    assert client.head("/api/words").headers["ETag"] == etag
    assert client.head("/api/words", headers={"If-None-Match": etag}).status_code == 304


def test_a_missing_resource_is_not_a_304_even_for_star(world):
    client, _, _, _ = world
    for url in ("/api/groups/99999", "/api/study-sessions/99999", "/api/words/99999"):
        response = client.get(url, headers={"If-None-Match": "*"})
        assert response.status_code == 404 and "ETag" not in response.headers, url


def test_the_export_carries_no_etag_but_is_not_kept(world):
    client, _, _, _ = world
    response = client.get("/api/me/export")
    assert response.status_code == 200 and "ETag" not in response.headers
    assert response.headers["Cache-Control"] == "no-cache"


def test_one_learners_etag_never_stands_for_anothers_answer(world):
    client, _, ids, others = world
    mine = answers(client, ids)
    as_b = bearer(others["b_token"])
    for route, (etag, body) in mine.items():
        theirs = fetch(client, route, ids, {**as_b, "If-None-Match": etag})
        if theirs.status_code == 304:  # only for the very same bytes (a file, the vocabulary's answers)
            assert fetch(client, route, ids, as_b).get_data() == body, route
    # the lists of one's record: never the same ETag, whatever the answers
    for route in ("/api/words", "/api/study-sessions", "/api/groups", "/api/study-activities"):
        assert fetch(client, route, ids, as_b).headers["ETag"] != mine[route][0], route


# ---------------------------------------------------------------- every kind of write

def ok(response, status=(200, 201)):
    assert response.status_code in status, response.get_data(as_text=True)
    return response


def raw_sql(path, *statements):
    """Statements run by another connection, as the sqlite3 shell would (foreign keys off)."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            for statement, params in statements:
                conn.execute(statement, params)
    finally:
        conn.close()


def word_outside_group(path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT min(id) FROM words WHERE id NOT IN (SELECT word_id FROM word_groups"
                            " WHERE group_id = ?)", (GROUP,)).fetchone()[0]
    finally:
        conn.close()


SESSION_LISTS = {"/api/study-sessions", "/api/groups/{group_id}/study-sessions",
                 "/api/study-activities/{activity_id}/sessions"}
WORD_LISTS = {"/api/words", "/api/groups/{group_id}/words"}
# Each kind of write, and the routes whose answer it surely changes.
WRITES = {
    "a session started": (
        lambda c, p, ids, o: ok(c.post("/api/study-sessions", json={"group_id": GROUP, "study_activity_id": 1})),
        SESSION_LISTS | {"/api/dashboard/recent-session", "/api/dashboard/stats"}),
    "a batch of reviews": (
        lambda c, p, ids, o: ok(c.post(f"/api/study-sessions/{ids['session_id']}/review", json={"reviews": [
            {"word_id": word, "is_correct": True} for word in o["words"][:10]]})),
        WORD_LISTS | SESSION_LISTS | {"/api/dashboard/stats", "/api/study-sessions/{session_id}",
                                      "/api/dashboard/recent-session", "/api/dashboard/groups"}),
    "one review": (
        lambda c, p, ids, o: ok(c.post(f"/api/study-sessions/{ids['session_id']}/words/{o['words'][12]}/review",
                                       json={"correct": False})),
        WORD_LISTS | {"/api/dashboard/stats", "/api/study-sessions/{session_id}", "/api/dashboard/groups"}),
    "the learner's reset": (
        lambda c, p, ids, o: ok(c.post("/api/study-sessions/reset")),
        WORD_LISTS | SESSION_LISTS | {"/api/dashboard/stats", "/api/dashboard/groups"}),
    "the full reset": (
        lambda c, p, ids, o: ok(c.post("/api/full-reset")),
        WORD_LISTS | SESSION_LISTS | {"/api/dashboard/stats", "/api/dashboard/groups"}),
    "their time zone": (
        lambda c, p, ids, o: ok(c.patch("/api/me", json={"time_zone": "Asia/Tokyo"})),
        {"/api/me", "/api/dashboard/history", "/api/dashboard/forecast"}),
    "their new words a day": (
        lambda c, p, ids, o: ok(c.patch("/api/me", json={"new_per_day": 1})),
        {"/api/me", "/api/words/due"}),
    "their retention": (
        lambda c, p, ids, o: ok(c.patch("/api/me", json={"desired_retention": 0.8})),
        {"/api/me", "/api/dashboard/retention"}),
    "a word added": (
        lambda c, p, ids, o: ok(c.post("/api/words", json={"kanji": "回転寿司", "kana": "かいてんずし",
                                                          "english": "conveyor-belt sushi", "group_ids": [GROUP]})),
        WORD_LISTS | {"/api/groups", "/api/groups/{group_id}", "/api/groups/{group_id}/words/raw"}),
    "a word edited": (
        lambda c, p, ids, o: ok(c.patch(f"/api/words/{ids['word_id']}", json={"english": "edited"})),
        WORD_LISTS | {"/api/words/{word_id}", "/api/groups/{group_id}/words/raw", "/api/groups/{group_id}/export"}),
    "a word moved to another group": (
        lambda c, p, ids, o: ok(c.patch(f"/api/words/{ids['word_id']}", json={"group_ids": [1]})),
        WORD_LISTS | {"/api/words/{word_id}", "/api/groups/{group_id}", "/api/groups"}),
    "a word deleted with its history": (
        lambda c, p, ids, o: ok(c.delete(f"/api/words/{o['words'][1]}?with_history=true")),
        WORD_LISTS | {"/api/groups/{group_id}", "/api/dashboard/stats", "/api/study-sessions/{session_id}"}),
    "a group added": (
        lambda c, p, ids, o: ok(c.post("/api/groups", json={"name": "Sushi bar"})),
        {"/api/groups", "/api/dashboard/groups", "/api/study-activities/{activity_id}/launch"}),
    "a group renamed": (
        lambda c, p, ids, o: ok(c.patch(f"/api/groups/{GROUP}", json={"name": "Renamed"})),
        SESSION_LISTS | {"/api/groups", "/api/groups/{group_id}", "/api/words/{word_id}"}),
    "a group deleted with its history": (
        lambda c, p, ids, o: ok(c.delete(f"/api/groups/{GROUP}?with_history=true")),
        WORD_LISTS | {"/api/groups", "/api/study-sessions", "/api/dashboard/stats"}),
    "a word added to a group": (
        lambda c, p, ids, o: ok(c.post(f"/api/groups/{GROUP}/words", json={"word_ids": [word_outside_group(p)]})),
        {"/api/groups/{group_id}", "/api/groups/{group_id}/words", "/api/groups/{group_id}/words/raw"}),
    "a word taken out of a group": (
        lambda c, p, ids, o: ok(c.delete(f"/api/groups/{GROUP}/words/{o['words'][5]}")),
        {"/api/groups/{group_id}", "/api/groups/{group_id}/words", "/api/dashboard/groups"}),
    "words imported": (
        lambda c, p, ids, o: ok(c.post("/api/words/import?group=Sushi bar", content_type="application/json",
                                       data=json.dumps([{"kanji": "子犬", "kana": "こいぬ", "english": "puppy"}]))),
        {"/api/words", "/api/groups"}),
    "a token made": (
        lambda c, p, ids, o: ok(c.post("/api/me/tokens", json={"name": "another"})), {"/api/me/tokens"}),
    "a token revoked": (
        lambda c, p, ids, o: ok(c.delete(f"/api/me/tokens/{o['my_token_id']}")), {"/api/me/tokens"}),
    "a learner added": (
        lambda c, p, ids, o: ok(c.post("/api/learners", json={"name": "c"})), {"/api/learners"}),
    "a learner renamed": (
        lambda c, p, ids, o: ok(c.patch(f"/api/learners/{ids['learner_id']}", json={"name": "bee"})),
        {"/api/learners", "/api/learners/{learner_id}"}),
    "a learner removed": (
        lambda c, p, ids, o: ok(c.delete(f"/api/learners/{ids['learner_id']}")), {"/api/learners"}),
    "a learner's token revoked": (
        lambda c, p, ids, o: ok(c.delete(f"/api/learners/{ids['learner_id']}/tokens/{o['b_token_id']}")),
        {"/api/learners/{learner_id}/tokens"}),
    "SQL: a review inserted": (
        lambda c, p, ids, o: raw_sql(p, (
            "INSERT INTO word_review_items (learner_id, word_id, study_session_id, correct, rating, created_at)"
            " VALUES (1, ?, ?, 1, 3, ?)", (o["words"][0], ids["session_id"], NOW))),
        WORD_LISTS | SESSION_LISTS | {"/api/study-sessions/{session_id}", "/api/dashboard/stats"}),
    "SQL: a schedule changed": (
        lambda c, p, ids, o: raw_sql(p, (
            "UPDATE word_schedules SET state = 2, stability = 40, due = '2026-03-01T00:00:00Z'"
            " WHERE learner_id = 1 AND word_id = ?", (o["words"][0],))),
        {"/api/dashboard/groups", "/api/words/due", "/api/words/{word_id}"}),
    "SQL: a session deleted": (
        lambda c, p, ids, o: raw_sql(p, ("DELETE FROM study_sessions WHERE id = ?", (o["first_session"],))),
        {"/api/study-sessions", "/api/groups/{group_id}/study-sessions"}),
    "SQL: a session given to another learner": (
        lambda c, p, ids, o: raw_sql(p, ("UPDATE study_sessions SET learner_id = ? WHERE id = ?",
                                         (ids["learner_id"], o["first_session"]))),
        {"/api/study-sessions", "/api/groups/{group_id}/study-sessions"}),
    "SQL: a word edited": (
        lambda c, p, ids, o: raw_sql(p, ("UPDATE words SET english = 'by hand' WHERE id = ?", (ids["word_id"],))),
        WORD_LISTS | {"/api/words/{word_id}", "/api/groups/{group_id}/words/raw"}),
    "SQL: an activity renamed": (
        lambda c, p, ids, o: raw_sql(p, ("UPDATE study_activities SET name = 'By hand' WHERE id = 1", ())),
        SESSION_LISTS | {"/api/study-activities", "/api/study-activities/{activity_id}",
                         "/api/dashboard/recent-session"}),
    "SQL: a setting changed": (
        lambda c, p, ids, o: raw_sql(p, ("UPDATE learners SET new_per_day = 2 WHERE id = 1", ())),
        {"/api/me", "/api/words/due"}),
    "another learner's study": (
        lambda c, p, ids, o: ok(c.post(f"/api/study-sessions/{o['b_session']}/review", headers=bearer(o["b_token"]),
                                       json={"reviews": [{"word_id": o["words"][0], "is_correct": True}]})),
        set()),
}


def test_every_write_of_the_document_is_tried():
    written = {(method.upper(), path) for path, item in DOCUMENT["paths"].items() for method in item
               if method in ("post", "put", "patch", "delete")}
    assert len(written) == 21  # each is one (or more) of WRITES: add the new one there


@pytest.mark.parametrize("write", WRITES)
def test_an_unchanged_etag_means_an_unchanged_answer(world, write):
    client, path, ids, others = world
    make, changing = WRITES[write]
    before = answers(client, ids)
    make(client, path, ids, others)
    changed = set()
    for route, (etag, body) in before.items():
        asked = fetch(client, route, ids, {"If-None-Match": etag})
        if asked.status_code == 304:
            assert fetch(client, route, ids).get_data() == body, f"{write}: {route} kept its ETag but changed"
        else:
            changed.add(route)
    assert changing <= changed, f"{write}: {sorted(changing - changed)} kept their ETag"


def test_another_learners_study_leaves_my_lists_alone(world):
    client, _, ids, others = world
    before = answers(client, ids)
    WRITES["another learner's study"][0](client, None, ids, others)
    for route in ("/api/words", "/api/study-sessions", "/api/groups/{group_id}/words",
                  "/api/groups/{group_id}/study-sessions", "/api/dashboard/groups"):
        assert fetch(client, route, ids, {"If-None-Match": before[route][0]}).status_code == 304, route
