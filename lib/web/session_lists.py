"""The lists of study sessions (all, a group's, an activity's), each one
page read by the counters and indexes, never a count of rows."""
from contextlib import closing

from lib.web.auth import learner_id
from lib.web.database import get_db, query_one, snapshot
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

# A learner's sessions per UTC day: all of them, or one activity's (given its id)
DAYS = {direction: f"SELECT day, sessions_count FROM study_days WHERE learner_id = ? ORDER BY day {direction}"
        for direction in ("ASC", "DESC")}
ACTIVITY_DAYS = {direction: "SELECT day, sessions_count FROM learner_activity_days"
                            f" WHERE learner_id = ? AND study_activity_id = ? ORDER BY day {direction}"
                 for direction in ("ASC", "DESC")}
FROM_DAY = {"DESC": "s.created_at < date(?, '+1 day')", "ASC": "s.created_at >= ?"}


def from_day_of(days, *params):
    """The seek of a list whose sessions per day ``days`` counts (given the
    learner and ``params``): start at the day that holds the offset in
    start-time order, so that a deep page skips no more than one day's
    sessions."""
    def from_day(direction, offset):
        skipped = 0
        with closing(get_db().cursor()) as rows:  # read only as far as the day
            rows.row_factory = None  # plain tuples: years of days may be read
            for day, sessions in rows.execute(days[direction], (learner_id(), *params)):
                if skipped + sessions > offset:
                    return FROM_DAY[direction], (day,), offset - skipped
                skipped += sessions
        return "1", (), offset
    return from_day


from_day = from_day_of(DAYS)


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
