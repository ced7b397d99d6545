import json
from bisect import bisect_right
from contextlib import closing
from datetime import date, datetime, timedelta
from functools import lru_cache
from heapq import merge
from itertools import accumulate
from operator import itemgetter, sub

from flask import Blueprint, jsonify

from lib.core import clock
from lib.core.json_text import array_text, dumps, object_text
from lib.store.schedules import DUE_BEFORE
from lib.web.answers import response
from lib.web.auth import current_learner, learner_id
from lib.web.caching import versioned
from lib.web.database import get_db, query_all, query_one, query_tuples, snapshot
from lib.web.settled import SettledQuarters
from lib.web.validation import int_arg, time_zone_arg

bp = Blueprint("dashboard", __name__)

ACTIVE_GROUP_DAYS = 30
# history and forecast: `days` from 1 to a year
MAX_DAYS = 365


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


# The learner's running totals {columns} (of study_quarters) at each of a
# JSON array of stored times: those of the last quarter that began before
# it, one index seek each. As one JSON array of arrays: one value to read,
# where a row per time would cost a row each.
TOTALS_AT = """
SELECT '[' || group_concat(totals) || ']' AS totals FROM (
    SELECT coalesce((SELECT json_array({columns})
                     FROM study_quarters WHERE learner_id = ?1 AND quarter < t.value
                     ORDER BY quarter DESC LIMIT 1), '{zeros}') AS totals
    FROM json_each(?2) t ORDER BY t.key)
"""
STUDY_TOTALS_AT = TOTALS_AT.format(columns="sessions_total, review_items_total, correct_total", zeros="[0,0,0]")
# of the answers given for a word in the review state
IN_REVIEW_TOTALS_AT = TOTALS_AT.format(columns="in_review_items_total, in_review_correct_total", zeros="[0,0]")


def totals_at(settled, totals_sql, times):
    """The learner's running totals of ``totals_sql`` (one of the above) at
    each of ``times`` (stored times, in order); those at settled times kept
    (SettledQuarters ``settled``): a year of history then reads the totals
    of its last day or two. Call inside ``snapshot()``."""
    kept, settled_times = settled.kept(totals_sql), settled.count_settled(times)
    unkept = [at for at in times[:settled_times] if at not in kept]
    missing = unkept + times[settled_times:]
    if missing:
        read = dict(zip(missing, json.loads(query_one(totals_sql, (learner_id(), json.dumps(missing)))["totals"])))
        settled.keep(kept, {at: read[at] for at in unkept})
        return [read[at] if at in read else kept[at] for at in times]
    return [kept[at] for at in times]


def study_per_day(settled, first, last, tz):
    """The sessions, the reviews and the right answers of each date from
    ``first`` to ``last``, the learner's days in the zone ``tz``: three lists."""
    totals = totals_at(settled, STUDY_TOTALS_AT, clock.day_start_times(first, last, tz))
    return [list(map(sub, running[1:], running)) for running in zip(*totals)]


# The learner's last two study days (UTC days) up to a date. The latest
# session before a time on that date is on one of them, and on the same day
# of the learner's zone as the latest of their first and last sessions
# before that time.
LATEST_STUDY_DAYS = ("SELECT last_session_at, first_session_at FROM study_days WHERE learner_id = ? AND day <= ?"
                     " ORDER BY day DESC LIMIT 2")
FIRST_STUDY_DAY = "SELECT min(day) AS day FROM study_days WHERE learner_id = ?"
# The study days after a pause of a day or more (migration 0025) up to a
# date, the latest first: each day's first session and the last session
# before it (None before the first day).
PAUSES = """
SELECT d.first_session_at, (SELECT p.last_session_at FROM study_days p WHERE p.learner_id = d.learner_id
                            AND p.day < d.day ORDER BY p.day DESC LIMIT 1) AS last_before
FROM study_days d WHERE d.learner_id = ? AND d.after_pause AND d.day <= ? ORDER BY d.day DESC
"""
# Whether a first or a last session of a study day falls from ?2 to ?3
# (stored times; ?3 excluded), which are less than a day apart.
STUDIED_BETWEEN = """
SELECT EXISTS (SELECT 1 FROM study_days WHERE learner_id = ?1 AND day BETWEEN substr(?2, 1, 10) AND substr(?3, 1, 10)
               AND (first_session_at >= ?2 AND first_session_at < ?3 OR last_session_at >= ?2 AND last_session_at < ?3))
       AS studied
"""


def study_runs(tz, today):
    """The learner's runs of days with study in the zone ``tz`` up to
    ``today``, the latest first: (first, last) of each, as day numbers
    (date.toordinal), read as they are asked for.

    A day has study when a session started in it. A UTC day's sessions fall
    on at most two of the learner's days in any zone, and its first and its
    last fall on both (tests/test_time_zones.py holds every zone to it): the
    study days' first and last sessions tell the days (migration 0019). A
    day of 24 hours or more without study lies in a pause of a day or more
    between two of them (migration 0025); a shorter day, where the clocks go
    forward, is looked at on its own. So the runs are read from the pauses
    and the short days, however many days they hold."""
    learner = learner_id()
    first_study_day = query_one(FIRST_STUDY_DAY, (learner,))["day"]
    if first_study_day is None:
        return
    # A UTC day's sessions may fall on the day before it in the zone.
    first = date.fromisoformat(first_study_day) - clock.ONE_DAY
    if first > today:
        return
    # the start of each day from the first (day 0) to today, and tomorrow's
    starts = clock.day_start_times(first, today, tz)
    times = [at for row in query_tuples(LATEST_STUDY_DAYS, (learner, starts[-1][:10])) for at in row
             if at < starts[-1]]
    if not times:
        return

    def day_of(stored_time):
        return bisect_right(starts, stored_time) - 1

    end = day_of(max(times))
    short_days = [(day - first).days for day in clock.short_days(first, first + timedelta(days=end), tz)]
    origin = first.toordinal()
    with closing(get_db().cursor()) as cursor:
        cursor.execute(PAUSES, (learner, max(times)[:10]))
        days_without_study = merge(days_without_study_in_pauses(cursor, day_of),
                                   short_days_without_study(learner, short_days, starts),
                                   key=itemgetter(1), reverse=True)
        for first_without, last_without in days_without_study:
            if last_without < end:
                yield origin + last_without + 1, origin + end
            if first_without is None:
                return
            end = min(end, first_without - 1)


def days_without_study_in_pauses(pauses, day_of):
    """The days without study in each of ``pauses`` (rows of PAUSES), as
    (first, last) of the days ``day_of`` numbers, the latest first; the
    days before the first study day as (None, last)."""
    for first, last_before in pauses:
        first_day = day_of(first)
        if last_before is None:
            yield None, first_day - 1
        elif first_day - day_of(last_before) > 1:
            yield day_of(last_before) + 1, first_day - 1


def short_days_without_study(learner, short_days, starts):
    """Those of ``short_days`` (numbers of the days that begin at
    ``starts``, the latest first) without study, each as (day, day)."""
    for day in short_days:
        if not query_one(STUDIED_BETWEEN, (learner, starts[day], starts[day + 1]))["studied"]:
            yield day, day


def runs_in(first, counts):
    """The runs of days with a count of more than 0 in ``counts`` (one for
    each day from the date ``first`` on), as study_runs gives them, the
    latest first."""
    runs, start, origin = [], None, first.toordinal()
    for n, count in enumerate([*counts, 0]):
        if count and start is None:
            start = n
        elif not count and start is not None:
            runs.append((origin + start, origin + n - 1))
            start = None
    return runs[::-1]


def days_in(run):
    first, last = run
    return last - first + 1


def current_streak(runs, today):
    """The days of the latest of ``runs`` (study_runs), if it ends today or
    yesterday: a streak lasts until a whole day passes without study."""
    latest = next(runs, None)
    return days_in(latest) if latest is not None and today.toordinal() - latest[1] <= 1 else 0


def current_streak_in(tz, today):
    with closing(study_runs(tz, today)) as runs:
        return current_streak(runs, today)


def runs_until(settled, tz, last):
    """study_runs(tz, last), the latest first, as a list: kept (SettledQuarters
    ``settled``) once the day after ``last`` began in a settled quarter, for
    the runs follow from the sessions before it. A learner's longest streak
    then reads no pause before the days shown."""
    if not settled.settled_before(clock.iso(clock.midnight(last + clock.ONE_DAY, tz))):
        with closing(study_runs(tz, last)) as found:
            return list(found)
    kept = settled.kept("runs")
    runs = kept.get((tz.key, last))
    if runs is None:
        with closing(study_runs(tz, last)) as found:
            runs = list(found)
        settled.keep(kept, {(tz.key, last): runs})
    return runs


@bp.get("/dashboard/history")
def history():
    """Study per day in the learner's zone over the last ``days`` days, and the
    streaks of the whole history."""
    days = int_arg("days", 365, 1, MAX_DAYS)
    tz = time_zone_arg()
    today = clock.local_date(clock.utcnow(), tz)
    first = today - timedelta(days=days - 1)
    with snapshot():
        settled = SettledQuarters()
        sessions, reviews, correct = study_per_day(settled, first, today, tz)
        # the days shown tell their own runs; the study days, those before them
        runs = runs_in(first, sessions)
        for run in runs_until(settled, tz, first - clock.ONE_DAY):
            if runs and runs[-1][0] - run[1] == 1:  # a run into the days shown
                runs[-1] = (run[0], runs[-1][1])
            else:
                runs.append(run)
    return response(object_text({
        "tz": dumps(tz.key),
        "days": array_text([day_text(*day) for day in zip(clock.date_texts(first, today), sessions, reviews, correct)
                            if day[1] or day[2]]),
        "current_streak": str(current_streak(iter(runs), today)),
        "longest_streak": str(max(map(days_in, runs), default=0)),
    }))


# Kept: a year of history is asked for again and again, and its days but
# the last few are the same each time; writing a day's float is most of
# what writing a day costs.
@lru_cache(maxsize=4096)
def day_text(day, sessions, reviews, correct):
    """A day of the history (``day`` an ISO date) as JSON text, as jsonify
    would write it: a date and integers need no escaping, and JSON writes a
    float as its repr."""
    accuracy = repr(correct / reviews) if reviews else "null"
    return (f'{{"date":"{day}","sessions":{sessions},"reviews":{reviews},"correct":{correct},'
            f'"accuracy":{accuracy}}}')


# How many schedules fell due before today (?2) and in the current hour (?3)
# up to ?4 (excluded: a second after now); and JSON arrays of how many fall
# due in each range of two JSON objects of ISO times, which json_each reads
# in order: ranges of whole hours [key, value) (?5), added up from the
# learner's due hours, and ranges within an hour [value, key) (?6), counted
# on the index.
DUE_IN_RANGES = f"""
SELECT {DUE_BEFORE.format(learner="?1", moment="?2")} AS overdue,
       (SELECT count(*) FROM word_schedules WHERE learner_id = ?1 AND due >= ?3 AND due < ?4) AS this_hour,
       (SELECT json_group_array((SELECT coalesce(sum(words), 0) FROM learner_due_hours
                                 WHERE learner_id = ?1 AND hour >= r.key AND hour < r.value))
        FROM json_each(?5) r) AS in_hours,
       (SELECT json_group_array((SELECT count(*) FROM word_schedules
                                 WHERE learner_id = ?1 AND due >= r.value AND due < r.key))
        FROM json_each(?6) r) AS within_hours
"""


class ForecastRanges:
    """What a forecast asks of the schedules from the start of a clock hour
    in a zone, for a number of days: the same for every request in that hour.

    The hours and days are cut at every one of their starts. What falls due
    up to a cut is what falls due in the whole hours (UTC) before the hour
    the cut lies in, then in that hour up to the cut. ``in_hours`` (a JSON
    object {start: end} of ISO times, in order) spans the whole hours
    between the hours of two cuts in a row; ``within_hours`` ({cut: its
    hour's start}) spans the rest of an hour before each cut off the whole
    hour (in a zone half or a quarter of an hour off UTC). An hour or a day
    of the answer is then what falls due from the cut at its start to the
    one at its end (a span of indexes into the cuts). The answer's hours and
    days are kept as JSON with a %d for each one's count."""

    def __init__(self, hour, tz, days):
        today = hour.date()
        first_hour = int(hour.timestamp())
        hours = [first_hour + n * 3600 for n in range(25)]
        day_starts = clock.day_starts(today, today + timedelta(days=days - 1), tz)
        cuts = sorted({*hours, *day_starts})
        at = {cut: n for n, cut in enumerate(cuts)}
        self.cut_count = len(cuts)
        times = [clock.iso_of_second(cut) for cut in cuts]
        hour_of = [cut - cut % 3600 for cut in cuts]
        # cuts whose hour is not the one of the cut before
        self.hour_steps = [n for n in range(1, len(cuts)) if hour_of[n] != hour_of[n - 1]]
        self.in_hours = json.dumps({clock.iso_of_second(hour_of[n - 1]): clock.iso_of_second(hour_of[n])
                                    for n in self.hour_steps})
        self.off_hour = [n for n, cut in enumerate(cuts) if cut % 3600]
        self.within_hours = json.dumps({times[n]: clock.iso_of_second(hour_of[n]) for n in self.off_hour})
        self.today_start, self.hour_start = times[at[day_starts[0]]], times[at[first_hour]]
        self.first_hour = at[first_hour]
        # the first hour starts with what fell due earlier today
        self.hour_spans = [(at[start if n else day_starts[0]], at[start + 3600]) for n, start in enumerate(hours[:-1])]
        self.day_spans = [(at[start], at[end]) for start, end in zip(day_starts, day_starts[1:])]
        self.hours_json = array_text([f'{{"start":"{times[at[start]]}","due":%d}}' for start in hours[:-1]])
        self.days_json = array_text([f'{{"date":"{today + timedelta(days=n)}","due":%d}}' for n in range(days)])

    def due_by(self, in_hours, within_hours):
        """How many fall due from the start of the first cut's hour up to
        each cut, given how many fall due in each range of ``in_hours`` and
        of ``within_hours``."""
        steps = [0] * self.cut_count
        for n, count in zip(self.hour_steps, in_hours):
            steps[n] = count
        due_by = list(accumulate(steps))
        for n, count in zip(self.off_hour, within_hours):
            due_by[n] += count
        return due_by

    def counts(self, spans, due_by, overdue):
        """How many fall due in each span, given ``due_by``; the ``overdue``
        ones count in the first."""
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
    due = query_one(DUE_IN_RANGES, (learner_id(), plan.today_start, plan.hour_start, until_now, plan.in_hours,
                                    plan.within_hours))
    overdue = due["overdue"]
    due_by = plan.due_by(json.loads(due["in_hours"]), json.loads(due["within_hours"]))
    # 400 entries cost several times more as dicts through jsonify
    return response(object_text({
        "tz": dumps(tz.key),
        "now": dumps(clock.iso(now)),
        # what fell due before today, then today before this hour, then this hour up to now
        "due_now": str(overdue + due_by[plan.first_hour] - due_by[0] + due["this_hour"]),
        "hours": plan.hours_json % plan.counts(plan.hour_spans, due_by, overdue),
        "days": plan.days_json % plan.counts(plan.day_spans, due_by, overdue),
    }))


MAX_WEEKS = 52


@lru_cache(maxsize=64)
def week_starts(today, tz, weeks):
    """The dates of the Mondays that begin the last ``weeks`` weeks in the
    zone ``tz`` up to the one of ``today``; and the times at which those
    weeks and the next begin (stored times). Kept: the same for every
    request of the day."""
    first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    starts = [first + timedelta(weeks=n) for n in range(weeks + 1)]
    return [day.isoformat() for day in starts[:-1]], [clock.iso(clock.midnight(day, tz)) for day in starts]


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
    with snapshot():
        totals = totals_at(SettledQuarters(), IN_REVIEW_TOTALS_AT, times)
    reviews, correct = totals[-1][0] - totals[0][0], totals[-1][1] - totals[0][1]
    return jsonify(
        tz=tz.key,
        desired_retention=current_learner().desired_retention,
        weeks=[week(date, end[0] - begin[0], end[1] - begin[1]) for date, begin, end in zip(dates, totals, totals[1:])],
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
