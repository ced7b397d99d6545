"""Consistent copies of the database with SQLite's online backup API, and
restoring one.

The copy is one read transaction on the source: safe while others write. It
is written under a hidden name and checked before it takes its own name, so
a copy that failed half-way (a full disk) or came out damaged leaves nothing
behind, and every file that carries a backup's name is a whole one.
"""
import os
import sqlite3
from pathlib import Path

from lib.core import clock
from lib.store import integrity, migrations
from lib.store.connection import BUSY_CODES, connect, primary_code

SQLITE_HEADER = b"SQLite format 3\x00"


class BackupError(Exception):
    pass


def is_database_file(path):
    with open(path, "rb") as file:
        return file.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def backup(source_path, target_path):
    target_path = Path(target_path)
    if target_path.exists() and (target_path.is_dir() or not is_database_file(target_path)):
        raise BackupError(f"{target_path} is there already and is not a database: it is left as it is")
    target_path.parent.mkdir(parents=True, exist_ok=True)
    partial = target_path.with_name(f".{target_path.name}.partial")
    try:
        source = connect(str(source_path), read_only=True)
        try:
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)
                # One self-contained file: no -wal beside it to lose on the way.
                copy.execute("PRAGMA journal_mode = DELETE")
            finally:
                copy.close()
        finally:
            source.close()
        found = integrity.problems_in(partial)
        if found:
            raise BackupError(f"the database {source_path} is damaged ({found[0]}): it was not backed up")
        os.replace(partial, target_path)
    finally:
        for leftover in [partial] + [Path(f"{partial}{suffix}") for suffix in ("-journal", "-wal", "-shm")]:
            leftover.unlink(missing_ok=True)
    return target_path


def save_before_reset(source_path, backup_dir, keep):
    """A backup in ``backup_dir`` named after the database and the time; of
    these, only the newest ``keep`` are kept."""
    saved = backup(source_path, new_backup_path(source_path, backup_dir))
    # The names sort by time: drop all but the newest.
    for old in saved_backups(source_path, backup_dir)[:-keep]:
        old.unlink()
    return saved


def new_backup_path(source_path, backup_dir):
    stamp = clock.utcnow().strftime("%Y%m%dT%H%M%S%fZ")
    return Path(backup_dir) / f"{Path(source_path).stem}-{stamp}.db"


def saved_backups(source_path, backup_dir):
    """The backups full resets made of the database, oldest first."""
    return sorted(Path(backup_dir).glob(f"{Path(source_path).stem}-*Z.db"))


def check_restorable(backup_path, migrations_dir=None):
    """Refuse a backup that is damaged, or that holds a migration this code
    does not know (it comes from a newer version of the app)."""
    backup_path = Path(backup_path)
    if not backup_path.is_file() or not is_database_file(backup_path):
        raise BackupError(f"{backup_path} is not a database file")
    found = integrity.problems_in(backup_path, full=True)
    if found:
        raise BackupError(f"{backup_path} is damaged ({found[0]}): it cannot be restored")
    conn = connect(str(backup_path), read_only=True)
    try:
        versions = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    except sqlite3.OperationalError:
        raise BackupError(f"{backup_path} is not a database of this app (it has no schema_migrations)") from None
    finally:
        conn.close()
    unknown = sorted(versions - migrations.known_versions(migrations_dir))
    if unknown:
        raise BackupError(f"{backup_path} holds migration {unknown[0]:04d}, which this version of the app does"
                          " not have: restore it with the version that made it")


def restore(backup_path, database_path, backup_dir, migrations_dir=None, scheduler=None):
    """Put the backup in place of the database, migrated (``scheduler``
    replays what a migration replays); return the backup taken of the
    database first (None if there was none)."""
    check_restorable(backup_path, migrations_dir)
    return put_in_place(backup_path, database_path, backup_dir, migrations_dir, scheduler)


def put_in_place(source_path, database_path, backup_dir, migrations_dir=None, scheduler=None):
    """Write the checked database at ``source_path`` over the database,
    after backing the database up; return that backup (None if there was
    no database).

    The backup API writes into the live file under an exclusive lock, so the
    database and its WAL stay one consistent whole; a server holding the file
    open is refused rather than waited for."""
    database_path = Path(database_path)
    refuse_in_use(database_path)
    saved = None
    if database_path.exists():
        saved = backup(database_path, new_backup_path(database_path, backup_dir))
    database_path.parent.mkdir(parents=True, exist_ok=True)
    target = exclusive(database_path)
    try:
        source = connect(str(source_path), read_only=True)
        try:
            source.backup(target)
        finally:
            source.close()
    finally:
        target.close()
    migrations.migrate(database_path, migrations_dir, scheduler)
    return saved


def refuse_in_use(database_path):
    """BackupError if another connection (a server, Litestream) holds the
    database open: asked before the slow part of a restore."""
    if Path(database_path).exists():
        exclusive(database_path).close()


def exclusive(database_path):
    """A connection that holds the database to itself until it is closed."""
    target = sqlite3.connect(database_path, timeout=0, isolation_level=None)
    try:
        target.execute("PRAGMA locking_mode = EXCLUSIVE")
        target.execute("BEGIN EXCLUSIVE")
        target.execute("COMMIT")  # the lock stays until the connection closes
    except sqlite3.OperationalError as error:
        target.close()
        if primary_code(error) in BUSY_CODES:
            raise BackupError(f"{database_path} is in use (is the server running?): stop it, then restore") from None
        raise
    return target
