"""Spaced repetition: every review moves its word's FSRS schedule on, in the
review's own transaction; the due queues, leeches and a replayed history."""
import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import fsrs
import pytest

from lib.store import migrations
from app import create_app
from lib.core import clock
from lib.core import scheduler as scheduling
from lib.store import schedules
from lib.core.settings import StartupError
from lib.store.connection import immediate
from tests.helpers import (assert_error, assert_one_line_error, count, freeze_clock, group_word_ids, rows, rows_in,
                           run_flask, start_session)

START = "2026-03-10T09:00:00Z"


def at(when):
    return datetime.fromisoformat(when.replace("Z", "+00:00"))


def review(client, session_id, items, **headers):
    """Post one batch: items are (word_id, answer) with answer a rating name or a bool."""
    response = client.post(f"/api/study-sessions/{session_id}/review", headers=headers, json={"reviews": [
        {"word_id": word_id, **({"rating": answer} if isinstance(answer, str) else {"is_correct": answer})}
        for word_id, answer in items]})
    assert response.status_code == 201, response.get_json()
    return response


def schedule_rows(db, word_ids=None):
    sql = "SELECT * FROM word_schedules" + (
        f" WHERE word_id IN ({','.join('?' * len(word_ids))})" if word_ids else "") + " ORDER BY word_id"
    return rows(db, sql, word_ids or ())


def stored_schedule(row):
    """A schedule row of word_schedules as the scheduler reads it."""
    return scheduling.StoredSchedule(**{field: row[field] for field in scheduling.StoredSchedule._fields})


def schedule_of(client, word_id):
    return client.get(f"/api/words/{word_id}").get_json()["word"]["schedule"]


@pytest.fixture
def words(db):
    return group_word_ids(db, 1)


@pytest.fixture
def session(client, monkeypatch):
    freeze_clock(monkeypatch, START)
    return start_session(client, 1)


# --- one word, reviewed over weeks ------------------------------------------------

def test_a_schedule_is_what_fsrs_computes_for_the_same_ratings_and_times(client, db, monkeypatch, session, words):
    word = words[0]
    answers = [(START, True), ("2026-03-10T09:02:00Z", "hard"), ("2026-03-10T09:20:00Z", True),
               ("2026-03-14T08:00:00Z", "easy"), ("2026-04-20T19:30:00Z", False),
               ("2026-04-20T19:45:00Z", "good")]
    expected, card = [], fsrs.Card(card_id=word)
    plain = fsrs.Scheduler()
    for when, answer in answers:
        freeze_clock(monkeypatch, when)
        rating = scheduling.RATINGS[answer] if isinstance(answer, str) else (
            fsrs.Rating.Good if answer else fsrs.Rating.Again)
        if len(expected) % 2:
            review(client, session, [(word, answer)])
        else:  # the single-review route, too
            body = {"rating": answer} if isinstance(answer, str) else {"correct": answer}
            assert client.post(f"/api/study-sessions/{session}/words/{word}/review", json=body).status_code == 201
        card, _ = plain.review_card(card, rating, at(when))
        expected.append(card)
        stored = schedule_rows(db, [word])[0]
        assert (stored["state"], stored["step"], stored["stability"], stored["difficulty"],
                stored["last_review"]) == (card.state.value, card.step, card.stability, card.difficulty,
                                           clock.iso(card.last_review))
        if card.state != fsrs.State.Review:  # fuzz only moves review-state dates
            assert stored["due"] == clock.iso(card.due)
        else:
            unfuzzed = fsrs.Scheduler(enable_fuzzing=False).review_card(
                expected[-2] if len(expected) > 1 else fsrs.Card(card_id=word), rating, at(when))[0].due
            assert abs(at(stored["due"]) - unfuzzed) <= timedelta(days=max(2, (unfuzzed - at(when)).days // 4))
    # the again at 19:30 came in the review state: one lapse
    view = schedule_of(client, word)
    assert (view["state"], view["reps"], view["lapses"]) == ("review", 6, 1)
    assert view["stability"] == expected[-1].stability and view["difficulty"] == expected[-1].difficulty


def test_a_new_word_has_no_schedule_and_a_reviewed_one_says_its_state(client, monkeypatch, session, words):
    assert schedule_of(client, words[0]) is None
    review(client, session, [(words[0], False)])
    schedule = schedule_of(client, words[0])
    assert schedule["state"] == "learning" and schedule["due"] == "2026-03-10T09:01:00Z"
    assert (schedule["reps"], schedule["lapses"]) == (1, 0)
    freeze_clock(monkeypatch, "2026-03-20T09:00:00Z")
    assert 0 < schedule_of(client, words[0])["retrievability"] < 1


def test_a_words_retrievability_is_what_fsrs_computes_now(client, db, monkeypatch, session, words):
    review(client, session, [(words[0], "good"), (words[0], "good")])
    card = scheduling.card_from(stored_schedule(schedule_rows(db, [words[0]])[0]))
    for moment in ("2026-03-12T08:59:59Z", "2026-03-12T09:00:00Z", "2026-05-01T17:30:00Z"):
        freeze_clock(monkeypatch, moment)
        assert schedule_of(client, words[0])["retrievability"] == fsrs.Scheduler().get_card_retrievability(
            card, at(moment)), moment


def test_a_batch_reviewing_a_word_twice_applies_both_in_order(client, db, session, words):
    review(client, session, [(words[0], "easy"), (words[0], "again"), (words[1], "again"), (words[1], "easy")])
    first, second = schedule_rows(db, words[:2])
    assert (first["state"], first["reps"], first["lapses"]) == (fsrs.State.Relearning.value, 2, 1)
    assert (second["state"], second["reps"], second["lapses"]) == (fsrs.State.Review.value, 2, 0)


# --- ratings and answers --------------------------------------------------------------

@pytest.mark.parametrize("rating, correct", [("again", 0), ("hard", 1), ("good", 1), ("easy", 1)])
def test_a_rating_alone_is_the_answer_and_is_stored(client, db, session, words, rating, correct):
    review(client, session, [(words[0], rating)])
    response = client.post(f"/api/study-sessions/{session}/words/{words[1]}/review", json={"rating": rating})
    assert response.status_code == 201 and response.get_json()["correct"] is bool(correct)
    stored = rows(db, "SELECT word_id, correct, rating FROM word_review_items ORDER BY id")
    value = scheduling.RATINGS[rating].value
    assert stored == [{"word_id": words[0], "correct": correct, "rating": value},
                      {"word_id": words[1], "correct": correct, "rating": value}]


def test_an_answer_alone_is_stored_as_good_or_again(client, db, session, words):
    review(client, session, [(words[0], True), (words[1], False)])
    assert [row["rating"] for row in rows(db, "SELECT rating FROM word_review_items ORDER BY id")] == [3, 1]


@pytest.mark.parametrize("item", [{"rating": "again", "is_correct": True}, {"rating": "easy", "correct": False},
                                  {"rating": "good", "is_correct": False, "correct": False}])
def test_a_rating_that_contradicts_the_answer_is_a_400_naming_the_item(client, db, session, words, item):
    response = client.post(f"/api/study-sessions/{session}/review", json={"reviews": [
        {"word_id": words[0], "is_correct": True}, {"word_id": words[1], **item}]})
    assert_error(response, 400, "reviews[1]", "rating", "contradicts")
    single = client.post(f"/api/study-sessions/{session}/words/{words[1]}/review", json=item)
    assert_error(single, 400, "rating", "contradicts")
    assert count(db, "word_review_items") == 0 and count(db, "word_schedules") == 0


@pytest.mark.parametrize("rating", ["Good", "perfect", 3, None, True, ""])
def test_an_unknown_rating_is_a_400_saying_what_is_allowed(client, db, session, words, rating):
    response = client.post(f"/api/study-sessions/{session}/review",
                           json={"reviews": [{"word_id": words[0], "rating": rating}]})
    assert_error(response, 400, "reviews[0].rating", "again, hard, good, easy")
    assert count(db, "word_review_items") == 0


# --- idempotency, concurrency, resets ---------------------------------------------

def test_a_replayed_request_schedules_nothing_twice(client, session, words):
    key = {"Idempotency-Key": "once-only"}
    for _ in range(2):
        review(client, session, [(words[0], "good")], **key)
        client.post(f"/api/study-sessions/{session}/words/{words[1]}/review", json={"correct": True},
                    headers={"Idempotency-Key": "single-once"})
    assert schedule_of(client, words[0])["reps"] == schedule_of(client, words[1])["reps"] == 1


def test_two_clients_reviewing_one_word_at_once_lose_neither_review(app, db, session, words):
    threads, statuses = 4, []

    def reviewer(n):
        client = app.test_client()
        for step in range(5):
            response = client.post(f"/api/study-sessions/{session}/review", json={"reviews": [
                {"word_id": words[0], "rating": ("good", "again", "hard")[(n + step) % 3]}]})
            statuses.append(response.status_code)

    workers = [threading.Thread(target=reviewer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert statuses == [201] * threads * 5
    live = schedule_rows(db, [words[0]])
    assert live[0]["reps"] == threads * 5
    with immediate(db):
        schedules.replay(db, scheduling.scheduler_from_environment(), 1, [words[0]])
    assert schedule_rows(db, [words[0]]) == live


@pytest.mark.parametrize("path", ["/api/study-sessions/reset", "/api/full-reset"])
def test_both_resets_clear_the_schedules(client, db, session, words, path):
    review(client, session, [(words[0], "good"), (words[1], "again")])
    assert count(db, "word_schedules") == 2
    assert client.post(path).status_code == 200
    assert count(db, "word_schedules") == 0


# --- a history replayed ---------------------------------------------------------------

def record_a_varied_history(client, monkeypatch, words):
    """Reviews of a dozen words over two months, with every rating, sessions
    repeated and several reviews in one second."""
    moment = at(START)
    for day in range(0, 60, 3):
        moment += timedelta(days=3, minutes=17 * day)
        freeze_clock(monkeypatch, clock.iso(moment))
        session_id = start_session(client, 1)
        items = [(word, ("again", "hard", "good", "easy", True, False)[(word + day) % 6])
                 for word in words[:12] if (word * 7 + day) % 4]
        review(client, session_id, items + items[:3])


def test_replaying_a_history_gives_the_schedules_reviewing_it_live_gave(client, db, runner, monkeypatch, words):
    record_a_varied_history(client, monkeypatch, words)
    live = schedule_rows(db)
    assert len(live) == 12 and any(row["lapses"] for row in live) and any(row["state"] == 2 for row in live)
    db.execute("UPDATE word_schedules SET stability = 1, due = '2000-01-01T00:00:00Z'")
    result = runner.invoke(args=["reschedule"])
    assert result.exit_code == 0, result.output
    assert "rescheduled 12 words from" in result.output
    assert schedule_rows(db) == live
    assert runner.invoke(args=["reschedule"]).exit_code == 0  # again: the same
    assert schedule_rows(db) == live


def test_replaying_some_words_rebuilds_only_theirs(client, db, monkeypatch, words):
    record_a_varied_history(client, monkeypatch, words)
    live = schedule_rows(db)
    db.execute("UPDATE word_schedules SET reps = 99")
    with immediate(db):
        assert schedules.replay(db, scheduling.scheduler_from_environment(), 1, words[:2]) == 2
    assert [row["reps"] == 99 for row in schedule_rows(db)] == [False, False] + [True] * 10
    assert schedule_rows(db, words[:2]) == live[:2]


def test_the_fuzz_is_seeded_per_word_and_review(client, db, monkeypatch, session, words):
    # Easy on a new word: straight to the review state, a fuzzed interval of about a week.
    review(client, session, [(word, "easy") for word in words[:12]])
    dues = [row["due"] for row in schedule_rows(db, words[:12])]
    assert len(set(dues)) > 1  # words differ
    # and a scheduler of its own, made now, draws the same fuzz for each word
    fresh = scheduling.SeededScheduler(desired_retention=scheduling.DEFAULT_RETENTION)
    assert dues == [clock.iso(fresh.review(fsrs.Card(card_id=word), fsrs.Rating.Easy, at(START), 0).due)
                    for word in words[:12]]


# --- the due queue ---------------------------------------------------------------------

def due_page(client, path="/api/groups/1/words/due", **query):
    response = client.get(path, query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_due_words_come_most_overdue_first_then_new_words_in_id_order(client, monkeypatch, session, words):
    # again: due in a minute; hard: in five and a half; good: in ten
    review(client, session, [(words[3], "good"), (words[5], "again"), (words[4], "hard")])
    freeze_clock(monkeypatch, "2026-03-10T09:07:00Z")
    body = due_page(client, new=2)
    assert [word["id"] for word in body["words"]] == [words[5], words[4], words[0], words[1]]
    assert [word["schedule"] and word["schedule"]["state"] for word in body["words"]] == [
        "learning", "learning", None, None]
    assert (body["due_count"], body["next_due_at"]) == (2, "2026-03-10T09:10:00Z")
    assert set(body["words"][0]) == {"id", "kanji", "kana", "romaji", "english", "correct_count", "wrong_count",
                                     "parts", "schedule", "next_due"}
    assert due_page(client, limit=1, new=0)["words"][0]["id"] == words[5]
    everything = due_page(client, "/api/words/due", new=0)
    assert [word["id"] for word in everything["words"]] == [words[5], words[4]]


def test_the_group_queue_holds_only_the_groups_words(client, db, monkeypatch, session, words):
    other = [word for word in group_word_ids(db, 2) if word not in words][0]
    review(client, start_session(client, 2), [(other, "again")])
    review(client, session, [(words[0], "again")])
    freeze_clock(monkeypatch, "2026-03-10T10:00:00Z")
    body = due_page(client, new=0)
    assert [word["id"] for word in body["words"]] == [words[0]] and body["due_count"] == 1
    assert due_page(client, "/api/words/due", new=0)["due_count"] == 2


def test_a_group_whose_every_word_was_reviewed_shows_new_words_again_when_one_joins(client, db, monkeypatch, session,
                                                                                    words):
    # the group's words less those with a schedule tell whether any is new
    review(client, session, [(word, "easy") for word in words])
    freeze_clock(monkeypatch, "2026-03-11T09:05:00Z")  # a new day's allowance of new words; none due yet
    assert due_page(client, new=5)["words"] == []
    joining = [word for word in group_word_ids(db, 2) if word not in words][0]
    assert client.post("/api/groups/1/words", json={"word_ids": [joining]}).status_code == 200
    assert [word["id"] for word in due_page(client, new=5)["words"]] == [joining]
    review(client, start_session(client, 2), [(joining, "easy")])  # reviewed in another group's session
    assert due_page(client, new=5)["words"] == []


def test_next_due_is_when_each_rating_would_bring_the_word_back(client, db, monkeypatch, session, words):
    review(client, session, [(words[0], "good"), (words[0], "good")])
    freeze_clock(monkeypatch, "2026-03-14T09:00:00Z")
    word = due_page(client, new=0)["words"][0]
    assert list(word["next_due"]) == ["again", "hard", "good", "easy"]
    times = [at(word["next_due"][name]) for name in ("again", "hard", "good", "easy")]
    assert times == sorted(times) and times[0] == at("2026-03-14T09:10:00Z")
    review(client, start_session(client, 1), [(words[0], "easy")])
    assert schedule_of(client, words[0])["due"] == word["next_due"]["easy"]  # fuzz included


@pytest.mark.parametrize("answers", [["good", "good"], ["good", "good", "easy"], ["easy", "again"], ["hard"]])
def test_a_due_words_outlook_is_what_fsrs_computes_at_each_moment_of_the_day(
        client, db, monkeypatch, session, words, answers):
    # Outlooks are kept for a day: asked at several moments, the answer must
    # still be a fresh review of the stored schedule at that moment.
    review(client, session, [(words[0], answer) for answer in answers])
    stored = schedule_rows(db, [words[0]])[0]
    last = at(stored["last_review"])
    fresh = scheduling.SeededScheduler(desired_retention=scheduling.DEFAULT_RETENTION)  # nothing kept yet
    card = scheduling.card_from(stored_schedule(stored))
    due = at(stored["due"])
    day_after = last + timedelta(days=(due - last).days + 1)  # the first moment of the next whole day
    for moment in (due, due + timedelta(hours=1), day_after - timedelta(seconds=1), day_after,
                   due + timedelta(days=30, hours=13), due + timedelta(days=400)):
        freeze_clock(monkeypatch, clock.iso(moment))
        word = next(word for word in due_page(client, new=0, limit=100)["words"] if word["id"] == words[0])
        assert word["next_due"] == {name: clock.iso(fresh.review(card, rating, moment, stored["reps"]).due)
                                    for name, rating in scheduling.RATINGS.items()}, moment
        assert word["schedule"]["retrievability"] == fresh.get_card_retrievability(card, moment)


def test_new_words_stop_at_the_days_allowance(db_path, monkeypatch):
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "NEW_PER_DAY": 3})
    client = app.test_client()
    freeze_clock(monkeypatch, "2026-03-10T23:00:00Z")
    words = group_word_ids_of(db_path, 1)
    session_id = start_session(client, 1)
    assert [w["id"] for w in due_page(client, new=5)["words"]] == words[:3]
    review(client, session_id, [(words[0], "easy"), (words[1], "easy"), (words[0], "good")])
    body = due_page(client, new=5)
    assert [w["id"] for w in body["words"]] == [words[2]] and body["new_left_today"] == 1
    review(client, session_id, [(words[2], "easy")])
    assert due_page(client, new=5)["words"] == [] and due_page(client, new=5)["new_left_today"] == 0
    freeze_clock(monkeypatch, "2026-03-11T00:00:01Z")  # a new (UTC) day
    assert [w["id"] for w in due_page(client, "/api/words/due", new=5)["words"]][:3] == [
        w for w in all_word_ids(db_path) if w not in words[:3]][:3]


def group_word_ids_of(db_path, group_id):
    return [row[0] for row in rows_in(str(db_path), f"SELECT word_id FROM word_groups WHERE group_id = {group_id}"
                                                     " ORDER BY word_id")]


def all_word_ids(db_path):
    return [row[0] for row in rows_in(str(db_path), "SELECT id FROM words ORDER BY id")]


def test_a_day_starts_at_midnight_in_the_zone_asked_for():
    now = at("2026-03-10T23:30:00Z")
    assert clock.day_start(now, ZoneInfo("UTC")) == at("2026-03-10T00:00:00Z")
    assert clock.day_start(now, ZoneInfo("Asia/Tokyo")) == at("2026-03-10T15:00:00Z")  # 00:00 on the 11th there
    assert clock.day_start(now, ZoneInfo("America/New_York")) == at("2026-03-10T04:00:00Z")


@pytest.mark.parametrize("query, allowed", [
    ("limit=0", "limit must be an integer from 1 to 100"), ("limit=101", "limit must be an integer from 1 to 100"),
    ("limit=x", "limit must be an integer from 1 to 100"), ("new=-1", "new must be an integer from 0 to 100"),
    ("new=101", "new must be an integer from 0 to 100"), ("new=1.5", "new must be an integer from 0 to 100"),
])
def test_bad_limit_or_new_is_a_400_saying_what_is_allowed(client, query, allowed):
    assert_error(client.get(f"/api/words/due?{query}"), 400, allowed)
    assert_error(client.get(f"/api/groups/1/words/due?{query}"), 400, allowed)


def test_the_due_queue_of_an_unknown_group_is_404(client):
    assert_error(client.get("/api/groups/999/words/due"), 404, "999")


# --- leeches -----------------------------------------------------------------------------

def test_leeches_are_words_forgotten_at_least_so_often_most_lapses_first(client, session, words):
    lapses = {words[0]: 1, words[1]: 3, words[2]: 2, words[3]: 3}
    review(client, session, [(word, rating) for word, n in lapses.items() for _ in range(n)
                             for rating in ("easy", "again")])
    body = client.get("/api/words/leeches?lapses=2").get_json()
    assert [(w["id"], w["schedule"]["lapses"]) for w in body["words"]] == [
        (words[3], 3), (words[1], 3), (words[2], 2)]
    assert (body["total_words"], body["total_pages"], body["current_page"]) == (3, 1, 1)
    second = client.get("/api/words/leeches?lapses=1&per_page=2&page=2").get_json()
    assert [w["id"] for w in second["words"]] == [words[2], words[0]] and second["total_pages"] == 2
    assert client.get("/api/words/leeches").get_json()["words"] == []  # 8 by default


@pytest.mark.parametrize("query", ["lapses=0", "lapses=-3", "lapses=x", "lapses="])
def test_bad_lapses_is_a_400_saying_what_is_allowed(client, query):
    assert_error(client.get(f"/api/words/leeches?{query}"), 400, "lapses must be an integer from 1")


# --- configuration -------------------------------------------------------------------

@pytest.mark.parametrize("value, shown", [(0.5, "0.5"), (1, "1"), ("high", "high"), (True, "true"),
                                          (0.995, "0.995")])
def test_a_desired_retention_out_of_range_stops_start_up_naming_it(db_path, value, shown):
    with pytest.raises(StartupError) as stopped:
        create_app({"TESTING": True, "DATABASE": str(db_path), "DESIRED_RETENTION": value})
    assert str(stopped.value) == (f"LANG_PORTAL_DESIRED_RETENTION={shown} is not allowed:"
                                  " it must be a number from 0.7 to 0.99")


def test_a_bad_retention_in_the_environment_stops_start_up_in_one_line(db_path):
    result = run_flask("routes", database=db_path, DESIRED_RETENTION="1.5")
    assert_one_line_error(result, "Error: LANG_PORTAL_DESIRED_RETENTION=1.5 is not allowed:"
                                  " it must be a number from 0.7 to 0.99")


def test_a_bad_retention_in_the_environment_stops_a_migration_replaying_the_history(tmp_path, monkeypatch):
    monkeypatch.setenv("LANG_PORTAL_DESIRED_RETENTION", "0.2")
    with pytest.raises(migrations.MigrationError, match="LANG_PORTAL_DESIRED_RETENTION=0.2 is not allowed"):
        migrations.migrate(tmp_path / "new.db")


def test_a_lower_desired_retention_brings_words_back_later(db_path, monkeypatch):
    freeze_clock(monkeypatch, START)
    easy = []
    for retention in (0.9, 0.75):
        app = create_app({"TESTING": True, "DATABASE": str(db_path), "DESIRED_RETENTION": retention})
        easy.append(at(app.test_client().get("/api/words/due?new=1").get_json()["words"][0]["next_due"]["easy"]))
    assert easy[1] > easy[0]


def test_a_bad_new_words_a_day_stops_start_up(db_path):
    with pytest.raises(StartupError, match="LANG_PORTAL_NEW_PER_DAY=-1 is not allowed: it must be a whole number"):
        create_app({"TESTING": True, "DATABASE": str(db_path), "NEW_PER_DAY": -1})


def test_schedule_times_are_utc_whole_seconds(client, monkeypatch, session, words):
    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2026, 3, 10, 9, 0, 0, 654321, tzinfo=timezone.utc))
    review(client, session, [(words[0], "hard")])
    assert schedule_of(client, words[0])["due"] == "2026-03-10T09:05:30Z"
