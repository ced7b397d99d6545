"""Spaced repetition's arithmetic: every word's FSRS schedule, the one place
the ``fsrs`` package is used.

A word's schedule is a row of ``word_schedules`` (none: a new word). Each
recorded review moves it on by one ``review_card`` of fsrs, in the
transaction that stores the review (lib/store/schedules.py); a replay
rebuilds schedules from the stored reviews and gives exactly what reviewing
them live gave: the review times are the stored ones (whole seconds, UTC)
and the fuzz of each due date is drawn from a generator seeded by the word
and its review count, not from the module-wide ``random``.
"""
import os
import random
import threading
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from fsrs import Card, Rating, Scheduler, State
from fsrs.scheduler import FUZZ_RANGES

from lib.core import clock, settings
from lib.core.json_text import dumps

RATINGS = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}
RATING_BY_VALUE = {rating.value: rating for rating in Rating}
STATES = {State.Learning: "learning", State.Review: "review", State.Relearning: "relearning"}
STATE_BY_VALUE = {state.value: state for state in State}

RETENTION_VARIABLE = "LANG_PORTAL_DESIRED_RETENTION"
DEFAULT_RETENTION = 0.9
# Outlooks kept per scheduler: a due queue of 100 words reads 100 of them,
# and each holds for a day.
OUTLOOKS_KEPT = 20000


class StoredSchedule(NamedTuple):
    """A word's schedule as ``word_schedules`` keeps it; ``state`` None for
    a word never reviewed."""
    word_id: int
    state: int | None = None
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: str | None = None
    last_review: str | None = None
    reps: int = 0
    lapses: int = 0


# A stored schedule's columns after the word's id, in StoredSchedule's order.
COLUMNS = StoredSchedule._fields[1:]


class Outlook(NamedTuple):
    """What a client is shown of a schedule on one day: its ``schedule``
    object (None for a new word), that object as JSON, how long after a
    review that day the word would be due again, for each rating, and those
    waits in whole seconds (what next_due_json adds to a whole second)."""
    schedule: dict | None
    schedule_json: str
    waits: tuple
    wait_seconds: tuple


class SeededScheduler(Scheduler):
    """fsrs's Scheduler with repeatable fuzz: a review's fuzz is drawn from a
    ``random.Random`` seeded by the word and the reviews it had before, so
    the same review always gets the same due date, live or replayed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._seed = threading.local()  # one scheduler serves every thread
        self._outlook_on_day = lru_cache(maxsize=OUTLOOKS_KEPT)(self._outlook_on_day)
        self._schedule_json_on_day = lru_cache(maxsize=OUTLOOKS_KEPT)(self._schedule_json_on_day)

    def review(self, card, rating, reviewed_at, reps):
        """``card`` after one review at ``reviewed_at`` (aware UTC, whole
        seconds); ``reps``: how many reviews the word had before this one."""
        self._seed.value = (card.card_id << 32) + reps
        return self.review_card(card, rating, reviewed_at)[0]

    def schedule_at(self, stored, now):
        """The ``schedule`` object of the StoredSchedule ``stored`` at ``now``:
        None for a new word. One run of fsrs's formula, without the outlook."""
        if stored.state is None:
            return None
        return shown_schedule(stored, self.get_card_retrievability(card_from(stored), now))

    def schedule_json_at(self, stored, now):
        """The ``schedule`` object of ``stored`` at ``now`` as JSON text: like
        an outlook's, kept for the day, without running the four reviews."""
        return self._schedule_json_on_day(stored, elapsed_days(stored, now))

    def outlook(self, stored, now):
        """The Outlook of the StoredSchedule ``stored`` at ``now`` (aware UTC,
        whole seconds).

        fsrs reads a review's time only as whole days since the last review,
        and dates the card's next review from it: one outlook serves every
        moment of that day, so each is computed once and kept."""
        return self._outlook_on_day(stored, elapsed_days(stored, now))

    def _outlook_on_day(self, stored, days):
        card, moment = card_on_day(stored, days)
        schedule = self._schedule_on_day(stored, card, moment)
        waits = tuple((name, self.review(card, rating, moment, stored.reps).due - moment)
                      for name, rating in RATINGS.items())
        return Outlook(schedule, dumps(schedule), waits, tuple(wait // clock.ONE_SECOND for _, wait in waits))

    def _schedule_json_on_day(self, stored, days):
        return dumps(self._schedule_on_day(stored, *card_on_day(stored, days)))

    def _schedule_on_day(self, stored, card, moment):
        if stored.state is None:
            return None
        return shown_schedule(stored, self.get_card_retrievability(card, moment))

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


# one per retention in use: each keeps its own outlooks
@lru_cache(maxsize=32)
def build_scheduler(desired_retention):
    return SeededScheduler(desired_retention=desired_retention)


def scheduler_from_environment(environ=os.environ):
    """The scheduler the environment configures, checked as the app checks
    it: for what runs outside the app (``python migrate.py``)."""
    config = {"DESIRED_RETENTION": environ.get(RETENTION_VARIABLE, DEFAULT_RETENTION)}
    settings.check(config, set(), environ={})
    return build_scheduler(config["DESIRED_RETENTION"])


def elapsed_days(stored, now):
    """Whole days from the StoredSchedule's last review to ``now``, as fsrs
    counts them (0 for a word never reviewed)."""
    return (now - parse_time(stored.last_review)).days if stored.last_review is not None else 0


def parse_time(text):
    return datetime.fromisoformat(text) if text is not None else None


def card_from(stored):
    """The fsrs card of a StoredSchedule (a new card for a new word)."""
    if stored.state is None:
        return Card(card_id=stored.word_id)  # an id, or fsrs sleeps a millisecond to make one
    return Card(card_id=stored.word_id, state=STATE_BY_VALUE[stored.state], step=stored.step,
                stability=stored.stability, difficulty=stored.difficulty,
                due=parse_time(stored.due), last_review=parse_time(stored.last_review))


def card_on_day(stored, days):
    """The fsrs card of a StoredSchedule and the moment ``days`` whole days
    after its last review (the epoch for a new word)."""
    card = card_from(stored)
    return card, card.last_review + timedelta(days=days) if card.last_review else clock.EPOCH


def lapse(card, rating):
    """1 for a lapse (Again while in the Review state, as Anki counts one)."""
    return int(rating == Rating.Again and card.state == State.Review)


def shown_schedule(stored, retrievability):
    """The ``schedule`` object a client is shown of a StoredSchedule."""
    return {"state": STATES[STATE_BY_VALUE[stored.state]], "due": stored.due, "stability": stored.stability,
            "difficulty": stored.difficulty, "retrievability": retrievability, "reps": stored.reps,
            "lapses": stored.lapses}


# A due word's next_due, when it would come back after each rating given now,
# {"again": iso, "hard": iso, "good": iso, "easy": iso}, as jsonify writes it: ISO times need no escaping, and a queue of a
# hundred words writes it a hundred times (the encoder takes several times longer)
NEXT_DUE_JSON = "{" + ",".join(f'"{name}":"%s"' for name in RATINGS) + "}"


def next_due_json(outlook, second):
    """The next_due of ``outlook`` at the Unix time ``second`` (a whole
    second, as the queue's now is) as JSON text."""
    again, hard, good, easy = outlook.wait_seconds
    iso = clock.iso_of_second
    return NEXT_DUE_JSON % (iso(second + again), iso(second + hard), iso(second + good), iso(second + easy))
