"""Groups: the list, one group, its words (paged and raw) and its sessions."""
import json
import math

import pytest
from flask import jsonify

from lib.web.database import get_db
from lib.web.answers import KeptAnswers

from tests.helpers import (
    ALLOWED_PAGING, BAD_ORDERS, BAD_PAGING, GROUP, SESSION, WORD, WORD_PAGE, WORD_SORT_KEYS, WORDS_RECOUNTED,
    array, assert_each, assert_error, assert_fields, assert_pages_match, count, freeze_clock, get_ok,
    group_word_ids, integer, post_reviews, record_review_history, rows, spellings, start_session, text,
    walk_pages,
)

GROUP_PAGE = {"groups": array, "total_pages": integer, "current_page": integer}
GROUP_SESSIONS_PAGE = {"study_sessions": array, "total_pages": integer, "current_page": integer}
RAW_WORDS = {"group_id": integer, "group_name": text, "words": array}
RAW_WORD = {"id": integer, "kanji": text, "kana": text, "romaji": text, "english": text, "parts": array}

# The group's word count recomputed from its words, not read from a counter.
GROUPS_RECOUNTED = """
SELECT * FROM (
    SELECT g.id, g.name AS group_name,
           (SELECT count(*) FROM word_groups wg WHERE wg.group_id = g.id) AS word_count
    FROM groups g
)
"""
GROUP_SORT_COLUMNS = {"name": "group_name", "word_count": "word_count", "words_count": "word_count"}

# A group's sessions, with end time and review count recomputed from the reviews.
SESSIONS_RECOUNTED = """
SELECT * FROM (
    SELECT s.id, s.group_id, g.name AS group_name,
           s.study_activity_id AS activity_id, a.name AS activity_name,
           s.created_at AS start_time,
           coalesce((SELECT max(r.created_at) FROM word_review_items r
                     WHERE r.study_session_id = s.id), s.created_at) AS end_time,
           (SELECT count(*) FROM word_review_items r WHERE r.study_session_id = s.id)
               AS review_items_count
    FROM study_sessions s
    JOIN groups g ON g.id = s.group_id
    JOIN study_activities a ON a.id = s.study_activity_id
    WHERE s.group_id = ?
)
"""
SESSION_SORT_COLUMNS = {
    "id": "id",
    "activity_name": "activity_name", "activityName": "activity_name",
    "group_name": "group_name", "groupName": "group_name",
    "start_time": "start_time", "startTime": "start_time",
    "end_time": "end_time", "endTime": "end_time",
    "review_items_count": "review_items_count", "reviewItemsCount": "review_items_count",
}
STUDIED_GROUP = 2
SESSION_PATHS = spellings("/api/groups/{id}/study-sessions")


def group_session_history(client, db, monkeypatch):
    """Seven sessions of one group, with both activities, started at hours
    out of id order, whose review counts tie and whose last reviews come in
    yet another order, so that the sort keys order them differently."""
    words = group_word_ids(db, STUDIED_GROUP)
    sessions = []
    for hour, activity_id, reviews in [(3, 1, 3), (0, 2, 1), (5, 1, 0), (1, 2, 3), (6, 1, 5), (2, 2, 0), (4, 1, 1)]:
        freeze_clock(monkeypatch, f"2026-03-10T{hour:02d}:00:00Z")
        sessions.append((start_session(client, STUDIED_GROUP, activity_id), reviews))
    start_session(client, 3)  # another group's session must not be listed
    for minute, (session_id, reviews) in enumerate(reversed(sessions)):
        if reviews:
            freeze_clock(monkeypatch, f"2026-03-10T12:{minute:02d}:00Z")
            post_reviews(client, session_id, [(word_id, n % 2 == 0) for n, word_id in enumerate(words[:reviews])])


# --- the list -------------------------------------------------------------------

@pytest.mark.parametrize("path", spellings("/api/groups"))
def test_group_list_has_the_contract_shape(client, db, path):
    body = get_ok(client, path)
    assert_fields(body, GROUP_PAGE)
    assert_each(body["groups"], GROUP)
    assert body["current_page"] == 1
    assert len(body["groups"]) == min(10, count(db, "groups"))  # the default per_page
    assert body["total_pages"] == math.ceil(count(db, "groups") / 10)


def test_group_list_defaults_to_name_ascending(client):
    assert get_ok(client, "/api/groups") == get_ok(client, "/api/groups", sort_by="name", order="asc")


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("sort_by", GROUP_SORT_COLUMNS)
def test_group_pages_follow_the_stored_data(client, db, sort_by, order):
    column = GROUP_SORT_COLUMNS[sort_by]
    expected = rows(db, f"{GROUPS_RECOUNTED} ORDER BY {column} {order}, id {order}")
    pages, first = walk_pages(client, "/groups", "groups", 3, sort_by=sort_by, order=order)
    assert_pages_match(pages, expected, 3)
    assert first["total_pages"] == math.ceil(len(expected) / 3)


# --- one group ------------------------------------------------------------------

@pytest.mark.parametrize("path", spellings("/api/groups/{id}"))
def test_one_group_has_its_name_and_word_count(client, db, path):
    body = get_ok(client, path.format(id=STUDIED_GROUP))
    assert_fields(body, GROUP)
    assert body == rows(db, f"{GROUPS_RECOUNTED} WHERE id = ?", (STUDIED_GROUP,))[0]


# --- a group's words ------------------------------------------------------------

@pytest.mark.parametrize("path", spellings("/api/groups/{id}/words"))
def test_group_words_have_the_word_list_shape(client, db, path):
    body = get_ok(client, path.format(id=STUDIED_GROUP))
    assert_fields(body, WORD_PAGE)
    assert_each(body["words"], WORD)
    assert len(body["words"]) == 10  # the default per_page
    total = len(group_word_ids(db, STUDIED_GROUP))
    assert body["total_words"] == total
    assert body["total_pages"] == math.ceil(total / 10)
    assert body["current_page"] == 1


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("sort_by", WORD_SORT_KEYS)
def test_group_word_pages_follow_the_stored_data(client, db, sort_by, order):
    record_review_history(client, db)
    expected = rows(db, f"{WORDS_RECOUNTED} WHERE id IN (SELECT word_id FROM word_groups WHERE group_id = ?)"
                        f" ORDER BY {sort_by} {order}, id {order}", (STUDIED_GROUP,))
    pages, first = walk_pages(client, f"/groups/{STUDIED_GROUP}/words", "words", 10,
                              sort_by=sort_by, order=order)
    assert_pages_match(pages, expected, 10)
    assert first["total_words"] == len(expected)


# --- raw words for activity apps ------------------------------------------------

@pytest.mark.parametrize("path", spellings("/api/groups/{id}/words/raw"))
def test_raw_words_are_every_word_of_the_group_with_parts(client, db, path):
    body = get_ok(client, path.format(id=STUDIED_GROUP))
    assert_fields(body, RAW_WORDS)
    assert body["group_id"] == STUDIED_GROUP
    assert body["group_name"] == db.execute("SELECT name FROM groups WHERE id = ?", (STUDIED_GROUP,)).fetchone()[0]
    assert_each(body["words"], RAW_WORD)
    assert sorted(word["id"] for word in body["words"]) == group_word_ids(db, STUDIED_GROUP)
    for word in body["words"]:
        assert "".join(part["kanji"] for part in word["parts"]) == word["kanji"]


AWKWARD_TEXT = 'say "hi" \\ back/slash <b>&amp;</b> \t\n\x01\x1f\x7f \u2028 \U0001f600 日本語'


def raw_words_rendered_in_python(app, group_id):
    """The raw words' answer as jsonify writes it, from the stored rows."""
    with app.app_context():
        group = get_db().execute("SELECT id, name FROM groups WHERE id = ?", (group_id,)).fetchone()
        words = [{**row, "parts": json.loads(row["parts"])} for row in map(dict, get_db().execute(
            "SELECT w.id, w.kanji, w.kana, w.romaji, w.english, w.parts FROM word_groups wg"
            " JOIN words w ON w.id = wg.word_id WHERE wg.group_id = ? ORDER BY wg.word_id", (group_id,)))]
        return jsonify(group_id=group["id"], group_name=group["name"], words=words).get_data()


def test_raw_words_built_by_sqlite_are_byte_for_byte_the_python_rendering(app, client, db):
    db.execute("INSERT INTO groups (name) VALUES (?)", (AWKWARD_TEXT,))
    awkward_group = db.execute("SELECT id FROM groups WHERE name = ?", (AWKWARD_TEXT,)).fetchone()[0]
    parts = json.dumps([{"kanji": AWKWARD_TEXT, "romaji": ["a"]}], ensure_ascii=False)  # as every writer stores them
    db.execute("INSERT INTO words (kanji, romaji, english, parts) VALUES (?, 'a', ?, ?)",
               (AWKWARD_TEXT, AWKWARD_TEXT, parts))
    db.execute("INSERT INTO word_groups (group_id, word_id) VALUES (?, last_insert_rowid())", (awkward_group,))
    db.execute("INSERT INTO word_groups (group_id, word_id) VALUES (?, 1)", (awkward_group,))
    db.execute("INSERT INTO groups (name) VALUES ('Empty')")
    group_ids = [row[0] for row in db.execute("SELECT id FROM groups")]
    db.commit()

    for group_id in group_ids:
        answer = client.get(f"/api/groups/{group_id}/words/raw")
        assert answer.status_code == 200
        assert answer.get_data() == raw_words_rendered_in_python(app, group_id), group_id
    awkward = client.get(f"/api/groups/{awkward_group}/words/raw").get_json()
    assert [word["english"] for word in awkward["words"]][-1] == AWKWARD_TEXT
    assert awkward["words"][-1]["parts"][0]["kanji"] == AWKWARD_TEXT


# Raw words are kept while the vocabulary stays as it was (migration 0013):
# each change below is seen by the next request, made after the answer was kept.

def edit_a_word(client, db):
    word_id = group_word_ids(db, STUDIED_GROUP)[0]
    assert client.patch(f"/api/words/{word_id}", json={"english": "edited"}).status_code == 200


def rename_the_group(client, db):
    assert client.patch(f"/api/groups/{STUDIED_GROUP}", json={"name": "Renamed"}).status_code == 200


def add_a_word(client, db):
    outside = db.execute("SELECT id FROM words WHERE id NOT IN (SELECT word_id FROM word_groups WHERE group_id = ?)"
                         " LIMIT 1", (STUDIED_GROUP,)).fetchone()[0]
    assert client.post(f"/api/groups/{STUDIED_GROUP}/words", json={"word_ids": [outside]}).status_code == 200


def take_a_word_out(client, db):
    word_id = group_word_ids(db, STUDIED_GROUP)[0]
    assert client.delete(f"/api/groups/{STUDIED_GROUP}/words/{word_id}").status_code == 200


def delete_a_word(client, db):
    word_id = group_word_ids(db, STUDIED_GROUP)[0]
    assert client.delete(f"/api/words/{word_id}").status_code == 200


def change_parts_from_another_program(client, db):
    word_id = group_word_ids(db, STUDIED_GROUP)[0]
    db.execute("UPDATE words SET parts = json_array(json_object('kanji', kanji, 'romaji', json_array('x')))"
               " WHERE id = ?", (word_id,))
    db.commit()


def renumber_a_word_from_another_program(client, db):
    db.execute("PRAGMA foreign_keys = OFF")  # as the sqlite3 shell has it: the group keeps the old id
    db.execute("UPDATE words SET id = (SELECT max(id) + 1 FROM words) WHERE id = ?",
               (group_word_ids(db, STUDIED_GROUP)[0],))
    db.commit()


@pytest.mark.parametrize("change", [edit_a_word, rename_the_group, add_a_word, take_a_word_out, delete_a_word,
                                    change_parts_from_another_program, renumber_a_word_from_another_program])
def test_raw_words_answer_a_change_to_the_vocabulary_at_once(app, client, db, change):
    before = client.get(f"/api/groups/{STUDIED_GROUP}/words/raw").get_data()
    assert client.get(f"/api/groups/{STUDIED_GROUP}/words/raw").get_data() == before  # kept

    change(client, db)

    after = client.get(f"/api/groups/{STUDIED_GROUP}/words/raw")
    assert after.status_code == 200
    assert after.get_data() != before
    assert after.get_data() == raw_words_rendered_in_python(app, STUDIED_GROUP)


@pytest.mark.parametrize("change", ["DELETE FROM groups WHERE id = ?", "UPDATE groups SET id = id + 1000 WHERE id = ?"])
def test_raw_words_of_a_group_gone_from_its_id_are_404_once_kept(client, db, change):
    empty = client.post("/api/groups", json={"name": "Empty"}).get_json()["id"]
    for group_id in (STUDIED_GROUP, empty):
        assert client.get(f"/api/groups/{group_id}/words/raw").status_code == 200
    db.execute("PRAGMA foreign_keys = OFF")  # as the sqlite3 shell has it
    for group_id in (STUDIED_GROUP, empty):
        db.execute(change, (group_id,))
    db.commit()
    for group_id in (STUDIED_GROUP, empty):
        assert_error(client.get(f"/api/groups/{group_id}/words/raw"), 404, f"Group {group_id}")


def test_a_kept_raw_words_answer_is_served_until_the_vocabulary_changes(app, client, db):
    path = f"/api/groups/{STUDIED_GROUP}/words/raw"
    first = client.get(path).get_data()
    kept = app.extensions["kept_answers"]
    [key] = kept.bodies
    kept.bodies[key] = b'{"kept":true}\n'  # what the next request answers, if it is read from what was kept
    assert client.get(path).get_json() == {"kept": True}
    rename_the_group(client, db)
    assert client.get(path).get_data() not in (first, b'{"kept":true}\n')


def test_kept_answers_stay_within_their_bytes_least_recently_used_first():
    kept = KeptAnswers(max_bytes=10)
    kept.keep("a", b"aaaa")
    kept.keep("b", b"bbbb")
    assert kept.get("a") == b"aaaa"  # now b is the least recently used
    kept.keep("c", b"cccc")
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (b"aaaa", None, b"cccc")
    kept.keep("d", b"d" * 11)  # more than all the room there is
    assert kept.get("d") is None and kept.get("a") == b"aaaa"


def vocabulary_version(db):
    return db.execute("SELECT version FROM vocabulary_version").fetchone()[0]


def test_study_leaves_the_vocabulary_version_and_edits_move_it(client, db):
    version = vocabulary_version(db)
    session_id = start_session(client, STUDIED_GROUP)
    word_id = group_word_ids(db, STUDIED_GROUP)[0]
    post_reviews(client, session_id, [(word_id, True), (word_id, False)])
    assert client.post(f"/api/study-sessions/{session_id}/words/{word_id}/review",
                       json={"correct": True}).status_code == 201
    assert vocabulary_version(db) == version  # the kept raw words still hold
    rename_the_group(client, db)
    assert vocabulary_version(db) != version


# --- a group's sessions ---------------------------------------------------------

@pytest.mark.parametrize("path", SESSION_PATHS)
def test_group_sessions_have_the_contract_shape(client, db, path):
    session_id = start_session(client, STUDIED_GROUP)
    post_reviews(client, session_id, [(group_word_ids(db, STUDIED_GROUP)[0], True)])
    body = get_ok(client, path.format(id=STUDIED_GROUP))
    assert_fields(body, GROUP_SESSIONS_PAGE)
    assert_each(body["study_sessions"], SESSION)
    assert [session["id"] for session in body["study_sessions"]] == [session_id]
    assert body["study_sessions"][0]["review_items_count"] == 1
    assert (body["total_pages"], body["current_page"]) == (1, 1)


def test_group_sessions_default_to_newest_first(client, db, monkeypatch):
    group_session_history(client, db, monkeypatch)
    path = f"/api/groups/{STUDIED_GROUP}/study-sessions"
    assert get_ok(client, path) == get_ok(client, path, sort_by="start_time", order="desc")


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("sort_by", SESSION_SORT_COLUMNS)
def test_group_session_pages_follow_the_stored_data(client, db, monkeypatch, sort_by, order):
    group_session_history(client, db, monkeypatch)
    column = SESSION_SORT_COLUMNS[sort_by]
    expected = rows(db, f"{SESSIONS_RECOUNTED} ORDER BY {column} {order}, id {order}", (STUDIED_GROUP,))
    pages, first = walk_pages(client, f"/groups/{STUDIED_GROUP}/study_sessions", "study_sessions", 3,
                              sort_by=sort_by, order=order)
    assert_pages_match(pages, expected, 3)
    assert len(expected) == 7


# --- errors ---------------------------------------------------------------------

@pytest.mark.parametrize("template", [
    "/api/groups/{id}", "/groups/{id}", "/api/groups/{id}/words", "/groups/{id}/words",
    "/api/groups/{id}/words/raw", *SESSION_PATHS,
])
@pytest.mark.parametrize("group_id", [0, 999999, 2**63])
def test_unknown_group_is_404(client, template, group_id):
    assert_error(client.get(template.format(id=group_id)), 404)
    # before any problem with the query: the group is what was asked for
    assert_error(client.get(template.format(id=group_id), query_string={"page": 0, "sort_by": "nope"}), 404)


PAGED_PATHS = ["/api/groups", "/groups/1/words", "/api/groups/1/study-sessions", "/groups/1/study_sessions"]
SORT_KEYS_BY_PATH = {"/api/groups": GROUP_SORT_COLUMNS, "/api/groups/1/words": WORD_SORT_KEYS,
                     "/api/groups/1/study-sessions": SESSION_SORT_COLUMNS}


@pytest.mark.parametrize("field, value", BAD_PAGING)
@pytest.mark.parametrize("path", PAGED_PATHS)
def test_bad_paging_is_400_saying_what_is_allowed(client, path, field, value):
    assert_error(client.get(path, query_string={field: value}), 400, *ALLOWED_PAGING[field])


@pytest.mark.parametrize("path", SORT_KEYS_BY_PATH)
def test_unknown_sort_key_is_400_listing_the_keys(client, path):
    assert_error(client.get(path, query_string={"sort_by": "nonsense"}), 400, "sort_by", *SORT_KEYS_BY_PATH[path])


@pytest.mark.parametrize("order", BAD_ORDERS)
@pytest.mark.parametrize("path", SORT_KEYS_BY_PATH)
def test_bad_order_is_400(client, path, order):
    assert_error(client.get(path, query_string={"order": order}), 400, "order", "asc", "desc")
