"""Every word's stored FSRS schedule: moved on by each review in the
transaction that stores it, and rebuilt from the stored reviews by a
replay (the arithmetic is lib/core/scheduler.py's)."""
from contextlib import closing
from datetime import datetime

from fsrs import Card, Rating, State

from lib.core import clock
from lib.core.scheduler import COLUMNS, RATING_BY_VALUE, StoredSchedule, card_from, lapse
from lib.store.connection import placeholders

# {ids}: the placeholders of the words' ids
SCHEDULES_BY_ID = f"SELECT word_id, {', '.join(COLUMNS)} FROM word_schedules WHERE word_id IN ({{ids}})"

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
# A word's first review is its earliest (migration 0009, a replay): a review
# stamped before it, the clock having been set back, takes its place.
# {ids}: the placeholders of the words' ids
EARLIER_FIRST_REVIEW = ("UPDATE word_schedules SET first_reviewed_at = ?"
                        " WHERE first_reviewed_at > ? AND word_id IN ({ids})")
# Each word's reviews in the order they were given, read from the index on
# (word_id, created_at), whose rowid breaks ties: nothing is sorted.
REVIEWS = """
SELECT word_id, coalesce(rating, CASE correct WHEN 1 THEN 3 ELSE 1 END), created_at
FROM word_review_items {where} ORDER BY word_id, created_at, id
"""
PROGRESS_EVERY = 10000


def read_schedules(db, word_ids):
    """{word id: StoredSchedule} of those of ``word_ids`` that have one."""
    with closing(db.cursor()) as cursor:
        cursor.row_factory = None
        rows = cursor.execute(SCHEDULES_BY_ID.format(ids=placeholders(word_ids)), word_ids).fetchall()
    return {row[0]: StoredSchedule._make(row) for row in rows}


def stored_values(word_id, card, reps, lapses, first_reviewed_at):
    """The parameters of SAVE for a word's card after ``reps`` reviews."""
    return (word_id, card.state.value, card.step, card.stability, card.difficulty, clock.iso(card.due),
            clock.iso(card.last_review), reps, lapses, first_reviewed_at)


def apply_reviews(db, scheduler, reviews, reviewed_at):
    """Move each word's schedule on by one review for each (word_id, rating)
    of ``reviews``, in order (a word may come more than once), all given at
    ``reviewed_at`` (the ISO time stored with them): one read of the
    schedules, one write. Call inside the write transaction that stores
    the reviews."""
    found = read_schedules(db, sorted({word_id for word_id, _ in reviews}))
    cards = {word_id: (card_from(stored), stored.reps, stored.lapses) for word_id, stored in found.items()}
    moment = datetime.fromisoformat(reviewed_at)
    for word_id, rating in reviews:
        card, reps, lapses = cards.get(word_id) or (Card(card_id=word_id), 0, 0)
        cards[word_id] = (scheduler.review(card, rating, moment, reps), reps + 1, lapses + lapse(card, rating))
    db.executemany(SAVE, [stored_values(word_id, card, reps, lapses, reviewed_at)
                          for word_id, (card, reps, lapses) in cards.items()])
    db.executemany(LAPSED, [(lapses, word_id) for word_id, (_, _, lapses) in cards.items()
                            if word_id in found and lapses != found[word_id].lapses])
    if found:
        reviewed_before = sorted(found)
        db.execute(EARLIER_FIRST_REVIEW.format(ids=placeholders(reviewed_before)),
                   (reviewed_at, reviewed_at, *reviewed_before))


def replay(db, scheduler, word_ids=None, progress=None):
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
    review = scheduler.review
    again, in_review = Rating.Again, State.Review
    rows, done = [], 0
    for where, params in batches:
        reviews = db.cursor()
        reviews.row_factory = None  # plain tuples: a million of them
        word_id = card = None
        for reviewed_word, rating, created_at in reviews.execute(REVIEWS.format(where=where), params):
            if reviewed_word != word_id:
                if card is not None:
                    rows.append(stored_values(word_id, card, reps, lapses, first))
                word_id, card, reps, lapses, first = reviewed_word, Card(card_id=reviewed_word), 0, 0, created_at
            rating = RATING_BY_VALUE[rating]
            lapses += rating == again and card.state == in_review
            card = review(card, rating, datetime.fromisoformat(created_at), reps)
            reps += 1
            done += 1
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(PROGRESS_EVERY)
        if card is not None:
            rows.append(stored_values(word_id, card, reps, lapses, first))
    db.executemany(SAVE, rows)
    if progress is not None:
        progress(done % PROGRESS_EVERY)
    return len(rows)
