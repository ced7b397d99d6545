"""Every counter the triggers, the reviews and the removals of history keep
equals integrity.RECOUNTS' recount of what it counts, after each kind of
write a client can make; and that recount covers every counter there is.

The triggers (sql/migrations) count what is added, lib/store/history.py
recounts what is left after a removal, and lib/store/integrity.py recounts
everything its own way: this is where the three are held to one rule."""
import hashlib
import json
import sqlite3
from datetime import datetime, timedelta, timezone

from lib.core import clock
from lib.store import integrity
from tests.helpers import count, counters_that_differ_from_a_recount, freeze_clock, group_word_ids

# Every counter the database keeps, by table: each column a trigger writes...
COUNTED_BY_TRIGGERS = {
    "learner_words": ("correct_count", "wrong_count"),
    "groups": ("word_count",),
    "learner_groups": ("sessions_count", "last_session_at"),
    "learner_activities": ("sessions_count",),
    "study_sessions": ("review_items_count", "correct_count", "ended_at"),
    "study_days": ("sessions_count", "streak", "first_session_at", "last_session_at", "after_pause",
                   "sessions_before"),
    "learner_activity_days": ("sessions_count", "sessions_before"),
    "study_quarters": ("sessions_total", "review_items_total", "correct_total", "in_review_items_total",
                       "in_review_correct_total"),
    "learning_totals": ("words_count",),
    "learner_group_states": ("learning", "review", "mature"),
    "learner_lapses": ("words",),
    "learner_due_hours": ("words",),
    "learner_totals": ("words_studied", "words_mastered", "words_answered_right", "words_answered_wrong",
                       "sessions_count", "review_items_count", "correct_count"),
}
# ...and what each review keeps of its word's schedule that the history tells
# without the scheduler's arithmetic (lib/store/schedules.py).
COUNTED_BY_REVIEWS = {"word_schedules": ("reps", "first_reviewed_at")}
# Written by triggers, but counting nothing: drawn at random (migrations 0013, 0021, 0028).
NOT_COUNTERS = {("vocabulary_version", "version"), ("learner_versions", "version"),
                ("learner_versions", "settled_version")}


def columns(counters):
    return {(table, column) for table, names in counters.items() for column in names}


def columns_triggers_write(db):
    """{(table, column)} of every column some trigger updates, and every
    column outside the key of a table some trigger inserts into: what
    SQLite's authorizer is told while it compiles each write of each table
    and view (EXPLAIN compiles a statement, triggers too, and runs none)."""
    updated, inserted = set(), set()

    def note(action, table, column, _database, trigger):
        if trigger and action == sqlite3.SQLITE_UPDATE:
            updated.add((table, column))
        elif trigger and action == sqlite3.SQLITE_INSERT:
            inserted.add(table)
        return sqlite3.SQLITE_OK

    kinds = dict(db.execute("SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view')"
                            " AND name NOT LIKE 'sqlite_%'").fetchall())
    db.set_authorizer(note)
    try:
        for name, kind in kinds.items():
            db.execute(f"EXPLAIN INSERT INTO {name} DEFAULT VALUES")
            if kind == "table":
                db.execute(f"EXPLAIN DELETE FROM {name}")
                for (column,) in db.execute("SELECT name FROM pragma_table_info(?)", (name,)).fetchall():
                    db.execute(f"EXPLAIN UPDATE {name} SET {column} = {column}")
    finally:
        db.set_authorizer(None)
    return updated | {(table, column) for table in inserted if kinds[table] == "table"
                      for (column,) in db.execute("SELECT name FROM pragma_table_info(?) WHERE pk = 0", (table,))}


def test_every_column_a_trigger_writes_is_a_counter_named_here(db):
    assert columns_triggers_write(db) == columns(COUNTED_BY_TRIGGERS) | NOT_COUNTERS


def make_history(client, db, monkeypatch):
    """Sessions over three days, in three groups, by both activities, with
    batches and single reviews, some words reviewed often enough to be mastered."""
    start = datetime(2026, 3, 8, 23, 30, tzinfo=timezone.utc)
    for step, group_id in enumerate([1, 2, 3, 1, 2, 1]):
        monkeypatch.setattr(clock, "utcnow", lambda: start + timedelta(hours=9 * step))
        session_id = client.post("/api/study-sessions", json={
            "group_id": group_id, "study_activity_id": 1 + step % 2}).get_json()["id"]
        words = group_word_ids(db, group_id)[:4]
        reviews = [{"word_id": word, "is_correct": (n + step) % 5 != 0} for n, word in enumerate(words * 3)]
        assert client.post(f"/api/study-sessions/{session_id}/review", json={"reviews": reviews}).status_code == 201
        assert client.post(f"/api/study-sessions/{session_id}/words/{words[0]}/review",
                           json={"correct": step % 2 == 0}).status_code == 201


def test_the_recount_notices_any_counter_that_drifts(client, db, monkeypatch):
    make_history(client, db, monkeypatch)
    assert integrity.counter_problems(db) == []
    unnoticed = []
    for table, column in sorted(columns(COUNTED_BY_TRIGGERS) | columns(COUNTED_BY_REVIEWS)):
        db.execute("BEGIN IMMEDIATE")
        try:
            # one more for a count; a long-gone time for a time, or for none
            db.execute(f"UPDATE {table} SET {column} = CASE typeof({column}) WHEN 'integer' THEN {column} + 1"
                       f" ELSE '2000-01-01T00:00:00Z' END")
            if not integrity.counter_problems(db):
                unnoticed.append(f"{table}.{column}")
        finally:
            db.execute("ROLLBACK")
    assert unnoticed == [], "no recount in integrity.RECOUNTS checks these counters"


def ok(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def retried(client, path, status=201, **request):
    """POST the request twice with one Idempotency-Key: the same answer, stored once."""
    headers = {"Idempotency-Key": hashlib.sha256(f"{path} {request}".encode()).hexdigest()}
    first = ok(client.post(path, headers=headers, **request), status)
    assert ok(client.post(path, headers=headers, **request), status) == first
    return first


def session(client, group_id, activity_id):
    return ok(client.post("/api/study-sessions", json={"group_id": group_id, "study_activity_id": activity_id}),
              201)["id"]


def batch(client, session_id, *reviews):
    """Review items as (word_id, answer): True or False for is_correct, a
    rating's name, or (rating, is_correct) for both."""
    items = []
    for word_id, answer in reviews:
        if isinstance(answer, bool):
            items.append({"word_id": word_id, "is_correct": answer})
        elif isinstance(answer, str):
            items.append({"word_id": word_id, "rating": answer})
        else:
            items.append({"word_id": word_id, "rating": answer[0], "is_correct": answer[1]})
    return ok(client.post(f"/api/study-sessions/{session_id}/review", json={"reviews": items}), 201)


def single(client, session_id, word_id, **answer):
    return ok(client.post(f"/api/study-sessions/{session_id}/words/{word_id}/review", json=answer), 201)


def totals(db):
    return tuple(db.execute("SELECT words_studied, words_mastered, sessions_count, review_items_count,"
                            " correct_count FROM learner_totals WHERE learner_id = 1").fetchone())


def every_kind_of_write(client, db, monkeypatch):
    """Each kind of write the API takes, in groups, activities, days and
    quarter hours, with the clock set back now and then: yields after each
    what it was."""
    one, two, three = (group_word_ids(db, group_id)[:6] for group_id in (1, 2, 3))

    freeze_clock(monkeypatch, "2026-03-08T23:50:00Z")
    late = session(client, 1, 1)
    yield "a session started late in a day"
    freeze_clock(monkeypatch, "2026-03-08T23:52:00Z")
    batch(client, late, *[(one[0], True)] * 5, (one[1], "again"), (one[1], "hard"), (one[1], ("good", True)),
          (one[1], ("easy", True)), (one[2], False), (one[2], ("again", False)))
    yield "a batch reviewing a word five times, with ratings and answers"
    assert db.execute("SELECT words_mastered FROM learner_totals WHERE learner_id = 1").fetchone()[0] == 1
    freeze_clock(monkeypatch, "2026-03-09T00:05:00Z")
    single(client, late, one[0], correct=True)
    single(client, late, one[2], rating="hard")
    single(client, late, one[1], rating="again", correct=False)
    yield "single reviews, the next day"

    freeze_clock(monkeypatch, "2026-03-09T00:14:59Z")
    other = session(client, 2, 2)
    yield "a session in another group, by the other activity"
    assert ok(client.post("/api/groups/2/words", json={"word_ids": one[:4] + two[:1]}))["added"] == 4
    yield "words added to a group, one of them there already"
    freeze_clock(monkeypatch, "2026-03-09T00:15:00Z")
    batch(client, other, (one[3], True), (one[0], False), (two[0], "easy"), (two[1], "good"))
    freeze_clock(monkeypatch, "2026-03-09T00:40:00Z")
    single(client, other, one[0], correct=True)
    yield "reviews in the next quarter hours, a word now in two groups last"

    freeze_clock(monkeypatch, "2026-03-11T09:30:00Z")
    after_a_gap = session(client, 3, 1)
    batch(client, after_a_gap, (three[0], True), (three[1], False))
    yield "a session after a day without one"
    freeze_clock(monkeypatch, "2026-03-10T12:00:00Z")
    set_back = session(client, 3, 2)
    batch(client, set_back, (three[0], False), (three[2], True))
    single(client, after_a_gap, three[1], correct=True)
    yield "the clock set back a day: a session filling the gap, reviews before their session's start"
    single(client, late, one[3], rating="good")
    yield "a review days after its session started"

    unfit = client.post(f"/api/study-sessions/{late}/review",
                        json={"reviews": [{"word_id": one[0], "is_correct": True},
                                          {"word_id": three[3], "is_correct": True}]})
    assert unfit.status_code == 422
    yield "a batch refused for one word outside the group"

    freeze_clock(monkeypatch, "2026-03-10T12:20:00Z")
    retried_session = retried(client, "/api/study-sessions", json={"group_id": 1, "study_activity_id": 1})["id"]
    retried(client, f"/api/study-sessions/{retried_session}/review",
            json={"reviews": [{"word_id": one[4], "is_correct": True}, {"word_id": one[5], "rating": "again"}]})
    retried(client, f"/api/study-sessions/{retried_session}/words/{one[4]}/review", json={"correct": False})
    yield "a session, a batch and a single review each sent twice with one Idempotency-Key"

    sushi = retried(client, "/api/words", json={"kanji": "回転寿司", "kana": "かいてんずし",
                                                 "english": "conveyor-belt sushi", "group_ids": [1, 2]})["word"]["id"]
    yield "a word created in two groups, sent twice"
    single(client, retried_session, sushi, correct=True)
    ok(client.patch(f"/api/words/{sushi}", json={"english": "sushi on a belt", "group_ids": [2, 3]}))
    yield "a reviewed word's text edited and its groups changed"
    kitten = ok(client.post("/api/words", json={"kanji": "子猫", "kana": "こねこ", "english": "kitten"}), 201)
    ok(client.patch(f"/api/words/{kitten['word']['id']}", json={"group_ids": [3]}))
    ok(client.delete(f"/api/words/{kitten['word']['id']}"))
    yield "a word never reviewed created, put in a group and deleted"
    assert client.delete(f"/api/words/{one[0]}").status_code == 409
    yield "a reviewed word refused deletion without its history"
    assert ok(client.delete(f"/api/words/{one[0]}?with_history=true"))["deleted_reviews"] == 8
    yield "a mastered word deleted with its history, the last review of a session among it"

    group = retried(client, "/api/groups", json={"name": "Kitchen"})["id"]
    ok(client.patch(f"/api/groups/{group}", json={"name": "In the kitchen"}))
    ok(client.post(f"/api/groups/{group}/words", json={"word_ids": [sushi, one[1]]}))
    ok(client.delete(f"/api/groups/{group}/words/{one[1]}"))
    yield "a group created (sent twice), renamed, given words and one taken back"
    ok(client.delete(f"/api/groups/{group}"))
    yield "a group without sessions deleted, its words kept"
    assert client.delete("/api/groups/2").status_code == 409
    yield "a group with sessions refused deletion without its history"
    assert ok(client.delete("/api/groups/2?with_history=true"))["deleted_sessions"] == 1
    yield "a group deleted with its history: a whole day's sessions, words' first reviews among them"

    freeze_clock(monkeypatch, "2026-03-12T08:00:00Z")
    imported = retried(client, "/api/words/import?group=Animals", 200, content_type="application/json",
                       data=json.dumps([{"kanji": "子犬", "kana": "こいぬ", "english": "puppy"},
                                        {"kanji": "子猫", "kana": "こねこ", "english": "kitten"}]))
    yield "words imported into a new group, sent twice"
    animals = imported["groups"][0]["id"]
    csv = "kanji,kana,english\n子犬,こいぬ,little dog\n猫舌,ねこじた,sensitive to hot food\n"
    ok(client.post("/api/words/import?group=Animals&dry_run=true&on_duplicate=update", data=csv,
                   content_type="text/csv"))
    yield "an import's dry run"
    ok(client.post("/api/words/import?group=Pets&on_duplicate=update", data=csv, content_type="text/csv"))
    yield "an import updating a word and adding another, into a second new group"
    batch(client, session(client, animals, 1), *[(word_id, True) for word_id in imported["word_ids"]])
    yield "reviews of imported words"

    ok(client.post("/api/study-sessions/reset"))
    assert totals(db) == (0, 0, 0, 0, 0) and count(db, "study_days") == count(db, "study_quarters") == 0
    yield "the history reset"
    freeze_clock(monkeypatch, "2026-03-12T08:20:00Z")
    batch(client, session(client, 3, 2), (three[0], True))
    yield "a session after the history reset"
    ok(client.post("/api/full-reset"))
    assert totals(db) == (0, 0, 0, 0, 0) and count(db, "study_days") == count(db, "study_quarters") == 0
    yield "the full reset"
    single(client, session(client, 1, 1), group_word_ids(db, 1)[0], correct=True)
    yield "a session after the full reset"


def test_counters_hold_after_every_kind_of_write(client, db, db_path, monkeypatch):
    for step in every_kind_of_write(client, db, monkeypatch):
        assert counters_that_differ_from_a_recount(db_path) == [], f"after {step}"


def test_quarters_hold_when_the_clock_goes_back(client, db, monkeypatch):
    """Time moves on, except when a clock is set back: a session or answer
    stamped before the latest quarter counts in every later one too."""
    word = group_word_ids(db, 1)[0]
    for when in ["2026-03-10T12:05:00Z", "2026-03-10T09:59:59Z", "2026-03-10T12:14:59Z", "2026-03-09T23:00:00Z"]:
        freeze_clock(monkeypatch, when)
        session_id = client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()["id"]
        assert client.post(f"/api/study-sessions/{session_id}/words/{word}/review",
                           json={"correct": when < "2026-03-10T10"}).status_code == 201
    assert integrity.counter_problems(db) == []
    assert [tuple(row) for row in db.execute("SELECT quarter, sessions_total, review_items_total, correct_total"
                                             " FROM study_quarters ORDER BY quarter")] == [
        ("2026-03-09T23:00:00Z", 1, 1, 1), ("2026-03-10T09:45:00Z", 2, 2, 2), ("2026-03-10T12:00:00Z", 4, 4, 2)]


def test_history_after_a_reset_is_counted_from_zero(client, db, monkeypatch):
    make_history(client, db, monkeypatch)
    client.post("/api/study-sessions/reset")
    freeze_clock(monkeypatch, "2026-03-20T10:00:00Z")
    session_id = client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()["id"]
    word = group_word_ids(db, 1)[0]
    client.post(f"/api/study-sessions/{session_id}/words/{word}/review", json={"correct": True})
    assert integrity.counter_problems(db) == []
    stats = client.get("/api/dashboard/stats").get_json()
    assert (stats["total_sessions"], stats["total_words_studied"], stats["current_streak"]) == (1, 1, 1)


def test_a_days_first_and_last_session_are_recounted_when_sessions_go(client, db, monkeypatch):
    """The sessions of a group removed with their history: each day keeps
    the first and the last of the sessions left to it."""
    for when, group in [("2026-03-10T01:00:00Z", 2), ("2026-03-10T12:00:00Z", 1), ("2026-03-10T23:00:00Z", 2),
                        ("2026-03-11T05:00:00Z", 2)]:
        freeze_clock(monkeypatch, when)
        assert client.post("/api/study-sessions", json={"group_id": group, "study_activity_id": 1}).status_code == 201
    assert client.delete("/api/groups/2?with_history=true").status_code == 200
    assert integrity.counter_problems(db) == []
    assert [tuple(row) for row in db.execute("SELECT day, sessions_count, first_session_at, last_session_at"
                                             " FROM study_days ORDER BY day")] == [
        ("2026-03-10", 1, "2026-03-10T12:00:00Z", "2026-03-10T12:00:00Z")]


def test_a_day_after_sessions_went_knows_its_pause_and_the_sessions_before_it(client, db, monkeypatch):
    """Removing a day's sessions joins the days around it into one pause of
    a day or more (46 hours here), and takes them from the later days'
    count of sessions before them."""
    for when, group in [("2026-03-01T12:00:00Z", 1), ("2026-03-02T11:00:00Z", 2), ("2026-03-02T13:00:00Z", 2),
                        ("2026-03-03T10:00:00Z", 1)]:
        freeze_clock(monkeypatch, when)
        assert client.post("/api/study-sessions", json={"group_id": group, "study_activity_id": 1}).status_code == 201
    days = "SELECT day, after_pause, sessions_before FROM study_days ORDER BY day"
    assert [tuple(row) for row in db.execute(days)] == [("2026-03-01", 1, 0), ("2026-03-02", 0, 1),
                                                        ("2026-03-03", 0, 3)]
    assert client.delete("/api/groups/2?with_history=true").status_code == 200
    assert integrity.counter_problems(db) == []
    assert [tuple(row) for row in db.execute(days)] == [("2026-03-01", 1, 0), ("2026-03-03", 1, 1)]
