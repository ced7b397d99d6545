"""Removing the learning record: all of it, as both resets do, or a word's
or a group's part of it, as deleting those with their history does.

No trigger counts a deleted review item or session (see migration 0004):
the counters are zeroed or recounted here, set-based, in the caller's write
transaction (``db.bulk_transaction()`` for ``clear``).
"""
from lib.store import schedules
from lib.store.connection import chunks, placeholders

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


# Removing part of the record: a word's reviews, or a group's sessions. The
# counters of what is removed are recounted from what is left, set-based and
# only for the rows it touched, in the caller's write transaction.

def remove_reviews(conn, where, params, sessions_kept=True):
    """Delete the review items matching ``where`` and recount the words,
    sessions and totals they counted in (not the sessions when they go too:
    ``sessions_kept`` False). The ids of the words whose history changed."""
    removed = conn.execute(f"SELECT count(*), coalesce(sum(correct), 0) FROM word_review_items WHERE {where}",
                           params).fetchone()
    if removed[0] == 0:
        return []
    word_ids = [row[0] for row in conn.execute(
        f"SELECT DISTINCT word_id FROM word_review_items WHERE {where}", params)]
    session_ids = [row[0] for row in conn.execute(
        f"SELECT DISTINCT study_session_id FROM word_review_items WHERE {where}", params)] if sessions_kept else []
    quarters = {row[0]: (0, row[1], row[2]) for row in conn.execute(
        f"SELECT {QUARTER}, count(*), sum(correct) FROM word_review_items WHERE {where} GROUP BY 1", params)}
    conn.execute(f"DELETE FROM word_review_items WHERE {where}", params)
    _unquarter(conn, quarters)
    conn.execute("UPDATE learning_totals SET review_items_count = review_items_count - ?,"
                 " correct_count = correct_count - ?", tuple(removed))
    for chunk in chunks(word_ids):
        # the words_recounted trigger moves words_studied and words_mastered
        conn.execute(f"""
            UPDATE words SET
                correct_count = (SELECT count(*) FROM word_review_items WHERE word_id = words.id AND correct = 1),
                wrong_count = (SELECT count(*) FROM word_review_items WHERE word_id = words.id AND correct = 0)
            WHERE id IN ({placeholders(chunk)})""", chunk)
    for chunk in chunks(session_ids):
        conn.execute(f"""
            UPDATE study_sessions SET
                review_items_count = (SELECT count(*) FROM word_review_items WHERE study_session_id = study_sessions.id),
                correct_count = (SELECT count(*) FROM word_review_items
                                 WHERE study_session_id = study_sessions.id AND correct = 1),
                ended_at = max(created_at, coalesce((SELECT max(created_at) FROM word_review_items
                                                     WHERE study_session_id = study_sessions.id), ''))
            WHERE id IN ({placeholders(chunk)})""", chunk)
    return word_ids


def remove_sessions(conn, scheduler, where, params):
    """Delete the study sessions matching ``where`` with their review items,
    recounting totals, groups, activities and days, and replaying (with
    ``scheduler``) the schedules of the words whose history changed from
    what is left of it."""
    sessions = conn.execute(f"SELECT id, group_id, study_activity_id, substr(created_at, 1, 10)"
                            f" FROM study_sessions WHERE {where}", params).fetchall()
    if not sessions:
        return
    word_ids, quarters = [], {}
    for chunk in chunks([row[0] for row in sessions]):
        word_ids += remove_reviews(conn, f"study_session_id IN ({placeholders(chunk)})", chunk, sessions_kept=False)
        for quarter, count in conn.execute(f"SELECT {QUARTER}, count(*) FROM study_sessions"
                                           f" WHERE id IN ({placeholders(chunk)}) GROUP BY 1", chunk):
            quarters[quarter] = (quarters.get(quarter, (0,))[0] + count, 0, 0)
        conn.execute(f"DELETE FROM study_sessions WHERE id IN ({placeholders(chunk)})", chunk)
    _unquarter(conn, quarters)
    conn.execute("UPDATE learning_totals SET sessions_count = sessions_count - ?", (len(sessions),))
    groups = sorted({row[1] for row in sessions})
    conn.execute(f"""
        UPDATE groups SET
            sessions_count = (SELECT count(*) FROM study_sessions WHERE group_id = groups.id),
            last_session_at = (SELECT max(created_at) FROM study_sessions WHERE group_id = groups.id)
        WHERE id IN ({placeholders(groups)})""", groups)
    activities = sorted({row[2] for row in sessions})
    conn.execute(f"""
        UPDATE study_activities SET
            sessions_count = (SELECT count(*) FROM study_sessions WHERE study_activity_id = study_activities.id)
        WHERE id IN ({placeholders(activities)})""", activities)
    for day in sorted({row[3] for row in sessions}):
        conn.execute("UPDATE study_days SET sessions_count = (SELECT count(*) FROM study_sessions"
                     " WHERE created_at >= ? AND created_at < date(?, '+1 day')) WHERE day = ?", (day, day, day))
    conn.execute("DELETE FROM study_days WHERE sessions_count = 0")
    conn.execute(RESTREAK)
    if word_ids:
        schedules.replay(conn, scheduler, word_ids)


# Each study day's streak counted anew (see migration 0012), after days went.
RESTREAK = """
WITH ranked (day, run) AS (
    SELECT day, julianday(day) - row_number() OVER (ORDER BY day) FROM study_days
)
UPDATE study_days SET streak = counted.streak
FROM (SELECT day, row_number() OVER (PARTITION BY run ORDER BY day) AS streak FROM ranked) AS counted
WHERE counted.day = study_days.day AND study_days.streak != counted.streak
"""


# A stored time's 15-minute quarter, as migration 0006 computes it.
QUARTER = "substr(created_at, 1, 14) || printf('%02d:00Z', substr(created_at, 15, 2) / 15 * 15)"
QUARTER_TOTALS = "SELECT sessions_total, review_items_total, correct_total FROM study_quarters"


def _unquarter(conn, removed):
    """Take ``removed`` {quarter: (sessions, reviews, correct)} out of the
    running totals of study_quarters (its quarter and every later one), and
    drop the rows of quarters left with nothing in them."""
    quarters = sorted(removed)
    running = (0, 0, 0)
    for index, quarter in enumerate(quarters):
        running = tuple(a + b for a, b in zip(running, removed[quarter]))
        # each row is updated once: by the last removed quarter at or before it
        until, until_params = ("AND quarter < ?", (quarters[index + 1],)) if index + 1 < len(quarters) else ("", ())
        conn.execute("UPDATE study_quarters SET sessions_total = sessions_total - ?,"
                     " review_items_total = review_items_total - ?, correct_total = correct_total - ?"
                     f" WHERE quarter >= ? {until}", (*running, quarter, *until_params))
    for quarter in quarters:
        here = conn.execute(f"{QUARTER_TOTALS} WHERE quarter = ?", (quarter,)).fetchone()
        before = conn.execute(f"{QUARTER_TOTALS} WHERE quarter < ? ORDER BY quarter DESC LIMIT 1",
                              (quarter,)).fetchone()
        if here is not None and tuple(here) == (tuple(before) if before else (0, 0, 0)):
            conn.execute("DELETE FROM study_quarters WHERE quarter = ?", (quarter,))
