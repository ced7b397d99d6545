"""A guard, not a timer: no list, page or dashboard route may read the whole
learning record.

Each GET route is called through the test client while the request's SQLite
connection traces every statement it runs (with its parameters inlined). Each
SELECT is then explained on the same database, and the test fails when the
plan scans all of word_review_items or study_sessions:

- ``SCAN <table>`` with no index: every row of the table is read;
- ``SCAN <table> USING [COVERING] INDEX`` that feeds a sort (a temp B-tree at
  the same level of the plan) or belongs to a statement without LIMIT: the
  whole index is walked. An ordered index walk that LIMIT stops is how a page
  is read, and passes.

Without ANALYZE statistics SQLite plans the same way on a small database as
on a large one, so the seed plus a short history is enough to see the plans.
"""
import re
import shutil

import pytest

from app import create_app
from tests.sql_trace import selects, trace_statements
from lib.store import connection as database

BIG_TABLES = {"word_review_items", "study_sessions", "study_quarters", "word_schedules", "learner_words", "study_days",
              "learner_activity_days", "learner_due_hours"}

# The contract's sort keys, per route.
WORD_KEYS = ["kanji", "romaji", "english", "correct_count", "wrong_count"]
GROUP_KEYS = ["name", "word_count", "words_count"]
SESSION_KEYS = ["id", "activity_name", "group_name", "start_time", "end_time", "review_items_count",
                "startTime", "endTime", "activityName", "groupName", "reviewItemsCount"]


def sorted_pages(path, keys):
    return [f"{path}?sort_by={key}&order={order}&page={page}"
            for key in keys for order in ("asc", "desc") for page in (1, 2)]


DUE_ROUTES = ["/api/words/due", "/api/words/due?limit=1&new=0", "/api/words/due?limit=100&new=100"]
GROUP_DUE_ROUTES = ["/api/groups/G/words/due", "/api/groups/G/words/due?limit=1&new=0"]
LEECH_ROUTES = ["/api/words/leeches?lapses=1", "/api/words/leeches?lapses=1&per_page=1&page=2"]


def route_urls(group_id, activity_id, session_id, word_id):
    return [
        "/api/words", *sorted_pages("/api/words", WORD_KEYS),
        f"/api/words/{word_id}",
        "/api/groups", *sorted_pages("/api/groups", GROUP_KEYS),
        f"/api/groups/{group_id}",
        f"/api/groups/{group_id}/words", *sorted_pages(f"/api/groups/{group_id}/words", WORD_KEYS),
        f"/api/groups/{group_id}/words/raw",
        f"/api/groups/{group_id}/study-sessions",
        *sorted_pages(f"/api/groups/{group_id}/study-sessions", SESSION_KEYS),
        "/api/study-activities",
        f"/api/study-activities/{activity_id}",
        f"/api/study-activities/{activity_id}/sessions",
        f"/api/study-activities/{activity_id}/sessions?page=2",
        f"/api/study-activities/{activity_id}/launch",
        "/api/study-sessions", "/api/study-sessions?page=2",
        f"/api/study-sessions/{session_id}", f"/api/study-sessions/{session_id}?page=2",
        "/api/dashboard/recent-session",
        "/api/dashboard/stats",
        "/api/dashboard/stats?tz=Asia/Tokyo",
        "/api/dashboard/history",
        "/api/dashboard/history?tz=America/New_York&days=30",
        "/api/dashboard/forecast",
        "/api/dashboard/forecast?tz=Asia/Kathmandu&days=365",
        "/api/dashboard/retention",
        "/api/dashboard/retention?tz=America/New_York&weeks=52",
        "/api/dashboard/groups",
        *DUE_ROUTES, *(url.replace("/api/groups/G", f"/api/groups/{group_id}") for url in GROUP_DUE_ROUTES),
        *LEECH_ROUTES,
    ]


# Route names only, for test ids; the ids of the rows are filled in per test.
ROUTES = route_urls("G", "A", "S", "W")

NOT_AN_ALIAS = {"where", "join", "on", "order", "group", "limit", "left", "inner", "cross",
                "natural", "using", "union", "having", "window", "as", "outer", "indexed", "not"}
TABLE_NAME = re.compile(r"\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?", re.IGNORECASE)
SCAN = re.compile(r"^SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?")


def table_names(sql):
    """{name as a plan shows it: table} for the tables in ``sql``."""
    names = {}
    for table, alias in TABLE_NAME.findall(sql):
        names[table] = table
        if alias and alias.lower() not in NOT_AN_ALIAS:
            names[alias] = table
    return names


def whole_scans(conn, sql):
    """The plan rows of ``sql`` that read all of a big table, with the plan."""
    plan = conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
    names = table_names(sql)
    has_limit = re.search(r"\bLIMIT\b", sql, re.IGNORECASE) is not None
    sorted_levels = {row[1] for row in plan if row[3].startswith("USE TEMP B-TREE")}
    offenders = []
    for _, parent, _, detail in plan:
        match = SCAN.match(detail)
        if not match or names.get(match.group(1), match.group(1)) not in BIG_TABLES:
            continue
        if match.group(2) is None or not has_limit or parent in sorted_levels:
            offenders.append(detail)
    return offenders, [f"{row[1]:>3} {row[0]:>3}  {row[3]}" for row in plan]


@pytest.fixture(scope="module")
def planned(tmp_path_factory, seeded_template):
    """An app on a copy of the seeded database with a short history, and the
    list of statements its GET requests run (built once for this module)."""
    path = tmp_path_factory.mktemp("plans") / "lang_portal.db"
    shutil.copy(seeded_template, path)
    app = create_app({"TESTING": True, "DATABASE": str(path)})
    statements = trace_statements(app)
    client = app.test_client()
    conn = database.connect(str(path))
    try:
        ids = {}
        ids["G"], ids["W"] = conn.execute(
            "SELECT group_id, min(word_id) FROM word_groups GROUP BY group_id ORDER BY group_id LIMIT 1").fetchone()
        ids["A"] = conn.execute("SELECT min(id) FROM study_activities").fetchone()[0]
        words = [row[0] for row in conn.execute(
            "SELECT word_id FROM word_groups WHERE group_id = ? ORDER BY word_id LIMIT 12", (ids["G"],))]
        # Enough sessions and words for a second page everywhere.
        for _ in range(12):
            response = client.post("/api/study-sessions",
                                   json={"group_id": ids["G"], "study_activity_id": ids["A"]})
            assert response.status_code == 201, response.get_json()
            ids["S"] = response.get_json()["id"]
        response = client.post(f"/api/study-sessions/{ids['S']}/review", json={"reviews": [
            {"word_id": word, "is_correct": n % 3 > 0} for n, word in enumerate(words)]})
        assert response.status_code == 201, response.get_json()
        # Forgotten in the review state: leeches to page through.
        response = client.post(f"/api/study-sessions/{ids['S']}/review", json={"reviews": [
            {"word_id": word, "rating": rating} for word in words[:3] for rating in ("easy", "again")]})
        assert response.status_code == 201, response.get_json()
        yield client, conn, statements, ids
    finally:
        conn.close()


def test_the_guard_sees_a_whole_scan(db):
    offenders, _ = whole_scans(db, "SELECT count(*) FROM word_review_items r WHERE r.correct = 1")
    assert offenders == ["SCAN r"]
    offenders, _ = whole_scans(db, "SELECT id FROM study_sessions WHERE learner_id = 1 ORDER BY created_at DESC LIMIT 10")
    assert offenders == []
    offenders, _ = whole_scans(db, "SELECT count(*) FROM study_sessions")
    assert offenders and offenders[0].startswith("SCAN study_sessions USING COVERING INDEX")
    offenders, _ = whole_scans(db, "SELECT s.id FROM study_sessions s ORDER BY s.correct_count LIMIT 10")
    assert offenders == ["SCAN s"]
    # an index walk that feeds a sort reads the whole index before the first row
    offenders, _ = whole_scans(db, "SELECT s.id FROM study_sessions s INDEXED BY study_sessions_by_created_at"
                                   " ORDER BY s.ended_at LIMIT 10")
    assert offenders == ["SCAN s USING INDEX study_sessions_by_created_at"]
    # a page of ids from an index, then their rows: the outer sort is of one page
    offenders, _ = whole_scans(db, "SELECT s.id FROM (SELECT id FROM study_sessions WHERE learner_id = 1"
                                   " ORDER BY created_at DESC LIMIT 10 OFFSET 20) p"
                                   " JOIN study_sessions s ON s.id = p.id ORDER BY s.created_at")
    assert offenders == []


@pytest.mark.parametrize("route", ROUTES)
def test_route_reads_one_page_not_the_history(route, planned):
    client, conn, traced, ids = planned
    url = re.sub(r"/([GASW])(?=/|\?|$)", lambda m: f"/{ids[m.group(1)]}", route)
    traced.clear()
    response = client.get(url)
    assert response.status_code == 200, (url, response.get_json())
    reads = selects(traced)
    assert reads, f"{url}: no SELECT was traced; is the request's connection still lib.web.database.get_db()?"
    problems = []
    for sql in reads:
        offenders, plan = whole_scans(conn, sql)
        if offenders:
            problems.append(f"{' '.join(sql.split())}\n  reads all of a big table: {offenders}\n  plan:\n    "
                            + "\n    ".join(plan))
    assert not problems, f"GET {url} scans the learning record:\n" + "\n\n".join(problems)


@pytest.mark.parametrize("route", ["/api/dashboard/forecast?tz=Asia/Tokyo&days=365", "/api/words/due"])
def test_what_is_due_adds_up_due_hours_and_counts_ranges_of_the_due_index(route, planned):
    """Each count reads a range of the learner's due hours, or a range of
    word_schedules_by_due and nothing of the schedules' rows: what is
    overdue, what fell due this hour, and each range of today and later, all
    in one statement."""
    client, conn, traced, _ = planned
    traced.clear()
    assert client.get(route).status_code == 200
    reads = [sql for sql in selects(traced) if "learner_due_hours" in sql]
    assert len(reads) == 1
    plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {reads[0]}")]
    hours = [detail for detail in plan if "learner_due_hours" in detail]
    schedules = [detail for detail in plan if "word_schedules" in detail]
    assert hours and all(
        detail.startswith("SEARCH learner_due_hours USING PRIMARY KEY (learner_id=? AND hour")
        for detail in hours), plan
    assert schedules and all(
        re.match(r"SEARCH (word_schedules|s) USING COVERING INDEX word_schedules_by_due \(learner_id=\? AND due",
                 detail) for detail in schedules), plan


def plans_of(client, conn, traced, url):
    traced.clear()
    response = client.get(url)
    assert response.status_code == 200, (url, response.get_json())
    return {" ".join(sql.split()): [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
            for sql in selects(traced)}


@pytest.mark.parametrize("route, ordered_by, index", [
    *[(route, "ORDER BY s.due", "word_schedules_by_due") for route in DUE_ROUTES],
    *[(route, "ORDER BY s.lapses", "word_schedules_by_lapses") for route in LEECH_ROUTES],
])
def test_schedule_lists_read_their_page_from_an_index(route, ordered_by, index, planned):
    """The due queue walks the index on due from the most overdue word, and
    the leeches the index on lapses: no sort of all the schedules."""
    client, conn, traced, ids = planned
    plans = plans_of(client, conn, traced, route.replace("/G/", f"/{ids['G']}/"))
    pages = {sql: plan for sql, plan in plans.items() if ordered_by in sql}
    assert pages, f"no page query ordered {ordered_by}: {list(plans)}"
    for sql, plan in pages.items():
        assert any(f"INDEX {index}" in step for step in plan), (sql, plan)
        assert not any("TEMP B-TREE" in step for step in plan), (sql, plan)


def test_the_leeches_skip_to_their_page_on_index_entries_alone(planned):
    """The rows before a page of leeches are skipped on the index on lapses
    without reading their schedules or counts: only the page's are read."""
    client, conn, traced, _ = planned
    plans = plans_of(client, conn, traced, LEECH_ROUTES[1])
    [(sql, plan)] = [(sql, plan) for sql, plan in plans.items() if "OFFSET" in sql]
    assert any(step.startswith("SEARCH s USING COVERING INDEX word_schedules_by_lapses") for step in plan), (sql, plan)


@pytest.mark.parametrize("route", GROUP_DUE_ROUTES)
def test_a_groups_due_queue_reads_only_the_groups_schedules(route, planned):
    """A group's due words, their count and the next due time are found from
    the group's own words, one schedule each by word id: never by walking
    every overdue or every future word."""
    client, conn, traced, ids = planned
    plans = plans_of(client, conn, traced, route.replace("/G/", f"/{ids['G']}/"))
    by_due = {sql: plan for sql, plan in plans.items() if re.search(r"s\.due [<>]", sql)}
    assert len(by_due) == 2, list(plans)  # the page; the count and the next due time, in one walk
    for sql, plan in by_due.items():
        assert plan[:2] == ["SEARCH wg USING PRIMARY KEY (group_id=?)",
                            "SEARCH s USING PRIMARY KEY (learner_id=? AND word_id=?)"], (sql, plan)
