"""The forecast: how many words fall due now, per clock hour and per day in
the learner's zone, read from the schedules' due times."""
import pytest

from tests.helpers import array, assert_fields, freeze_clock, get_ok, integer, text, timestamp

FORECAST = {"tz": text, "now": timestamp, "due_now": integer, "hours": array, "days": array}
NOW = "2026-03-10T09:20:00Z"  # 18:20 in Tokyo


def schedule(db, *dues):
    """A schedule for a word per due time, inserted as the scheduler stores them."""
    words = [row[0] for row in db.execute("SELECT id FROM words ORDER BY id LIMIT ?", (len(dues),))]
    db.executemany(
        "INSERT INTO word_schedules (learner_id, word_id, state, step, stability, difficulty, due, last_review, reps,"
        " lapses) VALUES (1, ?, 2, NULL, 5.0, 5.0, ?, '2026-03-01T00:00:00Z', 3, 0)", zip(words, dues))


def forecast(client, **query):
    body = get_ok(client, "/api/dashboard/forecast", **query)
    assert_fields(body, FORECAST)
    for hour in body["hours"]:
        assert_fields(hour, {"start": timestamp, "due": integer})
    for day in body["days"]:
        assert_fields(day, {"date": text, "due": integer})
    return body


def test_nothing_is_due_without_schedules(client, monkeypatch):
    freeze_clock(monkeypatch, NOW)
    body = forecast(client)
    assert (body["tz"], body["now"], body["due_now"]) == ("UTC", NOW, 0)
    assert [hour["due"] for hour in body["hours"]] == [0] * 24
    assert [day["due"] for day in body["days"]] == [0] * 30
    assert body["days"][0]["date"] == "2026-03-10"


def test_the_forecast_counts_per_hour_and_per_day_in_tokyo(client, db, monkeypatch):
    schedule(db,
             "2026-02-01T00:00:00Z",  # long overdue
             "2026-03-10T09:20:00Z",  # due this very second
             "2026-03-10T09:20:01Z",  # later this hour
             "2026-03-10T09:59:59Z",
             "2026-03-10T10:00:00Z",  # the next hour
             "2026-03-10T14:59:59Z",  # 23:59:59 in Tokyo: still today
             "2026-03-10T15:00:00Z",  # midnight in Tokyo: tomorrow
             "2026-03-11T08:59:59Z",  # the last second of the 24 hours
             "2026-03-11T09:20:00Z",  # beyond the 24 hours
             "2026-03-12T14:59:59Z",  # the third day
             "2026-03-12T15:00:00Z")  # the fourth day: beyond days=3
    freeze_clock(monkeypatch, NOW)
    body = forecast(client, tz="Asia/Tokyo", days=3)
    assert (body["tz"], body["now"], body["due_now"]) == ("Asia/Tokyo", NOW, 2)
    assert body["hours"][0] == {"start": "2026-03-10T09:00:00Z", "due": 4}
    assert body["hours"][1] == {"start": "2026-03-10T10:00:00Z", "due": 1}
    assert body["hours"][5] == {"start": "2026-03-10T14:00:00Z", "due": 1}
    assert body["hours"][6] == {"start": "2026-03-10T15:00:00Z", "due": 1}
    assert body["hours"][23] == {"start": "2026-03-11T08:00:00Z", "due": 1}
    assert sum(hour["due"] for hour in body["hours"]) == 8
    assert body["days"] == [{"date": "2026-03-10", "due": 6}, {"date": "2026-03-11", "due": 3},
                            {"date": "2026-03-12", "due": 1}]
    # In UTC the same words fall on other days.
    assert [day["due"] for day in forecast(client, tz="UTC", days=3)["days"]] == [7, 2, 2]


def test_clock_hours_in_a_zone_half_an_hour_off_utc(client, db, monkeypatch):
    schedule(db, "2026-03-10T09:29:59Z", "2026-03-10T09:30:00Z")
    freeze_clock(monkeypatch, NOW)  # 14:50 in Kolkata (UTC+05:30)
    hours = forecast(client, tz="Asia/Kolkata")["hours"]
    assert hours[:2] == [{"start": "2026-03-10T08:30:00Z", "due": 1}, {"start": "2026-03-10T09:30:00Z", "due": 1}]


def test_days_follow_the_clock_change(client, db, monkeypatch):
    # New York's clocks go forward on 8 March 2026: that day has 23 hours.
    schedule(db, "2026-03-09T03:59:59Z", "2026-03-09T04:00:00Z")  # 8 March 23:59:59 EDT, 9 March 00:00 EDT
    freeze_clock(monkeypatch, "2026-03-08T12:00:00Z")
    days = forecast(client, tz="America/New_York", days=2)["days"]
    assert days == [{"date": "2026-03-08", "due": 1}, {"date": "2026-03-09", "due": 1}]


@pytest.mark.parametrize("days, last", [(1, "2026-12-31"), (30, "2027-01-29"), (365, "2027-12-30")])
def test_one_entry_per_day_asked_for_and_24_hours(client, monkeypatch, days, last):
    freeze_clock(monkeypatch, "2026-12-31T23:00:00Z")
    body = forecast(client, days=days)
    assert (len(body["days"]), len(body["hours"])) == (days, 24)
    assert (body["days"][0]["date"], body["days"][-1]["date"]) == ("2026-12-31", last)


def test_the_forecast_moves_on_with_the_clock(client, db, monkeypatch):
    # What a forecast asks of the schedules is worked out once per hour and
    # zone: the next request in the same hour, and the first of the next
    # hour and of the next day, each see their own now.
    schedule(db, "2026-03-10T09:59:59Z", "2026-03-10T10:00:00Z", "2026-03-10T14:59:59Z", "2026-03-10T15:00:00Z")
    freeze_clock(monkeypatch, "2026-03-10T09:59:58Z")
    body = forecast(client, tz="Asia/Tokyo", days=2)
    assert (body["due_now"], body["hours"][0], body["days"][0]) == (
        0, {"start": "2026-03-10T09:00:00Z", "due": 1}, {"date": "2026-03-10", "due": 3})
    freeze_clock(monkeypatch, "2026-03-10T09:59:59Z")
    assert forecast(client, tz="Asia/Tokyo", days=2)["due_now"] == 1
    freeze_clock(monkeypatch, "2026-03-10T10:00:00Z")
    body = forecast(client, tz="Asia/Tokyo", days=2)
    assert (body["due_now"], body["hours"][0], body["days"][0]) == (
        2, {"start": "2026-03-10T10:00:00Z", "due": 2}, {"date": "2026-03-10", "due": 3})
    freeze_clock(monkeypatch, "2026-03-10T15:00:00Z")  # midnight in Tokyo
    body = forecast(client, tz="Asia/Tokyo", days=2)
    assert (body["due_now"], body["hours"][0], body["days"]) == (
        4, {"start": "2026-03-10T15:00:00Z", "due": 4},
        [{"date": "2026-03-11", "due": 4}, {"date": "2026-03-12", "due": 0}])


def test_days_and_hours_in_a_zone_a_quarter_hour_off(client, db, monkeypatch):
    # Kathmandu is UTC+05:45: its 11 March begins at 18:15 UTC on 10 March.
    schedule(db, "2026-03-10T18:14:59Z", "2026-03-10T18:15:00Z", "2026-03-10T18:15:01Z")
    freeze_clock(monkeypatch, NOW)  # 15:05 in Kathmandu
    body = forecast(client, tz="Asia/Kathmandu", days=2)
    assert body["days"] == [{"date": "2026-03-10", "due": 1}, {"date": "2026-03-11", "due": 2}]
    assert body["hours"][0]["start"] == "2026-03-10T09:15:00Z"
    assert [(hour["start"], hour["due"]) for hour in body["hours"][8:10]] == [
        ("2026-03-10T17:15:00Z", 1), ("2026-03-10T18:15:00Z", 2)]
