"""Every learner's stored FSRS schedule of each word: moved on by each review
in the transaction that stores it, and rebuilt from the stored reviews by a
replay (the arithmetic is lib/core/scheduler.py's). Each review keeps the
state its word was in when it was answered (true retention counts those
answered in the review state); a replay finds it again too."""
from collections import defaultdict
from contextlib import closing
from datetime import datetime

from fsrs import Card, State

from lib.core import clock
from lib.core.scheduler import COLUMNS, RATING_BY_VALUE, StoredSchedule, card_from, lapse
from lib.store import quarters
from lib.store.connection import placeholders

# Each schedule's columns in StoredSchedule's order, then its first review.
# {ids}: the placeholders of the words' ids
SCHEDULES_BY_ID = (f"SELECT word_id, {', '.join(COLUMNS)}, first_reviewed_at FROM word_schedules"
                   " WHERE learner_id = ? AND word_id IN ({ids})")

# How many of a learner's schedules fall due before a moment: those of the
# hours before its hour (migration 0029), then those of its hour before it,
# on the index on due. Formatted with the SQL of the learner and the moment.
DUE_BEFORE = ("((SELECT coalesce(sum(words), 0) FROM learner_due_hours"
              " WHERE learner_id = {learner} AND hour < substr({moment}, 1, 13) || ':00:00Z')"
              " + (SELECT count(*) FROM word_schedules WHERE learner_id = {learner}"
              " AND due >= substr({moment}, 1, 13) || ':00:00Z' AND due < {moment}))")

SAVE = """
INSERT INTO word_schedules (learner_id, word_id, state, step, stability, difficulty, due, last_review, reps,
                            lapses, first_reviewed_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (learner_id, word_id) DO UPDATE SET
    state = excluded.state, step = excluded.step, stability = excluded.stability,
    difficulty = excluded.difficulty, due = excluded.due, last_review = excluded.last_review,
    reps = excluded.reps
"""
# Lapses are set apart, and only when they change: naming a column in SET
# rewrites its index entry (the leeches' index) even when the value stays.
LAPSED = "UPDATE word_schedules SET lapses = ? WHERE learner_id = ? AND word_id = ?"
# A word's first review is its earliest (migration 0009, a replay): a review
# stamped before it, the clock having been set back, takes its place.
EARLIER_FIRST_REVIEW = "UPDATE word_schedules SET first_reviewed_at = ? WHERE learner_id = ? AND word_id = ?"
# A learner's reviews of a word in the order they were given, read from the
# index on (word_id, learner_id, created_at), whose rowid breaks ties.
REVIEWS = """
SELECT coalesce(rating, CASE correct WHEN 1 THEN 3 ELSE 1 END), created_at, id, correct, state_before
FROM word_review_items WHERE word_id = ? AND learner_id = ? ORDER BY created_at, id
"""
IN_REVIEW = State.Review.value
STATE_BEFORE = "UPDATE word_review_items SET state_before = ? WHERE id = ?"
# The words a learner reviewed, and every learner who reviewed any
REVIEWED_WORDS = "SELECT word_id FROM learner_words WHERE learner_id = ? ORDER BY word_id"
REVIEWING_LEARNERS = "SELECT DISTINCT learner_id FROM learner_words ORDER BY learner_id"
PROGRESS_EVERY = 10000


def schedule_rows(db, learner_id, word_ids):
    """The rows of SCHEDULES_BY_ID of those of ``word_ids`` the learner has a schedule of."""
    with closing(db.cursor()) as cursor:
        cursor.row_factory = None
        return cursor.execute(SCHEDULES_BY_ID.format(ids=placeholders(word_ids)), (learner_id, *word_ids)).fetchall()


def stored_by_word(rows):
    """{word id: StoredSchedule} of rows of SCHEDULES_BY_ID."""
    return {row[0]: StoredSchedule._make(row[:-1]) for row in rows}


def stored_values(learner_id, word_id, card, reps, lapses, first_reviewed_at):
    """The parameters of SAVE for a learner's card of a word after ``reps`` reviews."""
    return (learner_id, word_id, card.state.value, card.step, card.stability, card.difficulty, clock.iso(card.due),
            clock.iso(card.last_review), reps, lapses, first_reviewed_at)


def apply_reviews(db, scheduler, learner_id, reviews, reviewed_at):
    """Move each of the learner's schedules on by one review for each
    (word_id, rating) of ``reviews``, in order (a word may come more than
    once), all given at ``reviewed_at`` (the ISO time stored with them): one
    read of the schedules, one write. Return the state each word was in
    before each review (its fsrs.State's value, None for a new word), to be
    stored with it. Call inside the write transaction that stores the reviews."""
    rows = schedule_rows(db, learner_id, sorted({word_id for word_id, _ in reviews}))
    found = stored_by_word(rows)
    # almost never any: compared here, the write is made only for them
    reviewed_later = [row[0] for row in rows if row[-1] is not None and row[-1] > reviewed_at]
    cards = {word_id: (card_from(stored), stored.reps, stored.lapses) for word_id, stored in found.items()}
    moment = datetime.fromisoformat(reviewed_at)
    states_before = []
    for word_id, rating in reviews:
        card, reps, lapses = cards.get(word_id) or (Card(card_id=word_id), 0, 0)
        states_before.append(card.state.value if reps else None)
        cards[word_id] = (scheduler.review(card, rating, moment, reps), reps + 1, lapses + lapse(card, rating))
    db.executemany(SAVE, [stored_values(learner_id, word_id, card, reps, lapses, reviewed_at)
                          for word_id, (card, reps, lapses) in cards.items()])
    db.executemany(LAPSED, [(lapses, learner_id, word_id) for word_id, (_, _, lapses) in cards.items()
                            if word_id in found and lapses != found[word_id].lapses])
    db.executemany(EARLIER_FIRST_REVIEW, [(reviewed_at, learner_id, word_id) for word_id in reviewed_later])
    return states_before


def replay(db, scheduler, learner_id, word_ids=None, progress=None):
    """Rebuild the learner's schedules of ``word_ids`` (of every word they
    reviewed if None) from their stored reviews, in the order they were
    given, and the state each review was given in where it is not the one
    stored with it (the history before it changed, or was not kept), with
    the running totals that count it; return how many schedules were
    written. ``progress(n)`` is told of every n reviews done. Call inside a
    write transaction."""
    if word_ids is None:
        db.execute("DELETE FROM word_schedules WHERE learner_id = ?", (learner_id,))
        word_ids = [row[0] for row in db.execute(REVIEWED_WORDS, (learner_id,))]
    else:
        word_ids = sorted(set(word_ids))
        db.executemany("DELETE FROM word_schedules WHERE learner_id = ? AND word_id = ?",
                       [(learner_id, word_id) for word_id in word_ids])
    review = scheduler.review
    rows, done = [], 0
    restated, totals = [], defaultdict(lambda: [0] * len(quarters.TOTALS))
    with closing(db.cursor()) as reviews:
        reviews.row_factory = None  # plain tuples: a million of them
        for word_id in word_ids:
            card = first = None
            reps = lapses = 0
            for rating, created_at, review_id, correct, stored in reviews.execute(REVIEWS, (word_id, learner_id)):
                if card is None:
                    card, first = Card(card_id=word_id), created_at
                state = card.state.value if reps else None
                if state != stored:
                    restated.append((state, review_id))
                    counted = (state == IN_REVIEW) - (stored == IN_REVIEW)  # +1, -1 or 0 answers in review
                    if counted:
                        quarter = totals[quarters.quarter_of(created_at)]
                        quarter[3] += counted
                        quarter[4] += counted * correct
                rating = RATING_BY_VALUE[rating]
                lapses += lapse(card, rating)
                card = review(card, rating, datetime.fromisoformat(created_at), reps)
                reps += 1
                done += 1
                if progress is not None and done % PROGRESS_EVERY == 0:
                    progress(PROGRESS_EVERY)
            if card is not None:
                rows.append(stored_values(learner_id, word_id, card, reps, lapses, first))
    db.executemany(SAVE, rows)
    db.executemany(STATE_BEFORE, restated)
    quarters.add(db, learner_id, {quarter: tuple(changes) for quarter, changes in totals.items() if any(changes)})
    if progress is not None:
        progress(done % PROGRESS_EVERY)
    return len(rows)


def replay_all(db, scheduler_of, progress=None):
    """``replay`` every schedule of every learner, each with
    ``scheduler_of(learner_id)``; return how many schedules were written."""
    db.execute("DELETE FROM word_schedules")
    learners = [row[0] for row in db.execute(REVIEWING_LEARNERS)]
    return sum(replay(db, scheduler_of(learner_id), learner_id, progress=progress) for learner_id in learners)
