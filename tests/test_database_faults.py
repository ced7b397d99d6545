"""What a client is told when the disk is full, the database read-only or
its file unreadable: a status and a sentence that say so, never a bare 500,
and nothing half stored."""
import sqlite3

import pytest

from app import create_app
from lib.store import connection as db_module
from lib.web.database import close_all
from tests.helpers import assert_error, count, group_word_ids, start_session

FULL = "The disk holding the database is full"
READ_ONLY = "read-only"


def on_a_full_disk(connect):
    """``connect``, but its connections can grow the file by no page: SQLite's
    own "database or disk is full" (SQLITE_FULL), as on a full disk."""
    def connect_on_a_full_disk(*args, **kwargs):
        conn = connect(*args, **kwargs)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn
    return connect_on_a_full_disk


@pytest.fixture
def full_disk(monkeypatch):
    monkeypatch.setattr(db_module, "connect", on_a_full_disk(db_module.connect))


@pytest.fixture
def read_only_file(monkeypatch):
    """Every connection the app opens is one SQLite cannot write through, as
    when the file or its folder is read-only (chmod does not stop root, who
    runs the tests)."""
    connect = db_module.connect
    monkeypatch.setattr(db_module, "connect", lambda path, read_only=False: connect(path, read_only=True))


def many_reviews(db, group_id=2):
    return {"reviews": [{"word_id": word_id, "is_correct": True}
                        for word_id in group_word_ids(db, group_id) for _ in range(5)]}


def test_a_write_on_a_full_disk_is_507_and_stores_nothing(client, db, full_disk):
    session_id = db.execute("INSERT INTO study_sessions (learner_id, group_id, study_activity_id, created_at, ended_at)"
                            " VALUES (1, 2, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')").lastrowid
    before = count(db, "word_review_items")

    response = client.post(f"/api/study-sessions/{session_id}/review", json=many_reviews(db))

    assert_error(response, 507, FULL)
    assert count(db, "word_review_items") == before
    assert client.get(f"/api/study-sessions/{session_id}").status_code == 200


def test_a_write_to_a_read_only_database_is_503_saying_so_and_reads_go_on(client, db, read_only_file):
    response = client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1})

    assert_error(response, 503, READ_ONLY)
    assert count(db, "study_sessions") == 0
    assert client.get("/api/words").status_code == 200
    assert client.get("/api/dashboard/stats").status_code == 200


def test_an_app_started_on_a_read_only_database_serves_reads(db_path, read_only_file):
    client = create_app({"TESTING": True, "DATABASE": str(db_path)}).test_client()

    assert client.get("/api/groups").status_code == 200
    assert_error(client.post("/api/study-sessions/reset"), 503, READ_ONLY)


def io_error():
    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorcode = sqlite3.SQLITE_IOERR | (3 << 8)  # SQLITE_IOERR_WRITE: extended codes keep the primary one
    error.sqlite_errorname = "SQLITE_IOERR_WRITE"
    return error


def test_an_io_error_is_503_saying_so_and_names_no_internals(db_path):
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "PROPAGATE_EXCEPTIONS": False})

    @app.get("/api/failing")
    def failing():
        raise io_error()

    response = app.test_client().get("/api/failing")

    assert_error(response, 503, "I/O error")
    assert "disk I/O error" not in response.get_data(as_text=True)


def test_a_damaged_page_answers_503_not_500(db_path):
    # As SQLite raises it for a page it finds damaged (SQLITE_CORRUPT).
    error = sqlite3.DatabaseError("database disk image is malformed")
    error.sqlite_errorcode, error.sqlite_errorname = sqlite3.SQLITE_CORRUPT, "SQLITE_CORRUPT"
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "PROPAGATE_EXCEPTIONS": False})

    @app.get("/api/damaged")
    def damaged():
        raise error

    assert_error(app.test_client().get("/api/damaged"), 503, "damaged")


def test_acknowledged_writes_are_kept_when_the_disk_fills_after_them(app, client, db, monkeypatch):
    session_id = start_session(client, 2)
    words = group_word_ids(db, 2)[:3]
    assert client.post(f"/api/study-sessions/{session_id}/review", json={
        "reviews": [{"word_id": word_id, "is_correct": True} for word_id in words]}).status_code == 201
    connect = db_module.connect
    monkeypatch.setattr(db_module, "connect", on_a_full_disk(connect))
    close_all(app)  # the kept connections are opened again, on the full disk
    assert client.post(f"/api/study-sessions/{session_id}/review", json=many_reviews(db)).status_code == 507
    monkeypatch.setattr(db_module, "connect", connect)  # space freed again

    assert count(db, "word_review_items") == 3
    assert client.get(f"/api/study-sessions/{session_id}").get_json()["session"]["review_items_count"] == 3
