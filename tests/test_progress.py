"""What the progress page reads that the dashboard did not say before: true
retention per week, each group's words by state; and the home page at /."""
from urllib.parse import urljoin

import pytest

from lib.core.scheduler import DEFAULT_RETENTION, build_scheduler
from lib.store import integrity
from lib.store.connection import immediate
from lib.store.migrations import review_states_from_history
from lib.web.static_pages import CONTENT_SECURITY_POLICY
from tests.helpers import assert_error, bearer, freeze_clock, get_ok, group_word_ids, rows, start_session
from tests.test_activity_pages import Links

TOKYO = "Asia/Tokyo"


def review(client, session_id, *answers):
    """Record (word_id, rating) answers in one batch."""
    response = client.post(f"/api/study-sessions/{session_id}/review",
                           json={"reviews": [{"word_id": word, "rating": rating} for word, rating in answers]})
    assert response.status_code == 201, response.get_json()


def weeks(client, **query):
    body = get_ok(client, "/api/dashboard/retention", **query)
    return [(week["start"], week["reviews"], week["correct"], week["retention"]) for week in body["weeks"]]


@pytest.fixture
def learnt(client, db, monkeypatch):
    """Four words of group 1 learnt Easy (straight into review) on Monday
    2026-03-02; on Sunday 2026-03-08 at 23:30 UTC (Monday in Tokyo), two of
    them answered right, one forgotten and then answered again while
    relearning, and a new word answered: of those, only the three answers
    given in review count."""
    words = group_word_ids(db, 1)[:5]
    freeze_clock(monkeypatch, "2026-03-02T10:00:00Z")
    review(client, start_session(client, 1), *[(word, "easy") for word in words[:4]])
    freeze_clock(monkeypatch, "2026-03-08T23:30:00Z")
    review(client, start_session(client, 1), (words[0], "good"), (words[1], "hard"), (words[2], "again"),
           (words[2], "good"), (words[4], "good"))
    freeze_clock(monkeypatch, "2026-03-10T09:00:00Z")  # a Tuesday
    return words


def test_retention_counts_only_answers_given_in_the_review_state(client, learnt):
    assert weeks(client, weeks=3) == [("2026-02-23", 0, 0, None), ("2026-03-02", 3, 2, 2 / 3),
                                      ("2026-03-09", 0, 0, None)]
    body = get_ok(client, "/api/dashboard/retention")
    assert (body["tz"], body["desired_retention"], len(body["weeks"])) == ("UTC", 0.9, 12)
    assert (body["reviews"], body["correct"], body["retention"]) == (3, 2, 2 / 3)
    assert body["weeks"][-1]["start"] == "2026-03-09"


def test_retention_weeks_begin_on_monday_in_the_learners_zone(client, learnt):
    # 23:30 UTC on Sunday is 08:30 on Monday in Tokyo: the answers move a week on
    assert weeks(client, weeks=2, tz=TOKYO) == [("2026-03-02", 0, 0, None), ("2026-03-09", 3, 2, 2 / 3)]
    assert client.patch("/api/me", json={"time_zone": TOKYO, "desired_retention": 0.85}).status_code == 200
    body = get_ok(client, "/api/dashboard/retention", weeks=2)
    assert (body["tz"], body["desired_retention"], body["weeks"][1]["reviews"]) == (TOKYO, 0.85, 3)


def test_retention_moves_to_a_new_week_at_midnight_on_monday(client, learnt, monkeypatch):
    # the weeks are worked out once per day and zone: the next day has its own
    freeze_clock(monkeypatch, "2026-03-08T23:59:59Z")  # Sunday
    assert weeks(client, weeks=2) == [("2026-02-23", 0, 0, None), ("2026-03-02", 3, 2, 2 / 3)]
    freeze_clock(monkeypatch, "2026-03-09T00:00:00Z")
    assert weeks(client, weeks=2) == [("2026-03-02", 3, 2, 2 / 3), ("2026-03-09", 0, 0, None)]


def test_retention_follows_the_history_when_part_of_it_is_deleted(client, db, learnt, monkeypatch):
    """Reviews in group 1's sessions, then the same word in another group:
    deleting group 1 with its history leaves the later answer as the word's
    first, given to a new word, which true retention does not count."""
    word = learnt[0]
    assert client.post("/api/groups/2/words", json={"word_ids": [word]}).status_code == 200
    freeze_clock(monkeypatch, "2026-03-10T09:00:00Z")
    review(client, start_session(client, 2), (word, "good"))
    assert weeks(client, weeks=1) == [("2026-03-09", 1, 1, 1.0)]
    assert client.delete("/api/groups/1?with_history=true").status_code == 200
    assert weeks(client, weeks=2) == [("2026-03-02", 0, 0, None), ("2026-03-09", 0, 0, None)]
    assert [tuple(row) for row in db.execute("SELECT state_before FROM word_review_items WHERE word_id = ?",
                                             (word,))] == [(None,)]
    assert integrity.counter_problems(db) == []


def test_the_states_kept_live_are_the_ones_a_replay_finds(client, db, learnt):
    """The migration's step finds every stored review's state again: on a
    history kept live, it changes nothing."""
    kept = rows(db, "SELECT id, state_before FROM word_review_items ORDER BY id")
    assert [row["state_before"] for row in kept] == [None] * 4 + [2, 2, 2, 3, None]
    totals = rows(db, "SELECT * FROM study_quarters ORDER BY quarter")
    assert totals[-1]["in_review_items_total"] == 3
    with immediate(db):
        db.execute("UPDATE word_review_items SET state_before = NULL")
        db.execute("UPDATE study_quarters SET in_review_items_total = 0, in_review_correct_total = 0")
        review_states_from_history(db, build_scheduler(DEFAULT_RETENTION))
    assert rows(db, "SELECT id, state_before FROM word_review_items ORDER BY id") == kept
    assert rows(db, "SELECT * FROM study_quarters ORDER BY quarter") == totals


@pytest.mark.parametrize("query, mentions", [
    ({"weeks": 0}, "weeks"), ({"weeks": 53}, "weeks"), ({"weeks": "many"}, "weeks"), ({"tz": "Asia/Tokio"}, "tz"),
])
def test_retention_refuses_what_it_cannot_count(client, query, mentions):
    assert_error(client.get("/api/dashboard/retention", query_string=query), 400, mentions)


def schedule(db, word_id, state, stability):
    db.execute("INSERT INTO word_schedules (learner_id, word_id, state, stability, difficulty, due, reps)"
               " VALUES (1, ?, ?, ?, 5.0, '2026-03-12T00:00:00Z', 1)", (word_id, state, stability))


def test_groups_count_their_words_by_state(client, db):
    one, two = group_word_ids(db, 1), group_word_ids(db, 2)
    with immediate(db):
        db.execute("INSERT INTO word_groups (group_id, word_id) VALUES (2, ?)", (one[0],))
        schedule(db, one[0], 2, 21.0)  # mature, in both groups
        schedule(db, one[1], 2, 20.9)  # in review
        schedule(db, one[2], 1, 0.5)  # learning
        schedule(db, one[3], 3, 30.0)  # relearning: learning again, whatever its stability
        schedule(db, two[0], 2, 100.0)
    body = get_ok(client, "/api/dashboard/groups")
    assert body["mature_stability_days"] == 21
    groups = {group["id"]: group for group in body["groups"]}
    assert [group["name"] for group in body["groups"]] == sorted(group["name"] for group in body["groups"])
    assert groups[1] == {"id": 1, "name": groups[1]["name"], "word_count": len(one), "new": len(one) - 4,
                         "learning": 2, "review": 1, "mature": 1}
    assert {key: groups[2][key] for key in ("word_count", "new", "learning", "review", "mature")} == {
        "word_count": len(two) + 1, "new": len(two) - 1, "learning": 0, "review": 0, "mature": 2}
    assert all(group["new"] + group["learning"] + group["review"] + group["mature"] == group["word_count"]
               for group in body["groups"])


def test_groups_are_the_learners_own(client, db, learnt):
    token = client.post("/api/learners", json={"name": "ann"}).get_json()["token"]
    theirs = client.get("/api/dashboard/groups", headers=bearer(token)).get_json()
    assert all(group["new"] == group["word_count"] for group in theirs["groups"])
    mine = {group["id"]: group for group in get_ok(client, "/api/dashboard/groups")["groups"]}
    assert (mine[1]["review"] + mine[1]["learning"] + mine[1]["mature"]) == 5


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def test_a_browser_at_the_root_gets_the_home_page(client):
    response = client.get("/", headers={"Accept": BROWSER_ACCEPT})
    assert (response.status_code, response.mimetype) == (200, "text/html")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "Accept" in response.headers.get_all("Vary")
    assert b'href="api/openapi.json"' in response.data


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "text/html;q=0.5, application/json"])
def test_a_client_asking_for_json_at_the_root_gets_what_it_got_before(client, accept):
    response = client.get("/", headers={"Accept": accept} if accept else {})
    assert_error(response, 404)
    assert "Accept" in response.headers.get_all("Vary")


def test_the_home_page_lives_at_the_root_only(client):
    for path in ("/activities/home/", "/activities/home/index.html"):
        response = client.get(path)
        assert (response.status_code, response.headers["Location"]) == (308, "../../")


@pytest.mark.parametrize("path, loaded", [
    ("/activities/progress/", ["../shared/base.css", "progress.css", "progress.js"]),
    ("/", ["activities/shared/base.css", "activities/home/home.css", "activities/home/home.js"]),
])
def test_the_pages_and_what_they_load_are_served_with_their_types_and_nothing_inline(client, path, loaded):
    page = client.get(path, headers={"Accept": BROWSER_ACCEPT})
    assert (page.status_code, page.mimetype) == (200, "text/html")
    links = Links()
    links.feed(page.get_data(as_text=True))
    assert (links.loaded, links.inline) == (loaded, [])
    types = {".js": "text/javascript", ".css": "text/css"}
    for link in links.loaded:
        response = client.get(urljoin(f"http://localhost{path}", link))
        assert (response.status_code, response.mimetype) == (200, types[link[link.rindex("."):]]), link
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
