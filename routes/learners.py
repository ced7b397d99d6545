"""Every learner on the server, and every token: an admin's routes, each
needing the admin scope, reading ones too."""
from flask import Blueprint, jsonify, url_for

from lib.store import learners
from lib.web.auth import applied_settings, requires
from lib.web.database import get_db, snapshot, transaction
from lib.web.errors import not_found
from lib.web.learners import changes_from, checked_admin, checked_name, refusals_as_conflicts, update
from lib.web.pages import paged_items
from lib.web.validation import json_body, only_fields, paging

bp = Blueprint("learners", __name__)

LEARNER_FIELDS = ("name", "admin", *learners.SETTINGS)


def get_learner_or_404(learner_id):
    """The learner with their counts and their settings as they apply."""
    found = learners.detail(get_db(), learner_id)
    if found is None:
        raise not_found(f"Learner {learner_id} does not exist.")
    return {**found, **applied_settings(found)}


@bp.get("/learners")
@requires("admin")
def list_learners():
    page, per_page, offset = paging(10)
    with snapshot() as db:
        items, total = learners.learners_page(db, per_page, offset)
    return jsonify(paged_items(items, total, page, per_page))


@bp.post("/learners")
@requires("admin")
def create_learner():
    """A learner and their first token, shown this once: read and review,
    or every scope for an admin."""
    body = json_body()
    only_fields(body, ["name", "admin"], "a learner")
    name, admin = checked_name(body.get("name")), checked_admin(body.get("admin", False))
    with transaction() as db, refusals_as_conflicts():
        learner_id, token = learners.create(db, name, admin)
    response = jsonify(id=learner_id, name=name, admin=admin, token=token)
    response.status_code = 201
    response.headers["Location"] = url_for(".get_learner", learner_id=learner_id)
    return response


@bp.get("/learners/<int:learner_id>")
@requires("admin")
def get_learner(learner_id):
    return jsonify(get_learner_or_404(learner_id))


@bp.patch("/learners/<int:learner_id>")
@requires("admin")
def update_learner(learner_id):
    """Rename, make or unmake an admin (their tokens lose the admin scope),
    or change their settings as PATCH /api/me does."""
    changes = changes_from(json_body(), LEARNER_FIELDS)
    with transaction(large=True) as db:  # a new retention rewrites every schedule of theirs
        get_learner_or_404(learner_id)
        update(db, learner_id, changes)
        found = get_learner_or_404(learner_id)
    return jsonify(found)


@bp.delete("/learners/<int:learner_id>")
@requires("admin")
def remove_learner(learner_id):
    """The learner and their whole record: sessions, reviews, schedules,
    tokens and keys; no other learner's counters change."""
    with transaction(large=True) as db:
        name = get_learner_or_404(learner_id)["name"]
        with refusals_as_conflicts():
            sessions, reviews = learners.remove(db, learner_id)
    return jsonify(message=f"Learner {name} was removed with their whole record.",
                   deleted_sessions=sessions, deleted_reviews=reviews)


@bp.get("/learners/<int:learner_id>/tokens")
@requires("admin")
def list_learner_tokens(learner_id):
    with snapshot() as db:
        get_learner_or_404(learner_id)
        return jsonify(learners.tokens_of(db, learner_id))


@bp.delete("/learners/<int:learner_id>/tokens/<int:token_id>")
@requires("admin")
def revoke_learner_token(learner_id, token_id):
    with transaction() as db:
        get_learner_or_404(learner_id)
        token = learners.token_of(db, learner_id, token_id)
        if token is None:
            raise not_found(f"Learner {learner_id} has no token {token_id}.")
        learners.revoke_token(db, learner_id, token_id)
    return jsonify(message=f"Token {token_id} ({token['name']}) of learner {learner_id} was revoked.")
