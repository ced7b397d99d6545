"""Checks of what a client sends; each failure raises one ApiError."""
import re
from zoneinfo import ZoneInfo

from flask import current_app, request
from werkzeug.exceptions import HTTPException

from lib.core.clock import time_zone
from lib.core.json_text import DuplicateKey
from lib.core.scheduler import RATINGS
from lib.core.vocabulary import field_name
from lib.web.auth import current_learner
from lib.web.errors import HTTP_MESSAGES, ApiError, bad_request

MAX_PER_PAGE = 100
# Far beyond any real page, and keeps OFFSET inside SQLite's 64-bit integers.
MAX_PAGE = 10**9
INTEGER = re.compile(r"[+-]?[0-9]{1,12}")
# SQLite integers are 64-bit: a larger id names no row, and would raise
# OverflowError as a query parameter.
MAX_ID = 2**63 - 1


def request_body():
    """The raw request body, read once. A body the server cannot read to its
    end as sent (a broken chunk size, say) is a 400."""
    try:
        data = request.get_data(cache=True)
        if request.content_length is None:
            # A chunked body announces no size: one is cut at MAX_CONTENT_LENGTH,
            # and reading past the cut raises the 413 it deserves.
            request.stream.read(1)
    except HTTPException:
        raise
    except Exception as error:  # each server raises its own kind: Werkzeug OSError, gunicorn a ParseException
        current_app.logger.info("unreadable request body: %r", error)
        raise bad_request("The request body is malformed: it could not be read as sent.") from None
    return data


def json_body(required=True):
    """The request's JSON object. A body that is not JSON is a 415, a body
    that is JSON but not an object is a 400. With ``required=False`` an empty
    body (nothing sent, with no Content-Type or a JSON one) reads as {}."""
    data = request_body()
    if not required and not data and (not request.content_type or request.is_json):
        return {}
    if not request.is_json:
        raise ApiError(415, HTTP_MESSAGES[415])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_request("The request body is not UTF-8: this API reads JSON in UTF-8 only.") from None
    try:
        body = current_app.json.loads(text)
    except DuplicateKey as error:
        raise bad_request(f"The request body names {error.key!r} twice in one object.") from None
    except ValueError:
        raise bad_request("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


def choice_arg(name, choices, default):
    value = request.args.get(name, default)
    if value not in choices:
        raise bad_request(f"{name} must be one of: {', '.join(choices)}.")
    return value


def is_id(value):
    # bool is a subclass of int: true/false are not ids.
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def check_answer(item, primary, prefix=""):
    """(answer, problem) for a review's answer: sent as ``is_correct`` or
    ``correct`` (either name on either route), a boolean, and when both are
    sent they must agree. ``problem`` names ``primary``."""
    answers = [item[field] for field in ("is_correct", "correct") if field in item]
    if not answers or not all(isinstance(answer, bool) for answer in answers):
        return None, f"{prefix}{primary} must be true or false."
    if len(set(answers)) > 1:
        return None, f"{prefix}is_correct and correct disagree."
    return answers[0], None


def check_review(item, primary, prefix=""):
    """(answer, rating, problem) for a review: its answer as ``check_answer``
    reads it and its fsrs rating, from ``rating`` ("again", "hard", "good",
    "easy") or from the answer (good if correct, else again). With only a
    rating the answer is whether it is not again; a rating and an answer
    that contradict each other are a problem."""
    if "rating" not in item:
        answer, problem = check_answer(item, primary, prefix)
        return answer, (RATINGS["good"] if answer else RATINGS["again"]), problem
    rating = RATINGS.get(item["rating"]) if isinstance(item["rating"], str) else None
    if rating is None:
        return None, None, f"{prefix}rating must be one of: {', '.join(RATINGS)}."
    graded = rating != RATINGS["again"]
    if "is_correct" not in item and "correct" not in item:
        return graded, rating, None
    answer, problem = check_answer(item, primary, prefix)
    if problem is None and answer != graded:
        problem = (f"{prefix}rating {item['rating']} contradicts {primary} {str(answer).lower()}:"
                   " again is a wrong answer, hard, good and easy are right ones.")
    return answer, rating, problem


def int_arg(name, default, low, high):
    raw = request.args.get(name)
    if raw is None:
        return default
    value = int(raw) if INTEGER.fullmatch(raw) else None
    if value is None or not low <= value <= high:
        raise bad_request(f"{name} must be an integer from {low} to {high}.")
    return value


def time_zone_arg():
    """The zone named by ``tz``, or the learner's (their own, or the server's)."""
    name = request.args.get("tz")
    if name is None:
        return ZoneInfo(current_learner().time_zone)
    zone = time_zone(name)
    if zone is None:
        shown = name if len(name) <= 60 else name[:60] + "…"
        raise bad_request(f"tz must be an IANA time zone name such as UTC or Asia/Tokyo; {shown!r} is not one.")
    return zone


def paging(default_per_page):
    """(page, per_page, offset) from the query string."""
    page = int_arg("page", 1, 1, MAX_PAGE)
    per_page = int_arg("per_page", default_per_page, 1, MAX_PER_PAGE)
    return page, per_page, (page - 1) * per_page


def sorting(columns, default_key, default_order):
    """(column, direction) from ``sort_by`` and ``order``; ``columns`` maps
    every accepted key to its SQL column, so no user text reaches the SQL."""
    key = request.args.get("sort_by", default_key)
    if key not in columns:
        raise bad_request(f"sort_by must be one of: {', '.join(columns)}.")
    order = request.args.get("order", default_order).lower()
    if order not in ("asc", "desc"):
        raise bad_request("order must be asc or desc.")
    return columns[key], order.upper()


def total_pages(total, per_page):
    return (total + per_page - 1) // per_page


MAX_IDS = 10_000


def flag_arg(name):
    """A query flag: ``true`` or ``false`` (default false)."""
    raw = request.args.get(name, "false")
    if raw not in ("true", "false"):
        raise bad_request(f"{name} must be true or false.")
    return raw == "true"


def id_list(body, field, required=True):
    """``body[field]`` as a list of distinct ids, in the order sent; None if
    it is absent and not required."""
    if field not in body and not required:
        return None
    values = body.get(field)
    if not isinstance(values, list) or (required and not values) or len(values) > MAX_IDS:
        raise bad_request(f"{field} must be a {'non-empty ' if required else ''}list of at most"
                          f" {MAX_IDS} positive integers.")
    bad = [index for index, value in enumerate(values) if not is_id(value)]
    if bad:
        raise bad_request(f"{field}[{bad[0]}] must be a positive integer.")
    return list(dict.fromkeys(values))


def only_fields(body, allowed, what):
    """A 400 naming the first field of ``body`` that ``what`` does not have."""
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise bad_request(f"{field_name(unknown[0])} is not a field of {what}.")
