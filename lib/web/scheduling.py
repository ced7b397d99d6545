"""The scheduler and the daily allowance of new words of the learner a
request acts for: their own settings, or the server's (checked by
lib/core/settings.py)."""
from flask import current_app

from lib.core.scheduler import build_scheduler
from lib.web.auth import current_learner
from lib.web.database import query_one


def init_app(app):
    """The server's scheduler, for what replays outside a request (a migration)."""
    app.extensions["scheduler"] = build_scheduler(app.config["DESIRED_RETENTION"])


def scheduler():
    return build_scheduler(current_learner().desired_retention)


def scheduler_of(learner_id):
    """The scheduler of any learner, by their own retention or the server's."""
    own = query_one("SELECT desired_retention FROM learners WHERE id = ?", (learner_id,))
    retention = own and own["desired_retention"]
    return build_scheduler(retention if retention is not None else current_app.config["DESIRED_RETENTION"])

