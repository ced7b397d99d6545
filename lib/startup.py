"""Start-up checks: the database made ready to serve before the first
request, and the replica, when one is set, proved reachable and writable;
or the start stopped with one line saying why."""
import os
import sqlite3
from contextlib import contextmanager

import click

from lib.core.settings import StartupError
from lib.store import backup, integrity, migrations, replication, seed
from lib.store.connection import connect, immediate, primary_code
from lib.web.errors import DATABASE_FAULTS


def building_for_a_command():
    """True while a ``flask`` command other than ``run`` builds the app:
    ``flask --help`` or ``flask routes`` must not create a database. The
    commands that need one prepare it themselves."""
    context = click.get_current_context(silent=True)
    return context is not None and context.info_name != "run"


def prepare_database(app):
    """Make the database ready to serve, or stop with one line saying why:
    a damaged file is refused, a missing one created (unless its replica
    holds one), pending migrations applied, an empty one seeded. A read-only
    one is served for reading."""
    path, backup_dir = app.config["DATABASE"], app.config["BACKUP_DIR"]
    with one_line_errors(path):
        if app.config["REPLICA"] is not None and not os.path.exists(path):
            refuse_to_start_anew(path, app.config["REPLICA"])
        refuse_damaged(path, backup_dir)
        init_database(path, app.config["SEED_DIR"], app.extensions["scheduler"])
        if not writable(path):
            app.logger.warning("the database %s is read-only: serving reads; every write answers 503", path)


def refuse_to_start_anew(path, url):
    """A missing database whose replica holds one is restored, not created:
    a new, empty one would be shipped as the replica's latest state (a new
    machine started before its restore)."""
    try:
        position = replication.replica_position(url)
    except replication.ReplicationError as error:
        raise StartupError(f"cannot read the replica LANG_PORTAL_REPLICA={replication.shown_url(url)}: {error}") \
            from None
    if position is not None:
        raise StartupError(
            f"there is no database at {path}, but the replica {replication.shown_url(url)} holds one: restore it"
            " with flask --app app restore --from-replica, or set LANG_PORTAL_REPLICA to a new place")


def refuse_damaged(path, backup_dir):
    if os.path.exists(path):
        found = integrity.problems_in(path)
        if found:
            raise StartupError(
                f"the database {path} is damaged ({found[0]}); restore a backup with"
                f" flask --app app restore BACKUP_FILE (full resets keep theirs in {backup_dir})")


def init_database(path, seed_dir, scheduler=None):
    """Create and migrate the database file; seed it if it holds no words.
    ``scheduler`` replays a history a migration needs replayed (by default
    the one the environment configures)."""
    migrations.migrate(path, scheduler=scheduler)
    conn = connect(path)
    try:
        if seed.is_empty(conn):  # asked first without the write lock: a read-only file with words is fine
            with immediate(conn):
                if seed.is_empty(conn):
                    seed.load(conn, seed_dir)
    finally:
        conn.close()


def replicated_command(app, command):
    """The command that serves ``command`` (gunicorn's, a list) under
    Litestream, replicating to LANG_PORTAL_REPLICA: its config file written
    from the settings, and the replica proved reachable and writable by one
    sync first, so that the server never starts with a replica it cannot
    write. Called with the database prepared."""
    url = app.config["REPLICA"]
    try:
        config = replication.write_config(app.config["DATABASE"], url, app.config["REPLICA_SYNC_INTERVAL"],
                                          app.config["REPLICA_SNAPSHOT_INTERVAL"], app.config["REPLICA_RETENTION"])
        replication.replicate_once(config)
        return replication.replicate_command(config, command)
    except (replication.ReplicationError, OSError) as error:
        raise StartupError(f"cannot replicate to LANG_PORTAL_REPLICA={replication.shown_url(url)}: {error}") \
            from None


def writable(path):
    """Whether SQLite can write the file (root ignores file modes, so ask it)."""
    conn = connect(path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute(f"PRAGMA user_version = {int(version)}")
        return True
    except sqlite3.OperationalError as error:
        if primary_code(error) == sqlite3.SQLITE_READONLY:
            return False
        raise
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")  # nothing is changed by asking
        conn.close()


@contextmanager
def one_line_errors(path):
    """Turn what commonly goes wrong with the database at ``path`` into a
    StartupError: one line, no traceback, a non-zero exit."""
    try:
        yield
    except (migrations.MigrationError, seed.SeedError, backup.BackupError, replication.ReplicationError) as error:
        raise StartupError(str(error)) from None
    except (sqlite3.Error, OSError) as error:
        raise cannot_use(path, error) from None


def cannot_use(path, error):
    """A StartupError saying in one line why the database at ``path`` cannot
    be used, for ``error`` raised while opening, checking or preparing it."""
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    code = primary_code(error)
    if getattr(error, "sqlite_errorname", "") == "SQLITE_READONLY_DIRECTORY":
        reason = (f"its folder {folder} is read-only, and SQLite must create the database's -wal and -shm"
                  " files beside it")
    elif code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        reason = (f"the file is damaged or is not a database ({error}); restore a backup with"
                  " flask --app app restore BACKUP_FILE")
    elif code == sqlite3.SQLITE_CANTOPEN or isinstance(error, OSError):
        reason = why_not_openable(path, folder, error)
    elif code in DATABASE_FAULTS:
        reason = DATABASE_FAULTS[code][1].split(";")[0].rstrip(".").lower()
    else:
        reason = str(error)
    return StartupError(f"cannot use the database {path}: {reason}")


def why_not_openable(path, folder, error):
    if os.path.isdir(path):
        return "it is a folder"
    if not os.path.isdir(folder):
        return f"its folder {folder} does not exist and could not be created"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"its folder {folder} is not writable"
    if os.path.exists(path) and not os.access(path, os.R_OK | os.W_OK):
        return "the file may not be read or written by this user"
    return getattr(error, "strerror", None) or str(error)


def activity_urls(path):
    """The study activities' URLs, for the origins CORS allows."""
    try:
        conn = connect(path, read_only=True)
        try:
            return [row["url"] for row in conn.execute("SELECT url FROM study_activities")]
        finally:
            conn.close()
    except sqlite3.Error:  # not there or not migrated yet: no activities to allow
        return []
