import sqlite3
import subprocess
import sys

import pytest

import migrate

from lib.store import migrations
from tests.conftest import ROOT
from tests.helpers import counters_that_differ_from_a_recount, rows_in


def tables(path):
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


def applied_versions(path):
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    finally:
        conn.close()


def every_name():
    """What a first run applies: every file, then every Python step."""
    return ([path.name for _, _, path, _ in migrations.available()]
            + [f"{name} (Python step)" for _, name, _, _ in migrations.STEPS])


def every_version():
    return [version for version, *_ in migrations.available()] + [version for version, *_ in migrations.STEPS]


@pytest.fixture
def migrations_dir(tmp_path):
    """A migrations folder of the test's own, starting with a copy of the real ones."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    for path in migrations.MIGRATIONS_DIR.glob("*.sql"):
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


def test_first_run_creates_the_schema_and_records_it(tmp_path):
    db = tmp_path / "new" / "lang.db"
    names = migrations.migrate(db)
    assert names == every_name()
    assert {"words", "groups", "word_groups", "study_activities", "study_sessions",
            "word_review_items", "schema_migrations"} <= tables(db)
    assert applied_versions(db) == every_version()


def test_running_twice_applies_nothing(tmp_path):
    db = tmp_path / "lang.db"
    migrations.migrate(db)
    before = applied_versions(db)
    assert migrations.migrate(db) == []
    assert applied_versions(db) == before


def test_database_is_in_wal_mode(tmp_path):
    db = tmp_path / "lang.db"
    migrations.migrate(db)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_an_edited_applied_migration_is_refused_by_name(tmp_path, migrations_dir):
    db = tmp_path / "lang.db"
    migrations.migrate(db, migrations_dir)
    first = sorted(migrations_dir.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited\n")
    with pytest.raises(migrations.MigrationError, match=first.name):
        migrations.migrate(db, migrations_dir)


def test_a_failing_migration_leaves_nothing_half_applied(tmp_path, migrations_dir):
    db = tmp_path / "lang.db"
    migrations.migrate(db, migrations_dir)
    (migrations_dir / "0900_broken.sql").write_text(
        "CREATE TABLE half_done (id INTEGER PRIMARY KEY);\n"
        "INSERT INTO half_done (id) VALUES (1);\n"
        "INSERT INTO no_such_table (id) VALUES (1);\n"
    )
    with pytest.raises(migrations.MigrationError, match="0900_broken.sql"):
        migrations.migrate(db, migrations_dir)
    assert "half_done" not in tables(db)
    assert 900 not in applied_versions(db)


def test_new_migrations_apply_in_order_after_the_applied_ones(tmp_path, migrations_dir):
    db = tmp_path / "lang.db"
    migrations.migrate(db, migrations_dir)
    (migrations_dir / "0901_second.sql").write_text("INSERT INTO first_table (note) VALUES ('second');\n")
    (migrations_dir / "0900_first.sql").write_text("CREATE TABLE first_table (note TEXT);\n")
    assert migrations.migrate(db, migrations_dir) == ["0900_first.sql", "0901_second.sql"]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT note FROM first_table").fetchall() == [("second",)]
    conn.close()


def test_triggers_with_semicolons_in_their_body_are_one_statement():
    script = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET n = n + 1; DELETE FROM c; END;\nSELECT ';';"
    assert len(list(migrations.statements(script))) == 2


def test_badly_named_files_are_refused(tmp_path, migrations_dir):
    (migrations_dir / "2_oops.sql").write_text("SELECT 1;")
    with pytest.raises(migrations.MigrationError, match="2_oops.sql"):
        migrations.migrate(tmp_path / "lang.db", migrations_dir)


def test_command_line_applies_and_reports_status_from_any_directory(tmp_path):
    db = tmp_path / "cli.db"
    run = [sys.executable, str(ROOT / "migrate.py"), "--db", str(db)]
    first = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "applied 0001_initial.sql" in first.stdout
    again = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True)
    assert again.stdout.strip() == "nothing to apply"
    status = subprocess.run(run + ["--status"], cwd=tmp_path, capture_output=True, text=True)
    assert "0001_initial.sql" in status.stdout and "pending" not in status.stdout


def test_command_line_exits_non_zero_on_an_edited_migration(tmp_path, migrations_dir, monkeypatch):
    db = tmp_path / "lang.db"
    migrations.migrate(db, migrations_dir)
    monkeypatch.setattr(migrations, "MIGRATIONS_DIR", migrations_dir)
    first = sorted(migrations_dir.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited\n")
    assert migrate.main(["--db", str(db)]) == 1


def test_status_of_a_missing_database_is_an_error_and_creates_nothing(tmp_path):
    missing = tmp_path / "typo.db"
    assert migrate.main(["--db", str(missing), "--status"]) == 1
    assert not missing.exists()


# The command line, stopped at its first write transaction until it reads a
# line: by then it has read what is applied and chosen what to apply.
MIGRATE_AFTER_A_GO = """
import sys
from contextlib import contextmanager

import migrate
from lib.store import migrations

write_transaction, waited = migrations.immediate, []


@contextmanager
def immediate_after_a_go(conn):
    if not waited:
        waited.append(True)
        print("ready", flush=True)
        sys.stdin.readline()
    with write_transaction(conn):
        yield conn


migrations.immediate = immediate_after_a_go
sys.exit(migrate.main(sys.argv[1:]))
"""


def test_two_processes_migrating_at_once_apply_each_file_once(tmp_path):
    db = tmp_path / "race.db"
    run = [sys.executable, "-c", MIGRATE_AFTER_A_GO, "--db", str(db)]
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    with subprocess.Popen(run, cwd=ROOT, **pipes) as first, subprocess.Popen(run, cwd=ROOT, **pipes) as second:
        try:
            # Both have found every file pending before either writes: whichever
            # takes the write lock second finds the first one's work done.
            assert [first.stdout.readline(), second.stdout.readline()] == ["ready\n"] * 2
            for racer in (first, second):
                racer.stdin.write("go\n")
                racer.stdin.flush()
            outcomes = [racer.communicate(timeout=60) for racer in (first, second)]  # only against a hang
        finally:
            for racer in (first, second):  # none is left waiting when the test fails
                if racer.poll() is None:
                    racer.kill()
    assert [first.returncode, second.returncode] == [0, 0], outcomes
    applied_lines = [line for out, _ in outcomes for line in out.splitlines() if line.startswith("applied")]
    assert sorted(applied_lines) == sorted(f"applied {name}" for name in every_name())
    assert applied_versions(db) == every_version()


@pytest.mark.parametrize("script, statement", [
    ("CREATE TABLE notes (x);\nCOMMIT;\nCREATE TABLE more (x);\nINSERT INTO nope VALUES (1);\n", "COMMIT"),
    ("CREATE TABLE notes (x);\nCOMMIT;\n", "COMMIT"),
    ("BEGIN;\nCREATE TABLE notes (x);\n", "BEGIN"),
    ("CREATE TABLE notes (x);\n-- undo it\nrollback transaction;\n", "rollback transaction"),
    ("SAVEPOINT s;\nCREATE TABLE notes (x);\nRELEASE s;\n", "SAVEPOINT s"),
    ("CREATE TABLE notes (x);\n/* tidy up */ VACUUM;\n", "VACUUM"),
    ("CREATE TABLE notes (x);\nEND;\n", "END"),
])
def test_a_file_that_controls_the_transaction_is_refused_before_anything_runs(
        tmp_path, migrations_dir, script, statement):
    db = tmp_path / "lang.db"
    migrations.migrate(db, migrations_dir)
    (migrations_dir / "0900_notes.sql").write_text(script)
    (migrations_dir / "0901_later.sql").write_text("CREATE TABLE later (x);\n")

    with pytest.raises(migrations.MigrationError, match=f"0900_notes.sql: '{statement}"):
        migrations.migrate(db, migrations_dir)

    assert not {"notes", "more", "later"} & tables(db)
    assert 900 not in applied_versions(db)


def test_a_trigger_body_with_begin_and_end_is_not_transaction_control(tmp_path, migrations_dir):
    db = tmp_path / "lang.db"
    (migrations_dir / "0900_trigger.sql").write_text(
        "CREATE TABLE t (x);\n-- counted\nCREATE TRIGGER t_counted AFTER INSERT ON t\nBEGIN\n"
        "    UPDATE learning_totals SET words_count = words_count WHERE id = 1;\nEND;\n")
    assert "0900_trigger.sql" in migrations.migrate(db, migrations_dir)


def test_quarters_are_counted_from_the_history_recorded_before_them(tmp_path, migrations_dir):
    # The history predates the schedules too: their step waits for 0009 and replays it.
    later = sorted(path for path in migrations_dir.glob("*.sql") if int(path.name[:4]) >= 6)
    kept = [path.read_bytes() for path in later]
    for path in later:
        path.unlink()
    path = tmp_path / "lang_portal.db"
    migrations.migrate(path, migrations_dir)
    conn = sqlite3.connect(path)
    try:
        conn.executescript("""
            INSERT INTO groups (name) VALUES ('g');
            INSERT INTO study_activities (name, url, preview_url) VALUES ('a', 'http://localhost:8080', '/a.png');
            INSERT INTO words (kanji, romaji, english) VALUES ('水', 'mizu', 'water');
            INSERT INTO study_sessions (group_id, study_activity_id, created_at, ended_at) VALUES
                (1, 1, '2026-03-09T23:37:12Z', '2026-03-09T23:37:12Z'),
                (1, 1, '2026-03-10T08:00:00Z', '2026-03-10T08:00:00Z');
            INSERT INTO word_review_items (word_id, study_session_id, correct, created_at) VALUES
                (1, 1, 1, '2026-03-09T23:44:59Z'), (1, 1, 0, '2026-03-09T23:45:00Z'),
                (1, 2, 1, '2026-03-10T08:14:00Z');
        """)
    finally:
        conn.close()
    for file, text in zip(later, kept):
        file.write_bytes(text)
    migrations.migrate(path, migrations_dir)
    assert counters_that_differ_from_a_recount(path) == []
    assert rows_in(path, "SELECT quarter, sessions_total, review_items_total, correct_total FROM study_quarters"
                         " ORDER BY quarter") == [
        ("2026-03-09T23:30:00Z", 1, 1, 1), ("2026-03-09T23:45:00Z", 1, 2, 1), ("2026-03-10T08:00:00Z", 2, 3, 2)]


def test_a_history_from_before_schedules_is_scheduled_once_by_the_python_step(tmp_path, migrations_dir):
    """A database upgraded with reviews in it gets the schedules that reviewing
    them live would have given, and the step is recorded so it never runs again."""
    from lib.core import scheduler as scheduling
    from lib.store import schedules
    from lib.store.connection import connect, immediate
    from tests.helpers import rows, rows_in
    later = sorted(path for path in migrations_dir.glob("*.sql") if int(path.name[:4]) >= 5)
    parked = tmp_path / "parked"
    parked.mkdir()
    for path in later:
        path.rename(parked / path.name)
    db = tmp_path / "old.db"
    migrations.migrate(db, migrations_dir)
    assert [name for name, when in migrations.status(db, migrations_dir) if when is None] == [
        "schedules_from_history (Python step)", "review_states_from_history (Python step)"]  # wait for their files
    conn = connect(str(db))
    try:
        with immediate(conn):  # the vocabulary as the schema of then holds it
            conn.execute("INSERT INTO groups (name) VALUES ('Verbs')")
            conn.executemany("INSERT INTO words (kanji, romaji, english) VALUES (?, ?, ?)",
                             [(f"語{n}", f"go{'o' * n}", f"word {n}") for n in range(5)])
            conn.execute("INSERT INTO word_groups (word_id, group_id) SELECT id, 1 FROM words")
            conn.execute("INSERT INTO study_activities (name, url, preview_url) VALUES ('Typing Tutor',"
                         " 'http://localhost:8080', '/typing-tutor.png')")
            word_ids = [row[0] for row in conn.execute("SELECT id FROM words ORDER BY id")]
            session = conn.execute("INSERT INTO study_sessions (group_id, study_activity_id, created_at, ended_at)"
                                   " VALUES (1, 1, '2026-01-01T08:00:00Z', '2026-01-01T08:00:00Z')").lastrowid
            history = [(word, session, (word + day) % 3 > 0, f"2026-01-{day:02d}T08:{word % 60:02d}:00Z")
                       for day in range(1, 29, 2) for word in word_ids]
            conn.executemany("INSERT INTO word_review_items (word_id, study_session_id, correct, created_at)"
                             " VALUES (?, ?, ?, ?)", history)
    finally:
        conn.close()
    for path in later:
        (parked / path.name).rename(path)

    applied_now = migrations.migrate(db, migrations_dir)
    assert applied_now == [path.name for path in later] + ["schedules_from_history (Python step)",
                                                           "review_states_from_history (Python step)"]
    assert counters_that_differ_from_a_recount(db) == []
    conn = connect(str(db))
    try:
        stored = rows(conn, "SELECT * FROM word_schedules ORDER BY word_id")
        assert [row["word_id"] for row in stored] == word_ids
        assert all(row["reps"] == 14 and row["first_reviewed_at"].startswith("2026-01-01") for row in stored)
        states_stored = [row[0] for row in conn.execute("SELECT state_before FROM word_review_items"
                                                        " ORDER BY word_id, created_at")]
        assert states_stored[:3] == [None, 1, 2]  # new, then learning, then in review
        states_live = []
        with immediate(conn):  # what the live path computes for the same reviews
            conn.execute("DELETE FROM word_schedules")
            for word, _, correct, when in sorted(history, key=lambda review: (review[0], review[3])):
                states_live += schedules.apply_reviews(conn, scheduling.scheduler_from_environment(), 1,
                                                       [(word, scheduling.RATINGS["good" if correct else "again"])],
                                                       when)
        assert rows(conn, "SELECT * FROM word_schedules ORDER BY word_id") == stored
        assert states_live == states_stored
        conn.execute("UPDATE word_schedules SET reps = 99")
    finally:
        conn.close()
    assert migrations.migrate(db, migrations_dir) == []  # recorded: never runs again
    assert rows_in(db, "SELECT DISTINCT reps FROM word_schedules") == [(99,)]


def test_streaks_are_counted_from_the_days_recorded_before_them(tmp_path, migrations_dir):
    later = sorted(path for path in migrations_dir.glob("*.sql") if int(path.name[:4]) >= 12)
    kept = [path.read_bytes() for path in later]
    for path in later:
        path.unlink()
    path = tmp_path / "lang_portal.db"
    migrations.migrate(path, migrations_dir)
    conn = sqlite3.connect(path)
    try:
        conn.execute("INSERT INTO groups (name) VALUES ('g')")
        conn.execute("INSERT INTO study_activities (name, url, preview_url) VALUES ('a', '/a/', '/a/p.png')")
        conn.executemany("INSERT INTO study_sessions (group_id, study_activity_id, created_at, ended_at)"
                         " VALUES (1, 1, ?, ?)", [(f"2026-03-{day:02d}T10:00:00Z",) * 2
                                                  for day in (9, 3, 4, 1, 8, 5, 5, 12)])
        conn.commit()
    finally:
        conn.close()
    for file, text in zip(later, kept):
        file.write_bytes(text)
    migrations.migrate(path, migrations_dir)
    assert rows_in(path, "SELECT day, streak FROM study_days ORDER BY day") == [
        ("2026-03-01", 1), ("2026-03-03", 1), ("2026-03-04", 2), ("2026-03-05", 3), ("2026-03-08", 1),
        ("2026-03-09", 2), ("2026-03-12", 1)]
    assert counters_that_differ_from_a_recount(path) == []
