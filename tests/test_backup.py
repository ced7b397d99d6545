import sqlite3
from pathlib import Path

import pytest

from app import create_app
from lib.store.connection import connect
from lib.web.database import close_all
from tests.helpers import assert_error, assert_one_line_error, count, rows_in, run_flask
from tests.test_integrity import damage


def record_a_session(client):
    return client.post("/api/study-sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()["id"]


def test_backup_command_writes_a_consistent_copy(app, runner, client, tmp_path):
    session_id = record_a_session(client)
    target = tmp_path / "copies" / "copy.db"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert rows_in(target, "PRAGMA integrity_check") == [("ok",)]
    assert rows_in(target, "SELECT id FROM study_sessions") == [(session_id,)]
    assert rows_in(target, "SELECT count(*) FROM words") == rows_in(app.config["DATABASE"], "SELECT count(*) FROM words")


def test_backup_while_another_connection_holds_a_write_transaction(app, runner, client, db_path, tmp_path):
    record_a_session(client)
    writer = connect(str(db_path))
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO study_sessions (learner_id, group_id, study_activity_id, created_at, ended_at)"
                   " VALUES (1, 1, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')")
    try:
        result = runner.invoke(args=["backup", str(tmp_path / "during.db")])
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.exit_code == 0, result.output
    # the uncommitted row is not in the copy; the committed one is
    assert rows_in(tmp_path / "during.db", "SELECT count(*) FROM study_sessions") == [(1,)]


def test_full_reset_takes_a_backup_first_and_names_it(app, client, db_path):
    session_id = record_a_session(client)
    response = client.post("/api/full-reset")
    assert response.status_code == 200
    name = response.get_json()["backup"]
    saved = Path(app.config["BACKUP_DIR"]) / name
    assert Path(name).name == name and saved.exists()
    assert rows_in(saved, "SELECT id FROM study_sessions") == [(session_id,)]
    assert rows_in(db_path, "SELECT count(*) FROM study_sessions") == [(0,)]


def test_a_full_reset_whose_backup_cannot_be_made_is_a_503_and_resets_nothing(app, client, db_path, tmp_path):
    session_id = record_a_session(client)
    in_the_way = tmp_path / "a file"
    in_the_way.write_text("not a folder")
    app.config["BACKUP_DIR"] = str(in_the_way / "backups")

    assert_error(client.post("/api/full-reset"), 503, "nothing was reset")
    assert rows_in(db_path, "SELECT id FROM study_sessions") == [(session_id,)]


def test_a_full_reset_of_a_damaged_database_is_a_503_and_resets_nothing(app, client, db_path):
    record_a_session(client)
    close_all(app)
    damage(db_path)

    assert_error(client.post("/api/full-reset"), 503)
    assert list(Path(app.config["BACKUP_DIR"]).glob("*")) == []  # no backup of a damaged file counts


def test_full_reset_keeps_only_the_newest_backups(app, client):
    app.config["BACKUPS_KEPT"] = 2
    names = [client.post("/api/full-reset").get_json()["backup"] for _ in range(4)]
    kept = sorted(path.name for path in Path(app.config["BACKUP_DIR"]).iterdir())
    assert kept == sorted(names[-2:])


def test_backup_of_a_database_that_was_not_there_is_refused_every_time(tmp_path):
    missing = tmp_path / "mistyped" / "lang_portal.db"
    missing.parent.mkdir()
    for copy in ("first.db", "again.db"):
        result = run_flask("backup", tmp_path / copy, database=missing)

        assert_one_line_error(result, f"there is no database at {missing}")
        assert not (tmp_path / copy).exists()
        assert list(missing.parent.iterdir()) == []


def test_backup_without_creating_the_database_is_refused_and_creates_nothing(tmp_path):
    missing = tmp_path / "lang_portal.db"
    app = create_app({"TESTING": True, "DATABASE": str(missing), "INIT_DATABASE": False})

    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.db")])

    assert result.exit_code == 1
    assert f"there is no database at {missing}" in result.output
    assert list(tmp_path.iterdir()) == []


class BackupDisk:
    """The disk the backup folder is on: ``full`` makes every copy made into
    it fail as SQLite fails on a full disk (SQLITE_FULL)."""

    def __init__(self, backup_dir):
        self.backup_dir = str(Path(backup_dir).resolve())
        self.full = False

    def connect(self, connect):
        def connect_there(path, *args, **kwargs):
            conn = connect(path, *args, **kwargs)
            if self.full and str(Path(str(path)).resolve()).startswith(self.backup_dir):
                conn.execute("PRAGMA max_page_count = 1")
            return conn
        return connect_there


@pytest.fixture
def backup_disk(monkeypatch, app):
    disk = BackupDisk(app.config["BACKUP_DIR"])
    monkeypatch.setattr(sqlite3, "connect", disk.connect(sqlite3.connect))
    return disk


def backups(app):
    return sorted(path.name for path in Path(app.config["BACKUP_DIR"]).iterdir())


def test_a_backup_that_failed_leaves_nothing_and_pushes_no_good_one_out(app, client, db, backup_disk):
    app.config["BACKUPS_KEPT"] = 2
    good = [client.post("/api/full-reset").get_json()["backup"] for _ in range(2)]
    record_a_session(client)

    backup_disk.full = True
    response = client.post("/api/full-reset")
    assert_error(response, 507, "disk")
    assert backups(app) == sorted(good)
    assert count(db, "study_sessions") == 1  # the reset did not happen

    backup_disk.full = False
    newest = client.post("/api/full-reset").get_json()["backup"]
    assert backups(app) == sorted([good[1], newest])
    for name in backups(app):
        assert rows_in(Path(app.config["BACKUP_DIR"]) / name, "PRAGMA integrity_check") == [("ok",)]


def test_flask_backup_that_failed_leaves_nothing(app, runner, tmp_path, monkeypatch):
    disk = BackupDisk(tmp_path / "copies")
    disk.full = True
    monkeypatch.setattr(sqlite3, "connect", disk.connect(sqlite3.connect))

    result = runner.invoke(args=["backup", str(tmp_path / "copies" / "copy.db")])

    assert result.exit_code == 1 and "could not write the backup" in result.output and "full" in result.output
    assert list((tmp_path / "copies").iterdir()) == []


def test_a_full_reset_then_a_restore_brings_everything_back(app, client, runner, db_path):
    session_id = record_a_session(client)
    db = connect(str(db_path))
    word_ids = [row[0] for row in db.execute("SELECT word_id FROM word_groups WHERE group_id = 1 LIMIT 3")]
    client.post(f"/api/study-sessions/{session_id}/review",
                json={"reviews": [{"word_id": word_id, "is_correct": True} for word_id in word_ids]})
    assert db.execute("SELECT count(*) FROM word_schedules").fetchone()[0] == 3  # kept with the reviews
    db.close()
    before = everything(db_path)
    raw_words = client.get("/api/groups/1/words/raw").get_data()  # kept by the server
    saved = Path(app.config["BACKUP_DIR"]) / client.post("/api/full-reset").get_json()["backup"]
    assert everything(db_path) != before
    assert client.patch("/api/groups/1", json={"name": "Renamed after the reset"}).status_code == 200
    assert client.get("/api/groups/1/words/raw").get_data() != raw_words
    close_all(app)  # the server stops

    result = runner.invoke(args=["restore", str(saved)])

    assert result.exit_code == 0, result.output
    assert everything(db_path) == before
    assert "backed up to" in result.output  # the reset database, in case it was wanted after all
    assert client.get(f"/api/study-sessions/{session_id}").get_json()["session"]["review_items_count"] == 3
    assert client.get("/api/groups/1/words/raw").get_data() == raw_words


TABLES = ("words", "groups", "word_groups", "study_activities", "study_sessions", "word_review_items",
          "word_schedules", "study_days", "learning_totals", "schema_migrations")


def everything(path):
    return {table: rows_in(path, f"SELECT * FROM {table} ORDER BY 1, 2") for table in TABLES}


def test_restore_is_refused_while_the_database_is_held_open(app, client, runner, db_path):
    saved = Path(app.config["BACKUP_DIR"]) / client.post("/api/full-reset").get_json()["backup"]
    record_a_session(client)
    server = connect(str(db_path), read_only=True)
    server.execute("SELECT count(*) FROM words").fetchone()
    close_all(app)
    try:
        result = runner.invoke(args=["restore", str(saved)])
    finally:
        server.close()
    assert result.exit_code == 1 and "is in use (is the server running?)" in result.output
    assert rows_in(db_path, "SELECT count(*) FROM study_sessions") == [(1,)]


def test_restore_refuses_a_damaged_backup(app, runner, db_path, tmp_path):
    copy = tmp_path / "copy.db"
    assert runner.invoke(args=["backup", str(copy)]).exit_code == 0
    damage(copy)
    result = runner.invoke(args=["restore", str(copy)])
    assert result.exit_code == 1 and "is damaged" in result.output


def test_restore_refuses_a_backup_from_a_newer_version(app, runner, tmp_path):
    copy = tmp_path / "copy.db"
    assert runner.invoke(args=["backup", str(copy)]).exit_code == 0
    conn = sqlite3.connect(copy)
    conn.execute("INSERT INTO schema_migrations VALUES (9999, 'future', 'x', '2030-01-01T00:00:00Z')")
    conn.commit()
    conn.close()
    result = runner.invoke(args=["restore", str(copy)])
    assert result.exit_code == 1 and "holds migration 9999" in result.output


def test_restore_refuses_a_file_that_is_not_a_database(app, runner, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    result = runner.invoke(args=["restore", str(notes)])
    assert result.exit_code == 1 and "is not a database file" in result.output
