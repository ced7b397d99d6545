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
    "words.correct_count/wrong_count": """
        SELECT id FROM words w
        WHERE correct_count != (SELECT count(*) FROM word_review_items WHERE word_id = w.id AND correct = 1)
           OR wrong_count != (SELECT count(*) FROM word_review_items WHERE word_id = w.id AND correct = 0)""",
    "study_sessions counts and ended_at": """
        SELECT id FROM study_sessions s
        WHERE review_items_count != (SELECT count(*) FROM word_review_items WHERE study_session_id = s.id)
           OR correct_count != (SELECT count(*) FROM word_review_items WHERE study_session_id = s.id AND correct = 1)
           OR ended_at != max(created_at, coalesce(
                (SELECT max(created_at) FROM word_review_items WHERE study_session_id = s.id), ''))""",
    "groups.word_count/sessions_count/last_session_at": """
        SELECT id FROM groups g
        WHERE word_count != (SELECT count(*) FROM word_groups WHERE group_id = g.id)
           OR sessions_count != (SELECT count(*) FROM study_sessions WHERE group_id = g.id)
           OR last_session_at IS NOT (SELECT max(created_at) FROM study_sessions WHERE group_id = g.id)""",
    "study_activities.sessions_count": """
        SELECT id FROM study_activities a
        WHERE sessions_count != (SELECT count(*) FROM study_sessions WHERE study_activity_id = a.id)""",
    "study_days": """
        SELECT day FROM (SELECT day, sessions_count FROM study_days
                         EXCEPT SELECT substr(created_at, 1, 10), count(*) FROM study_sessions GROUP BY 1)
        UNION ALL
        SELECT day FROM (SELECT substr(created_at, 1, 10) AS day, count(*) FROM study_sessions GROUP BY 1
                         EXCEPT SELECT day, sessions_count FROM study_days)""",
    "study_days.streak": """
        SELECT d.day FROM study_days d
        WHERE d.streak != 1 + coalesce((SELECT p.streak FROM study_days p WHERE p.day = date(d.day, '-1 day')), 0)""",
    # Running totals per 15-minute UTC quarter, recounted with a quarter
    # computed another way than the triggers compute it.
    "study_quarters": """
        WITH quartered (quarter, sessions, review_items, correct) AS (
            SELECT strftime('%Y-%m-%dT%H:%M:00Z', created_at,
                            printf('-%d minutes', strftime('%M', created_at) % 15)), 1, 0, 0
            FROM study_sessions
            UNION ALL
            SELECT strftime('%Y-%m-%dT%H:%M:00Z', created_at,
                            printf('-%d minutes', strftime('%M', created_at) % 15)), 0, 1, correct
            FROM word_review_items
        ), recounted AS (
            SELECT quarter, sum(sum(sessions)) OVER running, sum(sum(review_items)) OVER running,
                   sum(sum(correct)) OVER running
            FROM quartered GROUP BY quarter WINDOW running AS (ORDER BY quarter)
        )
        SELECT quarter FROM (SELECT * FROM study_quarters EXCEPT SELECT * FROM recounted)
        UNION ALL
        SELECT quarter FROM (SELECT * FROM recounted EXCEPT SELECT * FROM study_quarters)""",
    "word_schedules.reps/first_reviewed_at": """
        SELECT w.id FROM words w LEFT JOIN word_schedules s ON s.word_id = w.id
        WHERE coalesce(s.reps, 0) != (SELECT count(*) FROM word_review_items WHERE word_id = w.id)
           OR s.first_reviewed_at IS NOT (SELECT min(created_at) FROM word_review_items WHERE word_id = w.id)""",
    "learning_totals": """
        SELECT id FROM learning_totals
        WHERE words_count != (SELECT count(*) FROM words)
           OR words_studied != (SELECT count(*) FROM words WHERE correct_count + wrong_count > 0)
           OR words_mastered != (SELECT count(*) FROM words WHERE correct_count + wrong_count >= 5
                                 AND correct_count * 5 >= (correct_count + wrong_count) * 4)
           OR sessions_count != (SELECT count(*) FROM study_sessions)
           OR review_items_count != (SELECT count(*) FROM word_review_items)
           OR correct_count != (SELECT count(*) FROM word_review_items WHERE correct = 1)""",
}


def counter_problems(conn):
    """[(counter, rows where it is wrong)]: empty when every counter holds."""
    found = [(name, conn.execute(sql).fetchall()) for name, sql in RECOUNTS.items()]
    return [(name, rows) for name, rows in found if rows]
