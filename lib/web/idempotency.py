"""Safe retries: a POST sent again with the same Idempotency-Key header gets
the first response back and stores nothing new.

The key is looked up, and the response stored, inside the view's own write
transaction, so two concurrent requests with one key cannot both write. Keys are
each learner's own: two learners may send the same key and never meet.
"""
import hashlib
import json
import re
from datetime import timedelta
from functools import wraps

from flask import make_response, request

from lib.core import clock
from lib.web.auth import learner_id
from lib.web.database import transaction
from lib.web.errors import ApiError, bad_request
from lib.web.validation import request_body

HEADER = "Idempotency-Key"
KEY = re.compile(r"[\x21-\x7e]{1,200}")
# Keys are honoured for at least a day; older ones are dropped as new ones come.
KEEP_FOR = timedelta(hours=48)


def fingerprint():
    data = request_body()
    body = request.get_json(silent=True)
    # The same JSON sent with other spacing or key order is the same request.
    if body is not None:
        data = json.dumps(body, sort_keys=True).encode()
    return hashlib.sha256(f"{request.method} {request.path}\n".encode() + data).hexdigest()


def idempotent(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not KEY.fullmatch(key):
            raise bad_request(f"{HEADER} must be 1 to 200 visible ASCII characters.")
        this_request = fingerprint()
        with transaction() as db:
            now = clock.utcnow()
            db.execute("DELETE FROM idempotency_keys WHERE created_at < ?", (clock.iso(now - KEEP_FOR),))
            first = db.execute("SELECT fingerprint, status, body, location FROM idempotency_keys"
                               " WHERE learner_id = ? AND key = ?", (learner_id(), key)).fetchone()
            if first is not None:
                if first["fingerprint"] != this_request:
                    raise ApiError(409, f"This {HEADER} was already used for a different request.")
                return replay(first)
            response = make_response(view(*args, **kwargs))
            if 200 <= response.status_code < 300:
                db.execute(
                    "INSERT INTO idempotency_keys (learner_id, key, fingerprint, status, body, location, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (learner_id(), key, this_request, response.status_code, response.get_data(as_text=True),
                     response.headers.get("Location"), clock.iso(now)),
                )
        return response
    return wrapper


def replay(first):
    response = make_response(first["body"], first["status"])
    response.mimetype = "application/json"
    if first["location"]:
        response.headers["Location"] = first["location"]
    response.headers["Idempotent-Replayed"] = "true"
    return response
