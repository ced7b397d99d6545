from pathlib import Path

from app import create_app
from lib.db import connect
from tests.helpers import rows_in


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
    writer.execute("INSERT INTO study_sessions (group_id, study_activity_id, created_at, ended_at)"
                   " VALUES (1, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')")
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


def test_full_reset_keeps_only_the_newest_backups(app, client):
    app.config["BACKUPS_KEPT"] = 2
    names = [client.post("/api/full-reset").get_json()["backup"] for _ in range(4)]
    kept = sorted(path.name for path in Path(app.config["BACKUP_DIR"]).iterdir())
    assert kept == sorted(names[-2:])


def test_backup_of_a_database_that_was_not_there_is_refused_every_time(tmp_path):
    missing = tmp_path / "mistyped" / "lang_portal.db"
    for copy in ("first.db", "again.db"):
        runner = create_app({"TESTING": True, "DATABASE": str(missing)}).test_cli_runner()

        result = runner.invoke(args=["backup", str(tmp_path / copy)])

        assert result.exit_code == 1
        assert f"there is no database at {missing}" in result.output
        assert not (tmp_path / copy).exists()
        assert list(missing.parent.iterdir()) == []


def test_backup_without_creating_the_database_is_refused_and_creates_nothing(tmp_path):
    missing = tmp_path / "lang_portal.db"
    app = create_app({"TESTING": True, "DATABASE": str(missing), "INIT_DATABASE": False})

    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.db")])

    assert result.exit_code == 1
    assert f"there is no database at {missing}" in result.output
    assert list(tmp_path.iterdir()) == []
