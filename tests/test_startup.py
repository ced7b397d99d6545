"""Starting the app, and its commands, as a user does: bad settings, damaged
or missing files and other ordinary mistakes end in one clear line and a
non-zero exit; commands that do not need a database do not create one."""
import sqlite3
import subprocess
import sys

import pytest

from lib.store import migrations
from app import create_app
from lib import startup
from lib.core.settings import StartupError
from lib.core.settings import CHECKS
from tests.conftest import ROOT
from tests.helpers import assert_one_line_error, rows_in, run_flask
from tests.live_server import GUNICORN, free_port
from tests.test_integrity import damage


@pytest.mark.parametrize("variable, value, allowed", [
    ("MAX_CONTENT_LENGTH", "1MB", "a whole number, at least 1"),
    ("MAX_CONTENT_LENGTH", "0", "a whole number, at least 1"),
    ("BACKUPS_KEPT", "0", "a whole number, at least 1"),
    ("BACKUPS_KEPT", "-1", "a whole number, at least 1"),
    ("BACKUPS_KEPT", "two", "a whole number, at least 1"),
    ("NEW_PER_DAY", "9223372036854775808", "a whole number, at least 0 and at most 9223372036854775807"),
    ("INIT_DATABASE", "False", "true or false"),
    ("CORS_ORIGINS", "portal.lan", "origins such as"),
    ("CORS_ORIGINS", '["http://ok.lan", 5]', "origins such as"),
    ("ALLOWED_HOSTS", "portal.lan/x", "host names such as"),
])
def test_a_bad_setting_stops_the_app_naming_variable_value_and_what_is_allowed(
        db_path, monkeypatch, variable, value, allowed):
    monkeypatch.setenv(f"LANG_PORTAL_{variable}", value)

    with pytest.raises(StartupError) as raised:
        create_app({"DATABASE": str(db_path)})

    assert str(raised.value).startswith(f"LANG_PORTAL_{variable}=")
    assert value in str(raised.value) and allowed in str(raised.value)


@pytest.mark.parametrize("variable", ["LANG_PORTAL_BACKUP_KEPT", "LANG_PORTAL_SECRET_KEY", "LANG_PORTAL_TRUSTED_HOSTS"])
def test_a_misspelt_setting_or_a_flask_one_is_refused_by_name(db_path, monkeypatch, variable):
    monkeypatch.setenv(variable, "3")
    with pytest.raises(StartupError, match=f"{variable} is not a setting"):
        create_app({"DATABASE": str(db_path)})


@pytest.mark.parametrize("variable, value, stored", [
    ("MAX_CONTENT_LENGTH", "2048", 2048),
    ("BACKUPS_KEPT", "3", 3),
    ("INIT_DATABASE", "true", True),
    ("CORS_ORIGINS", "http://portal.lan:8080, https://study.lan", ["http://portal.lan:8080", "https://study.lan"]),
    ("ALLOWED_HOSTS", '["portal.lan", ".study.lan"]', ["portal.lan", ".study.lan"]),
])
def test_good_settings_are_taken(db_path, monkeypatch, variable, value, stored):
    monkeypatch.setenv(f"LANG_PORTAL_{variable}", value)
    assert create_app({"DATABASE": str(db_path)}).config[variable] == stored


def test_a_bad_setting_is_one_line_from_flask_and_from_gunicorn(tmp_path):
    database = tmp_path / "lang_portal.db"
    result = run_flask("routes", database=database, BACKUPS_KEPT="two")
    assert_one_line_error(result, "LANG_PORTAL_BACKUPS_KEPT=two is not allowed")

    served = subprocess.run(
        [str(GUNICORN), "--preload", "--no-control-socket", "--bind", f"127.0.0.1:{free_port()}", "app:create_app()"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "LANG_PORTAL_DATABASE": str(database), "LANG_PORTAL_BACKUPS_KEPT": "two"})
    assert served.returncode != 0
    assert "Error: LANG_PORTAL_BACKUPS_KEPT=two is not allowed" in served.stderr
    assert "Traceback" not in served.stderr
    assert not database.exists()


@pytest.mark.parametrize("args", [["--help"], ["routes"], ["backup", "--help"]])
def test_commands_that_need_no_database_create_none(tmp_path, args):
    database = tmp_path / "instance" / "lang_portal.db"
    result = run_flask(*args, database=database)
    assert result.returncode == 0, result.stderr
    assert not database.parent.exists() or list(database.parent.iterdir()) == []


def test_flask_seed_creates_migrates_and_seeds(tmp_path):
    database = tmp_path / "instance" / "lang_portal.db"
    result = run_flask("seed", "--if-empty", database=database)
    assert result.returncode == 0, result.stderr
    assert "seed loaded: 1402 words" in result.stdout
    assert rows_in(database, "SELECT count(*) FROM schema_migrations") == [
        (len(migrations.available()) + len(migrations.STEPS),)]


def test_a_damaged_database_is_not_served_and_the_message_says_how_to_restore(db_path):
    damage(db_path)
    with pytest.raises(StartupError, match="is damaged .*flask --app app restore BACKUP_FILE"):
        create_app({"DATABASE": str(db_path)})


def test_a_file_that_is_no_database_is_not_served(tmp_path):
    path = tmp_path / "lang_portal.db"
    path.write_text("not a database\n" * 500)
    with pytest.raises(StartupError, match="file is not a database"):
        create_app({"DATABASE": str(path)})
    assert path.read_text() == "not a database\n" * 500


def test_an_intact_database_is_served(db_path):
    assert create_app({"TESTING": True, "DATABASE": str(db_path)}).test_client().get("/api/words").status_code == 200


@pytest.mark.parametrize("init_database, words", [(True, 1402), (False, 0)])
def test_init_database_false_serves_the_file_as_found(tmp_path, init_database, words):
    path = tmp_path / "lang_portal.db"
    migrations.migrate(path)
    create_app({"DATABASE": str(path), "INIT_DATABASE": init_database})
    assert rows_in(path, "SELECT count(*) FROM words") == [(words,)]


def test_a_bad_seed_file_is_one_line(tmp_path):
    seed_dir = tmp_path / "seed"
    (seed_dir / "vocabulary").mkdir(parents=True)
    (seed_dir / "vocabulary" / "broken.json").write_text('{"group": "Broken", "words": [{"kanji": ""}]}')
    (seed_dir / "study_activities.json").write_text("[]")

    result = run_flask("seed", database=tmp_path / "lang_portal.db", SEED_DIR=seed_dir)

    assert_one_line_error(result, "vocabulary/broken.json, word 1: kanji must be a non-empty string")
    with pytest.raises(StartupError, match="broken.json"):
        create_app({"DATABASE": str(tmp_path / "other.db"), "SEED_DIR": str(seed_dir)})


def test_backup_onto_a_file_that_is_not_a_database_is_refused_and_leaves_it(db_path, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    result = run_flask("backup", notes, database=db_path)
    assert_one_line_error(result, f"{notes} is there already and is not a database")
    assert notes.read_text() == "my notes\n"


def test_backup_to_a_path_that_cannot_be_written_is_one_line(db_path, tmp_path):
    (tmp_path / "a-file").write_text("")
    result = run_flask("backup", tmp_path / "a-file" / "copy.db", database=db_path)
    assert_one_line_error(result, "could not write the backup", "a-file")


def test_backup_of_a_damaged_database_is_refused_and_writes_nothing(db_path, tmp_path):
    damage(db_path)
    result = run_flask("backup", tmp_path / "copy.db", database=db_path)
    assert_one_line_error(result, "is damaged")
    assert [path.name for path in tmp_path.iterdir() if "copy" in path.name] == []


def test_migrate_on_a_file_that_is_no_database_is_one_line(tmp_path):
    path = tmp_path / "lang_portal.db"
    path.write_text("not a database\n" * 500)
    result = subprocess.run([sys.executable, str(ROOT / "migrate.py"), "--db", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert_one_line_error(result, "file is not a database")


def read_only_directory_error():
    error = sqlite3.OperationalError("attempt to write a readonly database")
    error.sqlite_errorcode = sqlite3.SQLITE_READONLY | (6 << 8)
    error.sqlite_errorname = "SQLITE_READONLY_DIRECTORY"
    return error


def test_a_read_only_folder_is_named_as_the_reason(tmp_path):
    # What SQLite raises for a WAL database whose folder is read-only; tests
    # run as root, whom file modes do not stop.
    message = startup.cannot_use(tmp_path / "lang_portal.db", read_only_directory_error()).message
    assert message == (f"cannot use the database {tmp_path / 'lang_portal.db'}: its folder {tmp_path} is"
                       " read-only, and SQLite must create the database's -wal and -shm files beside it")


def test_check_passes_an_intact_database(db_path):
    result = run_flask("check", database=db_path)
    assert result.returncode == 0, result.stderr
    assert "every counter matches a recount" in result.stdout


def test_check_finds_a_counter_that_differs_from_a_recount(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE groups SET word_count = word_count + 1 WHERE id = 2")
    conn.commit()
    conn.close()
    result = run_flask("check", database=db_path)
    assert result.returncode == 1
    assert "counter groups.word_count differs" in result.stdout


def test_check_finds_a_damaged_file(db_path):
    damage(db_path)
    result = run_flask("check", database=db_path)
    assert result.returncode == 1 and "damaged:" in result.stdout


def test_check_of_a_missing_database_creates_none(tmp_path):
    result = run_flask("check", database=tmp_path / "typo.db")
    assert_one_line_error(result, "there is no database")
    assert list(tmp_path.iterdir()) == []


def test_settings_listed_in_the_readme_are_the_checked_ones():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = {name for name in CHECKS if f"`LANG_PORTAL_{name}`" in readme}
    assert documented >= set(CHECKS) - {"SEED_DIR"}
