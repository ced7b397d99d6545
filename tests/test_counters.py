"""Every counter the triggers and the resets keep equals a recount of what it
counts, after any sequence of writes a client can make."""
from datetime import datetime, timedelta, timezone

import pytest

from lib.core import clock
from tests.helpers import count, counters_that_differ_from_a_recount, freeze_clock


def group_words(db, group_id):
    return [row[0] for row in db.execute("SELECT word_id FROM word_groups WHERE group_id = ?", (group_id,))]


def make_history(client, db, monkeypatch):
    """Sessions over three days, in three groups, by both activities, with
    batches and single reviews, some words reviewed often enough to be mastered."""
    start = datetime(2026, 3, 8, 23, 30, tzinfo=timezone.utc)
    for step, group_id in enumerate([1, 2, 3, 1, 2, 1]):
        monkeypatch.setattr(clock, "utcnow", lambda: start + timedelta(hours=9 * step))
        session_id = client.post("/api/study-sessions", json={
            "group_id": group_id, "study_activity_id": 1 + step % 2}).get_json()["id"]
        words = group_words(db, group_id)[:4]
        reviews = [{"word_id": word, "is_correct": (n + step) % 5 != 0} for n, word in enumerate(words * 3)]
        assert client.post(f"/api/study-sessions/{session_id}/review", json={"reviews": reviews}).status_code == 201
        assert client.post(f"/api/study-sessions/{session_id}/words/{words[0]}/review",
                           json={"correct": step % 2 == 0}).status_code == 201


def test_counters_hold_after_a_varied_history(client, db, db_path, monkeypatch):
    make_history(client, db, monkeypatch)
    assert count(db, "word_review_items") == 6 * 13
    assert counters_that_differ_from_a_recount(db_path) == []
    assert db.execute("SELECT words_mastered FROM learning_totals").fetchone()[0] > 0


def test_the_recount_notices_a_counter_that_drifted(client, db, db_path, monkeypatch):
    make_history(client, db, monkeypatch)
    db.execute("UPDATE groups SET sessions_count = sessions_count + 1 WHERE id = 2")
    assert [name for name, _ in counters_that_differ_from_a_recount(db_path)] == [
        "groups.word_count/sessions_count/last_session_at"]


def test_the_recount_notices_a_quarter_that_drifted(client, db, db_path, monkeypatch):
    make_history(client, db, monkeypatch)
    db.execute("UPDATE study_quarters SET correct_total = correct_total - 1"
               " WHERE quarter = (SELECT max(quarter) FROM study_quarters)")
    assert [name for name, _ in counters_that_differ_from_a_recount(db_path)] == ["study_quarters"]


def test_quarters_hold_when_the_clock_goes_back(client, db, db_path, monkeypatch):
    """Time moves on, except when a clock is set back: a session or answer
    stamped before the latest quarter counts in every later one too."""
    word = group_words(db, 1)[0]
    for when in ["2026-03-10T12:05:00Z", "2026-03-10T09:59:59Z", "2026-03-10T12:14:59Z", "2026-03-09T23:00:00Z"]:
        freeze_clock(monkeypatch, when)
        session_id = client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()["id"]
        assert client.post(f"/api/study-sessions/{session_id}/words/{word}/review",
                           json={"correct": when < "2026-03-10T10"}).status_code == 201
    assert counters_that_differ_from_a_recount(db_path) == []
    assert [tuple(row) for row in db.execute("SELECT * FROM study_quarters ORDER BY quarter")] == [
        ("2026-03-09T23:00:00Z", 1, 1, 1), ("2026-03-10T09:45:00Z", 2, 2, 2), ("2026-03-10T12:00:00Z", 4, 4, 2)]


@pytest.mark.parametrize("path", ["/api/study-sessions/reset", "/api/full-reset"])
def test_counters_hold_after_a_reset(client, db, db_path, monkeypatch, path):
    make_history(client, db, monkeypatch)
    assert client.post(path).status_code == 200
    assert counters_that_differ_from_a_recount(db_path) == []
    totals = db.execute("SELECT words_studied, words_mastered, sessions_count, review_items_count, correct_count"
                        " FROM learning_totals").fetchone()
    assert tuple(totals) == (0, 0, 0, 0, 0)
    assert count(db, "study_days") == 0
    assert count(db, "study_quarters") == 0


def test_history_after_a_reset_is_counted_from_zero(client, db, db_path, monkeypatch):
    make_history(client, db, monkeypatch)
    client.post("/api/study-sessions/reset")
    freeze_clock(monkeypatch, "2026-03-20T10:00:00Z")
    session_id = client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()["id"]
    word = group_words(db, 1)[0]
    client.post(f"/api/study-sessions/{session_id}/words/{word}/review", json={"correct": True})
    assert counters_that_differ_from_a_recount(db_path) == []
    stats = client.get("/api/dashboard/stats").get_json()
    assert (stats["total_sessions"], stats["total_words_studied"], stats["current_streak"]) == (1, 1, 1)

