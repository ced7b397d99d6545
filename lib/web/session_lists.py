"""The lists of study sessions (all, a group's, an activity's), each one
page read by the counters and indexes, never a count of rows."""
from lib.web.auth import learner_id
from lib.web.database import query_one, snapshot
from lib.web.pages import fetch_page
from lib.web.validation import paging, sorting

SESSION_SELECT = """
SELECT s.id, s.group_id, g.name AS group_name,
       s.study_activity_id AS activity_id, a.name AS activity_name,
       s.created_at AS start_time, s.ended_at AS end_time, s.review_items_count
FROM study_sessions s
JOIN groups g ON g.id = s.group_id
JOIN study_activities a ON a.id = s.study_activity_id
"""

# Every key the portal sends, snake_case and camelCase, to its column. Only a
# group's session list is sortable: there every row has the group's name, so
# sorting by it leaves the rows in the order of the id tie-break.
SORT_COLUMNS = {
    "id": "s.id",
    "activity_name": "a.name", "activityName": "a.name",
    "group_name": "s.group_id", "groupName": "s.group_id",
    "start_time": "s.created_at", "startTime": "s.created_at",
    "end_time": "s.ended_at", "endTime": "s.ended_at",
    "review_items_count": "s.review_items_count", "reviewItemsCount": "s.review_items_count",
}
NEWEST_FIRST = ("s.created_at", "DESC")
# the page's ids were found among the learner's sessions
SESSIONS_BY_ID = f"{SESSION_SELECT} WHERE s.id IN ({{ids}})"

# The UTC day that holds a learner's session at a position (from 0, oldest
# first), with the sessions before it and its own (migration 0026): of all
# their sessions, or of one activity's (given its id).
DAY_HOLDING = ("SELECT day, sessions_before, sessions_count FROM study_days WHERE learner_id = ?"
               " AND sessions_before <= ? ORDER BY sessions_before DESC LIMIT 1")
ACTIVITY_DAY_HOLDING = ("SELECT day, sessions_before, sessions_count FROM learner_activity_days"
                        " WHERE learner_id = ? AND study_activity_id = ? AND sessions_before <= ?"
                        " ORDER BY sessions_before DESC LIMIT 1")
FROM_DAY = {"DESC": "s.created_at < date(?, '+1 day')", "ASC": "s.created_at >= ?"}


def from_day_of(day_holding, *params):
    """The seek of a list of sessions in start-time order whose days
    ``day_holding`` finds (given the learner, ``params`` and a position):
    start at the day that holds the offset, so that a deep page skips no
    more than one day's sessions."""
    def from_day(direction, offset, total):
        position = offset if direction == "ASC" else total - 1 - offset
        day = query_one(day_holding, (learner_id(), *params, position))
        if day is None:
            return "1", (), offset
        if direction == "ASC":
            skipped = day["sessions_before"]
        else:
            skipped = total - day["sessions_before"] - day["sessions_count"]
        return FROM_DAY[direction], (day["day"],), offset - skipped
    return from_day


from_day = from_day_of(DAY_HOLDING)


def sessions_page(where, params, count_sql, sortable=False, seek=None):
    """One page of the learner's sessions matching ``where``: (items, total,
    page, per_page).

    The total comes from a counter (``count_sql``, given the learner and
    ``params``), never from counting rows."""
    params = (learner_id(), *params)
    page, per_page, offset = paging(10)
    column, direction = sorting(SORT_COLUMNS, "start_time", "desc") if sortable else NEWEST_FIRST
    # By activity name: the activities in name order, then each one's sessions
    # in id order from an index, so that no sort of all the sessions is needed.
    source = ("study_activities a CROSS JOIN study_sessions s ON s.study_activity_id = a.id"
              if column == "a.name" else "study_sessions s")
    with snapshot():
        total = query_one(count_sql, params)["total"]
        items = fetch_page(
            f"SELECT s.id FROM {source} WHERE s.learner_id = ? AND {where} AND {{seek}}"
            " ORDER BY {order} LIMIT ? OFFSET ?",
            SESSIONS_BY_ID, params, (column, "s.id", direction), total, per_page, offset, seek)
    return items, total, page, per_page
