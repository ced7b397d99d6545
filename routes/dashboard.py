from datetime import timedelta

from flask import Blueprint, jsonify

from lib import clock
from lib.db import query_one, snapshot

bp = Blueprint("dashboard", __name__)

ACTIVE_GROUP_DAYS = 30


@bp.get("/dashboard/recent-session")
def recent_session():
    """The newest session with its results, or null when there is none."""
    return jsonify(query_one(
        """
        SELECT s.id, s.group_id, a.name AS activity_name, s.created_at,
               s.correct_count, s.review_items_count - s.correct_count AS wrong_count
        FROM study_sessions s JOIN study_activities a ON a.id = s.study_activity_id
        ORDER BY s.created_at DESC, s.id DESC LIMIT 1
        """
    ))


# Consecutive UTC days, ending today or yesterday, with at least one session:
# one lookup per day of the streak, stopping at the first day without one.
STREAK = """
WITH RECURSIVE streak (day) AS (
    SELECT max(day) FROM study_days WHERE day IN (?, ?)
    UNION ALL
    SELECT study_days.day FROM study_days JOIN streak ON study_days.day = date(streak.day, '-1 day')
)
SELECT count(day) AS days FROM streak
"""


@bp.get("/dashboard/stats")
def stats():
    now = clock.utcnow()
    with snapshot():
        totals = query_one("SELECT * FROM learning_totals")
        active_groups = query_one(
            "SELECT count(*) AS n FROM groups WHERE last_session_at >= ?",
            (clock.iso(now - timedelta(days=ACTIVE_GROUP_DAYS)),),
        )["n"]
        today = now.date()
        streak = query_one(STREAK, (today.isoformat(), (today - timedelta(days=1)).isoformat()))["days"]
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
