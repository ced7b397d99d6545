"""Continuous replication with Litestream, for real: the binary from the
virtualenv, the server started as make run starts it (flask serve), a file://
replica in the test's folder, and restores from it."""
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest

from app import create_app
from lib.core.settings import StartupError
from lib.store import replication
from lib.web.database import close_all, get_db
from tests.conftest import ROOT
from tests.helpers import assert_one_line_error, rows_in, run_flask
from tests.live_server import LiveServer

SESSION = {"group_id": 1, "study_activity_id": 1}
# make run's command
SERVE = [str(Path(sys.executable).parent / "flask"), "--app", "app", "serve"]


class ReplicatedServer(LiveServer):
    """The server as make run starts it: flask serve, which puts gunicorn
    under Litestream when LANG_PORTAL_REPLICA is set."""

    def command(self):
        return [*SERVE, "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "5"]


@pytest.fixture
def replica(tmp_path):
    return f"file://{tmp_path / 'replica'}"


@pytest.fixture
def serve(db_path, replica, tmp_path):
    """Start the replicated server with these settings; stopped after the test."""
    started = []

    def start(sync_interval="100ms", **settings):
        env = {"LANG_PORTAL_REPLICA": replica, "LANG_PORTAL_REPLICA_SYNC_INTERVAL": sync_interval,
               **{f"LANG_PORTAL_{name}": value for name, value in settings.items()}}
        server = ReplicatedServer(db_path, workers=2, env=env)
        server.log = tmp_path / f"server-{len(started)}.log"
        with open(server.log, "wb") as log:
            server.start(stderr=log)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def replicated_app(database, replica, **settings):
    return create_app({"TESTING": True, "DATABASE": str(database), "REPLICA": replica, **settings})


def command_app(database, replica):
    """The app as ``flask`` builds it for a command: the database left as it is."""
    return replicated_app(database, replica, INIT_DATABASE=False)


def restore_elsewhere(tmp_path, replica, *args, name="restored"):
    """``flask restore --from-replica`` on another machine: a database of its own."""
    database = tmp_path / name / "lang_portal.db"
    app = command_app(database, replica)
    result = app.test_cli_runner().invoke(args=["restore", "--from-replica", *args])
    close_all(app)
    assert result.exit_code == 0, result.output
    return database


def replica_txid(replica):
    position = replication.replica_position(replica)
    return position.txid if position else 0


def wait_until_replicated(replica, database, tmp_path, timeout=10):
    """Wait until a restore of the replica holds what the database holds."""
    totals = ("SELECT (SELECT words_count FROM learning_totals), sum(sessions_count), sum(review_items_count)"
              " FROM learner_totals")
    probe = tmp_path / "probe.db"
    deadline = time.monotonic() + timeout
    while True:
        replication.remove_database_files(probe)
        replication.restore(replica, probe)
        if rows_in(probe, totals) == rows_in(database, totals):
            return
        assert time.monotonic() < deadline, "the writes did not reach the replica"
        time.sleep(0.05)


def session_ids(database):
    return [row[0] for row in rows_in(database, "SELECT id FROM study_sessions ORDER BY id")]


def program_names(pid):
    """The names of the programs in the process's command line (python, then its script)."""
    return [Path(arg).name for arg in Path(f"/proc/{pid}/cmdline").read_text().split("\0") if arg.startswith("/")]


def test_replication_starts_before_the_server_and_stops_after_its_last_write(serve, replica, tmp_path):
    # an hour between syncs: only the start and the stop ship anything
    server = serve(sync_interval="1h")
    assert program_names(server.process.pid)[0] == "litestream"
    shipped_at_start = replica_txid(replica)
    assert shipped_at_start > 0

    status, session = server.request("POST", "/api/study-sessions", SESSION)
    assert status == 201
    assert replica_txid(replica) == shipped_at_start
    server.stop()

    assert server.process.returncode == 0
    assert session_ids(restore_elsewhere(tmp_path, replica)) == [session["id"]]


def test_a_write_made_through_the_api_is_in_a_restore_after_the_host_is_lost(serve, replica, db_path, tmp_path):
    first, second = [row[0] for row in rows_in(db_path, "SELECT word_id FROM word_groups WHERE group_id = 1 LIMIT 2")]
    server = serve()
    status, session = server.request("POST", "/api/study-sessions", SESSION)
    assert status == 201
    status, _ = server.request("POST", f"/api/study-sessions/{session['id']}/review",
                               {"reviews": [{"word_id": first, "is_correct": True},
                                            {"word_id": second, "is_correct": False}]})
    assert status == 201
    wait_until_replicated(replica, db_path, tmp_path)
    server.kill()  # the server and Litestream at once

    restored = restore_elsewhere(tmp_path, replica)
    assert session_ids(restored) == [session["id"]]
    assert rows_in(restored, "SELECT word_id, correct FROM word_review_items ORDER BY id") == [(first, 1), (second, 0)]
    assert rows_in(restored, "PRAGMA integrity_check") == [("ok",)]


def test_a_point_in_time_restore_gives_the_state_before_a_full_reset(serve, replica, db_path, tmp_path):
    server = serve()
    status, session = server.request("POST", "/api/study-sessions", SESSION)
    assert status == 201
    wait_until_replicated(replica, db_path, tmp_path)
    time.sleep(0.2)
    moment = datetime.now(timezone.utc)
    time.sleep(0.2)
    assert server.request("POST", "/api/full-reset")[0] == 200
    wait_until_replicated(replica, db_path, tmp_path)
    server.stop()

    then = restore_elsewhere(tmp_path, replica, "--timestamp", moment.isoformat(), name="then")
    assert session_ids(then) == [session["id"]]
    assert session_ids(restore_elsewhere(tmp_path, replica, name="now")) == []


@contextmanager
def unwritable(folder):
    """The folders of the replica made unwritable, even for root (which file
    modes do not stop): immutable, where the file system allows it."""
    folders = [folder, *(path for path in folder.rglob("*") if path.is_dir())]
    if os.geteuid() == 0:
        made = subprocess.run(["chattr", "+i", *map(str, folders)], capture_output=True)
        undo = ["chattr", "-i", *map(str, folders)]
        if made.returncode != 0:
            pytest.skip(f"chattr +i is not allowed here: {made.stderr.decode().strip()}")
    else:
        subprocess.run(["chmod", "a-w", *map(str, folders)], check=True)
        undo = ["chmod", "u+w", *map(str, folders)]
    try:
        yield
    finally:
        subprocess.run(undo, check=True)


def test_a_replica_that_cannot_be_written_is_reported_and_the_api_keeps_serving(serve, replica, db_path, tmp_path):
    server = serve()
    with unwritable(Path(replica.removeprefix("file://"))):
        for _ in range(3):
            assert server.request("POST", "/api/study-sessions", SESSION)[0] == 201
        time.sleep(2.5)  # more than the sync interval and the 2 s a report allows
        checked = run_flask("check", database=db_path, REPLICA=replica, REPLICA_SYNC_INTERVAL="100ms")
        assert checked.returncode == 1
        assert "replication: on" in checked.stdout
        assert "transactions read from the WAL have waited" in checked.stdout
        assert "can Litestream write to the replica" in checked.stderr
        log = server.log.read_text()
        assert 'level=ERROR msg="monitor error"' in log
        assert "operation not permitted" in log or "permission denied" in log
        assert server.request("GET", "/api/study-sessions")[0] == 200

    # once it can be written again, the replica catches up (Litestream's retries back off)
    deadline = time.monotonic() + 20
    while True:
        checked = run_flask("check", database=db_path, REPLICA=replica, REPLICA_SYNC_INTERVAL="100ms")
        if checked.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert checked.returncode == 0, checked.stderr
    assert "up to date with the database" in checked.stdout


def test_flask_check_says_how_far_behind_the_replica_is(serve, replica, db_path, tmp_path):
    server = serve()
    server.request("POST", "/api/study-sessions", SESSION)
    wait_until_replicated(replica, db_path, tmp_path)
    server.stop()
    checked = run_flask("check", database=db_path, REPLICA=replica)
    assert checked.returncode == 0, checked.stderr
    assert f"replication: on, to {replica}, every 1 s" in checked.stdout
    assert "up to date with the database" in checked.stdout

    # a write made with the server (and Litestream) stopped is not in the replica
    time.sleep(2.5)
    app = replicated_app(db_path, replica)
    assert app.test_client().post("/api/study-sessions", json=SESSION).status_code == 201
    close_all(app)
    checked = run_flask("check", database=db_path, REPLICA=replica, REPLICA_SYNC_INTERVAL="10ms")
    assert checked.returncode == 1
    assert "s behind the database" in checked.stdout and "is the server running under Litestream" in checked.stderr


def test_restore_from_the_replica_is_refused_while_the_server_runs(serve, replica, db_path):
    server = serve()
    server.request("POST", "/api/study-sessions", SESSION)
    app = command_app(db_path, replica)
    result = app.test_cli_runner().invoke(args=["restore", "--from-replica"])
    close_all(app)
    assert result.exit_code == 1 and "is in use (is the server running?)" in result.output
    assert not (Path(app.config["BACKUP_DIR"])).exists()
    assert server.request("GET", "/api/study-sessions")[0] == 200


def test_restore_from_the_replica_keeps_the_database_it_replaces(serve, replica, db_path, tmp_path):
    server = serve()
    _, session = server.request("POST", "/api/study-sessions", SESSION)
    wait_until_replicated(replica, db_path, tmp_path)
    server.kill()
    app = replicated_app(db_path, replica)
    # a write the replica never got: Litestream is not running
    unshipped = app.test_client().post("/api/study-sessions", json=SESSION).get_json()
    close_all(app)
    result = app.test_cli_runner().invoke(args=["restore", "--from-replica"])
    close_all(app)
    assert result.exit_code == 0, result.output
    assert "the database as it was is backed up to" in result.output
    kept = list(Path(app.config["BACKUP_DIR"]).glob("*.db"))
    assert len(kept) == 1 and session_ids(kept[0]) == [session["id"], unshipped["id"]]
    assert session_ids(db_path) == [session["id"]]
    assert not replication.local_state_path(db_path).exists()


def test_the_apps_own_backups_and_restore_keep_working_with_replication_on(serve, replica, db_path, tmp_path):
    server = serve()
    _, first = server.request("POST", "/api/study-sessions", SESSION)
    status, reset = server.request("POST", "/api/full-reset")
    assert status == 200
    copy = tmp_path / "copy.db"
    assert run_flask("backup", copy, database=db_path, REPLICA=replica).returncode == 0
    server.stop()

    backup_file = Path(db_path).parent / "backups" / reset["backup"]
    restored = run_flask("restore", backup_file, database=db_path, REPLICA=replica)
    assert restored.returncode == 0, restored.stderr
    assert session_ids(db_path) == [first["id"]]

    # served again under Litestream, the restored file and what follows reach the replica
    server = serve()
    _, second = server.request("POST", "/api/study-sessions", SESSION)
    wait_until_replicated(replica, db_path, tmp_path)
    server.stop()
    assert session_ids(restore_elsewhere(tmp_path, replica)) == [first["id"], second["id"]]
    assert session_ids(copy) == []


def test_a_new_machine_is_not_started_empty_over_a_replica_that_holds_a_database(serve, replica, tmp_path):
    serve().stop()
    database = tmp_path / "new machine" / "lang_portal.db"
    started = subprocess.run([*SERVE, "--bind", "127.0.0.1:1"], cwd=ROOT, capture_output=True,
                             text=True, timeout=60, env={**os.environ, "LANG_PORTAL_DATABASE": str(database),
                                                         "LANG_PORTAL_REPLICA": replica})
    assert_one_line_error(started, f"there is no database at {database}, but the replica {replica} holds one",
                          "restore --from-replica")
    assert not database.exists()


def test_a_bad_replica_url_stops_the_start_in_one_line(db_path):
    started = subprocess.run([*SERVE, "--bind", "127.0.0.1:1"], cwd=ROOT, capture_output=True,
                             text=True, timeout=60, env={**os.environ, "LANG_PORTAL_DATABASE": str(db_path),
                                                         "LANG_PORTAL_REPLICA": "file://backups/lang_portal"})
    assert_one_line_error(started, "LANG_PORTAL_REPLICA=file://backups/lang_portal is not allowed", "file:///")


def test_a_replica_that_cannot_be_written_at_start_stops_it_in_one_line(db_path, tmp_path):
    (tmp_path / "full").write_text("a file, not a folder")
    replica = f"file://{tmp_path / 'full' / 'replica'}"
    started = subprocess.run([*SERVE, "--bind", "127.0.0.1:1"], cwd=ROOT, capture_output=True,
                             text=True, timeout=60, env={**os.environ, "LANG_PORTAL_DATABASE": str(db_path),
                                                         "LANG_PORTAL_REPLICA": replica})
    assert_one_line_error(started, f"cannot replicate to LANG_PORTAL_REPLICA={replica}", "not a directory")


def test_without_a_replica_serve_is_gunicorn_and_nothing_of_litestream_runs(db_path):
    server = LiveServer(db_path, workers=1)
    server.command = lambda: [*SERVE, "--workers", "1", "--bind", f"127.0.0.1:{server.port}"]
    server.start()
    try:
        assert program_names(server.process.pid)[1] == "gunicorn"
        assert server.request("POST", "/api/study-sessions", SESSION)[0] == 201
    finally:
        server.stop()
    assert not replication.config_path(db_path).exists()
    assert not replication.local_state_path(db_path).exists()


@pytest.mark.parametrize("replica, checkpoint_pages", [(None, 1000), ("file:///var/backups/lang_portal", 0)])
def test_with_a_replica_the_server_leaves_checkpoints_to_litestream(db_path, replica, checkpoint_pages):
    app = replicated_app(db_path, replica)
    with app.test_request_context(method="POST"):
        assert get_db().execute("PRAGMA wal_autocheckpoint").fetchone()[0] == checkpoint_pages
    close_all(app)


@pytest.mark.parametrize("args, said", [
    (["restore", "--from-replica", "--timestamp", "2026-12-06T10:00:00"], "with its zone"),
    (["restore", "--from-replica", "--timestamp", "yesterday"], "with its zone"),
    (["restore", "copy.db", "--timestamp", "2026-12-06T10:00:00Z"], "--timestamp goes with --from-replica"),
    (["restore", "copy.db", "--from-replica"], "one of the two"),
    (["restore"], "one of the two"),
])
def test_restore_says_what_it_needs(db_path, replica, args, said):
    app = replicated_app(db_path, replica)
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 2 and said in result.output


def test_restore_from_the_replica_needs_one(runner):
    result = runner.invoke(args=["restore", "--from-replica"])
    assert result.exit_code == 1 and "LANG_PORTAL_REPLICA is not set" in result.output


def test_flask_check_says_when_replication_is_off(runner):
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0 and "replication: off (LANG_PORTAL_REPLICA is not set)" in result.output


@pytest.mark.parametrize("value", ["ftp://host/x", "file://backups/x", "file:///", "s3://", "/var/backups/x", "s3:/x"])
def test_a_replica_url_litestream_cannot_take_is_refused(db_path, value):
    with pytest.raises(StartupError, match=f"LANG_PORTAL_REPLICA={value} is not allowed"):
        replicated_app(db_path, value)


@pytest.mark.parametrize("name, value, seconds", [
    ("REPLICA_SYNC_INTERVAL", "500ms", 0.5), ("REPLICA_SYNC_INTERVAL", "2", 2.0),
    ("REPLICA_SNAPSHOT_INTERVAL", "6h", 21600.0), ("REPLICA_RETENTION", "30m", None),
    ("REPLICA_SYNC_INTERVAL", "2h", None), ("REPLICA_SYNC_INTERVAL", "fast", None),
])
def test_replication_times_are_checked(db_path, name, value, seconds):
    if seconds is None:
        with pytest.raises(StartupError, match=f"LANG_PORTAL_{name}={value} is not allowed: it must be a time"):
            replicated_app(db_path, None, **{name: value})
    else:
        assert replicated_app(db_path, None, **{name: value}).config[name] == seconds
