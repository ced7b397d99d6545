from flask import Blueprint, current_app, jsonify, url_for

from lib.core import vocabulary
from lib.store import history, word_files
from lib.store.words import ADD_TO_GROUP, VOCABULARY_VERSION
from lib.web.answers import body, kept_answers, object_sql, response
from lib.web.caching import versioned
from lib.web.database import query_all, query_one, query_one_or_404, require_existing, snapshot, transaction
from lib.web.errors import ApiError, bad_request, not_found, unprocessable
from lib.web.auth import requires
from lib.web.idempotency import idempotent
from lib.web.scheduling import scheduler_of
from lib.web.session_lists import sessions_page
from lib.web.validation import choice_arg, flag_arg, id_list, json_body, only_fields, paging, sorting, total_pages
from lib.web.word_lists import due_queue, page_of_words

bp = Blueprint("groups", __name__)

GROUP_SELECT = "SELECT g.id, g.name AS group_name, g.word_count FROM groups g"

SORT_COLUMNS = {"name": "g.name", "word_count": "g.word_count", "words_count": "g.word_count"}


def get_group_or_404(group_id):
    return query_one_or_404(f"{GROUP_SELECT} WHERE g.id = ?", (group_id,), f"Group {group_id}")


@bp.get("/groups")
@versioned
def list_groups():
    page, per_page, offset = paging(10)
    column, direction = sorting(SORT_COLUMNS, "name", "asc")
    with snapshot():
        total = query_one("SELECT count(*) AS total FROM groups")["total"]
        groups = query_all(
            f"{GROUP_SELECT} ORDER BY {column} {direction}, g.id {direction} LIMIT ? OFFSET ?",
            (per_page, offset),
        )
    return jsonify(groups=groups, total_pages=total_pages(total, per_page), current_page=page)


@bp.get("/groups/<int:group_id>")
@versioned
def get_group(group_id):
    return jsonify(get_group_or_404(group_id))


@bp.get("/groups/<int:group_id>/words")
@versioned
def list_group_words(group_id):
    return page_of_words(
        "word_groups wg JOIN words w ON w.id = wg.word_id", "wg.group_id = ?", (group_id,),
        "SELECT word_count AS total FROM groups WHERE id = ?", default_per_page=10, missing=f"Group {group_id}",
    )


@bp.get("/groups/<int:group_id>/words/due")
def list_group_due_words(group_id):
    """The group's due queue: its words due now, then new ones."""
    with snapshot():
        get_group_or_404(group_id)
        return due_queue(group_id)


# The words an activity app studies, as /groups/<id>/words/raw answers them
# (see lib/web/answers.py).
RAW_WORD_SHAPE = (
    ("id", "w.id"),
    ("kanji", "w.kanji"),
    ("kana", "w.kana"),
    ("romaji", "w.romaji"),
    ("english", "w.english"),
    ("parts", "json(w.parts)"),
)
GROUP_WORDS_IN_ORDER = ("SELECT w.* FROM word_groups wg JOIN words w ON w.id = wg.word_id"
                        " WHERE wg.group_id = ? ORDER BY wg.word_id")
RAW_WORDS_JSON = f"""
SELECT json_object('group_id', g.id, 'group_name', g.name, 'words', (
    SELECT json_group_array({object_sql(RAW_WORD_SHAPE)})
    FROM ({GROUP_WORDS_IN_ORDER}) w)) AS answer
FROM groups g WHERE g.id = ?
"""


@bp.get("/groups/<int:group_id>/words/raw")
@versioned
def list_group_words_raw(group_id):
    """Every word of the group with its parts, for study activity apps.

    Every launch of an activity asks for it, and only a change to the
    vocabulary changes it: the answer is kept under the vocabulary's
    version (migration 0013) and built again once that has moved on."""
    kept = kept_answers()
    with snapshot():
        version = query_one(VOCABULARY_VERSION)
        # without its row (taken out by hand) nothing names the vocabulary's state: nothing is kept
        key = version and ("raw words", group_id, version["version"])
        kept_body = key and kept.get(key)
        if kept_body is None:
            answer = query_one(RAW_WORDS_JSON, (group_id, group_id))
            if answer is None:
                raise not_found(f"Group {group_id} does not exist.")
            kept_body = body(answer["answer"])
            if key:
                kept.keep(key, kept_body)
    return response(kept_body)


@bp.get("/groups/<int:group_id>/study-sessions")
@versioned
def list_group_sessions(group_id):
    with snapshot():
        get_group_or_404(group_id)
        items, total, page, per_page = sessions_page(
            "s.group_id = ?", (group_id,),
            "SELECT coalesce((SELECT sessions_count FROM learner_groups WHERE learner_id = ? AND group_id = ?), 0)"
            " AS total", sortable=True)
    return jsonify(study_sessions=items, total_pages=total_pages(total, per_page), current_page=page)


def group_name(body):
    only_fields(body, ["name"], "a group")
    name = body.get("name")
    problem = vocabulary.group_name_problem(name, "name")
    if problem:
        raise bad_request(problem)
    return name.strip()


def check_name_free(db, name, group_id=None):
    same = db.execute("SELECT id FROM groups WHERE name = ? AND id IS NOT ?", (name, group_id)).fetchone()
    if same is not None:
        raise ApiError(409, f"Group {same['id']} is already named {name}.")


@bp.post("/groups")
@requires("vocabulary")
@idempotent
def create_group():
    name = group_name(json_body())
    with transaction() as db:
        check_name_free(db, name)
        group_id = db.execute("INSERT INTO groups (name) VALUES (?)", (name,)).lastrowid
        group = get_group_or_404(group_id)
    response = jsonify(group)
    response.status_code = 201
    response.headers["Location"] = url_for(".get_group", group_id=group_id)
    return response


@bp.patch("/groups/<int:group_id>")
@requires("vocabulary")
def rename_group(group_id):
    name = group_name(json_body())
    with transaction() as db:
        get_group_or_404(group_id)
        check_name_free(db, name, group_id)
        db.execute("UPDATE groups SET name = ? WHERE id = ?", (name, group_id))
        group = get_group_or_404(group_id)
    return jsonify(group)


@bp.delete("/groups/<int:group_id>")
@requires("vocabulary")
def delete_group(group_id):
    """Its words stay; its sessions and their reviews go only with_history."""
    with_history = flag_arg("with_history")
    with transaction(large=True) as db:
        group = query_one_or_404("SELECT name FROM groups WHERE id = ?", (group_id,), f"Group {group_id}")
        # every learner's: the group is the whole server's
        sessions, reviews = db.execute("SELECT count(*), coalesce(sum(review_items_count), 0) FROM study_sessions"
                                       " WHERE group_id = ?", (group_id,)).fetchone()
        if sessions and not with_history:
            raise ApiError(409, f"Group {group_id} has {sessions} study session{'s' if sessions != 1 else ''};"
                                " delete it with ?with_history=true to delete them and their reviews too.")
        history.remove_sessions(db, scheduler_of, "group_id = ?", (group_id,))
        db.execute("DELETE FROM groups WHERE id = ?", (group_id,))
    return jsonify(message=f"Group {group['name']} was deleted; its words were kept.",
                   deleted_sessions=sessions, deleted_reviews=reviews)


@bp.post("/groups/<int:group_id>/words")
@requires("vocabulary")
def add_group_words(group_id):
    """Add words to the group: all of them, or none if any does not exist."""
    body = json_body()
    only_fields(body, ["word_ids"], "this request")
    word_ids = id_list(body, "word_ids")
    with transaction() as db:
        get_group_or_404(group_id)
        require_existing("words", word_ids, "Word")
        added = db.executemany(ADD_TO_GROUP, [(word_id, group_id) for word_id in word_ids]).rowcount
        group = get_group_or_404(group_id)
    return jsonify(group_id=group_id, added=added, word_count=group["word_count"])


@bp.delete("/groups/<int:group_id>/words/<int:word_id>")
@requires("vocabulary")
def remove_group_word(group_id, word_id):
    with transaction() as db:
        group = get_group_or_404(group_id)
        removed = db.execute("DELETE FROM word_groups WHERE group_id = ? AND word_id = ?",
                             (group_id, word_id)).rowcount
        if not removed:
            raise unprocessable(f"Word {word_id} is not in group {group['group_name']}.")
        group = get_group_or_404(group_id)
    return jsonify(group_id=group_id, removed=1, word_count=group["word_count"])


@bp.get("/groups/<int:group_id>/export")
@versioned
def export_group(group_id):
    """The group's words as a file that imports back to the same words."""
    file_format = choice_arg("format", word_files.FORMATS, "json")
    with snapshot() as db:
        get_group_or_404(group_id)
        text = word_files.export(db, group_id, file_format)
    response = current_app.response_class(text, mimetype=word_files.MEDIA_TYPES[file_format])
    response.headers["Content-Disposition"] = f'attachment; filename="group-{group_id}.{file_format}"'
    return response
