import threading
from datetime import datetime, timedelta, timezone

import pytest

from lib.core import clock
from tests.helpers import WORD_COUNTS, count

KEY = {"Idempotency-Key": "retry-7f3a"}


def a_word_of_group_1(db):
    return db.execute("SELECT word_id FROM word_groups WHERE group_id = 1 LIMIT 1").fetchone()[0]


def test_a_repeated_create_returns_the_first_response_and_stores_nothing_new(client, db):
    first = client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1}, headers=KEY)
    again = client.post("/api/study-sessions", json={"study_activity_id": 1, "group_id": 1}, headers=KEY)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(db, "study_sessions") == 1


def test_different_keys_are_different_requests(client, db):
    for key in ("one", "two"):
        client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1},
                    headers={"Idempotency-Key": key})
    assert count(db, "study_sessions") == 2


def test_a_repeated_batch_is_stored_once(client, db):
    word = a_word_of_group_1(db)
    session_id = client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()["id"]
    body = {"reviews": [{"word_id": word, "is_correct": True}, {"word_id": word, "is_correct": False}]}
    first = client.post(f"/api/study-sessions/{session_id}/review", json=body, headers=KEY)
    again = client.post(f"/study_sessions/{session_id}/review", json=body, headers=KEY)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() == {"session_id": session_id, "recorded": 2, "review_items_count": 2}
    assert count(db, "word_review_items") == 2
    assert tuple(db.execute(WORD_COUNTS, (word,)).fetchone()) == (1, 1)


def test_a_repeated_single_review_is_stored_once(client, db):
    word = a_word_of_group_1(db)
    session_id = client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()["id"]
    path = f"/api/study-sessions/{session_id}/words/{word}/review"
    first = client.post(path, json={"correct": True}, headers=KEY)
    again = client.post(path, json={"correct": True}, headers=KEY)
    assert again.get_json() == first.get_json() and again.status_code == 201
    assert count(db, "word_review_items") == 1


@pytest.mark.parametrize("second", [
    {"group_id": 2, "study_activity_id": 1},
    {"group_id": 1, "study_activity_id": 2},
])
def test_the_same_key_with_another_body_is_409_and_stores_nothing(client, db, second):
    client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1}, headers=KEY)
    response = client.post("/api/study-sessions", json=second, headers=KEY)
    assert response.status_code == 409
    assert "Idempotency-Key" in response.get_json()["error"]
    assert count(db, "study_sessions") == 1


def test_the_same_key_on_another_route_is_409(client, db):
    session_id = client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1},
                             headers=KEY).get_json()["id"]
    word = a_word_of_group_1(db)
    response = client.post(f"/api/study-sessions/{session_id}/words/{word}/review", json={"correct": True},
                           headers=KEY)
    assert response.status_code == 409
    assert count(db, "word_review_items") == 0


def test_a_failed_request_does_not_use_up_its_key(client, db):
    bad = client.post("/api/study-sessions", json={"group_id": 999, "study_activity_id": 1}, headers=KEY)
    assert bad.status_code == 422
    good = client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1}, headers=KEY)
    assert good.status_code == 201
    assert count(db, "study_sessions") == 1


@pytest.mark.parametrize("key", ["", "x" * 201, "has space", "ключ"])
def test_a_malformed_key_is_400(client, db, key):
    response = client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1},
                           headers={"Idempotency-Key": key})
    assert response.status_code == 400 and "Idempotency-Key" in response.get_json()["error"]
    assert count(db, "study_sessions") == 0


def test_keys_are_kept_for_a_day_and_forgotten_after_two(client, db, monkeypatch):
    start = datetime(2026, 6, 1, 8, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(clock, "utcnow", lambda: start)
    client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1}, headers=KEY)
    monkeypatch.setattr(clock, "utcnow", lambda: start + timedelta(hours=24))
    assert client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1},
                       headers=KEY).headers.get("Idempotent-Replayed") == "true"
    monkeypatch.setattr(clock, "utcnow", lambda: start + timedelta(hours=49))
    assert client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1},
                       headers=KEY).status_code == 201
    assert count(db, "study_sessions") == 2


def test_two_concurrent_requests_with_one_key_store_one_session(app, db):
    barrier = threading.Barrier(2)
    responses = []

    def post():
        client = app.test_client()
        barrier.wait()
        responses.append(client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1},
                                     headers=KEY))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].get_json() == responses[1].get_json()
    assert count(db, "study_sessions") == 1
