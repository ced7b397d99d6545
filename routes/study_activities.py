from flask import Blueprint, jsonify

from lib.db import query_all, query_one_or_404, snapshot
from routes.study_sessions import paged_items, sessions_page

bp = Blueprint("study_activities", __name__)

ACTIVITY_SELECT = """
SELECT id, name AS title, description, url AS launch_url, preview_url
FROM study_activities
"""


def get_activity_or_404(activity_id):
    return query_one_or_404(f"{ACTIVITY_SELECT} WHERE id = ?", (activity_id,), f"Study activity {activity_id}")


@bp.get("/study-activities")
def list_activities():
    # A bare array: the portal reads it as one.
    return jsonify(query_all(f"{ACTIVITY_SELECT} ORDER BY id"))


@bp.get("/study-activities/<int:activity_id>")
def get_activity(activity_id):
    return jsonify(get_activity_or_404(activity_id))


@bp.get("/study-activities/<int:activity_id>/sessions")
def list_activity_sessions(activity_id):
    with snapshot():
        get_activity_or_404(activity_id)
        page = sessions_page("s.study_activity_id = ?", (activity_id,),
                             "SELECT sessions_count AS total FROM study_activities WHERE id = ?")
    return jsonify(paged_items(*page))


@bp.get("/study-activities/<int:activity_id>/launch")
def launch_activity(activity_id):
    """What the portal needs to launch an activity: it and the groups to pick from."""
    with snapshot():
        activity = get_activity_or_404(activity_id)
        groups = query_all("SELECT id, name FROM groups ORDER BY name, id")
    return jsonify(activity=activity, groups=groups)
