"""Apply the numbered SQL files in sql/migrations/ in order, each once, then
the Python steps in STEPS, each once (``python migrate.py`` runs it).

Each file runs in one transaction together with its row in
``schema_migrations``; a failing file leaves nothing behind. An applied file
that was edited afterwards is refused: write a new migration instead.

A Python step does what SQL cannot (replaying the review history through
FSRS, say). It is recorded in ``schema_migrations`` like a file, under a
version from 10000 up, which no NNNN file name can take, and runs once the
file it builds on is applied, under the write lock like a file.
"""
import hashlib
import re
import sqlite3
import time
from pathlib import Path

from lib.core import clock
from lib.core.scheduler import build_scheduler, scheduler_from_environment
from lib.core.settings import StartupError
from lib.store import learners, schedules
from lib.store.connection import BUSY_TIMEOUT_SECONDS, connect, immediate

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "sql" / "migrations"
FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

TRACKING_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    checksum   TEXT NOT NULL,
    applied_at TEXT NOT NULL
)
"""


class MigrationError(Exception):
    pass


def schedules_from_history(conn, scheduler):
    """Every word's FSRS schedule, from the reviews recorded before schedules were kept."""
    schedules.replay_all(conn, lambda _learner_id: scheduler)


def review_states_from_history(conn, scheduler):
    """The state each stored review was given in, found by a replay of each
    learner's history with their own retention (the schedules come out as
    they were), and counted in the quarters' totals of true retention."""
    own = learners.retentions(conn)
    server_retention = scheduler.desired_retention
    schedules.replay_all(conn, lambda learner_id: build_scheduler(own.get(learner_id, server_retention)))


# (version, name, the file version it needs, function of the connection and a scheduler)
# The steps replay with today's code, which reads the schema as 0016 (the
# state of each review) leaves it: the schedules that schedules_from_history
# rebuilds came with 0009.
STEPS = [(10001, "schedules_from_history", 16, schedules_from_history),
         (10002, "review_states_from_history", 16, review_states_from_history)]


def step_checksum(name):
    return hashlib.sha256(f"python step {name}".encode()).hexdigest()


def available(directory=None):
    """[(version, name, path, checksum)] for every migration file, in order."""
    found = {}
    for path in sorted(Path(directory or MIGRATIONS_DIR).glob("*.sql")):
        match = FILE_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_name.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(f"{path.name}: version {version} is used by {found[version][2].name} too")
        checksum = hashlib.sha256(path.read_bytes()).hexdigest()
        found[version] = (version, match.group(2), path, checksum)
    return [found[v] for v in sorted(found)]


def known_versions(directory=None):
    """Every version this code can have applied: its files' and its Python steps'."""
    return {version for version, *_ in available(directory)} | {version for version, *_ in STEPS}


def statements(sql):
    """Split a script into whole statements (trigger bodies stay together)."""
    pending = ""
    for piece in sql.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\r\n;"):
                yield pending
            pending = ""
    if pending.strip(" \t\r\n;"):
        raise MigrationError("the script ends with an incomplete statement")


# Statements that end, open or nest transactions (or cannot run inside one):
# in a migration they would commit part of it, so they are refused.
TRANSACTION_CONTROL = re.compile(r"(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE|VACUUM)\b", re.IGNORECASE)
LEADING_COMMENTS = re.compile(r"(\s+|--[^\n]*(\n|$)|/\*.*?(\*/|$))*", re.DOTALL)


def check_script(path):
    """The file's statements, refused before any runs if one of them would
    take over the transaction the file runs in."""
    found = list(statements(path.read_text(encoding="utf-8")))
    for statement in found:
        code = statement[LEADING_COMMENTS.match(statement).end():]
        if TRANSACTION_CONTROL.match(code):
            raise MigrationError(
                f"{path.name}: {' '.join(code.split())[:60]!r} controls the transaction; each file runs"
                " in a transaction of its own, so BEGIN, COMMIT, END, ROLLBACK, SAVEPOINT, RELEASE"
                " and VACUUM are not allowed in it")
    return found


def applied(conn):
    conn.execute(TRACKING_TABLE)
    rows = conn.execute("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
    return {row["version"]: (row["name"], row["checksum"]) for row in rows}


def check_unchanged(done, files):
    by_version = {version: (name, path, checksum) for version, name, path, checksum in files}
    by_version.update({version: (name, Path(f"{name} (Python step)"), step_checksum(name))
                       for version, name, _, _ in STEPS})
    for version, (name, checksum) in done.items():
        if version not in by_version:
            raise MigrationError(f"migration {version:04d}_{name}.sql was applied but its file is gone")
        _, path, current = by_version[version]
        if current != checksum:
            raise MigrationError(
                f"{path.name} was edited after it was applied; "
                "put the change in a new migration file instead"
            )


def use_wal(conn):
    """Put the file in WAL mode (stored in the file, so once is enough).

    The switch needs the file to itself and fails at once, without waiting,
    while another process is writing to it: that process is waited out here,
    within the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal":
                return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error):
                raise
        if time.monotonic() > deadline:
            raise MigrationError("the database stayed busy: could not switch it to WAL mode")
        time.sleep(0.05)


def record(conn, version, name, checksum):
    conn.execute(
        "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
        (version, name, checksum, clock.now_iso()),
    )


def migrate(db_path, directory=None, scheduler=None):
    """Apply every pending migration; return the file names applied.
    ``scheduler`` replays what a Python step replays (by default the one
    the environment configures, as the app would)."""
    files = available(directory)
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    conn = connect(str(db_path))
    try:
        use_wal(conn)
        done = applied(conn)
        check_unchanged(done, files)
        pending = [(version, name, path, checksum, check_script(path))
                   for version, name, path, checksum in files if version not in done]
        done_now = []
        # SQLite's way to change a table's shape (a new table, the rows
        # copied, the old one dropped, the new one renamed) needs foreign keys
        # off: dropping a table deletes its rows, and their children would go
        # with them. Each file is checked for dangling references instead.
        conn.execute("PRAGMA foreign_keys = OFF")
        for version, name, path, checksum, script in pending:
            with immediate(conn):
                # Checked again under the write lock: another process may have
                # applied it since we looked.
                if version in applied(conn):
                    continue
                try:
                    for statement in script:
                        conn.execute(statement)
                except sqlite3.Error as error:
                    raise MigrationError(f"{path.name} failed: {error}") from error
                dangling = conn.execute("PRAGMA foreign_key_check").fetchone()
                if dangling is not None:
                    raise MigrationError(f"{path.name} failed: it leaves a row of {dangling[0]} pointing at"
                                         f" a missing row of {dangling[2]}")
                record(conn, version, name, checksum)
            done_now.append(path.name)
        conn.execute("PRAGMA foreign_keys = ON")
        for version, name, needs, step in STEPS:
            if version in done:  # applied before this run: no write lock to take
                continue
            with immediate(conn):
                done = applied(conn)
                if version in done or needs not in done:
                    continue
                try:
                    step(conn, scheduler or scheduler_from_environment())
                except (sqlite3.Error, StartupError) as error:
                    raise MigrationError(f"the Python step {name} failed: {error}") from error
                record(conn, version, name, step_checksum(name))
            done_now.append(f"{name} (Python step)")
        return done_now
    finally:
        conn.close()


def status(db_path, directory=None):
    """[(file or step name, applied_at or None)] for every migration file and Python step."""
    if not Path(db_path).exists():
        raise MigrationError(f"there is no database at {db_path}")
    conn = connect(str(db_path))
    try:
        conn.execute(TRACKING_TABLE)
        when = dict(conn.execute("SELECT version, applied_at FROM schema_migrations").fetchall())
    finally:
        conn.close()
    return ([(path.name, when.get(version)) for version, _, path, _ in available(directory)]
            + [(f"{name} (Python step)", when.get(version)) for version, name, _, _ in STEPS])
