"""Every client spelling answers like the canonical path; errors of routing are
JSON; browsers on allowed origins only; and the two resets."""
import pytest

from app import create_app
from tests.helpers import (
    assert_error, assert_fields, count, get_ok, group_word_ids, post_reviews, record_review_history,
    rows, spellings, start_session, text,
)

# Every read route, with a query where it takes one, against a database with history.
READ_PATHS = [
    "/api/words?sort_by=wrong_count&order=desc&page=2&per_page=7",
    "/api/words/44",
    "/api/groups?sort_by=word_count&order=desc&per_page=3",
    "/api/groups/2",
    "/api/groups/2/words?sort_by=correct_count&order=desc",
    "/api/groups/2/words/raw",
    "/api/groups/2/study-sessions?sort_by=reviewItemsCount&order=asc",
    "/api/study-activities",
    "/api/study-activities/1",
    "/api/study-activities/1/sessions",
    "/api/study-activities/1/launch",
    "/api/study-sessions",
    "/api/study-sessions/1",
    "/api/dashboard/recent-session",
    "/api/dashboard/stats",
]

PORTAL = "http://localhost:5173"
ALLOWED_ORIGINS = [PORTAL, "http://127.0.0.1:8080", "http://localhost:8081"]
# Look-alikes of allowed origins included: an origin is allowed whole or not at all.
FOREIGN_ORIGINS = ["https://evil.example", "http://localhost.evil.example", "http://localhost:5173.evil.example",
                   "http://127.0.0.1.evil.example", "https://portal.example.evil.example", "null"]
PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Content-Type"}
MESSAGE = {"message": text}

# The seed's content by natural keys, so that it compares across resets.
SEED_STATE = {
    "words": "SELECT kanji, romaji, english, parts FROM words ORDER BY kanji, romaji, english",
    "groups": "SELECT name, word_count FROM groups ORDER BY name",
    "word_groups": "SELECT g.name, w.kanji, w.romaji, w.english FROM word_groups wg"
                   " JOIN groups g ON g.id = wg.group_id JOIN words w ON w.id = wg.word_id"
                   " ORDER BY 1, 2, 3, 4",
    "activities": "SELECT name, url, preview_url, description FROM study_activities ORDER BY name",
}


def seed_state(db):
    return {name: rows(db, sql) for name, sql in SEED_STATE.items()}


def history_counts(db):
    return count(db, "study_sessions"), count(db, "word_review_items")


def app_with(db_path, **config):
    return create_app({"TESTING": True, "DATABASE": str(db_path), **config})


def allowed_origin(response):
    return response.headers.get("Access-Control-Allow-Origin")


# --- aliases --------------------------------------------------------------------

def aliases(canonical):
    path, _, query = canonical.partition("?")
    return [f"{alias}?{query}" if query else alias for alias in spellings(path)[1:]]


@pytest.mark.parametrize("canonical", READ_PATHS)
def test_every_client_spelling_answers_like_the_canonical_path(client, db, canonical):
    record_review_history(client, db)
    expected = get_ok(client, canonical)
    assert expected  # a non-empty answer, so that the comparison means something
    for alias in aliases(canonical):
        assert get_ok(client, alias) == expected, alias


@pytest.mark.parametrize("method, path", [
    ("delete", "/api/words"), ("put", "/words"), ("put", "/api/words/1"),
    ("post", "/api/groups/1"), ("patch", "/groups/1/words"), ("delete", "/api/groups/1/words/raw"),
    ("post", "/api/study-activities"), ("delete", "/study_activities/1/launch"),
    ("get", "/api/study-sessions/reset"), ("get", "/full-reset"), ("post", "/dashboard/stats"),
])
def test_a_wrong_method_is_405_json(client, method, path):
    response = getattr(client, method)(path)
    assert_error(response, 405)
    assert response.headers["Allow"]


@pytest.mark.parametrize("path", ["/api/nothing", "/nothing", "/", "/api/words/abc", "/words/1/extra",
                                  "/api/groups/1/words/raw/more", "/api/words/-1"])
def test_an_unknown_path_is_404_json(client, path):
    assert_error(client.get(path), 404)


# --- CORS -----------------------------------------------------------------------

@pytest.mark.parametrize("origin", ALLOWED_ORIGINS)
def test_local_and_activity_origins_may_read(client, origin):
    response = client.get("/words", headers={"Origin": origin})
    assert response.status_code == 200
    assert allowed_origin(response) == origin


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
def test_foreign_origins_get_no_cors_headers(client, origin):
    for response in (client.get("/api/words", headers={"Origin": origin}),
                     client.options("/api/study-sessions", headers={"Origin": origin, **PREFLIGHT})):
        assert allowed_origin(response) is None


@pytest.mark.parametrize("path", ["/api/study-sessions", "/study_sessions", "/api/study-sessions/1/review"])
def test_preflight_for_a_json_post_is_answered(client, path):
    response = client.options(path, headers={"Origin": PORTAL, **PREFLIGHT})
    assert 200 <= response.status_code < 300
    assert allowed_origin(response) == PORTAL
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()


def test_origins_of_the_activity_urls_are_allowed(db, db_path):
    db.execute("UPDATE study_activities SET url = 'https://typing.example/app' WHERE id = 1")
    client = app_with(db_path).test_client()
    assert allowed_origin(client.get("/api/words", headers={"Origin": "https://typing.example"})) \
        == "https://typing.example"
    assert client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1},
                       headers={"Origin": "https://typing.example"}).status_code == 201


def assert_origin_may_write(client, origin):
    response = client.post("/study_sessions", json={"group_id": 1, "study_activity_id": 1},
                           headers={"Origin": origin})
    assert response.status_code == 201
    assert allowed_origin(response) == origin
    for foreign in ("https://other.example", f"{origin}.evil.example"):
        assert allowed_origin(client.get("/api/groups", headers={"Origin": foreign})) is None


def test_origins_in_the_configuration_are_allowed(db_path):
    client = app_with(db_path, CORS_ORIGINS=["https://portal.example"]).test_client()
    assert_origin_may_write(client, "https://portal.example")


@pytest.mark.parametrize("setting", ['["https://portal.example"]', "https://portal.example, https://two.example"])
def test_origins_in_the_environment_are_allowed(db_path, monkeypatch, setting):
    monkeypatch.setenv("LANG_PORTAL_CORS_ORIGINS", setting)
    assert_origin_may_write(app_with(db_path).test_client(), "https://portal.example")


def write_requests(client, db):
    """Every kind of POST, against a session that has one review."""
    session_id = start_session(client, 1)
    word_id = group_word_ids(db, 1)[0]
    post_reviews(client, session_id, [(word_id, True)])
    return [
        ("/api/study-sessions", {"group_id": 1, "study_activity_id": 1}),
        ("/study_sessions", {"group_id": 1, "study_activity_id": 1}),
        (f"/api/study-sessions/{session_id}/review", {"reviews": [{"word_id": word_id, "is_correct": True}]}),
        (f"/api/study-sessions/{session_id}/words/{word_id}/review", {"correct": False}),
        ("/api/study-sessions/reset", {}),
        ("/api/full-reset", {}),
    ]


@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost.evil.example"])
def test_a_post_from_a_foreign_origin_is_403_and_stores_nothing(client, db, origin):
    for path, body in write_requests(client, db):
        before = history_counts(db), seed_state(db)
        assert_error(client.post(path, json=body, headers={"Origin": origin}), 403)
        assert (history_counts(db), seed_state(db)) == before, path


# --- resets ---------------------------------------------------------------------

@pytest.mark.parametrize("path", spellings("/api/study-sessions/reset"))
def test_reset_history_removes_sessions_and_keeps_the_vocabulary(client, db, path):
    record_review_history(client, db)
    seeded = seed_state(db)
    response = client.post(path)
    assert response.status_code == 200
    assert_fields(response.get_json(), MESSAGE)
    assert history_counts(db) == (0, 0)
    assert seed_state(db) == seeded
    assert db.execute("SELECT count(*) FROM learner_words").fetchone()[0] == 0
    assert get_ok(client, "/api/words", sort_by="wrong_count", order="desc")["words"][0]["wrong_count"] == 0
    assert get_ok(client, "/api/study-sessions")["items"] == []


@pytest.mark.parametrize("path", spellings("/api/full-reset"))
def test_full_reset_restores_the_seed(client, db, path):
    seeded = seed_state(db)
    record_review_history(client, db)
    db.execute("DELETE FROM words WHERE id = 1")
    db.execute("UPDATE groups SET name = 'Renamed' WHERE id = 2")
    db.execute("INSERT INTO words (kanji, romaji, english, parts) VALUES ('字', 'ji', 'letter', '[]')")
    response = client.post(path)
    assert response.status_code == 200
    assert_fields(response.get_json(), MESSAGE, exact=False)
    assert seed_state(db) == seeded
    assert history_counts(db) == (0, 0)
    assert get_ok(client, "/api/dashboard/stats")["total_vocabulary"] == len(seeded["words"])
