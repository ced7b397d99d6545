"""The history and the retention keep, per worker, what they read of the
learner's history before their latest quarter (running totals, the runs of
days before the days shown), under the version of their settled quarters
(migration 0028). Whatever changes a settled quarter
draws a new version: after each kind of change, the answers of an app that
has kept totals are those of an app that keeps nothing yet. (The totals
themselves edited by hand are, as every counter, for the recount to find.)"""
import sqlite3
import threading

import pytest

from app import create_app
from lib.web.database import close_all
from routes import dashboard
from routes.dashboard import IN_REVIEW_TOTALS_AT, STUDY_TOTALS_AT
from tests.helpers import add_learner, bearer, freeze_clock, start_session, study

NOW = "2026-03-20T12:00:00Z"
# Histories whose days shown hold every study day, or leave some before them
# (whose runs are kept), and retention
PATHS = ("/api/dashboard/history?days=30", "/api/dashboard/history?days=30&tz=America/New_York",
         "/api/dashboard/history?tz=Asia/Kathmandu", "/api/dashboard/history?days=2&tz=Pacific/Kiritimati",
         "/api/dashboard/history?days=4&tz=America/Los_Angeles", "/api/dashboard/history?days=1",
         "/api/dashboard/retention?weeks=4", "/api/dashboard/retention?weeks=2&tz=Pacific/Auckland")


def answers(client, headers=None, paths=PATHS):
    return {path: client.get(path, headers=headers).get_json() for path in paths}


def answers_of_a_new_app(db_path, headers=None, paths=PATHS):
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "INIT_DATABASE": False})
    try:
        return answers(app.test_client(), headers, paths)
    finally:
        close_all(app)


@pytest.fixture
def studied(client, db, monkeypatch):
    """Sessions on four past days; now, a day after the last of them."""
    for day in ("2026-03-09T22:50:00Z", "2026-03-15T08:00:00Z", "2026-03-18T23:40:00Z", "2026-03-19T10:05:00Z"):
        freeze_clock(monkeypatch, day)
        study(client, db, group_id=1 + len(day) % 3)
        study(client, db, group_id=2)
    freeze_clock(monkeypatch, NOW)


def assert_kept_answers_follow(client, db_path, before, headers=None):
    """The answers now are a new app's, and some differ from ``before``."""
    now = answers(client, headers)
    assert now == answers_of_a_new_app(db_path, headers)
    assert now != before
    return now


def by_hand(db_path, *statements):
    """Statements run as the sqlite3 shell would: another connection, no app."""
    conn = sqlite3.connect(db_path)
    for sql, params in statements:
        conn.execute(sql, params)
    conn.commit()
    conn.close()


def test_kept_totals_follow_each_kind_of_change(client, app, db, db_path, monkeypatch, studied):
    before = answers(client)
    assert before == answers_of_a_new_app(db_path)
    kept = app.extensions["kept_settled"].values
    assert {key[-1] for key, values in kept.items() if values} == {"runs", STUDY_TOTALS_AT, IN_REVIEW_TOTALS_AT}, \
        "not all was kept: the rest of this test would prove less"
    # a session now: the latest quarter, or a later one
    study(client, db, group_id=3)
    before = assert_kept_answers_follow(client, db_path, before)
    # the clock set back: a session in a settled quarter; a session and reviews before every quarter but one
    freeze_clock(monkeypatch, "2026-03-15T08:05:00Z")
    start_session(client, 1)
    freeze_clock(monkeypatch, NOW)
    before = assert_kept_answers_follow(client, db_path, before)
    freeze_clock(monkeypatch, "2026-03-12T06:00:00Z")
    study(client, db, group_id=1)
    freeze_clock(monkeypatch, NOW)
    before = assert_kept_answers_follow(client, db_path, before)
    # history removed: a group's sessions with it
    assert client.delete("/api/groups/2?with_history=true").status_code == 200
    before = assert_kept_answers_follow(client, db_path, before)
    # SQL by hand: a review stamped on a settled day, in a session of that day
    by_hand(db_path, ("INSERT INTO word_review_items (learner_id, word_id, study_session_id, correct, rating,"
                      " created_at, state_before) SELECT learner_id, 1, id, 1, 3, '2026-03-15T08:03:00Z', 2"
                      " FROM study_sessions WHERE created_at >= '2026-03-15T08:00:00Z' ORDER BY id LIMIT 1", ()))
    before = assert_kept_answers_follow(client, db_path, before)
    # ...and the settled quarters themselves: one moved, one removed, one added before the others
    by_hand(db_path, ("UPDATE study_quarters SET quarter = '2026-03-14T08:00:00Z'"
                      " WHERE learner_id = 1 AND quarter = '2026-03-15T08:00:00Z'", ()))
    before = assert_kept_answers_follow(client, db_path, before)
    by_hand(db_path, ("DELETE FROM study_quarters WHERE learner_id = 1 AND quarter ="
                      " (SELECT max(quarter) FROM study_quarters WHERE learner_id = 1 AND quarter < '2026-03-19')",
                      ()))
    before = assert_kept_answers_follow(client, db_path, before)
    by_hand(db_path, ("INSERT INTO study_quarters VALUES (1, '2026-03-01T00:00:00Z', 5, 9, 4, 9, 4)", ()))
    before = assert_kept_answers_follow(client, db_path, before)
    # the learner's whole history reset
    assert client.post("/api/study-sessions/reset").status_code == 200
    assert_kept_answers_follow(client, db_path, before)


def test_a_learner_given_a_removed_learners_id_sees_none_of_their_totals(client, app, db, db_path, monkeypatch,
                                                                        studied):
    learner_id, token = add_learner(client, "Ren")
    freeze_clock(monkeypatch, "2026-03-18T09:00:00Z")
    study(client, db, token=token)
    freeze_clock(monkeypatch, NOW)
    study(client, db, token=token)
    before = answers(client, bearer(token))
    assert client.delete(f"/api/learners/{learner_id}").status_code == 200
    again, token = add_learner(client, "Aoi")
    assert again == learner_id  # SQLite gives the highest id again
    assert_kept_answers_follow(client, db_path, before, bearer(token))


def test_the_runs_before_the_days_shown_are_kept_only_once_their_days_are_settled(client, app, db, db_path,
                                                                                 monkeypatch, studied):
    # the last session on 19 March; three days later, the history of one day
    freeze_clock(monkeypatch, "2026-03-23T12:00:00Z")
    before = answers(client)
    # the clock set back: a session after the latest quarter, on a day before the one shown
    freeze_clock(monkeypatch, "2026-03-20T09:00:00Z")
    study(client, db, group_id=1)
    freeze_clock(monkeypatch, "2026-03-23T12:00:00Z")
    after = assert_kept_answers_follow(client, db_path, before)
    assert (before["/api/dashboard/history?days=1"]["longest_streak"],
            after["/api/dashboard/history?days=1"]["longest_streak"]) == (2, 3)


# (now, a history, the sessions another request adds while the first reads):
# one in the latest quarter (10:00 on 19 March) and one after it, which
# settle a day shown; or, days later, sessions after the latest quarter
# that settle a day before the one shown, changing its runs.
WHILE_READING = [
    (NOW, "/api/dashboard/history?days=2", ["2026-03-19T10:10:00Z", NOW]),
    ("2026-03-23T12:00:00Z", "/api/dashboard/history?days=1", ["2026-03-22T09:00:00Z", "2026-03-23T12:00:00Z"]),
]


@pytest.mark.parametrize("now, path, added_at", WHILE_READING)
def test_a_read_begun_before_another_answers_as_of_what_it_read(client, app, db_path, monkeypatch, studied, now,
                                                               path, added_at):
    """Two requests of one learner at once: the one that began to read first
    answers as of its own reading, though the other, reading after sessions
    that do not move the settled version, kept what it cannot see."""
    freeze_clock(monkeypatch, now)
    before = client.get(path).get_json()
    paused, resume, older = threading.Event(), threading.Event(), {}
    study_per_day = dashboard.study_per_day

    def study_per_day_once_paused(*args):
        if threading.current_thread().name == "older":  # its snapshot taken: the settled quarters read
            paused.set()
            resume.wait(10)
        return study_per_day(*args)

    monkeypatch.setattr(dashboard, "study_per_day", study_per_day_once_paused)
    thread = threading.Thread(target=lambda: older.update(answer=app.test_client().get(path).get_json()),
                              name="older")
    thread.start()
    assert paused.wait(10)
    for moment in added_at:
        freeze_clock(monkeypatch, moment)
        start_session(client, 1)
    freeze_clock(monkeypatch, now)
    newer = client.get(path).get_json()
    resume.set()
    thread.join(10)
    assert older["answer"] == before
    assert newer != before and newer == answers_of_a_new_app(db_path, paths=[path])[path]
