"""One walk through what the portal and an activity app do, in the order they do it,
with the paths the portal uses."""
from urllib.parse import parse_qs, urlsplit

from tests.helpers import (
    ACTIVITY, SESSION, WORD, WORD_SORT_KEYS, assert_each, assert_fields, freeze_clock, get_ok,
)

NOW = "2026-03-10T09:30:00Z"
GROUP_SORTS = {"name": "group_name", "word_count": "word_count"}


def launch_url(activity, group_id, session_id):
    """What the portal opens: the activity's URL with group_id and session_id."""
    return f"{activity['launch_url']}?group_id={group_id}&session_id={session_id}"


def assert_sorted(items, field, order):
    keys = [(item[field], item["id"]) for item in items]
    assert keys == sorted(keys, reverse=order == "desc"), field


def browse(client, path, items_key, sorts, per_page):
    """Pages 1 and 2 of a list, for each key and direction: both full, in
    order across the two, none repeated."""
    for sort_by, field in sorts.items():
        for order in ("asc", "desc"):
            pages = [get_ok(client, path, sort_by=sort_by, order=order, page=page, per_page=per_page)
                     for page in (1, 2)]
            assert [page["current_page"] for page in pages] == [1, 2]
            assert [len(page[items_key]) for page in pages] == [per_page, per_page]
            items = pages[0][items_key] + pages[1][items_key]
            assert_sorted(items, field, order)
            assert len({item["id"] for item in items}) == len(items)


def test_the_portal_walk(client, monkeypatch):
    freeze_clock(monkeypatch, NOW)

    # The dashboard of a new learner.
    assert get_ok(client, "/dashboard/recent-session") is None
    assert get_ok(client, "/dashboard/stats")["total_sessions"] == 0

    # Study activities, one opened, then its launch page with the groups to pick from.
    activities = get_ok(client, "/api/study-activities")
    assert_each(activities, ACTIVITY)
    activity = get_ok(client, f"/api/study-activities/{activities[0]['id']}")
    launch = get_ok(client, f"/api/study-activities/{activity['id']}/launch")
    group = launch["groups"][0]

    # Launch: a session for the group, then the activity app in a new tab.
    response = client.post("/study_sessions", json={"group_id": group["id"], "study_activity_id": activity["id"]})
    assert response.status_code == 201
    session_id = response.get_json()["session_id"]
    query = parse_qs(urlsplit(launch_url(activity, group["id"], session_id)).query)
    group_id, session_id = int(query["group_id"][0]), int(query["session_id"][0])

    # The activity app fetches the words and posts one result per word practised.
    raw = get_ok(client, f"/api/groups/{group_id}/words/raw")
    assert raw["group_name"] == group["name"]
    practised = raw["words"][:6]
    results = [{"word_id": word["id"], "is_correct": n % 3 != 0} for n, word in enumerate(practised)]
    response = client.post(f"/study_sessions/{session_id}/review", json={"reviews": results})
    assert response.status_code == 201
    assert response.get_json() == {"session_id": session_id, "recorded": 6, "review_items_count": 6}

    # The portal opens the session and sees the words with this session's counts.
    opened = get_ok(client, f"/api/study-sessions/{session_id}")
    assert_fields(opened["session"], SESSION)
    assert opened["session"]["review_items_count"] == 6
    assert opened["session"]["start_time"] == NOW
    assert {word["id"]: (word["correct_count"], word["wrong_count"]) for word in opened["words"]} == {
        result["word_id"]: (1, 0) if result["is_correct"] else (0, 1) for result in results}

    # Words, groups, a group's words and sessions, sorted every way the portal sends.
    browse(client, "/words", "words", {key: key for key in WORD_SORT_KEYS}, per_page=50)
    browse(client, f"/groups/{group_id}/words", "words", {key: key for key in WORD_SORT_KEYS}, per_page=10)
    browse(client, "/groups", "groups", GROUP_SORTS, per_page=3)
    assert_each(get_ok(client, "/words", sort_by="wrong_count", order="desc")["words"], WORD)
    assert get_ok(client, "/words", sort_by="wrong_count", order="desc")["words"][0]["wrong_count"] == 1

    # The dashboard shows the session.
    recent = get_ok(client, "/dashboard/recent-session")
    assert (recent["id"], recent["group_id"], recent["activity_name"]) == (session_id, group_id, activity["title"])
    assert (recent["correct_count"], recent["wrong_count"], recent["created_at"]) == (4, 2, NOW)
    stats = get_ok(client, "/dashboard/stats")
    assert (stats["total_sessions"], stats["total_words_studied"], stats["success_rate"]) == (1, 6, 4 / 6)
    assert (stats["active_groups"], stats["current_streak"]) == (1, 1)

    # Two more sessions of the group, with the other activity: its sessions, every way sorted.
    for other in activities[1:] * 2:
        client.post("/study_sessions", json={"group_id": group_id, "study_activity_id": other["id"]})
    browse(client, f"/groups/{group_id}/study_sessions", "study_sessions",
           {"startTime": "start_time", "endTime": "end_time", "activityName": "activity_name",
            "groupName": "group_name", "reviewItemsCount": "review_items_count"}, per_page=1)

    # Reset the history: the sessions list is empty again, and so is the dashboard.
    assert client.post("/study_sessions/reset").status_code == 200
    assert get_ok(client, "/study_sessions")["items"] == []
    assert get_ok(client, "/dashboard/recent-session") is None
    assert get_ok(client, f"/groups/{group_id}/study_sessions")["study_sessions"] == []
