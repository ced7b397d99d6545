import json
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from itertools import accumulate

from flask import Blueprint, jsonify

from lib.core import clock
from lib.core.json_text import array_text, dumps, object_text
from lib.web.answers import response
from lib.web.auth import current_learner, learner_id
from lib.web.caching import versioned
from lib.web.database import query_all, query_one, snapshot
from lib.web.validation import int_arg, time_zone_arg

bp = Blueprint("dashboard", __name__)

ACTIVE_GROUP_DAYS = 30
# history and forecast: `days` from 1 to a year
MAX_DAYS = 365
# a streak in a time zone is looked for in these last days first
RECENT_DAYS = 32


@bp.get("/dashboard/recent-session")
@versioned
def recent_session():
    """The learner's newest session with its results, or null when there is none."""
    return jsonify(query_one(
        """
        SELECT s.id, s.group_id, a.name AS activity_name, s.created_at,
               s.correct_count, s.review_items_count - s.correct_count AS wrong_count
        FROM study_sessions s JOIN study_activities a ON a.id = s.study_activity_id
        WHERE s.learner_id = ?
        ORDER BY s.created_at DESC, s.id DESC LIMIT 1
        """, (learner_id(),)
    ))


# Consecutive UTC days (the default zone), ending today or yesterday, with at
# least one session: kept on each day (migration 0012), so one lookup.
STREAK = ("SELECT coalesce(max(streak), 0) AS days FROM study_days WHERE learner_id = ?1 AND day ="
          " (SELECT max(day) FROM study_days WHERE learner_id = ?1 AND day IN (?2, ?3))")
TOTALS = """
SELECT l.words_count, t.words_studied, t.words_mastered, t.sessions_count, t.review_items_count, t.correct_count
FROM learning_totals l, learner_totals t WHERE t.learner_id = ?
"""


@bp.get("/dashboard/stats")
def stats():
    tz = time_zone_arg()
    now = clock.utcnow()
    with snapshot():
        totals = query_one(TOTALS, (learner_id(),))
        active_groups = query_one(
            "SELECT count(*) AS n FROM learner_groups WHERE learner_id = ? AND last_session_at >= ?",
            (learner_id(), clock.iso(now - timedelta(days=ACTIVE_GROUP_DAYS))),
        )["n"]
        if tz.key == "UTC":
            today = now.date()
            streak = query_one(STREAK, (learner_id(), today.isoformat(),
                                        (today - timedelta(days=1)).isoformat()))["days"]
        else:
            streak = current_streak_in(tz, clock.local_date(now, tz))
    reviews = totals["review_items_count"]
    return jsonify(
        total_vocabulary=totals["words_count"],
        total_words_studied=totals["words_studied"],
        mastered_words=totals["words_mastered"],
        success_rate=totals["correct_count"] / reviews if reviews else 0.0,
        total_sessions=totals["sessions_count"],
        active_groups=active_groups,
        current_streak=streak,
    )


# The learner's days, given as the learner, the Unix times at which the days
# begin and the one at which the last ends (a JSON array), and the date of the first: for
# each day the running totals at its end less those at its start, each found
# by one index seek (the last quarter that began before that time).
DAYS_OF_STUDY = """
WITH totals (day, sessions, reviews, correct) AS (
    SELECT t.key, coalesce(q.sessions_total, 0), coalesce(q.review_items_total, 0), coalesce(q.correct_total, 0)
    FROM json_each(?2) t
    LEFT JOIN study_quarters q ON q.learner_id = ?1 AND q.quarter = (
        SELECT quarter FROM study_quarters
        WHERE learner_id = ?1 AND quarter < strftime('%Y-%m-%dT%H:%M:%SZ', t.value, 'unixepoch')
        ORDER BY quarter DESC LIMIT 1)
)
SELECT date(?3, (day - 1) || ' days') AS date, sessions, reviews, correct FROM (
    SELECT day, sessions - lag(sessions) OVER by_day AS sessions, reviews - lag(reviews) OVER by_day AS reviews,
           correct - lag(correct) OVER by_day AS correct
    FROM totals WINDOW by_day AS (ORDER BY day)
)
WHERE day > 0
ORDER BY day
"""
FIRST_QUARTER = "SELECT min(quarter) AS quarter FROM study_quarters WHERE learner_id = ?"


def days_of_study(first, last, tz):
    """{"date", "sessions", "reviews", "correct"} for each date from ``first``
    to ``last``, the learner's days in the zone ``tz``."""
    return query_all(DAYS_OF_STUDY, (learner_id(), json.dumps(clock.day_starts(first, last, tz)), first.isoformat()))


def first_day_of_study(tz):
    """The learner's date of the first quarter with any study in it, or None."""
    quarter = query_one(FIRST_QUARTER, (learner_id(),))["quarter"]
    if quarter is None:
        return None
    return clock.local_date(datetime.fromisoformat(quarter.replace("Z", "+00:00")), tz)


def current_run(studied):
    """How many days in a row end the list of days studied (True) or not,
    or end one before its end: a streak lasts until a whole day passes
    without study."""
    if studied and not studied[-1]:
        studied = studied[:-1]
    run = 0
    for day in reversed(studied):
        if not day:
            break
        run += 1
    return run


def longest_run(studied):
    longest = run = 0
    for day in studied:
        run = run + 1 if day else 0
        longest = max(longest, run)
    return longest


def sessions_started(days):
    return [day["sessions"] > 0 for day in days]


def current_streak_in(tz, today):
    """The current streak in the zone ``tz``: the recent days, and the whole
    history only when the streak goes back further than them."""
    first = first_day_of_study(tz)
    if first is None or first > today:
        return 0
    recent = max(first, today - timedelta(days=RECENT_DAYS - 1))
    studied = sessions_started(days_of_study(recent, today, tz))
    if studied[0] and recent > first:
        studied = sessions_started(days_of_study(first, today, tz))
    return current_run(studied)


@bp.get("/dashboard/history")
def history():
    """Study per day in the learner's zone over the last ``days`` days, and the
    streaks of the whole history."""
    days = int_arg("days", 365, 1, MAX_DAYS)
    tz = time_zone_arg()
    today = clock.local_date(clock.utcnow(), tz)
    first = today - timedelta(days=days - 1)
    with snapshot():
        first_studied = first_day_of_study(tz)
        studied = days_of_study(min(first, first_studied or first), today, tz)
    streak_days = sessions_started(studied)
    return jsonify(
        tz=tz.key,
        days=[{**day, "accuracy": day["correct"] / day["reviews"] if day["reviews"] else None}
              for day in studied[-days:] if day["sessions"] or day["reviews"]],
        current_streak=current_run(streak_days),
        longest_streak=longest_run(streak_days),
    )


# How many schedules fell due before today (?2) and in the current hour (?3)
# up to ?4 (excluded: a second after now); and a JSON array of how many fall due in each
# range [key, value) of a JSON object of ISO times (?5), which json_each reads
# in order: one range of the due index each, compared with the stored text.
DUE_IN_RANGES = """
SELECT (SELECT count(*) FROM word_schedules WHERE learner_id = ?1 AND due < ?2) AS overdue,
       (SELECT count(*) FROM word_schedules WHERE learner_id = ?1 AND due >= ?3 AND due < ?4) AS this_hour,
       (SELECT json_group_array((SELECT count(*) FROM word_schedules
                                 WHERE learner_id = ?1 AND due >= r.key AND due < r.value))
        FROM json_each(?5) r) AS ranges
"""


class ForecastRanges:
    """What a forecast asks of the due index from the start of a clock hour
    in a zone, for a number of days: the same for every request in that hour.

    The hours and days are cut at every one of their starts (``ranges``, a
    JSON object {start: end} of ISO times, in order); an hour or a day is then
    the ranges from the cut at its start to the one at its end (a span of
    indexes into the cuts). The answer's hours and days are kept as JSON with
    a %d for each one's count."""

    def __init__(self, hour, tz, days):
        today = hour.date()
        first_hour = int(hour.timestamp())
        hours = [first_hour + n * 3600 for n in range(25)]
        day_starts = clock.day_starts(today, today + timedelta(days=days - 1), tz)
        cuts = sorted({*hours, *day_starts})
        at = {cut: n for n, cut in enumerate(cuts)}
        times = [clock.iso(datetime.fromtimestamp(cut, timezone.utc)) for cut in cuts]
        self.ranges = json.dumps(dict(zip(times, times[1:])))
        self.today_start, self.hour_start = times[at[day_starts[0]]], times[at[first_hour]]
        self.first_hour = at[first_hour]
        # the first hour starts with what fell due earlier today
        self.hour_spans = [(at[start if n else day_starts[0]], at[start + 3600]) for n, start in enumerate(hours[:-1])]
        self.day_spans = [(at[start], at[end]) for start, end in zip(day_starts, day_starts[1:])]
        self.hours_json = array_text([f'{{"start":"{times[at[start]]}","due":%d}}' for start in hours[:-1]])
        self.days_json = array_text([f'{{"date":"{today + timedelta(days=n)}","due":%d}}' for n in range(days)])

    def counts(self, spans, due_by, overdue):
        """How many fall due in each span, given how many fall due from
        today's start up to each cut; the ``overdue`` ones count in the first."""
        counts = [due_by[end] - due_by[begin] for begin, end in spans]
        counts[0] += overdue
        return tuple(counts)


@lru_cache(maxsize=64)
def forecast_ranges(hour_start, tz, days):
    """ForecastRanges from the Unix time ``hour_start``, kept: a few zones and
    lengths are asked for again and again within the hour."""
    return ForecastRanges(datetime.fromtimestamp(hour_start, tz), tz, days)


@bp.get("/dashboard/forecast")
def forecast():
    """How many words are due now, in each of the next 24 clock hours and on
    each of the next ``days`` days, in the learner's zone; what is overdue
    counts in the current hour and today."""
    days = int_arg("days", 30, 1, MAX_DAYS)
    tz = time_zone_arg()
    now = clock.utcnow()
    hour = now.astimezone(tz).replace(minute=0, second=0, microsecond=0)
    plan = forecast_ranges(int(hour.timestamp()), tz, days)
    until_now = clock.iso(now + clock.ONE_SECOND)  # due now: up to this second, included
    due = query_one(DUE_IN_RANGES, (learner_id(), plan.today_start, plan.hour_start, until_now, plan.ranges))
    overdue = due["overdue"]
    # due from today's start up to each cut
    due_by = [0, *accumulate(json.loads(due["ranges"]))]
    # 400 entries cost several times more as dicts through jsonify
    return response(object_text({
        "tz": dumps(tz.key),
        "now": dumps(clock.iso(now)),
        "due_now": str(overdue + due_by[plan.first_hour] + due["this_hour"]),
        "hours": plan.hours_json % plan.counts(plan.hour_spans, due_by, overdue),
        "days": plan.days_json % plan.counts(plan.day_spans, due_by, overdue),
    }))


# The running totals of answers given in the review state at each of a JSON
# array of ISO times: those of the last quarter that began before it, one
# index seek each.
IN_REVIEW_TOTALS_AT = """
SELECT coalesce(q.in_review_items_total, 0) AS reviews, coalesce(q.in_review_correct_total, 0) AS correct
FROM json_each(?2) t
LEFT JOIN study_quarters q ON q.learner_id = ?1 AND q.quarter = (
    SELECT quarter FROM study_quarters WHERE learner_id = ?1 AND quarter < t.value ORDER BY quarter DESC LIMIT 1)
ORDER BY t.key
"""
MAX_WEEKS = 52


@lru_cache(maxsize=64)
def week_starts(today, tz, weeks):
    """The dates of the Mondays that begin the last ``weeks`` weeks in the
    zone ``tz`` up to the one of ``today``; and the times at which those
    weeks and the next begin (a JSON array of ISO times). Kept: the same
    for every request of the day."""
    first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    starts = [first + timedelta(weeks=n) for n in range(weeks + 1)]
    return [day.isoformat() for day in starts[:-1]], json.dumps([clock.iso(clock.midnight(day, tz)) for day in starts])


def share(correct, reviews):
    return correct / reviews if reviews else None


@bp.get("/dashboard/retention")
def retention():
    """True retention per week (Monday to Sunday in the learner's zone, the
    current week last): of the answers given for a word already in the
    review state, the share that were right; beside the learner's desired
    retention, which the scheduler aims at."""
    weeks = int_arg("weeks", 12, 1, MAX_WEEKS)
    tz = time_zone_arg()
    dates, times = week_starts(clock.local_date(clock.utcnow(), tz), tz, weeks)
    totals = query_all(IN_REVIEW_TOTALS_AT, (learner_id(), times))
    reviews, correct = totals[-1]["reviews"] - totals[0]["reviews"], totals[-1]["correct"] - totals[0]["correct"]
    return jsonify(
        tz=tz.key,
        desired_retention=current_learner().desired_retention,
        weeks=[week(date, end["reviews"] - begin["reviews"], end["correct"] - begin["correct"])
               for date, begin, end in zip(dates, totals, totals[1:])],
        reviews=reviews,
        correct=correct,
        retention=share(correct, reviews),
    )


def week(start, reviews, correct):
    return {"start": start, "reviews": reviews, "correct": correct, "retention": share(correct, reviews)}


# Anki's threshold: a word in review whose stability (days until recall
# falls to 90 %) is at least this is mature; migration 0017 counts with it.
MATURE_STABILITY_DAYS = 21
# Each group with the learner's counts of its words by state, kept as
# schedules and groups change (learner_group_states): one row per group.
GROUPS_BY_STATE = """
SELECT g.id, g.name, g.word_count, coalesce(c.learning, 0) AS learning, coalesce(c.review, 0) AS review,
       coalesce(c.mature, 0) AS mature
FROM groups g LEFT JOIN learner_group_states c ON c.learner_id = ? AND c.group_id = g.id
ORDER BY g.name, g.id
"""


@bp.get("/dashboard/groups")
@versioned
def groups_by_state():
    """Each group with how many of its words the learner has never reviewed,
    is learning, has in review, and has mature; in name order."""
    groups = query_all(GROUPS_BY_STATE, (learner_id(),))
    return jsonify(groups=[{**{key: group[key] for key in ("id", "name", "word_count")},
                            "new": group["word_count"] - group["learning"] - group["review"] - group["mature"],
                            **{key: group[key] for key in ("learning", "review", "mature")}} for group in groups],
                   mature_stability_days=MATURE_STABILITY_DAYS)
