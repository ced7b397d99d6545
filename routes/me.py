"""The learner a request acts for: their settings, their tokens, their export."""
from flask import Blueprint, jsonify

from lib.store import learners
from lib.web.auth import current_learner, learner_from, requires
from lib.web.database import get_db, transaction
from lib.web.errors import ApiError, bad_request, not_found
from lib.web.learners import changes_from, checked_name, export_response, refusals_as_conflicts, update
from lib.web.validation import json_body, only_fields

bp = Blueprint("me", __name__)


def me_answer(learner):
    return {"id": learner.id, "name": learner.name, "admin": learner.admin, "time_zone": learner.time_zone,
            "new_per_day": learner.new_per_day, "desired_retention": learner.desired_retention,
            "scopes": list(learner.scopes)}


@bp.get("/me")
def get_me():
    """Who the request acts for, their settings as they apply, and the
    scopes of the token it carries (every one for an anonymous request)."""
    return jsonify(me_answer(current_learner()))


@bp.patch("/me")
@requires("review")
def update_me():
    changes = changes_from(json_body(), learners.SETTINGS)
    learner = current_learner()
    with transaction(large=True) as db:  # a new retention rewrites every schedule of theirs
        update(db, learner.id, changes)
        row = db.execute(learners.LEARNER, (learner.id,)).fetchone()
    return jsonify(me_answer(learner_from(row, learner.scopes, learner.token_id)))


@bp.get("/me/tokens")
def list_my_tokens():
    """Every token of the learner, oldest first; never a secret."""
    return jsonify(learners.tokens_of(get_db(), current_learner().id))


@bp.post("/me/tokens")
@requires("review")
def create_my_token():
    """A new token for the learner, shown this once. It can do no more
    than the token that made it."""
    body = json_body()
    only_fields(body, ["name", "scopes"], "a token")
    name = checked_name(body.get("name"))
    asked = body.get("scopes", list(learners.STUDY_SCOPES))
    problem = learners.scopes_problem(asked)
    if problem:
        raise bad_request(problem)
    scopes = learners.in_order(asked)
    learner = current_learner()
    lacking = [scope for scope in scopes if scope not in learner.scopes]
    if lacking:
        raise ApiError(403, f"A token cannot give more than the token that makes it: this request's lacks"
                            f" {', '.join(lacking)}.")
    if not set(scopes) <= set(learners.allowed_scopes(learner.admin)):
        raise ApiError(403, "Only an admin's tokens may have the admin scope.")
    with transaction() as db, refusals_as_conflicts():
        token, secret = learners.create_token(db, learner.id, name, scopes)
    del token["last_used_at"]  # never used yet
    return jsonify({**token, "token": secret}), 201


@bp.delete("/me/tokens/<int:token_id>")
@requires("review")
def revoke_my_token(token_id):
    """Revoke one of the learner's tokens (the one the request carries too):
    it fails on its very next request."""
    with transaction() as db:
        token = learners.token_of(db, current_learner().id, token_id)
        if token is None:
            raise not_found(f"Token {token_id} does not exist.")
        learners.revoke_token(db, current_learner().id, token_id)
    return jsonify(message=f"Token {token_id} ({token['name']}) was revoked.")


@bp.get("/me/export")
def export_me():
    """Everything of the learner's as one JSON document, written as it is read."""
    learner = current_learner()
    return export_response(learner.id, learner.name)
