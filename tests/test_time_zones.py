"""The learner's days in their time zone: the history of study per day, the
streaks, and the zone as a query parameter or a setting."""
import random
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app import create_app
from lib.core import clock, json_text
from lib.core.settings import StartupError
from tests.helpers import (
    array, assert_error, assert_fields, freeze_clock, get_ok, group_word_ids, integer, post_reviews, start_session,
    text,
)

HISTORY = {"tz": text, "days": array, "current_streak": integer, "longest_streak": integer}
HISTORY_DAY = {"date": text, "sessions": integer, "reviews": integer, "correct": integer,
               "accuracy": lambda value: value is None or isinstance(value, float)}


def utc(when):
    return datetime.fromisoformat(when.replace("Z", "+00:00"))


def history(client, **query):
    body = get_ok(client, "/api/dashboard/history", **query)
    assert_fields(body, HISTORY)
    for day in body["days"]:
        assert_fields(day, HISTORY_DAY)
    return body


def streak(client, **query):
    return get_ok(client, "/api/dashboard/stats", **query)["current_streak"]


def study_at(client, monkeypatch, times, results=()):
    """A session started at each of ``times``, with ``results`` [(word_id,
    correct)] recorded in it at the same moment."""
    for when in times:
        freeze_clock(monkeypatch, when)
        session_id = start_session(client, 1)
        if results:
            post_reviews(client, session_id, results)


# --- days -------------------------------------------------------------------------

@pytest.mark.parametrize("now, zone, start", [
    ("2026-03-10T23:30:00Z", "UTC", "2026-03-10T00:00:00Z"),
    ("2026-03-10T23:30:00Z", "Asia/Tokyo", "2026-03-10T15:00:00Z"),
    ("2026-03-10T14:59:59Z", "Asia/Tokyo", "2026-03-09T15:00:00Z"),
    ("2026-03-10T18:15:00Z", "Asia/Kathmandu", "2026-03-10T18:15:00Z"),  # +05:45
    ("2026-03-10T18:14:59Z", "Asia/Kathmandu", "2026-03-09T18:15:00Z"),
    # New York moves its clocks forward on 8 March 2026 at 02:00 and back on 1 November.
    ("2026-03-08T12:00:00Z", "America/New_York", "2026-03-08T05:00:00Z"),
    ("2026-03-09T12:00:00Z", "America/New_York", "2026-03-09T04:00:00Z"),
    ("2026-11-01T12:00:00Z", "America/New_York", "2026-11-01T04:00:00Z"),
    ("2026-11-02T04:59:59Z", "America/New_York", "2026-11-01T04:00:00Z"),
    # Santiago's clocks skip from 24:00 to 01:00 on 6 September 2026: the day begins at the jump.
    ("2026-09-06T12:00:00Z", "America/Santiago", "2026-09-06T04:00:00Z"),
])
def test_a_day_starts_at_midnight_in_the_zone(now, zone, start):
    assert clock.iso(clock.day_start(utc(now), ZoneInfo(zone))) == start


def test_days_where_the_clocks_change_are_23_and_25_hours_long():
    new_york = ZoneInfo("America/New_York")
    spring = clock.day_starts(date(2026, 3, 8), date(2026, 3, 8), new_york)
    autumn = clock.day_starts(date(2026, 11, 1), date(2026, 11, 1), new_york)
    assert [(end - start) / 3600 for start, end in (spring, autumn)] == [23, 25]
    assert datetime.fromtimestamp(spring[0], timezone.utc) == utc("2026-03-08T05:00:00Z")


def test_a_review_at_2330_utc_is_on_the_next_day_in_tokyo(client, db, monkeypatch):
    word = group_word_ids(db, 1)[0]
    study_at(client, monkeypatch, ["2026-03-09T23:30:00Z"], [(word, True)])
    freeze_clock(monkeypatch, "2026-03-10T12:00:00Z")
    day = {"sessions": 1, "reviews": 1, "correct": 1, "accuracy": 1.0}
    assert history(client, tz="UTC")["days"] == [{"date": "2026-03-09", **day}]
    assert history(client, tz="Asia/Tokyo")["days"] == [{"date": "2026-03-10", **day}]
    # Today, 10 March, in both zones: a day of study only in Tokyo.
    assert history(client, tz="UTC", days=1)["days"] == []
    assert history(client, tz="Asia/Tokyo", days=1)["days"] == [{"date": "2026-03-10", **day}]


def test_history_counts_each_day_and_leaves_out_days_without_study(client, db, monkeypatch):
    words = group_word_ids(db, 1)
    study_at(client, monkeypatch, ["2026-03-01T09:00:00Z", "2026-03-01T20:00:00Z"],
             [(words[0], True), (words[1], False), (words[2], True)])
    study_at(client, monkeypatch, ["2026-03-03T09:00:00Z"])  # a session without answers
    freeze_clock(monkeypatch, "2026-03-04T10:00:00Z")
    body = history(client, tz="UTC")
    assert body == {"tz": "UTC", "days": [
        {"date": "2026-03-01", "sessions": 2, "reviews": 6, "correct": 4, "accuracy": 4 / 6},
        {"date": "2026-03-03", "sessions": 1, "reviews": 0, "correct": 0, "accuracy": None},
    ], "current_streak": 1, "longest_streak": 1}
    # The last 2 days: the streaks still span the whole history.
    assert history(client, tz="UTC", days=2)["days"] == [body["days"][1]]


def test_a_day_with_answers_but_no_session_started_is_listed_but_not_a_study_day(client, db, monkeypatch):
    word = group_word_ids(db, 1)[0]
    freeze_clock(monkeypatch, "2026-03-01T23:50:00Z")
    session_id = start_session(client, 1)
    freeze_clock(monkeypatch, "2026-03-02T00:10:00Z")
    post_reviews(client, session_id, [(word, False)])
    body = history(client, tz="UTC")
    assert body["days"] == [
        {"date": "2026-03-01", "sessions": 1, "reviews": 0, "correct": 0, "accuracy": None},
        {"date": "2026-03-02", "sessions": 0, "reviews": 1, "correct": 0, "accuracy": 0.0},
    ]
    assert (body["current_streak"], body["longest_streak"]) == (1, 1)


def test_history_without_study_is_empty(client):
    assert history(client) == {"tz": "UTC", "days": [], "current_streak": 0, "longest_streak": 0}


# --- streaks ----------------------------------------------------------------------

# Sessions that fall on different days in Tokyo (UTC+9) and Los Angeles
# (UTC-7 in summer) than in UTC.
SUMMER = ["2026-06-01T20:00:00Z",   # Tokyo 2 June 05:00, LA 1 June 13:00
          "2026-06-02T10:00:00Z",   # Tokyo 2 June 19:00, LA 2 June 03:00
          "2026-06-03T06:00:00Z",   # Tokyo 3 June 15:00, LA 2 June 23:00
          "2026-06-05T02:00:00Z",   # Tokyo 5 June 11:00, LA 4 June 19:00
          "2026-06-06T16:00:00Z"]   # Tokyo 7 June 01:00, LA 6 June 09:00


@pytest.mark.parametrize("zone, now, current, longest", [
    ("UTC", "2026-06-06T20:00:00Z", 2, 3),                # 1, 2, 3, 5, 6 June
    ("Asia/Tokyo", "2026-06-06T20:00:00Z", 1, 2),         # 2, 3, 5, 7 June; now 7 June
    ("America/Los_Angeles", "2026-06-06T20:00:00Z", 1, 2),  # 1, 2, 4, 6 June
    ("America/Los_Angeles", "2026-06-07T20:00:00Z", 1, 2),  # yesterday still counts
    ("America/Los_Angeles", "2026-06-08T20:00:00Z", 0, 2),
    ("Asia/Tokyo", "2026-06-04T00:00:00Z", 2, 2),         # 4 June 09:00 in Tokyo: 2 and 3 June
    ("UTC", "2026-06-04T00:00:00Z", 3, 3),
])
def test_streaks_count_the_learners_days(client, monkeypatch, zone, now, current, longest):
    study_at(client, monkeypatch, SUMMER)
    freeze_clock(monkeypatch, now)
    body = history(client, tz=zone)
    assert (body["current_streak"], body["longest_streak"]) == (current, longest)
    assert streak(client, tz=zone) == current


def test_a_streak_in_tokyo_and_one_in_utc_differ(client, monkeypatch):
    study_at(client, monkeypatch, ["2026-03-08T20:00:00Z", "2026-03-09T10:00:00Z", "2026-03-10T10:00:00Z"])
    freeze_clock(monkeypatch, "2026-03-10T12:00:00Z")
    assert (streak(client), streak(client, tz="UTC"), streak(client, tz="Asia/Tokyo")) == (3, 3, 2)


def test_a_streak_across_a_change_of_the_clocks(client, monkeypatch):
    # New York's evenings at 23:30 around 8 March 2026, when EST (-5) became EDT (-4).
    # With a fixed offset of -5 the last two would be on one day.
    study_at(client, monkeypatch, ["2026-03-08T04:30:00Z",    # 7 March 23:30 EST
                                   "2026-03-09T03:30:00Z",    # 8 March 23:30 EDT
                                   "2026-03-09T04:30:00Z"])   # 9 March 00:30 EDT
    freeze_clock(monkeypatch, "2026-03-09T12:00:00Z")
    body = history(client, tz="America/New_York")
    assert [day["date"] for day in body["days"]] == ["2026-03-07", "2026-03-08", "2026-03-09"]
    assert (body["current_streak"], body["longest_streak"]) == (3, 3)
    assert streak(client, tz="America/New_York") == 3


def test_the_day_the_clocks_go_back_has_25_hours_of_study(client, monkeypatch):
    study_at(client, monkeypatch, ["2026-11-01T04:00:00Z",   # 1 November 00:00 EDT
                                   "2026-11-02T04:59:59Z"])  # 1 November 23:59:59 EST
    freeze_clock(monkeypatch, "2026-11-02T12:00:00Z")
    days = history(client, tz="America/New_York")["days"]
    assert [(day["date"], day["sessions"]) for day in days] == [("2026-11-01", 2)]


def test_a_long_streak_in_a_zone_is_counted_to_its_start(client, monkeypatch):
    # Longer than the first span of days a streak is looked for in: 1-28
    # January, then 1 February to 28 March (29-31 January are missing).
    study_at(client, monkeypatch, [f"2026-{month:02d}-{day:02d}T12:00:00Z"
                                   for month in (1, 2, 3) for day in range(1, 29)])
    freeze_clock(monkeypatch, "2026-03-29T12:00:00Z")
    assert (streak(client), streak(client, tz="Asia/Tokyo")) == (56, 56)
    body = history(client, tz="Asia/Tokyo", days=7)
    assert (len(body["days"]), body["current_streak"], body["longest_streak"]) == (6, 56, 56)


def test_the_utc_streak_and_the_streak_counted_in_quarters_agree(client, monkeypatch):
    # "UTC" reads the streak kept with each day, "Etc/UTC" each day's first and last session.
    study_at(client, monkeypatch, ["2026-03-05T23:59:59Z", "2026-03-06T00:00:00Z", "2026-03-07T12:00:00Z",
                                   "2026-03-09T00:00:00Z", "2026-03-10T23:59:59Z"])
    for now in ["2026-03-07T13:00:00Z", "2026-03-08T23:00:00Z", "2026-03-09T00:00:00Z",
                "2026-03-11T00:00:00Z", "2026-03-12T00:00:00Z"]:
        freeze_clock(monkeypatch, now)
        assert streak(client, tz="UTC") == streak(client, tz="Etc/UTC"), now


def test_one_utc_day_of_study_is_two_days_in_tokyo(client, monkeypatch):
    # The clock set back between the two: the day's last session came first.
    study_at(client, monkeypatch, ["2026-06-01T20:00:00Z",   # Tokyo 2 June 05:00
                                   "2026-06-01T10:00:00Z",   # Tokyo 1 June 19:00
                                   "2026-06-01T02:00:00Z"])  # Tokyo 1 June 11:00
    freeze_clock(monkeypatch, "2026-06-02T12:00:00Z")
    body = history(client, tz="Asia/Tokyo")
    assert [(day["date"], day["sessions"]) for day in body["days"]] == [("2026-06-01", 2), ("2026-06-02", 1)]
    assert (body["current_streak"], body["longest_streak"], streak(client, tz="Asia/Tokyo")) == (2, 2, 2)
    assert (streak(client, tz="UTC"), history(client, tz="UTC")["longest_streak"]) == (1, 1)


def test_a_streak_is_broken_where_the_clocks_go_forward_under_a_daily_time(client, monkeypatch):
    # Every day at 04:30 UTC from 1 January to 31 March 2026: 23:30 the day
    # before in New York until 8 March (EST), then 00:30 (EDT). 8 March has
    # no session there; UTC has 90 days in a row.
    study_at(client, monkeypatch, [
        (datetime(2026, 1, 1, 4, 30, tzinfo=timezone.utc) + timedelta(days=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for n in range(90)])
    freeze_clock(monkeypatch, "2026-03-31T12:00:00Z")
    assert (streak(client), streak(client, tz="Etc/UTC"), streak(client, tz="America/New_York")) == (90, 90, 23)
    for days in (365, 30, 1):  # the days before those shown are read from each day's sessions
        utc, new_york = history(client, tz="UTC", days=days), history(client, tz="America/New_York", days=days)
        assert (utc["current_streak"], utc["longest_streak"]) == (90, 90)
        # 31 December to 7 March, then 9 March on
        assert (new_york["current_streak"], new_york["longest_streak"]) == (23, 67)
    assert [day["date"] for day in history(client, tz="America/New_York")["days"]][65:69] == [
        "2026-03-06", "2026-03-07", "2026-03-09", "2026-03-10"]


def test_a_day_of_23_hours_without_study_breaks_a_streak(client, monkeypatch):
    # London's clocks go forward on 29 March 2026: that day runs from 00:00
    # to 23:00 UTC. The two sessions around it are less than a day apart.
    study_at(client, monkeypatch, ["2026-03-27T12:00:00Z",
                                   "2026-03-28T23:30:00Z",   # 28 March 23:30 GMT
                                   "2026-03-29T23:10:00Z",   # 30 March 00:10 BST
                                   "2026-03-30T12:00:00Z"])
    freeze_clock(monkeypatch, "2026-03-30T13:00:00Z")
    body = history(client, tz="Europe/London")
    assert (streak(client, tz="Europe/London"), body["current_streak"], body["longest_streak"]) == (1, 1, 2)
    assert (streak(client, tz="UTC"), history(client, tz="UTC")["longest_streak"]) == (4, 4)


def test_a_streak_through_the_25_hour_day_in_new_york(client, monkeypatch):
    # 23:30 every evening around 1 November 2026, when EDT (-4) became EST (-5).
    study_at(client, monkeypatch, ["2026-10-31T03:30:00Z", "2026-11-01T03:30:00Z", "2026-11-02T04:30:00Z",
                                   "2026-11-03T04:30:00Z"])
    freeze_clock(monkeypatch, "2026-11-03T12:00:00Z")  # 3 November, 07:00 EST
    body = history(client, tz="America/New_York")
    assert [day["date"] for day in body["days"]] == ["2026-10-30", "2026-10-31", "2026-11-01", "2026-11-02"]
    assert (body["current_streak"], body["longest_streak"], streak(client, tz="America/New_York")) == (4, 4, 4)


# Zones with a day shorter than 24 hours (New York, London, Lord Howe's
# half hour), offsets off the hour, both ends of the clock, and Apia, which
# skipped 30 December 2011.
STREAK_ZONES = ["UTC", "Asia/Tokyo", "America/New_York", "Europe/London", "Australia/Lord_Howe",
                "America/St_Johns", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Pacific/Apia"]


def streaks_of(times, now, tz):
    """The current and the longest streak in ``tz`` as the definition reads:
    runs of the learner's dates with a session up to today; the current one
    is the latest, if it ends today or yesterday."""
    today = clock.local_date(now, tz)
    studied = sorted({moment.astimezone(tz).date() for moment in times if moment.astimezone(tz).date() <= today})
    runs = []
    for day in studied:
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    lengths = [(last - first).days + 1 for first, last in runs]
    current = lengths[-1] if runs and (today - runs[-1][1]).days <= 1 else 0
    return current, max(lengths, default=0)


# A few days after a day shorter than 24 hours: New York's, London's,
# Lord Howe's (23.5 hours), and the day Apia skipped.
AFTER_SHORT_DAYS = [datetime(2026, 3, 10, 12, tzinfo=timezone.utc), datetime(2026, 3, 31, 6, tzinfo=timezone.utc),
                    datetime(2026, 10, 6, 18, tzinfo=timezone.utc), datetime(2012, 1, 2, 3, tzinfo=timezone.utc)]


@pytest.mark.parametrize("seed", range(12))
def test_a_streak_in_any_zone_is_what_the_learners_dates_say(client, db, monkeypatch, seed):
    # Half a year of sessions, most some hours apart, some about a day, a
    # few more than a day.
    rng = random.Random(seed)
    now = AFTER_SHORT_DAYS[seed % len(AFTER_SHORT_DAYS)]
    moment, times = now - timedelta(minutes=rng.randint(0, 1800)), []
    while len(times) < 500:
        times.append(moment)
        moment -= timedelta(minutes=rng.choice([rng.randint(1, 600)] * 6 + [rng.randint(1000, 1440)] * 2
                                               + [rng.randint(1380, 1500)] * 2 + [rng.randint(1440, 2400)]))
    times.append(now + timedelta(days=1))  # a session dated after now, which no streak counts yet
    for moment in times:
        stored = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        db.execute("INSERT INTO study_sessions (learner_id, group_id, study_activity_id, created_at, ended_at)"
                   " VALUES (1, 1, 1, ?, ?)", (stored, stored))
    freeze_clock(monkeypatch, now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    for zone in STREAK_ZONES:
        current, longest = streaks_of(times, now, ZoneInfo(zone))
        body = history(client, tz=zone, days=rng.choice([1, 30, 365]))
        assert (streak(client, tz=zone), body["current_streak"], body["longest_streak"]) == (current, current, longest), zone


def test_no_utc_day_meets_more_than_two_days_of_any_zone():
    # What lets each UTC day's first and last session tell the learner's
    # days (routes/dashboard.py study_runs): no day of any zone lies
    # inside a UTC day, clear of both its ends; in the years the portal's
    # clock may read (1970 to 2040 hold it too, in five times as long).
    inside = []
    for zone in sorted(clock.time_zone_names()):
        starts = clock.day_starts(date(2020, 1, 1), date(2035, 12, 31), ZoneInfo(zone))
        inside += [(zone, start) for start, end in zip(starts, starts[1:])
                   if start % 86400 and end % 86400 and start // 86400 == end // 86400 and start < end]
    assert inside == []


def test_the_history_is_written_as_jsonify_writes_it(client, db, monkeypatch):
    words = group_word_ids(db, 1)
    study_at(client, monkeypatch, ["2026-03-01T09:00:00Z"], [(words[0], True), (words[1], False), (words[2], True)])
    study_at(client, monkeypatch, ["2026-03-03T09:00:00Z"])
    freeze_clock(monkeypatch, "2026-03-04T10:00:00Z")
    response = client.get("/api/dashboard/history", query_string={"tz": "Asia/Tokyo"})
    assert response.get_json()["days"][0]["accuracy"] == 2 / 3
    assert response.data == (json_text.dumps(response.get_json()) + "\n").encode()


# --- the zone and the span asked for ---------------------------------------------

@pytest.mark.parametrize("path", ["/api/dashboard/history", "/api/dashboard/forecast", "/api/dashboard/stats"])
@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "asia/tokyo", "", "Asia/Tokyo ", "../../etc/passwd",
                                  "+09:00", "Asia/東京"])
def test_an_unknown_time_zone_is_a_400_naming_it(client, path, zone):
    assert_error(client.get(path, query_string={"tz": zone}), 400, "tz", f"{zone!r}")


def test_a_very_long_time_zone_is_named_shortened(client):
    response = client.get("/api/dashboard/history", query_string={"tz": "x" * 5000})
    assert_error(response, 400, "tz", "x" * 60 + "…")
    assert len(response.get_json()["error"]) < 200


@pytest.mark.parametrize("path", ["/api/dashboard/history", "/api/dashboard/forecast"])
@pytest.mark.parametrize("days", ["0", "366", "-1", "abc", "1.5", ""])
def test_days_out_of_range_is_a_400_saying_what_is_allowed(client, path, days):
    assert_error(client.get(path, query_string={"days": days}), 400, "days must be an integer from 1 to 365")


@pytest.mark.parametrize("days", ["1", "365"])
def test_days_at_the_limits_are_served(client, days):
    get_ok(client, "/api/dashboard/history", days=days)
    assert len(get_ok(client, "/api/dashboard/forecast", days=days)["days"]) == int(days)


def test_the_configured_zone_is_the_default(db_path, monkeypatch):
    client = create_app({"TESTING": True, "DATABASE": str(db_path), "TIMEZONE": "Asia/Tokyo"}).test_client()
    study_at(client, monkeypatch, ["2026-03-09T23:30:00Z"])
    freeze_clock(monkeypatch, "2026-03-10T12:00:00Z")
    body = history(client)
    assert (body["tz"], [day["date"] for day in body["days"]]) == ("Asia/Tokyo", ["2026-03-10"])
    assert history(client, tz="UTC")["days"][0]["date"] == "2026-03-09"
    freeze_clock(monkeypatch, "2026-03-11T06:00:00Z")  # 11 March in both zones
    assert (streak(client), streak(client, tz="UTC")) == (1, 0)


def test_the_zone_setting_is_read_from_the_environment(db_path, monkeypatch):
    monkeypatch.setenv("LANG_PORTAL_TIMEZONE", "America/New_York")
    client = create_app({"TESTING": True, "DATABASE": str(db_path)}).test_client()
    assert history(client)["tz"] == "America/New_York"


@pytest.mark.parametrize("value, shown", [("Mars/Base", "Mars/Base"), ("utc", "utc"), ("", ""), ("9", "9")])
def test_an_unknown_zone_setting_stops_start_up_with_one_line(db_path, monkeypatch, value, shown):
    monkeypatch.setenv("LANG_PORTAL_TIMEZONE", value)
    with pytest.raises(StartupError) as stopped:
        create_app({"TESTING": True, "DATABASE": str(db_path)})
    assert stopped.value.message == (f"LANG_PORTAL_TIMEZONE={shown} is not allowed: it must be an IANA time zone"
                                     " name such as UTC or Asia/Tokyo")


def test_history_reads_days_in_a_zone_whose_days_start_at_a_quarter_hour(client, db, monkeypatch):
    word = group_word_ids(db, 1)[0]
    # Kathmandu is UTC+05:45: its 10 March begins at 18:15 UTC on 9 March.
    study_at(client, monkeypatch, ["2026-03-09T18:14:59Z", "2026-03-09T18:15:00Z"], [(word, True)])
    freeze_clock(monkeypatch, "2026-03-10T12:00:00Z")
    days = history(client, tz="Asia/Kathmandu")["days"]
    assert [(day["date"], day["sessions"], day["reviews"]) for day in days] == [
        ("2026-03-09", 1, 1), ("2026-03-10", 1, 1)]



@pytest.mark.parametrize("zone", ["America/New_York", "America/Santiago", "Asia/Kathmandu", "Australia/Lord_Howe",
                                  "Europe/London", "Pacific/Chatham"])
def test_every_day_of_a_year_starts_at_its_midnight(zone):
    tz = ZoneInfo(zone)
    first, last = date(2026, 1, 1), date(2026, 12, 31)
    starts = clock.day_starts(first, last, tz)
    midnights = [clock.midnight(date.fromordinal(first.toordinal() + n), tz) for n in range(len(starts))]
    assert [datetime.fromtimestamp(start, timezone.utc) for start in starts] == midnights
    # every zone's days are made of whole quarter hours
    assert all(start % 900 == 0 for start in starts)
