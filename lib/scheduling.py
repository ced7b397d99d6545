"""Spaced repetition: every word's FSRS schedule, the one place FSRS is used.

A word's schedule is a row of ``word_schedules`` (no row: a new word). Each
recorded review moves it on by one ``review_card`` of the ``fsrs`` package,
in the transaction that stores the review; ``replay`` rebuilds schedules
from the stored reviews and gives exactly what reviewing them live gave:
the review times are the stored ones (whole seconds, UTC) and the fuzz of
each due date is drawn from a generator seeded by the word and its review
count, not from the module-wide ``random``.
"""
import os
import random
import threading
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import click
from flask import current_app, has_app_context
from flask.cli import with_appcontext
from fsrs import Card, Rating, Scheduler, State
from fsrs.scheduler import FUZZ_RANGES

from lib import clock, json_answers
from lib.db import connect, immediate, placeholders

RATINGS = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}
RATING_BY_VALUE = {rating.value: rating for rating in Rating}
STATES = {State.Learning: "learning", State.Review: "review", State.Relearning: "relearning"}
STATE_BY_VALUE = {state.value: state for state in State}

RETENTION_VARIABLE = "LANG_PORTAL_DESIRED_RETENTION"
DEFAULT_RETENTION = 0.9

# A schedule's columns as the read queries select them (``s`` is word_schedules).
COLUMNS = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")
SELECT_COLUMNS = ", ".join(f"s.{column}" for column in COLUMNS)
# {ids}: the placeholders of the words' ids
SCHEDULES_BY_ID = f"SELECT s.word_id, {SELECT_COLUMNS} FROM word_schedules s WHERE s.word_id IN ({{ids}})"

SAVE = """
INSERT INTO word_schedules (word_id, state, step, stability, difficulty, due, last_review, reps, lapses,
                            first_reviewed_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (word_id) DO UPDATE SET
    state = excluded.state, step = excluded.step, stability = excluded.stability,
    difficulty = excluded.difficulty, due = excluded.due, last_review = excluded.last_review,
    reps = excluded.reps
"""
# Lapses are set apart, and only when they change: naming a column in SET
# rewrites its index entry (the leeches' index) even when the value stays.
LAPSED = "UPDATE word_schedules SET lapses = ? WHERE word_id = ?"
# Each word's reviews in the order they were given, read from the index on
# (word_id, created_at), whose rowid breaks ties: nothing is sorted.
REVIEWS = """
SELECT word_id, coalesce(rating, CASE correct WHEN 1 THEN 3 ELSE 1 END), created_at
FROM word_review_items {where} ORDER BY word_id, created_at, id
"""
PROGRESS_EVERY = 10000
# Outlooks kept per scheduler: a due queue of 100 words reads 100 of them,
# and each holds for a day.
OUTLOOKS_KEPT = 20000


class SeededScheduler(Scheduler):
    """fsrs's Scheduler with repeatable fuzz: a review's fuzz is drawn from a
    ``random.Random`` seeded by the word and the reviews it had before, so
    the same review always gets the same due date, live or replayed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._seed = threading.local()  # one scheduler serves every thread
        self.outlook = lru_cache(maxsize=OUTLOOKS_KEPT)(self._outlook)

    def review(self, card, rating, reviewed_at, reps):
        """``card`` after one review at ``reviewed_at`` (aware UTC, whole
        seconds); ``reps``: how many reviews the word had before this one."""
        self._seed.value = (card.card_id << 32) + reps
        return self.review_card(card, rating, reviewed_at)[0]

    def _outlook(self, word_id, state, step, stability, difficulty, due, last_review, reps, lapses, elapsed_days):
        """(schedule, its JSON text, ((rating name, wait), ...)) of a schedule
        row (see outlook_view) reviewed ``elapsed_days`` whole days after
        its last review: what a client is shown of it, its chance of recall
        included, and how long after the review it would be due.

        fsrs reads a review's time only as whole days since the last review,
        and dates the card's next review from it: one outlook serves every
        moment of that day, so each is computed once and kept."""
        card = card_from(word_id, None if state is None else {
            "state": state, "step": step, "stability": stability, "difficulty": difficulty,
            "due": None, "last_review": last_review})
        moment = card.last_review + timedelta(days=elapsed_days) if card.last_review else clock.EPOCH
        schedule = None if state is None else schedule_object(
            {"state": state, "due": due, "stability": stability, "difficulty": difficulty, "reps": reps,
             "lapses": lapses}, self.get_card_retrievability(card, moment))
        return schedule, json_answers.dumps(schedule), tuple(
            (name, self.review(card, rating, moment, reps or 0).due - moment) for name, rating in RATINGS.items())

    def _get_fuzzed_interval(self, *, interval):
        # fsrs 6.3.2's fuzz, drawn from the seeded generator.
        days = interval.days
        if days < 2.5:
            return interval
        delta = 1.0 + sum(fuzz["factor"] * max(min(float(days), fuzz["end"]) - fuzz["start"], 0.0)
                          for fuzz in FUZZ_RANGES)
        high = min(round(days + delta), self.maximum_interval)
        low = min(max(2, round(days - delta)), high)
        drawn = random.Random(self._seed.value).random() * (high - low + 1) + low
        return timedelta(days=min(round(drawn), self.maximum_interval))


# --- configuration ------------------------------------------------------------

@lru_cache(maxsize=8)
def build_scheduler(desired_retention):
    return SeededScheduler(desired_retention=desired_retention)


def scheduler():
    """The app's scheduler; outside the app (migrate.py), the one the
    environment configures, checked as the app checks it."""
    if has_app_context():
        return current_app.extensions["scheduler"]
    from lib import settings  # not at the top: it reads lib.validation, which reads RATINGS here
    config = {"DESIRED_RETENTION": os.environ.get(RETENTION_VARIABLE, DEFAULT_RETENTION)}
    settings.check(config, set(), environ={})
    return build_scheduler(config["DESIRED_RETENTION"])


def new_per_day():
    return current_app.config["NEW_PER_DAY"]


# --- one review, and a history replayed -----------------------------------------

def parse_time(text):
    return datetime.fromisoformat(text) if text is not None else None


def card_from(word_id, row):
    """The fsrs card of a schedule row, or a new card for ``row`` None."""
    if row is None or row["state"] is None:
        return Card(card_id=word_id)  # an id, or fsrs sleeps a millisecond to make one
    return Card(card_id=word_id, state=STATE_BY_VALUE[row["state"]], step=row["step"],
                stability=row["stability"], difficulty=row["difficulty"],
                due=parse_time(row["due"]),
                last_review=parse_time(row["last_review"]))


def lapse(card, rating):
    """1 for a lapse (Again while in the Review state, as Anki counts one)."""
    return int(rating == Rating.Again and card.state == State.Review)


def schedule_row(word_id, card, reps, lapses, first_reviewed_at):
    return (word_id, card.state.value, card.step, card.stability, card.difficulty, clock.iso(card.due),
            clock.iso(card.last_review), reps, lapses, first_reviewed_at)


def apply_review(db, word_id, rating, reviewed_at):
    """Move the word's schedule on by one review given ``rating`` at
    ``reviewed_at`` (the ISO time stored with the review). Call inside the
    write transaction that stores the review."""
    apply_reviews(db, [(word_id, rating)], reviewed_at)


def apply_reviews(db, reviews, reviewed_at):
    """``apply_review`` for each (word_id, rating) of ``reviews``, in order
    (a word may come more than once): one read of the schedules, one write."""
    word_ids = sorted({word_id for word_id, _ in reviews})
    found = {row["word_id"]: row
             for row in db.execute(SCHEDULES_BY_ID.format(ids=placeholders(word_ids)), word_ids)}
    cards = {word_id: (card_from(word_id, row), row["reps"], row["lapses"]) for word_id, row in found.items()}
    review = scheduler().review
    moment = parse_time(reviewed_at)
    for word_id, rating in reviews:
        card, reps, lapses = cards.get(word_id) or (card_from(word_id, None), 0, 0)
        cards[word_id] = (review(card, rating, moment, reps), reps + 1, lapses + lapse(card, rating))
    db.executemany(SAVE, [schedule_row(word_id, card, reps, lapses, reviewed_at)
                          for word_id, (card, reps, lapses) in cards.items()])
    db.executemany(LAPSED, [(lapses, word_id) for word_id, (_, _, lapses) in cards.items()
                            if word_id in found and lapses != found[word_id]["lapses"]])


def replay(db, word_ids=None, progress=None):
    """Rebuild the schedules of ``word_ids`` (every word's if None) from
    their stored reviews, in the order they were given; return how many
    schedules there are now. ``progress(n)`` is told of every n reviews
    done. Call inside a write transaction."""
    if word_ids is None:
        db.execute("DELETE FROM word_schedules")
        batches = [("", ())]
    else:
        word_ids = sorted(set(word_ids))
        db.executemany("DELETE FROM word_schedules WHERE word_id = ?", [(word_id,) for word_id in word_ids])
        batches = [("WHERE word_id = ?", (word_id,)) for word_id in word_ids]
    review = scheduler().review
    again, in_review = Rating.Again, State.Review
    rows, done = [], 0
    for where, params in batches:
        reviews = db.cursor()
        reviews.row_factory = None  # plain tuples: a million of them
        word_id = card = None
        for reviewed_word, rating, created_at in reviews.execute(REVIEWS.format(where=where), params):
            if reviewed_word != word_id:
                if card is not None:
                    rows.append(schedule_row(word_id, card, reps, lapses, first))
                word_id, card, reps, lapses, first = reviewed_word, Card(card_id=reviewed_word), 0, 0, created_at
            rating = RATING_BY_VALUE[rating]
            lapses += rating == again and card.state == in_review
            card = review(card, rating, datetime.fromisoformat(created_at), reps)
            reps += 1
            done += 1
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(PROGRESS_EVERY)
        if card is not None:
            rows.append(schedule_row(word_id, card, reps, lapses, first))
    db.executemany(SAVE, rows)
    if progress is not None:
        progress(done % PROGRESS_EVERY)
    return len(rows)


# --- what a client is shown -------------------------------------------------------

def now_whole_seconds():
    """Now, to the second, as a review recorded now would be stored."""
    return clock.utcnow().astimezone(timezone.utc).replace(microsecond=0)


def outlook(row, now):
    """The schedule ``row``'s outlook (see ``SeededScheduler.outlook``) at
    ``now`` (aware UTC, whole seconds)."""
    last_review = row["last_review"]
    elapsed_days = (now - parse_time(last_review)).days if last_review is not None else 0
    return scheduler().outlook(row["word_id"], row["state"], row["step"], row["stability"], row["difficulty"],
                               row["due"], last_review, row["reps"], row["lapses"], elapsed_days)


def schedule_view(row, now):
    """The ``schedule`` object of a word at ``now``: None for a new word.
    ``row`` has ``word_id`` and the schedule's COLUMNS (None for a word never
    reviewed). One run of fsrs's formula: the four reviews are not needed."""
    if row["state"] is None:
        return None
    return schedule_object(row, scheduler().get_card_retrievability(card_from(row["word_id"], row), now))


def outlook_view(row, now):
    """(schedule, next_due) of a word in a due queue, from its kept outlook:
    its ``schedule`` object and when it would come back after each rating
    given ``now``: {"again": iso, "hard": iso, "good": iso, "easy": iso}."""
    schedule, _, waits = outlook(row, now)
    return (schedule and dict(schedule)), {name: clock.iso(now + wait) for name, wait in waits}


def schedule_object(row, retrievability):
    """The ``schedule`` a client is shown of a schedule row."""
    return {"state": STATES[STATE_BY_VALUE[row["state"]]], "due": row["due"], "stability": row["stability"],
            "difficulty": row["difficulty"], "retrievability": retrievability, "reps": row["reps"],
            "lapses": row["lapses"]}


# next_due as jsonify writes it, given its four times
NEXT_DUE_TEXT = json_answers.object_text(**{name: '"%s"' for name in RATINGS})


def outlook_texts(row, now):
    """``outlook_view(row, now)`` as two JSON texts, as jsonify writes them;
    the schedule's is kept with its outlook."""
    _, schedule_text, waits = outlook(row, now)
    return schedule_text, NEXT_DUE_TEXT % tuple(clock.iso(now + wait) for _, wait in waits)


# --- the app's side -------------------------------------------------------------------

def init_app(app):
    """Build the app's scheduler (its settings are checked by lib/settings.py);
    add ``flask reschedule``."""
    app.extensions["scheduler"] = build_scheduler(app.config["DESIRED_RETENTION"])
    app.cli.add_command(reschedule_command)


@click.command("reschedule")
@with_appcontext
def reschedule_command():
    """Rebuild every word's schedule from the review history (idempotent)."""
    conn = connect(current_app.config["DATABASE"])
    try:
        with immediate(conn):
            total = conn.execute("SELECT review_items_count FROM learning_totals").fetchone()[0]
            with click.progressbar(length=total, label="replaying reviews") as bar:
                words = replay(conn, progress=bar.update)
    finally:
        conn.close()
    click.echo(f"rescheduled {words} words from {total} reviews")
