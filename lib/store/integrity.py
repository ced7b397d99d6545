"""Is a database file whole, and do its counters hold?

``problems`` is what start-up, backups and restores ask: SQLite's
``quick_check`` (a third of a second on a million review items), or the full
``integrity_check`` (several seconds there) when asked for or when
``quick_check`` would be wrong. ``counter_problems`` recounts every counter
the triggers and the reviews keep, in its own words: it shares no code with
them (tests/test_counters.py holds them to each other).
"""
import sqlite3

from lib.store.connection import connect, primary_code

# SQLite 3.40.0 to 3.41.0 (Debian 12 ships 3.40.1): quick_check reports
# "NULL value in T.c" on every intact WITHOUT ROWID table whose primary key is
# not its leading columns in order. Migration 0008 puts word_groups right;
# a file from before it is checked in full.
QUICK_CHECK_BUG = ((3, 40, 0), (3, 41, 0))


def quick_check_is_right(conn):
    low, high = QUICK_CHECK_BUG
    if not low <= sqlite3.sqlite_version_info <= high:
        return True
    for (table,) in conn.execute("SELECT name FROM pragma_table_list WHERE type = 'table' AND wr = 1"):
        # each column's place in the primary key, 0 for none, in column order
        places = [row[0] for row in conn.execute("SELECT pk FROM pragma_table_info(?) ORDER BY cid", (table,))]
        size = sum(1 for place in places if place)
        if places[:size] != list(range(1, size + 1)):
            return False
    return True


def problems(conn, full=False):
    """SQLite's own findings about the file, [] when it is whole."""
    pragma = "quick_check" if not full and quick_check_is_right(conn) else "integrity_check"
    found = [row[0] for row in conn.execute(f"PRAGMA {pragma}")]
    return [] if found == ["ok"] else found


def problems_in(path, full=False):
    """``problems`` of the file at ``path``, opened read-only; a file that is
    no database at all is one problem too."""
    conn = connect(str(path), read_only=True)
    try:
        return problems(conn, full)
    except sqlite3.DatabaseError as error:
        if primary_code(error) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
            return [str(error)]
        raise
    finally:
        conn.close()


# Every counter the schema keeps, as a query that finds the rows where it
# differs from a recount of what it counts.
RECOUNTS = {
    # Each pair of a learner and a word they have reviews of has a row, and
    # no other pair has one.
    "learner_words": """
        SELECT learner_id, word_id FROM (
            SELECT learner_id, word_id, correct_count, wrong_count FROM learner_words
            EXCEPT SELECT learner_id, word_id, sum(correct), sum(1 - correct) FROM word_review_items GROUP BY 1, 2)
        UNION ALL
        SELECT learner_id, word_id FROM (
            SELECT learner_id, word_id, sum(correct), sum(1 - correct) FROM word_review_items GROUP BY 1, 2
            EXCEPT SELECT learner_id, word_id, correct_count, wrong_count FROM learner_words)""",
    "word_review_items.learner_id": """
        SELECT r.id FROM word_review_items r JOIN study_sessions s ON s.id = r.study_session_id
        WHERE r.learner_id != s.learner_id""",
    "study_sessions counts and ended_at": """
        SELECT id FROM study_sessions s
        WHERE review_items_count != (SELECT count(*) FROM word_review_items WHERE study_session_id = s.id)
           OR correct_count != (SELECT count(*) FROM word_review_items WHERE study_session_id = s.id AND correct = 1)
           OR ended_at != max(created_at, coalesce(
                (SELECT max(created_at) FROM word_review_items WHERE study_session_id = s.id), ''))""",
    "groups.word_count": """
        SELECT id FROM groups g WHERE word_count != (SELECT count(*) FROM word_groups WHERE group_id = g.id)""",
    "learner_groups": """
        SELECT learner_id, group_id FROM (
            SELECT learner_id, group_id, sessions_count, last_session_at FROM learner_groups
            EXCEPT SELECT learner_id, group_id, count(*), max(created_at) FROM study_sessions GROUP BY 1, 2)
        UNION ALL
        SELECT learner_id, group_id FROM (
            SELECT learner_id, group_id, count(*), max(created_at) FROM study_sessions GROUP BY 1, 2
            EXCEPT SELECT learner_id, group_id, sessions_count, last_session_at FROM learner_groups)""",
    "learner_activities": """
        SELECT learner_id, study_activity_id FROM (
            SELECT learner_id, study_activity_id, sessions_count FROM learner_activities
            EXCEPT SELECT learner_id, study_activity_id, count(*) FROM study_sessions GROUP BY 1, 2)
        UNION ALL
        SELECT learner_id, study_activity_id FROM (
            SELECT learner_id, study_activity_id, count(*) FROM study_sessions GROUP BY 1, 2
            EXCEPT SELECT learner_id, study_activity_id, sessions_count FROM learner_activities)""",
    "study_days": """
        SELECT learner_id, day FROM (
            SELECT learner_id, day, sessions_count, first_session_at, last_session_at FROM study_days
            EXCEPT SELECT learner_id, date(created_at), count(*), min(created_at), max(created_at)
            FROM study_sessions GROUP BY 1, 2)
        UNION ALL
        SELECT learner_id, day FROM (
            SELECT learner_id, date(created_at) AS day, count(*), min(created_at), max(created_at)
            FROM study_sessions GROUP BY 1, 2
            EXCEPT SELECT learner_id, day, sessions_count, first_session_at, last_session_at FROM study_days)""",
    "learner_activity_days": """
        SELECT learner_id, study_activity_id, day FROM (
            SELECT learner_id, study_activity_id, day, sessions_count FROM learner_activity_days
            EXCEPT SELECT learner_id, study_activity_id, substr(created_at, 1, 10), count(*)
            FROM study_sessions GROUP BY 1, 2, 3)
        UNION ALL
        SELECT learner_id, study_activity_id, day FROM (
            SELECT learner_id, study_activity_id, substr(created_at, 1, 10) AS day, count(*)
            FROM study_sessions GROUP BY 1, 2, 3
            EXCEPT SELECT learner_id, study_activity_id, day, sessions_count FROM learner_activity_days)""",
    "study_days.streak": """
        SELECT d.learner_id, d.day FROM study_days d
        WHERE d.streak != 1 + coalesce((SELECT p.streak FROM study_days p
                                        WHERE p.learner_id = d.learner_id AND p.day = date(d.day, '-1 day')), 0)""",
    # Each day's count of the sessions of the days before it, of all the
    # learner's sessions and of each activity's.
    "study_days.sessions_before": """
        WITH per_day AS (
            SELECT learner_id, substr(created_at, 1, 10) AS day, count(*) AS sessions
            FROM study_sessions GROUP BY 1, 2
        ), before AS (
            SELECT learner_id, day, sum(sessions) OVER (PARTITION BY learner_id ORDER BY day) - sessions AS sessions
            FROM per_day
        )
        SELECT d.learner_id, d.day FROM study_days d JOIN before b ON b.learner_id = d.learner_id AND b.day = d.day
        WHERE d.sessions_before != b.sessions""",
    "learner_activity_days.sessions_before": """
        WITH per_day AS (
            SELECT learner_id, study_activity_id, substr(created_at, 1, 10) AS day, count(*) AS sessions
            FROM study_sessions GROUP BY 1, 2, 3
        ), before AS (
            SELECT learner_id, study_activity_id, day,
                   sum(sessions) OVER (PARTITION BY learner_id, study_activity_id ORDER BY day) - sessions AS sessions
            FROM per_day
        )
        SELECT d.learner_id, d.study_activity_id, d.day FROM learner_activity_days d JOIN before b
            ON b.learner_id = d.learner_id AND b.study_activity_id = d.study_activity_id AND b.day = d.day
        WHERE d.sessions_before != b.sessions""",
    # A day after a pause of 24 hours or more since the session before it (or
    # the first day) is flagged, and no other.
    "study_days.after_pause": """
        SELECT learner_id, day FROM (
            SELECT learner_id, day, after_pause, first_session_at AS first,
                   lag(last_session_at) OVER (PARTITION BY learner_id ORDER BY day) AS last_before
            FROM study_days)
        WHERE after_pause != (last_before IS NULL OR first IS NULL OR
                              CAST(strftime('%s', first) AS INTEGER) - CAST(strftime('%s', last_before) AS INTEGER)
                              >= 24 * 60 * 60)""",
    # Running totals per learner and 15-minute UTC quarter, recounted with a
    # quarter computed another way than the triggers compute it; answers
    # given in the review state (2) by the state each review keeps.
    "study_quarters": """
        WITH quartered (learner_id, quarter, sessions, review_items, correct, in_review, in_review_correct) AS (
            SELECT learner_id, strftime('%Y-%m-%dT%H:%M:00Z', created_at,
                                        printf('-%d minutes', strftime('%M', created_at) % 15)), 1, 0, 0, 0, 0
            FROM study_sessions
            UNION ALL
            SELECT learner_id, strftime('%Y-%m-%dT%H:%M:00Z', created_at,
                                        printf('-%d minutes', strftime('%M', created_at) % 15)), 0, 1, correct,
                   CASE WHEN state_before = 2 THEN 1 ELSE 0 END, CASE WHEN state_before = 2 THEN correct ELSE 0 END
            FROM word_review_items
        ), recounted AS (
            SELECT learner_id, quarter, sum(sum(sessions)) OVER running, sum(sum(review_items)) OVER running,
                   sum(sum(correct)) OVER running, sum(sum(in_review)) OVER running,
                   sum(sum(in_review_correct)) OVER running
            FROM quartered GROUP BY learner_id, quarter
            WINDOW running AS (PARTITION BY learner_id ORDER BY quarter)
        )
        SELECT learner_id, quarter FROM (SELECT * FROM study_quarters EXCEPT SELECT * FROM recounted)
        UNION ALL
        SELECT learner_id, quarter FROM (SELECT * FROM recounted EXCEPT SELECT * FROM study_quarters)""",
    "word_schedules.reps/first_reviewed_at": """
        SELECT learner_id, word_id FROM (
            SELECT learner_id, word_id, reps, first_reviewed_at FROM word_schedules
            EXCEPT SELECT learner_id, word_id, count(*), min(created_at) FROM word_review_items GROUP BY 1, 2)
        UNION ALL
        SELECT learner_id, word_id FROM (
            SELECT learner_id, word_id, count(*), min(created_at) FROM word_review_items GROUP BY 1, 2
            EXCEPT SELECT learner_id, word_id, reps, first_reviewed_at FROM word_schedules)""",
    # Each group's words by the kind of the learner's schedule of them (a
    # row of zeros counts nothing, as no row does).
    "learner_group_states": """
        WITH recounted AS (
            SELECT s.learner_id, wg.group_id,
                   count(*) FILTER (WHERE s.state IN (1, 3)),
                   count(*) FILTER (WHERE s.state = 2 AND coalesce(s.stability, 0) < 21),
                   count(*) FILTER (WHERE s.state = 2 AND coalesce(s.stability, 0) >= 21)
            FROM word_groups wg JOIN word_schedules s ON s.word_id = wg.word_id GROUP BY 1, 2
        ), kept AS (
            SELECT learner_id, group_id, learning, review, mature FROM learner_group_states
            WHERE learning != 0 OR review != 0 OR mature != 0
        )
        SELECT learner_id, group_id FROM (SELECT * FROM kept EXCEPT SELECT * FROM recounted)
        UNION ALL
        SELECT learner_id, group_id FROM (SELECT * FROM recounted EXCEPT SELECT * FROM kept)""",
    # How many of each learner's schedules have each number of lapses (a
    # row of zero counts nothing, as no row does).
    "learner_lapses": """
        WITH recounted AS (
            SELECT learner_id, lapses, count(*) FROM word_schedules WHERE lapses > 0 GROUP BY 1, 2
        ), kept AS (
            SELECT learner_id, lapses, words FROM learner_lapses WHERE words != 0
        )
        SELECT learner_id, lapses FROM (SELECT * FROM kept EXCEPT SELECT * FROM recounted)
        UNION ALL
        SELECT learner_id, lapses FROM (SELECT * FROM recounted EXCEPT SELECT * FROM kept)""",
    # How many of each learner's schedules fall due in each clock hour.
    "learner_due_hours": """
        WITH recounted AS (
            SELECT learner_id, substr(due, 1, 13) || ':00:00Z' AS hour, count(*) FROM word_schedules GROUP BY 1, 2
        ), kept AS (
            SELECT learner_id, hour, words FROM learner_due_hours
        )
        SELECT learner_id, hour FROM (SELECT * FROM kept EXCEPT SELECT * FROM recounted)
        UNION ALL
        SELECT learner_id, hour FROM (SELECT * FROM recounted EXCEPT SELECT * FROM kept)""",
    "learning_totals.words_count": """
        SELECT id FROM learning_totals WHERE words_count != (SELECT count(*) FROM words)""",
    "learner_totals": """
        SELECT l.id FROM learners l LEFT JOIN learner_totals t ON t.learner_id = l.id
        WHERE t.learner_id IS NULL
           OR t.words_studied != (SELECT count(*) FROM learner_words
                                  WHERE learner_id = l.id AND correct_count + wrong_count > 0)
           OR t.words_mastered != (SELECT count(*) FROM learner_words WHERE learner_id = l.id
                                   AND correct_count + wrong_count >= 5
                                   AND correct_count * 5 >= (correct_count + wrong_count) * 4)
           OR t.words_answered_right != (SELECT count(*) FROM learner_words
                                         WHERE learner_id = l.id AND correct_count > 0)
           OR t.words_answered_wrong != (SELECT count(*) FROM learner_words
                                         WHERE learner_id = l.id AND wrong_count > 0)
           OR t.sessions_count != (SELECT count(*) FROM study_sessions WHERE learner_id = l.id)
           OR t.review_items_count != (SELECT count(*) FROM word_review_items r
                                       JOIN study_sessions s ON s.id = r.study_session_id WHERE s.learner_id = l.id)
           OR t.correct_count != (SELECT count(*) FROM word_review_items r JOIN study_sessions s
                                  ON s.id = r.study_session_id WHERE s.learner_id = l.id AND r.correct = 1)""",
}


def counter_problems(conn):
    """[(counter, rows where it is wrong)]: empty when every counter holds."""
    found = [(name, conn.execute(sql).fetchall()) for name, sql in RECOUNTS.items()]
    return [(name, rows) for name, rows in found if rows]
