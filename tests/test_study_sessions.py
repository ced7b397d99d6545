import pytest

from lib.core import clock
from tests.helpers import WORD_COUNTS, assert_error, assert_every_paging_lists, count, freeze_clock

NEW_SESSION = {"group_id": 1, "study_activity_id": 1}
SESSION_FIELDS = {"id": int, "group_id": int, "group_name": str, "activity_id": int,
                  "activity_name": str, "start_time": str, "end_time": str, "review_items_count": int}


def group_words(db, group_id, how_many=3):
    return [row[0] for row in db.execute(
        "SELECT word_id FROM word_groups WHERE group_id = ? ORDER BY word_id LIMIT ?", (group_id, how_many))]


def word_outside_group(db, group_id):
    return db.execute("SELECT id FROM words WHERE id NOT IN"
                      " (SELECT word_id FROM word_groups WHERE group_id = ?) LIMIT 1", (group_id,)).fetchone()[0]


def start_session(client, **overrides):
    response = client.post("/api/study-sessions", json={**NEW_SESSION, **overrides})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


# --- creating a session -------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/study-sessions", "/study_sessions", "/api/study_sessions"])
def test_create_session_returns_201_with_the_session_and_location(client, db, path):
    response = client.post(path, json=NEW_SESSION)
    assert response.status_code == 201
    body = response.get_json()
    assert {key: type(body[key]) for key in SESSION_FIELDS} == SESSION_FIELDS
    assert body["session_id"] == body["id"]
    assert body["group_id"] == 1 and body["activity_id"] == 1
    assert body["start_time"] == body["end_time"] and body["start_time"].endswith("Z")
    assert body["review_items_count"] == 0
    assert response.headers["Location"].endswith(f"/api/study-sessions/{body['id']}")
    stored = db.execute("SELECT group_id, study_activity_id FROM study_sessions WHERE id = ?",
                        (body["id"],)).fetchone()
    assert tuple(stored) == (1, 1)


def test_location_leads_to_the_session(client):
    response = client.post("/api/study-sessions", json=NEW_SESSION)
    assert client.get(response.headers["Location"]).get_json()["session"]["id"] == response.get_json()["id"]


@pytest.mark.parametrize("body, field", [
    ({"group_id": 1}, "study_activity_id"),
    ({"study_activity_id": 1}, "group_id"),
    ({"group_id": "1", "study_activity_id": 1}, "group_id"),
    ({"group_id": 1.5, "study_activity_id": 1}, "group_id"),
    ({"group_id": 1.0, "study_activity_id": 1}, "group_id"),
    ({"group_id": True, "study_activity_id": 1}, "group_id"),
    ({"group_id": None, "study_activity_id": 1}, "group_id"),
    ({"group_id": -1, "study_activity_id": 1}, "group_id"),
    ({"group_id": 0, "study_activity_id": 1}, "group_id"),
    ({"group_id": 1, "study_activity_id": [1]}, "study_activity_id"),
])
def test_create_session_rejects_missing_or_ill_typed_fields(client, db, body, field):
    assert_error(client.post("/api/study-sessions", json=body), 400, field)
    assert count(db, "study_sessions") == 0


def test_create_session_names_both_fields_when_both_are_missing(client):
    assert_error(client.post("/api/study-sessions", json={}), 400, "group_id", "study_activity_id")


@pytest.mark.parametrize("kwargs", [
    {"data": '{"group_id": 1, "study_activity_id": 1}', "content_type": "text/plain"},
    {"data": {"group_id": "1", "study_activity_id": "1"}},
    {"data": '{"group_id": 1, "study_activity_id": 1}'},
])
def test_create_session_needs_a_json_body(client, db, kwargs):
    assert_error(client.post("/api/study-sessions", **kwargs), 415, "JSON")
    assert count(db, "study_sessions") == 0


@pytest.mark.parametrize("data", ['{"group_id": 1,', "[1, 2]", '"text"', "null"])
def test_create_session_rejects_json_that_is_not_an_object(client, db, data):
    assert_error(client.post("/api/study-sessions", data=data, content_type="application/json"), 400)
    assert count(db, "study_sessions") == 0


@pytest.mark.parametrize("body, words", [
    ({"group_id": 999, "study_activity_id": 1}, ["Group", "999"]),
    ({"group_id": 1, "study_activity_id": 999}, ["activity", "999"]),
])
def test_create_session_with_unknown_group_or_activity_is_422(client, db, body, words):
    assert_error(client.post("/api/study-sessions", json=body), 422, *words)
    assert count(db, "study_sessions") == 0


# --- reading sessions ---------------------------------------------------------

def test_list_sessions_is_newest_first_and_paged(client):
    ids = [start_session(client, group_id=group) for group in (1, 2, 3)]
    body = client.get("/api/study-sessions?per_page=2").get_json()
    assert [item["id"] for item in body["items"]] == ids[::-1][:2]
    assert (body["total"], body["page"], body["per_page"], body["total_pages"]) == (3, 1, 2, 2)
    second = client.get("/study_sessions?per_page=2&page=2").get_json()
    assert [item["id"] for item in second["items"]] == ids[:1]


def test_every_page_of_sessions_over_several_days_is_in_start_time_order(client, db, monkeypatch):
    # Days of uneven sizes, the same second twice, both ends of a day: deep
    # pages skip whole days by their counters, from either end of the list.
    starts = ["2026-03-01T08:00:00Z", "2026-03-02T00:00:00Z", "2026-03-02T00:00:00Z",
              "2026-03-02T12:30:00Z", "2026-03-02T23:59:59Z", "2026-03-03T23:59:59Z",
              "2026-03-05T09:00:00Z", "2026-03-05T09:00:00Z", "2026-03-05T09:00:00Z",
              "2026-03-05T10:00:00Z", "2026-03-06T00:00:00Z"]
    for group, start in enumerate(starts):
        freeze_clock(monkeypatch, start)
        start_session(client, group_id=group % 7 + 1)
    expected = [row[0] for row in db.execute(
        "SELECT id FROM study_sessions ORDER BY created_at DESC, id DESC")]
    assert_every_paging_lists(client, "/api/study-sessions", expected)


def test_list_sessions_on_an_empty_history(client):
    assert client.get("/api/study-sessions").get_json() == {
        "items": [], "total": 0, "page": 1, "per_page": 10, "total_pages": 0}


@pytest.mark.parametrize("query", ["page=0", "page=x", "per_page=0", "per_page=101", "per_page=1.5"])
def test_list_sessions_rejects_bad_paging(client, query):
    assert_error(client.get(f"/api/study-sessions?{query}"), 400, query.split("=")[0])


def test_get_session_shows_the_words_reviewed_with_this_sessions_counts(client, db):
    first, second = group_words(db, 1, 2)
    session_id = start_session(client)
    other = start_session(client)
    client.post(f"/api/study-sessions/{other}/review", json={"reviews": [{"word_id": first, "is_correct": True}]})
    client.post(f"/api/study-sessions/{session_id}/review", json={"reviews": [
        {"word_id": first, "is_correct": True}, {"word_id": first, "is_correct": False},
        {"word_id": second, "is_correct": False}]})
    response = client.get(f"/study_sessions/{session_id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["session"]["id"] == session_id and body["session"]["review_items_count"] == 3
    assert [(w["id"], w["correct_count"], w["wrong_count"]) for w in body["words"]] == [
        (first, 1, 1), (second, 0, 1)]
    assert set(body["words"][0]) == {"id", "kanji", "kana", "romaji", "english", "correct_count", "wrong_count"}
    assert (body["total"], body["page"], body["per_page"], body["total_pages"]) == (2, 1, 10, 1)
    assert [w["id"] for w in client.get(f"/api/study-sessions/{session_id}?per_page=1&page=2")
            .get_json()["words"]] == [second]


def test_get_unknown_session_is_404(client):
    assert_error(client.get("/api/study-sessions/12345"), 404, "12345")


def test_end_time_is_the_time_of_the_last_review(client, db, monkeypatch):
    from datetime import datetime, timezone
    start = datetime(2026, 5, 1, 10, 0, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(clock, "utcnow", lambda: start)
    session_id = start_session(client)
    later = datetime(2026, 5, 1, 10, 7, 30, tzinfo=timezone.utc)
    monkeypatch.setattr(clock, "utcnow", lambda: later)
    client.post(f"/api/study-sessions/{session_id}/review",
                json={"reviews": [{"word_id": group_words(db, 1, 1)[0], "is_correct": True}]})
    session = client.get(f"/api/study-sessions/{session_id}").get_json()["session"]
    assert (session["start_time"], session["end_time"]) == ("2026-05-01T10:00:00Z", "2026-05-01T10:07:30Z")


# --- posting a batch of reviews -----------------------------------------------

def word_counts(db, word_id):
    return tuple(db.execute(WORD_COUNTS, (word_id,)).fetchone())


@pytest.mark.parametrize("path", ["/api/study-sessions/{}/review", "/study_sessions/{}/review"])
def test_batch_review_stores_every_item_and_updates_counts(client, db, path):
    first, second = group_words(db, 1, 2)
    session_id = start_session(client)
    response = client.post(path.format(session_id), json={"reviews": [
        {"word_id": first, "is_correct": True},
        {"word_id": second, "correct": False},
        {"word_id": first, "is_correct": True}]})
    assert response.status_code == 201
    assert response.get_json() == {"session_id": session_id, "recorded": 3, "review_items_count": 3}
    assert word_counts(db, first) == (2, 0) and word_counts(db, second) == (0, 1)
    stored = db.execute("SELECT word_id, correct FROM word_review_items WHERE study_session_id = ? ORDER BY id",
                        (session_id,)).fetchall()
    assert [tuple(row) for row in stored] == [(first, 1), (second, 0), (first, 1)]
    again = client.post(path.format(session_id), json={"reviews": [{"word_id": second, "is_correct": True}]})
    assert again.get_json()["review_items_count"] == 4


@pytest.mark.parametrize("bad_item, field", [
    ({"word_id": "12", "is_correct": True}, "reviews[1].word_id"),
    ({"is_correct": True}, "reviews[1].word_id"),
    ({"word_id": 0, "is_correct": True}, "reviews[1].word_id"),
    ({"word_id": 1.0, "is_correct": True}, "reviews[1].word_id"),
    ({"word_id": "GOOD", "is_correct": "yes"}, "reviews[1].is_correct"),
    ({"word_id": "GOOD", "is_correct": 1}, "reviews[1].is_correct"),
    ({"word_id": "GOOD"}, "reviews[1].is_correct"),
    ("GOOD", "reviews[1] must be an object"),
])
def test_batch_with_a_malformed_item_is_400_naming_it_and_stores_nothing(client, db, bad_item, field):
    good = group_words(db, 1, 1)[0]
    if bad_item == "GOOD":
        bad_item = good
    elif bad_item.get("word_id") == "GOOD":
        bad_item = {**bad_item, "word_id": good}
    session_id = start_session(client)
    items = [{"word_id": good, "is_correct": True}, bad_item]
    assert_error(client.post(f"/api/study-sessions/{session_id}/review", json={"reviews": items}), 400, field)
    assert count(db, "word_review_items") == 0
    assert word_counts(db, good) == (0, 0)


def test_batch_names_every_bad_item(client, db):
    good = group_words(db, 1, 1)[0]
    session_id = start_session(client)
    response = client.post(f"/api/study-sessions/{session_id}/review", json={"reviews": [
        {"word_id": "x", "is_correct": True}, {"word_id": good, "is_correct": True},
        {"word_id": good, "is_correct": None}]})
    assert_error(response, 400, "reviews[0].word_id", "reviews[2].is_correct")


@pytest.mark.parametrize("body", [{}, {"reviews": []}, {"reviews": {"word_id": 1}}, {"reviews": None}])
def test_batch_without_a_list_of_reviews_is_400(client, body):
    session_id = start_session(client)
    assert_error(client.post(f"/api/study-sessions/{session_id}/review", json=body), 400, "reviews")


def test_batch_over_the_size_limit_is_400(client, db):
    from routes.study_sessions import MAX_REVIEWS_PER_REQUEST
    good = group_words(db, 1, 1)[0]
    session_id = start_session(client)
    reviews = [{"word_id": good, "is_correct": True}] * (MAX_REVIEWS_PER_REQUEST + 1)
    assert_error(client.post(f"/api/study-sessions/{session_id}/review", json={"reviews": reviews}), 400, "at most")
    assert count(db, "word_review_items") == 0


def test_batch_with_unknown_or_foreign_words_is_422_naming_each_and_stores_nothing(client, db):
    good = group_words(db, 1, 1)[0]
    foreign = word_outside_group(db, 1)
    session_id = start_session(client)
    response = client.post(f"/api/study-sessions/{session_id}/review", json={"reviews": [
        {"word_id": good, "is_correct": True},
        {"word_id": 999999, "is_correct": True},
        {"word_id": foreign, "is_correct": False}]})
    assert_error(response, 422, "reviews[1]", "999999", "reviews[2]", str(foreign))
    assert count(db, "word_review_items") == 0
    assert word_counts(db, good) == (0, 0)
    assert db.execute("SELECT review_items_count FROM study_sessions").fetchone()[0] == 0


def test_batch_to_an_unknown_session_is_404(client, db):
    good = group_words(db, 1, 1)[0]
    response = client.post("/api/study-sessions/4242/review", json={"reviews": [{"word_id": good, "is_correct": True}]})
    assert_error(response, 404, "4242")
    assert count(db, "word_review_items") == 0


def test_batch_needs_a_json_body(client):
    session_id = start_session(client)
    assert_error(client.post(f"/api/study-sessions/{session_id}/review", data="reviews", content_type="text/plain"), 415)


# --- a single review ----------------------------------------------------------

def test_single_review_returns_the_stored_item(client, db):
    word = group_words(db, 1, 1)[0]
    session_id = start_session(client)
    response = client.post(f"/api/study-sessions/{session_id}/words/{word}/review", json={"correct": False})
    assert response.status_code == 201
    item = response.get_json()
    assert set(item) == {"id", "study_session_id", "word_id", "correct", "created_at"}
    assert (item["study_session_id"], item["word_id"], item["correct"]) == (session_id, word, False)
    stored = db.execute("SELECT word_id, study_session_id, correct FROM word_review_items WHERE id = ?",
                        (item["id"],)).fetchone()
    assert tuple(stored) == (word, session_id, 0)
    assert word_counts(db, word) == (0, 1)


def test_single_review_through_the_underscore_spelling(client, db):
    word = group_words(db, 1, 1)[0]
    session_id = start_session(client)
    response = client.post(f"/study_sessions/{session_id}/words/{word}/review", json={"is_correct": True})
    assert response.status_code == 201 and response.get_json()["correct"] is True


@pytest.mark.parametrize("body", [{}, {"correct": "true"}, {"correct": 1}, {"correct": None}])
def test_single_review_needs_a_boolean(client, db, body):
    word = group_words(db, 1, 1)[0]
    session_id = start_session(client)
    assert_error(client.post(f"/api/study-sessions/{session_id}/words/{word}/review", json=body), 400, "correct")
    assert count(db, "word_review_items") == 0


def test_single_review_of_unknown_session_or_word_is_404(client, db):
    word = group_words(db, 1, 1)[0]
    session_id = start_session(client)
    assert_error(client.post(f"/api/study-sessions/777/words/{word}/review", json={"correct": True}), 404, "777")
    assert_error(client.post(f"/api/study-sessions/{session_id}/words/999999/review", json={"correct": True}),
                 404, "999999")
    assert count(db, "word_review_items") == 0


def test_single_review_of_a_word_of_another_group_is_422(client, db):
    foreign = word_outside_group(db, 1)
    session_id = start_session(client)
    assert_error(client.post(f"/api/study-sessions/{session_id}/words/{foreign}/review", json={"correct": True}),
                 422, str(foreign))
    assert count(db, "word_review_items") == 0


# --- resetting history --------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/study-sessions/reset", "/study_sessions/reset"])
def test_reset_removes_history_and_keeps_vocabulary(client, db, path):
    words_before = count(db, "words")
    word = group_words(db, 1, 1)[0]
    session_id = start_session(client)
    client.post(f"/api/study-sessions/{session_id}/review", json={"reviews": [{"word_id": word, "is_correct": True}]})
    response = client.post(path)
    assert response.status_code == 200 and response.get_json()["message"]
    assert count(db, "study_sessions") == 0 and count(db, "word_review_items") == 0
    assert count(db, "words") == words_before and count(db, "groups") > 0 and count(db, "study_activities") > 0
    assert word_counts(db, word) == (0, 0)


def test_reset_refuses_a_non_json_body(client, db):
    start_session(client)
    assert_error(client.post("/api/study-sessions/reset", data="x=1",
                             content_type="application/x-www-form-urlencoded"), 415)
    assert count(db, "study_sessions") == 1


# --- errors in general --------------------------------------------------------

def test_wrong_method_is_a_json_405(client):
    assert_error(client.delete("/api/study-sessions"), 405)
    assert_error(client.get("/api/study-sessions/1/review"), 405)


def test_an_unexpected_error_is_a_json_500_without_details(db_path):
    from app import create_app
    app = create_app({"TESTING": True, "PROPAGATE_EXCEPTIONS": False, "DATABASE": str(db_path)})

    @app.get("/api/boom")
    def boom():
        raise RuntimeError("SELECT secret FROM somewhere")

    response = app.test_client().get("/api/boom")
    assert_error(response, 500)
    assert "secret" not in response.get_data(as_text=True)


def test_session_ids_are_not_reused_after_a_reset(client):
    before = start_session(client)
    client.post("/api/study-sessions/reset")
    assert start_session(client) > before


def test_a_retry_from_before_a_reset_creates_a_new_session(client, db):
    key = {"Idempotency-Key": "before-reset"}
    first = client.post("/api/study-sessions", json=NEW_SESSION, headers=key).get_json()["id"]
    client.post("/api/study-sessions/reset")
    again = client.post("/api/study-sessions", json=NEW_SESSION, headers=key)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert again.get_json()["id"] != first
    assert count(db, "study_sessions") == 1


def test_a_batch_400_also_names_the_items_that_do_not_fit(client, db):
    good = group_words(db, 1, 1)[0]
    foreign = word_outside_group(db, 1)
    session_id = start_session(client)
    response = client.post(f"/api/study-sessions/{session_id}/review", json={"reviews": [
        {"word_id": "x", "is_correct": True},
        {"word_id": 999999, "is_correct": True},
        {"word_id": foreign, "is_correct": True},
        {"word_id": good, "is_correct": True}]})
    assert_error(response, 400, "reviews[0].word_id", "reviews[1]: word 999999", f"reviews[2]: word {foreign}")
    assert "reviews[3]" not in response.get_json()["error"]
    assert count(db, "word_review_items") == 0


@pytest.mark.parametrize("answer", [{"is_correct": True, "correct": False}, {"is_correct": False, "correct": True}])
def test_is_correct_and_correct_that_disagree_are_refused(client, db, answer):
    word = group_words(db, 1, 1)[0]
    session_id = start_session(client)
    batch = client.post(f"/api/study-sessions/{session_id}/review", json={"reviews": [{"word_id": word, **answer}]})
    assert_error(batch, 400, "reviews[0]", "disagree")
    single = client.post(f"/api/study-sessions/{session_id}/words/{word}/review", json=answer)
    assert_error(single, 400, "disagree")
    assert count(db, "word_review_items") == 0


@pytest.mark.parametrize("answer", [{"is_correct": True, "correct": True}, {"correct": False, "is_correct": False}])
def test_is_correct_and_correct_that_agree_are_one_answer(client, db, answer):
    word = group_words(db, 1, 1)[0]
    session_id = start_session(client)
    assert client.post(f"/api/study-sessions/{session_id}/review",
                       json={"reviews": [{"word_id": word, **answer}]}).status_code == 201
    assert client.post(f"/api/study-sessions/{session_id}/words/{word}/review", json=answer).status_code == 201
    assert count(db, "word_review_items") == 2
