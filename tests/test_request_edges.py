"""Requests at the edge of what HTTP and JSON allow: each gets a JSON answer
that says what is wrong, and stores nothing."""
import pytest

from tests.helpers import assert_error, count

SESSION = {"group_id": 1, "study_activity_id": 1}


def post_raw(client, data, content_type="application/json", path="/api/study-sessions", **headers):
    return client.post(path, data=data, content_type=content_type, headers=headers)


def test_a_body_that_is_not_utf8_says_the_api_reads_utf8_only(client, db):
    body = '{"group_id": 1, "study_activity_id": 1, "note": "café"}'.encode("latin-1")

    response = post_raw(client, body, "application/json; charset=latin-1")

    assert_error(response, 400, "UTF-8")
    assert count(db, "study_sessions") == 0


def test_a_body_of_json_null_must_be_an_object(client, db):
    assert_error(post_raw(client, b"null"), 400, "must be a JSON object")
    assert count(db, "study_sessions") == 0


@pytest.mark.parametrize("body, key", [
    (b'{"group_id": 1, "study_activity_id": 1, "group_id": 2}', "group_id"),
    (b'{"reviews": [{"word_id": 1, "is_correct": true, "word_id": 2}]}', "word_id"),
])
def test_a_key_given_twice_is_400_naming_it(client, db, body, key):
    session_id = client.post("/api/study-sessions", json=SESSION).get_json()["id"]
    path = "/api/study-sessions" if b"reviews" not in body else f"/api/study-sessions/{session_id}/review"

    response = post_raw(client, body, path=path)

    assert_error(response, 400, repr(key), "twice")
    assert count(db, "study_sessions") == 1 and count(db, "word_review_items") == 0


def test_a_key_given_twice_with_an_idempotency_key_is_400_too(client, db):
    response = post_raw(client, b'{"group_id": 1, "study_activity_id": 1, "group_id": 1}',
                        **{"Idempotency-Key": "twice-1"})
    assert_error(response, 400, "'group_id'")
    assert count(db, "study_sessions") == 0


@pytest.mark.parametrize("path", ["/api/words/%D9%A3", "/api/words/01", "/api/words/+1", "/api/words/%EF%BC%91"])
def test_only_ascii_digits_without_a_leading_zero_name_an_id(client, path):
    assert_error(client.get(path), 404)


def test_a_plain_id_still_names_its_word(client):
    assert client.get("/api/words/1").get_json()["word"]["id"] == 1


@pytest.mark.parametrize("path", ["/api//words", "/api/words//1", "/words//1"])
def test_an_empty_path_segment_is_a_json_404_not_a_redirect(client, path):
    assert_error(client.get(path), 404)


@pytest.mark.parametrize("host", ["LOCALHOST", "LocalHost:5000", "127.0.0.1:5000"])
def test_host_names_are_case_insensitive(client, host):
    assert client.get("/api/words", headers={"Host": host}).status_code == 200


def test_another_host_in_capitals_is_still_refused(client):
    assert_error(client.get("/api/words", headers={"Host": "EVIL.EXAMPLE"}), 400)
