"""Words: /api/words and /api/words/<id>, checked against what is stored."""
import json
import math
from datetime import datetime

import pytest

from flask import jsonify

from lib.core import clock
from lib.core.scheduler import DEFAULT_RETENTION, SeededScheduler, StoredSchedule

from tests.helpers import (
    WORD,
    WORD_DETAIL,
    WORD_PAGE,
    GROUP_REF,
    BAD_PAGING,
    ALLOWED_PAGING,
    BAD_ORDERS,
    assert_fields,
    assert_each,
    group_word_ids,
    assert_error,
    spellings,
    get_ok,
    walk_pages,
    assert_pages_match,
    rows,
    count,
    record_review_history,
    WORDS_RECOUNTED,
    WORD_SORT_KEYS,
    freeze_clock,
    post_reviews,
    start_session,
)

# --- the list -------------------------------------------------------------------

@pytest.mark.parametrize("path", spellings("/api/words"))
def test_word_list_has_the_contract_shape(client, db, path):
    body = get_ok(client, path)
    assert_fields(body, WORD_PAGE)
    assert_each(body["words"], WORD)
    assert len(body["words"]) == 50  # the default per_page
    assert body["current_page"] == 1
    assert body["total_words"] == count(db, "words")
    assert body["total_pages"] == math.ceil(count(db, "words") / 50)


def test_word_list_defaults_to_kanji_ascending(client):
    assert get_ok(client, "/api/words") == get_ok(client, "/api/words", sort_by="kanji", order="asc")


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("sort_by", WORD_SORT_KEYS)
def test_word_pages_follow_the_stored_data(client, db, sort_by, order):
    record_review_history(client, db)
    expected = rows(db, f"{WORDS_RECOUNTED} ORDER BY {sort_by} {order}, id {order}")
    pages, first = walk_pages(client, "/api/words", "words", 60, sort_by=sort_by, order=order)
    assert_pages_match(pages, expected, 60)
    assert first["total_words"] == len(expected)


def test_second_page_by_wrong_count_matches_sql(client, db):
    record_review_history(client, db)
    expected = rows(db, f"{WORDS_RECOUNTED} ORDER BY wrong_count DESC, id DESC LIMIT 10 OFFSET 10")
    body = get_ok(client, "/words", sort_by="wrong_count", order="desc", page=2, per_page=10)
    assert body["words"] == expected
    assert body["current_page"] == 2
    # The history leaves ties, so this checks the tie-break too.
    assert len({word["wrong_count"] for word in body["words"]}) < len(body["words"])


def test_a_page_past_the_end_is_empty(client, db):
    body = get_ok(client, "/api/words", page=100, per_page=100)
    assert body["words"] == []
    assert body["current_page"] == 100
    assert body["total_words"] == count(db, "words")


def test_word_counts_are_a_recount_of_the_review_history(client, db):
    record_review_history(client, db)
    pages, _ = walk_pages(client, "/api/words", "words", 100, sort_by="kanji")
    listed = sorted((word for page in pages for word in page), key=lambda word: word["id"])
    assert listed == rows(db, f"{WORDS_RECOUNTED} ORDER BY id")
    assert any(word["correct_count"] and word["wrong_count"] for word in listed)


# --- one word -------------------------------------------------------------------

def word_in_two_groups(db):
    return db.execute("SELECT word_id FROM word_groups GROUP BY word_id HAVING count(*) > 1"
                      " ORDER BY word_id LIMIT 1").fetchone()[0]


@pytest.mark.parametrize("path", spellings("/api/words/{id}"))
def test_one_word_has_parts_and_groups(client, db, path):
    word_id = word_in_two_groups(db)
    body = get_ok(client, path.format(id=word_id))
    assert list(body) == ["word"]
    word = body["word"]
    assert_fields(word, WORD_DETAIL)
    assert_each(word["groups"], GROUP_REF)
    stored = dict(db.execute("SELECT kanji, romaji, english FROM words WHERE id = ?", (word_id,)).fetchone())
    assert {key: word[key] for key in stored} == stored
    assert "".join(part["kanji"] for part in word["parts"]) == word["kanji"]
    assert sorted(group["id"] for group in word["groups"]) == [row[0] for row in db.execute(
        "SELECT group_id FROM word_groups WHERE word_id = ? ORDER BY group_id", (word_id,))]
    assert len(word["groups"]) == 2


def test_one_word_counts_follow_its_reviews(client, db):
    record_review_history(client, db)
    for expected in rows(db, f"{WORDS_RECOUNTED} ORDER BY correct_count + wrong_count DESC, id LIMIT 3"):
        word = get_ok(client, f"/api/words/{expected['id']}")["word"]
        assert {key: word[key] for key in expected} == expected
        assert expected["correct_count"] + expected["wrong_count"] > 0


def test_japanese_is_returned_as_utf8_characters(client, db):
    kanji = db.execute("SELECT kanji FROM words WHERE id = 1").fetchone()[0]
    response = client.get("/api/words/1")
    assert response.mimetype == "application/json"
    assert kanji.encode("utf-8") in response.data
    assert b"\\u" not in response.data


# --- errors ---------------------------------------------------------------------

@pytest.mark.parametrize("word_id", [0, 999999, 2**63, 10**30])
@pytest.mark.parametrize("path", spellings("/api/words/{id}"))
def test_unknown_word_is_404(client, path, word_id):
    assert_error(client.get(path.format(id=word_id)), 404)


@pytest.mark.parametrize("field, value", BAD_PAGING)
@pytest.mark.parametrize("path", spellings("/api/words"))
def test_bad_paging_is_400_saying_what_is_allowed(client, path, field, value):
    assert_error(client.get(path, query_string={field: value}), 400, *ALLOWED_PAGING[field])


@pytest.mark.parametrize("sort_by", ["id", "KANJI", "kanji desc", "parts", ""])
def test_unknown_sort_key_is_400_listing_the_keys(client, sort_by):
    assert_error(client.get("/api/words", query_string={"sort_by": sort_by}), 400, "sort_by", *WORD_SORT_KEYS)


@pytest.mark.parametrize("order", BAD_ORDERS)
def test_bad_order_is_400(client, order):
    assert_error(client.get("/words", query_string={"order": order}), 400, "order", "asc", "desc")


# --- pages written from SQL are the pages jsonify writes ------------------------

AWKWARD_TEXT = 'say "hi" \\ back/slash <b>&amp;</b> \t\n\x01\x1f\x7f \u2028 \U0001f600 日本語'


# the default learner's counts: the test client's requests act for them
WORD_ROW = ("SELECT w.id, w.kanji, w.kana, w.romaji, w.english, coalesce(lw.correct_count, 0) AS correct_count,"
            " coalesce(lw.wrong_count, 0) AS wrong_count FROM words w"
            " LEFT JOIN learner_words lw ON lw.learner_id = 1 AND lw.word_id = w.id WHERE w.id = ?")
SCHEDULE_ROW = ("SELECT word_id, state, step, stability, difficulty, due, last_review, reps, lapses"
                " FROM word_schedules WHERE word_id = ?")


def rendered_both_ways(app, client, db, url, render):
    """(the route's answer, the same answer as jsonify writes it) as bytes:
    ``render(db, answer)`` gives the answer's fields from the stored rows of
    the words the route answered, in its order."""
    served = client.get(url)
    assert served.status_code == 200, served.get_data(as_text=True)
    with app.test_request_context(url):
        rendered = jsonify(render(db, served.get_json())).get_data()
    return served.get_data(), rendered


def word_page(db, answer):
    return {"words": [dict(db.execute(WORD_ROW, (word["id"],)).fetchone()) for word in answer["words"]],
            "total_pages": answer["total_pages"], "current_page": answer["current_page"],
            "total_words": answer["total_words"]}


def due_queue_at(now):
    """A due queue's fields as a scheduler of the test's own works them out at ``now``."""
    scheduler = SeededScheduler(desired_retention=DEFAULT_RETENTION)

    def render(db, answer):
        words = []
        for word in answer["words"]:
            row = db.execute(SCHEDULE_ROW, (word["id"],)).fetchone()
            stored = StoredSchedule._make(row) if row else StoredSchedule(word["id"])
            stored_word = dict(db.execute(WORD_ROW, (word["id"],)).fetchone())
            parts = json.loads(db.execute("SELECT parts FROM words WHERE id = ?", (word["id"],)).fetchone()[0])
            words.append({**stored_word, "parts": parts, "schedule": scheduler.schedule_at(stored, now),
                          "next_due": {name: clock.iso(now + wait)
                                       for name, wait in scheduler.outlook(stored, now).waits}})
        return {"words": words, "due_count": answer["due_count"], "next_due_at": answer["next_due_at"],
                "new_left_today": answer["new_left_today"]}
    return render


@pytest.mark.parametrize("query", ["", "?sort_by=english&order=desc", "?sort_by=correct_count&page=2&per_page=7",
                                   "?page=9&per_page=50", "?page=1000", "?q=a&sort_by=romaji", "?q=%22hi"])
def test_word_pages_built_by_sqlite_are_byte_for_byte_the_python_rendering(app, client, db, query):
    db.execute("INSERT INTO words (kanji, kana, romaji, english, parts) VALUES (?, 'あ', 'a', ?, '[]')",
               (AWKWARD_TEXT, AWKWARD_TEXT))
    db.execute("INSERT INTO word_groups (group_id, word_id) VALUES (1, last_insert_rowid())")
    db.commit()
    record_review_history(client, db)

    served, rendered = rendered_both_ways(app, client, db, f"/api/words{query}", word_page)
    assert served == rendered
    served, rendered = rendered_both_ways(app, client, db, f"/api/groups/1/words{query}", word_page)
    assert served == rendered
    if "q=%22hi" in query:  # the awkward word itself is on the page
        assert [word["english"] for word in json.loads(served)["words"]] == [AWKWARD_TEXT]


@pytest.mark.parametrize("query", ["?limit=100&new=100", "?limit=2&new=0", "?limit=1&new=3", "?new=0"])
def test_due_queues_are_byte_for_byte_the_python_rendering(app, client, db, monkeypatch, query):
    # Python writes the answer from each word's values as SQLite writes them,
    # its schedule and next_due: the whole must be what jsonify writes of the
    # stored words and schedules.
    freeze_clock(monkeypatch, "2026-03-10T09:00:00Z")
    parts = json.dumps([{"kanji": AWKWARD_TEXT, "romaji": ["a"]}], ensure_ascii=False)
    awkward = db.execute("INSERT INTO words (kanji, kana, romaji, english, parts) VALUES (?, 'あ', 'a', ?, ?)",
                         (AWKWARD_TEXT, AWKWARD_TEXT, parts)).lastrowid
    db.execute("INSERT INTO word_groups (group_id, word_id) VALUES (1, ?)", (awkward,))
    db.commit()
    record_review_history(client, db)
    post_reviews(client, start_session(client, 1), [(awkward, False)])
    freeze_clock(monkeypatch, "2026-03-13T17:45:31Z")  # learning, review and relearning words are due

    render = due_queue_at(datetime.fromisoformat("2026-03-13T17:45:31Z"))
    for url in (f"/api/words/due{query}", f"/api/groups/1/words/due{query}"):
        served, rendered = rendered_both_ways(app, client, db, url, render)
        assert served == rendered, url
        if query == "?limit=100&new=100":
            queue = json.loads(served)["words"]
            assert {word["schedule"]["state"] for word in queue if word["schedule"]} == {"learning", "review",
                                                                                       "relearning"}
            assert any(word["schedule"] is None for word in queue)
            assert next(word for word in queue if word["id"] == awkward)["english"] == AWKWARD_TEXT
            assert_schedules_are_the_stored_ones(db, queue)


def leech_page_at(now):
    """A page of leeches as a scheduler of the test's own shows it at ``now``."""
    scheduler = SeededScheduler(desired_retention=DEFAULT_RETENTION)

    def render(db, answer):
        words = []
        for word in answer["words"]:
            stored = StoredSchedule._make(db.execute(SCHEDULE_ROW, (word["id"],)).fetchone())
            words.append({**dict(db.execute(WORD_ROW, (word["id"],)).fetchone()),
                          "schedule": scheduler.schedule_at(stored, now)})
        return {"words": words, "total_pages": answer["total_pages"], "current_page": answer["current_page"],
                "total_words": answer["total_words"]}
    return render


@pytest.mark.parametrize("query", ["?lapses=1", "?lapses=1&per_page=2&page=2", "?lapses=2&per_page=3",
                                   "?lapses=1&page=9", "?lapses=99"])
def test_leech_pages_are_byte_for_byte_the_python_rendering(app, client, db, monkeypatch, query):
    # Python writes the page from each word's values as SQLite writes them,
    # and its schedule: the whole must be what jsonify writes of the stored
    # words and schedules, and the total the schedules' own count.
    freeze_clock(monkeypatch, "2026-03-10T09:00:00Z")
    awkward = db.execute("INSERT INTO words (kanji, kana, romaji, english, parts) VALUES (?, 'あ', 'a', ?, '[]')",
                         (AWKWARD_TEXT, AWKWARD_TEXT)).lastrowid
    db.execute("INSERT INTO word_groups (group_id, word_id) VALUES (1, ?)", (awkward,))
    db.commit()
    words = [awkward, *group_word_ids(db, 1)[:6]]
    session_id = start_session(client, 1)
    for n, word_id in enumerate(words):  # forgotten 1, 2, 3, 1, 2, 3, 1 times after an easy answer each
        reviews = [{"word_id": word_id, "rating": rating} for _ in range(n % 3 + 1) for rating in ("easy", "again")]
        response = client.post(f"/api/study-sessions/{session_id}/review", json={"reviews": reviews})
        assert response.status_code == 201, response.get_json()
    freeze_clock(monkeypatch, "2026-03-13T17:45:31Z")

    served, rendered = rendered_both_ways(app, client, db, f"/api/words/leeches{query}",
                                          leech_page_at(datetime.fromisoformat("2026-03-13T17:45:31Z")))
    assert served == rendered
    lapses = int(query.split("lapses=")[1].split("&")[0])
    assert json.loads(served)["total_words"] == db.execute(
        "SELECT count(*) FROM word_schedules WHERE learner_id = 1 AND lapses >= ?", (lapses,)).fetchone()[0]
    if query == "?lapses=1":
        assert next(word for word in json.loads(served)["words"] if word["id"] == awkward)["english"] == AWKWARD_TEXT


STORED_SCHEDULE = ("SELECT state, due, stability, difficulty, reps, lapses FROM word_schedules"
                   " WHERE word_id = ?")
STATE_NAMES = {1: "learning", 2: "review", 3: "relearning"}


def assert_schedules_are_the_stored_ones(db, queue):
    """Each word of the queue carries its own schedule, as stored."""
    for word in queue:
        stored = db.execute(STORED_SCHEDULE, (word["id"],)).fetchone()
        if word["schedule"] is None:
            assert stored is None, word["id"]
            continue
        shown = word["schedule"]
        assert (STATE_NAMES[stored["state"]], *tuple(stored)[1:]) == (
            shown["state"], shown["due"], shown["stability"], shown["difficulty"], shown["reps"], shown["lapses"])


def test_a_due_word_deleted_outside_the_app_leaves_the_queue_and_no_one_its_schedule(client, db, monkeypatch):
    freeze_clock(monkeypatch, "2026-03-10T09:00:00Z")
    record_review_history(client, db)
    freeze_clock(monkeypatch, "2026-03-13T17:45:31Z")
    before = client.get("/api/words/due?limit=100&new=0").get_json()["words"]
    gone = before[0]["id"]
    db.execute("PRAGMA foreign_keys = OFF")  # as the sqlite3 shell has it: its schedule stays behind
    db.execute("DELETE FROM words WHERE id = ?", (gone,))
    db.commit()
    for path in ("/api/words/due?limit=100&new=0", "/api/groups/1/words/due?limit=100&new=0"):
        response = client.get(path)
        assert response.status_code == 200
        queue = response.get_json()["words"]
        assert gone not in [word["id"] for word in queue] and queue
        assert_schedules_are_the_stored_ones(db, queue)
