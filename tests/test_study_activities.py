"""Study activities: the list the portal shows, one activity, its sessions, launch."""
from urllib.parse import urlsplit

import pytest

from tests.helpers import (
    ACTIVITY, ALLOWED_PAGING, BAD_PAGING, GROUP_REF, PAGED_ITEMS, SESSION, assert_each, assert_error,
    assert_fields, assert_pages_match, freeze_clock, get_ok, rows, spellings, start_session, walk_pages,
)

STORED_ACTIVITIES = """
SELECT id, name AS title, description, url AS launch_url, preview_url
FROM study_activities ORDER BY id
"""
SESSIONS_NEWEST_FIRST = """
SELECT s.id, s.group_id, g.name AS group_name, s.study_activity_id AS activity_id,
       a.name AS activity_name, s.created_at AS start_time, s.created_at AS end_time,
       0 AS review_items_count
FROM study_sessions s
JOIN groups g ON g.id = s.group_id
JOIN study_activities a ON a.id = s.study_activity_id
WHERE s.study_activity_id = ?
ORDER BY s.created_at DESC, s.id DESC
"""


def sessions_of_both_activities(client, monkeypatch):
    """Five sessions of activity 1 and two of activity 2, started out of id order."""
    for hour, group_id, activity_id in [(4, 1, 1), (1, 2, 1), (6, 3, 2), (3, 1, 1), (0, 4, 2), (5, 5, 1), (2, 6, 1)]:
        freeze_clock(monkeypatch, f"2026-03-10T{hour:02d}:00:00Z")
        start_session(client, group_id, activity_id)


@pytest.mark.parametrize("path", spellings("/api/study-activities"))
def test_activity_list_is_a_bare_array_of_activities(client, db, path):
    activities = get_ok(client, path)
    assert isinstance(activities, list)
    assert_each(activities, ACTIVITY)
    assert activities == rows(db, STORED_ACTIVITIES)


def test_activity_urls_are_what_the_portal_can_use(client):
    for activity in get_ok(client, "/api/study-activities"):
        launch_url = urlsplit(activity["launch_url"])
        assert launch_url.scheme in ("http", "https") and launch_url.netloc  # new URL() parses it
        assert activity["preview_url"].startswith("/")


@pytest.mark.parametrize("path", spellings("/api/study-activities/{id}"))
def test_one_activity(client, db, path):
    activity = get_ok(client, path.format(id=2))
    assert_fields(activity, ACTIVITY)
    assert activity == rows(db, STORED_ACTIVITIES)[1]


@pytest.mark.parametrize("path", spellings("/api/study-activities/{id}/launch"))
def test_launch_gives_the_activity_and_every_group(client, db, path):
    body = get_ok(client, path.format(id=1))
    assert list(body) == ["activity", "groups"]
    assert body["activity"] == get_ok(client, "/api/study-activities/1")
    assert_each(body["groups"], GROUP_REF)
    assert sorted(body["groups"], key=lambda group: group["id"]) == rows(db, "SELECT id, name FROM groups ORDER BY id")


@pytest.mark.parametrize("path", spellings("/api/study-activities/{id}/sessions"))
def test_activity_sessions_have_the_contract_shape(client, monkeypatch, path):
    sessions_of_both_activities(client, monkeypatch)
    body = get_ok(client, path.format(id=2))
    assert_fields(body, PAGED_ITEMS)
    assert_each(body["items"], SESSION)
    assert {item["activity_id"] for item in body["items"]} == {2}
    assert (body["total"], body["page"], body["per_page"], body["total_pages"]) == (2, 1, 10, 1)


def test_activity_sessions_are_paged_newest_first(client, db, monkeypatch):
    sessions_of_both_activities(client, monkeypatch)
    expected = rows(db, SESSIONS_NEWEST_FIRST, (1,))
    pages, first = walk_pages(client, "/study_activities/1/sessions", "items", 2)
    assert_pages_match(pages, expected, 2)
    assert (first["total"], first["per_page"], first["total_pages"]) == (5, 2, 3)


def test_activity_without_sessions_has_an_empty_page(client):
    body = get_ok(client, "/api/study-activities/1/sessions")
    assert (body["items"], body["total"], body["total_pages"]) == ([], 0, 0)


@pytest.mark.parametrize("template", [
    *spellings("/api/study-activities/{id}"),
    *spellings("/api/study-activities/{id}/sessions"),
    *spellings("/api/study-activities/{id}/launch"),
])
@pytest.mark.parametrize("activity_id", [0, 999999, 2**63])
def test_unknown_activity_is_404(client, template, activity_id):
    assert_error(client.get(template.format(id=activity_id)), 404)


@pytest.mark.parametrize("field, value", BAD_PAGING)
def test_bad_paging_of_sessions_is_400(client, field, value):
    response = client.get("/api/study-activities/1/sessions", query_string={field: value})
    assert_error(response, 400, *ALLOWED_PAGING[field])
