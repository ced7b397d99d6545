"""What is due is added up from each learner's due hours (migration 0029),
and counted on the index on due only within an hour: the forecast and the
due queue's count equal a count of the due times one by one, in zones whose
days and hours begin off the whole hour and across a clock change, after
schedules are added, moved and removed by hand, beside another learner's."""
import random
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from lib.core import clock
from tests.helpers import add_learner, bearer, freeze_clock

NOW = "2026-10-25T00:20:00Z"  # Europe/London's clocks go back an hour at 01:00 UTC
ZONES = ["UTC", "Asia/Tokyo", "Asia/Kolkata", "Asia/Kathmandu", "Europe/London", "America/New_York",
         "Australia/Lord_Howe"]  # whose clocks move by half an hour
DAYS = 365


def moment(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# Due in the hour of now, before it, at it and after it; and in Kathmandu
# (UTC+05:45), before its day began at 18:15 UTC, in the same hour.
NEAR_NOW = ["2026-10-25T00:00:00Z", "2026-10-25T00:19:59Z", NOW, "2026-10-25T00:20:01Z", "2026-10-24T18:05:00Z"]


def due_times(rng, count):
    """NEAR_NOW, then whole seconds from two months ago to past the longest
    forecast, and as many on a quarter hour or a second either side of one."""
    now = int(moment(NOW).timestamp())
    spread = [now + rng.randrange(-60 * 86400, (DAYS + 30) * 86400) for _ in range(count)]
    edges = [now + rng.randrange(-2 * 86400, DAYS * 86400) // 900 * 900 + rng.choice((-1, 0, 1)) for _ in range(count)]
    return NEAR_NOW + [clock.iso(datetime.fromtimestamp(second, timezone.utc)) for second in spread + edges]


def set_schedules(db, learner_id, dues):
    """The learner's schedules, one a word, due at ``dues``, written by hand."""
    words = [row[0] for row in db.execute("SELECT id FROM words ORDER BY id LIMIT ?", (len(dues),))]
    assert len(words) == len(dues)
    db.execute("DELETE FROM word_schedules WHERE learner_id = ?", (learner_id,))
    db.executemany(
        "INSERT INTO word_schedules (learner_id, word_id, state, step, stability, difficulty, due, last_review, reps,"
        " lapses) VALUES (?, ?, 2, NULL, 5.0, 5.0, ?, '2026-03-01T00:00:00Z', 3, 0)",
        [(learner_id, word, due) for word, due in zip(words, dues)])


def stored_dues(db, learner_id):
    return [moment(row[0]) for row in db.execute("SELECT due FROM word_schedules WHERE learner_id = ?",
                                                 (learner_id,))]


def counted_forecast(dues, zone, days):
    """due_now, the 24 hours' and the days' counts, each due time placed on its own."""
    now, tz = moment(NOW), ZoneInfo(zone)
    first_hour = now.astimezone(tz).replace(minute=0, second=0).astimezone(timezone.utc)
    today = now.astimezone(tz).date()
    hours, by_day = [0] * 24, [0] * days
    for due in dues:
        hour = max(0, (due - first_hour) // timedelta(hours=1))  # what is overdue counts in the first
        if hour < 24:
            hours[hour] += 1
        day = max(0, (due.astimezone(tz).date() - today).days)
        if day < days:
            by_day[day] += 1
    return sum(due <= now for due in dues), hours, by_day


def get_ok(client, path, headers, **query):
    response = client.get(path, query_string=query, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def assert_forecasts_count_each_due_time(client, db, learner_id, headers):
    dues = stored_dues(db, learner_id)
    for zone in ZONES:
        body = get_ok(client, "/api/dashboard/forecast", headers, tz=zone, days=365)
        due_now, hours, days = counted_forecast(dues, zone, 365)
        assert body["due_now"] == due_now, zone
        assert [hour["due"] for hour in body["hours"]] == hours, zone
        assert [day["due"] for day in body["days"]] == days, zone
    queue = get_ok(client, "/api/words/due", headers, limit=1, new=0)
    assert queue["due_count"] == sum(due <= moment(NOW) for due in dues)
    assert queue["next_due_at"] == clock.iso(min(due for due in dues if due > moment(NOW)))


@pytest.fixture
def other(client, db):
    """A second learner with schedules of their own: (id, headers)."""
    learner_id, token = add_learner(client, "Kenji")
    set_schedules(db, learner_id, due_times(random.Random(2), 150))
    return learner_id, bearer(token)


def test_what_is_due_equals_each_due_time_counted(client, db, monkeypatch, other):
    freeze_clock(monkeypatch, NOW)
    set_schedules(db, 1, due_times(random.Random(1), 300))
    assert_forecasts_count_each_due_time(client, db, 1, {})
    assert_forecasts_count_each_due_time(client, db, *other)


def test_schedules_moved_and_removed_by_hand_are_followed(client, db, monkeypatch, other):
    freeze_clock(monkeypatch, NOW)
    rng = random.Random(3)
    set_schedules(db, 1, due_times(rng, 300))
    get_ok(client, "/api/dashboard/forecast", {}, tz="Asia/Kathmandu", days=365)
    words = [row[0] for row in db.execute("SELECT word_id FROM word_schedules WHERE learner_id = 1")]
    rng.shuffle(words)
    moved, removed, given = words[:200], words[200:260], words[260:280]
    db.executemany("UPDATE word_schedules SET due = ? WHERE learner_id = 1 AND word_id = ?",
                   zip(due_times(rng, 100), moved))
    db.execute(f"DELETE FROM word_schedules WHERE learner_id = 1 AND word_id IN ({','.join('?' * len(removed))})",
               removed)
    # given to the other learner, where they have no schedule of the word
    db.executemany("UPDATE word_schedules SET learner_id = ? WHERE learner_id = 1 AND word_id = ?"
                   " AND NOT EXISTS (SELECT 1 FROM word_schedules WHERE learner_id = ? AND word_id = ?)",
                   [(other[0], word, other[0], word) for word in given])
    assert_forecasts_count_each_due_time(client, db, 1, {})
    assert_forecasts_count_each_due_time(client, db, *other)
