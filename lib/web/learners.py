"""What the routes of learners share (/api/me and the admin's
/api/learners): settings read from a body, a learner's answer with their
settings as they apply, and the export, streamed."""
import re
from contextlib import contextmanager
from urllib.parse import quote

from flask import current_app

from lib.core import settings
from lib.store import learners
from lib.web.auth import SERVER_SETTINGS
from lib.web.errors import ApiError, bad_request
from lib.web.validation import only_fields

# The server's setting that applies where a learner has none of their own
# Each setting a learner may set, checked as LANG_PORTAL_ checks the server's.
SETTING_CHECKS = {field: settings.CHECKS[setting] for field, setting in SERVER_SETTINGS.items()}
# What a file name in a header may hold as it is; the name itself follows in filename*
PLAIN_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def changes_from(body, fields):
    """{field: checked value} of ``body``, which names only ``fields`` (a
    name, admin, or a setting, where null is the server's) and at least one."""
    only_fields(body, fields, "this request")
    if not body:
        raise bad_request(f"Send at least one of: {', '.join(fields)}.")
    changes = {}
    for field, value in body.items():
        if field == "name":
            changes[field] = checked_name(value)
        elif field == "admin":
            changes[field] = checked_admin(value)
        elif value is None:
            changes[field] = None
        else:
            changes[field] = checked_setting(field, value)
    return changes


def checked_name(value):
    """A learner's or a token's name, without the spaces around it."""
    problem = learners.name_problem(value)
    if problem:
        raise bad_request(problem)
    return value.strip()


def checked_admin(value):
    if not isinstance(value, bool):
        raise bad_request("admin must be true or false.")
    return value


def checked_setting(field, value):
    # The environment gives every setting as text, and its checks read "20"
    # as 20; a JSON body says a number as a number.
    given = value if field == "time_zone" or not isinstance(value, str) else None
    try:
        return SETTING_CHECKS[field](given)
    except settings.Invalid as error:
        raise bad_request(f"{field} must be {error}, or null for the server's.") from None


@contextmanager
def refusals_as_conflicts():
    """What the learners' rules refuse (a name taken, ...) is a 409 saying why."""
    try:
        yield
    except learners.Refused as error:
        raise ApiError(409, str(error)) from None


def update(db, learner_id, changes):
    """``learners.update`` with the server's retention."""
    with refusals_as_conflicts():
        learners.update(db, learner_id, changes, current_app.config["DESIRED_RETENTION"])


def export_response(learner_id, name):
    """The learner's export, streamed: read from a connection of its own,
    which the stream closes when it ends, since the request's is given back
    before the answer is sent."""
    pieces = learners.exported(current_app.config["DATABASE"], learner_id)
    response = current_app.response_class(pieces, mimetype="application/json")
    response.headers["Content-Disposition"] = attachment(f"learner-{name}.json")
    return response


def attachment(file_name):
    """A Content-Disposition for ``file_name``: as it is when it is plain
    ASCII, else with a plain stand-in and the name in UTF-8 beside it."""
    plain = PLAIN_FILE_NAME.sub("_", file_name)
    if plain == file_name:
        return f'attachment; filename="{file_name}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(file_name, safe='')}"
