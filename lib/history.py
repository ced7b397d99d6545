"""Removing the whole learning record, as both resets do.

Sessions and review items leave only all at once, so their counters are
zeroed here, set-based, rather than by a trigger per deleted row (see
migration 0004). Call inside ``db.bulk_transaction()``.
"""

CLEAR = (
    "DELETE FROM word_review_items",
    "DELETE FROM word_schedules",
    "DELETE FROM study_sessions",
    "DELETE FROM study_days",
    "DELETE FROM study_quarters",
    # A retry from before the reset must not be answered with a deleted session.
    "DELETE FROM idempotency_keys",
    # The words_recounted trigger brings words_studied and words_mastered to zero.
    "UPDATE words SET correct_count = 0, wrong_count = 0 WHERE correct_count + wrong_count > 0",
    "UPDATE groups SET sessions_count = 0, last_session_at = NULL WHERE sessions_count > 0",
    "UPDATE study_activities SET sessions_count = 0 WHERE sessions_count > 0",
    "UPDATE learning_totals SET sessions_count = 0, review_items_count = 0, correct_count = 0",
)


def clear(conn):
    for statement in CLEAR:
        conn.execute(statement)
