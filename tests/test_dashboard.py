"""Dashboard: the newest session and the learning figures, as the contract defines them."""
import pytest

from lib.store.integrity import counter_problems

from tests.helpers import (
    assert_fields, count, freeze_clock, get_ok, group_word_ids, integer, number, post_reviews, spellings,
    start_session, text, timestamp,
)

RECENT_SESSION = {"id": integer, "group_id": integer, "activity_name": text, "created_at": timestamp,
                  "correct_count": integer, "wrong_count": integer}
STATS = {"total_vocabulary": integer, "total_words_studied": integer, "mastered_words": integer,
         "success_rate": number, "total_sessions": integer, "active_groups": integer,
         "current_streak": integer}
NOW = "2026-03-10T23:59:59Z"


def stats(client):
    body = get_ok(client, "/api/dashboard/stats")
    assert_fields(body, STATS)
    return body


def sessions_at(client, monkeypatch, times, group_id=1):
    for when in times:
        freeze_clock(monkeypatch, when)
        start_session(client, group_id)


def review_words(client, session_id, words, correct, wrong):
    """``correct`` right and ``wrong`` wrong answers for each of ``words``."""
    post_reviews(client, session_id, [(word_id, True) for word_id in words for _ in range(correct)]
                 + [(word_id, False) for word_id in words for _ in range(wrong)])


# --- empty history --------------------------------------------------------------

@pytest.mark.parametrize("path", spellings("/api/dashboard/recent-session"))
def test_recent_session_is_json_null_without_history(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.is_json
    assert response.data.strip() == b"null"


@pytest.mark.parametrize("path", spellings("/api/dashboard/stats"))
def test_stats_are_zero_without_history(client, db, path):
    body = get_ok(client, path)
    assert_fields(body, STATS)
    assert body == {"total_vocabulary": count(db, "words"), "total_words_studied": 0, "mastered_words": 0,
                    "success_rate": 0, "total_sessions": 0, "active_groups": 0, "current_streak": 0}


# --- after study ----------------------------------------------------------------

@pytest.mark.parametrize("path", spellings("/api/dashboard/recent-session"))
def test_recent_session_is_the_newest_with_its_results(client, db, monkeypatch, path):
    words = group_word_ids(db, 3)
    sessions_at(client, monkeypatch, ["2026-03-10T08:00:00Z"], group_id=1)
    freeze_clock(monkeypatch, "2026-03-10T09:00:00Z")
    newest = start_session(client, 3, activity_id=2)
    review_words(client, newest, words[:3], correct=1, wrong=0)
    review_words(client, newest, words[3:5], correct=0, wrong=1)
    body = get_ok(client, path)
    assert_fields(body, RECENT_SESSION)
    assert body == {"id": newest, "group_id": 3, "activity_name": "Flashcards",
                    "created_at": "2026-03-10T09:00:00Z", "correct_count": 3, "wrong_count": 2}


def test_stats_follow_the_review_history(client, db, monkeypatch):
    freeze_clock(monkeypatch, NOW)
    words = group_word_ids(db, 1)
    first, second = start_session(client, 1), start_session(client, 1)
    # Reviews of one word add up across sessions.
    review_words(client, first, words[0:1], correct=2, wrong=1)
    review_words(client, second, words[0:1], correct=2, wrong=0)   # 5 reviews, 80 %: mastered
    review_words(client, first, words[1:2], correct=4, wrong=0)    # 4 reviews: too few
    review_words(client, first, words[2:3], correct=3, wrong=2)    # 60 %: too low
    review_words(client, second, words[3:4], correct=8, wrong=2)   # 10 reviews, 80 %: mastered
    review_words(client, second, words[4:5], correct=0, wrong=1)
    assert stats(client) == {
        "total_vocabulary": count(db, "words"), "total_words_studied": 5, "mastered_words": 2,
        "success_rate": 19 / 25, "total_sessions": 2, "active_groups": 1, "current_streak": 1,
    }


def test_mastery_is_lost_when_the_rate_drops_below_80_percent(client, db):
    word = group_word_ids(db, 1)[0]
    session_id = start_session(client, 1)
    review_words(client, session_id, [word], correct=4, wrong=1)
    assert stats(client)["mastered_words"] == 1
    review_words(client, session_id, [word], correct=0, wrong=1)
    assert stats(client)["mastered_words"] == 0


def test_active_groups_are_those_with_a_session_in_the_last_30_days(client, monkeypatch):
    sessions_at(client, monkeypatch, ["2026-02-09T12:00:00Z"], group_id=1)  # 29.5 days before NOW
    sessions_at(client, monkeypatch, ["2026-02-07T12:00:00Z", "2026-03-10T12:00:00Z"], group_id=2)
    sessions_at(client, monkeypatch, ["2026-02-07T12:00:00Z"], group_id=3)  # 31.5 days before NOW
    freeze_clock(monkeypatch, NOW)
    assert stats(client)["active_groups"] == 2
    freeze_clock(monkeypatch, "2026-04-20T00:00:00Z")
    assert stats(client)["active_groups"] == 0


@pytest.mark.parametrize("session_times, now, streak", [
    (["2026-03-08T10:00:00Z", "2026-03-09T10:00:00Z", "2026-03-10T10:00:00Z"], NOW, 3),
    # days filled in out of order (a clock set back) join the run that follows them
    (["2026-03-10T10:00:00Z", "2026-03-08T10:00:00Z", "2026-03-06T10:00:00Z", "2026-03-09T10:00:00Z",
      "2026-03-07T10:00:00Z"], NOW, 5),
    (["2026-03-10T10:00:00Z", "2026-03-09T10:00:00Z", "2026-03-05T10:00:00Z", "2026-03-08T10:00:00Z"], NOW, 3),
    (["2026-03-08T10:00:00Z", "2026-03-09T10:00:00Z"], NOW, 2),  # ending yesterday counts
    (["2026-03-06T10:00:00Z", "2026-03-08T10:00:00Z", "2026-03-09T10:00:00Z"], NOW, 2),  # a gap breaks it
    (["2026-03-08T10:00:00Z", "2026-03-10T10:00:00Z"], NOW, 1),
    (["2026-03-10T01:00:00Z", "2026-03-10T02:00:00Z", "2026-03-10T03:00:00Z"], NOW, 1),  # days, not sessions
    (["2026-03-08T23:59:59Z"], NOW, 0),  # the last session two days ago
    (["2026-03-10T23:59:59Z", "2026-03-11T00:00:01Z"], "2026-03-11T00:00:01Z", 2),  # across UTC midnight
    (["2026-03-10T23:59:59Z"], "2026-03-11T00:00:01Z", 1),  # yesterday, a second ago
    (["2026-03-10T23:59:59Z"], "2026-03-12T00:00:00Z", 0),
])
def test_current_streak_counts_utc_days_ending_today_or_yesterday(client, db, monkeypatch, session_times, now,
                                                                   streak):
    sessions_at(client, monkeypatch, session_times)
    freeze_clock(monkeypatch, now)
    assert stats(client)["current_streak"] == streak
    assert counter_problems(db) == []


def test_each_study_day_holds_the_streak_that_ends_with_it(client, db, monkeypatch):
    sessions_at(client, monkeypatch, ["2026-03-03T10:00:00Z", "2026-03-01T10:00:00Z", "2026-03-04T10:00:00Z",
                                      "2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z", "2026-03-06T10:00:00Z"])
    assert [tuple(row) for row in db.execute("SELECT day, streak FROM study_days ORDER BY day")] == [
        ("2026-03-01", 1), ("2026-03-02", 2), ("2026-03-03", 3), ("2026-03-04", 4), ("2026-03-06", 1)]
    db.execute("UPDATE study_days SET streak = 2 WHERE day = '2026-03-06'")  # a drifted streak is noticed
    assert [name for name, _ in counter_problems(db)] == ["study_days.streak"]


def test_reset_history_empties_the_dashboard(client, db, monkeypatch):
    freeze_clock(monkeypatch, NOW)
    session_id = start_session(client, 1)
    review_words(client, session_id, group_word_ids(db, 1)[:1], correct=5, wrong=0)
    assert client.post("/api/study-sessions/reset").status_code == 200
    assert get_ok(client, "/api/dashboard/recent-session") is None
    assert stats(client) == {"total_vocabulary": count(db, "words"), "total_words_studied": 0,
                             "mastered_words": 0, "success_rate": 0, "total_sessions": 0,
                             "active_groups": 0, "current_streak": 0}
