import fcntl
import gc
import os
import shutil
import sqlite3
import threading
from contextlib import closing
from types import SimpleNamespace

import pytest

from lib.store import history, migrations
from app import create_app
from lib.store import connection as db_module
from lib.store.connection import WRITERS_LOCK_SUFFIX
from lib.web.database import close_all, connections, get_db, transaction
from lib.store.connection import DatabaseBusy
from tests.helpers import assert_error, count

NEW_GROUP = "INSERT INTO groups (name) VALUES ('Written during a read')"


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_reading_request_cannot_write(app, db, method):
    with app.test_request_context("/api/groups", method=method):
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            get_db().execute(NEW_GROUP)
    assert count(db, "groups") == 9


def test_a_writing_request_writes(app, db):
    with app.test_request_context("/api/groups", method="POST"):
        with transaction() as conn:
            conn.execute(NEW_GROUP)
    assert count(db, "groups") == 10


def test_a_database_path_that_is_not_a_plain_uri_is_read(seeded_template, tmp_path, monkeypatch):
    folder = tmp_path / "my portal #1 ?100%"
    folder.mkdir()
    shutil.copy(seeded_template, folder / "lang_portal.db")
    monkeypatch.chdir(tmp_path)
    app = create_app({"TESTING": True, "DATABASE": "my portal #1 ?100%/lang_portal.db"})

    response = app.test_client().get("/api/groups")

    assert response.status_code == 200
    assert len(response.get_json()["groups"]) == 9


def request_connection(app, method="GET"):
    """The connection a request with ``method`` is given."""
    with app.test_request_context("/api/groups", method=method):
        return get_db()


def test_connections_are_kept_across_requests_one_per_kind(app):
    reading, writing = request_connection(app, "GET"), request_connection(app, "POST")

    assert request_connection(app, "GET") is reading
    assert request_connection(app, "HEAD") is reading
    assert request_connection(app, "POST") is writing
    assert writing is not reading


def test_each_thread_has_connections_of_its_own(app):
    here = request_connection(app)
    there = []
    thread = threading.Thread(target=lambda: there.append(request_connection(app)))
    thread.start()
    thread.join()

    assert there[0] is not here
    assert request_connection(app) is here


def test_a_request_never_leaves_a_transaction_open(app, db):
    with app.test_request_context("/api/groups", method="POST"):
        conn = get_db()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(NEW_GROUP)
    # the write lock is free again and the half-done write is gone
    assert not conn.in_transaction
    db.execute("BEGIN IMMEDIATE")
    db.execute("ROLLBACK")
    assert count(db, "groups") == 9


def test_a_request_that_failed_in_sqlite_gets_a_new_connection(app):
    @app.get("/api/broken")
    def broken():
        get_db()
        raise sqlite3.OperationalError("disk I/O error")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    before = request_connection(app)
    response = app.test_client().get("/api/broken")

    assert response.status_code == 500
    after = request_connection(app)
    assert after is not before
    assert after.execute("SELECT count(*) FROM groups").fetchone()[0] == 9


def test_a_migration_applied_while_serving_is_seen_by_kept_connections(app, client, db_path, tmp_path):
    assert client.get("/api/groups/1").status_code == 200
    migrations_dir = tmp_path / "migrations"
    shutil.copytree(migrations.MIGRATIONS_DIR, migrations_dir)
    (migrations_dir / "9999_word_notes.sql").write_text("ALTER TABLE words ADD COLUMN note TEXT NOT NULL DEFAULT 'n';")
    migrations.migrate(db_path, migrations_dir)

    assert client.get("/api/groups/1").status_code == 200
    with app.test_request_context("/api/words/1"):
        assert get_db().execute("SELECT note FROM words WHERE id = 1").fetchone()[0] == "n"


def test_a_database_file_put_in_place_of_the_old_one_is_served(app, client, db_path, tmp_path):
    assert len(client.get("/api/groups").get_json()["groups"]) == 9
    client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1})
    replacement = tmp_path / "replacement.db"
    with closing(sqlite3.connect(db_path)) as source, closing(sqlite3.connect(replacement)) as copy:
        source.backup(copy)
        copy.execute("INSERT INTO groups (name) VALUES ('Only in the replacement')")
        copy.commit()
        source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    os.replace(replacement, db_path)

    assert len(client.get("/api/groups").get_json()["groups"]) == 10
    created = client.post("/api/study-sessions", json={"group_id": 8, "study_activity_id": 1})
    assert created.status_code == 201


def in_a_child(check):
    """What ``check()`` returns when run in a forked child of this process
    (False if it raised)."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.write(writer, b"1" if check() else b"0")
            code = 0
        finally:
            os._exit(code)
    os.close(writer)  # a child that died before writing leaves an empty pipe, not a wait
    _, status = os.waitpid(pid, 0)
    answer = os.read(reader, 1)
    os.close(reader)
    assert os.waitstatus_to_exitcode(status) == 0
    return answer == b"1"


def test_a_forked_process_opens_connections_of_its_own(app):
    parent = request_connection(app)

    def child_has_its_own():  # not the parent's connection, and one that works
        child = request_connection(app)
        return child is not parent and child.execute("SELECT count(*) FROM groups").fetchone()[0] == 9

    assert in_a_child(child_has_its_own)
    assert request_connection(app) is parent


def open_files_of(path):
    """How many of this process's file descriptors are open on ``path``."""
    return sum(1 for fd in os.listdir("/proc/self/fd")
               if os.path.realpath(f"/proc/self/fd/{fd}") == os.path.realpath(path))


def test_the_connections_of_a_thread_that_has_ended_are_closed(app, db_path):
    here = request_connection(app)
    before = open_files_of(db_path)
    for _ in range(5):  # as a server that starts a thread per request would
        thread = threading.Thread(target=request_connection, args=(app,))
        thread.start()
        thread.join()
    gc.collect()

    assert [kept.conn for kept in connections(app).opened] == [here]
    assert open_files_of(db_path) == before


# --- writers queue on a lock file ------------------------------------------------

def flock_attempts(monkeypatch):
    """From now on, ``refused`` and ``taken`` are set when an exclusive flock
    (the writers' lock) is refused and when one is taken; ``seen`` by either."""
    attempts = SimpleNamespace(refused=threading.Event(), taken=threading.Event(), seen=threading.Event())
    real = fcntl.flock

    def spy(fd, operation):
        try:
            real(fd, operation)
        except BlockingIOError:
            attempts.refused.set()
            attempts.seen.set()
            raise
        if operation & fcntl.LOCK_EX:
            attempts.taken.set()
            attempts.seen.set()

    monkeypatch.setattr(fcntl, "flock", spy)
    return attempts


def test_a_write_waits_for_the_writers_lock_and_is_stored_when_it_is_free(client, db, db_path, monkeypatch):
    # Another process's writer holds the lock: a new session waits for it
    # while reads go on, then is stored.
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_SECONDS", 600)  # a slow machine does not make it give up
    holder = os.open(f"{db_path}{WRITERS_LOCK_SUFFIX}", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    attempts = flock_attempts(monkeypatch)
    answers = []

    def write():
        answers.append(client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1}))
        attempts.seen.set()  # a write that did not wait for the lock is seen too

    writer = threading.Thread(target=write, daemon=True)
    try:
        writer.start()
        assert attempts.seen.wait(60), "the write neither tried the lock nor was answered"
        assert attempts.refused.is_set() and not attempts.taken.is_set() and answers == []
        assert client.get("/api/groups").status_code == 200
        assert count(db, "study_sessions") == 0
    finally:
        fcntl.flock(holder, fcntl.LOCK_UN)
        os.close(holder)
    writer.join(60)  # only against a hang
    assert attempts.taken.is_set() and [answer.status_code for answer in answers] == [201]
    assert count(db, "study_sessions") == 1


def test_the_writers_lock_is_free_again_after_a_write_that_failed(client, db, db_path):
    assert client.post("/api/study-sessions", json={"group_id": 999, "study_activity_id": 1}).status_code == 422
    holder = os.open(f"{db_path}{WRITERS_LOCK_SUFFIX}", os.O_RDWR)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if the failed write kept it
    finally:
        os.close(holder)
    assert client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1}).status_code == 201


def test_a_forked_process_is_kept_out_while_its_parent_holds_the_writers_lock(app):
    with app.test_request_context("/api/groups", method="POST"):
        parent = connections(app).writers_lock()

    def kept_out():  # a lock shared with the parent would let the child in
        db_module.BUSY_TIMEOUT_SECONDS = 0.2  # in the child only
        with app.test_request_context("/api/groups", method="POST"):
            child = connections(app).writers_lock()
        try:
            with child.held():
                return False
        except DatabaseBusy:  # answered 503
            return child is not parent

    with parent.held():
        assert in_a_child(kept_out)


def test_a_write_that_waits_past_the_busy_timeout_is_503_and_stores_nothing(client, db, db_path, monkeypatch):
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_SECONDS", 0.3)
    holder = os.open(f"{db_path}{WRITERS_LOCK_SUFFIX}", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another process's writer, stuck
    attempts = flock_attempts(monkeypatch)
    answers = []
    writer = threading.Thread(target=lambda: answers.append(
        client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1})), daemon=True)
    try:
        writer.start()
        # answered while the lock is still held; one that ignored the
        # timeout would wait for ever: this only keeps the test from hanging
        writer.join(60)
        assert not writer.is_alive(), "the write is still waiting, long past the busy timeout"
    finally:
        os.close(holder)
    assert attempts.refused.is_set() and not attempts.taken.is_set()
    response = answers[0]
    assert_error(response, 503, "busy")
    assert response.headers["Retry-After"] == "1"
    assert count(db, "study_sessions") == 0
    assert client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1}).status_code == 201


def test_a_lock_file_that_cannot_be_opened_is_503_and_stores_nothing(client, db, db_path):
    os.mkdir(f"{db_path}{WRITERS_LOCK_SUFFIX}")  # not a file: no one, root included, can open it to write

    response = client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1})

    assert_error(response, 503, "cannot be written", "nothing was stored")
    assert count(db, "study_sessions") == 0
    assert client.get("/api/groups").status_code == 200


def test_a_process_opens_the_writers_lock_file_once_and_close_all_closes_it(app, client, db_path):
    for _ in range(3):
        thread = threading.Thread(target=client.post, args=("/api/study-sessions",),
                                  kwargs={"json": {"group_id": 1, "study_activity_id": 1}})
        thread.start()
        thread.join()

    assert open_files_of(f"{db_path}{WRITERS_LOCK_SUFFIX}") == 1
    close_all(app)
    assert open_files_of(f"{db_path}{WRITERS_LOCK_SUFFIX}") == 0


# --- a write is answered once it is on disk --------------------------------------

@pytest.fixture
def syncs(monkeypatch, db_path):
    """``calls``: every fdatasync the app makes, as (the file synced, the
    sessions stored then, whether the writers' lock was free then);
    ``fail`` set to an OSError makes them fail with it."""
    seen, real = SimpleNamespace(calls=[], fail=None), os.fdatasync

    def spy(fd):
        with closing(sqlite3.connect(db_path)) as other:
            stored = count(other, "study_sessions")
        lock = os.open(f"{db_path}{WRITERS_LOCK_SUFFIX}", os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            free = True
        except BlockingIOError:
            free = False
        finally:
            os.close(lock)
        seen.calls.append((os.readlink(f"/proc/self/fd/{fd}"), stored, free))
        if seen.fail is not None:
            raise seen.fail
        real(fd)

    monkeypatch.setattr(os, "fdatasync", spy)
    return seen


def test_a_write_is_answered_after_its_log_is_synced_with_the_locks_free(app, client, db, db_path, syncs):
    response = client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1})

    assert response.status_code == 201
    # synced once, after the commit and outside the writers' lock, before the answer
    assert syncs.calls == [(os.path.realpath(f"{db_path}-wal"), 1, True)]
    # the commit itself leaves the sync to it
    assert request_connection(app, "POST").execute("PRAGMA synchronous").fetchone()[0] == 1


def test_a_read_syncs_nothing(client, syncs):
    assert client.get("/api/groups").status_code == 200
    assert client.get("/api/study-sessions").status_code == 200

    assert syncs.calls == []


def test_a_write_whose_log_cannot_be_synced_is_not_answered_as_stored(client, db, syncs):
    syncs.fail = OSError(5, "Input/output error")
    headers = {"Idempotency-Key": "sync-failed-once"}
    body = {"group_id": 1, "study_activity_id": 1}

    failed = client.post("/api/study-sessions", json=body, headers=headers)

    assert_error(failed, 503, "may not have been stored", "Idempotency-Key")
    assert "Input/output" not in failed.get_data(as_text=True)
    # Sent again once the disk syncs, it is answered as the first one was
    # stored, and not stored twice.
    syncs.fail = None
    again = client.post("/api/study-sessions", json=body, headers=headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(db, "study_sessions") == 1


def test_a_write_that_may_change_a_whole_history_undoes_its_statements_from_a_file(app, client, monkeypatch):
    # SQLite's temp_store: 1 a file, 2 memory
    during = []
    clear = history.clear
    monkeypatch.setattr(history, "clear", lambda db, learner: (
        during.append(db.execute("PRAGMA temp_store").fetchone()[0]), clear(db, learner)))
    assert client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1}).status_code == 201
    # a new session's pages, kept to undo its statement, stay in memory
    assert request_connection(app, "POST").execute("PRAGMA temp_store").fetchone()[0] == 2

    assert client.post("/api/study-sessions/reset").status_code == 200

    # a whole history's would not fit there: they went to a file, and the next write keeps them in memory again
    assert during == [1]
    assert request_connection(app, "POST").execute("PRAGMA temp_store").fetchone()[0] == 2
