"""Lang Portal API: the application factory.

    flask --app app run        # debug server
    gunicorn 'app:create_app()'
"""
import json
import os
import sqlite3
from pathlib import Path

import click
from flask import Flask, jsonify
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

import migrate
from lib import backup, db, errors, security, seed
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
    app.config.from_mapping(
        DATABASE=os.path.join(app.instance_path, "lang_portal.db"),
        SEED_DIR=str(seed.SEED_DIR),
        # Migrate, and seed an empty database, when the app is created.
        INIT_DATABASE=True,
        MAX_CONTENT_LENGTH=1024 * 1024,
        # Full resets back the database up first; older backups beyond these go.
        BACKUPS_KEPT=5,
        CORS_ORIGINS=[],
        ALLOWED_HOSTS=[],
        # Where browsers reach the API, when a proxy stands in front of it;
        # else activity URLs are answered from each request's own host.
        PUBLIC_URL=None,
    )
    app.config.from_prefixed_env("LANG_PORTAL")
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.json = JSONProvider(app)
    app.config.setdefault("BACKUP_DIR", os.path.join(os.path.dirname(app.config["DATABASE"]), "backups"))

    created = False
    if app.config["INIT_DATABASE"]:
        created = init_database(app.config["DATABASE"], app.config["SEED_DIR"])

    db.init_app(app)
    errors.init_app(app)
    security.init_app(app, activity_urls(app.config["DATABASE"]))

    app.url_map.converters["int"] = IdConverter
    # /api//words names nothing: a 404 in JSON, not a redirect with an HTML body.
    app.url_map.merge_slashes = False
    from routes import activities, dashboard, groups, study_activities, study_sessions, words
    for module in (words, groups, study_activities, study_sessions, dashboard):
        app.register_blueprint(module.bp, url_prefix="/api")
    # The built-in study activities' pages: the only answers that are not JSON.
    app.register_blueprint(activities.bp, url_prefix="/activities")
    app.wsgi_app = ClientPathAliases(app.wsgi_app)

    openapi_document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))

    @app.get("/api/openapi.json")
    def openapi():
        """The OpenAPI 3 description of every canonical route."""
        return jsonify(openapi_document)

    @app.cli.command("seed")
    @click.option("--if-empty", is_flag=True, help="only when the database holds no words yet")
    def seed_command(if_empty):
        """Load the seed vocabulary and activities (idempotent)."""
        conn = db.connect(app.config["DATABASE"])
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

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    def backup_command(path):
        """Write a consistent copy of the database to PATH (safe while serving)."""
        database = app.config["DATABASE"]
        if created:  # by this very app, at a mistyped path say: not what is meant
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
        if not os.path.exists(database):
            raise click.ClickException(
                f"there is no database at {database} (is LANG_PORTAL_DATABASE right?): nothing backed up")
        print(f"backed up to {backup.backup(database, path)}")

    return app


def init_database(path, seed_dir):
    """Create and migrate the database file; seed it if it holds no words.
    True if there was no file before."""
    created = not os.path.exists(path)
    migrate.migrate(path)
    conn = db.connect(path)
    try:
        with db.immediate(conn):
            if seed.is_empty(conn):
                seed.load(conn, seed_dir)
    finally:
        conn.close()
    return created


def activity_urls(path):
    try:
        conn = db.connect(path, read_only=True)
        try:
            return [row["url"] for row in conn.execute("SELECT url FROM study_activities")]
        finally:
            conn.close()
    except sqlite3.OperationalError:  # not there or not migrated yet: no activities to allow
        return []


if __name__ == "__main__":
    create_app().run(host="127.0.0.1", port=5000, debug=True)
