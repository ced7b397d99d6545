import json
from datetime import datetime, timedelta, timezone
from itertools import accumulate

from flask import Blueprint, jsonify

from lib.core import clock
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


# How many schedules fall due in each [start, end) of a JSON array of pairs of
# Unix times: one range of the due index each.
DUE_IN_RANGES = """
SELECT (SELECT count(*) FROM word_schedules
        WHERE learner_id = ?1
          AND due >= strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(r.value, '$[0]'), 'unixepoch')
          AND due < strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(r.value, '$[1]'), 'unixepoch')) AS due
FROM json_each(?2) r
ORDER BY r.key
"""


def due_from(start, ends):
    """{end: how many words fall due from the Unix time ``start`` up to
    ``end``} for each of ``ends`` (and 0 for ``start``): each schedule is
    counted once, in the range between the ends around it."""
    ends = sorted(set(ends))
    counts = query_all(DUE_IN_RANGES, (learner_id(), json.dumps(list(zip([start] + ends[:-1], ends)))))
    return {start: 0, **dict(zip(ends, accumulate(row["due"] for row in counts)))}


def due_between(due_by, starts, overdue):
    """How many fall due between each start and the next, given ``due_by``
    (see due_from); the ``overdue`` ones count in the first."""
    return [due_by[end] - due_by[start] + (overdue if n == 0 else 0)
            for n, (start, end) in enumerate(zip(starts, starts[1:]))]


@bp.get("/dashboard/forecast")
def forecast():
    """How many words are due now, in each of the next 24 clock hours and on
    each of the next ``days`` days, in the learner's zone; what is overdue
    counts in the current hour and today."""
    days = int_arg("days", 30, 1, MAX_DAYS)
    tz = time_zone_arg()
    now = clock.utcnow()
    hour = now.astimezone(tz).replace(minute=0, second=0, microsecond=0)
    hours = [int(hour.timestamp()) + n * 3600 for n in range(25)]
    today = clock.local_date(now, tz)
    day_starts = clock.day_starts(today, today + timedelta(days=days - 1), tz)
    # What fell due before today is counted once (it may be most of the
    # schedules); every range after it is of today or later.
    today_start = day_starts[0]
    until_now = int(now.timestamp()) + 1  # due now: up to this second, included
    with snapshot():
        overdue = query_one("SELECT count(*) AS n FROM word_schedules WHERE learner_id = ? AND due < ?",
                            (learner_id(), clock.iso(datetime.fromtimestamp(today_start, timezone.utc))))["n"]
        due_by = due_from(today_start, [until_now, *hours[1:], *day_starts[1:]])
    due_now = overdue + due_by[until_now]
    # the first hour and today start with what fell due earlier today
    due_per_hour = due_between(due_by, [today_start, *hours[1:]], overdue)
    due_per_day = due_between(due_by, day_starts, overdue)
    return jsonify(
        tz=tz.key,
        now=clock.iso(now),
        due_now=due_now,
        hours=[{"start": clock.iso(datetime.fromtimestamp(start, timezone.utc)), "due": due}
               for start, due in zip(hours, due_per_hour)],
        days=[{"date": (today + timedelta(days=n)).isoformat(), "due": due} for n, due in enumerate(due_per_day)],
    )


# The running totals of answers given in the review state at each of a JSON
# array of Unix times: those of the last quarter that began before it, one
# index seek each.
IN_REVIEW_TOTALS_AT = """
SELECT coalesce(q.in_review_items_total, 0) AS reviews, coalesce(q.in_review_correct_total, 0) AS correct
FROM json_each(?2) t
LEFT JOIN study_quarters q ON q.learner_id = ?1 AND q.quarter = (
    SELECT quarter FROM study_quarters
    WHERE learner_id = ?1 AND quarter < strftime('%Y-%m-%dT%H:%M:%SZ', t.value, 'unixepoch')
    ORDER BY quarter DESC LIMIT 1)
ORDER BY t.key
"""
MAX_WEEKS = 52


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
    today = clock.local_date(clock.utcnow(), tz)
    first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    starts = [first + timedelta(weeks=n) for n in range(weeks + 1)]
    at = [int(clock.midnight(day, tz).timestamp()) for day in starts]
    totals = query_all(IN_REVIEW_TOTALS_AT, (learner_id(), json.dumps(at)))
    per_week = [{"start": start.isoformat(), "reviews": end["reviews"] - begin["reviews"],
                 "correct": end["correct"] - begin["correct"]}
                for start, begin, end in zip(starts, totals, totals[1:])]
    reviews, correct = sum(week["reviews"] for week in per_week), sum(week["correct"] for week in per_week)
    return jsonify(
        tz=tz.key,
        desired_retention=current_learner().desired_retention,
        weeks=[{**week, "retention": share(week["correct"], week["reviews"])} for week in per_week],
        reviews=reviews,
        correct=correct,
        retention=share(correct, reviews),
    )


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
