from flask import Blueprint, current_app, jsonify, request

from lib.web.caching import versioned
from lib.web.database import query_all, query_one_or_404, snapshot
from lib.web.errors import ApiError
from lib.web.pages import paged_items
from lib.web.session_lists import ACTIVITY_DAY_HOLDING, from_day_of, sessions_page

bp = Blueprint("study_activities", __name__)

ACTIVITY_SELECT = """
SELECT id, name AS title, slug, description, url AS launch_url, preview_url, retired
FROM study_activities
"""


def own_base_url():
    """Where this API is reached: the public URL when configured (behind a
    proxy), else the scheme and host of the request itself."""
    return (current_app.config.get("PUBLIC_URL") or request.root_url).rstrip("/")


def activity_answer(activity):
    """An activity as clients see it: the app's own pages as absolute URLs,
    so that the portal can open them whatever host and port serve the API."""
    base = own_base_url()
    for field in ("launch_url", "preview_url"):
        if activity[field].startswith("/activities/"):
            activity[field] = base + activity[field]
    activity["retired"] = bool(activity["retired"])
    return activity


def get_activity_or_404(activity_id):
    return activity_answer(query_one_or_404(f"{ACTIVITY_SELECT} WHERE id = ?", (activity_id,),
                                     f"Study activity {activity_id}"))


@bp.get("/study-activities")
@versioned
def list_activities():
    # A bare array: the portal reads it as one.
    return jsonify([activity_answer(activity) for activity in query_all(f"{ACTIVITY_SELECT} WHERE retired = 0 ORDER BY id")])


@bp.get("/study-activities/<int:activity_id>")
@versioned
def get_activity(activity_id):
    return jsonify(get_activity_or_404(activity_id))


@bp.get("/study-activities/<int:activity_id>/sessions")
@versioned
def list_activity_sessions(activity_id):
    with snapshot():
        get_activity_or_404(activity_id)
        page = sessions_page("s.study_activity_id = ?", (activity_id,),
                             "SELECT coalesce((SELECT sessions_count FROM learner_activities"
                             " WHERE learner_id = ? AND study_activity_id = ?), 0) AS total",
                             seek=from_day_of(ACTIVITY_DAY_HOLDING, activity_id))
    return jsonify(paged_items(*page))


@bp.get("/study-activities/<int:activity_id>/launch")
@versioned
def launch_activity(activity_id):
    """What the portal needs to launch an activity: it and the groups to pick from."""
    with snapshot():
        activity = get_activity_or_404(activity_id)
        if activity["retired"]:
            raise ApiError(410, f"Study activity {activity_id} is retired: its app is no longer available.")
        groups = query_all("SELECT id, name FROM groups ORDER BY name, id")
    return jsonify(activity=activity, groups=groups)
