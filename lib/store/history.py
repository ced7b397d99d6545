"""Removing the learning record: a learner's whole record (their reset),
every learner's (the full reset), or a word's or a group's part of it, as
deleting those with their history does.

No trigger counts a deleted review item or session (see migration 0004):
the counters are zeroed or recounted here, set-based, in the caller's write
transaction. Each learner's counters are recounted for that learner alone.
"""
from collections import defaultdict

from lib.store import quarters as running_totals
from lib.store import schedules
from lib.store.connection import chunks, placeholders

# Every learner's record, as a full reset empties it: whole tables, which
# SQLite drops at once (bulk_transaction in lib/web/database.py), but for
# those a trigger watches, whose rows go one by one (the sessions: every
# learner's version; the quarters: their settled version, migration 0028).
CLEAR_ALL = (
    "DELETE FROM word_review_items",
    # first, so that the schedules' triggers find nothing left to count down
    "DELETE FROM learner_group_states",
    "DELETE FROM learner_lapses",
    "DELETE FROM learner_due_hours",
    "DELETE FROM word_schedules",
    "DELETE FROM study_sessions",
    "DELETE FROM study_days",
    "DELETE FROM learner_activity_days",
    "DELETE FROM study_quarters",
    # A retry from before the reset must not be answered with a deleted session.
    "DELETE FROM idempotency_keys",
    "DELETE FROM learner_words",
    "DELETE FROM learner_groups",
    "DELETE FROM learner_activities",
    "UPDATE learner_totals SET words_studied = 0, words_mastered = 0, words_answered_right = 0,"
    " words_answered_wrong = 0, sessions_count = 0, review_items_count = 0, correct_count = 0",
)
# One learner's record: their reviews are found through their sessions.
CLEAR = (
    "DELETE FROM word_review_items WHERE study_session_id IN (SELECT id FROM study_sessions WHERE learner_id = ?)",
    "DELETE FROM learner_group_states WHERE learner_id = ?",
    "DELETE FROM learner_lapses WHERE learner_id = ?",
    "DELETE FROM learner_due_hours WHERE learner_id = ?",
    "DELETE FROM word_schedules WHERE learner_id = ?",
    "DELETE FROM study_sessions WHERE learner_id = ?",
    "DELETE FROM study_days WHERE learner_id = ?",
    "DELETE FROM learner_activity_days WHERE learner_id = ?",
    "DELETE FROM study_quarters WHERE learner_id = ?",
    "DELETE FROM idempotency_keys WHERE learner_id = ?",
    # the learner_words_uncounted trigger takes the learner's word totals to zero
    "DELETE FROM learner_words WHERE learner_id = ?",
    "DELETE FROM learner_groups WHERE learner_id = ?",
    "DELETE FROM learner_activities WHERE learner_id = ?",
    "UPDATE learner_totals SET sessions_count = 0, review_items_count = 0, correct_count = 0 WHERE learner_id = ?",
)


def clear_all(conn):
    for statement in CLEAR_ALL:
        conn.execute(statement)


def clear(conn, learner_id):
    for statement in CLEAR:
        conn.execute(statement, (learner_id,))


# Removing part of the record: a word's reviews, or a group's sessions, of
# every learner. The counters of what is removed are recounted from what is
# left, set-based and only for the rows it touched.

def remove_reviews(conn, where, params, sessions_kept=True):
    """Delete the review items matching ``where`` and recount the learners'
    words, sessions and totals they counted in (not the sessions when they
    go too: ``sessions_kept`` False). {learner id: ids of the words whose
    history changed}."""
    removed = conn.execute(f"SELECT learner_id, count(*), coalesce(sum(correct), 0) FROM word_review_items"
                           f" WHERE {where} GROUP BY learner_id", params).fetchall()
    if not removed:
        return {}
    words = defaultdict(list)
    for learner_id, word_id in conn.execute(
            f"SELECT DISTINCT learner_id, word_id FROM word_review_items WHERE {where}", params):
        words[learner_id].append(word_id)
    session_ids = [row[0] for row in conn.execute(
        f"SELECT DISTINCT study_session_id FROM word_review_items WHERE {where}", params)] if sessions_kept else []
    quarters = {(row[0], row[1]): (0, *row[2:]) for row in conn.execute(
        f"SELECT learner_id, {QUARTER}, count(*), sum(correct), sum(state_before IS 2),"
        f" sum(state_before IS 2 AND correct = 1) FROM word_review_items WHERE {where} GROUP BY 1, 2", params)}
    conn.execute(f"DELETE FROM word_review_items WHERE {where}", params)
    _unquarter(conn, quarters)
    conn.executemany("UPDATE learner_totals SET review_items_count = review_items_count - ?,"
                     " correct_count = correct_count - ? WHERE learner_id = ?",
                     [(count, correct, learner_id) for learner_id, count, correct in removed])
    for learner_id, word_ids in words.items():
        for chunk in chunks(word_ids):
            # the learner_words triggers move words_studied and words_mastered
            conn.execute(f"""
                UPDATE learner_words SET
                    correct_count = (SELECT count(*) FROM word_review_items r WHERE r.word_id = learner_words.word_id
                                     AND r.learner_id = learner_words.learner_id AND r.correct = 1),
                    wrong_count = (SELECT count(*) FROM word_review_items r WHERE r.word_id = learner_words.word_id
                                   AND r.learner_id = learner_words.learner_id AND r.correct = 0)
                WHERE learner_id = ? AND word_id IN ({placeholders(chunk)})""", (learner_id, *chunk))
            conn.execute(f"DELETE FROM learner_words WHERE learner_id = ? AND word_id IN ({placeholders(chunk)})"
                         " AND correct_count + wrong_count = 0", (learner_id, *chunk))
    for chunk in chunks(session_ids):
        conn.execute(f"""
            UPDATE study_sessions SET
                review_items_count = (SELECT count(*) FROM word_review_items WHERE study_session_id = study_sessions.id),
                correct_count = (SELECT count(*) FROM word_review_items
                                 WHERE study_session_id = study_sessions.id AND correct = 1),
                ended_at = max(created_at, coalesce((SELECT max(created_at) FROM word_review_items
                                                     WHERE study_session_id = study_sessions.id), ''))
            WHERE id IN ({placeholders(chunk)})""", chunk)
    return dict(words)


def remove_sessions(conn, scheduler_of, where, params):
    """Delete the study sessions matching ``where`` with their review items,
    recounting each learner's totals, groups, activities and days (their
    sessions and their first and last), and
    replaying (with ``scheduler_of(learner_id)``) the learner's schedules of
    the words whose history changed from what is left of it."""
    sessions = conn.execute(f"SELECT id, learner_id, group_id, study_activity_id, substr(created_at, 1, 10)"
                            f" FROM study_sessions WHERE {where}", params).fetchall()
    if not sessions:
        return
    words, quarters = defaultdict(set), defaultdict(lambda: (0, 0, 0, 0, 0))
    for chunk in chunks([row[0] for row in sessions]):
        marks = placeholders(chunk)
        for learner_id, word_ids in remove_reviews(conn, f"study_session_id IN ({marks})", chunk,
                                                   sessions_kept=False).items():
            words[learner_id].update(word_ids)
        for learner_id, quarter, count in conn.execute(
                f"SELECT learner_id, {QUARTER}, count(*) FROM study_sessions WHERE id IN ({marks}) GROUP BY 1, 2",
                chunk):
            quarters[learner_id, quarter] = (quarters[learner_id, quarter][0] + count, 0, 0, 0, 0)
        conn.execute(f"DELETE FROM study_sessions WHERE id IN ({marks})", chunk)
    _unquarter(conn, dict(quarters))
    removed = defaultdict(int)
    for row in sessions:
        removed[row[1]] += 1
    conn.executemany("UPDATE learner_totals SET sessions_count = sessions_count - ? WHERE learner_id = ?",
                     [(count, learner_id) for learner_id, count in removed.items()])
    for learner_id, group_id in sorted({(row[1], row[2]) for row in sessions}):
        conn.execute("""
            UPDATE learner_groups SET
                sessions_count = (SELECT count(*) FROM study_sessions WHERE learner_id = ?1 AND group_id = ?2),
                last_session_at = coalesce((SELECT max(created_at) FROM study_sessions
                                            WHERE learner_id = ?1 AND group_id = ?2), '')
            WHERE learner_id = ?1 AND group_id = ?2""", (learner_id, group_id))
    conn.execute("DELETE FROM learner_groups WHERE sessions_count = 0 AND learner_id IN"
                 f" ({placeholders(removed)})", tuple(removed))
    for learner_id, activity_id in sorted({(row[1], row[3]) for row in sessions}):
        conn.execute("""
            UPDATE learner_activities SET sessions_count = (
                SELECT count(*) FROM study_sessions WHERE learner_id = ?1 AND study_activity_id = ?2)
            WHERE learner_id = ?1 AND study_activity_id = ?2""", (learner_id, activity_id))
    conn.execute("DELETE FROM learner_activities WHERE sessions_count = 0 AND learner_id IN"
                 f" ({placeholders(removed)})", tuple(removed))
    for learner_id, day in sorted({(row[1], row[4]) for row in sessions}):
        conn.execute("UPDATE study_days SET (sessions_count, first_session_at, last_session_at) ="
                     " (SELECT count(*), min(created_at), max(created_at) FROM study_sessions WHERE learner_id = ?1"
                     " AND created_at >= ?2 AND created_at < date(?2, '+1 day')) WHERE learner_id = ?1 AND day = ?2",
                     (learner_id, day))
    conn.execute(f"DELETE FROM study_days WHERE sessions_count = 0 AND learner_id IN ({placeholders(removed)})",
                 tuple(removed))
    for learner_id, activity_id, day in sorted({(row[1], row[3], row[4]) for row in sessions}):
        key = (learner_id, activity_id, day)
        left = conn.execute("SELECT count(*) FROM study_sessions WHERE learner_id = ?1 AND study_activity_id = ?2"
                            " AND created_at >= ?3 AND created_at < date(?3, '+1 day')", key).fetchone()[0]
        if left:
            conn.execute("UPDATE learner_activity_days SET sessions_count = ?"
                         " WHERE learner_id = ? AND study_activity_id = ? AND day = ?", (left, *key))
        else:
            conn.execute("DELETE FROM learner_activity_days WHERE learner_id = ? AND study_activity_id = ? AND day = ?",
                         key)
    for recount in DAYS_RECOUNTED:
        conn.execute(recount.format(learners=placeholders(removed)), tuple(removed))
    for learner_id, word_ids in sorted(words.items()):
        schedules.replay(conn, scheduler_of(learner_id), learner_id, word_ids)


# How many sessions came on the days before each day of {table}, a day of
# each {key}, counted anew for the learners named in {{learners}}.
SESSIONS_BEFORE_RECOUNTED = """
UPDATE {table} SET sessions_before = counted.sessions_before
FROM (SELECT {key}, day, coalesce(sum(sessions_count) OVER (PARTITION BY {key} ORDER BY day
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS sessions_before
      FROM {table} WHERE learner_id IN ({{learners}})) AS counted
WHERE {joined} AND {table}.sessions_before != counted.sessions_before
"""

# What each day keeps of the days before it, counted anew after days lost
# sessions or went, for the learners named in {learners}: its streak
# (migration 0012), and how many sessions came on the days before it, of
# all the learner's sessions and of each activity's (0026). Whether a pause
# comes before it (0025) is kept by triggers as its neighbours' sessions move.
DAYS_RECOUNTED = ["""
WITH ranked (learner_id, day, run) AS (
    SELECT learner_id, day, julianday(day) - row_number() OVER (PARTITION BY learner_id ORDER BY day)
    FROM study_days WHERE learner_id IN ({learners})
)
UPDATE study_days SET streak = counted.streak
FROM (SELECT learner_id, day, row_number() OVER (PARTITION BY learner_id, run ORDER BY day) AS streak
      FROM ranked) AS counted
WHERE counted.learner_id = study_days.learner_id AND counted.day = study_days.day
  AND study_days.streak != counted.streak
""", *(SESSIONS_BEFORE_RECOUNTED.format(
    table=table, key=", ".join(key),
    joined=" AND ".join(f"counted.{column} = {table}.{column}" for column in (*key, "day")))
    for table, key in (("study_days", ("learner_id",)), ("learner_activity_days", ("learner_id", "study_activity_id"))))]


# A stored time's 15-minute quarter, as migration 0006 computes it.
QUARTER = "substr(created_at, 1, 14) || printf('%02d:00Z', substr(created_at, 15, 2) / 15 * 15)"
QUARTER_TOTALS = f"SELECT {', '.join(running_totals.TOTALS)} FROM study_quarters WHERE learner_id = ?"


def _unquarter(conn, removed):
    """Take ``removed`` {(learner id, quarter): a number for each of
    quarters.TOTALS} out of each learner's running totals of study_quarters
    (its quarter and every later one), and drop the rows of quarters left
    with nothing in them."""
    by_learner = defaultdict(dict)
    for (learner_id, quarter), counts in removed.items():
        by_learner[learner_id][quarter] = tuple(-count for count in counts)
    for learner_id, learner_removed in sorted(by_learner.items()):
        running_totals.add(conn, learner_id, learner_removed)
        for quarter in sorted(learner_removed):
            here = conn.execute(f"{QUARTER_TOTALS} AND quarter = ?", (learner_id, quarter)).fetchone()
            before = conn.execute(f"{QUARTER_TOTALS} AND quarter < ? ORDER BY quarter DESC LIMIT 1",
                                  (learner_id, quarter)).fetchone()
            if here is not None and tuple(here) == (tuple(before) if before else (0,) * len(here)):
                conn.execute("DELETE FROM study_quarters WHERE learner_id = ? AND quarter = ?", (learner_id, quarter))
