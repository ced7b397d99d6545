"""Lang Portal API: the application factory.

    flask --app app run        # debug server
    gunicorn 'app:create_app()'
"""
import json
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, jsonify
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

import migrate
from lib import backup, db, errors, integrity, json_answers, scheduling, security, seed, settings, word_files_cli
from lib.errors import StartupError
from lib.validation import MAX_ID, unique_keys

OPENAPI_PATH = Path(__file__).resolve().parent / "lib" / "openapi.json"
# The portal web app calls some routes without /api and with underscores
# (/study_sessions). Those spellings are rewritten to the canonical /api path
# before routing, so that they reach the very same views.
CLIENT_SPELLINGS = {"study_sessions": "study-sessions", "study_activities": "study-activities"}


class JSONProvider(DefaultJSONProvider):
    """UTF-8 out, keys in the order the views build them; and a body nested
    too deeply to parse is invalid JSON (a 400), not a RecursionError (500),
    as is an object that names a key twice."""

    ensure_ascii = False
    sort_keys = False

    def loads(self, s, **kwargs):
        kwargs.setdefault("object_pairs_hook", unique_keys)
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


class IdConverter(IntegerConverter):
    """``<int:...>`` in our routes: an id from 1 to SQLite's largest integer,
    in ASCII digits without a leading zero, so that one id has one URL.
    Anything else names no row, so it is a 404 before any SQL runs."""

    regex = r"[1-9][0-9]*"

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


class ClientPathAliases:
    """Every path outside /api is the same path under /api, except the
    study activities' own pages. And host names are case-insensitive, so the
    Host header is read in lower case (the trusted-host check compares it as sent)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if "HTTP_HOST" in environ:
            environ["HTTP_HOST"] = environ["HTTP_HOST"].lower()
        segments = environ.get("PATH_INFO", "").split("/")
        if len(segments) > 1 and segments[1] == "activities":
            return self.wsgi_app(environ, start_response)
        segments = [CLIENT_SPELLINGS.get(segment, segment) for segment in segments]
        if len(segments) > 1 and segments[1] != "api":
            segments.insert(1, "api")
        environ["PATH_INFO"] = "/".join(segments)
        return self.wsgi_app(environ, start_response)


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True)
    defaults = dict(
        DATABASE=os.path.join(app.instance_path, "lang_portal.db"),
        SEED_DIR=str(seed.SEED_DIR),
        # Before serving: migrate, check the file, and seed an empty database.
        INIT_DATABASE=True,
        MAX_CONTENT_LENGTH=1024 * 1024,
        # POST /api/words/import alone: 10,000 words are about 1.5 MiB.
        IMPORT_MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        # Full resets back the database up first; older backups beyond these go.
        BACKUPS_KEPT=5,
        CORS_ORIGINS=[],
        ALLOWED_HOSTS=[],
        # Where browsers reach the API, when a proxy stands in front of it;
        # else activity URLs are answered from each request's own host.
        PUBLIC_URL=None,
        # The learner's days (streaks, history, forecast) unless a request names a zone.
        TIMEZONE="UTC",
        # Spaced repetition: FSRS's default retention, and Anki's new cards a day.
        DESIRED_RETENTION=scheduling.DEFAULT_RETENTION,
        NEW_PER_DAY=20,
    )
    app.config.from_mapping(defaults)
    # Only our own settings: a Flask one (SECRET_KEY, say) set through our
    # prefix would be taken silently, or overwritten later.
    known = set(defaults) | {"BACKUP_DIR"}
    app.config.from_prefixed_env("LANG_PORTAL")
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.json = JSONProvider(app)
    app.config.setdefault("BACKUP_DIR", os.path.join(os.path.dirname(app.config["DATABASE"]), "backups"))
    settings.check(app.config, known)

    scheduling.init_app(app)

    if app.config["INIT_DATABASE"] and not building_for_a_command():
        with app.app_context():  # a history replayed by the migration uses the app's scheduler
            prepare_database(app)

    db.init_app(app)
    json_answers.init_app(app)
    errors.init_app(app)
    security.init_app(app, activity_urls(app.config["DATABASE"]))

    app.url_map.converters["int"] = IdConverter
    # /api//words names nothing: a 404 in JSON, not a redirect with an HTML body.
    app.url_map.merge_slashes = False
    from routes import about, activities, dashboard, groups, study_activities, study_sessions, words
    for module in (words, groups, study_activities, study_sessions, dashboard, about):
        app.register_blueprint(module.bp, url_prefix="/api")
    # The built-in study activities' pages: the only answers that are not JSON.
    app.register_blueprint(activities.bp, url_prefix="/activities")
    app.wsgi_app = ClientPathAliases(app.wsgi_app)

    openapi_document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))

    @app.get("/api/openapi.json")
    def openapi():
        """The OpenAPI 3 description of every canonical route."""
        return jsonify(openapi_document)

    register_commands(app)
    return app


def building_for_a_command():
    """True while a ``flask`` command other than ``run`` builds the app:
    ``flask --help`` or ``flask routes`` must not create a database. The
    commands that need one prepare it themselves."""
    context = click.get_current_context(silent=True)
    return context is not None and context.info_name != "run"


def prepare_database(app):
    """Make the database ready to serve, or stop with one line saying why:
    a damaged file is refused, a missing one created, pending migrations
    applied, an empty one seeded. A read-only one is served for reading."""
    path, backup_dir = app.config["DATABASE"], app.config["BACKUP_DIR"]
    with one_line_errors(path):
        refuse_damaged(path, backup_dir)
        init_database(path, app.config["SEED_DIR"])
        if not writable(path):
            app.logger.warning("the database %s is read-only: serving reads; every write answers 503", path)


def refuse_damaged(path, backup_dir):
    if os.path.exists(path):
        found = integrity.problems_in(path)
        if found:
            raise StartupError(
                f"the database {path} is damaged ({found[0]}); restore a backup with"
                f" flask --app app restore BACKUP_FILE (full resets keep theirs in {backup_dir})")


def writable(path):
    """Whether SQLite can write the file (root ignores file modes, so ask it)."""
    conn = db.connect(path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute(f"PRAGMA user_version = {int(version)}")
        return True
    except sqlite3.OperationalError as error:
        if errors.primary_code(error) == sqlite3.SQLITE_READONLY:
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
    except (migrate.MigrationError, seed.SeedError, backup.BackupError) as error:
        raise StartupError(str(error)) from None
    except (sqlite3.Error, OSError) as error:
        raise errors.cannot_use(path, error) from None


def register_commands(app):
    @app.cli.command("seed")
    @click.option("--if-empty", is_flag=True, help="only when the database holds no words yet")
    def seed_command(if_empty):
        """Create and migrate the database if need be, and load the seed
        vocabulary and activities (idempotent)."""
        database = app.config["DATABASE"]
        with one_line_errors(database):
            refuse_damaged(database, app.config["BACKUP_DIR"])
            migrate.migrate(database)
            conn = db.connect(database)
            try:
                with db.immediate(conn):
                    if if_empty and not seed.is_empty(conn):
                        print("the database already holds words: nothing loaded")
                        return
                    seed.load(conn, app.config["SEED_DIR"])
                    words, groups, activities = conn.execute(
                        "SELECT (SELECT count(*) FROM words), (SELECT count(*) FROM groups),"
                        " (SELECT count(*) FROM study_activities)").fetchone()
            finally:
                conn.close()
        print(f"seed loaded: {words} words in {groups} groups, {activities} study activities")

    word_files_cli.init_app(app)

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    def backup_command(path):
        """Write a consistent copy of the database to PATH (safe while serving)."""
        database = existing_database(app)
        with one_line_errors(database):
            try:
                saved = backup.backup(database, path)
            except (sqlite3.Error, OSError) as error:
                raise StartupError(f"could not write the backup {path}: {error}") from None
        print(f"backed up to {saved}")

    @app.cli.command("check")
    def check_command():
        """Check the whole database file (integrity_check) and recount every counter."""
        database = existing_database(app)
        with one_line_errors(database):
            found = integrity.problems_in(database, full=True)
            conn = db.connect(database, read_only=True)
            try:
                counters = [] if found else integrity.counter_problems(conn)
            finally:
                conn.close()
        for problem in found:
            print(f"damaged: {problem}")
        for counter, rows in counters:
            print(f"counter {counter} differs from a recount in {len(rows)} rows, e.g. {rows[0][0]}")
        if found or counters:
            raise click.ClickException(f"{database} has problems; restore a backup with"
                                       " flask --app app restore BACKUP_FILE")
        print(f"{database}: the file is whole and every counter matches a recount")

    @app.cli.command("restore")
    @click.argument("backup_file", type=click.Path(dir_okay=False))
    def restore_command(backup_file):
        """Replace the database with BACKUP_FILE, after backing the database up.
        The server must be stopped."""
        database = app.config["DATABASE"]
        with one_line_errors(database):
            saved = backup.restore(backup_file, database, app.config["BACKUP_DIR"])
        if saved is not None:
            print(f"the database as it was is backed up to {saved}")
        print(f"restored {database} from {backup_file}")


def existing_database(app):
    database = app.config["DATABASE"]
    if not os.path.exists(database):
        raise click.ClickException(
            f"there is no database at {database} (is LANG_PORTAL_DATABASE right?)")
    return database


def init_database(path, seed_dir):
    """Create and migrate the database file; seed it if it holds no words."""
    migrate.migrate(path)
    conn = db.connect(path)
    try:
        if seed.is_empty(conn):  # asked first without the write lock: a read-only file with words is fine
            with db.immediate(conn):
                if seed.is_empty(conn):
                    seed.load(conn, seed_dir)
    finally:
        conn.close()


def activity_urls(path):
    try:
        conn = db.connect(path, read_only=True)
        try:
            return [row["url"] for row in conn.execute("SELECT url FROM study_activities")]
        finally:
            conn.close()
    except sqlite3.Error:  # not there or not migrated yet: no activities to allow
        return []


if __name__ == "__main__":
    create_app().run(host="127.0.0.1", port=5000, debug=True)
