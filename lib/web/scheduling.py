"""The app's scheduler and the learner's daily allowance of new words, as
the settings configure them (checked by lib/core/settings.py)."""
from flask import current_app

from lib.core.scheduler import build_scheduler


def init_app(app):
    app.extensions["scheduler"] = build_scheduler(app.config["DESIRED_RETENTION"])


def scheduler():
    return current_app.extensions["scheduler"]


def new_per_day():
    return current_app.config["NEW_PER_DAY"]
