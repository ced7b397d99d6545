"""Lang Portal API: the application factory.

    flask --app app run        # debug server
    gunicorn 'app:create_app()'
"""
import json
import os
from functools import lru_cache
from pathlib import Path

from flask import jsonify

from lib import commands
from lib.core import settings
from lib.core.scheduler import DEFAULT_RETENTION
from lib.startup import activity_urls, building_for_a_command, prepare_database
from lib.store import seed
from lib.web import answers, auth, caching, database, errors, scheduling, security, settled, word_items
from lib.web.wsgi import App, ClientPathAliases, IdConverter, JSONProvider

OPENAPI_PATH = Path(__file__).resolve().parent / "lib" / "openapi.json"


def create_app(test_config=None):
    app = App(__name__, instance_relative_config=True)
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
        DESIRED_RETENTION=DEFAULT_RETENTION,
        NEW_PER_DAY=20,
        # A request without a token from this machine acts for the default
        # learner with every scope; with "none", every request needs a token.
        ANONYMOUS="loopback",
        # Proxies whose X-Forwarded-For is believed (none: it never is).
        TRUSTED_PROXIES=[],
        # Continuous replication with Litestream, to this URL (README, Durability);
        # Litestream's sync interval, snapshot interval and how long its history reaches back.
        REPLICA=None,
        REPLICA_SYNC_INTERVAL="1s",
        REPLICA_SNAPSHOT_INTERVAL="24h",
        REPLICA_RETENTION="72h",
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
        prepare_database(app)

    database.init_app(app)
    answers.init_app(app)
    word_items.init_app(app)
    settled.init_app(app)
    errors.init_app(app)
    security.init_app(app, activity_urls(app.config["DATABASE"]))
    auth.init_app(app)
    caching.init_app(app)

    app.url_map.converters["int"] = IdConverter
    # /api//words names nothing: a 404 in JSON, not a redirect with an HTML body.
    app.url_map.merge_slashes = False
    from routes import (about, activities, dashboard, groups, home, learners, me, study_activities, study_sessions,
                        words)
    for module in (words, groups, study_activities, study_sessions, dashboard, me, learners, about):
        app.register_blueprint(module.bp, url_prefix="/api")
    # The built-in pages (activities, progress, home): the only answers that are not JSON.
    app.register_blueprint(activities.bp, url_prefix="/activities")
    app.register_blueprint(home.bp)
    app.wsgi_app = ClientPathAliases(app.wsgi_app)

    openapi_document = parsed_json(OPENAPI_PATH.read_bytes())

    @app.get("/api/openapi.json")
    def openapi():
        """The OpenAPI 3 description of every canonical route."""
        return jsonify(openapi_document)

    commands.init_app(app)
    return app


@lru_cache(maxsize=1)
def parsed_json(text):
    """``text`` parsed; the same bytes are parsed once per process (each
    test builds an app), and an edited file is new bytes, so parsed again.
    Shared by every app: read it, never change it."""
    return json.loads(text.decode("utf-8"))


if __name__ == "__main__":
    create_app().run(host="127.0.0.1", port=5000, debug=True)
