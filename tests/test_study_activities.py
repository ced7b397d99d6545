"""Study activities: the list the portal shows, one activity, its sessions, launch."""
import shutil
import sqlite3
from urllib.parse import urlsplit

import pytest

from lib.store import migrations
from app import create_app
from lib.store import seed
from lib.core.settings import StartupError
from tests.helpers import (
    ACTIVITY, ALLOWED_PAGING, BAD_PAGING, GROUP_REF, PAGED_ITEMS, SESSION, assert_each, assert_error,
    assert_every_paging_lists,
    assert_fields, assert_pages_match, freeze_clock, get_ok, rows, spellings, start_session, walk_pages,
)

STORED_ACTIVITIES = """
SELECT id, name AS title, slug, description, url AS launch_url, preview_url, retired = 1 AS retired
FROM study_activities ORDER BY id
"""


def answered(row, base="http://localhost"):
    """A stored activity as the API answers it on ``base``: its own pages absolute."""
    return {**row, "launch_url": base + row["launch_url"], "preview_url": base + row["preview_url"],
            "retired": bool(row["retired"])}
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
    assert activities == [answered(row) for row in rows(db, STORED_ACTIVITIES)]
    assert [activity["slug"] for activity in activities] == ["typing-tutor", "flashcards"]


@pytest.mark.parametrize("base", ["http://localhost", "http://127.0.0.1:8123", "https://localhost:8443"])
def test_activity_urls_are_absolute_on_the_host_that_serves_them(app, base):
    client = app.test_client()
    for activity in client.get("/api/study-activities", base_url=base).get_json():
        for field, mimetype in (("launch_url", "text/html"), ("preview_url", "image/png")):
            url = urlsplit(activity[field])  # the portal parses it with new URL()
            assert f"{url.scheme}://{url.netloc}" == base
            served = client.get(url.path, base_url=base)
            assert (served.status_code, served.mimetype) == (200, mimetype)


def test_the_public_url_names_where_the_activities_are_reached(db_path):
    client = create_app({"TESTING": True, "DATABASE": str(db_path),
                         "PUBLIC_URL": "https://lang.example/portal/"}).test_client()
    activity = client.get("/api/study-activities/2", base_url="http://127.0.0.1:5000").get_json()
    assert activity["launch_url"] == "https://lang.example/portal/activities/flashcards/"
    assert activity["preview_url"] == "https://lang.example/portal/activities/flashcards/preview.png"
    # the proxy forwards the public host name: it is served
    assert client.get("/api/study-activities", base_url="https://lang.example").status_code == 200


@pytest.mark.parametrize("public_url", ["lang.example", "/portal", "ftp://lang.example", "https://lang.example/?x=1"])
def test_a_public_url_that_is_no_absolute_http_url_stops_the_start(db_path, public_url):
    with pytest.raises(StartupError, match="LANG_PORTAL_PUBLIC_URL=.* is not allowed: it must be an absolute http"):
        create_app({"TESTING": True, "DATABASE": str(db_path), "PUBLIC_URL": public_url})


def test_a_retired_activity_keeps_its_history_but_is_not_offered(client, db):
    session_id = start_session(client, 1, activity_id=2)
    db.execute("UPDATE study_activities SET retired = 1 WHERE id = 2")
    assert [activity["id"] for activity in get_ok(client, "/api/study-activities")] == [1]
    activity = get_ok(client, "/api/study-activities/2")
    assert (activity["title"], activity["retired"]) == ("Flashcards", True)
    assert_error(client.get("/api/study-activities/2/launch"), 410, "Study activity 2 is retired")
    assert [item["id"] for item in get_ok(client, "/api/study-activities/2/sessions")["items"]] == [session_id]
    assert get_ok(client, f"/api/study-sessions/{session_id}")["session"]["activity_name"] == "Flashcards"
    response = client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 2})
    assert_error(response, 422, "Study activity 2 is retired")


@pytest.mark.parametrize("path", spellings("/api/study-activities/{id}"))
def test_one_activity(client, db, path):
    activity = get_ok(client, path.format(id=2))
    assert_fields(activity, ACTIVITY)
    assert activity == answered(rows(db, STORED_ACTIVITIES)[1])


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


def test_every_page_of_an_activitys_sessions_over_several_days_is_in_start_time_order(client, db, monkeypatch):
    # Days of uneven sizes with the other activity's sessions among them, the
    # same second twice, both ends of a day: deep pages skip whole days by
    # the activity's own counters per day, from either end of the list.
    starts = [(f"2026-03-0{day}T{hour}Z", activity) for day in range(1, 8)
              for hour, activity in (("00:00:00", 1), ("09:00:00", 2), ("09:00:00", 1), ("23:59:59", 1))
              if (day, activity) != (4, 1)]
    for group, (start, activity) in enumerate(starts):
        freeze_clock(monkeypatch, start)
        start_session(client, group_id=group % 7 + 1, activity_id=activity)
    expected = [row[0] for row in db.execute(
        "SELECT id FROM study_sessions WHERE study_activity_id = 1 ORDER BY created_at DESC, id DESC")]
    assert_every_paging_lists(client, "/api/study-activities/1/sessions", expected)


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


OLD_SEED_ACTIVITIES = [
    ("Typing Tutor", "http://localhost:8080", "/assets/study_activities/typing-tutor.png", "Type the romaji."),
    ("Writing Practice", "http://localhost:8081", "/assets/study_activities/writing-practice.png", "Write it."),
]


def test_an_existing_database_gets_the_built_in_activities(tmp_path):
    """A database from before: Typing Tutor keeps its id and history and opens
    the built-in tutor; Writing Practice is retired; Flashcards is added."""
    before = tmp_path / "migrations"
    before.mkdir()
    for path in migrations.MIGRATIONS_DIR.glob("*.sql"):
        if int(path.name[:4]) < 7:
            shutil.copy(path, before / path.name)
    db_path = tmp_path / "old.db"
    migrations.migrate(db_path, before)
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("INSERT INTO groups (name) VALUES ('Verbs')")
        conn.executemany("INSERT INTO study_activities (name, url, preview_url, description) VALUES (?, ?, ?, ?)",
                         OLD_SEED_ACTIVITIES)
        conn.executemany("INSERT INTO study_sessions (group_id, study_activity_id, created_at, ended_at)"
                         " VALUES (1, ?, '2026-01-02T03:04:05Z', '2026-01-02T03:04:05Z')", [(1,), (2,), (2,)])
        conn.execute("INSERT INTO words (kanji, romaji, english, parts) VALUES ('見る', 'miru', 'to see', '[]')")
    conn.close()

    client = create_app({"TESTING": True, "DATABASE": str(db_path)}).test_client()
    listed = get_ok(client, "/api/study-activities")
    assert [(a["id"], a["slug"], a["launch_url"]) for a in listed] == [
        (1, "typing-tutor", "http://localhost/activities/typing-tutor/"),
        (3, "flashcards", "http://localhost/activities/flashcards/"),
    ]
    assert all(client.get(urlsplit(a[field]).path).status_code == 200
               for a in listed for field in ("launch_url", "preview_url"))
    retired = get_ok(client, "/api/study-activities/2")
    assert (retired["title"], retired["slug"], retired["retired"]) == ("Writing Practice", "writing-practice", True)
    assert_error(client.get("/api/study-activities/2/launch"), 410)
    assert get_ok(client, "/api/study-activities/1/sessions")["total"] == 1
    assert get_ok(client, "/api/study-activities/2/sessions")["total"] == 2
    assert get_ok(client, "/api/study-activities/3/sessions")["total"] == 0
    expected = [(a["name"], a["description"]) for a in seed.read_seed()[1]]
    assert [(a["title"], a["description"]) for a in listed] == expected
