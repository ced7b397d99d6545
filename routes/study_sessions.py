from flask import Blueprint, current_app, jsonify, url_for

from lib.core import clock
from lib.store import backup, history, schedules, seed
from lib.store.connection import placeholders
from lib.web.caching import versioned
from lib.web.database import (bulk_transaction, query_all, query_column, query_one, query_one_or_404,
                              require_existing, snapshot, transaction)
from lib.web.errors import ApiError, bad_request, unprocessable
from lib.web.auth import learner_id, requires
from lib.web.idempotency import idempotent
from lib.web.scheduling import scheduler
from lib.web.pages import paged_items
from lib.web.session_lists import SESSION_SELECT, from_day, sessions_page
from lib.web.validation import check_review, is_id, json_body, paging, total_pages

bp = Blueprint("study_sessions", __name__)

MAX_REVIEWS_PER_REQUEST = 500


def get_session_or_404(session_id):
    """The learner's session: another learner's is a 404, as one that does
    not exist (an id must not tell that it exists)."""
    return query_one_or_404(f"{SESSION_SELECT} WHERE s.id = ? AND s.learner_id = ?", (session_id, learner_id()),
                            f"Study session {session_id}")


# Inserts nothing when the group or the activity does not exist, or the
# activity is retired: the reads that say which are made only then.
NEW_SESSION = """
INSERT INTO study_sessions (learner_id, group_id, study_activity_id, created_at, ended_at)
SELECT ?, g.id, a.id, ?, ? FROM groups g, study_activities a WHERE g.id = ? AND a.id = ? AND NOT a.retired
"""


@bp.post("/study-sessions")
@requires("review")
@idempotent
def create_session():
    body = json_body()
    problems = []
    for field in ("group_id", "study_activity_id"):
        if field not in body:
            problems.append(f"{field} is required.")
        elif not is_id(body[field]):
            problems.append(f"{field} must be a positive integer.")
    if problems:
        raise bad_request(" ".join(problems))
    group_id, activity_id = body["group_id"], body["study_activity_id"]
    with transaction() as db:
        now = clock.now_iso()
        inserted = db.execute(NEW_SESSION, (learner_id(), now, now, group_id, activity_id))
        if inserted.rowcount == 0:
            require_existing("groups", [group_id], "Group")
            if query_one("SELECT 1 AS found FROM study_activities WHERE id = ?", (activity_id,)) is None:
                raise unprocessable(f"Study activity {activity_id} does not exist.")
            raise unprocessable(f"Study activity {activity_id} is retired: start a session with another one.")
        session = get_session_or_404(inserted.lastrowid)
    response = jsonify({**session, "session_id": session["id"]})
    response.status_code = 201
    response.headers["Location"] = url_for(".get_session", session_id=session["id"])
    return response


@bp.get("/study-sessions")
@versioned
def list_sessions():
    return jsonify(paged_items(*sessions_page(
        "1", (), "SELECT sessions_count AS total FROM learner_totals WHERE learner_id = ?", seek=from_day)))


@bp.get("/study-sessions/<int:session_id>")
def get_session(session_id):
    page, per_page, offset = paging(10)
    with snapshot():
        session = get_session_or_404(session_id)
        total = query_one(
            "SELECT count(DISTINCT word_id) AS total FROM word_review_items"
            " WHERE study_session_id = ? AND learner_id = ?",
            (session_id, learner_id()),
        )["total"]
        words = query_all(
            """
            SELECT w.id, w.kanji, w.kana, w.romaji, w.english,
                   sum(r.correct) AS correct_count, sum(1 - r.correct) AS wrong_count
            FROM word_review_items r JOIN words w ON w.id = r.word_id
            WHERE r.study_session_id = ? AND r.learner_id = ?
            GROUP BY r.word_id ORDER BY r.word_id LIMIT ? OFFSET ?
            """,
            (session_id, learner_id(), per_page, offset),
        )
    return jsonify({"session": session, "words": words, "total": total, "page": page,
                    "per_page": per_page, "total_pages": total_pages(total, per_page)})


def check_reviews(body):
    """The batch's well-formed items as (index, word_id, correct, rating),
    and (index, sentence) for each problem of the others."""
    reviews = body.get("reviews")
    if not isinstance(reviews, list) or not reviews:
        raise bad_request("reviews must be a non-empty list of {word_id, is_correct}.")
    if len(reviews) > MAX_REVIEWS_PER_REQUEST:
        raise bad_request(f"reviews may hold at most {MAX_REVIEWS_PER_REQUEST} items.")
    items, problems = [], []
    for index, item in enumerate(reviews):
        where = f"reviews[{index}]"
        if not isinstance(item, dict):
            problems.append((index, f"{where} must be an object."))
            continue
        correct, rating, answer_problem = check_review(item, "is_correct", f"{where}.")
        found = [f"{where}.word_id must be a positive integer."] if not is_id(item.get("word_id")) else []
        found += [answer_problem] if answer_problem else []
        problems += [(index, problem) for problem in found]
        if not found:
            items.append((index, item["word_id"], correct, rating))
    return items, problems


def words_outside_group(session, items):
    """(index, sentence) for each item whose word does not exist or is not in
    the session's group."""
    word_ids = sorted({word_id for _, word_id, _, _ in items})
    if not word_ids:
        return []
    marks = placeholders(word_ids)
    in_group_where = f"FROM word_groups WHERE group_id = ? AND word_id IN ({marks})"
    params = (session["group_id"], *word_ids)
    # Counted first: one row to read, under the write lock, when (as almost
    # always) every word fits.
    if query_one(f"SELECT count(*) AS fitting {in_group_where}", params)["fitting"] == len(word_ids):
        return []
    in_group = set(query_column(f"SELECT word_id {in_group_where}", params))
    existing = set(query_column(f"SELECT id FROM words WHERE id IN ({marks})", word_ids))
    return [(index, f"reviews[{index}]: word {word_id} does not exist." if word_id not in existing
             else f"reviews[{index}]: word {word_id} is not in group {session['group_name']}.")
            for index, word_id, _, _ in items if word_id not in in_group]


INSERT_REVIEW = """
INSERT INTO word_review_items (learner_id, word_id, study_session_id, correct, rating, state_before, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
"""


@bp.post("/study-sessions/<int:session_id>/review")
@requires("review")
@idempotent
def record_reviews(session_id):
    items, malformed = check_reviews(json_body())
    with transaction() as db:
        session = get_session_or_404(session_id)
        unfit = words_outside_group(session, items)
        # One answer names every bad item: a 400 lists those that do not fit too.
        if malformed:
            raise bad_request(" ".join(problem for _, problem in sorted(malformed + unfit)))
        if unfit:
            raise unprocessable(" ".join(problem for _, problem in unfit))
        now = clock.now_iso()
        learner = learner_id()
        # In the order given: a batch may review one word several times.
        states_before = schedules.apply_reviews(db, scheduler(), learner,
                                                [(word_id, rating) for _, word_id, _, rating in items], now)
        db.executemany(INSERT_REVIEW, [(learner, word_id, session_id, int(correct), rating, state_before, now)
                                       for (_, word_id, correct, rating), state_before in zip(items, states_before)])
    # The session was read under the write lock, and the counting trigger
    # adds each item to it: no need to read it again while holding the lock.
    return jsonify(session_id=session_id, recorded=len(items),
                   review_items_count=session["review_items_count"] + len(items)), 201


@bp.post("/study-sessions/<int:session_id>/words/<int:word_id>/review")
@requires("review")
@idempotent
def record_review(session_id, word_id):
    correct, rating, problem = check_review(json_body(), "correct")
    if problem:
        raise bad_request(problem)
    with transaction() as db:
        session = get_session_or_404(session_id)
        query_one_or_404("SELECT 1 AS found FROM words WHERE id = ?", (word_id,), f"Word {word_id}")
        if query_one("SELECT 1 AS found FROM word_groups WHERE group_id = ? AND word_id = ?",
                     (session["group_id"], word_id)) is None:
            raise unprocessable(f"Word {word_id} is not in group {session['group_name']}.")
        now = clock.now_iso()
        [state_before] = schedules.apply_reviews(db, scheduler(), learner_id(), [(word_id, rating)], now)
        item = dict(db.execute(f"{INSERT_REVIEW} RETURNING id, study_session_id, word_id, correct, created_at",
                               (learner_id(), word_id, session_id, int(correct), rating, state_before,
                                now)).fetchone())
    item["correct"] = bool(item["correct"])
    return jsonify(item), 201


@bp.post("/study-sessions/reset")
@requires("review")
def reset_history():
    """The learner's own history and schedules; no other learner's."""
    json_body(required=False)
    with transaction(large=True) as db:
        history.clear(db, learner_id())
    return jsonify(message="Study history has been reset: every study session and review result was deleted.")


@bp.post("/full-reset")
@requires("admin")
def full_reset():
    """Every learner's history, and the vocabulary back to the seed's; the
    learners and their tokens stay."""
    json_body(required=False)
    with bulk_transaction() as db:
        # Taken under the write lock, so it is exactly what the reset removes.
        try:
            saved = backup.save_before_reset(current_app.config["DATABASE"], current_app.config["BACKUP_DIR"],
                                             current_app.config["BACKUPS_KEPT"])
        except (backup.BackupError, OSError) as error:  # a damaged source, a folder that cannot be written
            current_app.logger.error("full reset refused: %s", error)
            raise ApiError(503, "The backup a full reset takes first could not be made: nothing was reset.") \
                from None
        seed.reset(db, current_app.config["SEED_DIR"])
    return jsonify(message="The database has been reset to the seed vocabulary and activities.",
                   backup=saved.name)
