"""Helpers shared by the read-side tests: one shape checker, one error
checker, paging walkers and small ways to make history."""
import math
import os
import re
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from lib.core import clock
from lib.store import integrity

TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def integer(value):
    # bool is a subclass of int in Python; JSON true is not a number.
    return isinstance(value, int) and not isinstance(value, bool)


def number(value):
    return integer(value) or isinstance(value, float)


def text(value):
    return isinstance(value, str)


def timestamp(value):
    return isinstance(value, str) and TIMESTAMP.fullmatch(value) is not None


def array(value):
    return isinstance(value, list)


def mapping(value):
    return isinstance(value, dict)


WORD = {"id": integer, "kanji": text, "kana": text, "romaji": text, "english": text,
        "correct_count": integer, "wrong_count": integer}
def schedule_or_null(value):
    return value is None or (isinstance(value, dict) and set(value) == {
        "state", "due", "stability", "difficulty", "retrievability", "reps", "lapses"})


WORD_DETAIL = {**WORD, "parts": array, "groups": array, "schedule": schedule_or_null}
WORD_PAGE = {"words": array, "total_pages": integer, "current_page": integer, "total_words": integer}
GROUP = {"id": integer, "group_name": text, "word_count": integer}
GROUP_REF = {"id": integer, "name": text}
SESSION = {"id": integer, "group_id": integer, "group_name": text, "activity_id": integer,
           "activity_name": text, "start_time": timestamp, "end_time": timestamp,
           "review_items_count": integer}
PAGED_ITEMS = {"items": array, "total": integer, "page": integer, "per_page": integer,
               "total_pages": integer}
ACTIVITY = {"id": integer, "title": text, "slug": text, "description": text, "launch_url": text, "preview_url": text,
            "retired": lambda value: isinstance(value, bool)}

BAD_PAGING = ([("page", value) for value in ("0", "-1", "abc", "1.5", "")]
              + [("per_page", value) for value in ("0", "-1", "101", "abc", "1.5", "")])
ALLOWED_PAGING = {"page": ["page", "1"], "per_page": ["per_page", "1", "100"]}
BAD_ORDERS = ["up", "ascending", ""]


def assert_fields(data, spec, exact=True):
    """``data`` is a JSON object with the keys of ``spec`` (exactly, or at
    least), each value passing its type check."""
    assert isinstance(data, dict), f"expected a JSON object, got {data!r}"
    missing = sorted(spec.keys() - data.keys())
    extra = sorted(data.keys() - spec.keys()) if exact else []
    ill_typed = sorted(key for key, check in spec.items() if key in data and not check(data[key]))
    assert (missing, extra, ill_typed) == ([], [], []), data


def assert_each(items, spec):
    assert isinstance(items, list)
    for item in items:
        assert_fields(item, spec)


def assert_error(response, status, *mentions):
    """The one error shape: exactly {"error": "<non-empty sentence>"}."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert list(body) == ["error"] and isinstance(body["error"], str) and body["error"].strip()
    for mention in mentions:
        assert mention in body["error"]


def spellings(canonical):
    """Every path a client may use for a canonical /api path: without the
    prefix, and with study_sessions / study_activities for the hyphens."""
    underscored = (canonical.replace("study-sessions", "study_sessions")
                   .replace("study-activities", "study_activities"))
    paths = [canonical, canonical.removeprefix("/api")]
    if underscored != canonical:
        paths += [underscored, underscored.removeprefix("/api")]
    return paths


def get_ok(client, path, **query):
    response = client.get(path, query_string=query or None)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def walk_pages(client, path, items_key, per_page, **query):
    """Every page of a paged list, in order; page 1 says how many there are."""
    first = get_ok(client, path, page=1, per_page=per_page, **query)
    pages = [first] + [get_ok(client, path, page=page, per_page=per_page, **query)
                       for page in range(2, first["total_pages"] + 1)]
    return [page[items_key] for page in pages], first


def assert_every_paging_lists(client, path, expected, sizes=(1, 2, 3, 4, 5)):
    """Every page of the session list at ``path``, at each page size in
    ``sizes``, one past the last included, lists the ids ``expected`` in order."""
    for per_page in sizes:
        seen = []
        for page in range(1, len(expected) // per_page + 2):
            seen += [item["id"] for item in get_ok(client, path, per_page=per_page, page=page)["items"]]
        assert seen == expected, per_page


def assert_pages_match(pages, expected, per_page):
    """The pages are ``expected`` cut into ``per_page`` slices, each row once."""
    assert len(pages) == max(1, math.ceil(len(expected) / per_page))
    for number, page in enumerate(pages):
        assert page == expected[number * per_page:(number + 1) * per_page], f"page {number + 1}"
    ids = [row["id"] for page in pages for row in page]
    assert len(ids) == len(set(ids)) == len(expected)


def rows_in(path, sql):
    """What ``sql`` finds in the database file at ``path``, read on a connection of its own."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def rows(db, sql, params=()):
    return [dict(row) for row in db.execute(sql, params)]


def count(db, table):
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def group_word_ids(db, group_id):
    return [row[0] for row in db.execute(
        "SELECT word_id FROM word_groups WHERE group_id = ? ORDER BY word_id", (group_id,))]


def freeze_clock(monkeypatch, when):
    """Make the app's "now" the given ISO 8601 UTC moment, e.g. 2026-03-10T09:00:00Z."""
    moment = datetime.fromisoformat(when.replace("Z", "+00:00"))
    monkeypatch.setattr(clock, "utcnow", lambda: moment)


def start_session(client, group_id, activity_id=1):
    response = client.post("/api/study-sessions",
                           json={"group_id": group_id, "study_activity_id": activity_id})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def post_reviews(client, session_id, results):
    """Record [(word_id, correct)] in one batch."""
    response = client.post(f"/api/study-sessions/{session_id}/review", json={
        "reviews": [{"word_id": word_id, "is_correct": correct} for word_id, correct in results]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def record_review_history(client, db):
    """Sessions in three groups whose reviews leave the words with differing
    counts, ties among them, and most words never reviewed."""
    for group_id in (1, 2, 3):
        session_id = start_session(client, group_id)
        words = group_word_ids(db, group_id)[:12]
        post_reviews(client, session_id,
                     [(word_id, True) for n, word_id in enumerate(words) for _ in range(n % 4)]
                     + [(word_id, False) for n, word_id in enumerate(words) for _ in range(n % 3)])


# Counts recomputed from the review history itself, not from stored counters.
WORDS_RECOUNTED = """
SELECT * FROM (
    SELECT w.id, w.kanji, w.kana, w.romaji, w.english,
           coalesce(sum(r.correct), 0) AS correct_count,
           coalesce(sum(1 - r.correct), 0) AS wrong_count
    FROM words w LEFT JOIN word_review_items r ON r.word_id = w.id
    GROUP BY w.id
)
"""
# A word's counts of the default learner, whom the test client acts for.
WORD_COUNTS = ("SELECT coalesce(max(correct_count), 0), coalesce(max(wrong_count), 0) FROM learner_words"
               " WHERE learner_id = 1 AND word_id = ?")
WORD_SORT_KEYS = ["kanji", "romaji", "english", "correct_count", "wrong_count"]


def counters_that_differ_from_a_recount(db_path):
    """[(counter, rows where it is wrong)]: empty when every counter holds."""
    conn = sqlite3.connect(db_path)
    try:
        return integrity.counter_problems(conn)
    finally:
        conn.close()


def run_flask(*args, database, cwd=None, **env):
    """``flask --app app ARGS`` as a user runs it, in a process of its own,
    with LANG_PORTAL_DATABASE=database and any other LANG_PORTAL_ settings
    given as keyword arguments: the finished process."""
    root = Path(__file__).resolve().parent.parent
    settings = {f"LANG_PORTAL_{name}": str(value) for name, value in env.items()}
    environ = {key: value for key, value in os.environ.items() if not key.startswith("LANG_PORTAL_")}
    return subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", str(root / "app"), *map(str, args)],
        cwd=cwd or root, capture_output=True, text=True, timeout=120,
        env={**environ, "LANG_PORTAL_DATABASE": str(database), **settings})


def assert_one_line_error(result, *mentions):
    """A command that failed as a user should see it: a non-zero exit and one
    line on stderr saying why, with no traceback."""
    assert result.returncode != 0, result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for mention in mentions:
        assert mention in lines[0], lines[0]


def seed_word_count():
    """How many words the seed holds (a word in several groups once)."""
    from lib.store import seed
    groups, _ = seed.read_seed()
    return len({(word["kanji"], word["kana"]) for words in groups.values() for word in words})


SEED_WORDS = seed_word_count()


def bearer(token):
    """The header a request acting for the learner of ``token`` carries."""
    return {"Authorization": f"Bearer {token}"}


def add_learner(client, name, admin=False):
    """A learner added through the API by the default learner: (id, first token)."""
    response = client.post("/api/learners", json={"name": name, "admin": admin})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"], response.get_json()["token"]


def study(client, db, token=None, group_id=1, ratings=("easy", "good", "again", "hard")):
    """A session of the learner of ``token`` (without one: the default
    learner) in the group, its first words reviewed with ``ratings`` in turn,
    twice over: some schedules reach the review state, whose intervals
    depend on the retention. The session's id."""
    headers = bearer(token) if token else {}
    response = client.post("/api/study-sessions", json={"group_id": group_id, "study_activity_id": 1},
                           headers=headers)
    assert response.status_code == 201, response.get_json()
    session_id = response.get_json()["id"]
    words = group_word_ids(db, group_id)[:len(ratings)]
    reviews = [{"word_id": word_id, "rating": rating} for word_id, rating in zip(words, ratings)]
    response = client.post(f"/api/study-sessions/{session_id}/review", json={"reviews": reviews * 2},
                           headers=headers)
    assert response.status_code == 201, response.get_json()
    return session_id
